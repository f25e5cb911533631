import { decodeUuid, encodeUuid, Reader, Uuid, Writer, decodeUTime, encodeUTime, UTIME_ZERO } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { PgT, PgStatT, OsdStatT, StoreStatfsT, decodePgT, encodePgT, decodePgStatT, encodePgStatT, decodeOsdStatT, encodeOsdStatT, decodeStoreStatfsT, encodeStoreStatfsT } from '@ts-ceph/maps';
import { defineMessage, readFront, writeFront } from './codec';
import { decodeCmd, encodeCmd } from './command';
import { decodePaxos, encodePaxos, PaxosHead } from './paxos';
import { messagesLimits } from './limits';
import { byteOrder } from './mon-subscribe';
import { MSG_MGR_OPEN, MSG_MGR_CONFIGURE, MSG_MGR_REPORT, MSG_MGR_COMMAND, MSG_MGR_COMMAND_REPLY, MSG_PGSTATS } from './types';

/**
 * The messages daemons and clients exchange with the active mgr (src/messages/MMgr*.h, MPGStats.h):
 * a daemon opens a session (MMgrOpen), the mgr says how often to report (MMgrConfigure), the daemon
 * reports perf counters and status (MMgrReport) and, for an OSD, its PG and store statistics
 * (MPGStats); clients send commands (MMgrCommand / MMgrCommandReply).
 */

type StrMap = [string, string][];

function strMap(r: Reader, field: string): StrMap {
  const v = r.pairs(field, (rr) => rr.string('key'), (rr) => rr.string('value'), 8);
  if (v.length > messagesLimits.mgrStatusKeysMax) throw cephError('EINVAL', `${field} with ${v.length} keys over mgrStatusKeysMax ${messagesLimits.mgrStatusKeysMax}`);
  return v;
}

const encStrMap = (w: Writer, m: StrMap): void => void w.pairs(m, (ww, k) => ww.string(k), (ww, v) => ww.string(v));

/** MMgrOpen v3: who is reporting; a service daemon (rgw, rbd-mirror, a librados service) adds metadata and status. */
export interface MMgrOpen {
  daemonName: string;
  /** Empty: inferred from the sender's entity type ("osd"). */
  serviceName: string;
  serviceDaemon: boolean;
  daemonMetadata: StrMap;
  daemonStatus: StrMap;
  configBl: Buffer;
  configDefaultsBl: Buffer;
}

export const MMgrOpenCodec = defineMessage<MMgrOpen>({
  type: MSG_MGR_OPEN,
  name: 'mgropen',
  version: 3,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MMgrOpen', (r) => {
      const o: MMgrOpen = { daemonName: r.string('daemon_name'), serviceName: '', serviceDaemon: false, daemonMetadata: [], daemonStatus: [], configBl: Buffer.alloc(0), configDefaultsBl: Buffer.alloc(0) };
      if (m.version >= 2) {
        o.serviceName = r.string('service_name');
        o.serviceDaemon = r.bool('service_daemon');
        if (o.serviceDaemon) {
          o.daemonMetadata = strMap(r, 'daemon_metadata');
          o.daemonStatus = strMap(r, 'daemon_status');
        }
      }
      if (m.version >= 3) {
        o.configBl = r.blob('config_bl');
        o.configDefaultsBl = r.blob('config_defaults_bl');
      }
      return o;
    }),
  encode: (p) =>
    writeFront((w) => {
      w.string(p.daemonName).string(p.serviceName).bool(p.serviceDaemon);
      if (p.serviceDaemon) {
        encStrMap(w, p.daemonMetadata);
        encStrMap(w, p.daemonStatus);
      }
      w.blob(p.configBl).blob(p.configDefaultsBl);
    }),
  describe: (p) => `mgropen(${p.serviceName || '?'}.${p.daemonName}${p.serviceDaemon ? ' daemon' : ''})`,
});

/** MMgrConfigure v4: report every stats_period seconds, counters of priority >= stats_threshold. */
export interface MMgrConfigure {
  statsPeriod: number;
  statsThreshold: number;
}

