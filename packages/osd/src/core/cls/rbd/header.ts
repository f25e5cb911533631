import { cephError, isCephError } from '@ts-ceph/common/core';
import { Reader, UTime, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import * as T from './types';
import {
  checkExists, decodeInput, listSnaps, out, readKey, readKeyOr, readSnap, readString, readU64, readU8, requireFeature,
  isValidId, removeKey, setOpFeatures, snapKey, writeKey,
} from './util';

/**
 * cls_rbd's image header methods (src/cls/rbd/cls_rbd.cc): the `rbd_header.<id>` object keeps the
 * image in omap keys (size, order, features, object_prefix, snap_seq, timestamps, flags, op_features,
 * parent, snapshot_<id>, metadata_<key>, ...), and `rbd_id.<name>` holds the encoded id as its data.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
const RBD_METADATA_KEY_PREFIX = 'metadata_';

/** create: a new header (EEXIST if it already has an object_prefix). */
async function create(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => {
    const size = r.u64('size');
    const order = r.u8('order');
    const features = r.u64('features');
    const objectPrefix = r.string('object_prefix');
    const dataPoolId = r.remaining() > 0 ? r.i64('data_pool_id') : -1n;
    return { size, order, features, objectPrefix, dataPoolId };
  });
  if (a.features & ~T.RBD_FEATURES_ALL) throw cephError('ENOSYS', 'cls_rbd: unknown features');
  if (a.objectPrefix === '') throw cephError('EINVAL', 'cls_rbd: empty object_prefix');
  try {
    await ctx.mapGetVal('object_prefix');
    throw cephError('EEXIST', 'cls_rbd: header already exists');
  } catch (e) {
    if (!isCephError(e, 'ENOENT')) throw e;
  }
  if (a.features & T.RBD_FEATURE.OPERATIONS) throw cephError('EINVAL', 'cls_rbd: operations is an internal feature');
  const vals = new Map<string, Buffer>([
    ['size', out((w) => w.u64(a.size))],
    ['order', out((w) => w.u8(a.order))],
    ['features', out((w) => w.u64(a.features))],
    ['object_prefix', out((w) => w.string(a.objectPrefix))],
    ['snap_seq', out((w) => w.u64(0n))],
  ]);
  const ts = out((w) => encodeUTime(w, ctx.now));
  for (const k of ['create_timestamp', 'access_timestamp', 'modify_timestamp']) vals.set(k, ts);
  if (a.features & T.RBD_FEATURE.DATA_POOL) {
    if (a.dataPoolId === -1n) throw cephError('EINVAL', 'cls_rbd: data pool not provided with feature enabled');
    vals.set('data_pool_id', out((w) => w.i64(a.dataPoolId)));
  } else if (a.dataPoolId !== -1n) {
    throw cephError('EINVAL', 'cls_rbd: data pool provided with feature disabled');
  }
  await ctx.mapSetVals(vals);
}

/** get_features(snap_id[, read_only]) -> features, incompatible features. */
async function getFeatures(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const readOnly = decodeInput(input, (r) => {
    r.u64('snap_id');
    return r.remaining() > 0 ? r.bool('read_only') : false;
  });
  const features = await readKey(ctx, 'features', readU64);
  const incompatible = features & (readOnly ? T.RBD_FEATURES_INCOMPATIBLE : T.RBD_FEATURES_RW_INCOMPATIBLE);
  return out((w) => w.u64(features).u64(incompatible));
}

