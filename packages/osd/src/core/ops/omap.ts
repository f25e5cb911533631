import { Errno } from '@ts-ceph/common/core';
import { Writer, compareStringBytes, startsWithBytes, stringByteLength } from '@ts-ceph/denc';
import {
  CephOsdCmpxattrOp,
  CephOsdOp,
  encodeOmapGetValsReply,
  encodeStrBufferMap,
  omapCmpArgs,
  omapGetKeysArgs,
  omapGetValsArgs,
  omapKeySetArgs,
  omapRmKeyRangeArgs,
  omapSetValsArgs,
} from '@ts-ceph/messages';
import { OpContext, OpHandler } from '../op-context';
import { OI_FLAG } from '../object-info';

/** Named limits of the omap ops (docs/LIMITS.md). */
export const osdOmapLimits = {
  /**
   * osd_max_omap_entries_per_request (1024 in 16.2): a larger max_return is cut to this and the reply
   * says more; a client that wants everything pages on (the rados CLI does, python's get_omap_vals
   * returns one page), so a larger cap would return what a real OSD never does.
   */
  entriesPerRequestMax: 1024,
  /** osd_max_omap_bytes_per_request (Ceph: 1 GiB; ours bounds one reply). */
  bytesPerRequestMax: 64 * 1024 * 1024,
  /** Keys fetched from the store per step while paging. */
  storePageKeys: 1024,
};

const err = (e: number): number => -e;

function missing(ctx: OpContext): boolean {
  return !ctx.obs.exists || (ctx.oi.flags & OI_FLAG.WHITEOUT) !== 0;
}

/**
 * Walk the omap (as it was before the op) from strictly after `after`, keys starting with `prefix`,
 * until `max` entries or the byte bound: the shared loop of omap-get-keys and omap-get-vals. Keys
 * are std::strings: compared and prefix-matched as bytes (denc's string-bytes.ts), as Ceph does,
 * not as UTF-16 code units (a key need not be UTF-8).
 */
export async function walkOmap(ctx: OpContext, after: string, prefix: string, max: number, withValues: boolean): Promise<{ vals: Map<string, Buffer>; truncated: boolean }> {
  const vals = new Map<string, Buffer>();
  if (!ctx.before.exists) return { vals, truncated: false };
  let bytes = 0;
  let pos = after;
  if (compareStringBytes(prefix, after) > 0) {
    // lower_bound(prefix): the prefix itself may be a key.
    const exact = await ctx.store.omapGetValues(ctx.coll, ctx.oid, [prefix]);
    const v = exact.get(prefix);
    if (v !== undefined) {
      if (max === 0) return { vals, truncated: true };
      vals.set(prefix, withValues ? Buffer.from(v) : Buffer.alloc(0));
      bytes += stringByteLength(prefix) + (withValues ? v.length : 0);
    }
    pos = prefix;
  }
  for (;;) {
    const page = await ctx.store.omapGetValsAfter(ctx.coll, ctx.oid, pos, osdOmapLimits.storePageKeys);
    for (const [k, v] of page.values) {
      if (!startsWithBytes(k, prefix)) return { vals, truncated: false };
      if (vals.size >= max || bytes >= osdOmapLimits.bytesPerRequestMax) return { vals, truncated: true };
      vals.set(k, withValues ? Buffer.from(v) : Buffer.alloc(0));
      bytes += stringByteLength(k) + (withValues ? v.length : 0);
      pos = k;
    }
    if (!page.more || page.values.size === 0) return { vals, truncated: false };
  }
}

export const clampMax = (m: bigint): number => Number(m > BigInt(osdOmapLimits.entriesPerRequestMax) ? BigInt(osdOmapLimits.entriesPerRequestMax) : m);

const getKeys: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const a = omapGetKeysArgs(op);
  const { vals, truncated } = await walkOmap(ctx, a.startAfter, '', clampMax(a.maxReturn), false);
  const w = new Writer();
  w.u32(vals.size);
  for (const k of vals.keys()) w.string(k);
  w.bool(truncated);
  out.data = w.finish();
  return 0;
};

const getVals: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const a = omapGetValsArgs(op);
  const { vals, truncated } = await walkOmap(ctx, a.startAfter, a.filterPrefix, clampMax(a.maxReturn), true);
  out.data = encodeOmapGetValsReply(vals, truncated);
  return 0;
};

