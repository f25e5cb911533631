import { EntityAddr, Reader, UUID_NIL } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { compareAddr } from '../format/addr';
import { CephRelease, releaseGe, releaseGt, releaseLt } from '../format/release';
import { clonePgPool } from '../types/pool';
import { intervalSetSubtract, intervalSetUnion } from '../types/interval-set';
import { cloneOSDMap } from './clone';
import { decodeOSDMap } from './codec';
import { crushOf } from './crush';
import { Incremental } from './incremental-types';
import {
  CEPH_OSD_DEFAULT_PRIMARY_AFFINITY,
  LEGACY_REQUIRE_FLAGS,
  OSDMap,
  OsdMapFlag,
  OsdState,
  newOsdInfo,
  newOsdXinfo,
  setMaxOsd,
  setPrimaryAffinity,
  setWeight,
} from './types';

/**
 * OSDMap::apply_incremental (src/osd/OSDMap.cc), step for step and in Ceph's order: the result must
 * encode to exactly the bytes (and crc) the monitor's map has. Returns a new map; `m` is not changed.
 * A wrong fsid is EINVAL; an epoch that does not follow the map's is EINVAL too (Ceph asserts).
 */
export function applyIncremental(prev: OSDMap, inc: Incremental): OSDMap {
  if (inc.epoch !== 1 && inc.fsid !== prev.fsid) throw cephError('EINVAL', `incremental fsid ${inc.fsid} != map fsid ${prev.fsid}`);
  if (inc.epoch !== prev.epoch + 1) throw cephError('EINVAL', `incremental epoch ${inc.epoch} does not follow map epoch ${prev.epoch}`);
  if (inc.fullmap.length) {
    const r = new Reader(inc.fullmap);
    const full = decodeOSDMap(r);
    r.expectEnd('fullmap');
    return full;
  }
  const m = cloneOSDMap(prev);
  if (inc.epoch === 1) m.fsid = inc.fsid;
  m.epoch++;
  m.modified = { ...inc.modified };
  applyFlags(m, inc);
  if (inc.newMaxOsd >= 0) setMaxOsd(m, inc.newMaxOsd);
  if (inc.newPoolMax !== -1) m.poolMax = inc.newPoolMax;
  applyPools(m, inc);
  applySnaps(m, inc);
  if (inc.newLastUpChange.sec || inc.newLastUpChange.nsec) m.lastUpChange = { ...inc.newLastUpChange };
  if (inc.newLastInChange.sec || inc.newLastInChange.nsec) m.lastInChange = { ...inc.newLastInChange };
  applyPoolNames(m, inc);
  applyWeights(m, inc);
  for (const name of inc.oldErasureCodeProfiles) m.erasureCodeProfiles.delete(name);
  for (const [name, prof] of inc.newErasureCodeProfiles) m.erasureCodeProfiles.set(name, new Map(prof));
  applyStates(m, inc);
  applyUps(m, inc);
  applyOsdInfo(m, inc);
  applyPgMappings(m, inc);
  applyBlocklists(m, inc);
  for (const [id, f] of inc.newCrushNodeFlags) f ? m.crushNodeFlags.set(id, f) : m.crushNodeFlags.delete(id);
  for (const [id, f] of inc.newDeviceClassFlags) f ? m.deviceClassFlags.set(id, f) : m.deviceClassFlags.delete(id);
  applySettings(m, inc);
  // The new CRUSH map comes last, after the up/down changes.
  applyCrush(m, inc);
  applyStretchMode(m, inc);
  m.crc = undefined;
  return m;
}

