import { cephError, isCephError } from '@ts-ceph/common/core';
import { DencError, Reader, Writer, compareStringBytes } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { utimeLess } from './log-types';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';
import * as T from './user-types';

/**
 * cls_user (src/cls/user/cls_user.cc): an rgw user's buckets, one omap key per bucket name holding a
 * cls_user_bucket_entry, and the sum of their stats in the omap header (cls_user_header). Same
 * methods, flags, encodings and errnos as Ceph, including its u64 arithmetic (a stat that drops
 * below zero wraps).
 */

/** MAX_ENTRIES: the most buckets one list or reset step reads. */
export const clsUserListEntriesMax = 1000;

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

function encoded<V>(enc: (w: Writer, v: V) => void, v: V): Buffer {
  const w = new Writer();
  enc(w, v);
  return w.finish();
}

/** Decode stored state; undecodable is EIO. */
function decodeStored<V>(what: string, bl: Buffer, dec: (r: Reader) => V): V {
  try {
    return dec(new Reader(bl));
  } catch (e) {
    if (e instanceof DencError) throw cephError('EIO', `cls_user: failed to decode ${what}`);
    throw e;
  }
}

async function readHeader(ctx: ClsContext): Promise<T.ClsUserHeader> {
  const bl = await ctx.mapGetHeader();
  if (bl.length === 0) return { stats: T.emptyUserStats(), lastStatsSync: T.zeroTime, lastStatsUpdate: T.zeroTime };
  return decodeStored('the user header', bl, T.decodeClsUserHeader);
}

/** get_existing_bucket_entry: EINVAL for the empty name, ENOENT when the user has no such bucket. */
async function existingEntry(ctx: ClsContext, name: string): Promise<T.ClsUserBucketEntry> {
  if (name === '') throw cephError('EINVAL', 'cls_user: empty bucket name');
  return decodeStored(`entry ${name}`, await ctx.mapGetVal(name), T.decodeClsUserBucketEntry);
}

function addStats(s: T.ClsUserStats, e: T.ClsUserBucketEntry): void {
  s.totalEntries = u64(s.totalEntries + e.count);
  s.totalBytes = u64(s.totalBytes + e.size);
  s.totalBytesRounded = u64(s.totalBytesRounded + e.sizeRounded);
}

function subStats(s: T.ClsUserStats, e: T.ClsUserBucketEntry): void {
  s.totalEntries = u64(s.totalEntries - e.count);
  s.totalBytes = u64(s.totalBytes - e.size);
  s.totalBytesRounded = u64(s.totalBytesRounded - e.sizeRounded);
}

