/**
 * The parts of the mgr role ts-mon hosts as a daemon: the prometheus module's HTTP server, started
 * and stopped as `mgr module enable|disable prometheus` and the mgr/prometheus/* options change;
 * the host's crash agent (what ceph-crash does: post every report under crash_dir, then move it to
 * crash_dir/posted); and this process's own metrics endpoint (ts_metrics_port).
 */
import { CephConf, logger } from '@ts-ceph/common';
import { MetricsHttpServer, PrometheusModule, markCrashPosted, processMetricsServer, unpostedCrashReports } from '@ts-ceph/mgr';
import type { Monitor } from './monitor';
import type { PaxosService } from './core/paxos-service';
import { MonMgrView } from './mgr-view';

const log = logger('mon');

/** Ceph's crash_dir default; every daemon of a host writes there, one agent posts. */
export const DEFAULT_CRASH_DIR = '/var/lib/ceph/crash';

export const mgrHostLimits = {
  /** How often the crash agent scans crash_dir (ceph-crash: every 10 minutes; ours is cheaper). */
  crashScanIntervalMs: 60_000,
};

export class MgrRoleHost {
  readonly prometheus: PrometheusModule;
  private ownMetrics: MetricsHttpServer | undefined;
  private lastCrashScan = 0;

  constructor(
    private readonly mon: Monitor,
    /** The directory the crash agent watches; undefined: no agent (run the stock ceph-crash). */
    readonly crashDir: string | undefined,
  ) {
    this.prometheus = new PrometheusModule(new MonMgrView(mon));
  }

  /**
   * The crash agent runs only when ceph.conf names crash_dir (ts-ceph bootstrap does): the default
   * /var/lib/ceph/crash belongs to whatever else runs on the host, as Ceph deploys its agent apart.
   */
  static fromConf(mon: Monitor, conf: CephConf, entity: string): MgrRoleHost {
    return new MgrRoleHost(mon, conf.get('crash_dir', entity));
  }

  async start(conf: CephConf, entity: string): Promise<void> {
    const port = conf.get('ts_metrics_port', entity);
    if (port && Number(port) > 0) {
      this.ownMetrics = processMetricsServer();
      await this.ownMetrics.listen(conf.get('ts_metrics_addr', entity) ?? '127.0.0.1', Number(port));
      log.info(`process metrics on port ${this.ownMetrics.port}`);
    }
    await this.reconcile();
    this.lastCrashScan = this.mon.opts.clock.wallNow();
    await this.postLocalCrashes();
  }

  /** After a commit: the module list or the config may have changed. */
  onCommitted(svcs: PaxosService[]): void {
    if (svcs.includes(this.mon.mgr) || svcs.includes(this.mon.config)) void this.reconcile();
  }

  reconcile(): Promise<void> {
    const port = this.mon.mgrModuleOption('mgr/prometheus/server_port');
    return this.prometheus.reconcile({
      enabled: this.mon.mgr.moduleEnabled('prometheus'),
      serverAddr: this.mon.mgrModuleOption('mgr/prometheus/server_addr'),
      serverPort: port !== undefined && /^\d+$/.test(port) ? Number(port) : undefined,
    });
  }

  /** Called from the tick: scan crash_dir now and then. */
  tick(now: number): void {
    if (now - this.lastCrashScan < mgrHostLimits.crashScanIntervalMs) return;
    this.lastCrashScan = now;
    void this.postLocalCrashes();
  }

  /** Post every report under crash_dir not yet posted, as `ceph crash post -i meta` would. */
  async postLocalCrashes(): Promise<number> {
    if (!this.crashDir) return 0;
    let posted = 0;
    for (const [id, meta] of unpostedCrashReports(this.crashDir)) {
      const r = await this.mon.command(this.mon.adminSession(), [JSON.stringify({ prefix: 'crash post' })], meta);
      if (r.r < 0) {
        log.dout(1, `crash ${id}: post failed: ${r.rs}`);
        continue;
      }
      try {
        markCrashPosted(this.crashDir, id);
      } catch (e) {
        log.dout(1, `crash ${id}: cannot move to posted/: ${(e as Error).message}`);
      }
      posted++;
    }
    if (posted) log.info(`posted ${posted} crash report(s) from ${this.crashDir}`);
    return posted;
  }

  async stop(): Promise<void> {
    await this.prometheus.shutdown();
    await this.ownMetrics?.close();
  }
}
