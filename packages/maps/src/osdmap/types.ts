import { EntityAddr, EntityAddrvec, UTime, Uuid, UTIME_ZERO, UUID_NIL } from '@ts-ceph/denc';
import { IntervalSet } from '../types/interval-set';
import { PgMap } from '../types/pg-map';
import { PgPoolT } from '../types/pool';
import { CephRelease } from '../format/release';
import { emptyCrushBytes } from './crush';
import { AddrHashMap } from './blocklist';

/**
 * The OSDMap and its parts (src/osd/OSDMap.h, src/include/rados.h). The embedded CRUSH map is kept as
 * its encoded bytes, so a map re-encodes byte for byte whatever the CRUSH package understands; it is
 * decoded on demand for placement.
 */

/** CEPH_OSD_* osd_state bits. */
export const OsdState = {
  EXISTS: 1 << 0,
  UP: 1 << 1,
  AUTOOUT: 1 << 2,
  NEW: 1 << 3,
  FULL: 1 << 4,
  NEARFULL: 1 << 5,
  BACKFILLFULL: 1 << 6,
  DESTROYED: 1 << 7,
  NOUP: 1 << 8,
  NODOWN: 1 << 9,
  NOIN: 1 << 10,
  NOOUT: 1 << 11,
  STOP: 1 << 12,
} as const;

/** osd_weight values (16.16 fixed point): fully in and out. */
export const CEPH_OSD_IN = 0x10000;
export const CEPH_OSD_OUT = 0;
export const CEPH_OSD_MAX_PRIMARY_AFFINITY = 0x10000;
export const CEPH_OSD_DEFAULT_PRIMARY_AFFINITY = 0x10000;

/** CEPH_OSDMAP_* cluster flags. */
export const OsdMapFlag = {
  NEARFULL: 1 << 0,
  FULL: 1 << 1,
  PAUSERD: 1 << 2,
  PAUSEWR: 1 << 3,
  PAUSEREC: 1 << 4,
  NOUP: 1 << 5,
  NODOWN: 1 << 6,
  NOOUT: 1 << 7,
  NOIN: 1 << 8,
  NOBACKFILL: 1 << 9,
  NORECOVER: 1 << 10,
  NOSCRUB: 1 << 11,
  NODEEP_SCRUB: 1 << 12,
  NOTIERAGENT: 1 << 13,
  NOREBALANCE: 1 << 14,
  SORTBITWISE: 1 << 15,
  REQUIRE_JEWEL: 1 << 16,
  REQUIRE_KRAKEN: 1 << 17,
  REQUIRE_LUMINOUS: 1 << 18,
  RECOVERY_DELETES: 1 << 19,
  PURGED_SNAPDIRS: 1 << 20,
  NOSNAPTRIM: 1 << 21,
  PGLOG_HARDLIMIT: 1 << 22,
} as const;

export const LEGACY_REQUIRE_FLAGS = OsdMapFlag.REQUIRE_JEWEL | OsdMapFlag.REQUIRE_KRAKEN | OsdMapFlag.REQUIRE_LUMINOUS;
export const SEMIHIDDEN_FLAGS =
  OsdMapFlag.REQUIRE_JEWEL | OsdMapFlag.REQUIRE_KRAKEN | OsdMapFlag.REQUIRE_LUMINOUS | OsdMapFlag.RECOVERY_DELETES | OsdMapFlag.SORTBITWISE | OsdMapFlag.PURGED_SNAPDIRS | OsdMapFlag.PGLOG_HARDLIMIT;

/** osd_info_t: epochs of an OSD's life. */
export interface OsdInfoT {
  lastCleanBegin: number;
  lastCleanEnd: number;
  upFrom: number;
  upThru: number;
  downAt: number;
  lostAt: number;
}

export function newOsdInfo(): OsdInfoT {
  return { lastCleanBegin: 0, lastCleanEnd: 0, upFrom: 0, upThru: 0, downAt: 0, lostAt: 0 };
}

/** osd_xinfo_t: extended OSD info. */
export interface OsdXinfoT {
  downStamp: UTime;
  /**
   * laggy_probability as Ceph encodes it: a u32 where 0xffffffff means "certainly laggy". Kept raw so
   * that a map re-encodes exactly; see laggyProbability() for the float Ceph keeps in memory.
   */
  laggyProbabilityRaw: number;
  laggyInterval: number;
  /** Features of the OSD (u64). */
  features: bigint;
  oldWeight: number;
  lastPurgedSnapsScrub: UTime;
  deadEpoch: number;
}

