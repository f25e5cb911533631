/**
 * OSDMap::check_health (src/osd/OSDMap.cc): OSD_DOWN, OSD_ORPHAN, OSDMAP_FLAGS, POOL_NO_REDUNDANCY, and
 * the fullness checks of osd-full.ts.
 * Subtree-down aggregation (OSD_HOST_DOWN ...) is not reproduced: each down OSD is listed.
 */
import { OSDMap, OsdMapFlag, OsdState, crushOf, exists, isOut, isUp, osdMapFlagString } from '@ts-ceph/maps';
import { Health, HealthCheckMap, addCheck } from '../health/health-check';
import { fullnessHealth } from './osd-full';

const WARN_FLAGS =
  OsdMapFlag.PAUSERD | OsdMapFlag.PAUSEWR | OsdMapFlag.PAUSEREC | OsdMapFlag.NOUP | OsdMapFlag.NODOWN | OsdMapFlag.NOIN | OsdMapFlag.NOOUT |
  OsdMapFlag.NOBACKFILL | OsdMapFlag.NORECOVER | OsdMapFlag.NOSCRUB | OsdMapFlag.NODEEP_SCRUB | OsdMapFlag.NOTIERAGENT | OsdMapFlag.NOSNAPTRIM | OsdMapFlag.NOREBALANCE;

/** crush->get_full_location_ordered_string: "root=default,host=h1" (outermost first). */
function locationString(m: OSDMap, id: number): string {
  return crushOf(m)
    .getFullLocationOrdered(id)
    .slice()
    .reverse()
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function osdMapHealth(m: OSDMap, warnNoRedundancy: boolean, failsafeFullRatio = 0.97): HealthCheckMap {
  const checks: HealthCheckMap = new Map();
  const cw = crushOf(m);
  const down: number[] = [];
  const orphans: number[] = [];
  for (let i = 0; i < m.maxOsd; i++) {
    if (!exists(m, i)) {
      if (cw.itemExists(i)) orphans.push(i);
      continue;
    }
    if (isOut(m, i) || (m.osdState[i]! & OsdState.NEW) !== 0) continue;
    if (!isUp(m, i)) down.push(i);
  }
  if (down.length) {
    addCheck(checks, 'OSD_DOWN', Health.WARN, `${down.length} osds down`, down.length, down.map((i) => `osd.${i} (${locationString(m, i)}) is down`));
  }
  if (orphans.length) {
    addCheck(checks, 'OSD_ORPHAN', Health.WARN, `${orphans.length} osds exist in the crush map but not in the osdmap`, orphans.length, orphans.map((i) => `osd.${i} exists in crush map but not in osdmap`));
  }
  fullnessHealth(m, failsafeFullRatio, checks);
  if (m.flags & WARN_FLAGS) {
    const s = osdMapFlagString(m.flags & WARN_FLAGS);
    addCheck(checks, 'OSDMAP_FLAGS', Health.WARN, `${s} flag(s) set`, s.length);
  }
  if (warnNoRedundancy) {
    const detail: string[] = [];
    for (const [id, p] of m.pools) if (p.size === 1) detail.push(`pool '${m.poolName.get(id)}' has no replicas configured`);
    if (detail.length) addCheck(checks, 'POOL_NO_REDUNDANCY', Health.WARN, `${detail.length} pool(s) have no replicas configured`, detail.length, detail);
  }
  return checks;
}