export const MMgrConfigureCodec = defineMessage<MMgrConfigure>({
  type: MSG_MGR_CONFIGURE,
  name: 'mgrconfigure',
  version: 4,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MMgrConfigure', (r) => {
      const c = { statsPeriod: r.u32('stats_period'), statsThreshold: 0 };
      if (m.version >= 2) c.statsThreshold = r.u32('stats_threshold');
      // osd_perf_metric_queries and metric_config_message: not used by our daemons.
      return c;
    }),
  // An empty osd_perf_metric_queries map and no metric_config_message.
  encode: (p) => writeFront((w) => w.u32(p.statsPeriod).u32(p.statsThreshold).u32(0).u8(0)),
  describe: (p) => `mgrconfigure(period=${p.statsPeriod}, threshold=${p.statsThreshold})`,
});

/** PerfCounterType (src/messages/MMgrReport.h), v3: one counter's schema, sent the first time it is reported. */
export interface PerfCounterType {
  path: string;
  description: string;
  nick: string;
  /** u8 perfcounter_type_d bits (PERFCOUNTER_U64 2, TIME 1, LONGRUNAVG 4, COUNTER 8, HISTOGRAM 0x10). */
  type: number;
  /** u8 PerfCountersBuilder::PRIO_* (USEFUL 5). */
  priority: number;
  /** u8 unit_t (NONE 0, BYTES 1). */
  unit: number;
}

/** PERFCOUNTER_* type bits (src/common/perf_counters.h). */
export const PerfCounterTypeBits = { TIME: 1, U64: 2, LONGRUNAVG: 4, COUNTER: 8, HISTOGRAM: 0x10 } as const;

export function decodePerfCounterType(r: Reader): PerfCounterType {
  return r.envelope('PerfCounterType', 3, (_r, v) => {
    const t: PerfCounterType = { path: r.string('path'), description: r.string('description'), nick: r.string('nick'), type: r.u8('type'), priority: 5, unit: 0 };
    if (v >= 2) t.priority = r.u8('priority');
    if (v >= 3) t.unit = r.u8('unit');
    return t;
  });
}

export function encodePerfCounterType(w: Writer, t: PerfCounterType): void {
  w.envelope(3, 1, () => w.string(t.path).string(t.description).string(t.nick).u8(t.type).u8(t.priority).u8(t.unit));
}

/** DaemonHealthMetric: u8 daemon_metric type (SLOW_OPS 0, PENDING_CREATING_PGS 1) and a u64 value. */
export interface DaemonHealthMetric {
  type: number;
  value: bigint;
}

/**
 * MMgrReport v9. `packed` is an ENCODE_START(1,1) envelope of u64 values, one per declared counter in
 * path order (LONGRUNAVG counters add avgcount and avgcount2). The OSD perf query reports and the
 * metric report message are not used by our mgr: they are skipped on decode and sent empty.
 */
export interface MMgrReport {
  daemonName: string;
  declareTypes: PerfCounterType[];
  packed: Buffer;
  undeclareTypes: string[];
  serviceName: string;
  daemonStatus: StrMap | undefined;
  daemonHealthMetrics: DaemonHealthMetric[];
  configBl: Buffer;
  taskStatus: StrMap | undefined;
}

function decodeReport(r: Reader, version: number): MMgrReport {
  const m: MMgrReport = { daemonName: r.string('daemon_name'), declareTypes: [], packed: Buffer.alloc(0), undeclareTypes: [], serviceName: '', daemonStatus: undefined, daemonHealthMetrics: [], configBl: Buffer.alloc(0), taskStatus: undefined };
  m.declareTypes = r.list('declare_types', decodePerfCounterType, 6);
  if (m.declareTypes.length > messagesLimits.perfCountersPerReportMax) throw cephError('EINVAL', `${m.declareTypes.length} perf counters over perfCountersPerReportMax`);
  m.packed = r.blob('packed');
  if (version >= 2) m.undeclareTypes = r.list('undeclare_types', (rr) => rr.string('path'), 4);
  if (version >= 3) {
    m.serviceName = r.string('service_name');
    m.daemonStatus = r.optional('daemon_status', (rr) => strMap(rr, 'daemon_status'));
  }
  if (version >= 5) m.daemonHealthMetrics = r.list('daemon_health_metrics', (rr) => rr.envelope('DaemonHealthMetric', 1, () => ({ type: rr.u8('type'), value: rr.u64('n') })), 14);
  if (version >= 6) m.configBl = r.blob('config_bl');
  // Only an empty osd_perf_metric_reports map lets us reach task_status (its key type is not decoded here).
  if (version >= 8 && r.u32('osd_perf_metric_reports') === 0) m.taskStatus = r.optional('task_status', (rr) => strMap(rr, 'task_status'));
  return m;
}

