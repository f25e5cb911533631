import { Reader, Writer, crc32c, decodeUTime, decodeUuid, encodeUTime, encodeUuid, featureBit, hasFeature } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { mapsLimits } from '../limits';
import { CephRelease, releaseFromName } from '../format/release';
import { decodePgPoolT, encodePgPoolT } from '../types/pool';
import { encodePgT } from '../types/pg';
import {
  decodeAddrList,
  decodeAddrTimeMap,
  decodeAddrvecMap,
  decodeIntMap,
  decodeOsdVector,
  decodeOsdXinfoT,
  decodePgMap,
  decodePgSet,
  decodePoolKeyed,
  decodeProfiles,
  decodeSnapsByPool,
  decodeUpmapItems,
  encodeAddrList,
  encodeAddrTimeMap,
  encodeAddrvecMap,
  encodeIntMap,
  encodeOsdVector,
  encodeOsdXinfoT,
  encodePgMap,
  encodePoolKeyed,
  encodeProfiles,
  encodeSnapsByPool,
  encodeUpmapItems,
} from './parts';
import { LEGACY_REQUIRE_FLAGS, OsdMapFlag } from './types';
import { Incremental, newIncremental } from './incremental-types';

/**
 * OSDMap::Incremental encoding (src/osd/OSDMap.cc): wrapper ENCODE_START(8,7) with a client section,
 * an OSD-only section, inc_crc (over everything but itself) and full_crc (the crc of the resulting
 * full map). The pre-firefly classic encoding is refused.
 */

export function decodeIncremental(r: Reader, field = 'OSDMap::Incremental'): Incremental {
  const start = r.off;
  return r.envelopeLegacy(field, 8, 7, 7, (_r, wrapperV) => {
    if (wrapperV < 7) r.fail('DENC_INCOMPAT', `classic (pre-firefly) Incremental encoding v${wrapperV} is not supported`);
    const inc = newIncremental();
    decodeClient(r, inc);
    decodeOsdOnly(r, inc);
    if (wrapperV >= 8) {
      const crcOffset = r.off;
      inc.incCrc = r.u32('inc_crc');
      const tailOffset = r.off;
      inc.fullCrc = r.u32('full_crc');
      inc.haveCrc = true;
      let actual = crc32c(0xffffffff, r.buf.subarray(start, crcOffset));
      if (tailOffset < r.end) actual = crc32c(actual, r.buf.subarray(tailOffset, r.end));
      if (actual >>> 0 !== inc.incCrc) r.fail('DENC_MALFORMED', `bad crc, actual ${actual >>> 0} != expected ${inc.incCrc}`, 'inc_crc');
    }
    return inc;
  });
}

