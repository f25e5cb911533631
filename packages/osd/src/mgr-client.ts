/**
 * ts-osd's MgrClient (src/mgr/MgrClient.cc): follows the MgrMap, keeps a session with the active
 * mgr (MMgrOpen), and once the mgr says how often (MMgrConfigure) sends every stats period an
 * MMgrReport (the osd perf counters, their schema the first time) and an MPGStats. A lost session
 * is reopened after mgr_connect_retry_interval; a new active mgr gets a new session.
 */
import { Clock, TimerHandle, logger } from '@ts-ceph/common';
import { AddrType, EntityType, EntityAddr, Reader, Uuid, formatAddr, utimeFromMs } from '@ts-ceph/denc';
import { CephMessage, Connection, Dispatcher, Messenger, Policies, messageTypes } from '@ts-ceph/messenger';
import { MMgrMap, MMgrConfigure, MSG_MGR_CONFIGURE, MSG_OSD_SCRUB2, MOSDScrub2, MMgrOpenCodec, MMgrReportCodec, MPGStatsCodec, PerfCounterType, packPerfValues } from '@ts-ceph/messages';
import { OSDMap, PgStatT, decodeMgrMap } from '@ts-ceph/maps';
import { PG } from './core/pg';
import { MonClient } from '@ts-ceph/rados';
import { OsdPerfCounters } from './core/tell/perf';
import { PgStatsReporter, PgStatsSource } from './pg-stats-report';

const log = logger('mgrc');

/**
 * OSD::get_health_metrics sends SLOW_OPS (n1 slow ops, n2 oldest blocked seconds) and
 * PENDING_CREATING_PGS in every report, zeros included. ts-osd neither tracks ops past the
 * complaint time nor creates PGs on the mon's behalf yet, so both stay zero.
 */
const OSD_HEALTH_METRICS = [
  { type: 0, value: 0n },
  { type: 1, value: 0n },
];

export const mgrClientLimits = {
  /** mgr_connect_retry_interval: wait before reopening a lost mgr session (ms). */
  connectRetryMs: 1_000,
};

export interface MgrClientDeps extends PgStatsSource {
  monc: MonClient;
  clock: Clock;
  osdmap(): OSDMap | undefined;
  fsid(): Uuid;
  /** The epoch we came up in (osd_stat_t.up_from). */
  upFrom(): number;
  perf: OsdPerfCounters;
  /** MOSDScrub2: the mgr asks for scrubs (`ceph pg scrub`, `ceph osd scrub`) on our session. */
  onScrub?(m: MOSDScrub2): void;
  /**
   * The running configuration for `config show`: config_bl (md_config_t::get_config_bl) and
   * config_defaults_bl (get_defaults_bl).
   */
  configBlobs?(): { config: Buffer; defaults: () => Buffer };
}

export class MgrClient implements Dispatcher {
  private msgr: Messenger | undefined;
  private con: Connection | undefined;
  private target: EntityAddr | undefined;
  private periodMs = 0;
  private timer: TimerHandle | undefined;
  private retry: TimerHandle | undefined;
  /** Counter paths the mgr has the schema of on this session (MgrSessionState::declared). */
  private declared = new Set<string>();
  private sending = false;
  /** The config_bl the mgr has: a report carries one only when it changed (get_config_bl's version check). */
  private lastConfigBl: Buffer | undefined;
  private stopped = false;
  private readonly reporter: PgStatsReporter;

  constructor(private readonly d: MgrClientDeps) {
    this.reporter = new PgStatsReporter(d);
  }

  /** The pg_stat_t our next report would carry for `pg` (`pg PGID query`'s info.stats). */
  async pgStat(pg: PG): Promise<PgStatT | undefined> {
    const m = this.d.osdmap();
    return m ? this.reporter.statOf(pg, m, utimeFromMs(this.d.clock.wallNow())) : undefined;
  }

