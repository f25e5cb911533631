/**
 * The health checks the monitor publishes from the PG map the mgr role keeps, in one place, as
 * src/mon/PGMap.cc get_health_checks computes them for a mgr's MMonMgrReport: the PG state and
 * scrub checks, SLOW_OPS, the OSD network checks (all in pg-health.ts), OSD_SCRUB_ERRORS,
 * TOO_FEW_OSDS and POOL_APP_NOT_ENABLED. The PG map itself is @ts-ceph/mgr's; this file only turns
 * it into the plain inputs pg-health.ts reads.
 */
import { OSDMap, PgStatT, crushOf, isUp, newObjectStatSum, osdCounts } from '@ts-ceph/maps';
import { UTime } from '@ts-ceph/denc';
import { PGMap, addStatSum, pgStateString } from '@ts-ceph/mgr/core';
import { Health, HealthCheckMap, addCheck } from '../health/health-check';
import { OsdPingStat, PgHealthPool, PgHealthStat, SlowPingConf, osdNetworkHealth, pgScrubHealth, pgStateHealth, slowOpsHealth } from './pg-health';

export interface PgHealthConf extends SlowPingConf {
  warnTooFewOsds: boolean;
  poolDefaultSize: number;
  stuckThresholdSec: number;
  warnPoolNoApp?: boolean;
  /** mon_health_max_detail */
  maxDetail: number;
  warnNotScrubbedRatio: number;
  warnNotDeepScrubbedRatio: number;
  osdScrubMaxIntervalSec: number;
  osdDeepScrubIntervalSec: number;
  /** mon_osd_reporter_subtree_level: the CRUSH type left out of an OSD's parentage, with root. */
  reporterSubtreeLevel: string;
}

/** pool_opts_t keys of scrub_max_interval and deep_scrub_interval (pool-parts.ts POOL_OPTS). */
const OPT_SCRUB_MAX_INTERVAL = 1;
const OPT_DEEP_SCRUB_INTERVAL = 2;

const ms = (t: UTime): number => t.sec * 1000 + Math.floor(t.nsec / 1e6);

/**
 * One PG as the checks read it. A PG no OSD has reported carries, like the entry a mgr adds for a
 * new PG (PGMapUpdater::check_osd_map), every stamp at the time its pool appeared.
 */
function healthStat(pool: number, seed: number, stat: PgStatT | undefined, born: number): PgHealthStat {
  if (!stat) {
    return { pool, seed, state: 'unknown', acting: [], lastChange: born, lastActive: born, lastPeered: born, lastFullsized: born, lastUnstale: born, lastScrubStamp: born, lastDeepScrubStamp: born, numObjectsUnfound: 0 };
  }
  return {
    pool,
    seed,
    state: pgStateString(stat.state),
    acting: stat.acting,
    lastChange: ms(stat.lastChange),
    lastActive: ms(stat.lastActive),
    lastPeered: ms(stat.lastPeered),
    lastFullsized: ms(stat.lastFullsized),
    lastUnstale: ms(stat.lastUnstale),
    lastScrubStamp: ms(stat.lastScrubStamp),
    lastDeepScrubStamp: ms(stat.lastDeepScrubStamp),
    numObjectsUnfound: stat.stats.sum.num_objects_unfound ?? 0,
  };
}

function poolNoApp(pm: PGMap, m: OSDMap, checks: HealthCheckMap): void {
  // Pools holding objects with no application (and not a cache tier).
  const noApp: string[] = [];
  for (const [id, p] of m.pools) {
    const objects = pm.poolSum(m, id).sum.num_objects ?? 0;
    if (objects > 0 && p.applicationMetadata.size === 0 && p.tierOf < 0) noApp.push(`application not enabled on pool '${m.poolName.get(id) ?? ''}'`);
  }
  if (!noApp.length) return;
  const n = noApp.length;
  noApp.push("use 'ceph osd pool application enable <pool-name> <app-name>', where <app-name> is 'cephfs', 'rbd', 'rgw', or freeform for custom applications.");
  addCheck(checks, 'POOL_APP_NOT_ENABLED', Health.WARN, `${n} pool(s) do not have an application enabled`, n, noApp);
}

function poolsOf(m: OSDMap): Map<number, PgHealthPool> {
  const pools = new Map<number, PgHealthPool>();
  const opt = (o: Map<number, { v: number | string }>, k: number): number => Number(o.get(k)?.v ?? 0);
  for (const [id, p] of m.pools) {
    pools.set(id, { name: m.poolName.get(id) ?? '', minSize: p.minSize, scrubMaxIntervalSec: opt(p.opts, OPT_SCRUB_MAX_INTERVAL), deepScrubIntervalSec: opt(p.opts, OPT_DEEP_SCRUB_INTERVAL) });
  }
  return pools;
}

function osdNetwork(pm: PGMap, m: OSDMap, now: number, conf: PgHealthConf, checks: HealthCheckMap): void {
  const osds: OsdPingStat[] = [...pm.osdStat].map(([osd, s]) => ({ osd, numShardsRepaired: Number(s.numShardsRepaired), hbPingtime: s.hbPingtime }));
  if (!osds.length) return;
  const cw = crushOf(m);
  const describe = (osd: number): { parentage: string[]; down: boolean } => {
    const names = new Set<string>();
    for (const [type, name] of cw.getFullLocation(osd)) if (type !== 'root' && type !== conf.reporterSubtreeLevel) names.add(name);
    return { parentage: [...names].sort(), down: !isUp(m, osd) };
  };
  osdNetworkHealth(osds, conf, describe, Math.floor(now / 1000), checks);
}

/** Every check the PG map raises; `slowOps` is each daemon's (name, slow ops, oldest blocked s). */
export function pgHealth(pm: PGMap, m: OSDMap, now: number, conf: PgHealthConf, slowOps: [string, number, number][] = []): HealthCheckMap {
  const checks: HealthCheckMap = new Map();
  const pgs: PgHealthStat[] = [];
  const sum = newObjectStatSum();
  for (const { pgid, stat } of pm.pgs(m)) {
    pgs.push(healthStat(pgid.pool, pgid.seed, stat, pm.poolFirstSeen(pgid.pool) ?? now));
    if (stat) addStatSum(sum, stat.stats.sum);
  }
  const pools = poolsOf(m);
  pgStateHealth(pgs, pools, { objects: sum.num_objects_degraded ?? 0, copies: sum.num_object_copies ?? 0 }, conf, now, checks);
  const scrubErrors = sum.num_scrub_errors ?? 0;
  if (scrubErrors) addCheck(checks, 'OSD_SCRUB_ERRORS', Health.ERR, `${scrubErrors} scrub errors`, scrubErrors);
  const num = osdCounts(m).num;
  if (conf.warnTooFewOsds && num < conf.poolDefaultSize) {
    addCheck(checks, 'TOO_FEW_OSDS', Health.WARN, `OSD count ${num} < osd_pool_default_size ${conf.poolDefaultSize}`, conf.poolDefaultSize - num);
  }
  osdNetwork(pm, m, now, conf, checks);
  pgScrubHealth(pgs, pools, conf, now, checks);
  if (conf.warnPoolNoApp ?? true) poolNoApp(pm, m, checks);
  slowOpsHealth(slowOps, checks);
  return checks;
}