function decodeClient(r: Reader, inc: Incremental): void {
  r.envelope('client', 8, (_r, v) => {
    inc.fsid = decodeUuid(r, 'fsid');
    inc.epoch = r.u32('epoch');
    inc.modified = decodeUTime(r, 'modified');
    inc.newPoolMax = r.i64n('new_pool_max');
    inc.newFlags = r.i32('new_flags');
    inc.fullmap = Buffer.from(r.blob('fullmap', mapsLimits.crushBytesMax * 2));
    inc.crush = Buffer.from(r.blob('crush', mapsLimits.crushBytesMax));
    inc.newMaxOsd = r.i32('new_max_osd');
    if (inc.newMaxOsd > mapsLimits.osdsPerMapMax) r.fail('DENC_LIMIT', `new_max_osd ${inc.newMaxOsd} over limit ${mapsLimits.osdsPerMapMax}`, 'new_max_osd');
    inc.newPools = decodePoolKeyed(r, 'new_pools', (rr) => decodePgPoolT(rr), 10);
    inc.newPoolNames = decodePoolKeyed(r, 'new_pool_names', (rr) => rr.string('name'), 12);
    inc.oldPools = r.list('old_pools', (rr) => rr.i64n('pool'), 8);
    inc.newUpClient = decodeAddrvecMap(r, 'new_up_client');
    inc.newState = v >= 5 ? decodeIntMap(r, 'new_state', (rr) => rr.u32('state'), 8) : decodeIntMap(r, 'new_state', (rr) => rr.u8('state'), 5);
    inc.newWeight = decodeIntMap(r, 'new_weight', (rr) => rr.u32('weight'), 8);
    inc.newPgTemp = decodePgMap(r, 'new_pg_temp', (rr) => decodeOsdVector(rr, 'osds'));
    inc.newPrimaryTemp = decodePgMap(r, 'new_primary_temp', (rr) => rr.i32('osd'));
    if (v >= 2) inc.newPrimaryAffinity = decodeIntMap(r, 'new_primary_affinity', (rr) => rr.u32('affinity'), 8);
    if (v >= 3) {
      inc.newErasureCodeProfiles = decodeProfiles(r, 'new_erasure_code_profiles');
      inc.oldErasureCodeProfiles = r.list('old_erasure_code_profiles', (rr) => rr.string('name'), 4);
    }
    if (v >= 4) {
      inc.newPgUpmap = decodePgMap(r, 'new_pg_upmap', (rr) => decodeOsdVector(rr, 'osds'));
      inc.oldPgUpmap = decodePgSet(r, 'old_pg_upmap');
      inc.newPgUpmapItems = decodePgMap(r, 'new_pg_upmap_items', (rr) => decodeUpmapItems(rr));
      inc.oldPgUpmapItems = decodePgSet(r, 'old_pg_upmap_items');
    }
    if (v >= 6) {
      inc.newRemovedSnaps = decodeSnapsByPool(r, 'new_removed_snaps');
      inc.newPurgedSnaps = decodeSnapsByPool(r, 'new_purged_snaps');
    }
    if (v >= 8) {
      inc.newLastUpChange = decodeUTime(r, 'new_last_up_change');
      inc.newLastInChange = decodeUTime(r, 'new_last_in_change');
    }
  });
}

function decodeOsdOnly(r: Reader, inc: Incremental): void {
  r.envelope('osd', 11, (_r, v) => {
    inc.newHbBackUp = decodeAddrvecMap(r, 'new_hb_back_up');
    inc.newUpThru = decodeIntMap(r, 'new_up_thru', (rr) => rr.u32('epoch'), 8);
    inc.newLastCleanInterval = decodeIntMap(r, 'new_last_clean_interval', (rr) => [rr.u32('begin'), rr.u32('end')] as [number, number], 12);
    inc.newLost = decodeIntMap(r, 'new_lost', (rr) => rr.u32('epoch'), 8);
    inc.newBlocklist = decodeAddrTimeMap(r, 'new_blocklist');
    inc.oldBlocklist = decodeAddrList(r, 'old_blocklist');
    inc.newUpCluster = decodeAddrvecMap(r, 'new_up_cluster');
    inc.clusterSnapshot = r.string('cluster_snapshot');
    inc.newUuid = decodeIntMap(r, 'new_uuid', (rr) => decodeUuid(rr, 'uuid'), 20);
    inc.newXinfo = decodeIntMap(r, 'new_xinfo', (rr) => decodeOsdXinfoT(rr), 10);
    inc.newHbFrontUp = decodeAddrvecMap(r, 'new_hb_front_up');
    inc.encodeFeatures = v >= 2 ? r.u64('features') : featureBit('PGID64') | featureBit('OSDMAP_ENC');
    if (v >= 3) {
      inc.newNearfullRatio = r.f32('new_nearfull_ratio');
      inc.newFullRatio = r.f32('new_full_ratio');
    }
    if (v >= 4) inc.newBackfillfullRatio = r.f32('new_backfillfull_ratio');
    if (v === 5) {
      const s = r.string('new_require_min_compat_client');
      if (s) inc.newRequireMinCompatClient = releaseFromName(s);
    }
    if (v >= 6) {
      inc.newRequireMinCompatClient = r.u8('new_require_min_compat_client');
      inc.newRequireOsdRelease = r.u8('new_require_osd_release');
    } else if (inc.newFlags >= 0 && inc.newFlags & OsdMapFlag.REQUIRE_LUMINOUS) {
      inc.newRequireOsdRelease = CephRelease.luminous;
      inc.newFlags &= ~LEGACY_REQUIRE_FLAGS;
    } else if (inc.newFlags >= 0 && inc.newFlags & OsdMapFlag.REQUIRE_KRAKEN) inc.newRequireOsdRelease = CephRelease.kraken;
    else if (inc.newFlags >= 0 && inc.newFlags & OsdMapFlag.REQUIRE_JEWEL) inc.newRequireOsdRelease = CephRelease.jewel;
    else inc.newRequireOsdRelease = CephRelease.unknown;
    if (v >= 8) inc.newCrushNodeFlags = decodeIntMap(r, 'new_crush_node_flags', (rr) => rr.u32('flags'), 8);
    if (v >= 9) inc.newDeviceClassFlags = decodeIntMap(r, 'new_device_class_flags', (rr) => rr.u32('flags'), 8);
    if (v >= 10) {
      inc.changeStretchMode = r.bool('change_stretch_mode');
      inc.newStretchBucketCount = r.u32('new_stretch_bucket_count');
      inc.newDegradedStretchMode = r.u32('new_degraded_stretch_mode');
      inc.newRecoveringStretchMode = r.u32('new_recovering_stretch_mode');
      inc.newStretchModeBucket = r.i32('new_stretch_mode_bucket');
      inc.stretchModeEnabled = r.bool('stretch_mode_enabled');
    }
    if (v >= 11) {
      inc.newRangeBlocklist = decodeAddrTimeMap(r, 'new_range_blocklist');
      inc.oldRangeBlocklist = decodeAddrList(r, 'old_range_blocklist');
    }
  });
}