export const MMgrReportCodec = defineMessage<MMgrReport>({
  type: MSG_MGR_REPORT,
  name: 'mgrreport',
  version: 9,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MMgrReport', (r) => decodeReport(r, m.version)),
  encode: (p) =>
    writeFront((w) => {
      w.string(p.daemonName);
      w.list(p.declareTypes, encodePerfCounterType);
      w.blob(p.packed);
      w.list(p.undeclareTypes, (ww, s) => ww.string(s));
      w.string(p.serviceName);
      w.optional(p.daemonStatus, encStrMap);
      w.list(p.daemonHealthMetrics, (ww, h) => ww.envelope(1, 1, () => ww.u8(h.type).u64(h.value)));
      w.blob(p.configBl);
      w.u32(0);
      w.optional(p.taskStatus, encStrMap);
      w.u8(0);
    }),
  describe: (p) => `mgrreport(${p.serviceName || '?'}.${p.daemonName} +${p.declareTypes.length}-${p.undeclareTypes.length} packed ${p.packed.length})`,
});

/** Read MMgrReport.packed: the values of `types` (path order), three per LONGRUNAVG counter. */
export function unpackPerfValues(packed: Buffer, types: readonly PerfCounterType[]): bigint[][] {
  if (!packed.length) return [];
  const r = new Reader(packed);
  return r.envelope('packed', 1, () => types.map((t) => (t.type & PerfCounterTypeBits.LONGRUNAVG ? [r.u64('value'), r.u64('avgcount'), r.u64('avgcount2')] : [r.u64('value')])));
}

export function packPerfValues(values: readonly (readonly bigint[])[]): Buffer {
  const w = new Writer();
  w.envelope(1, 1, () => {
    for (const v of values) for (const x of v) w.u64(x);
  });
  return w.finish();
}

/** MMgrCommand: a command for the active mgr (librados mgr_command); input in the data segment. */
export interface MMgrCommand {
  fsid: Uuid;
  cmd: string[];
  inbl: Buffer;
}

export const MMgrCommandCodec = defineMessage<MMgrCommand>({
  type: MSG_MGR_COMMAND,
  name: 'mgr_command',
  version: 1,
  compatVersion: 1,
  decode: (m) => ({ ...readFront(m, 'MMgrCommand', (r) => ({ fsid: decodeUuid(r, 'fsid'), cmd: decodeCmd(r) })), inbl: m.data }),
  encode: (p) => ({ ...writeFront((w) => (encodeUuid(w, p.fsid), encodeCmd(w, p.cmd))), data: p.inbl }),
  describe: (p) => `mgr_command(${p.cmd.join(' ')})`,
});

/** MMgrCommandReply: r (0 or -errno) and rs; the output is the data segment. */
export interface MMgrCommandReply {
  r: number;
  rs: string;
  outbl: Buffer;
}

export const MMgrCommandReplyCodec = defineMessage<MMgrCommandReply>({
  type: MSG_MGR_COMMAND_REPLY,
  name: 'mgr_command_reply',
  version: 1,
  compatVersion: 1,
  decode: (m) => ({ ...readFront(m, 'MMgrCommandReply', (r) => ({ r: r.i32('r'), rs: r.string('rs') })), outbl: m.data }),
  encode: (p) => ({ ...writeFront((w) => w.i32(p.r).string(p.rs)), data: p.outbl }),
  describe: (p) => `mgr_command_reply(${p.r} ${p.rs})`,
});

/**
 * MPGStats v2 (PaxosServiceMessage): an OSD's statistics for the PGs it is primary of, its own
 * osd_stat_t and per-pool store usage; sent to the mgr every stats period, never acked.
 */
export interface MPGStats {
  paxos: PaxosHead;
  fsid: Uuid;
  osdStat: OsdStatT;
  pgStat: [PgT, PgStatT][];
  epoch: number;
  poolStat: [number, StoreStatfsT][];
}