/** new_flags, and the release a newly upgraded luminous cluster's old require_*_osds flags imply. */
function applyFlags(m: OSDMap, inc: Incremental): void {
  if (inc.newFlags < 0) return;
  m.flags = inc.newFlags >>> 0;
  if (m.flags & OsdMapFlag.REQUIRE_KRAKEN) {
    if (releaseLt(m.requireOsdRelease, CephRelease.kraken)) m.requireOsdRelease = CephRelease.kraken;
  } else if (m.flags & OsdMapFlag.REQUIRE_JEWEL) {
    if (releaseLt(m.requireOsdRelease, CephRelease.jewel)) m.requireOsdRelease = CephRelease.jewel;
  }
}

/** new_pools (each changed at this epoch), kept in pool id order. */
function applyPools(m: OSDMap, inc: Incremental): void {
  for (const [id, p] of inc.newPools) {
    const np = clonePgPool(p);
    np.lastChange = m.epoch;
    m.pools.set(id, np);
  }
  m.pools = new Map([...m.pools.entries()].sort((a, b) => a[0] - b[0]));
}

const copyIntervals = (v: [number, number][]): [number, number][] => v.map(([a, l]) => [a, l]);

/** new_removed_snaps join the queue of snaps to purge; new_purged_snaps leave it. */
function applySnaps(m: OSDMap, inc: Incremental): void {
  m.newRemovedSnaps = new Map([...inc.newRemovedSnaps.entries()].map(([k, v]) => [k, copyIntervals(v)]));
  m.newPurgedSnaps = new Map([...inc.newPurgedSnaps.entries()].map(([k, v]) => [k, copyIntervals(v)]));
  for (const [pool, s] of m.newRemovedSnaps) m.removedSnapsQueue.set(pool, intervalSetUnion(m.removedSnapsQueue.get(pool) ?? [], s));
  for (const [pool, s] of m.newPurgedSnaps) {
    const q = m.removedSnapsQueue.get(pool);
    if (!q) throw cephError('EINVAL', `incremental purges snaps of pool ${pool}, which has none queued`);
    const left = intervalSetSubtract(q, s);
    if (left.length) m.removedSnapsQueue.set(pool, left);
    else m.removedSnapsQueue.delete(pool);
  }
}

/** new_pool_names, then old_pools (a deleted pool loses its name too), names in pool id order. */
function applyPoolNames(m: OSDMap, inc: Incremental): void {
  for (const [id, name] of inc.newPoolNames) m.poolName.set(id, name);
  for (const id of inc.oldPools) {
    m.pools.delete(id);
    m.poolName.delete(id);
  }
  m.poolName = new Map([...m.poolName.entries()].sort((a, b) => a[0] - b[0]));
}

/** new_weight and new_primary_affinity. */
function applyWeights(m: OSDMap, inc: Incremental): void {
  for (const [osd, w] of inc.newWeight) {
    checkOsd(m, osd, 'new_weight');
    setWeight(m, osd, w);
    // Marking in clears AUTOOUT and NEW, and forgets the weight before an automatic mark-out.
    if (w) {
      m.osdState[osd] = (m.osdState[osd]! & ~(OsdState.AUTOOUT | OsdState.NEW)) >>> 0;
      m.osdXinfo[osd]!.oldWeight = 0;
    }
  }
  for (const [osd, a] of inc.newPrimaryAffinity) {
    checkOsd(m, osd, 'new_primary_affinity');
    setPrimaryAffinity(m, osd, a);
  }
}

/** The OSD is destroyed: forget everything about it. */
function forgetOsd(m: OSDMap, osd: number): void {
  m.osdUuid[osd] = UUID_NIL;
  m.osdInfo[osd] = newOsdInfo();
  m.osdXinfo[osd] = newOsdXinfo();
  setPrimaryAffinity(m, osd, CEPH_OSD_DEFAULT_PRIMARY_AFFINITY);
  m.osdAddrs.client[osd] = [];
  m.osdAddrs.cluster[osd] = [];
  m.osdAddrs.hbFront[osd] = [];
  m.osdAddrs.hbBack[osd] = [];
  m.osdState[osd] = 0;
}

