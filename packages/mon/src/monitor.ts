/**
 * The monitor (src/mon/Monitor.cc): the store, the proposal pipeline and every service, wired
 * together; mkfs and open; the periodic tick; the cluster log; command execution. Network I/O lives
 * in net/; this class is driven by method calls and reports map changes through `onCommitted`.
 */
import { CephConf, Clock, cephError, logger, searchOrder, normalizeOptionName } from '@ts-ceph/common';
import { EntityType, utimeFromMs, formatUTime, EntityAddrvec, CEPH_FEATURES_ALL, makeAddr, AddrType, formatAddr, formatAddrvec } from '@ts-ceph/denc';
import { KeyRing, MonCap, RandomSource, cryptoRandom } from '@ts-ceph/cephx';
import { MonMap } from '@ts-ceph/maps';
import { MonitorDBStore } from './store/mon-store';
import { KVBackend } from './store/kv';
import { StoreTransaction } from './core/store-txn';
import { ProposalPipeline } from './pipeline';
import { CommandRunner, CommandResult } from './command-runner';
import { CommandDispatcher } from './core/commands/dispatch';
import { PaxosService } from './core/paxos-service';
import { MonSession } from './core/session';
import { KVMonitor } from './core/kv-monitor';
import { ConfigMonitor } from './core/config/config-monitor';
import { configCommands } from './core/config/config-commands';
import { EffectiveConfig } from './core/config/effective';
import { OptionTable } from './core/config/options';
import { LogMonitor } from './core/log/log-monitor';
import { LogEntry } from './core/log/log-entry';
import { HealthMonitor } from './core/health/health-monitor';
import { AuthMonitor } from './core/auth/auth-monitor';
import { authCommands } from './core/auth/auth-commands';
import { MonmapMonitor } from './core/mon/monmap-monitor';
import { MgrMonitor } from './core/mgr/mgr-monitor';
import { OSDMonitor } from './core/osd/osd-monitor';
import { osdCommands } from './core/osd/osd-commands';
import { poolCommands } from './core/osd/pool-commands';
import { crushCommands } from './core/osd/crush-commands';
import { blocklistCommands, expireBlocklist } from './core/osd/blocklist-commands';
import { updatePoolsStatus } from './core/osd/pool-quota';
import { osdMiscCommands } from './core/osd/osd-misc-commands';
import { ecProfileCommands } from './core/osd/ec-profile-commands';
import { osdMapHealth } from './core/osd/osd-health';
import { OSDLivenessConf, OSDReportTracker, processFailures, tickOsdReports } from './core/osd/osd-liveness';
import { DaemonServerCore, MGR_READ_COMMANDS, MGR_SCRUB_COMMANDS } from '@ts-ceph/mgr';
import type { CommandRequest } from './core/commands/types';
import { pgHealth } from './core/mgrstat/pg-stats';
import { pgMapCommand } from './core/osd/pg-map-command';
import { statusCommands } from './core/mon/status';
import { monCommands } from './core/mon/mon-commands';
import { ClusterView, MON_QUORUM_FEATURES } from './core/mon/cluster-view';
import { tierCommands } from './core/osd/tier-commands';
import { quotaCommands } from './core/osd/quota-commands';
import { loadOptionTable } from './config-schema';
import { Health, HealthCheckMap, addCheck } from './core/health/health-check';
import { crushOf } from '@ts-ceph/maps';
import { CRASH_DEFAULTS } from '@ts-ceph/mgr/crash';
import { CrashService } from './core/mgr/crash-commands';
import { findModuleOption } from './core/mgr/module-options';

/** A module option of type secs as the config database stores it ("1209600"), or undefined. */
function parseSecs(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
}

const log = logger('mon');

export const MON_MAGIC = 'ceph mon volume v012';

export interface MonitorOptions {
  /** Our mon id ("a"). */
  name: string;
  kv: KVBackend;
  conf: CephConf;
  /** The mon's own keyring (mon. key). */
  monKeyring: KeyRing;
  clock: Clock;
  /** Extra health sources (MON_DISK_LOW from the daemon). */
  options?: OptionTable;
  /** Where the auth service's secrets come from: the kernel's CSPRNG unless a simulation seeds it. */
  random?: RandomSource;
}

