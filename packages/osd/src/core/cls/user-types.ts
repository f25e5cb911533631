import { Reader, UTime, Writer, decodeUTime, encodeUTime } from '@ts-ceph/denc';

/**
 * cls_user's types (src/cls/user/cls_user_types.h, cls_user_ops.h): the buckets of an rgw user (one
 * omap key per bucket name, a cls_user_bucket_entry) and their summed stats in the omap header.
 * ceph::real_time encodes as utime_t does (u32 seconds, u32 nanoseconds).
 */

/**
 * cls_user_bucket. Encoded as v9 (compat 8) with a placement_id, else as v7 (compat 3) with the
 * explicit placement pools; decoded from any version since 3 (DECODE_START_LEGACY_COMPAT_LEN(8, 3, 3)).
 */
export interface ClsUserBucket {
  name: string;
  marker: string;
  bucketId: string;
  placementId: string;
  dataPool: string;
  indexPool: string;
  dataExtraPool: string;
}

/** cls_user_bucket_entry: ENCODE_START(9, 5). size and size_rounded in bytes, count in objects. */
export interface ClsUserBucketEntry {
  bucket: ClsUserBucket;
  size: bigint;
  sizeRounded: bigint;
  creationTime: UTime;
  count: bigint;
  userStatsSync: boolean;
}

/** cls_user_stats: the sums over the user's buckets. */
export interface ClsUserStats {
  totalEntries: bigint;
  totalBytes: bigint;
  totalBytesRounded: bigint;
}

/** cls_user_header: stats and when they were last synced and updated. */
export interface ClsUserHeader {
  stats: ClsUserStats;
  lastStatsSync: UTime;
  lastStatsUpdate: UTime;
}

export interface ClsUserSetBucketsOp {
  entries: ClsUserBucketEntry[];
  add: boolean;
  time: UTime;
}

/** cls_user_list_buckets_op: marker (exclusive), end_marker (v2; exclusive, empty: none), max_entries (i32). */
export interface ClsUserListBucketsOp {
  marker: string;
  endMarker: string;
  maxEntries: number;
}

export interface ClsUserListBucketsRet {
  entries: ClsUserBucketEntry[];
  marker: string;
  truncated: boolean;
}

export const zeroTime: UTime = { sec: 0, nsec: 0 };

export function emptyUserBucket(name = ''): ClsUserBucket {
  return { name, marker: '', bucketId: '', placementId: '', dataPool: '', indexPool: '', dataExtraPool: '' };
}

export function emptyUserStats(): ClsUserStats {
  return { totalEntries: 0n, totalBytes: 0n, totalBytesRounded: 0n };
}

export function encodeClsUserBucket(w: Writer, b: ClsUserBucket): void {
  if (b.placementId !== '') {
    w.envelope(9, 8, () => w.string(b.name).string(b.marker).string(b.bucketId).string(b.placementId));
    return;
  }
  w.envelope(7, 3, () => w.string(b.name).string(b.dataPool).string(b.marker).string(b.bucketId).string(b.indexPool).string(b.dataExtraPool));
}

export function decodeClsUserBucket(r: Reader): ClsUserBucket {
  return r.envelopeLegacy('cls_user_bucket', 8, 3, 3, (r, v) => {
    const b = emptyUserBucket(r.string('name'));
    if (v < 8) b.dataPool = r.string('data_pool');
    if (v >= 2) {
      b.marker = r.string('marker');
      b.bucketId = v <= 3 ? r.u64('bucket_id').toString() : r.string('bucket_id');
    }
    if (v < 8) {
      b.indexPool = v >= 5 ? r.string('index_pool') : b.dataPool;
      if (v >= 7) b.dataExtraPool = r.string('data_extra_pool');
      return b;
    }
    b.placementId = r.string('placement_id');
    if (v === 8 && b.placementId === '') {
      b.dataPool = r.string('data_pool');
      b.indexPool = r.string('index_pool');
      b.dataExtraPool = r.string('data_extra_pool');
    }
    return b;
  });
}

/** The leading empty string was the bucket's name before v3; mt is creation_time's whole seconds (u32). */
export function encodeClsUserBucketEntry(w: Writer, e: ClsUserBucketEntry): void {
  w.envelope(9, 5, () => {
    w.string('').u64(e.size).u32(e.creationTime.sec >>> 0).u64(e.count);
    encodeClsUserBucket(w, e.bucket);
    w.u64(e.sizeRounded).bool(e.userStatsSync);
    encodeUTime(w, e.creationTime);
  });
}

export function decodeClsUserBucketEntry(r: Reader): ClsUserBucketEntry {
  return r.envelopeLegacy('cls_user_bucket_entry', 9, 5, 5, (r, v) => {
    r.string('name');
    const size = r.u64('size');
    const mt = r.u32('mtime');
    const e: ClsUserBucketEntry = { bucket: emptyUserBucket(), size, sizeRounded: 0n, creationTime: { sec: mt, nsec: 0 }, count: 0n, userStatsSync: false };
    if (v >= 2) e.count = r.u64('count');
    if (v >= 3) e.bucket = decodeClsUserBucket(r);
    // Before v4 size_rounded is the size (Ceph's decode reuses the variable).
    e.sizeRounded = v >= 4 ? r.u64('size_rounded') : size;
    if (v >= 6) e.userStatsSync = r.bool('user_stats_sync');
    if (v >= 7) e.creationTime = decodeUTime(r, 'creation_time');
    if (v === 8) r.string('placement_rule');
    return e;
  });
}

