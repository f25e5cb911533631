import { OsdMapFlag } from './types';
import { sortedStrings } from '../format/text';

/** Names Ceph prints for OSDMap flags and OSD states (src/osd/OSDMap.cc, src/common/ceph_strings.cc). */

const FLAG_NAMES: [number, string][] = [
  [OsdMapFlag.PAUSERD, 'pauserd'],
  [OsdMapFlag.PAUSEWR, 'pausewr'],
  [OsdMapFlag.PAUSEREC, 'pauserec'],
  [OsdMapFlag.NOUP, 'noup'],
  [OsdMapFlag.NODOWN, 'nodown'],
  [OsdMapFlag.NOOUT, 'noout'],
  [OsdMapFlag.NOIN, 'noin'],
  [OsdMapFlag.NOBACKFILL, 'nobackfill'],
  [OsdMapFlag.NOREBALANCE, 'norebalance'],
  [OsdMapFlag.NORECOVER, 'norecover'],
  [OsdMapFlag.NOSCRUB, 'noscrub'],
  [OsdMapFlag.NODEEP_SCRUB, 'nodeep-scrub'],
  [OsdMapFlag.NOTIERAGENT, 'notieragent'],
  [OsdMapFlag.NOSNAPTRIM, 'nosnaptrim'],
  [OsdMapFlag.SORTBITWISE, 'sortbitwise'],
  [OsdMapFlag.REQUIRE_JEWEL, 'require_jewel_osds'],
  [OsdMapFlag.REQUIRE_KRAKEN, 'require_kraken_osds'],
  [OsdMapFlag.REQUIRE_LUMINOUS, 'require_luminous_osds'],
  [OsdMapFlag.RECOVERY_DELETES, 'recovery_deletes'],
  [OsdMapFlag.PURGED_SNAPDIRS, 'purged_snapdirs'],
  [OsdMapFlag.PGLOG_HARDLIMIT, 'pglog_hardlimit'],
];

/** OSDMap::get_flag_string: comma-separated names in Ceph's fixed order. */
export function osdMapFlagString(f: number): string {
  return FLAG_NAMES.filter(([bit]) => f & bit)
    .map(([, n]) => n)
    .join(',');
}

/** The flag whose name is `s` (the `ceph osd set` names), or 0. */
export function osdMapFlagByName(s: string): number {
  return FLAG_NAMES.find(([, n]) => n === s)?.[0] ?? 0;
}

/** OSDMap::get_flag_set: each set bit's name (unnamed bits give ""), as a sorted std::set. */
export function osdMapFlagSet(f: number): string[] {
  const out = new Set<string>();
  for (let i = 0; i < 32; i++) if (f & (1 << i)) out.add(osdMapFlagString((1 << i) >>> 0));
  return sortedStrings(out);
}

const STATE_NAMES = ['exists', 'up', 'autoout', 'new', 'full', 'nearfull', 'backfillfull', 'destroyed', 'noup', 'nodown', 'noin', 'noout', 'stop'];

/** ceph_osd_state_name. */
export function osdStateName(bit: number): string {
  const i = 31 - Math.clz32(bit);
  return bit > 0 && 1 << i === bit ? (STATE_NAMES[i] ?? '???') : '???';
}

/** OSDMap::calc_state_set: the names of the set bits, sorted as a std::set. */
export function osdStateSet(state: number): string[] {
  const out = new Set<string>();
  for (let i = 0; i < 32; i++) if (state & (1 << i)) out.add(osdStateName((1 << i) >>> 0));
  return sortedStrings(out);
}