const getHeader: OpHandler = async (ctx, _op, out) => {
  if (!ctx.before.exists) return 0;
  ctx.numRead++;
  out.data = Buffer.from(await ctx.store.omapGetHeader(ctx.coll, ctx.oid));
  return 0;
};

const getValsByKeys: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const keys = omapKeySetArgs(op);
  const got = ctx.before.exists ? await ctx.store.omapGetValues(ctx.coll, ctx.oid, keys) : new Map<string, Buffer>();
  const sorted = new Map([...got.entries()].sort((a, b) => compareStringBytes(a[0], b[0])));
  out.data = encodeStrBufferMap(sorted);
  return 0;
};

/** omap-cmp: every assertion must hold (EQ, LT, GT on the value bytes; a missing key is empty). */
const cmp: OpHandler = async (ctx, op) => {
  ctx.numRead++;
  if (missing(ctx)) return err(Errno.ENOENT);
  const assertions = omapCmpArgs(op);
  const got = ctx.before.exists ? await ctx.store.omapGetValues(ctx.coll, ctx.oid, [...assertions.keys()]) : new Map<string, Buffer>();
  for (const [k, a] of [...assertions.entries()].sort((x, y) => compareStringBytes(x[0], y[0]))) {
    const have = got.get(k) ?? Buffer.alloc(0);
    const c = Buffer.compare(have, a.value);
    if (a.op === CephOsdCmpxattrOp.EQ) {
      if (c !== 0) return err(Errno.ECANCELED);
    } else if (a.op === CephOsdCmpxattrOp.LT) {
      if (!(c < 0)) return err(Errno.ECANCELED);
    } else if (a.op === CephOsdCmpxattrOp.GT) {
      if (!(c > 0)) return err(Errno.ECANCELED);
    } else return err(Errno.EINVAL);
  }
  return 0;
};

const setVals: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  const kv = omapSetValsArgs(op);
  ctx.maybeCreate();
  ctx.t.omapSetKeys(ctx.coll, ctx.oid, kv);
  ctx.oi.flags = (ctx.oi.flags | OI_FLAG.OMAP) & ~OI_FLAG.OMAP_DIGEST;
  return 0;
};

const setHeader: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  ctx.maybeCreate();
  ctx.t.omapSetHeader(ctx.coll, ctx.oid, op.data);
  ctx.oi.flags = (ctx.oi.flags | OI_FLAG.OMAP) & ~OI_FLAG.OMAP_DIGEST;
  return 0;
};

const clear: OpHandler = (ctx) => {
  ctx.numWrite++;
  if (missing(ctx)) return err(Errno.ENOENT);
  ctx.t.omapClear(ctx.coll, ctx.oid);
  ctx.oi.flags &= ~(OI_FLAG.OMAP | OI_FLAG.OMAP_DIGEST);
  return 0;
};

const rmKeys: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  if (missing(ctx)) return err(Errno.ENOENT);
  ctx.t.omapRmKeys(ctx.coll, ctx.oid, omapKeySetArgs(op));
  ctx.oi.flags &= ~OI_FLAG.OMAP_DIGEST;
  return 0;
};

const rmKeyRange: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  if (missing(ctx)) return err(Errno.ENOENT);
  const a = omapRmKeyRangeArgs(op);
  ctx.t.omapRmKeyRange(ctx.coll, ctx.oid, a.begin, a.end);
  ctx.oi.flags &= ~OI_FLAG.OMAP_DIGEST;
  return 0;
};

export const omapOps = new Map<number, OpHandler>([
  [CephOsdOp.OMAPGETKEYS, getKeys],
  [CephOsdOp.OMAPGETVALS, getVals],
  [CephOsdOp.OMAPGETHEADER, getHeader],
  [CephOsdOp.OMAPGETVALSBYKEYS, getValsByKeys],
  [CephOsdOp.OMAP_CMP, cmp],
  [CephOsdOp.OMAPSETVALS, setVals],
  [CephOsdOp.OMAPSETHEADER, setHeader],
  [CephOsdOp.OMAPCLEAR, clear],
  [CephOsdOp.OMAPRMKEYS, rmKeys],
  [CephOsdOp.OMAPRMKEYRANGE, rmKeyRange],
]);
