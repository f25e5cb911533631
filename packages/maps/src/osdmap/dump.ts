import { formatAddr } from '@ts-ceph/denc';
import { Formatter } from '../format/formatter';
import { addrvecLegacyStr, dumpAddrvecObject } from '../format/addr';
import { releaseName } from '../format/release';
import { sortedByName, utimeLocal } from '../format/text';
import { formatPg, PgT } from '../types/pg';
import { dumpPgPool } from '../types/pool-dump';
import { IntervalSet } from '../types/interval-set';
import { crushOf } from './crush';
import { minCompatClient } from './features';
import { osdMapFlagSet, osdMapFlagString, osdStateSet } from './names';
import { OSDMap, exists, isIn, isUp, laggyProbability, primaryAffinityf, weightf } from './types';

/** OSDMap::dump (`ceph osd dump -f json`, `osdmaptool --dump json`), call for call. */

export function dumpOsd(f: Formatter, m: OSDMap, id: number): void {
  if (!exists(m, id)) return;
  const a = m.osdAddrs;
  f.openObject('osd_info');
  f.dumpInt('osd', id);
  f.dumpStream('uuid', m.osdUuid[id]!);
  f.dumpInt('up', isUp(m, id) ? 1 : 0);
  f.dumpInt('in', isIn(m, id) ? 1 : 0);
  f.dumpFloat('weight', weightf(m, id));
  f.dumpFloat('primary_affinity', primaryAffinityf(m, id));
  const i = m.osdInfo[id]!;
  f.dumpInt('last_clean_begin', i.lastCleanBegin);
  f.dumpInt('last_clean_end', i.lastCleanEnd);
  f.dumpInt('up_from', i.upFrom);
  f.dumpInt('up_thru', i.upThru);
  f.dumpInt('down_at', i.downAt);
  f.dumpInt('lost_at', i.lostAt);
  dumpAddrvecObject(f, 'public_addrs', a.client[id] ?? []);
  dumpAddrvecObject(f, 'cluster_addrs', a.cluster[id] ?? []);
  dumpAddrvecObject(f, 'heartbeat_back_addrs', a.hbBack[id] ?? []);
  dumpAddrvecObject(f, 'heartbeat_front_addrs', a.hbFront[id] ?? []);
  f.dumpStream('public_addr', addrvecLegacyStr(a.client[id] ?? []));
  f.dumpStream('cluster_addr', addrvecLegacyStr(a.cluster[id] ?? []));
  f.dumpStream('heartbeat_back_addr', addrvecLegacyStr(a.hbBack[id] ?? []));
  f.dumpStream('heartbeat_front_addr', addrvecLegacyStr(a.hbFront[id] ?? []));
  f.openArray('state');
  for (const s of osdStateSet(m.osdState[id]!)) f.dumpString('state', s);
  f.close();
  f.close();
}

function dumpSnapIntervals(f: Formatter, name: string, byPool: Map<number, IntervalSet>): void {
  f.openArray(name);
  for (const [pool, set] of [...byPool.entries()].sort((a, b) => a[0] - b[0])) {
    f.openObject('pool');
    f.dumpInt('pool', pool);
    f.openArray('snaps');
    for (const [begin, len] of set) {
      f.openObject('interval');
      f.dumpUnsigned('begin', begin);
      f.dumpUnsigned('length', len);
      f.close();
    }
    f.close();
    f.close();
  }
  f.close();
}

function dumpFlagsByName(f: Formatter, name: string, flags: Map<number, number>, nameOf: (id: number) => string): void {
  f.openObject(name);
  for (const [id, bits] of [...flags.entries()].sort((a, b) => a[0] - b[0])) {
    f.openArray(nameOf(id));
    for (const s of osdStateSet(bits)) f.dumpString('flag', s);
    f.close();
  }
  f.close();
}