/** ceph.conf values that apply to `entity` ([global] < [type] < [type.id]), normalised names. */
export function confValuesFor(conf: CephConf, entity: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of searchOrder(entity).reverse()) {
    const sec = conf.sections.get(s);
    if (sec) for (const [k, v] of sec) out.set(normalizeOptionName(k), v);
  }
  return out;
}

export class Monitor {
  readonly store: MonitorDBStore;
  readonly pipeline: ProposalPipeline;
  readonly options: OptionTable;
  readonly conf: EffectiveConfig;
  readonly kv: KVMonitor;
  readonly config: ConfigMonitor;
  readonly logm: LogMonitor;
  readonly health: HealthMonitor;
  readonly auth: AuthMonitor;
  readonly monmap: MonmapMonitor;
  readonly mgr: MgrMonitor;
  /** The crash module's reports (`ceph crash ...`, RECENT_CRASH). */
  readonly crash: CrashService;
  readonly osd: OSDMonitor;
  /** The mgr role's state (PG map, service map, daemon reports); MgrServer carries its messages. */
  readonly mgrCore: DaemonServerCore;
  /** Failure reports and beacons from OSD daemons (in memory, as in Ceph). */
  readonly osdReports = new OSDReportTracker();
  readonly osdLivenessConf: OSDLivenessConf;
  readonly dispatcher: CommandDispatcher;
  readonly runner: CommandRunner;
  readonly services: PaxosService[];
  electionEpoch = 1;
  quorumSince: number;
  private clogSeq = 0n;
  /** Our addresses (set by the network layer), for log entries. */
  addrs: EntityAddrvec = [];
  /** Called after every commit with the services that changed. */
  onCommitted: (services: PaxosService[]) => void = () => {};
  readonly view: ClusterView;