/** new_state: bits XORed into the OSD's state (0 means UP: mark down); clearing EXISTS destroys it. */
function applyStates(m: OSDMap, inc: Incremental): void {
  for (const [osd, bits] of inc.newState) {
    checkOsd(m, osd, 'new_state');
    const s = bits ? bits : OsdState.UP;
    const cur = m.osdState[osd]!;
    if (cur & OsdState.UP && s & OsdState.UP) {
      m.osdInfo[osd]!.downAt = m.epoch;
      m.osdXinfo[osd]!.downStamp = { ...m.modified };
    }
    if (cur & OsdState.EXISTS && s & OsdState.EXISTS) forgetOsd(m, osd);
    else m.osdState[osd] = (cur ^ s) >>> 0;
  }
}

/** new_up_client (with its heartbeat addresses) and new_up_cluster: OSDs that came up. */
function applyUps(m: OSDMap, inc: Incremental): void {
  for (const [osd, addrs] of inc.newUpClient) {
    checkOsd(m, osd, 'new_up_client');
    m.osdState[osd] = ((m.osdState[osd]! | OsdState.EXISTS | OsdState.UP) & ~OsdState.STOP) >>> 0;
    m.osdAddrs.client[osd] = addrs;
    m.osdAddrs.hbBack[osd] = inc.newHbBackUp.get(osd) ?? [];
    m.osdAddrs.hbFront[osd] = inc.newHbFrontUp.get(osd) ?? [];
    m.osdInfo[osd]!.upFrom = m.epoch;
  }
  for (const [osd, addrs] of inc.newUpCluster) {
    checkOsd(m, osd, 'new_up_cluster');
    m.osdAddrs.cluster[osd] = addrs;
  }
}

/** new_up_thru, new_last_clean_interval, new_lost, new_xinfo, new_uuid. */
function applyOsdInfo(m: OSDMap, inc: Incremental): void {
  for (const [osd, e] of inc.newUpThru) {
    checkOsd(m, osd, 'new_up_thru');
    m.osdInfo[osd]!.upThru = e;
  }
  for (const [osd, [b, e]] of inc.newLastCleanInterval) {
    checkOsd(m, osd, 'new_last_clean_interval');
    m.osdInfo[osd]!.lastCleanBegin = b;
    m.osdInfo[osd]!.lastCleanEnd = e;
  }
  for (const [osd, e] of inc.newLost) {
    checkOsd(m, osd, 'new_lost');
    m.osdInfo[osd]!.lostAt = e;
  }
  for (const [osd, x] of inc.newXinfo) {
    checkOsd(m, osd, 'new_xinfo');
    m.osdXinfo[osd] = { ...x, downStamp: { ...x.downStamp }, lastPurgedSnapsScrub: { ...x.lastPurgedSnapsScrub } };
  }
  for (const [osd, u] of inc.newUuid) {
    checkOsd(m, osd, 'new_uuid');
    m.osdUuid[osd] = u;
  }
}

/** pg_temp and primary_temp (an empty list or -1 removes), then pg_upmap and pg_upmap_items. */
function applyPgMappings(m: OSDMap, inc: Incremental): void {
  for (const [pg, osds] of inc.newPgTemp) {
    if (osds.length === 0) m.pgTemp.delete(pg);
    else m.pgTemp.set(pg, [...osds]);
  }
  for (const [pg, osd] of inc.newPrimaryTemp) {
    if (osd === -1) m.primaryTemp.delete(pg);
    else m.primaryTemp.set(pg, osd);
  }
  for (const [pg, osds] of inc.newPgUpmap) m.pgUpmap.set(pg, [...osds]);
  for (const pg of inc.oldPgUpmap) m.pgUpmap.delete(pg);
  for (const [pg, items] of inc.newPgUpmapItems) m.pgUpmapItems.set(pg, items.map(([a, b]) => [a, b]));
  for (const pg of inc.oldPgUpmapItems) m.pgUpmapItems.delete(pg);
}