/** set_features(features, mask): only the mutable features may change; deep-flatten may only go. */
async function setFeatures(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ features: r.u64('features'), mask: r.u64('mask') }));
  const orig = await readKeyOr(ctx, 'features', readU64, 0n);
  if (a.mask & T.RBD_FEATURES_INTERNAL) throw cephError('EINVAL', 'cls_rbd: attempt to change internal features');
  const mask = a.mask & T.RBD_FEATURES_ALL;
  const enabled = a.features & mask;
  if ((enabled & T.RBD_FEATURES_MUTABLE) !== enabled) throw cephError('EINVAL', 'cls_rbd: features cannot be enabled');
  const disabled = ~a.features & mask;
  if ((disabled & (T.RBD_FEATURES_MUTABLE | T.RBD_FEATURES_DISABLE_ONLY)) !== disabled) {
    throw cephError('EINVAL', 'cls_rbd: features cannot be disabled');
  }
  const next = (orig & ~mask) | (a.features & mask);
  await writeKey(ctx, 'features', (w) => w.u64(next));
}

/** get_size(snap_id) -> order, size (of the HEAD or of the snapshot). */
async function getSize(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const snapId = decodeInput(input, (r) => r.u64('snap_id'));
  const order = await readKey(ctx, 'order', readU8);
  const size = snapId === T.CEPH_NOSNAP ? await readKey(ctx, 'size', readU64) : (await readSnap(ctx, snapId)).imageSize;
  return out((w) => w.u8(order).u64(size));
}

/** set_size: a shrink also shrinks the HEAD's parent overlap. */
async function setSize(ctx: ClsContext, input: Buffer): Promise<void> {
  const size = decodeInput(input, (r) => r.u64('size'));
  const orig = await readKey(ctx, 'size', readU64);
  await writeKey(ctx, 'size', (w) => w.u64(size));
  if (size >= orig) return;
  const parent = await readKeyOr(ctx, 'parent', T.decodeClsRbdParent, undefined);
  if (parent && T.parentExists(parent) && (parent.headOverlap ?? 0n) > size) {
    parent.headOverlap = size;
    await writeKey(ctx, 'parent', (w) => T.encodeClsRbdParent(w, parent));
  }
}

/** get_snapcontext -> snap_seq, snap ids in descending order. */
async function getSnapcontext(ctx: ClsContext): Promise<Buffer> {
  const ids = (await listSnaps(ctx)).map((s) => s.id).reverse();
  const seq = await readKey(ctx, 'snap_seq', readU64);
  return out((w) => {
    w.u64(seq).u32(ids.length);
    for (const id of ids) w.u64(id);
  });
}

/** A getter that answers a key's stored bytes, ENOENT when missing. */
function rawKey(key: string): ClsMethod {
  return { flags: RD, fn: async (ctx) => ctx.mapGetVal(key) };
}

async function getDataPool(ctx: ClsContext): Promise<Buffer> {
  const id = await readKeyOr(ctx, 'data_pool_id', (r) => r.i64(), -1n);
  return out((w) => w.i64(id));
}

/** get_flags(snap_id) -> flags (0 when never set). */
async function getFlags(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const snapId = decodeInput(input, (r) => r.u64('snap_id'));
  const flags = snapId === T.CEPH_NOSNAP ? await readKeyOr(ctx, 'flags', readU64, 0n) : (await readSnap(ctx, snapId)).flags;
  return out((w) => w.u64(flags));
}

/** set_flags(flags, mask[, snap_id]). */
async function setFlags(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ flags: r.u64('flags'), mask: r.u64('mask'), snapId: r.remaining() > 0 ? r.u64('snap_id') : T.CEPH_NOSNAP }));
  if (a.snapId === T.CEPH_NOSNAP) {
    const orig = await readKeyOr(ctx, 'flags', readU64, 0n);
    await writeKey(ctx, 'flags', (w) => w.u64((orig & ~a.mask) | (a.flags & a.mask)));
    return;
  }
  const snap = await readSnap(ctx, a.snapId);
  snap.flags = (snap.flags & ~a.mask) | (a.flags & a.mask);
  await writeKey(ctx, snapKey(snap.id), (w) => T.encodeClsRbdSnap(w, snap));
}

