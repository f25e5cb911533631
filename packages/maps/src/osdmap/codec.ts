import {
  Reader,
  Writer,
  crc32c,
  decodeUTime,
  decodeUuid,
  encodeUTime,
  encodeUuid,
  featureBit,
  hasFeature,
} from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { mapsLimits } from '../limits';
import { CephRelease, releaseFromName, releaseGe } from '../format/release';
import { decodePgPoolT, encodePgPoolT } from '../types/pool';
import {
  decodeAddrTimeMap,
  decodeAddrvecVector,
  decodeIntMap,
  decodeOsdIndexed,
  decodeOsdInfoT,
  decodeOsdVector,
  decodeOsdXinfoT,
  decodePgMap,
  decodePoolKeyed,
  decodeProfiles,
  decodeSnapsByPool,
  decodeUpmapItems,
  encodeAddrTimeMap,
  encodeAddrvecVector,
  encodeIntMap,
  encodeOsdInfoT,
  encodeOsdVector,
  encodeOsdXinfoT,
  encodePgMap,
  encodePoolKeyed,
  encodeProfiles,
  encodeSnapsByPool,
  encodeUpmapItems,
} from './parts';
import { LEGACY_REQUIRE_FLAGS, OSDMap, OsdMapFlag, newOSDMap } from './types';
import { crushForFeatures } from './crush-encoding';
import { AddrHashMap } from './blocklist';
import { crushOf } from './crush';

/**
 * The full OSDMap encoding (src/osd/OSDMap.cc OSDMap::encode / decode): a wrapper ENCODE_START(8,7)
 * holding the client-usable section, the OSD-only section, and a crc32c of everything but the crc
 * itself. Section versions follow the peer's features exactly as Ceph picks them. The pre-firefly
 * "classic" encodings (no OSDMAP_ENC) are refused.
 */

/** Decode a full map. The crc is verified, as Ceph does: a mismatch is malformed input. */
export function decodeOSDMap(r: Reader, field = 'OSDMap'): OSDMap {
  const start = r.off;
  return r.envelopeLegacy(field, 8, 7, 7, (_r, wrapperV) => {
    if (wrapperV < 7) r.fail('DENC_INCOMPAT', `classic (pre-firefly) OSDMap encoding v${wrapperV} is not supported`);
    const m = newOSDMap();
    decodeClient(r, m);
    decodeOsdOnly(r, m);
    if (wrapperV >= 8) {
      const crcOffset = r.off;
      const crc = r.u32('crc');
      const tail = r.buf.subarray(r.off, r.end);
      let actual = crc32c(0xffffffff, r.buf.subarray(start, crcOffset));
      if (tail.length) actual = crc32c(actual, tail);
      if (actual >>> 0 !== crc) r.fail('DENC_MALFORMED', `bad crc, actual ${actual >>> 0} != expected ${crc}`, 'crc');
      m.crc = crc;
    }
    return m;
  });
}

