/**
 * The prometheus module's life cycle in the process that hosts the mgr role: serve /metrics while
 * the module is enabled in the MgrMap, bound where the `mgr/prometheus/server_addr` and
 * `mgr/prometheus/server_port` options say (config_notify restarts the server when they change),
 * stop when it is disabled. TLS is not offered (Ceph 16.2's module serves plain HTTP too).
 */
import { logger } from '@ts-ceph/common';
import type { MgrClusterView } from '../cluster-view';
import { MetricsHttpServer, processMetrics } from '../../process-metrics';
import { PrometheusCollector } from './collect';

const log = logger('mgr');

/** DEFAULT_PORT: the port registered for Ceph's exporter in Prometheus' port allocations. */
export const PROMETHEUS_DEFAULT_PORT = 9283;

/** What the host reads at each reconcile: whether the module is on and its options. */
export interface PrometheusSettings {
  enabled: boolean;
  /** mgr/prometheus/server_addr; Ceph's default is "::" (every address). */
  serverAddr: string | undefined;
  /** mgr/prometheus/server_port */
  serverPort: number | undefined;
}

export class PrometheusModule {
  private readonly collector = new PrometheusCollector();
  private readonly http = new MetricsHttpServer(() => this.collector.collect(this.view, [processMetrics()]));
  private bound: { addr: string; port: number } | undefined;
  /** Serialises reconciles: a commit can arrive while the previous bind is in flight. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly view: MgrClusterView) {}

  /** The port actually bound (the OS's choice when asked for 0), or 0 when not serving. */
  get port(): number {
    return this.http.port;
  }

  /** One scrape's text, as GET /metrics returns it. */
  scrape(): Promise<string> {
    return this.collector.collect(this.view, [processMetrics()]);
  }

  /** Bring the server in line with `s`; safe to call after every commit. */
  reconcile(s: PrometheusSettings): Promise<void> {
    this.chain = this.chain.then(() => this.apply(s)).catch((e: unknown) => log.error(`prometheus: ${(e as Error).message}`));
    return this.chain;
  }

  private async apply(s: PrometheusSettings): Promise<void> {
    const addr = s.serverAddr || '::';
    const port = s.serverPort ?? PROMETHEUS_DEFAULT_PORT;
    if (!s.enabled) {
      if (this.bound) log.info('prometheus: module disabled, stopping the server');
      await this.stop();
      return;
    }
    if (this.bound && this.bound.addr === addr && this.bound.port === port) return;
    await this.stop();
    try {
      await this.http.listen(addr, port);
    } catch (e) {
      // "::" on a host without IPv6: every IPv4 address instead, which is what "::" means there.
      const code = (e as NodeJS.ErrnoException).code;
      if (addr !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw e;
      await this.http.listen('0.0.0.0', port);
    }
    this.bound = { addr, port };
    log.info(`prometheus: serving /metrics on ${addr.includes(':') ? `[${addr}]` : addr}:${this.http.port}`);
  }

  async stop(): Promise<void> {
    this.bound = undefined;
    await this.http.close();
  }

  /** Stop serving and wait for any reconcile in flight. */
  async shutdown(): Promise<void> {
    await this.chain;
    await this.stop();
  }
}
