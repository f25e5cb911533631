/**
 * The mgr's DaemonServer core (src/mgr/DaemonServer.cc, DaemonState.cc), without I/O: sessions of
 * daemons and clients, their MMgrOpen / MMgrReport / MPGStats, and MMgrCommand. Each handler
 * returns what the driver must send; time comes in as arguments.
 */
import { EntityType, EntityAddr, UTime, blankAddr } from '@ts-ceph/denc';
import { MgrCap } from '@ts-ceph/cephx/core';
import { JsonFormatter, OSDMap, isUp } from '@ts-ceph/maps';
import { CephError, Errno } from '@ts-ceph/common/core';
import type { DaemonHealthMetric, MMgrOpen, MMgrReport, MPGStats, PerfCounterType } from '@ts-ceph/messages';
import { decodeConfigBl, unpackPerfValues } from '@ts-ceph/messages';
import { PGMap } from './pg-map';
import { ServiceMapState, dumpServiceMap, serviceSummary } from './service-map';
import { MgrCommandHandler, MgrCommandReply, MgrCommandRequest, MgrView, fail, formatterFor, ok, parseCmd } from './command';
import { pgCommands } from './pg-commands';
import { osdDfCommand } from './osd-df';
import { MGR_SCRUB_COMMANDS, ScrubCommandOutcome, scrubCommand } from './scrub-commands';
import { DaemonConfigState, configShowCommand } from './daemon-config';

/** Who is on the other end of a connection, from its authentication. */
export interface MgrSessionPeer {
  /** Entity type (EntityType.OSD ...) and id ("0", "admin"). */
  type: number;
  id: string;
  gid: bigint;
  addr: EntityAddr | undefined;
  caps: MgrCap;
}

/** Perf counters of one daemon (DaemonPerfCounters): the declared schema and the last values. */
export interface DaemonPerf {
  types: Map<string, PerfCounterType>;
  values: Map<string, bigint[]>;
}

/** daemon_metric::SLOW_OPS (src/mgr/DaemonHealthMetric.h). */
export const DAEMON_METRIC_SLOW_OPS = 0;

export interface DaemonStateEntry {
  /** "osd.0", or "<service>.<name>" for a service daemon. */
  key: string;
  service: string;
  name: string;
  serviceDaemon: boolean;
  metadata: [string, string][];
  status: [string, string][];
  perf: DaemonPerf;
  /** The last MMgrReport's daemon_health_metrics (SLOW_OPS: n1 ops, n2 oldest blocked seconds). */
  healthMetrics: DaemonHealthMetric[];
  lastReport: number;
  /** The running configuration it reported (`config show`). */
  conf: DaemonConfigState;
}

export interface MgrSession {
  peer: MgrSessionPeer;
  daemon: DaemonStateEntry | undefined;
}

export interface MgrConfig {
  /** mgr_stats_period (s): how often daemons report. */
  statsPeriod: number;
  /** mgr_stats_threshold: the lowest perf counter priority reported. */
  statsThreshold: number;
}

/** The read-only commands this mgr serves (MgrCommands.h), all needing the "r" cap. */
export const MGR_READ_COMMANDS = ['pg stat', 'pg dump', 'pg ls', 'pg ls-by-pool', 'pg ls-by-osd', 'pg ls-by-primary', 'osd pool stats', 'osd perf', 'osd df', 'service dump', 'service status', 'config show', 'config show-with-defaults'] as const;

const typeName = (t: number): string => ({ [EntityType.OSD]: 'osd', [EntityType.MON]: 'mon', [EntityType.MDS]: 'mds', [EntityType.MGR]: 'mgr', [EntityType.CLIENT]: 'client' })[t] ?? 'unknown';

/** A config_bl that came (a daemon sends one only when its configuration changed); an undecodable one is ignored. */
function takeConfig(d: DaemonStateEntry, bl: Buffer): void {
  if (!bl.length) return;
  try {
    d.conf.config = decodeConfigBl(bl);
  } catch {
    // Keep what the daemon reported before: a bad blob must not take the command's answer away.
  }
}

export class DaemonServerCore {
  readonly pgmap = new PGMap();
  readonly services = new ServiceMapState();
  readonly daemons = new Map<string, DaemonStateEntry>();
  private readonly handlers: Record<string, MgrCommandHandler>;
  /** DaemonServer::pgmap_ready: every up OSD has reported, or four stats periods have passed. */
  private pgmapReady = false;
  private startedAt = 0;
  private readonly reportedOsds = new Set<number>();
  /** Each OSD's open sessions (DaemonServer::osd_cons): where MOSDScrub2 can go. */
  private readonly osdSessions = new Map<number, Set<MgrSession>>();
  /** What the scrub commands ask the driver to send (takeOsdSends drains it). */
  private osdSends: ScrubCommandOutcome['sends'] = [];