  private constructor(
    readonly opts: MonitorOptions,
    store: MonitorDBStore,
  ) {
    this.store = store;
    this.pipeline = new ProposalPipeline(store, opts.clock);
    this.options = opts.options ?? loadOptionTable();
    const entity = `mon.${opts.name}`;
    this.kv = new KVMonitor(store, () => this.conf.int('mon_config_key_max_entry_size'));
    this.config = new ConfigMonitor(store, this.kv, this.options);
    this.conf = new EffectiveConfig(this.options, confValuesFor(opts.conf, entity), () => (this.config.version ? this.config.entityConfig(this.entityContext(entity)) : new Map()));
    this.logm = new LogMonitor(store, { maxSummary: () => this.conf.int('mon_log_max_summary'), maxEpochs: () => this.conf.int('mon_max_log_epochs') });
    this.health = new HealthMonitor(store);
    this.auth = new AuthMonitor(store, opts.monKeyring, {
      globalIdPrealloc: () => this.conf.int('mon_globalid_prealloc'),
      authTtls: () => ({ mon: this.conf.float('auth_mon_ticket_ttl'), service: this.conf.float('auth_service_ticket_ttl') }),
    }, opts.random ?? cryptoRandom);
    this.monmap = new MonmapMonitor(store);
    this.mgr = new MgrMonitor(store, () => this.conf.str('mgr_initial_modules'));
    this.crash = new CrashService(this.kv);
    this.osd = new OSDMonitor(
      store,
      {
        initial: () => ({
          monOsdFullRatio: this.conf.float('mon_osd_full_ratio'),
          monOsdBackfillfullRatio: this.conf.float('mon_osd_backfillfull_ratio'),
          monOsdNearfullRatio: this.conf.float('mon_osd_nearfull_ratio'),
          monOsdInitialRequireMinCompatClient: this.conf.str('mon_osd_initial_require_min_compat_client'),
        }),
        build: () => ({
          osdPoolDefaultSize: this.conf.int('osd_pool_default_size'),
          osdPoolDefaultMinSize: this.conf.int('osd_pool_default_min_size'),
          osdCrushChooseleafType: this.conf.int('osd_crush_chooseleaf_type'),
          osdPoolDefaultErasureCodeProfile: this.conf.str('osd_pool_default_erasure_code_profile'),
        }),
        get: (n) => this.conf.text(n),
      },
      () => this.monmap.monmap?.fsid ?? this.mkfsFsid,
    );
    this.osdLivenessConf = {
      minDownReporters: () => this.conf.int('mon_osd_min_down_reporters'),
      reporterSubtreeLevel: () => this.conf.str('mon_osd_reporter_subtree_level'),
      heartbeatGraceSec: () => this.conf.int('osd_heartbeat_grace'),
      minUpRatio: () => this.conf.float('mon_osd_min_up_ratio'),
      autoMarkIn: () => this.conf.bool('mon_osd_auto_mark_in'),
      autoMarkNewIn: () => this.conf.bool('mon_osd_auto_mark_new_in'),
      autoMarkAutoOutIn: () => this.conf.bool('mon_osd_auto_mark_auto_out_in'),
      laggyWeight: () => this.conf.float('mon_osd_laggy_weight'),
      reportTimeoutSec: () => this.conf.int('mon_osd_report_timeout'),
      downOutIntervalSec: () => this.conf.int('mon_osd_down_out_interval'),
      minInRatio: () => this.conf.float('mon_osd_min_in_ratio'),
    };
    this.mgrCore = new DaemonServerCore(() => this.osd.osdmap, { statsPeriod: this.conf.int('mgr_stats_period'), statsThreshold: this.conf.int('mgr_stats_threshold') });
    this.services = [this.monmap, this.osd, this.logm, this.auth, this.mgr, this.health, this.config, this.kv];
    this.quorumSince = opts.clock.wallNow();
    this.view = {
      monName: opts.name,
      rank: 0,
      electionEpoch: 0,
      quorumSince: this.quorumSince,
      monmap: this.monmap,
      osd: this.osd,
      mgr: this.mgr,
      health: this.health,
      pgstats: this.mgrCore.pgmap,
      services: this.mgrCore.services,
      conf: this.conf,
      serviceMapModified: '',
      quorumFeatures: MON_QUORUM_FEATURES,
    };
    this.dispatcher = new CommandDispatcher({ audit: (level, text, now) => this.clog('audit', level === 'info' ? 1 : 0, text, now) });
    this.runner = new CommandRunner(this.pipeline, this.dispatcher, () => this.monmap.monmap.fsid);
    this.registerCommands();
    this.health.addSource((now) => this.osd.osdmap ? osdMapHealth(this.osd.osdmap, this.conf.bool('mon_warn_on_pool_no_redundancy'), this.conf.float('osd_failsafe_full_ratio')) : new Map());
    this.health.addSource((now) =>
      this.osd.osdmap
        ? pgHealth(this.mgrCore.pgmap, this.osd.osdmap, now, {
            warnTooFewOsds: this.conf.bool('mon_warn_on_too_few_osds'),
            poolDefaultSize: this.conf.int('osd_pool_default_size'),
            stuckThresholdSec: this.conf.int('mon_pg_stuck_threshold'),
            warnPoolNoApp: this.conf.bool('mon_warn_on_pool_no_app'),
            maxDetail: this.conf.int('mon_health_max_detail'),
            warnNotScrubbedRatio: this.conf.float('mon_warn_pg_not_scrubbed_ratio'),
            warnNotDeepScrubbedRatio: this.conf.float('mon_warn_pg_not_deep_scrubbed_ratio'),
            osdScrubMaxIntervalSec: this.conf.float('osd_scrub_max_interval'),
            osdDeepScrubIntervalSec: this.conf.float('osd_deep_scrub_interval'),
            reporterSubtreeLevel: this.conf.str('mon_osd_reporter_subtree_level'),
            warnSlowPingTimeMs: this.conf.float('mon_warn_on_slow_ping_time'),
            warnSlowPingRatio: this.conf.float('mon_warn_on_slow_ping_ratio'),
            heartbeatGraceSec: this.conf.int('osd_heartbeat_grace'),
            warnNumRepaired: this.conf.int('mon_osd_warn_num_repaired'),
          }, this.mgrCore.slowOps())
        : new Map(),
    );
    this.health.addSource(() => this.insecureReclaimHealth());
    this.health.addSource((now) => this.crash.health(now, parseSecs(this.mgrModuleOption('mgr/crash/warn_recent_interval')) ?? CRASH_DEFAULTS.warnRecentIntervalSec));
    this.pipeline.onCommitted = (svcs) => this.committed(svcs);
  }

  /** When the PG map's deltas were last taken (ms). */
  private lastDeltaMs = 0;

  /** The sessions the network side holds (set by MonServer), for checks about connected peers. */
  sessions: () => Iterable<MonSession> = () => [];