export function newOsdXinfo(): OsdXinfoT {
  return { downStamp: { ...UTIME_ZERO }, laggyProbabilityRaw: 0, laggyInterval: 0, features: 0n, oldWeight: 0, lastPurgedSnapsScrub: { ...UTIME_ZERO }, deadEpoch: 0 };
}

/** (float)lp / (float)0xffffffff, as osd_xinfo_t::decode computes it. */
export function laggyProbability(x: OsdXinfoT): number {
  return Math.fround(Math.fround(x.laggyProbabilityRaw) / Math.fround(0xffffffff));
}

/** laggy_probability * float(0xffffffff) converted to __u32, as osd_xinfo_t::encode does it. */
export function laggyProbabilityToRaw(p: number): number {
  const v = Math.fround(Math.fround(p) * Math.fround(0xffffffff));
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(v))));
}

/** The four address vectors an OSD publishes (OSDMap::addrs_s). */
export interface OsdAddrs {
  client: EntityAddrvec[];
  cluster: EntityAddrvec[];
  hbBack: EntityAddrvec[];
  hbFront: EntityAddrvec[];
}

export interface OSDMap {
  fsid: Uuid;
  epoch: number;
  created: UTime;
  modified: UTime;
  /** By pool id, iterated in id order. */
  pools: Map<number, PgPoolT>;
  poolName: Map<number, string>;
  /** The largest pool id ever used (s32). */
  poolMax: number;
  /** CEPH_OSDMAP_* bits. */
  flags: number;
  maxOsd: number;
  osdState: number[];
  /** 16.16 fixed point: 0x10000 in, 0 out. */
  osdWeight: number[];
  osdAddrs: OsdAddrs;
  pgTemp: PgMap<number[]>;
  primaryTemp: PgMap<number>;
  /** 16.16 per OSD, undefined when every OSD has the default affinity. */
  osdPrimaryAffinity: number[] | undefined;
  /** The CrushWrapper, encoded. */
  crush: Buffer;
  erasureCodeProfiles: Map<string, Map<string, string>>;
  pgUpmap: PgMap<number[]>;
  pgUpmapItems: PgMap<[number, number][]>;
  crushVersion: number;
  newRemovedSnaps: Map<number, IntervalSet>;
  newPurgedSnaps: Map<number, IntervalSet>;
  lastUpChange: UTime;
  lastInChange: UTime;
  osdInfo: OsdInfoT[];
  /** Blocklisted client addresses and when they expire (iterated in Ceph's unordered_map order). */
  blocklist: AddrHashMap<UTime>;
  /** Blocklisted address ranges (TYPE_CIDR, nonce = prefix length), 16.2.7+. */
  rangeBlocklist: [EntityAddr, UTime][];
  clusterSnapshotEpoch: number;
  clusterSnapshot: string;
  osdUuid: Uuid[];
  osdXinfo: OsdXinfoT[];
  /** Ratios are C floats; kept as Math.fround values. */
  nearfullRatio: number;
  fullRatio: number;
  backfillfullRatio: number;
  requireMinCompatClient: number;
  requireOsdRelease: number;
  removedSnapsQueue: Map<number, IntervalSet>;
  crushNodeFlags: Map<number, number>;
  deviceClassFlags: Map<number, number>;
  stretchModeEnabled: boolean;
  stretchBucketCount: number;
  degradedStretchMode: number;
  recoveringStretchMode: number;
  stretchModeBucket: number;
  /** The crc the map carried (or was last encoded with); undefined for a map never encoded. */
  crc: number | undefined;
}

/** OSDMap(): an empty map with an empty CRUSH map (what Ceph's constructor makes). */
export function newOSDMap(): OSDMap {
  return {
    fsid: UUID_NIL,
    epoch: 0,
    created: { ...UTIME_ZERO },
    modified: { ...UTIME_ZERO },
    pools: new Map(),
    poolName: new Map(),
    poolMax: 0,
    flags: 0,
    maxOsd: 0,
    osdState: [],
    osdWeight: [],
    osdAddrs: { client: [], cluster: [], hbBack: [], hbFront: [] },
    pgTemp: new PgMap(),
    primaryTemp: new PgMap(),
    osdPrimaryAffinity: undefined,
    crush: emptyCrushBytes(),
    erasureCodeProfiles: new Map(),
    pgUpmap: new PgMap(),
    pgUpmapItems: new PgMap(),
    crushVersion: 1,
    newRemovedSnaps: new Map(),
    newPurgedSnaps: new Map(),
    lastUpChange: { ...UTIME_ZERO },
    lastInChange: { ...UTIME_ZERO },
    osdInfo: [],
    blocklist: new AddrHashMap<UTime>(),
    rangeBlocklist: [],
    clusterSnapshotEpoch: 0,
    clusterSnapshot: '',
    osdUuid: [],
    osdXinfo: [],
    nearfullRatio: 0,
    fullRatio: 0,
    backfillfullRatio: 0,
    requireMinCompatClient: CephRelease.unknown,
    requireOsdRelease: CephRelease.unknown,
    removedSnapsQueue: new Map(),
    crushNodeFlags: new Map(),
    deviceClassFlags: new Map(),
    stretchModeEnabled: false,
    stretchBucketCount: 0,
    degradedStretchMode: 0,
    recoveringStretchMode: 0,
    stretchModeBucket: 0,
    crc: undefined,
  };
}