/** Section versions Ceph picks for an Incremental and a peer's features. */
export function incrementalSectionVersions(inc: Incremental, features: bigint): { client: number; osd: number } {
  let client = 8;
  if (!hasFeature(features, 'SERVER_LUMINOUS')) client = 3;
  else if (!hasFeature(features, 'SERVER_MIMIC')) client = 5;
  else if (!hasFeature(features, 'SERVER_NAUTILUS')) client = 6;
  let osd = 9;
  if (!hasFeature(features, 'SERVER_LUMINOUS')) osd = 2;
  else if (!hasFeature(features, 'SERVER_NAUTILUS')) osd = 6;
  if (inc.changeStretchMode) osd = Math.max(osd, 10);
  if (inc.newRangeBlocklist.length || inc.oldRangeBlocklist.length) osd = Math.max(osd, 11);
  return { client, osd };
}

/**
 * Encode for a peer with `features`; the encoded features field is `features` itself (as Ceph writes
 * the argument, not the member). Fills in and returns inc_crc via `inc.incCrc`.
 */
export function encodeIncremental(inc: Incremental, features: bigint): Buffer {
  if ((features & featureBit('OSDMAP_ENC')) === 0n) throw cephError('EOPNOTSUPP', 'classic (pre-firefly) Incremental encoding is not supported');
  const feats = features & ~featureBit('RESERVED');
  const w = new Writer(feats, 1024 + inc.crush.length + inc.fullmap.length);
  const { client, osd } = incrementalSectionVersions(inc, feats);
  let crcOffset = 0;
  let tailOffset = 0;
  w.envelope(8, 7, () => {
    w.envelope(client, 1, () => encodeClient(w, inc, client));
    w.envelope(osd, 1, () => encodeOsdOnly(w, inc, osd, feats));
    crcOffset = w.length;
    w.u32(0);
    tailOffset = w.length;
    w.u32(inc.fullCrc >>> 0);
  });
  const out = w.finish();
  let crc = crc32c(0xffffffff, out.subarray(0, crcOffset));
  crc = crc32c(crc, out.subarray(tailOffset));
  out.writeUInt32LE(crc >>> 0, crcOffset);
  inc.incCrc = crc >>> 0;
  inc.haveCrc = true;
  return out;
}