  /**
   * HealthMonitor::check_member_health: AUTH_INSECURE_GLOBAL_ID_RECLAIM (connected clients that
   * reclaimed a global_id insecurely) and AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED. With one mon
   * reporting, %plurals% and %isorare% read "" and "is".
   */
  private insecureReclaimHealth(): HealthCheckMap {
    const checks: HealthCheckMap = new Map();
    if (!this.conf.bool('auth_allow_insecure_global_id_reclaim')) return checks;
    if (this.conf.bool('mon_warn_on_insecure_global_id_reclaim')) {
      const max = this.conf.int('mon_health_max_detail');
      const detail: string[] = [];
      for (const s of this.sessions()) {
        if (!s.insecureGlobalIdReclaim) continue;
        detail.push(`${s.name} at ${formatAddrvec(s.addrs)} is using insecure global_id reclaim`);
        if (detail.length >= max) {
          detail.push('...');
          break;
        }
      }
      if (detail.length) addCheck(checks, 'AUTH_INSECURE_GLOBAL_ID_RECLAIM', Health.WARN, 'client is using insecure global_id reclaim', detail.length, detail);
    }
    if (this.conf.bool('mon_warn_on_insecure_global_id_reclaim_allowed')) {
      addCheck(checks, 'AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED', Health.WARN, 'mon is allowing insecure global_id reclaim', 1, [`mon.${this.opts.name} has auth_allow_insecure_global_id_reclaim set to true`]);
    }
    return checks;
  }

  private mkfsFsid = '';

  private registerCommands(): void {
    const d = this.dispatcher;
    d.register(this.kv.commands());
    d.register(
      configCommands(this.config, {
        fsid: () => this.monmap.monmap.fsid,
        monHost: () => [...this.monmap.monmap.monInfo.values()].map((i) => `[${i.publicAddrs.map(formatAddr).join(',')}]`).join(' '),
        entityContext: (name) => this.entityContext(name),
        moduleOption: findModuleOption,
      }),
    );
    d.register(this.logm.commands());
    d.register(this.health.commands());
    d.register(authCommands(this.auth));
    d.register(osdCommands(this.osd, this.auth));
    d.register(poolCommands(this.osd));
    const poolCounts = (id: number) => this.poolCounts(id);
    d.register(quotaCommands(this.osd, poolCounts));
    d.register(
      tierCommands({
        osd: this.osd,
        poolObjects: (id) => poolCounts(id).numObjects,
        allowTierWithSnaps: () => this.conf.bool('mon_debug_unsafe_allow_tier_with_nonempty_snaps'),
      }),
    );
    d.register(crushCommands(this.osd));
    d.register(blocklistCommands(this.osd));
    d.register(osdMiscCommands(this.osd));
    d.register(ecProfileCommands(this.osd));
    d.register(statusCommands(this.view));
    d.register(pgMapCommand(this.osd));
    d.register(monCommands(this.view));
    d.register(this.mgr.commands());
    d.register(this.crash.commands());
    // The mgr's commands: answered here too, for clients that send them to the mon, and when no
    // mgr is active (the CLI sends them to the active mgr as long as the MgrMap names one).
    d.register(Object.fromEntries([...MGR_READ_COMMANDS, ...MGR_SCRUB_COMMANDS].map((p) => [p, (req: CommandRequest) => ({ reply: this.mgrCore.execute(req) })])));
    d.viaMgr = (p) => this.mgrCore.handles(p);
    d.mgrActive = () => this.mgr.mgrmap.available && this.mgr.mgrmap.activeName !== '';
  }

  /** The config the hosted mgr modules read (`ceph config set mgr mgr/<module>/<option> ...`). */
  mgrModuleOption(name: string): string | undefined {
    if (!this.config.version) return undefined;
    return this.config.entityConfig(this.entityContext(`mgr.${this.opts.name}`)).get(name);
  }