/** OSDMap::set_max_osd: grow or shrink every per-OSD vector, new OSDs out and non-existent. */
export function setMaxOsd(m: OSDMap, n: number): void {
  const resize = <T>(v: T[], fill: () => T): void => {
    if (v.length > n) v.length = n;
    while (v.length < n) v.push(fill());
  };
  m.maxOsd = n;
  resize(m.osdState, () => 0);
  resize(m.osdWeight, () => CEPH_OSD_OUT);
  resize(m.osdInfo, newOsdInfo);
  resize(m.osdXinfo, newOsdXinfo);
  resize(m.osdAddrs.client, () => []);
  resize(m.osdAddrs.cluster, () => []);
  resize(m.osdAddrs.hbBack, () => []);
  resize(m.osdAddrs.hbFront, () => []);
  resize(m.osdUuid, () => UUID_NIL);
  if (m.osdPrimaryAffinity) resize(m.osdPrimaryAffinity, () => CEPH_OSD_DEFAULT_PRIMARY_AFFINITY);
}

export function exists(m: OSDMap, osd: number): boolean {
  return osd >= 0 && osd < m.maxOsd && (m.osdState[osd]! & OsdState.EXISTS) !== 0;
}

export function isUp(m: OSDMap, osd: number): boolean {
  return exists(m, osd) && (m.osdState[osd]! & OsdState.UP) !== 0;
}

export function isDown(m: OSDMap, osd: number): boolean {
  return !isUp(m, osd);
}

export function isOut(m: OSDMap, osd: number): boolean {
  return !exists(m, osd) || m.osdWeight[osd] === CEPH_OSD_OUT;
}

export function isIn(m: OSDMap, osd: number): boolean {
  return !isOut(m, osd);
}

export function isDestroyed(m: OSDMap, osd: number): boolean {
  return exists(m, osd) && (m.osdState[osd]! & OsdState.DESTROYED) !== 0;
}

/** get_weightf: the 16.16 weight as a C float. */
export function weightf(m: OSDMap, osd: number): number {
  return Math.fround(Math.fround(m.osdWeight[osd] ?? 0) / Math.fround(CEPH_OSD_IN));
}

export function primaryAffinity(m: OSDMap, osd: number): number {
  return m.osdPrimaryAffinity ? m.osdPrimaryAffinity[osd]! : CEPH_OSD_DEFAULT_PRIMARY_AFFINITY;
}

export function primaryAffinityf(m: OSDMap, osd: number): number {
  return Math.fround(Math.fround(primaryAffinity(m, osd)) / Math.fround(CEPH_OSD_MAX_PRIMARY_AFFINITY));
}

/** OSDMap::set_weight: a non-zero weight also marks the OSD as existing. */
export function setWeight(m: OSDMap, osd: number, w: number): void {
  m.osdWeight[osd] = w >>> 0;
  if (w) m.osdState[osd] = (m.osdState[osd]! | OsdState.EXISTS) >>> 0;
}

/** OSDMap::set_primary_affinity: the vector is created on first use. */
export function setPrimaryAffinity(m: OSDMap, osd: number, w: number): void {
  if (!m.osdPrimaryAffinity) m.osdPrimaryAffinity = new Array<number>(m.maxOsd).fill(CEPH_OSD_DEFAULT_PRIMARY_AFFINITY);
  m.osdPrimaryAffinity[osd] = w >>> 0;
}

/** calc_num_osds: existing, up and in OSDs. */
export function osdCounts(m: OSDMap): { num: number; up: number; in: number } {
  let num = 0;
  let up = 0;
  let inn = 0;
  for (let i = 0; i < m.maxOsd; i++) {
    if (!(m.osdState[i]! & OsdState.EXISTS)) continue;
    num++;
    if (m.osdState[i]! & OsdState.UP) up++;
    if (m.osdWeight[i] !== CEPH_OSD_OUT) inn++;
  }
  return { num, up, in: inn };
}

export function lookupPoolName(m: OSDMap, name: string): number {
  for (const [id, n] of m.poolName) if (n === name) return id;
  return -1;
}