function decodeClient(r: Reader, m: OSDMap): void {
  r.envelope('client', 9, (_r, v) => {
    m.fsid = decodeUuid(r, 'fsid');
    m.epoch = r.u32('epoch');
    m.created = decodeUTime(r, 'created');
    m.modified = decodeUTime(r, 'modified');
    m.pools = decodePoolKeyed(r, 'pools', (rr) => decodePgPoolT(rr), 10);
    m.poolName = decodePoolKeyed(r, 'pool_name', (rr) => rr.string('name'), 12);
    m.poolMax = r.i32('pool_max');
    m.flags = r.u32('flags');
    m.maxOsd = r.i32('max_osd');
    if (m.maxOsd < 0 || m.maxOsd > mapsLimits.osdsPerMapMax) r.fail('DENC_LIMIT', `max_osd ${m.maxOsd} outside 0..${mapsLimits.osdsPerMapMax}`, 'max_osd');
    m.osdState = v >= 5 ? decodeOsdIndexed(r, 'osd_state', (rr) => rr.u32('state'), 4) : decodeOsdIndexed(r, 'osd_state', (rr) => rr.u8('state'), 1);
    m.osdWeight = decodeOsdIndexed(r, 'osd_weight', (rr) => rr.u32('weight'), 4);
    m.osdAddrs.client = decodeAddrvecVector(r, 'client_addrs');
    m.pgTemp = decodePgMap(r, 'pg_temp', (rr) => decodeOsdVector(rr, 'osds'));
    m.primaryTemp = decodePgMap(r, 'primary_temp', (rr) => rr.i32('osd'));
    if (v >= 2) {
      const aff = decodeOsdIndexed(r, 'osd_primary_affinity', (rr) => rr.u32('affinity'), 4);
      m.osdPrimaryAffinity = aff.length ? aff : undefined;
    }
    m.crush = Buffer.from(r.blob('crush', mapsLimits.crushBytesMax));
    // Ceph decodes the CRUSH map with the OSDMap, so a bad one makes the whole map malformed.
    r.within('crush', () => crushOf(m));
    if (v >= 3) m.erasureCodeProfiles = decodeProfiles(r, 'erasure_code_profiles');
    if (v >= 4) {
      m.pgUpmap = decodePgMap(r, 'pg_upmap', (rr) => decodeOsdVector(rr, 'osds'));
      m.pgUpmapItems = decodePgMap(r, 'pg_upmap_items', (rr) => decodeUpmapItems(rr));
    }
    if (v >= 6) m.crushVersion = r.i32('crush_version');
    if (v >= 7) {
      m.newRemovedSnaps = decodeSnapsByPool(r, 'new_removed_snaps');
      m.newPurgedSnaps = decodeSnapsByPool(r, 'new_purged_snaps');
    }
    if (v >= 9) {
      m.lastUpChange = decodeUTime(r, 'last_up_change');
      m.lastInChange = decodeUTime(r, 'last_in_change');
    }
  });
}

function decodeOsdOnly(r: Reader, m: OSDMap): void {
  r.envelope('osd', 11, (_r, v) => {
    m.osdAddrs.hbBack = decodeAddrvecVector(r, 'hb_back_addrs');
    m.osdInfo = decodeOsdIndexed(r, 'osd_info', (rr) => decodeOsdInfoT(rr), 25);
    // Ceph decodes into a fresh unordered_map, inserting in wire order (see blocklist.ts).
    m.blocklist = AddrHashMap.from(decodeAddrTimeMap(r, 'blocklist'));
    m.osdAddrs.cluster = decodeAddrvecVector(r, 'cluster_addrs');
    m.clusterSnapshotEpoch = r.u32('cluster_snapshot_epoch');
    m.clusterSnapshot = r.string('cluster_snapshot');
    m.osdUuid = decodeOsdIndexed(r, 'osd_uuid', (rr) => decodeUuid(rr, 'uuid'), 16);
    m.osdXinfo = decodeOsdIndexed(r, 'osd_xinfo', (rr) => decodeOsdXinfoT(rr), 6);
    m.osdAddrs.hbFront = decodeAddrvecVector(r, 'hb_front_addrs');
    if (v >= 2) {
      m.nearfullRatio = r.f32('nearfull_ratio');
      m.fullRatio = r.f32('full_ratio');
    }
    if (v >= 3) m.backfillfullRatio = r.f32('backfillfull_ratio');
    if (v === 4) {
      const s = r.string('require_min_compat_client');
      if (s) m.requireMinCompatClient = releaseFromName(s);
    }
    if (v >= 5) {
      m.requireMinCompatClient = r.u8('require_min_compat_client');
      m.requireOsdRelease = r.u8('require_osd_release');
      if (releaseGe(m.requireOsdRelease, CephRelease.nautilus)) m.flags |= OsdMapFlag.PGLOG_HARDLIMIT;
      if (releaseGe(m.requireOsdRelease, CephRelease.luminous)) m.flags = ((m.flags & ~LEGACY_REQUIRE_FLAGS) | OsdMapFlag.RECOVERY_DELETES) >>> 0;
    } else if (m.flags & OsdMapFlag.REQUIRE_LUMINOUS) {
      m.requireOsdRelease = CephRelease.luminous;
      m.flags = ((m.flags & ~LEGACY_REQUIRE_FLAGS) | OsdMapFlag.RECOVERY_DELETES) >>> 0;
    } else if (m.flags & OsdMapFlag.REQUIRE_KRAKEN) m.requireOsdRelease = CephRelease.kraken;
    else if (m.flags & OsdMapFlag.REQUIRE_JEWEL) m.requireOsdRelease = CephRelease.jewel;
    else m.requireOsdRelease = CephRelease.unknown;
    m.flags >>>= 0;
    if (v >= 6) m.removedSnapsQueue = decodeSnapsByPool(r, 'removed_snaps_queue');
    if (v >= 8) m.crushNodeFlags = decodeIntMap(r, 'crush_node_flags', (rr) => rr.u32('flags'), 8);
    if (v >= 9) m.deviceClassFlags = decodeIntMap(r, 'device_class_flags', (rr) => rr.u32('flags'), 8);
    if (v >= 10) {
      m.stretchModeEnabled = r.bool('stretch_mode_enabled');
      m.stretchBucketCount = r.u32('stretch_bucket_count');
      m.degradedStretchMode = r.u32('degraded_stretch_mode');
      m.recoveringStretchMode = r.u32('recovering_stretch_mode');
      m.stretchModeBucket = r.i32('stretch_mode_bucket');
    }
    if (v >= 11) m.rangeBlocklist = decodeAddrTimeMap(r, 'range_blocklist');
  });
}