function encodeClient(w: Writer, inc: Incremental, v: number): void {
  encodeUuid(w, inc.fsid);
  w.u32(inc.epoch);
  encodeUTime(w, inc.modified);
  w.i64(inc.newPoolMax).i32(inc.newFlags);
  w.blob(inc.fullmap).blob(inc.crush);
  w.i32(inc.newMaxOsd);
  encodePoolKeyed(w, inc.newPools, encodePgPoolT);
  encodePoolKeyed(w, inc.newPoolNames, (ww, s) => ww.string(s));
  w.list([...inc.oldPools].sort((a, b) => a - b), (ww, p) => ww.i64(p));
  encodeAddrvecMap(w, inc.newUpClient, v < 7);
  if (v >= 5) encodeIntMap(w, inc.newState, (ww, s) => ww.u32(s));
  else {
    // Old clients only understand the low 8 state bits; drop changes that only touch higher ones.
    const os = new Map([...inc.newState.entries()].filter(([, s]) => !(s !== 0 && (s & 0xff) === 0)));
    encodeIntMap(w, os, (ww, s) => ww.u8(s & 0xff));
  }
  encodeIntMap(w, inc.newWeight, (ww, x) => ww.u32(x));
  encodePgMap(w, inc.newPgTemp, encodeOsdVector);
  encodePgMap(w, inc.newPrimaryTemp, (ww, o) => ww.i32(o));
  encodeIntMap(w, inc.newPrimaryAffinity, (ww, a) => ww.u32(a));
  encodeProfiles(w, inc.newErasureCodeProfiles);
  w.list(inc.oldErasureCodeProfiles, (ww, s) => ww.string(s));
  if (v >= 4) {
    encodePgMap(w, inc.newPgUpmap, encodeOsdVector);
    w.list(sortPgs(inc.oldPgUpmap), encodePgT);
    encodePgMap(w, inc.newPgUpmapItems, encodeUpmapItems);
    w.list(sortPgs(inc.oldPgUpmapItems), encodePgT);
  }
  if (v >= 6) {
    encodeSnapsByPool(w, inc.newRemovedSnaps);
    encodeSnapsByPool(w, inc.newPurgedSnaps);
  }
  if (v >= 8) {
    encodeUTime(w, inc.newLastUpChange);
    encodeUTime(w, inc.newLastInChange);
  }
}

function sortPgs<T extends { pool: number; seed: number }>(v: T[]): T[] {
  return [...v].sort((a, b) => a.pool - b.pool || a.seed - b.seed);
}

function encodeOsdOnly(w: Writer, inc: Incremental, v: number, features: bigint): void {
  encodeAddrvecMap(w, inc.newHbBackUp, v < 7);
  encodeIntMap(w, inc.newUpThru, (ww, e) => ww.u32(e));
  encodeIntMap(w, inc.newLastCleanInterval, (ww, [a, b]) => ww.u32(a).u32(b));
  encodeIntMap(w, inc.newLost, (ww, e) => ww.u32(e));
  encodeAddrTimeMap(w, inc.newBlocklist);
  encodeAddrList(w, inc.oldBlocklist);
  encodeAddrvecMap(w, inc.newUpCluster, v < 7);
  w.string(inc.clusterSnapshot);
  encodeIntMap(w, inc.newUuid, encodeUuid);
  encodeIntMap(w, inc.newXinfo, encodeOsdXinfoT);
  encodeAddrvecMap(w, inc.newHbFrontUp, v < 7);
  w.u64(features);
  if (v >= 3) w.f32(inc.newNearfullRatio).f32(inc.newFullRatio).f32(inc.newBackfillfullRatio);
  if (v >= 6) w.u8(inc.newRequireMinCompatClient).u8(inc.newRequireOsdRelease);
  if (v >= 8) encodeIntMap(w, inc.newCrushNodeFlags, (ww, f) => ww.u32(f));
  if (v >= 9) encodeIntMap(w, inc.newDeviceClassFlags, (ww, f) => ww.u32(f));
  if (v >= 10) {
    w.bool(inc.changeStretchMode).u32(inc.newStretchBucketCount).u32(inc.newDegradedStretchMode).u32(inc.newRecoveringStretchMode);
    w.i32(inc.newStretchModeBucket).bool(inc.stretchModeEnabled);
  }
  if (v >= 11) {
    encodeAddrTimeMap(w, inc.newRangeBlocklist);
    encodeAddrList(w, inc.oldRangeBlocklist);
  }
}
