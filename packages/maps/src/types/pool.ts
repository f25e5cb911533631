import { Reader, Writer, UTime, decodeUTime, encodeUTime, featureBit, hasFeature, UTIME_ZERO } from '@ts-ceph/denc';
import { cmpStr } from '../format/text';
import { IntervalSet, decodeIntervalSet, encodeIntervalSet } from './interval-set';
import {
  HitSetParams,
  PgMergeMetaT,
  PoolOptsT,
  PoolSnapInfoT,
  decodeHitSetParams,
  decodePgMergeMetaT,
  decodePoolOptsT,
  decodePoolSnapInfoT,
  emptyPgMergeMeta,
  encodeHitSetParams,
  encodePgMergeMetaT,
  encodePoolOptsT,
  encodePoolSnapInfoT,
} from './pool-parts';
import { CRUSH_ITEM_NONE } from './pg';

/**
 * pg_pool_t (src/osd/osd_types.{h,cc}): a pool's placement parameters, snapshots, tiering and options,
 * with Ceph's feature-dependent encodings (struct v2 without PGPOOL3, v4 without OSDENC, v14 without
 * OSD_POOLRESEND, then v21/24/26/27/29/30 by the peer's release) and its decode-time upgrades.
 */

export const PoolType = { REPLICATED: 1, ERASURE: 3 } as const;

export const PoolFlag = {
  HASHPSPOOL: 1 << 0,
  FULL: 1 << 1,
  EC_OVERWRITES: 1 << 2,
  INCOMPLETE_CLONES: 1 << 3,
  NODELETE: 1 << 4,
  NOPGCHANGE: 1 << 5,
  NOSIZECHANGE: 1 << 6,
  WRITE_FADVISE_DONTNEED: 1 << 7,
  NOSCRUB: 1 << 8,
  NODEEP_SCRUB: 1 << 9,
  FULL_QUOTA: 1 << 10,
  NEARFULL: 1 << 11,
  BACKFILLFULL: 1 << 12,
  SELFMANAGED_SNAPS: 1 << 13,
  POOL_SNAPS: 1 << 14,
  CREATING: 1 << 15,
  EIO: 1 << 16,
  BULK: 1 << 17,
} as const;

export const CacheMode = { NONE: 0, WRITEBACK: 1, FORWARD: 2, READONLY: 3, READFORWARD: 4, READPROXY: 5, PROXY: 6 } as const;

export const PgAutoscaleMode = { OFF: 0, WARN: 1, ON: 2, UNKNOWN: 255 } as const;

export { CEPH_STR_HASH_LINUX, CEPH_STR_HASH_RJENKINS } from '../placement/hash';

export interface PgPoolT {
  createTime: UTime;
  /** FLAG_* bits (u64 on the wire). */
  flags: number;
  /** u8 TYPE_REPLICATED / TYPE_ERASURE. */
  type: number;
  /** u8 replicas (or k+m shards). */
  size: number;
  minSize: number;
  /** u8 crush rule id (a ruleset before luminous). */
  crushRule: number;
  /** u8 CEPH_STR_HASH_*. */
  objectHash: number;
  pgAutoscaleMode: number;
  pgNum: number;
  pgpNum: number;
  pgNumPending: number;
  pgNumTarget: number;
  pgpNumTarget: number;
  /** OBSOLETE properties map, still carried. */
  properties: [string, string][];
  erasureCodeProfile: string;
  lastChange: number;
  peeringCrushBucketCount: number;
  peeringCrushBucketBarrier: number;
  peeringCrushMandatoryMember: number;
  peeringCrushBucketTarget: number;
  lastForceOpResend: number;
  lastForceOpResendPrenautilus: number;
  lastForceOpResendPreluminous: number;
  lastPgMergeMeta: PgMergeMetaT;
  snapSeq: number;
  snapEpoch: number;
  auid: bigint;
  quotaMaxBytes: bigint;
  quotaMaxObjects: bigint;
  /** Pool snapshots, sorted by snapid. */
  snaps: PoolSnapInfoT[];
  removedSnaps: IntervalSet;
  /** Pools that are tiers of this one (sorted). */
  tiers: number[];
  tierOf: number;
  readTier: number;
  writeTier: number;
  cacheMode: number;
  targetMaxBytes: bigint;
  targetMaxObjects: bigint;
  cacheTargetDirtyRatioMicro: number;
  cacheTargetDirtyHighRatioMicro: number;
  cacheTargetFullRatioMicro: number;
  cacheMinFlushAge: number;
  cacheMinEvictAge: number;
  hitSetParams: HitSetParams;
  hitSetPeriod: number;
  hitSetCount: number;
  useGmtHitset: boolean;
  minReadRecencyForPromote: number;
  minWriteRecencyForPromote: number;
  hitSetGradeDecayRate: number;
  hitSetSearchLastN: number;
  stripeWidth: number;
  expectedNumObjects: bigint;
  fastRead: boolean;
  opts: PoolOptsT;
  /** application -> key -> value, each level sorted by name. */
  applicationMetadata: Map<string, Map<string, string>>;
}

