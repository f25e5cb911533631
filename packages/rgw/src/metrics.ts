/**
 * The gateway's Prometheus metrics: radosgw's perf counters (src/rgw/rgw_perf_counters.cc) under
 * the names the mgr's prometheus module gives them (ceph_rgw_<counter>, a ceph_daemon label; a
 * time-average counter as _sum seconds and _count), and the process metrics (process_*,
 * nodejs_*) from prom-client's default collectors, served on their own port and path
 * (ts_rgw_metrics_port, off when 0, and ts_rgw_metrics_path).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Named limits of the metrics endpoint (docs/LIMITS.md, "rgw"). */
export const rgwMetricsLimits = {
  /** A scraper must send its request headers within this. */
  headersTimeoutMs: 10_000,
};

/** Which of radosgw's op counters a request moves (RGWGetObj: get; RGWPutObj / RGWPostObj: put). */
export type OpKind = 'get' | 'put' | 'other';

/** The object subresources whose GET/PUT are not object data (radosgw runs other ops for them). */
const notData = ['acl', 'tagging', 'uploads', 'uploadId', 'versioning', 'policy', 'cors', 'location', 'delete', 'versions', 'lifecycle', 'website', 'logging', 'notification'];

/** Classify a request: a GET of an object's data, a PUT or POST upload of one (parts too), or other. */
export function opKind(method: string, hasKey: boolean, query: URLSearchParams, isCopy: boolean, isForm: boolean): OpKind {
  if (method === 'POST' && !hasKey && isForm) return 'put';
  if (!hasKey) return 'other';
  const sub = notData.some((s) => query.has(s) && !(s === 'uploadId' && method === 'PUT' && query.has('partNumber')));
  if (sub) return 'other';
  if (method === 'GET') return 'get';
  if (method === 'PUT' && !isCopy) return 'put';
  return 'other';
}

export class RgwMetrics {
  readonly registry = new Registry();
  private readonly c: Record<string, Counter> = {};
  private readonly qactive: Gauge;
  private server: Server | undefined;

  /**
   * `text`, when given, supplies the page instead of this registry (ts-rgw's primary process
   * serves its workers' summed metrics: bin/workers.ts).
   */
  constructor(
    daemon: string,
    private readonly text: () => Promise<string> = () => this.registry.metrics(),
  ) {
    this.registry.setDefaultLabels({ ceph_daemon: daemon });
    collectDefaultMetrics({ register: this.registry });
    const counter = (name: string, help: string): Counter => (this.c[name] = new Counter({ name: `ceph_rgw_${name}`, help, registers: [this.registry] }));
    counter('req', 'Requests');
    counter('failed_req', 'Aborted requests');
    counter('get', 'Gets');
    counter('get_b', 'Size of gets');
    counter('get_initial_lat_sum', 'Get latency (seconds, sum)');
    counter('get_initial_lat_count', 'Get latency (count)');
    counter('put', 'Puts');
    counter('put_b', 'Size of puts');
    counter('put_initial_lat_sum', 'Put latency (seconds, sum)');
    counter('put_initial_lat_count', 'Put latency (count)');
    this.qactive = new Gauge({ name: 'ceph_rgw_qactive', help: 'Active requests queue', registers: [this.registry] });
  }

  /** A request came in; returns what to call when it is answered. */
  begin(): (kind: OpKind, failed: boolean, bytes: number, seconds: number) => void {
    this.qactive.inc();
    return (kind, failed, bytes, seconds) => {
      this.qactive.dec();
      this.c.req!.inc();
      if (failed) return void this.c.failed_req!.inc();
      if (kind === 'other') return;
      this.c[kind]!.inc();
      this.c[`${kind}_b`]!.inc(bytes);
      this.c[`${kind}_initial_lat_sum`]!.inc(seconds);
      this.c[`${kind}_initial_lat_count`]!.inc();
    };
  }

  /**
   * Count one request from arrival to the end of its answer; the server reports an error answer
   * (radosgw's failed_req: the op returned an error) and the payload it took in.
   */
  watch(req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string): { failed(): void; received(bytes: number): void } {
    const started = performance.now();
    const end = this.begin();
    let failed = false;
    let bytesIn = 0;
    const hasKey = rawPath.split('/').slice(2).join('/') !== '';
    const kind = opKind(req.method ?? 'GET', hasKey, new URLSearchParams(rawQuery), req.headers['x-amz-copy-source'] !== undefined, /^multipart\/form-data/i.test(req.headers['content-type'] ?? ''));
    res.once('close', () => end(kind, failed || !res.writableFinished, kind === 'get' ? Number(res.getHeader('content-length') ?? 0) : bytesIn, (performance.now() - started) / 1000));
    return { failed: () => void (failed = true), received: (n) => void (bytesIn = n) };
  }

  /** Serve GET `path` on `port` (0: the kernel picks); returns the port. */
  async listen(port: number, host: string, path: string): Promise<number> {
    const s = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] !== path || (req.method !== 'GET' && req.method !== 'HEAD')) return void res.writeHead(404).end();
      void this.text().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (e: Error) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`${e.message}\n`),
      );
    });
    s.headersTimeout = rgwMetricsLimits.headersTimeoutMs;
    this.server = s;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve());
    });
    return (s.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
