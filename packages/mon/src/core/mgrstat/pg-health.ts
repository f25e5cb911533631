/**
 * The health checks the PG map raises from PG statistics (src/mon/PGMap.cc get_health_checks):
 * PG_AVAILABILITY, PG_DEGRADED, PG_BACKFILL_FULL, PG_DAMAGED and PG_RECOVERY_FULL from PG states
 * (immediately, or once stuck longer than mon_pg_stuck_threshold), PG_NOT_SCRUBBED and
 * PG_NOT_DEEP_SCRUBBED from the scrub stamps, and SLOW_OPS from the daemons' health metrics
 * (src/mgr/DaemonHealthMetricCollector.cc). Pure: the PG stats, pools and time come in; whoever
 * holds the PG map (PGStatService today, the mgr's PGMap) feeds it.
 */
import { formatUTime, utimeFromMs } from '@ts-ceph/denc';
import { Health, HealthCheckMap, addCheck } from '../health/health-check';

/** What the checks read of one pg_stat_t. Stamps in ms, 0 for never. */
export interface PgHealthStat {
  pool: number;
  seed: number;
  /** pg_state_string: "active+undersized+degraded". */
  state: string;
  acting: number[];
  /** last_change: a PG never active (stamp 0) is "still moving" while this is recent. */
  lastChange: number;
  lastActive: number;
  lastPeered: number;
  lastFullsized: number;
  lastUnstale: number;
  lastScrubStamp: number;
  lastDeepScrubStamp: number;
  numObjectsUnfound: number;
}

export interface PgHealthPool {
  name: string;
  minSize: number;
  /** pool_opts_t scrub_max_interval / deep_scrub_interval in seconds, 0 when unset. */
  scrubMaxIntervalSec: number;
  deepScrubIntervalSec: number;
}

export interface PgHealthConf {
  stuckThresholdSec: number;
  /** mon_health_max_detail */
  maxDetail: number;
  warnNotScrubbedRatio: number;
  warnNotDeepScrubbedRatio: number;
  /** osd_scrub_max_interval, osd_deep_scrub_interval (seconds). */
  osdScrubMaxIntervalSec: number;
  osdDeepScrubIntervalSec: number;
}

type Consequence = 'UNAVAILABLE' | 'DEGRADED' | 'BACKFILL_FULL' | 'DAMAGED' | 'RECOVERY_FULL';

/**
 * state_to_response in PG_STATE_* bit order (a std::map keyed by the bit): the state word, what it
 * causes, and for delayed reports the stamp it is stuck since; `invert` reports PGs *without* it.
 */
const RESPONSES: { word: string; c: Consequence; since?: (p: PgHealthStat) => number; invert?: boolean }[] = [
  { word: 'active', c: 'UNAVAILABLE', since: (p) => p.lastActive, invert: true },
  { word: 'down', c: 'UNAVAILABLE' },
  { word: 'recovery_unfound', c: 'DAMAGED' },
  { word: 'backfill_unfound', c: 'DAMAGED' },
  { word: 'degraded', c: 'DEGRADED' },
  { word: 'inconsistent', c: 'DAMAGED' },
  { word: 'peering', c: 'UNAVAILABLE', since: (p) => p.lastPeered },
  { word: 'incomplete', c: 'UNAVAILABLE' },
  { word: 'stale', c: 'UNAVAILABLE', since: (p) => p.lastUnstale },
  { word: 'backfill_toofull', c: 'BACKFILL_FULL' },
  { word: 'undersized', c: 'DEGRADED', since: (p) => p.lastFullsized },
  { word: 'recovery_toofull', c: 'RECOVERY_FULL' },
  { word: 'snaptrim_error', c: 'DAMAGED' },
];

/** The checks each consequence raises, in pg_consequence_t order. */
const CHECKS: [Consequence, string, number, string][] = [
  ['UNAVAILABLE', 'PG_AVAILABILITY', Health.WARN, 'Reduced data availability: '],
  ['DEGRADED', 'PG_DEGRADED', Health.WARN, 'Degraded data redundancy: '],
  ['BACKFILL_FULL', 'PG_BACKFILL_FULL', Health.WARN, "Low space hindering backfill (add storage if this doesn't resolve itself): "],
  ['DAMAGED', 'PG_DAMAGED', Health.ERR, 'Possible data damage: '],
  ['RECOVERY_FULL', 'PG_RECOVERY_FULL', Health.ERR, 'Full OSDs blocking recovery: '],
];