  constructor(
    readonly osdmap: () => OSDMap,
    readonly conf: MgrConfig,
  ) {
    const view: MgrView = { osdmap, pgmap: this.pgmap, services: this.services, pgReady: (now) => this.pgReady(now) };
    const configShow = configShowCommand(
      () => osdmap().fsid,
      (who) => this.daemons.get(who)?.conf,
    );
    this.handlers = {
      ...pgCommands(view),
      'osd df': osdDfCommand(view),
      'service dump': (req) => this.serviceDump(req.format, formatterFor(req)),
      'service status': (req) => this.serviceStatus(formatterFor(req)),
      'config show': configShow,
      'config show-with-defaults': configShow,
    };
  }

  /** The mgr starts serving: the service map's first epoch, and the clock for pg_ready. */
  start(now: UTime, nowMs: number): void {
    this.startedAt = nowMs;
    this.services.map = { epoch: 1, modified: now, services: new Map() };
  }

  /** DaemonServer::maybe_ready / send_report: ready once all up OSDs reported, or after 4 periods. */
  pgReady(nowMs: number): boolean {
    if (!this.pgmapReady && nowMs - this.startedAt > this.conf.statsPeriod * 4 * 1000) this.pgmapReady = true;
    return this.pgmapReady;
  }

  private maybeReady(osd: number): void {
    if (this.pgmapReady) return;
    this.reportedOsds.add(osd);
    const m = this.osdmap();
    for (let i = 0; i < m.maxOsd; i++) if (isUp(m, i) && !this.reportedOsds.has(i)) return;
    this.pgmapReady = true;
    this.reportedOsds.clear();
  }

  /** Prefixes with a handler (the mon publishes these with FLAG_MGR so the CLI sends them here). */
  handles(prefix: string): boolean {
    return prefix in this.handlers || (MGR_SCRUB_COMMANDS as readonly string[]).includes(prefix);
  }

  /** The MOSDScrub2 messages the last commands want sent, each to one OSD's sessions. */
  takeOsdSends(): ScrubCommandOutcome['sends'] {
    return this.osdSends.splice(0);
  }

  /**
   * DaemonServer::handle_open: remember the daemon (a service daemon also enters the service map)
   * and answer with MMgrConfigure.
   */
  handleOpen(s: MgrSession, m: MMgrOpen, now: UTime, nowMs: number): { statsPeriod: number; statsThreshold: number } {
    const service = m.serviceName || typeName(s.peer.type);
    const key = `${service}.${m.daemonName}`;
    const d: DaemonStateEntry = this.daemons.get(key) ?? { key, service, name: m.daemonName, serviceDaemon: m.serviceDaemon, metadata: [], status: [], perf: { types: new Map(), values: new Map() }, healthMetrics: [], lastReport: nowMs, conf: { config: undefined, defaultsBl: undefined, defaults: undefined } };
    d.serviceDaemon = m.serviceDaemon;
    if (m.serviceDaemon) {
      d.metadata = m.daemonMetadata;
      d.status = m.daemonStatus;
      this.services.register(service, m.daemonName, { gid: s.peer.gid, addr: s.peer.addr ?? blankAddr(), startStamp: now, metadata: m.daemonMetadata, taskStatus: [] }, now);
    }
    // A daemon that reconnects declares its counters again.
    d.perf = { types: new Map(), values: new Map() };
    takeConfig(d, m.configBl);
    d.conf.defaultsBl = m.configDefaultsBl;
    d.conf.defaults = undefined;
    this.daemons.set(key, d);
    s.daemon = d;
    if (s.peer.type === EntityType.OSD) {
      const osd = Number(s.peer.id);
      const set = this.osdSessions.get(osd) ?? new Set();
      this.osdSessions.set(osd, set.add(s));
    }
    return { statsPeriod: this.conf.statsPeriod, statsThreshold: this.conf.statsThreshold };
  }

  /** DaemonServer::handle_report: perf counters and status of an opened daemon. */
  handleReport(s: MgrSession, m: MMgrReport, now: UTime, nowMs: number): void {
    const d = s.daemon;
    if (!d) return;
    const perf = d.perf;
    for (const p of m.undeclareTypes) {
      perf.types.delete(p);
      perf.values.delete(p);
    }
    for (const t of m.declareTypes) perf.types.set(t.path, t);
    const order = [...perf.types.keys()].sort();
    const values = unpackPerfValues(m.packed, order.map((p) => perf.types.get(p)!));
    order.forEach((p, i) => {
      if (values[i]) perf.values.set(p, values[i]!);
    });
    d.lastReport = nowMs;
    takeConfig(d, m.configBl);
    d.healthMetrics = m.daemonHealthMetrics;
    if (m.daemonStatus) d.status = m.daemonStatus;
    if (d.serviceDaemon) this.services.updateStatus(d.service, d.name, m.taskStatus, now);
  }