/** pg_pool_t() = default. */
export function newPgPool(): PgPoolT {
  return {
    createTime: { ...UTIME_ZERO },
    flags: 0,
    type: 0,
    size: 0,
    minSize: 0,
    crushRule: 0,
    objectHash: 0,
    pgAutoscaleMode: PgAutoscaleMode.UNKNOWN,
    pgNum: 0,
    pgpNum: 0,
    pgNumPending: 0,
    pgNumTarget: 0,
    pgpNumTarget: 0,
    properties: [],
    erasureCodeProfile: '',
    lastChange: 0,
    peeringCrushBucketCount: 0,
    peeringCrushBucketBarrier: 0,
    peeringCrushMandatoryMember: CRUSH_ITEM_NONE,
    peeringCrushBucketTarget: 0,
    lastForceOpResend: 0,
    lastForceOpResendPrenautilus: 0,
    lastForceOpResendPreluminous: 0,
    lastPgMergeMeta: emptyPgMergeMeta(),
    snapSeq: 0,
    snapEpoch: 0,
    auid: 0n,
    quotaMaxBytes: 0n,
    quotaMaxObjects: 0n,
    snaps: [],
    removedSnaps: [],
    tiers: [],
    tierOf: -1,
    readTier: -1,
    writeTier: -1,
    cacheMode: CacheMode.NONE,
    targetMaxBytes: 0n,
    targetMaxObjects: 0n,
    cacheTargetDirtyRatioMicro: 0,
    cacheTargetDirtyHighRatioMicro: 0,
    cacheTargetFullRatioMicro: 0,
    cacheMinFlushAge: 0,
    cacheMinEvictAge: 0,
    hitSetParams: { type: 0 },
    hitSetPeriod: 0,
    hitSetCount: 0,
    useGmtHitset: true,
    minReadRecencyForPromote: 0,
    minWriteRecencyForPromote: 0,
    hitSetGradeDecayRate: 0,
    hitSetSearchLastN: 0,
    stripeWidth: 0,
    expectedNumObjects: 0n,
    fastRead: false,
    opts: new Map(),
    applicationMetadata: new Map(),
  };
}

/** A deep copy (pools are values: an Incremental carries whole new copies). */
export function clonePgPool(p: PgPoolT): PgPoolT {
  return {
    ...p,
    createTime: { ...p.createTime },
    properties: p.properties.map(([k, v]) => [k, v]),
    lastPgMergeMeta: structuredClone(p.lastPgMergeMeta),
    snaps: p.snaps.map((s) => ({ ...s, stamp: { ...s.stamp } })),
    removedSnaps: p.removedSnaps.map(([a, l]) => [a, l]),
    tiers: [...p.tiers],
    hitSetParams: { ...p.hitSetParams },
    opts: new Map([...p.opts.entries()].map(([k, v]) => [k, { ...v }])),
    applicationMetadata: new Map([...p.applicationMetadata.entries()].map(([k, v]) => [k, new Map(v)])),
  };
}

function decodeStringMap(r: Reader, field: string): [string, string][] {
  return r.pairs(field, (rr) => rr.string('key'), (rr) => rr.string('value'), 8);
}

function encodeStringMap(w: Writer, m: Iterable<readonly [string, string]>): void {
  w.pairs([...m].sort((a, b) => cmpStr(a[0], b[0])), (ww, k) => ww.string(k), (ww, v) => ww.string(v));
}

function decodeSnaps(r: Reader, n: number): PoolSnapInfoT[] {
  const out: PoolSnapInfoT[] = [];
  for (let i = 0; i < n; i++) {
    r.u64('snapid_key');
    out.push(decodePoolSnapInfoT(r, `snaps[${i}]`));
  }
  return out;
}

function encodeSnapsNohead(w: Writer, snaps: PoolSnapInfoT[]): void {
  for (const s of snaps) {
    w.u64(s.snapid);
    encodePoolSnapInfoT(w, s);
  }
}

