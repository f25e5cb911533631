import { CephError, cephError, isCephError } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { BitVector2, OBJECT_EXISTS, OBJECT_EXISTS_CLEAN, objectMapObjectCountMax } from './bit-vector';
import { decodeInput } from './util';

/**
 * cls_rbd's object-map methods on `rbd_object_map.<id>[.<snapid>]` (src/cls/rbd/cls_rbd.cc): the
 * object's data is a BitVector<2> with CRCs, one 2-bit state per data object of the image.
 * object_map_update rewrites the whole object where Ceph rewrites only the touched data block and its
 * CRC; the bytes on disk are the same either way.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;

/** object_map_read: ENOENT for a missing or empty object, EINVAL when it does not decode. */
async function readMap(ctx: ClsContext): Promise<BitVector2> {
  const { size } = await ctx.stat();
  if (size === 0) throw cephError('ENOENT', 'cls_rbd: empty object map');
  const bl = await ctx.read(0, size);
  try {
    return BitVector2.decode(new Reader(bl));
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    throw cephError('EINVAL', `cls_rbd: object map does not decode: ${e.message}`);
  }
}

/** The stored map always carries CRCs (object_map_save turns them on whatever the client sent). */
async function writeMap(ctx: ClsContext, map: BitVector2): Promise<void> {
  const w = new Writer();
  map.encode(w, true);
  await ctx.writeFull(w.finish());
}

function decodeMapInput(input: Buffer): BitVector2 {
  return decodeInput(input, (r) => BitVector2.decode(r));
}

/** object_map_load: the map without CRCs. */
async function load(ctx: ClsContext): Promise<Buffer> {
  const map = await readMap(ctx);
  const w = new Writer();
  map.encode(w, false);
  return w.finish();
}

async function save(ctx: ClsContext, input: Buffer): Promise<void> {
  await writeMap(ctx, decodeMapInput(input));
}

/** object_map_resize(count, default_state): a shrink refuses (ESTALE) to drop objects not in the default state. */
async function resize(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ count: r.u64('object_count'), state: r.u8('default_state') }));
  if (a.count > BigInt(objectMapObjectCountMax)) throw cephError('EINVAL', 'cls_rbd: object map too large');
  const count = Number(a.count);
  const map = await readMap(ctx).catch((e: unknown) => {
    if (isCephError(e, 'ENOENT')) return BitVector2.empty();
    throw e;
  });
  const orig = map.size;
  if (count < orig) {
    for (let i = count; i < orig; i++) {
      if (map.get(i) !== a.state) throw cephError('ESTALE', 'cls_rbd: shrinking over objects that exist');
    }
    map.resize(count);
  } else if (count > orig) {
    map.resize(count);
    for (let i = orig; i < count; i++) map.set(i, a.state);
  }
  await writeMap(ctx, map);
}

/**
 * object_map_update(start, end, new_state, optional current_state): objects in [start, end) in
 * current_state (EXISTS also matches EXISTS_CLEAN) take new_state. ERANGE past the map's end.
 */
async function update(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({
    start: r.u64('start_object_no'),
    end: r.u64('end_object_no'),
    state: r.u8('new_object_state'),
    current: r.optional('current_object_state', (x) => x.u8()),
  }));
  const map = await readMap(ctx);
  if (a.start >= a.end || a.end > BigInt(map.size)) throw cephError('ERANGE', 'cls_rbd: object range out of the map');
  let updated = false;
  for (let i = Number(a.start); i < Number(a.end); i++) {
    const s = map.get(i);
    const matches = a.current === undefined || s === a.current || (a.current === OBJECT_EXISTS && s === OBJECT_EXISTS_CLEAN);
    if (matches && s !== a.state) {
      map.set(i, a.state);
      updated = true;
    }
  }
  if (updated) await writeMap(ctx, map);
}

/** object_map_snap_add: after a snapshot, every EXISTS object of the HEAD map is EXISTS_CLEAN. */
async function snapAdd(ctx: ClsContext): Promise<void> {
  const map = await readMap(ctx);
  let updated = false;
  for (let i = 0; i < map.size; i++) {
    if (map.get(i) === OBJECT_EXISTS) {
      map.set(i, OBJECT_EXISTS_CLEAN);
      updated = true;
    }
  }
  if (updated) await writeMap(ctx, map);
}

/** object_map_snap_remove(the removed snapshot's map): objects that changed in it become EXISTS again. */
async function snapRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const src = decodeMapInput(input);
  const dst = await readMap(ctx);
  let updated = false;
  for (let i = 0; i < dst.size; i++) {
    if (dst.get(i) === OBJECT_EXISTS_CLEAN && (i >= src.size || src.get(i) === OBJECT_EXISTS)) {
      dst.set(i, OBJECT_EXISTS);
      updated = true;
    }
  }
  if (updated) await writeMap(ctx, dst);
}

export const objectMapMethods: Readonly<Record<string, ClsMethod>> = {
  object_map_load: { flags: RD, fn: load },
  object_map_save: { flags: RDWR, fn: save },
  object_map_resize: { flags: RDWR, fn: resize },
  object_map_update: { flags: RDWR, fn: update },
  object_map_snap_add: { flags: RDWR, fn: snapAdd },
  object_map_snap_remove: { flags: RDWR, fn: snapRemove },
};
