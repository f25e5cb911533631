/**
 * How full this OSD is (src/osd/OSD.cc OSDService::recalc_full_state, compute_adjusted_ratio,
 * need_fullness_update, send_full_update), as pure functions of the store's statfs and the osdmap.
 * The driver (full-driver.ts) measures, reports the state to the monitor with MOSDFull and refuses
 * writes at the failsafe ratio.
 */
import { OSDMap, OsdState, exists } from '@ts-ceph/maps';

/** OSDService::s_names, in increasing order of fullness. */
export const FullState = { NONE: 0, NEARFULL: 1, BACKFILLFULL: 2, FULL: 3, FAILSAFE: 4 } as const;
export type FullState = (typeof FullState)[keyof typeof FullState];

const NAMES = ['none', 'nearfull', 'backfillfull', 'full', 'failsafe'];

/** OSDService::get_full_state_name. */
export function fullStateName(s: FullState): string {
  return NAMES[s]!;
}

/** store_statfs_t::get_used_raw / total: the share of the device in use. */
export function usedRatio(statfs: { total: number; available: number }): number {
  return statfs.total > 0 ? (statfs.total - statfs.available) / statfs.total : 0;
}

/**
 * recalc_full_state: the map's ratios take precedence (each at least the one below it), the
 * failsafe is at least the full ratio; ratios at or below 0 (a broken map) fall back to the
 * failsafe. Without a map the OSD is never full. `failsafeRatio` is osd_failsafe_full_ratio
 * (above 1: a percentage).
 */
export function recalcFullState(map: Pick<OSDMap, 'epoch' | 'nearfullRatio' | 'backfillfullRatio' | 'fullRatio'> | undefined, failsafeRatio: number, ratio: number): FullState {
  if (!map || map.epoch === 0) return FullState.NONE;
  let nearfull = map.nearfullRatio;
  let backfillfull = Math.max(map.backfillfullRatio, nearfull);
  let full = Math.max(map.fullRatio, backfillfull);
  const failsafe = Math.max(failsafeRatio > 1 ? failsafeRatio / 100 : failsafeRatio, full);
  if (full <= 0 || backfillfull <= 0 || nearfull <= 0) full = backfillfull = nearfull = failsafe;
  if (ratio > failsafe) return FullState.FAILSAFE;
  if (ratio > full) return FullState.FULL;
  if (ratio > backfillfull) return FullState.BACKFILLFULL;
  if (ratio > nearfull) return FullState.NEARFULL;
  return FullState.NONE;
}

/** The CEPH_OSD_* state bit MOSDFull carries for a state (the failsafe is reported as full). */
export function fullStateBits(s: FullState): number {
  if (s >= FullState.FULL) return OsdState.FULL;
  if (s === FullState.BACKFILLFULL) return OsdState.BACKFILLFULL;
  if (s === FullState.NEARFULL) return OsdState.NEARFULL;
  return 0;
}

/** need_fullness_update: the osdmap's bits for this OSD differ from what it measures. */
export function needFullnessUpdate(map: OSDMap, id: number, s: FullState): boolean {
  let cur = 0;
  if (exists(map, id)) {
    const st = map.osdState[id]!;
    cur = st & OsdState.FULL ? OsdState.FULL : st & OsdState.BACKFILLFULL ? OsdState.BACKFILLFULL : st & OsdState.NEARFULL ? OsdState.NEARFULL : 0;
  }
  return cur !== fullStateBits(s);
}