export const MPGStatsCodec = defineMessage<MPGStats>({
  type: MSG_PGSTATS,
  name: 'pg_stats',
  version: 2,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MPGStats', (r) => {
      const paxos = decodePaxos(r);
      const fsid = decodeUuid(r, 'fsid');
      const osdStat = decodeOsdStatT(r, 'osd_stat');
      if (osdStat.numOsds === 0) osdStat.numOsds = 1;
      const pgStat = r.pairs('pg_stat', (rr) => decodePgT(rr, 'pgid'), (rr) => decodePgStatT(rr), 100);
      if (pgStat.length > messagesLimits.osdPgsPerMessageMax) throw cephError('EINVAL', `${pgStat.length} PGs over osdPgsPerMessageMax`);
      const epoch = r.u32('epoch');
      decodeUTime(r, 'dummy');
      const poolStat = m.version >= 2 ? r.pairs('pool_stat', (rr) => Number(rr.i64('pool')), (rr) => decodeStoreStatfsT(rr), 8) : [];
      return { paxos, fsid, osdStat, pgStat, epoch, poolStat };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      encodeOsdStatT(w, p.osdStat);
      w.pairs(p.pgStat, encodePgT, encodePgStatT);
      w.u32(p.epoch);
      encodeUTime(w, UTIME_ZERO);
      w.pairs(p.poolStat, (ww, k) => ww.i64(k), encodeStoreStatfsT);
    }),
  describe: (p) => `pg_stats(${p.pgStat.length} pgs seq ${p.osdStat.seq} v ${p.paxos.version})`,
});

/**
 * A daemon's running configuration as MMgrOpen / MMgrReport carry it in config_bl
 * (md_config_t::get_config_bl): every option set at some level, each with its value per level
 * (CONF_DEFAULT 0, mon 1, file 2, env 3, cmdline 4, override 5, final 6; the highest wins), then
 * the mon values the daemon refused (ignored_mon_values).
 */
export interface DaemonConfigValues {
  values: Map<string, Map<number, string>>;
  ignoredMon: Map<string, string>;
}

/** md_config_t's levels (src/common/config.h) and their names (ceph_conf_level_name). */
export const ConfLevel = { DEFAULT: 0, MON: 1, FILE: 2, ENV: 3, CMDLINE: 4, OVERRIDE: 5, FINAL: 6 } as const;
const confLevelNames = ['default', 'mon', 'file', 'env', 'cmdline', 'override', 'final'];
export const confLevelName = (level: number): string => confLevelNames[level] ?? '???';

export function encodeConfigBl(c: DaemonConfigValues): Buffer {
  const w = new Writer();
  const names = [...c.values.keys()].sort(byteOrder);
  w.u32(names.length);
  for (const n of names) {
    const levels = [...c.values.get(n)!].sort((a, b) => a[0] - b[0]);
    w.string(n).u32(levels.length);
    for (const [l, v] of levels) w.i32(l).string(v);
  }
  encStrMap(w, [...c.ignoredMon].sort((a, b) => byteOrder(a[0], b[0])));
  return w.finish();
}

/** config_bl back (DaemonServer::handle_open / handle_report); bounded like every decoder. */
export function decodeConfigBl(b: Buffer): DaemonConfigValues {
  const r = new Reader(b);
  const values = r.map(
    'config',
    (rr) => rr.string('name'),
    (rr) => rr.map('levels', (r3) => r3.i32('level'), (r3) => r3.string('value'), 8),
    8,
  );
  const ignoredMon = r.map('ignored_mon_values', (rr) => rr.string('name'), (rr) => rr.string('value'), 8);
  return { values, ignoredMon };
}

/** config_defaults_bl (md_config_t::get_defaults_bl): every option of the schema with its default's text. */
export function encodeConfigDefaultsBl(defaults: Iterable<readonly [string, string]>): Buffer {
  const w = new Writer();
  const all = [...defaults].sort((a, b) => byteOrder(a[0], b[0]));
  w.u32(all.length);
  for (const [n, v] of all) w.string(n).string(v);
  return w.finish();
}

export function decodeConfigDefaultsBl(b: Buffer): Map<string, string> {
  return new Reader(b).map('config_defaults', (r) => r.string('name'), (r) => r.string('value'), 8);
}