export function decodePgPoolT(r: Reader, field = 'pg_pool_t'): PgPoolT {
  return r.envelopeLegacy(field, 30, 5, 5, (_r, v) => {
    const p = newPgPool();
    p.type = r.u8('type');
    p.size = r.u8('size');
    p.crushRule = r.u8('crush_rule');
    p.objectHash = r.u8('object_hash');
    p.pgNum = r.u32('pg_num');
    p.pgpNum = r.u32('pgp_num');
    r.u32('lpg_num');
    r.u32('lpgp_num');
    p.lastChange = r.u32('last_change');
    p.snapSeq = r.u64n('snap_seq');
    p.snapEpoch = r.u32('snap_epoch');
    if (v >= 3) {
      p.snaps = decodeSnaps(r, r.count('snaps', 9));
      p.removedSnaps = decodeIntervalSet(r, 'removed_snaps');
      p.auid = r.u64('auid');
    } else {
      const n = r.count('snaps', 9);
      const m = r.count('removed_snaps', 16);
      p.auid = r.u64('auid');
      p.snaps = decodeSnaps(r, n);
      for (let i = 0; i < m; i++) p.removedSnaps.push([r.u64n('start'), r.u64n('len')]);
    }
    if (v >= 4) {
      p.flags = r.u64n('flags');
      r.u32('crash_replay_interval');
    }
    // The upgrade path for selfmanaged vs pool snaps, as pg_pool_t::decode does it.
    if (p.snapSeq > 0 && (p.flags & (PoolFlag.SELFMANAGED_SNAPS | PoolFlag.POOL_SNAPS)) === 0) {
      p.flags |= p.removedSnaps.length ? PoolFlag.SELFMANAGED_SNAPS : PoolFlag.POOL_SNAPS;
    }
    p.minSize = v >= 7 ? r.u8('min_size') : p.size - Math.floor(p.size / 2);
    if (v >= 8) {
      p.quotaMaxBytes = r.u64('quota_max_bytes');
      p.quotaMaxObjects = r.u64('quota_max_objects');
    }
    if (v >= 9) {
      p.tiers = r.list('tiers', (rr) => rr.u64n('pool'), 8);
      p.tierOf = r.i64n('tier_of');
      p.cacheMode = r.u8('cache_mode');
      p.readTier = r.i64n('read_tier');
      p.writeTier = r.i64n('write_tier');
    }
    if (v >= 10) p.properties = decodeStringMap(r, 'properties');
    if (v >= 11) {
      p.hitSetParams = decodeHitSetParams(r);
      p.hitSetPeriod = r.u32('hit_set_period');
      p.hitSetCount = r.u32('hit_set_count');
    }
    if (v >= 12) p.stripeWidth = r.u32('stripe_width');
    if (v >= 13) {
      p.targetMaxBytes = r.u64('target_max_bytes');
      p.targetMaxObjects = r.u64('target_max_objects');
      p.cacheTargetDirtyRatioMicro = r.u32('cache_target_dirty_ratio_micro');
      p.cacheTargetFullRatioMicro = r.u32('cache_target_full_ratio_micro');
      p.cacheMinFlushAge = r.u32('cache_min_flush_age');
      p.cacheMinEvictAge = r.u32('cache_min_evict_age');
    }
    if (v >= 14) p.erasureCodeProfile = r.string('erasure_code_profile');
    if (v >= 15) p.lastForceOpResendPreluminous = r.u32('last_force_op_resend_preluminous');
    p.minReadRecencyForPromote = v >= 16 ? r.u32('min_read_recency_for_promote') : 1;
    if (v >= 17) p.expectedNumObjects = r.u64('expected_num_objects');
    p.cacheTargetDirtyHighRatioMicro = v >= 19 ? r.u32('cache_target_dirty_high_ratio_micro') : p.cacheTargetDirtyRatioMicro;
    p.minWriteRecencyForPromote = v >= 20 ? r.u32('min_write_recency_for_promote') : 1;
    p.useGmtHitset = v >= 21 ? r.bool('use_gmt_hitset') : false;
    p.fastRead = v >= 22 ? r.bool('fast_read') : false;
    if (v >= 23) {
      p.hitSetGradeDecayRate = r.u32('hit_set_grade_decay_rate');
      p.hitSetSearchLastN = r.u32('hit_set_search_last_n');
    } else {
      p.hitSetSearchLastN = 1;
    }
    if (v >= 24) p.opts = decodePoolOptsT(r, 'opts');
    p.lastForceOpResendPrenautilus = v >= 25 ? r.u32('last_force_op_resend_prenautilus') : p.lastForceOpResendPreluminous;
    if (v >= 26) {
      p.applicationMetadata = new Map(
        r.pairs('application_metadata', (rr) => rr.string('app'), (rr) => new Map(decodeStringMap(rr, 'kv')), 8),
      );
    }
    if (v >= 27) p.createTime = decodeUTime(r, 'create_time');
    if (v >= 28) {
      p.pgNumTarget = r.u32('pg_num_target');
      p.pgpNumTarget = r.u32('pgp_num_target');
      p.pgNumPending = r.u32('pg_num_pending');
      const oldStarted = r.u32('pg_num_dec_last_epoch_started');
      const oldClean = r.u32('pg_num_dec_last_epoch_clean');
      p.lastForceOpResend = r.u32('last_force_op_resend');
      p.pgAutoscaleMode = r.u8('pg_autoscale_mode');
      if (v >= 29) p.lastPgMergeMeta = decodePgMergeMetaT(r, 'last_pg_merge_meta');
      else {
        p.lastPgMergeMeta.lastEpochClean = oldClean;
        p.lastPgMergeMeta.lastEpochStarted = oldStarted;
      }
    } else {
      p.pgNumTarget = p.pgNum;
      p.pgpNumTarget = p.pgpNum;
      p.pgNumPending = p.pgNum;
      p.lastForceOpResend = p.lastForceOpResendPrenautilus;
      p.pgAutoscaleMode = PgAutoscaleMode.WARN;
    }
    if (v >= 30) {
      p.peeringCrushBucketCount = r.u32('peering_crush_bucket_count');
      p.peeringCrushBucketTarget = r.u32('peering_crush_bucket_target');
      p.peeringCrushBucketBarrier = r.u32('peering_crush_bucket_barrier');
      p.peeringCrushMandatoryMember = r.i32('peering_crush_mandatory_member');
    }
    return p;
  });
}