function applyBlocklists(m: OSDMap, inc: Incremental): void {
  // unordered_map::insert (in the incremental's std::map order) keeps an existing entry's expiry.
  for (const [a, t] of [...inc.newBlocklist].sort((x, y) => compareAddr(x[0], y[0]))) m.blocklist.insert(a, { ...t });
  for (const a of inc.oldBlocklist) m.blocklist.delete(a);
  m.rangeBlocklist = insertAddrs(m.rangeBlocklist, inc.newRangeBlocklist, inc.oldRangeBlocklist);
}

/** The cluster snapshot (only for this epoch), the full ratios and the required releases. */
function applySettings(m: OSDMap, inc: Incremental): void {
  if (inc.clusterSnapshot) {
    m.clusterSnapshot = inc.clusterSnapshot;
    m.clusterSnapshotEpoch = inc.epoch;
  } else {
    m.clusterSnapshot = '';
    m.clusterSnapshotEpoch = 0;
  }
  if (inc.newNearfullRatio >= 0) m.nearfullRatio = inc.newNearfullRatio;
  if (inc.newBackfillfullRatio >= 0) m.backfillfullRatio = inc.newBackfillfullRatio;
  if (inc.newFullRatio >= 0) m.fullRatio = inc.newFullRatio;
  if (releaseGt(inc.newRequireMinCompatClient, CephRelease.unknown)) m.requireMinCompatClient = inc.newRequireMinCompatClient;
  if (releaseGe(inc.newRequireOsdRelease, CephRelease.unknown)) {
    m.requireOsdRelease = inc.newRequireOsdRelease;
    if (releaseGe(m.requireOsdRelease, CephRelease.luminous)) m.flags = ((m.flags & ~LEGACY_REQUIRE_FLAGS) | OsdMapFlag.RECOVERY_DELETES) >>> 0;
    if (releaseGe(m.requireOsdRelease, CephRelease.nautilus)) m.flags = (m.flags | OsdMapFlag.PGLOG_HARDLIMIT) >>> 0;
  }
}

/** A new CRUSH map: counts a crush version, and drops the flags of device classes it no longer has. */
function applyCrush(m: OSDMap, inc: Incremental): void {
  if (!inc.crush.length) return;
  m.crush = Buffer.from(inc.crush);
  const cw = crushOf(m);
  // Only a luminous-encoded map counts crush versions, so that mon and OSDs agree.
  if (releaseGe(m.requireOsdRelease, CephRelease.luminous)) m.crushVersion++;
  for (const id of [...m.deviceClassFlags.keys()]) if (!cw.className.has(id)) m.deviceClassFlags.delete(id);
}

function applyStretchMode(m: OSDMap, inc: Incremental): void {
  if (!inc.changeStretchMode) return;
  m.stretchModeEnabled = inc.stretchModeEnabled;
  m.stretchBucketCount = inc.newStretchBucketCount;
  m.degradedStretchMode = inc.newDegradedStretchMode;
  m.recoveringStretchMode = inc.newRecoveringStretchMode;
  m.stretchModeBucket = inc.newStretchModeBucket;
}

function checkOsd(m: OSDMap, osd: number, what: string): void {
  if (!Number.isInteger(osd) || osd < 0 || osd >= m.maxOsd) throw cephError('EINVAL', `incremental ${what} names osd.${osd} beyond max_osd ${m.maxOsd}`);
}

function insertAddrs<T>(cur: [EntityAddr, T][], add: [EntityAddr, T][], remove: EntityAddr[]): [EntityAddr, T][] {
  const out = [...cur];
  for (const [a, t] of add) if (!out.some(([b]) => compareAddr(a, b) === 0)) out.push([a, t]);
  return out.filter(([a]) => !remove.some((b) => compareAddr(a, b) === 0)).sort((x, y) => compareAddr(x[0], y[0]));
}
