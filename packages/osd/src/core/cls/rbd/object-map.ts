import { CephError, cephError, isCephError } from '@ts-ceph/common/core';
import { Reader, Writer, crc32c } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { BitVector2, OBJECT_EXISTS, OBJECT_EXISTS_CLEAN, objectMapObjectCountMax } from './bit-vector';
import { decodeInput } from './util';

/**
 * cls_rbd's object-map methods on `rbd_object_map.<id>[.<snapid>]` (src/cls/rbd/cls_rbd.cc): the
 * object's data is a BitVector<2> with CRCs, one 2-bit state per data object of the image.
 * object_map_update rewrites only the data blocks it touches and their CRCs, as Ceph does.
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

/** BitVector<2>'s header: u32 length + ENCODE_START(1, 1) { u64 size }. */
const BIT_VECTOR_HEADER_BYTES = 18;
const BLOCK_BYTES = 4096;

/** The map's size in objects, from its header alone (BitVector::decode_header). */
async function readMapSize(ctx: ClsContext): Promise<number> {
  await ctx.stat();
  const header = await ctx.read(0, BIT_VECTOR_HEADER_BYTES);
  try {
    const r = new Reader(header);
    r.u32('header_len');
    return Number(r.envelope('BitVector header', 1, (hr) => hr.u64('size')));
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    throw cephError('EINVAL', `cls_rbd: object map header does not decode: ${e.message}`);
  }
}

/**
 * object_map_update(start, end, new_state, optional current_state): objects in [start, end) in
 * current_state (EXISTS also matches EXISTS_CLEAN) take new_state. ERANGE past the map's end. As
 * Ceph does, only the 4 KiB data blocks holding the range are read (each checked against its CRC:
 * EINVAL on a mismatch) and rewritten with their CRCs, so a write to a large image's object does not
 * cost a rewrite of its whole map.
 */
async function update(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({
    start: r.u64('start_object_no'),
    end: r.u64('end_object_no'),
    state: r.u8('new_object_state'),
    current: r.optional('current_object_state', (x) => x.u8()),
  }));
  const size = await readMapSize(ctx);
  if (a.start >= a.end || a.end > BigInt(size)) throw cephError('ERANGE', 'cls_rbd: object range out of the map');
  const start = Number(a.start);
  const end = Number(a.end);
  const dataBytes = Math.ceil(size / 4);
  const firstBlock = Math.floor((start >> 2) / BLOCK_BYTES);
  const lastBlock = Math.floor(((end - 1) >> 2) / BLOCK_BYTES);
  const dataOffset = firstBlock * BLOCK_BYTES;
  const data = Buffer.from(await ctx.read(BIT_VECTOR_HEADER_BYTES + dataOffset, Math.min(dataBytes, (lastBlock + 1) * BLOCK_BYTES) - dataOffset));
  // The footer: u32 length, u32 header crc, u32 count, then one u32 crc per block.
  const crcOffset = BIT_VECTOR_HEADER_BYTES + dataBytes + 12 + 4 * firstBlock;
  const crcs = await ctx.read(crcOffset, 4 * (lastBlock - firstBlock + 1));
  const blockOf = (b: number) => data.subarray((b - firstBlock) * BLOCK_BYTES, (b - firstBlock + 1) * BLOCK_BYTES);
  for (let b = firstBlock; b <= lastBlock; b++) {
    if (crcs.length < 4 * (b - firstBlock + 1) || crcs.readUInt32LE(4 * (b - firstBlock)) !== crc32c(0, blockOf(b))) {
      throw cephError('EINVAL', `cls_rbd: object map data block ${b} fails its crc`);
    }
  }
  // A window on the map: object i lives in data byte (i >> 2) - dataOffset.
  const window = new BitVector2(data.length * 4, data);
  const base = dataOffset * 4;
  let updated = false;
  for (let i = start; i < end; i++) {
    const s = window.get(i - base);
    const matches = a.current === undefined || s === a.current || (a.current === OBJECT_EXISTS && s === OBJECT_EXISTS_CLEAN);
    if (matches && s !== a.state) {
      window.set(i - base, a.state);
      updated = true;
    }
  }
  if (!updated) return;
  await ctx.write(BIT_VECTOR_HEADER_BYTES + dataOffset, window.data);
  const w = new Writer();
  for (let b = firstBlock; b <= lastBlock; b++) w.u32(crc32c(0, blockOf(b)));
  await ctx.write(crcOffset, w.finish());
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