  /**
   * Each reporting daemon's SLOW_OPS metric as (name, slow ops, oldest blocked seconds), the input
   * of the SLOW_OPS check (DaemonHealthMetricCollector): n1 is the low 32 bits, n2 the high.
   */
  slowOps(): [string, number, number][] {
    const out: [string, number, number][] = [];
    for (const d of [...this.daemons.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      for (const h of d.healthMetrics) if (h.type === DAEMON_METRIC_SLOW_OPS) out.push([d.key, Number(h.value & 0xffffffffn), Number(h.value >> 32n)]);
    }
    return out;
  }

  /** DaemonServer::handle_pg_stats: an OSD's MPGStats into the PG map. */
  handlePgStats(s: MgrSession, m: MPGStats, nowMs: number): void {
    if (s.peer.type !== EntityType.OSD) return;
    const osd = Number(s.peer.id);
    this.pgmap.ingest(osd, { osdStat: m.osdStat, pgStat: m.pgStat, poolStat: m.poolStat }, this.osdmap(), nowMs);
    this.maybeReady(osd);
  }

  /** A closed session: a service daemon leaves the service map (its registration ends with it). */
  handleClose(s: MgrSession, now: UTime): void {
    const set = s.peer.type === EntityType.OSD ? this.osdSessions.get(Number(s.peer.id)) : undefined;
    if (set?.delete(s) && !set.size) this.osdSessions.delete(Number(s.peer.id));
    const d = s.daemon;
    if (d?.serviceDaemon) {
      this.services.remove(d.service, d.name, now);
      this.daemons.delete(d.key);
    }
  }

  /** DaemonServer::_handle_command for the commands we serve, with the MgrCap check. */
  handleCommand(s: MgrSession, cmd: readonly string[], nowMs: number): MgrCommandReply {
    let parsed;
    try {
      parsed = parseCmd(cmd);
    } catch (e) {
      return { r: -(e instanceof CephError ? e.errno : Errno.EINVAL), rs: (e as Error).message, outbl: Buffer.alloc(0) };
    }
    if ((MGR_SCRUB_COMMANDS as readonly string[]).includes(parsed.prefix)) return this.scrubCommand(s, parsed, nowMs);
    const h = this.handlers[parsed.prefix];
    if (!h) return fail('EINVAL', `unrecognized command '${parsed.prefix}'`);
    const args = new Map([...parsed.cmdmap].filter(([k]) => k !== 'prefix' && k !== 'format').map(([k, v]) => [k, String(v)]));
    if (!s.peer.caps.isCapable({ command: parsed.prefix, args, read: true, addr: s.peer.addr })) return fail('EACCES', 'access denied');
    return h({ prefix: parsed.prefix, cmdmap: parsed.cmdmap, format: parsed.format, now: nowMs });
  }

  /** The scrub commands ("rw" in MgrCommands.h): the reply now, MOSDScrub2 to the OSDs' sessions. */
  private scrubCommand(s: MgrSession, parsed: ReturnType<typeof parseCmd>, nowMs: number): MgrCommandReply {
    const args = new Map([...parsed.cmdmap].filter(([k]) => k !== 'prefix' && k !== 'format').map(([k, v]) => [k, String(v)]));
    if (!s.peer.caps.isCapable({ command: parsed.prefix, args, read: true, write: true, addr: s.peer.addr })) return fail('EACCES', 'access denied');
    return this.runScrubCommand({ prefix: parsed.prefix, cmdmap: parsed.cmdmap, format: parsed.format, now: nowMs });
  }

  private runScrubCommand(req: MgrCommandRequest): MgrCommandReply {
    const o = scrubCommand(this.osdmap(), req, (osd) => (this.osdSessions.get(osd)?.size ?? 0) > 0);
    this.osdSends.push(...o.sends);
    return o.reply;
  }

  /** Run a served command without a cap check (the mon, which checked its own caps, answering for us). */
  execute(req: MgrCommandRequest): MgrCommandReply {
    if ((MGR_SCRUB_COMMANDS as readonly string[]).includes(req.prefix)) return this.runScrubCommand(req);
    const h = this.handlers[req.prefix];
    return h ? h(req) : fail('EINVAL', `unrecognized command '${req.prefix}'`);
  }

  private serviceDump(_format: string, f: JsonFormatter | undefined): MgrCommandReply {
    const out = f ?? new JsonFormatter(true);
    out.openObject('service_map');
    dumpServiceMap(out, this.services.map);
    out.close();
    return ok(out.toString());
  }

  /** `service status`: each service daemon's status strings. */
  private serviceStatus(f: JsonFormatter | undefined): MgrCommandReply {
    const out = f ?? new JsonFormatter(true);
    out.openObject('service_status');
    for (const [svc, s] of [...this.services.map.services].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      out.openObject(svc);
      for (const name of [...s.daemons.keys()].sort()) {
        out.openObject(name);
        for (const [k, v] of this.daemons.get(`${svc}.${name}`)?.status ?? []) out.dumpString(k, v);
        out.close();
      }
      out.close();
    }
    out.close();
    return ok(out.toString());
  }

  /** `ceph -s` services: lines (MgrStatMonitor::print_summary via ServiceMap): "rgw: 1 daemon active". */
  serviceSummaries(): [string, string][] {
    return [...this.services.map.services].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, s]) => [name, serviceSummary(s)]);
  }
}
