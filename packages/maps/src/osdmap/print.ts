import { UUID_NIL, formatAddr, formatAddrvec } from '@ts-ceph/denc';
import { formatG } from '../format/number';
import { CephRelease, releaseGt, releaseName } from '../format/release';
import { utimeLocal } from '../format/text';
import { formatIntervalSet } from '../types/interval-set';
import { formatPg } from '../types/pg';
import { printPgPool } from '../types/pool-dump';
import { minCompatClient } from './features';
import { osdMapFlagString, osdStateSet } from './names';
import { CEPH_OSD_DEFAULT_PRIMARY_AFFINITY, OSDMap, exists, isIn, isUp, primaryAffinity, primaryAffinityf, weightf } from './types';

/** OSDMap::print (`ceph osd dump`, `osdmaptool --print`), line for line. */

export function printOsd(m: OSDMap, id: number): string {
  if (!exists(m, id)) return '';
  let s = `osd.${id}${isUp(m, id) ? ' up  ' : ' down'}${isIn(m, id) ? ' in ' : ' out'} weight ${formatG(weightf(m, id))}`;
  if (primaryAffinity(m, id) !== CEPH_OSD_DEFAULT_PRIMARY_AFFINITY) s += ` primary_affinity ${formatG(primaryAffinityf(m, id))}`;
  const i = m.osdInfo[id]!;
  s += ` up_from ${i.upFrom} up_thru ${i.upThru} down_at ${i.downAt} last_clean_interval [${i.lastCleanBegin},${i.lastCleanEnd})`;
  if (i.lostAt) s += ` lost_at ${i.lostAt}`;
  s += ` ${formatAddrvec(m.osdAddrs.client[id] ?? [])} ${formatAddrvec(m.osdAddrs.cluster[id] ?? [])}`;
  s += ` ${osdStateSet(m.osdState[id]!).join(',')}`;
  if (m.osdUuid[id] !== UUID_NIL) s += ` ${m.osdUuid[id]}`;
  return `${s}\n`;
}

export function printPools(m: OSDMap, blankLine = true): string {
  let s = '';
  for (const [id, p] of [...m.pools.entries()].sort((a, b) => a[0] - b[0])) {
    s += `pool ${id} '${m.poolName.get(id) ?? '<unknown>'}' ${printPgPool(p)}\n`;
    for (const snap of p.snaps) s += `\tsnap ${snap.snapid} '${snap.name}' ${utimeLocal(snap.stamp)}\n`;
    if (p.removedSnaps.length) s += `\tremoved_snaps ${formatIntervalSet(p.removedSnaps)}\n`;
    const q = m.removedSnapsQueue.get(id);
    if (q) s += `\tremoved_snaps_queue ${formatIntervalSet(q)}\n`;
  }
  return blankLine ? `${s}\n` : s;
}

/**
 * OSDMap::print as osdmaptool writes it. A 16.2.15 monitor's plain `osd dump` reply is the same text
 * without the three separating blank lines (after the header, the pools and the OSDs): pass
 * `{ blankLines: false }` for that.
 */
export function printOSDMap(m: OSDMap, opts: { blankLines?: boolean } = {}): string {
  const blank = opts.blankLines ?? true;
  let s = `epoch ${m.epoch}\nfsid ${m.fsid}\ncreated ${utimeLocal(m.created)}\nmodified ${utimeLocal(m.modified)}\n`;
  s += `flags ${osdMapFlagString(m.flags)}\n`;
  s += `crush_version ${m.crushVersion}\n`;
  s += `full_ratio ${formatG(m.fullRatio)}\nbackfillfull_ratio ${formatG(m.backfillfullRatio)}\nnearfull_ratio ${formatG(m.nearfullRatio)}\n`;
  if (m.requireMinCompatClient !== CephRelease.unknown) s += `require_min_compat_client ${releaseName(m.requireMinCompatClient)}\n`;
  s += `min_compat_client ${releaseName(minCompatClient(m))}\n`;
  if (releaseGt(m.requireOsdRelease, CephRelease.unknown)) s += `require_osd_release ${releaseName(m.requireOsdRelease)}\n`;
  s += `stretch_mode_enabled ${m.stretchModeEnabled ? 'true' : 'false'}\n`;
  if (m.stretchModeEnabled) {
    s += `stretch_bucket_count ${m.stretchBucketCount}\ndegraded_stretch_mode ${m.degradedStretchMode}\n`;
    s += `recovering_stretch_mode ${m.recoveringStretchMode}\nstretch_mode_bucket ${m.stretchModeBucket}\n`;
  }
  if (m.clusterSnapshot) s += `cluster_snapshot ${m.clusterSnapshot}\n`;
  if (blank) s += '\n';
  s += printPools(m, blank);
  s += `max_osd ${m.maxOsd}\n`;
  for (let i = 0; i < m.maxOsd; i++) s += printOsd(m, i);
  if (blank) s += '\n';
  for (const [pg, osds] of m.pgUpmap) s += `pg_upmap ${formatPg(pg)} [${osds.join(',')}]\n`;
  for (const [pg, items] of m.pgUpmapItems) s += `pg_upmap_items ${formatPg(pg)} [${items.map(([a, b]) => `${a},${b}`).join(',')}]\n`;
  for (const [pg, osds] of m.pgTemp) s += `pg_temp ${formatPg(pg)} [${osds.join(',')}]\n`;
  for (const [pg, osd] of m.primaryTemp) s += `primary_temp ${formatPg(pg)} ${osd}\n`;
  for (const [a, t] of m.blocklist.entries()) s += `blocklist ${formatAddr(a)} expires ${utimeLocal(t)}\n`;
  for (const [a, t] of m.rangeBlocklist) s += `range blocklist ${formatAddr(a)} expires ${utimeLocal(t)}\n`;
  return s;
}

/** OSDMap::print_oneline_summary: "e21: 3 total, 3 up, 3 in". */
export function printOneLineSummary(m: OSDMap): string {
  let num = 0;
  let up = 0;
  let inn = 0;
  for (let i = 0; i < m.maxOsd; i++) {
    if (!exists(m, i)) continue;
    num++;
    if (isUp(m, i)) up++;
    if (isIn(m, i)) inn++;
  }
  return `e${m.epoch}: ${num} total, ${up} up, ${inn} in`;
}