export function dumpOSDMap(f: Formatter, m: OSDMap): void {
  f.dumpInt('epoch', m.epoch);
  f.dumpStream('fsid', m.fsid);
  f.dumpStream('created', utimeLocal(m.created));
  f.dumpStream('modified', utimeLocal(m.modified));
  f.dumpStream('last_up_change', utimeLocal(m.lastUpChange));
  f.dumpStream('last_in_change', utimeLocal(m.lastInChange));
  f.dumpString('flags', osdMapFlagString(m.flags));
  f.dumpUnsigned('flags_num', m.flags);
  f.openArray('flags_set');
  for (const s of osdMapFlagSet(m.flags)) f.dumpString('flag', s);
  f.close();
  f.dumpUnsigned('crush_version', m.crushVersion);
  f.dumpFloat('full_ratio', m.fullRatio);
  f.dumpFloat('backfillfull_ratio', m.backfillfullRatio);
  f.dumpFloat('nearfull_ratio', m.nearfullRatio);
  f.dumpString('cluster_snapshot', m.clusterSnapshot);
  f.dumpInt('pool_max', m.poolMax);
  f.dumpInt('max_osd', m.maxOsd);
  f.dumpString('require_min_compat_client', releaseName(m.requireMinCompatClient));
  f.dumpString('min_compat_client', releaseName(minCompatClient(m)));
  f.dumpString('require_osd_release', releaseName(m.requireOsdRelease));
  f.openArray('pools');
  for (const [id, p] of [...m.pools.entries()].sort((a, b) => a[0] - b[0])) {
    f.openObject('pool');
    f.dumpInt('pool', id);
    f.dumpString('pool_name', m.poolName.get(id) ?? '<unknown>');
    dumpPgPool(f, p);
    f.close();
  }
  f.close();
  f.openArray('osds');
  for (let i = 0; i < m.maxOsd; i++) dumpOsd(f, m, i);
  f.close();
  f.openArray('osd_xinfo');
  for (let i = 0; i < m.maxOsd; i++) {
    if (!exists(m, i)) continue;
    const x = m.osdXinfo[i]!;
    f.openObject('xinfo');
    f.dumpInt('osd', i);
    f.dumpStream('down_stamp', utimeLocal(x.downStamp));
    f.dumpFloat('laggy_probability', laggyProbability(x));
    f.dumpInt('laggy_interval', x.laggyInterval);
    f.dumpInt('features', BigInt.asIntN(64, x.features));
    f.dumpUnsigned('old_weight', x.oldWeight);
    f.dumpStream('last_purged_snaps_scrub', utimeLocal(x.lastPurgedSnapsScrub));
    f.dumpInt('dead_epoch', x.deadEpoch);
    f.close();
  }
  f.close();
  dumpPgOsdLists(f, 'pg_upmap', 'mapping', m.pgUpmap);
  f.openArray('pg_upmap_items');
  for (const [pg, items] of m.pgUpmapItems) {
    f.openObject('mapping');
    f.dumpStream('pgid', formatPg(pg));
    f.openArray('mappings');
    for (const [from, to] of items) {
      f.openObject('mapping');
      f.dumpInt('from', from);
      f.dumpInt('to', to);
      f.close();
    }
    f.close();
    f.close();
  }
  f.close();
  dumpPgOsdLists(f, 'pg_temp', 'osds', m.pgTemp);
  f.openArray('primary_temp');
  for (const [pg, osd] of m.primaryTemp) {
    f.dumpStream('pgid', formatPg(pg));
    f.dumpInt('osd', osd);
  }
  f.close();
  f.openObject('blocklist');
  for (const [a, t] of m.blocklist.entries()) f.dumpStream(formatAddr(a), utimeLocal(t));
  f.close();
  f.openObject('range_blocklist');
  for (const [a, t] of m.rangeBlocklist) f.dumpStream(formatAddr(a), utimeLocal(t));
  f.close();
  f.openObject('erasure_code_profiles');
  for (const [name, prof] of sortedByName(m.erasureCodeProfiles)) {
    f.openObject(name);
    for (const [k, v] of sortedByName(prof)) f.dumpString(k, v);
    f.close();
  }
  f.close();
  dumpSnapIntervals(f, 'removed_snaps_queue', m.removedSnapsQueue);
  dumpSnapIntervals(f, 'new_removed_snaps', m.newRemovedSnaps);
  dumpSnapIntervals(f, 'new_purged_snaps', m.newPurgedSnaps);
  const cw = crushOf(m);
  dumpFlagsByName(f, 'crush_node_flags', m.crushNodeFlags, (id) => (cw.itemExists(id) ? (cw.getItemName(id) ?? String(id)) : String(id)));
  dumpFlagsByName(f, 'device_class_flags', m.deviceClassFlags, (id) => cw.className.get(id) ?? String(id));
  f.openObject('stretch_mode');
  f.dumpBool('stretch_mode_enabled', m.stretchModeEnabled);
  f.dumpUnsigned('stretch_bucket_count', m.stretchBucketCount);
  f.dumpUnsigned('degraded_stretch_mode', m.degradedStretchMode);
  f.dumpUnsigned('recovering_stretch_mode', m.recoveringStretchMode);
  f.dumpInt('stretch_mode_bucket', m.stretchModeBucket);
  f.close();
}

/** pg_upmap and pg_temp: a section of {pgid, osds: [...]} entries, each entry named `entry`. */
function dumpPgOsdLists(f: Formatter, section: string, entry: string, lists: Iterable<[PgT, readonly number[]]>): void {
  f.openArray(section);
  for (const [pg, osds] of lists) {
    f.openObject(entry);
    f.dumpStream('pgid', formatPg(pg));
    f.openArray('osds');
    for (const o of osds) f.dumpInt('osd', o);
    f.close();
    f.close();
  }
  f.close();
}