/** get_*_timestamp: a zero utime_t for headers made before timestamps existed. */
function getTimestamp(key: string): ClsMethod {
  return {
    flags: RD,
    fn: async (ctx) => {
      const t = await readKeyOr<UTime>(ctx, key, (r) => decodeUTime(r), { sec: 0, nsec: 0 });
      return out((w) => encodeUTime(w, t));
    },
  };
}

function setTimestamp(key: string): ClsMethod {
  return { flags: RDWR, fn: async (ctx) => writeKey(ctx, key, (w) => encodeUTime(w, ctx.now)) };
}

/** get_stripe_unit_count (needs striping v2): the defaults are one object per stripe. */
async function getStripeUnitCount(ctx: ClsContext): Promise<Buffer> {
  await checkExists(ctx);
  await requireFeature(ctx, T.RBD_FEATURE.STRIPINGV2);
  let unit = await readKeyOr(ctx, 'stripe_unit', readU64, undefined);
  if (unit === undefined) {
    const order = await readKey(ctx, 'order', readU8).catch(() => {
      throw cephError('EIO', 'cls_rbd: no order');
    });
    unit = 1n << BigInt(order);
  }
  const count = await readKeyOr(ctx, 'stripe_count', readU64, 1n);
  return out((w) => w.u64(unit).u64(count));
}

async function setStripeUnitCount(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ unit: r.u64('stripe_unit'), count: r.u64('stripe_count') }));
  await checkExists(ctx);
  await requireFeature(ctx, T.RBD_FEATURE.STRIPINGV2);
  const order = await readKey(ctx, 'order', readU8);
  const objectSize = 1n << BigInt(order);
  if (a.unit === 0n || a.count === 0n || objectSize % a.unit !== 0n) throw cephError('EINVAL', 'cls_rbd: bad stripe unit or count');
  await writeKey(ctx, 'stripe_unit', (w) => w.u64(a.unit));
  await writeKey(ctx, 'stripe_count', (w) => w.u64(a.count));
}

/** metadata_list(start_after, max_return; 0 means RBD_MAX_KEYS_READ) -> map<string, bufferlist>. */
async function metadataList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const a = decodeInput(input, (r) => ({ startAfter: r.string('start_after'), max: r.u64n('max_return') }));
  const max = a.max === 0 ? 64 : a.max;
  const { vals } = await ctx.mapGetVals(RBD_METADATA_KEY_PREFIX + a.startAfter, RBD_METADATA_KEY_PREFIX, Math.min(max, 1024));
  const entries = [...vals].slice(0, max);
  return out((w) => {
    w.u32(entries.length);
    for (const [k, v] of entries) w.string(k.slice(RBD_METADATA_KEY_PREFIX.length)).blob(v);
  });
}

async function metadataSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const data = decodeInput(input, (r) => r.map('data', (x) => x.string(), (x) => x.blob()));
  const raw = new Map<string, Buffer>();
  for (const [k, v] of data) raw.set(RBD_METADATA_KEY_PREFIX + k, v);
  await ctx.mapSetVals(raw);
}

/** metadata_remove: a missing key is no error (OMAPRMKEYS ignores it); librbd checks with metadata_get first. */
async function metadataRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const key = decodeInput(input, readString);
  await removeKey(ctx, RBD_METADATA_KEY_PREFIX + key);
}

async function metadataGet(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const key = decodeInput(input, readString);
  const v = await ctx.mapGetVal(RBD_METADATA_KEY_PREFIX + key);
  return out((w) => w.blob(v));
}

async function snapshotGetLimit(ctx: ClsContext): Promise<Buffer> {
  const limit = await readKeyOr(ctx, 'snap_limit', readU64, 0xffffffffffffffffn);
  return out((w) => w.u64(limit));
}