/** Section versions Ceph picks for a peer's features. */
export function osdMapSectionVersions(m: Pick<OSDMap, 'stretchModeEnabled' | 'rangeBlocklist'>, features: bigint): { client: number; osd: number } {
  let client = 9;
  if (!hasFeature(features, 'SERVER_LUMINOUS')) client = 3;
  else if (!hasFeature(features, 'SERVER_MIMIC')) client = 6;
  else if (!hasFeature(features, 'SERVER_NAUTILUS')) client = 7;
  let osd = 9;
  if (!hasFeature(features, 'SERVER_LUMINOUS')) osd = 1;
  else if (!hasFeature(features, 'SERVER_MIMIC')) osd = 5;
  else if (!hasFeature(features, 'SERVER_NAUTILUS')) osd = 6;
  if (m.stretchModeEnabled) osd = Math.max(osd, 10);
  if (m.rangeBlocklist.length) osd = Math.max(osd, 11);
  return { client, osd };
}

/**
 * Encode a full map for a peer with `features` (Ceph's encode(bl, features | CEPH_FEATURE_RESERVED)),
 * filling in and returning the crc. Returns the bytes; `m.crc` is updated as Ceph's crc member is.
 */
export function encodeOSDMap(m: OSDMap, features: bigint): Buffer {
  if ((features & featureBit('OSDMAP_ENC')) === 0n) throw cephError('EOPNOTSUPP', 'classic (pre-firefly) OSDMap encoding is not supported');
  const w = new Writer(features, 4096 + m.crush.length);
  const { client, osd } = osdMapSectionVersions(m, features);
  let crcOffset = 0;
  let tailOffset = 0;
  w.envelope(8, 7, () => {
    w.envelope(client, 1, () => encodeClient(w, m, client, features));
    w.envelope(osd, 1, () => encodeOsdOnly(w, m, osd));
    crcOffset = w.length;
    w.u32(0);
    tailOffset = w.length;
  });
  const out = w.finish();
  let crc = crc32c(0xffffffff, out.subarray(0, crcOffset));
  if (tailOffset < out.length) crc = crc32c(crc, out.subarray(tailOffset));
  out.writeUInt32LE(crc >>> 0, crcOffset);
  m.crc = crc >>> 0;
  return out;
}