/** The leading fields every encoding version shares, through snap_epoch. */
function encodeHead(w: Writer, p: PgPoolT): void {
  w.u8(p.type).u8(p.size).u8(p.crushRule).u8(p.objectHash).u32(p.pgNum).u32(p.pgpNum);
  w.u32(0).u32(0); // lpg_num, lpgp_num: tell old code there are no localized pgs
  w.u32(p.lastChange).u64(p.snapSeq).u32(p.snapEpoch);
}

function encodeSnapsMap(w: Writer, p: PgPoolT): void {
  w.u32(p.snaps.length);
  encodeSnapsNohead(w, p.snaps);
}

/** Fields of the v14 (pre-POOLRESEND) encoding after flags, also the start of the modern one. */
function encodeMiddle(w: Writer, p: PgPoolT): void {
  w.u32(0); // crash_replay_interval
  w.u8(p.minSize).u64(p.quotaMaxBytes).u64(p.quotaMaxObjects);
  w.list(p.tiers, (ww, t) => ww.u64(t));
  w.i64(p.tierOf).u8(p.cacheMode).i64(p.readTier).i64(p.writeTier);
  encodeStringMap(w, p.properties);
  encodeHitSetParams(w, p.hitSetParams);
  w.u32(p.hitSetPeriod).u32(p.hitSetCount).u32(p.stripeWidth);
  w.u64(p.targetMaxBytes).u64(p.targetMaxObjects);
  w.u32(p.cacheTargetDirtyRatioMicro).u32(p.cacheTargetFullRatioMicro).u32(p.cacheMinFlushAge).u32(p.cacheMinEvictAge);
  w.string(p.erasureCodeProfile);
}

export function isStretchPool(p: PgPoolT): boolean {
  return p.peeringCrushBucketCount !== 0;
}

