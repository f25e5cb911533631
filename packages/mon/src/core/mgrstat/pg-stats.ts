/**
 * The health checks the monitor derives from the PG map the mgr role keeps (src/mon/PGMap.cc
 * get_health_checks, as a mgr would send them in MMonMgrReport): TOO_FEW_OSDS, PG_AVAILABILITY
 * (stuck inactive) and POOL_APP_NOT_ENABLED. The PG map itself is @ts-ceph/mgr's.
 */
import { OSDMap, osdCounts } from '@ts-ceph/maps';
import { PGMap, PgState, pgStateString } from '@ts-ceph/mgr/core';
import { Health, HealthCheckMap, addCheck } from '../health/health-check';

export interface PgHealthConf {
  warnTooFewOsds: boolean;
  poolDefaultSize: number;
  stuckThresholdSec: number;
  warnPoolNoApp?: boolean;
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

export function pgHealth(pm: PGMap, m: OSDMap, now: number, conf: PgHealthConf): HealthCheckMap {
  const checks: HealthCheckMap = new Map();
  const num = osdCounts(m).num;
  if (conf.warnTooFewOsds && num < conf.poolDefaultSize) {
    addCheck(checks, 'TOO_FEW_OSDS', Health.WARN, `OSD count ${num} < osd_pool_default_size ${conf.poolDefaultSize}`, conf.poolDefaultSize - num);
  }
  const cutoff = now - conf.stuckThresholdSec * 1000;
  const ms = (t: { sec: number; nsec: number }) => t.sec * 1000 + Math.floor(t.nsec / 1e6);
  const detail: string[] = [];
  for (const { pgid, stat } of pm.pgs(m)) {
    if (stat && stat.state & PgState.ACTIVE) continue;
    const since = stat ? ms(stat.lastActive) : 0;
    const changed = stat ? ms(stat.lastChange) : (pm.poolFirstSeen(pgid.pool) ?? now);
    if (since === 0 && changed >= cutoff) continue;
    if (since >= cutoff && since !== 0) continue;
    const from = since || changed;
    const acting = stat ? stat.acting.join(',') : '';
    detail.push(`pg ${pgid.pool}.${pgid.seed.toString(16)} is stuck inactive for ${stuckAge(now - from)}, current state ${stat ? pgStateString(stat.state) : 'unknown'}, last acting [${acting}]`);
  }
  if (conf.warnPoolNoApp ?? true) poolNoApp(pm, m, checks);
  if (detail.length) {
    addCheck(checks, 'PG_AVAILABILITY', Health.WARN, `Reduced data availability: ${detail.length} pg${detail.length > 1 ? 's' : ''} inactive`, detail.length, detail.slice(0, 50));
  }
  return checks;
}

function stuckAge(ms: number): string {
  // utimespan_str
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}