/** snapshot_set_limit: UINT64_MAX removes the limit; a limit below the current count is ERANGE. */
async function snapshotSetLimit(ctx: ClsContext, input: Buffer): Promise<void> {
  const limit = decodeInput(input, readU64);
  if (limit === 0xffffffffffffffffn) {
    await removeKey(ctx, 'snap_limit');
    return;
  }
  if (BigInt((await listSnaps(ctx)).length) > limit) throw cephError('ERANGE', 'cls_rbd: more snapshots than the new limit');
  await writeKey(ctx, 'snap_limit', (w) => w.u64(limit));
}

/** get_id (on rbd_id.<name>): the id stored as the object's data; ENOENT when empty. */
async function getId(ctx: ClsContext): Promise<Buffer> {
  const { size } = await ctx.stat();
  if (size === 0) throw cephError('ENOENT', 'cls_rbd: no id');
  const bl = await ctx.read(0, size);
  const id = (() => {
    try {
      return new Reader(bl).string();
    } catch {
      throw cephError('EIO', 'cls_rbd: id does not decode');
    }
  })();
  return out((w) => w.string(id));
}

/** set_id: once, on an existing empty rbd_id object. */
async function setId(ctx: ClsContext, input: Buffer): Promise<void> {
  await checkExists(ctx);
  const id = decodeInput(input, readString);
  if (!isValidId(id)) throw cephError('EINVAL', 'cls_rbd: invalid id');
  const { size } = await ctx.stat();
  if (size !== 0) throw cephError('EEXIST', 'cls_rbd: id already set');
  await ctx.write(0, out((w) => w.string(id)));
}

const u64Out = (v: bigint) => out((w) => w.u64(v));

/** op_features_set(op_features, mask): EINVAL for an unknown operation feature. */
async function opFeaturesSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ opFeatures: r.u64('op_features'), mask: r.u64('mask') }));
  if (a.mask & ~T.RBD_OPERATION_FEATURES_ALL) throw cephError('EINVAL', 'cls_rbd: unknown operation features');
  await setOpFeatures(ctx, a.opFeatures, a.mask);
}

export const headerMethods: Readonly<Record<string, ClsMethod>> = {
  create: { flags: RDWR, fn: create },
  get_features: { flags: RD, fn: getFeatures },
  set_features: { flags: RDWR, fn: setFeatures },
  get_size: { flags: RD, fn: getSize },
  set_size: { flags: RDWR, fn: setSize },
  get_snapcontext: { flags: RD, fn: getSnapcontext },
  get_object_prefix: rawKey('object_prefix'),
  get_data_pool: { flags: RD, fn: getDataPool },
  get_flags: { flags: RD, fn: getFlags },
  set_flags: { flags: RDWR, fn: setFlags },
  op_features_get: { flags: RD, fn: async (ctx) => u64Out(await readKeyOr(ctx, 'op_features', readU64, 0n)) },
  op_features_set: { flags: RDWR, fn: opFeaturesSet },
  get_all_features: { flags: RD, fn: async () => out((w) => w.u64(T.RBD_FEATURES_ALL)) },
  get_create_timestamp: getTimestamp('create_timestamp'),
  get_access_timestamp: getTimestamp('access_timestamp'),
  get_modify_timestamp: getTimestamp('modify_timestamp'),
  set_access_timestamp: setTimestamp('access_timestamp'),
  set_modify_timestamp: setTimestamp('modify_timestamp'),
  get_stripe_unit_count: { flags: RD, fn: getStripeUnitCount },
  set_stripe_unit_count: { flags: RDWR, fn: setStripeUnitCount },
  metadata_list: { flags: RD, fn: metadataList },
  metadata_set: { flags: RDWR, fn: metadataSet },
  metadata_remove: { flags: RDWR, fn: metadataRemove },
  metadata_get: { flags: RD, fn: metadataGet },
  snapshot_get_limit: { flags: RD, fn: snapshotGetLimit },
  snapshot_set_limit: { flags: RDWR, fn: snapshotSetLimit },
  get_id: { flags: RD, fn: getId },
  set_id: { flags: RDWR, fn: setId },
};