export function encodePgPoolT(w: Writer, p: PgPoolT): void {
  const f = w.features;
  if ((f & featureBit('PGPOOL3')) === 0n) {
    w.u8(2);
    encodeHead(w, p);
    w.u32(p.snaps.length).u32(p.removedSnaps.length).u64(p.auid);
    encodeSnapsNohead(w, p.snaps);
    for (const [a, l] of p.removedSnaps) w.u64(a).u64(l);
    return;
  }
  if ((f & featureBit('OSDENC')) === 0n) {
    w.u8(4);
    encodeHead(w, p);
    encodeSnapsMap(w, p);
    encodeIntervalSet(w, p.removedSnaps);
    w.u64(p.auid).u64(p.flags).u32(0);
    return;
  }
  if ((f & featureBit('OSD_POOLRESEND')) === 0n) {
    w.envelope(14, 5, () => {
      encodeHead(w, p);
      encodeSnapsMap(w, p);
      encodeIntervalSet(w, p.removedSnaps);
      w.u64(p.auid).u64(p.flags);
      encodeMiddle(w, p);
    });
    return;
  }
  let v = 30;
  if ((f & featureBit('NEW_OSDOP_ENCODING')) === 0n) v = 21;
  else if (!hasFeature(f, 'SERVER_LUMINOUS')) v = 24;
  else if (!hasFeature(f, 'SERVER_MIMIC')) v = 26;
  else if (!hasFeature(f, 'SERVER_NAUTILUS')) v = 27;
  else if (!isStretchPool(p)) v = 29;
  w.envelope(v, 5, () => {
    encodeHead(w, p);
    encodeSnapsMap(w, p);
    encodeIntervalSet(w, p.removedSnaps);
    w.u64(p.auid);
    // Before mimic the snap-mode and creating flags were implicit; hide them from older peers.
    const flags = v >= 27 ? p.flags : p.flags & ~(PoolFlag.SELFMANAGED_SNAPS | PoolFlag.POOL_SNAPS | PoolFlag.CREATING);
    w.u64(flags);
    encodeMiddle(w, p);
    w.u32(p.lastForceOpResendPreluminous).u32(p.minReadRecencyForPromote).u64(p.expectedNumObjects);
    if (v >= 19) w.u32(p.cacheTargetDirtyHighRatioMicro);
    if (v >= 20) w.u32(p.minWriteRecencyForPromote);
    if (v >= 21) w.bool(p.useGmtHitset);
    if (v >= 22) w.bool(p.fastRead);
    if (v >= 23) w.u32(p.hitSetGradeDecayRate).u32(p.hitSetSearchLastN);
    if (v >= 24) encodePoolOptsT(w, p.opts);
    if (v >= 25) w.u32(p.lastForceOpResendPrenautilus);
    if (v >= 26) {
      const apps = [...p.applicationMetadata.entries()].sort((a, b) => cmpStr(a[0], b[0]));
      w.pairs(apps, (ww, k) => ww.string(k), (ww, m) => encodeStringMap(ww, m));
    }
    if (v >= 27) encodeUTime(w, p.createTime);
    if (v >= 28) {
      w.u32(p.pgNumTarget).u32(p.pgpNumTarget).u32(p.pgNumPending);
      w.u32(0).u32(0); // pg_num_dec_last_epoch_{started,clean} from 14.1.[01]
      w.u32(p.lastForceOpResend).u8(p.pgAutoscaleMode);
    }
    if (v >= 29) encodePgMergeMetaT(w, p.lastPgMergeMeta);
    if (v >= 30) {
      w.u32(p.peeringCrushBucketCount).u32(p.peeringCrushBucketTarget).u32(p.peeringCrushBucketBarrier).i32(p.peeringCrushMandatoryMember);
    }
  });
}

/** cbits(): the number of significant bits of a u32 (0 for 0). */
export function cbits(v: number): number {
  return v === 0 ? 0 : 32 - Math.clz32(v >>> 0);
}

/** pg_pool_t::calc_pg_masks. */
export function pgNumMask(p: PgPoolT): number {
  return ((1 << cbits(p.pgNum - 1)) - 1) >>> 0;
}

export function pgpNumMask(p: PgPoolT): number {
  return ((1 << cbits(p.pgpNum - 1)) - 1) >>> 0;
}

/** pg_pool_t::calc_grade_table: the temperature grade of each hit set (u32, truncated like Ceph). */
export function gradeTable(p: PgPoolT): number[] {
  let v = 1000000;
  const out: number[] = [];
  for (let i = 0; i < p.hitSetCount; i++) {
    v = Math.trunc(v * (1 - p.hitSetGradeDecayRate / 100.0)) >>> 0;
    out.push(v);
  }
  return out;
}

/** can_shift_osds(): replicated pools close holes; erasure pools keep positions. */
export function canShiftOsds(p: PgPoolT): boolean {
  return p.type === PoolType.REPLICATED;
}

export function isErasure(p: PgPoolT): boolean {
  return p.type === PoolType.ERASURE;
}