  /** CRUSH location and class of an OSD entity, for config masks and MConfig. */
  entityContext(name: string): { name: string; crushLocation: Map<string, string>; deviceClass: string; crushTypeId: (t: string) => number | undefined; crushTypeCount: number } {
    const m = this.osd.osdmap;
    const cw = m ? crushOf(m) : undefined;
    let loc = new Map<string, string>();
    let cls = '';
    const osdm = /^osd\.(\d+)$/.exec(name);
    if (cw && osdm) {
      const id = Number(osdm[1]);
      loc = new Map(cw.getFullLocationOrdered(id));
      cls = cw.className.get(cw.classMap.get(id) ?? -1) ?? '';
    }
    return { name, crushLocation: loc, deviceClass: cls, crushTypeId: (t) => (cw ? (cw.getTypeId(t) >= 0 ? cw.getTypeId(t) : undefined) : undefined), crushTypeCount: cw ? cw.typeMap.size : 0 };
  }

  /** Create a new monitor store: every service's first version in one paxos value. */
  static async mkfs(opts: MonitorOptions, init: { monmap: MonMap; keyring: KeyRing }): Promise<void> {
    const store = await MonitorDBStore.open(opts.kv);
    try {
      if (store.get('monitor', 'magic')) throw cephError('EEXIST', 'mon store already exists (refusing to overwrite it)');
      const mon = new Monitor(opts, store);
      const now = opts.clock.wallNow();
      mon.mkfsFsid = init.monmap.fsid;
      const t = new StoreTransaction();
      t.put('monitor', 'magic', Buffer.from(MON_MAGIC + '\n'));
      t.put('monitor', 'cluster_uuid', Buffer.from(init.monmap.fsid + '\n'));
      t.put('monitor', 'mkfs_stamp', Buffer.from(formatUTime(utimeFromMs(now))));
      t.putVersion('monitor', 'election_epoch', 1);
      await store.apply(t);
      mon.monmap.createInitialFrom(init.monmap, now);
      mon.osd.createInitial(now);
      mon.logm.createInitial();
      mon.auth.createInitial(now, init.keyring);
      mon.mgr.createInitial();
      mon.health.createInitial();
      mon.config.createInitial();
      mon.kv.createInitial();
      mon.config.encodePendingToKV(now);
      mon.logm.add(mon.logEntry('', 1, `mkfs ${init.monmap.fsid}`, now));
      await mon.pipeline.run(() => mon.pipeline.propose(mon.services));
      log.info(`mkfs done for ${init.monmap.fsid}`);
    } finally {
      await store.close();
    }
  }

  /** Open an existing store; a new election epoch marks this start. */
  static async open(opts: MonitorOptions): Promise<Monitor> {
    const store = await MonitorDBStore.open(opts.kv);
    if (!store.get('monitor', 'magic')) {
      await store.close();
      throw cephError('ENOENT', 'mon store is empty: run ts-mon --mkfs first');
    }
    const mon = new Monitor(opts, store);
    for (const s of mon.services) {
      s.updateFromPaxos();
      s.createPending();
    }
    const e = store.getVersion('monitor', 'election_epoch');
    mon.electionEpoch = e + 2;
    mon.view.electionEpoch = mon.electionEpoch;
    await store.apply(new StoreTransaction().putVersion('monitor', 'election_epoch', mon.electionEpoch));
    mon.view.serviceMapModified = store.get('monitor', 'mkfs_stamp')?.toString() ?? '';
    mon.mgrCore.pgmap.notePools(mon.osd.osdmap, opts.clock.wallNow());
    mon.clogSeq = mon.lastOwnLogSeq() + 1n;
    const now = opts.clock.wallNow();
    mon.clog('cluster', 1, `mon.${opts.name} is new leader, mons ${opts.name} in quorum (ranks 0)`, now);
    return mon;
  }

  /** The highest seq of our own cluster log entries, so a restart continues the sequence. */
  private lastOwnLogSeq(): bigint {
    let max = 0n;
    for (const l of this.logm.summary.tailByChannel.values()) {
      for (const [, e] of l) if (e.name.type === EntityType.MON && e.name.id === this.opts.name && e.seq > max) max = e.seq;
    }
    return max;
  }

  get fsid(): string {
    return this.monmap.monmap.fsid;
  }

  logEntry(channel: string, prio: number, msg: string, now: number): LogEntry {
    return {
      name: { type: EntityType.MON, id: this.opts.name },
      rank: { type: EntityType.MON, num: 0 },
      addrs: this.addrs,
      stamp: utimeFromMs(now),
      seq: this.clogSeq++,
      prio,
      msg,
      channel,
    };
  }

