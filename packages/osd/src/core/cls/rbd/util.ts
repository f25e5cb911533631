import { CephError, cephError, isCephError } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { decodeClsInput } from '../registry';
import { ClsRbdSnap, RBD_FEATURE, decodeClsRbdSnap, encodeClsRbdSnap } from './types';

/** Helpers every cls_rbd method shares (the static functions at the top of cls_rbd.cc). */

/** RBD_MAX_KEYS_READ: omap keys read per round while iterating. */
export const rbdKeysPerReadMax = 64;
export const RBD_SNAP_KEY_PREFIX = 'snapshot_';
export const RBD_SNAP_CHILDREN_KEY_PREFIX = 'snap_children_';

/** Decode a method's input; anything malformed is EINVAL, as every cls_rbd method answers buffer::error. */
export function decodeInput<T>(input: Buffer, decode: (r: Reader) => T): T {
  return decodeClsInput('cls_rbd', input, decode);
}

/** An output built with a Writer. */
export function out(body: (w: Writer) => void): Buffer {
  const w = new Writer();
  body(w);
  return w.finish();
}

/** A stored value that does not decode is EIO, as cls_rbd answers for its own records. */
export function decodeStored<T>(key: string, bl: Buffer, decode: (r: Reader) => T, ctx?: ClsContext): T {
  try {
    return decode(new Reader(bl));
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    ctx?.log(0, `error decoding ${key}`);
    throw cephError('EIO', `cls_rbd: ${key} does not decode`);
  }
}

/** read_key: ENOENT when missing (propagated), EIO when the stored value does not decode. */
export async function readKey<T>(ctx: ClsContext, key: string, decode: (r: Reader) => T): Promise<T> {
  return decodeStored(key, await ctx.mapGetVal(key), decode, ctx);
}

/** A catch handler where a missing key or object (ENOENT) means `fallback`; other errors go on. */
export function ifAbsent<T>(fallback: T): (e: unknown) => T {
  return (e) => {
    if (isCephError(e, 'ENOENT')) return fallback;
    throw e;
  };
}

/** read_key where a missing key means `fallback`. */
export function readKeyOr<T>(ctx: ClsContext, key: string, decode: (r: Reader) => T, fallback: T): Promise<T> {
  return readKey(ctx, key, decode).catch(ifAbsent(fallback));
}

export async function writeKey(ctx: ClsContext, key: string, body: (w: Writer) => void): Promise<void> {
  await ctx.mapSetVal(key, out(body));
}

/** cls_cxx_map_remove_key, where a missing key is not an error. */
export async function removeKey(ctx: ClsContext, key: string): Promise<void> {
  await ctx.mapRemoveKey(key).catch((e: unknown) => {
    if (!isCephError(e, 'ENOENT')) throw e;
  });
}

/** key_from_snap_id: "snapshot_" + 16 lower-case hex digits. */
export function snapKey(snapId: bigint): string {
  return RBD_SNAP_KEY_PREFIX + snapId.toString(16).padStart(16, '0');
}

export function snapChildrenKey(snapId: bigint): string {
  return RBD_SNAP_CHILDREN_KEY_PREFIX + snapId.toString(16).padStart(16, '0');
}

export const readU32 = (r: Reader) => r.u32();
export const readU64 = (r: Reader) => r.u64();
export const readU8 = (r: Reader) => r.u8();
export const readString = (r: Reader) => r.string();

/** check_exists: ENOENT when the header object does not exist. */
export async function checkExists(ctx: ClsContext): Promise<void> {
  await ctx.stat();
}

/** image::require_feature: ENOEXEC when the features key is missing or lacks `need`. */
export async function requireFeature(ctx: ClsContext, need: bigint): Promise<void> {
  const features = await readKeyOr(ctx, 'features', readU64, undefined);
  if (features === undefined || (features & need) !== need) {
    throw cephError('ENOEXEC', `cls_rbd: image lacks feature ${need}`);
  }
}

export async function readSnap(ctx: ClsContext, snapId: bigint): Promise<ClsRbdSnap> {
  return readKey(ctx, snapKey(snapId), decodeClsRbdSnap);
}

/** image::snapshot::write (our records are already in the normalized Nautilus form). */
export async function writeSnap(ctx: ClsContext, snap: ClsRbdSnap): Promise<void> {
  await writeKey(ctx, snapKey(snap.id), (w) => encodeClsRbdSnap(w, snap));
}

/** image::snapshot::iterate: every snapshot record in snap id order; a record that does not decode is EIO. */
export async function listSnaps(ctx: ClsContext): Promise<ClsRbdSnap[]> {
  const snaps: ClsRbdSnap[] = [];
  let after = RBD_SNAP_KEY_PREFIX;
  for (;;) {
    const { vals, more } = await ctx.mapGetVals(after, RBD_SNAP_KEY_PREFIX, rbdKeysPerReadMax);
    for (const [key, bl] of vals) {
      try {
        snaps.push(decodeClsRbdSnap(new Reader(bl)));
      } catch (e) {
        if (!(e instanceof CephError)) throw e;
        throw cephError('EIO', `cls_rbd: ${key} does not decode`);
      }
      after = key;
    }
    if (!more || vals.size === 0) return snaps;
  }
}

/** image::set_op_features: op_features under `mask` become `opFeatures`; RBD_FEATURE_OPERATIONS follows. */
export async function setOpFeatures(ctx: ClsContext, opFeatures: bigint, mask: bigint): Promise<void> {
  const features = await readKey(ctx, 'features', readU64);
  const orig = await readKeyOr(ctx, 'op_features', readU64, 0n);
  const next = (orig & ~mask) | (opFeatures & mask);
  if (next === orig) return;
  if (next === 0n) await removeKey(ctx, 'op_features');
  else await writeKey(ctx, 'op_features', (w) => w.u64(next));
  const nextFeatures = next === 0n ? features & ~RBD_FEATURE.OPERATIONS : features | RBD_FEATURE.OPERATIONS;
  await writeKey(ctx, 'features', (w) => w.u64(nextFeatures));
}

/** is_valid_id: a non-empty run of letters and digits. */
export function isValidId(id: string): boolean {
  return /^[A-Za-z0-9]+$/.test(id);
}
