/**
 * A daemon's own process metrics (process_cpu_seconds_total, process_resident_memory_bytes,
 * nodejs_*), from prom-client's default collectors, and the small HTTP endpoint that serves them.
 * Every daemon (ts-mon, ts-osd) may expose them on a port of its own (option
 * `ts_metrics_port`, off when 0); the mgr's /metrics includes the hosting process's set.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';

export const metricsHttpLimits = {
  /** A scraper must send its request headers within this (node's headersTimeout). */
  headersTimeoutMs: 10_000,
  /** A whole request, headers and body, within this (node's requestTimeout). */
  requestTimeoutMs: 30_000,
};

let processRegistry: Registry | undefined;

/** The process-wide registry of default metrics, created on first use (collectors register once). */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The index page the mgr module serves at "/" (module.py Root.index). */
const INDEX = `<!DOCTYPE html>
<html>
    <head><title>Ceph Exporter</title></head>
    <body>
        <h1>Ceph Exporter</h1>
        <p><a href='/metrics'>Metrics</a></p>
    </body>
</html>`;

/**
 * An HTTP server answering GET /metrics with `render()` and "/" with the index page; anything else
 * is 404. Errors while rendering answer 503, as the module does when it has no data.
 */
export class MetricsHttpServer {
  private server: Server | undefined;

  constructor(private readonly render: () => Promise<string>) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async listen(host: string, port: number): Promise<void> {
    const s = createServer((req, res) => void this.handle(req, res));
    s.headersTimeout = metricsHttpLimits.headersTimeoutMs;
    s.requestTimeout = metricsHttpLimits.requestTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.server = s;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('Server', 'Ceph-Prometheus');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8' }).end(INDEX);
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await this.render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
    } catch (e) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`No MON connection: ${(e as Error).message}\n`);
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** Serve only the process metrics (a daemon's own endpoint). */
export function processMetricsServer(): MetricsHttpServer {
  return new MetricsHttpServer(() => processMetrics().metrics());
}