  /** A pool's object and byte counts as the PG statistics sum them (pool_stat_t). */
  poolCounts(id: number): { numObjects: number; numBytes: number } {
    const sum = this.mgrCore.pgmap.poolSum(this.osd.osdmap, id).sum;
    return { numObjects: sum.num_objects ?? 0, numBytes: sum.num_bytes ?? 0 };
  }

  /** The mon's own cluster / audit log (LogChannel): queued, committed by the next tick. */
  clog(channel: string, prio: number, msg: string, now = this.opts.clock.wallNow()): void {
    this.logm.add(this.logEntry(channel, prio, msg, now));
  }

  /** Run a command as `session`; replies after commit for writes. */
  command(session: MonSession, cmd: string[], inbuf?: Buffer, fsid?: string): Promise<CommandResult> {
    return this.runner.run(session, cmd, inbuf, fsid);
  }

  /** A session with all caps, for in-process callers (tests, the CLI bootstrap). */
  adminSession(): MonSession {
    return new MonSession(0, { type: EntityType.CLIENT, id: 'admin' }, { type: EntityType.CLIENT, num: -1 }, [makeAddr(AddrType.ANY, '127.0.0.1', 0, 0)], MonCap.allowAll(), 0n, CEPH_FEATURES_ALL);
  }

  private committed(svcs: PaxosService[]): void {
    const now = this.opts.clock.wallNow();
    if (svcs.includes(this.osd)) {
      this.mgrCore.pgmap.notePools(this.osd.osdmap, now);
      processFailures(this.osd, this.osdReports);
      this.clog('cluster', 0, `osdmap e${this.osd.epoch}: ${this.osdSummary()}`, now);
    }
    this.onCommitted(svcs);
  }

  private osdSummary(): string {
    const m = this.osd.osdmap;
    let num = 0;
    let up = 0;
    let inn = 0;
    for (let i = 0; i < m.maxOsd; i++) {
      if (!(m.osdState[i]! & 1)) continue;
      num++;
      if (m.osdState[i]! & 2) up++;
      if (m.osdWeight[i]) inn++;
    }
    return `${num} total, ${up} up, ${inn} in`;
  }

  /**
   * The periodic work (Monitor::tick and each service's tick): rotate service secrets, extend the
   * global_id window, expire mutes and blocklist entries, put pool quotas in force (pool-quota.ts),
   * commit queued log entries.
   */
  tick(): Promise<void> {
    return this.pipeline.run(async () => {
      const now = this.opts.clock.wallNow();
      // The mgr's tick (DaemonServer::tick, every mgr_tick_period): the PG map's rate windows.
      if (this.osd.osdmap && now - this.lastDeltaMs >= this.conf.float('mgr_tick_period') * 1000) {
        this.lastDeltaMs = now;
        this.mgrCore.pgmap.updateDeltas(this.osd.osdmap, now, { smoothIntervals: this.conf.int('mon_stat_smooth_intervals'), resetIntervalSec: this.conf.float('mon_delta_reset_interval') });
      }
      const svcs: PaxosService[] = [];
      if (this.auth.checkRotate(now)) svcs.push(this.auth);
      if (this.auth.shouldIncreaseMaxGlobalId()) {
        this.auth.increaseMaxGlobalId();
        if (!svcs.includes(this.auth)) svcs.push(this.auth);
      }
      if (this.health.checkMutes(now)) svcs.push(this.health);
      if (expireBlocklist(this.osd, now)) svcs.push(this.osd);
      const quotaLines = updatePoolsStatus(this.osd, (id) => this.poolCounts(id));
      for (const [prio, text] of quotaLines) this.clog('cluster', prio, text, now);
      if (quotaLines.length && !svcs.includes(this.osd)) svcs.push(this.osd);
      const osdLines = tickOsdReports(this.osd, this.osdLivenessConf, this.osdReports, now);
      for (const [prio, text] of osdLines) this.clog('cluster', prio, text, now);
      if (osdLines.length && !svcs.includes(this.osd)) svcs.push(this.osd);
      if (svcs.length) await this.pipeline.propose(svcs);
      if (this.logm.havePending()) await this.pipeline.propose([this.logm]);
    });
  }

  async close(): Promise<void> {
    await this.pipeline.run(async () => {
      if (this.logm.havePending()) await this.pipeline.propose([this.logm]);
    });
    await this.store.close();
  }
}