  start(): void {
    this.d.monc.on('mgrmap', (m: MMgrMap) => this.handleMgrMap(m));
    this.d.monc.subscribe('mgrmap', 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.retry?.cancel();
    await this.msgr?.shutdown();
  }

  /** MgrClient::handle_mgr_map: (re)connect when the active mgr changed. */
  private handleMgrMap(mm: MMgrMap): void {
    const m = decodeMgrMap(new Reader(mm.map));
    const addr = m.available ? m.activeAddrs.find((a) => a.type === AddrType.MSGR2) : undefined;
    if (addr && this.target && formatAddr(addr) === formatAddr(this.target) && this.con) return;
    this.target = addr;
    this.reconnect();
  }

  private reconnect(): void {
    if (this.stopped) return;
    this.con?.markDown();
    this.con = undefined;
    this.timer?.cancel();
    this.periodMs = 0;
    this.declared = new Set();
    if (!this.target) return;
    this.msgr ??= this.newMessenger();
    log.dout(4, `connecting to mgr at ${formatAddr(this.target)}`);
    this.con = this.msgr.connectTo(this.target, EntityType.MGR);
    // MgrClient::_send_open: a daemon names itself and sends its running configuration and defaults.
    const blobs = this.d.configBlobs?.();
    this.lastConfigBl = blobs?.config;
    this.con.send(messageTypes.build(MMgrOpenCodec, { daemonName: String(this.d.id), serviceName: '', serviceDaemon: false, daemonMetadata: [], daemonStatus: [], configBl: blobs?.config ?? Buffer.alloc(0), configDefaultsBl: blobs?.defaults() ?? Buffer.alloc(0) }));
  }

  private newMessenger(): Messenger {
    const m = new Messenger({ entityType: EntityType.OSD, authClient: () => this.d.monc.authClient!, clock: this.d.clock, defaultPolicy: Policies.lossyClient() });
    m.setMyGid(BigInt(this.d.id));
    m.addDispatcher(this);
    return m;
  }

  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void {
    if (con === this.con && msg.type === MSG_OSD_SCRUB2) return this.d.onScrub?.(payload as MOSDScrub2);
    if (con !== this.con || msg.type !== MSG_MGR_CONFIGURE) return;
    const c = payload as MMgrConfigure;
    log.dout(4, `mgr configure: period ${c.statsPeriod}s threshold ${c.statsThreshold}`);
    this.periodMs = c.statsPeriod * 1000;
    this.timer?.cancel();
    if (this.periodMs > 0) this.sendStats();
  }

  msHandleReset(con: Connection): void {
    if (con !== this.con || this.stopped) return;
    this.con = undefined;
    this.timer?.cancel();
    this.retry?.cancel();
    this.retry = this.d.clock.setTimeout(() => this.reconnect(), mgrClientLimits.connectRetryMs);
  }

  /** MgrClient::_send_stats: the report and the PG stats, then again after one period. */
  private sendStats(): void {
    if (this.stopped || !this.con || !this.periodMs) return;
    this.timer = this.d.clock.setTimeout(() => this.sendStats(), this.periodMs);
    if (this.sending) return;
    this.sending = true;
    this.sendReport()
      .catch((e: unknown) => log.dout(1, `mgr report failed: ${(e as Error).message}`))
      .finally(() => (this.sending = false));
  }

  private async sendReport(): Promise<void> {
    const con = this.con;
    const m = this.d.osdmap();
    if (!con) return;
    const counters = this.d.perf.mgrCounters().sort((a, b) => (a.path < b.path ? -1 : 1));
    const declare: PerfCounterType[] = counters.filter((c) => !this.declared.has(c.path)).map((c) => ({ path: c.path, description: c.description, nick: c.nick, type: c.type, priority: c.priority, unit: c.unit }));
    for (const t of declare) this.declared.add(t.path);
    let configBl = this.d.configBlobs?.().config ?? Buffer.alloc(0);
    if (this.lastConfigBl?.equals(configBl)) configBl = Buffer.alloc(0);
    else this.lastConfigBl = configBl;
    const report = { daemonName: String(this.d.id), declareTypes: declare, packed: packPerfValues(counters.map((c) => c.values)), undeclareTypes: [], serviceName: '', daemonStatus: undefined, daemonHealthMetrics: OSD_HEALTH_METRICS, configBl, taskStatus: undefined };
    con.send(messageTypes.build(MMgrReportCodec, report));
    if (!m) return;
    const stats = await this.d.store.statfs();
    this.d.perf.set('stat_bytes', stats.total);
    this.d.perf.set('stat_bytes_used', stats.total - stats.available);
    this.d.perf.set('stat_bytes_avail', stats.available);
    this.d.perf.set('numpg', this.d.pgs.size);
    const pgStats = await this.reporter.build(this.d.fsid(), m, this.d.upFrom(), utimeFromMs(this.d.clock.wallNow()));
    if (con === this.con) con.send(messageTypes.build(MPGStatsCodec, pgStats));
  }
}