export function encodeClsUserStats(w: Writer, s: ClsUserStats): void {
  w.envelope(1, 1, () => w.u64(s.totalEntries).u64(s.totalBytes).u64(s.totalBytesRounded));
}

export function decodeClsUserStats(r: Reader): ClsUserStats {
  return r.envelope('cls_user_stats', 1, (r) => ({ totalEntries: r.u64('total_entries'), totalBytes: r.u64('total_bytes'), totalBytesRounded: r.u64('total_bytes_rounded') }));
}

export function encodeClsUserHeader(w: Writer, h: ClsUserHeader): void {
  w.envelope(1, 1, () => {
    encodeClsUserStats(w, h.stats);
    encodeUTime(w, h.lastStatsSync);
    encodeUTime(w, h.lastStatsUpdate);
  });
}

export function decodeClsUserHeader(r: Reader): ClsUserHeader {
  return r.envelope('cls_user_header', 1, (r) => ({ stats: decodeClsUserStats(r), lastStatsSync: decodeUTime(r, 'last_stats_sync'), lastStatsUpdate: decodeUTime(r, 'last_stats_update') }));
}

/** cls_user_get_header_ret: the header in its own envelope. */
export function encodeClsUserGetHeaderRet(w: Writer, h: ClsUserHeader): void {
  w.envelope(1, 1, () => encodeClsUserHeader(w, h));
}

export function decodeClsUserGetHeaderRet(r: Reader): ClsUserHeader {
  return r.envelope('cls_user_get_header_ret', 1, (r) => decodeClsUserHeader(r));
}

export function encodeClsUserSetBucketsOp(w: Writer, o: ClsUserSetBucketsOp): void {
  w.envelope(1, 1, () => {
    w.list(o.entries, encodeClsUserBucketEntry).bool(o.add);
    encodeUTime(w, o.time);
  });
}

export function decodeClsUserSetBucketsOp(r: Reader): ClsUserSetBucketsOp {
  return r.envelope('cls_user_set_buckets_op', 1, (r) => ({ entries: r.list('entries', decodeClsUserBucketEntry, 6), add: r.bool('add'), time: decodeUTime(r, 'time') }));
}

/** cls_user_remove_bucket_op: the bucket (only its name is used). */
export function encodeClsUserRemoveBucketOp(w: Writer, b: ClsUserBucket): void {
  w.envelope(1, 1, () => encodeClsUserBucket(w, b));
}

export function decodeClsUserRemoveBucketOp(r: Reader): ClsUserBucket {
  return r.envelope('cls_user_remove_bucket_op', 1, (r) => decodeClsUserBucket(r));
}

export function encodeClsUserListBucketsOp(w: Writer, o: ClsUserListBucketsOp): void {
  w.envelope(2, 1, () => w.string(o.marker).i32(o.maxEntries).string(o.endMarker));
}

export function decodeClsUserListBucketsOp(r: Reader): ClsUserListBucketsOp {
  return r.envelope('cls_user_list_buckets_op', 2, (r, v) => ({ marker: r.string('marker'), maxEntries: r.i32('max_entries'), endMarker: v >= 2 ? r.string('end_marker') : '' }));
}

export function encodeClsUserListBucketsRet(w: Writer, o: ClsUserListBucketsRet): void {
  w.envelope(1, 1, () => w.list(o.entries, encodeClsUserBucketEntry).string(o.marker).bool(o.truncated));
}

export function decodeClsUserListBucketsRet(r: Reader): ClsUserListBucketsRet {
  return r.envelope('cls_user_list_buckets_ret', 1, (r) => ({ entries: r.list('entries', decodeClsUserBucketEntry, 6), marker: r.string('marker'), truncated: r.bool('truncated') }));
}

/** cls_user_complete_stats_sync_op and cls_user_reset_stats_op: the op's time. */
export function encodeClsUserTimeOp(w: Writer, t: UTime): void {
  w.envelope(1, 1, () => encodeUTime(w, t));
}

export function decodeClsUserTimeOp(r: Reader): UTime {
  return r.envelope('cls_user_time_op', 1, (r) => decodeUTime(r, 'time'));
}

/** cls_user_reset_stats2_op: time, marker (keys after it), the stats summed so far. */
export interface ClsUserResetStats2Op {
  time: UTime;
  marker: string;
  accStats: ClsUserStats;
}

export function decodeClsUserResetStats2Op(r: Reader): ClsUserResetStats2Op {
  return r.envelope('cls_user_reset_stats2_op', 1, (r) => ({ time: decodeUTime(r, 'time'), marker: r.string('marker'), accStats: decodeClsUserStats(r) }));
}

/** cls_user_reset_stats2_ret: the last key read, the stats of this call's keys, whether keys remain. */
export function encodeClsUserResetStats2Ret(w: Writer, o: { marker: string; accStats: ClsUserStats; truncated: boolean }): void {
  w.envelope(1, 1, () => {
    w.string(o.marker);
    encodeClsUserStats(w, o.accStats);
    w.bool(o.truncated);
  });
}