function encodeClient(w: Writer, m: OSDMap, v: number, features: bigint): void {
  encodeUuid(w, m.fsid);
  w.u32(m.epoch);
  encodeUTime(w, m.created);
  encodeUTime(w, m.modified);
  encodePoolKeyed(w, m.pools, encodePgPoolT);
  encodePoolKeyed(w, m.poolName, (ww, s) => ww.string(s));
  w.i32(m.poolMax);
  let flags = m.flags;
  if (v < 4) {
    if (releaseGe(m.requireOsdRelease, CephRelease.luminous)) flags |= OsdMapFlag.REQUIRE_LUMINOUS | OsdMapFlag.RECOVERY_DELETES;
    else if (m.requireOsdRelease === CephRelease.kraken) flags |= OsdMapFlag.REQUIRE_KRAKEN;
    else if (m.requireOsdRelease === CephRelease.jewel) flags |= OsdMapFlag.REQUIRE_JEWEL;
  }
  w.u32(flags >>> 0);
  w.i32(m.maxOsd);
  if (v >= 5) w.list(m.osdState, (ww, s) => ww.u32(s));
  else w.list(m.osdState, (ww, s) => ww.u8(s & 0xff));
  w.list(m.osdWeight, (ww, x) => ww.u32(x));
  encodeAddrvecVector(w, m.osdAddrs.client, v < 8);
  encodePgMap(w, m.pgTemp, encodeOsdVector);
  encodePgMap(w, m.primaryTemp, (ww, o) => ww.i32(o));
  w.list(m.osdPrimaryAffinity ?? [], (ww, a) => ww.u32(a));
  w.blob(crushForFeatures(m.crush, features));
  encodeProfiles(w, m.erasureCodeProfiles);
  if (v >= 4) {
    encodePgMap(w, m.pgUpmap, encodeOsdVector);
    encodePgMap(w, m.pgUpmapItems, encodeUpmapItems);
  } else if (m.pgUpmap.size || m.pgUpmapItems.size) {
    throw cephError('EINVAL', 'pg_upmap entries cannot be encoded for a pre-luminous peer');
  }
  if (v >= 6) w.i32(m.crushVersion);
  if (v >= 7) {
    encodeSnapsByPool(w, m.newRemovedSnaps);
    encodeSnapsByPool(w, m.newPurgedSnaps);
  }
  if (v >= 9) {
    encodeUTime(w, m.lastUpChange);
    encodeUTime(w, m.lastInChange);
  }
}

function encodeOsdOnly(w: Writer, m: OSDMap, v: number): void {
  encodeAddrvecVector(w, m.osdAddrs.hbBack, v < 7);
  w.list(m.osdInfo, encodeOsdInfoT);
  encodeAddrTimeMap(w, m.blocklist.sortedEntries());
  encodeAddrvecVector(w, m.osdAddrs.cluster, v < 7);
  w.u32(m.clusterSnapshotEpoch);
  w.string(m.clusterSnapshot);
  w.list(m.osdUuid, encodeUuid);
  w.list(m.osdXinfo, encodeOsdXinfoT);
  encodeAddrvecVector(w, m.osdAddrs.hbFront, v < 7);
  if (v >= 2) w.f32(m.nearfullRatio).f32(m.fullRatio).f32(m.backfillfullRatio);
  if (v >= 5) w.u8(m.requireMinCompatClient).u8(m.requireOsdRelease);
  if (v >= 6) encodeSnapsByPool(w, m.removedSnapsQueue);
  if (v >= 8) encodeIntMap(w, m.crushNodeFlags, (ww, f) => ww.u32(f));
  if (v >= 9) encodeIntMap(w, m.deviceClassFlags, (ww, f) => ww.u32(f));
  if (v >= 10) {
    w.bool(m.stretchModeEnabled).u32(m.stretchBucketCount).u32(m.degradedStretchMode).u32(m.recoveringStretchMode).i32(m.stretchModeBucket);
  }
  if (v >= 11) encodeAddrTimeMap(w, m.rangeBlocklist);
}