/** utimespan_str */
export function utimespanStr(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

const pgName = (p: PgHealthStat): string => `${p.pool}.${p.seed.toString(16)}`;
const cmpPg = (a: PgHealthStat, b: PgHealthStat): number => a.pool - b.pool || a.seed - b.seed;

/** The state checks; `degraded` is the cluster's num_objects_degraded / num_object_copies. */
export function pgStateHealth(
  pgs: PgHealthStat[],
  pools: Map<number, PgHealthPool>,
  degraded: { objects: number; copies: number },
  conf: PgHealthConf,
  now: number,
  checks: HealthCheckMap,
): void {
  const cutoff = now - conf.stuckThresholdSec * 1000;
  const detected = new Map<Consequence, { states: Map<number, number>; messages: Map<string, [PgHealthStat, string]> }>();
  for (const p of [...pgs].sort(cmpPg)) {
    const words = new Set(p.state.split('+'));
    RESPONSES.forEach((r, order) => {
      if (words.has(r.word) === !!r.invert) return;
      let since = 0;
      if (r.since) {
        since = r.since(p);
        // A zero stamp is stuck only once the PG has stopped changing (PGMap.cc: "still moving").
        if (since === 0 ? p.lastChange >= cutoff : since >= cutoff) return;
      }
      let causes = detected.get(r.c);
      if (!causes) detected.set(r.c, (causes = { states: new Map(), messages: new Map() }));
      causes.states.set(order, (causes.states.get(order) ?? 0) + 1);
      if (causes.messages.size > conf.maxDetail) return;
      const name = r.invert ? 'inactive' : r.word;
      let msg = r.since
        ? `pg ${pgName(p)} is stuck ${name}${since === 0 ? ' since forever' : ` for ${utimespanStr(now - since)}`}, current state ${p.state}, last acting [${p.acting.join(',')}]`
        : `pg ${pgName(p)} is ${p.state}, acting [${p.acting.join(',')}]${p.numObjectsUnfound ? `, ${p.numObjectsUnfound} unfound` : ''}`;
      const pool = pools.get(p.pool);
      if (words.has('incomplete') && pool && pool.minSize > 1) {
        msg += ` (reducing pool ${pool.name} min_size from ${pool.minSize} may help; search ceph.com/docs for 'incomplete')`;
      }
      causes.messages.set(pgName(p), [p, msg]);
    });
  }
  for (const [c, code, sev, prefix] of CHECKS) {
    const causes = detected.get(c);
    if (!causes) continue;
    let summary = prefix;
    if (c === 'DEGRADED' && degraded.objects && degraded.copies > 0) {
      summary += `${degraded.objects}/${degraded.copies} objects degraded (${((degraded.objects / degraded.copies) * 100).toFixed(3)}%), `;
    }
    let count = 0;
    const parts: string[] = [];
    for (const [order, n] of [...causes.states].sort((a, b) => a[0] - b[0])) {
      const r = RESPONSES[order]!;
      parts.push(`${n}${n > 1 ? ' pgs ' : ' pg '}${r.invert ? 'inactive' : r.word}`);
      count += n;
    }
    const detail = [...causes.messages.values()].sort((a, b) => cmpPg(a[0], b[0])).map(([, m]) => m);
    addCheck(checks, code, sev, summary + parts.join(', '), count, detail);
  }
}

/** PG_NOT_SCRUBBED and PG_NOT_DEEP_SCRUBBED: stamps older than (1 + ratio) intervals. */
export function pgScrubHealth(pgs: PgHealthStat[], pools: Map<number, PgHealthPool>, conf: PgHealthConf, now: number, checks: HealthCheckMap): void {
  const kinds = [
    { code: 'PG_NOT_SCRUBBED', what: 'scrubbed', ratio: conf.warnNotScrubbedRatio, interval: (p: PgHealthPool) => p.scrubMaxIntervalSec || conf.osdScrubMaxIntervalSec, stamp: (s: PgHealthStat) => s.lastScrubStamp },
    { code: 'PG_NOT_DEEP_SCRUBBED', what: 'deep-scrubbed', ratio: conf.warnNotDeepScrubbedRatio, interval: (p: PgHealthPool) => p.deepScrubIntervalSec || conf.osdDeepScrubIntervalSec, stamp: (s: PgHealthStat) => s.lastDeepScrubStamp },
  ];
  for (const k of kinds) {
    if (!k.ratio) continue;
    const detail: string[] = [];
    let total = 0;
    for (const s of [...pgs].sort(cmpPg)) {
      const pool = pools.get(s.pool);
      if (!pool) continue;
      const interval = k.interval(pool);
      if (k.stamp(s) >= now - (k.ratio * interval + interval) * 1000) continue;
      total++;
      if (detail.length < conf.maxDetail) detail.push(`pg ${pgName(s)} not ${k.what} since ${formatUTime(utimeFromMs(k.stamp(s)))}`);
    }
    if (!total) continue;
    if (total > detail.length) detail.push(`${total - detail.length} more pgs... `);
    addCheck(checks, k.code, Health.WARN, `${total} pgs not ${k.what} in time`, total, detail);
  }
}

/** SLOW_OPS from each daemon's (slow ops, oldest blocked seconds) metric; daemons in report order. */
export function slowOpsHealth(metrics: [string, number, number][], checks: HealthCheckMap): void {
  let n = 0;
  let oldest = 0;
  const daemons: string[] = [];
  for (const [daemon, num, blocked] of metrics) {
    n += num;
    oldest = Math.max(oldest, blocked);
    if (num || blocked) daemons.push(daemon);
  }
  if (!daemons.length) return;
  const who =
    daemons.length === 1
      ? `${daemons[0]} has slow ops`
      : daemons.length > 10
        ? `daemons [${daemons.slice(0, 10).join(',')}]... have slow ops.`
        : `daemons [${daemons.join(',')}] have slow ops.`;
  addCheck(checks, 'SLOW_OPS', Health.WARN, `${n} slow ops, oldest one blocked for ${oldest} sec, ${who}`, 1);
}

/** What the network checks read of one OSD's osd_stat_t. */
export interface OsdPingStat {
  osd: number;
  numShardsRepaired: number;
  /** Peer OSD -> ping times in microseconds (1, 5, 15 minute averages) and the u32 update stamp (s). */
  hbPingtime: [number, { lastUpdate: number; backPingtime: number[]; frontPingtime: number[] }][];
}

export interface SlowPingConf {
  /** mon_warn_on_slow_ping_time (ms); 0 means osd_heartbeat_grace * mon_warn_on_slow_ping_ratio. */
  warnSlowPingTimeMs: number;
  warnSlowPingRatio: number;
  heartbeatGraceSec: number;
  /** mon_osd_warn_num_repaired */
  warnNumRepaired: number;
}

/** How an OSD is named in the details: its CRUSH parentage (not root nor the reporter level) and whether it is down. */
export type OsdDescribe = (osd: number) => { parentage: string[]; down: boolean };

/** Slow-ping details list at most this many links per check, then point at dump_osd_network (as Ceph). */
const slowPingDetailMax = 10;

/** fixed_u_to_string(us, 3): microseconds as milliseconds with three decimals. */
function fixedMs(us: number): string {
  const t = String(us).padStart(4, '0');
  return `${t.slice(0, -3)}.${t.slice(-3)}`;
}

interface PingItem {
  pingtime: number;
  from: number;
  to: number;
  improving: boolean;
}

/** OSD_TOO_MANY_REPAIRS and OSD_SLOW_PING_TIME_BACK/FRONT (PGMap::get_health_checks, SLOW_PING_TIME). */
export function osdNetworkHealth(osds: OsdPingStat[], conf: SlowPingConf, describe: OsdDescribe, nowSec: number, checks: HealthCheckMap): void {
  const warnUs = conf.warnSlowPingTimeMs ? conf.warnSlowPingTimeMs * 1000 : conf.heartbeatGraceSec * 1e6 * conf.warnSlowPingRatio;
  if (warnUs <= 0) return;
  const back: PingItem[] = [];
  const front: PingItem[] = [];
  const repaired: string[] = [];
  for (const o of [...osds].sort((a, b) => a.osd - b.osd)) {
    for (const [to, i] of o.hbPingtime) {
      // Ping times not refreshed for a long while come from a stale report.
      if (nowSec - i.lastUpdate > conf.heartbeatGraceSec * 60) continue;
      const b = Math.max(...i.backPingtime);
      if (b > warnUs) back.push({ pingtime: b, from: o.osd, to, improving: i.backPingtime[0]! < i.backPingtime[1]! && i.backPingtime[1]! < i.backPingtime[2]! });
      const f = Math.max(...i.frontPingtime);
      // Ceph compares the 5-minute front time with the 15-minute *back* time here; kept for identical output.
      if (f > warnUs) front.push({ pingtime: f, from: o.osd, to, improving: i.frontPingtime[0]! < i.frontPingtime[1]! && i.frontPingtime[1]! < i.backPingtime[2]! });
    }
    if (o.numShardsRepaired > conf.warnNumRepaired) repaired.push(`osd.${o.osd} had ${o.numShardsRepaired} reads repaired`);
  }
  if (repaired.length) addCheck(checks, 'OSD_TOO_MANY_REPAIRS', Health.WARN, `Too many repaired reads on ${repaired.length} OSDs`, repaired.length, repaired);
  const name = (osd: number): string => {
    const d = describe(osd);
    return `osd.${osd} [${d.parentage.join(',')}]${d.down ? ' (down)' : ''}`;
  };
  for (const [code, side, items] of [['OSD_SLOW_PING_TIME_BACK', 'back', back], ['OSD_SLOW_PING_TIME_FRONT', 'front', front]] as const) {
    if (!items.length) continue;
    // Longest first; equal times by descending (from, to), the reverse walk of Ceph's std::set.
    items.sort((a, b) => b.pingtime - a.pingtime || b.from - a.from || b.to - a.to);
    const detail = items.slice(0, slowPingDetailMax).map((s) => `Slow OSD heartbeats on ${side} from ${name(s.from)} to ${name(s.to)} ${fixedMs(s.pingtime)} msec${s.improving ? ' possibly improving' : ''}`);
    if (items.length > slowPingDetailMax) detail.push('Truncated long network list.  Use ceph daemon mgr.# dump_osd_network for more information');
    addCheck(checks, code, Health.WARN, `Slow OSD heartbeats on ${side} (longest ${fixedMs(items[0]!.pingtime)}ms)`, items.length, detail);
  }
}