/** ENOENT from a lookup as undefined; anything else propagates. */
async function maybeEntry(ctx: ClsContext, name: string): Promise<T.ClsUserBucketEntry | undefined> {
  try {
    return await existingEntry(ctx, name);
  } catch (e) {
    if (isCephError(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/**
 * set_buckets_info: with add, a new bucket is stored as given and an existing one takes the new
 * bucket id and creation time (keeping its stats); without add, existing buckets take the new stats
 * and missing ones are skipped (a racing removal). Each stored entry is marked synced and the header
 * stats follow; last_stats_update moves forward to the op's time.
 */
async function setBucketsInfo(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeClsInput('cls_user.set_buckets_info', input, T.decodeClsUserSetBucketsOp);
  const header = await readHeader(ctx);
  for (const update of op.entries) {
    const key = update.bucket.name;
    let entry = await maybeEntry(ctx, key);
    if (entry === undefined) {
      if (!op.add) continue;
      entry = update;
    } else {
      if (op.add) {
        entry.bucket.bucketId = update.bucket.bucketId;
        entry.creationTime = update.creationTime;
      }
      if (entry.userStatsSync) subStats(header.stats, entry);
    }
    if (!op.add) {
      entry.size = update.size;
      entry.sizeRounded = update.sizeRounded;
      entry.count = update.count;
    }
    entry.userStatsSync = true;
    await ctx.mapSetVal(key, encoded(T.encodeClsUserBucketEntry, entry));
    addStats(header.stats, entry);
  }
  if (utimeLess(header.lastStatsUpdate, op.time)) header.lastStatsUpdate = op.time;
  await ctx.mapWriteHeader(encoded(T.encodeClsUserHeader, header));
}

async function completeStatsSync(ctx: ClsContext, input: Buffer): Promise<void> {
  const time = decodeClsInput('cls_user.complete_stats_sync', input, T.decodeClsUserTimeOp);
  const header = await readHeader(ctx);
  if (utimeLess(header.lastStatsSync, time)) header.lastStatsSync = time;
  await ctx.mapWriteHeader(encoded(T.encodeClsUserHeader, header));
}

/** remove_bucket: idempotent; a synced bucket's stats leave the header. */
async function removeBucket(ctx: ClsContext, input: Buffer): Promise<void> {
  const bucket = decodeClsInput('cls_user.remove_bucket', input, T.decodeClsUserRemoveBucketOp);
  const header = await readHeader(ctx);
  const entry = await maybeEntry(ctx, bucket.name);
  if (entry === undefined) return;
  await ctx.mapRemoveKey(bucket.name);
  if (!entry.userStatsSync) return;
  subStats(header.stats, entry);
  await ctx.mapWriteHeader(encoded(T.encodeClsUserHeader, header));
}

/**
 * list_buckets: entries after the marker, before end_marker. The reply's marker is the last key
 * looked at, and only when the listing is truncated; undecodable entries are skipped.
 */
async function listBuckets(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const op = decodeClsInput('cls_user.list_buckets', input, T.decodeClsUserListBucketsOp);
  // A negative max_entries is a huge size_t: the limit.
  const max = op.maxEntries < 0 || op.maxEntries > clsUserListEntriesMax ? clsUserListEntriesMax : op.maxEntries;
  const { vals, more } = await ctx.mapGetVals(op.marker, '', max);
  const ret: T.ClsUserListBucketsRet = { entries: [], marker: '', truncated: more };
  let marker = '';
  for (const [index, bl] of vals) {
    marker = index;
    if (op.endMarker !== '' && compareStringBytes(op.endMarker, index) <= 0) {
      ret.truncated = false;
      break;
    }
    try {
      ret.entries.push(T.decodeClsUserBucketEntry(new Reader(bl)));
    } catch (e) {
      if (!(e instanceof DencError)) throw e;
    }
  }
  if (ret.truncated) ret.marker = marker;
  return encoded(T.encodeClsUserListBucketsRet, ret);
}

async function getHeader(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  decodeClsInput('cls_user.get_header', input, (r) => r.envelope('cls_user_get_header_op', 1, () => undefined));
  return encoded(T.encodeClsUserGetHeaderRet, await readHeader(ctx));
}

/** Sum the entries of one page of buckets; an undecodable entry is EIO. */
async function sumPage(ctx: ClsContext, after: string, into: T.ClsUserStats): Promise<{ last: string | undefined; more: boolean }> {
  const { vals, more } = await ctx.mapGetVals(after, '', clsUserListEntriesMax);
  let last: string | undefined;
  for (const [k, bl] of vals) {
    addStats(into, decodeStored(`entry ${k}`, bl, T.decodeClsUserBucketEntry));
    last = k;
  }
  return { last, more };
}

/** reset_user_stats: the header's stats become the sum over every bucket entry; last_stats_update the op's time. */
async function resetUserStats(ctx: ClsContext, input: Buffer): Promise<void> {
  const time = decodeClsInput('cls_user.reset_user_stats', input, T.decodeClsUserTimeOp);
  const header: T.ClsUserHeader = { stats: T.emptyUserStats(), lastStatsSync: T.zeroTime, lastStatsUpdate: time };
  let from = '';
  for (;;) {
    const page = await sumPage(ctx, from, header.stats);
    if (page.last !== undefined) from = page.last;
    if (!page.more) break;
  }
  await ctx.mapWriteHeader(encoded(T.encodeClsUserHeader, header));
}

/**
 * reset_user_stats2: one page of the same sum after the marker; the last page writes the header
 * (stats of that page only, as Ceph's, since the op's acc_stats is not added in).
 */
async function resetUserStats2(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const op = decodeClsInput('cls_user.reset_user_stats2', input, T.decodeClsUserResetStats2Op);
  const ret = { marker: '', accStats: T.emptyUserStats(), truncated: false };
  const page = await sumPage(ctx, op.marker, ret.accStats);
  ret.truncated = page.more;
  if (page.last !== undefined) ret.marker = page.last;
  if (!ret.truncated) {
    const header: T.ClsUserHeader = { stats: ret.accStats, lastStatsSync: T.zeroTime, lastStatsUpdate: op.time };
    await ctx.mapWriteHeader(encoded(T.encodeClsUserHeader, header));
  }
  return encoded(T.encodeClsUserResetStats2Ret, ret);
}

export const userMethods: Readonly<Record<string, ClsMethod>> = {
  set_buckets_info: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: setBucketsInfo },
  complete_stats_sync: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: completeStatsSync },
  remove_bucket: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: removeBucket },
  list_buckets: { flags: CLS_METHOD_RD, fn: listBuckets },
  get_header: { flags: CLS_METHOD_RD, fn: getHeader },
  reset_user_stats: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: resetUserStats },
  reset_user_stats2: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: resetUserStats2 },
};
