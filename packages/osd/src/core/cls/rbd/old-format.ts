import { cephError } from '@ts-ceph/common/core';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { decodeInput, out, readKeyOr, readU64 } from './util';

/**
 * cls_rbd's methods for format-1 images ("Old format" in src/cls/rbd/cls_rbd.cc): the image header
 * is the whole `<name>.rbd` object, struct rbd_obj_header_ondisk (src/include/rbd_types.h, packed,
 * little-endian), followed by snap_count rbd_obj_snap_ondisk {le64 id, le64 image_size}, newest
 * first, and then the snapshot names as NUL-terminated strings in the same order:
 *
 *   0 text[40]  40 block_name[24]  64 signature[4]  68 version[8]  76 order, crypt, comp, unused (u8 each)
 *  80 le64 image_size  88 le64 snap_seq  96 le32 snap_count  100 le32 reserved  104 le64 snap_names_len
 *
 * librbd writes the header itself at creation (internal.cc create_v1) and reads it on every open;
 * these methods list, add, remove and rename snapshots in it. docs/formats/cls-rbd.md ("Format-1 images").
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;

/** sizeof(struct rbd_obj_header_ondisk). */
export const RBD_V1_HEADER_BYTES = 112;
/** sizeof(struct rbd_obj_snap_ondisk). */
const SNAP_BYTES = 16;
const OFF_IMAGE_SIZE = 80;
const OFF_SNAP_SEQ = 88;
const OFF_SNAP_COUNT = 96;
const OFF_NAMES_LEN = 104;

interface V1Snap {
  id: bigint;
  imageSize: bigint;
  /** The name's bytes, without its NUL. */
  name: Buffer;
}

interface V1Header {
  /** The 112 fixed bytes, as read (copied: edits go into a new buffer). */
  fixed: Buffer;
  snapSeq: bigint;
  imageSize: bigint;
  snaps: V1Snap[];
}

/**
 * snap_read_header: the fixed header, then the snapshot area it announces. EINVAL when the object is
 * shorter than the fixed header; EIO when the snapshot area is cut short or a name lacks its NUL
 * (Ceph reads past its buffer there).
 */
async function readHeader(ctx: ClsContext): Promise<V1Header> {
  const head = await ctx.read(0, RBD_V1_HEADER_BYTES);
  if (head.length < RBD_V1_HEADER_BYTES) throw cephError('EINVAL', 'cls_rbd: short format-1 header');
  const count = head.readUInt32LE(OFF_SNAP_COUNT);
  const namesLen = head.readBigUInt64LE(OFF_NAMES_LEN);
  if (namesLen > BigInt(Number.MAX_SAFE_INTEGER)) throw cephError('EIO', 'cls_rbd: snapshot names length');
  // The read is cut at the object's size, so a count or length larger than the object costs nothing.
  const areaLen = count * SNAP_BYTES + Number(namesLen);
  const all = areaLen > 0 ? await ctx.read(0, RBD_V1_HEADER_BYTES + areaLen) : head;
  if (all.length < RBD_V1_HEADER_BYTES + areaLen) throw cephError('EIO', 'cls_rbd: short format-1 snapshot area');
  const namesAt = RBD_V1_HEADER_BYTES + count * SNAP_BYTES;
  const end = namesAt + Number(namesLen);
  const snaps: V1Snap[] = [];
  let pos = namesAt;
  for (let i = 0; i < count; i++) {
    const at = RBD_V1_HEADER_BYTES + i * SNAP_BYTES;
    const nul = all.indexOf(0, pos);
    if (nul < 0 || nul >= end) throw cephError('EIO', 'cls_rbd: snapshot name past the names area');
    snaps.push({ id: all.readBigUInt64LE(at), imageSize: all.readBigUInt64LE(at + 8), name: Buffer.from(all.subarray(pos, nul)) });
    pos = nul + 1;
  }
  return { fixed: Buffer.from(all.subarray(0, RBD_V1_HEADER_BYTES)), snapSeq: head.readBigUInt64LE(OFF_SNAP_SEQ), imageSize: head.readBigUInt64LE(OFF_IMAGE_SIZE), snaps };
}

/** The object's new bytes: the fixed header with count, names length and seq updated, then snaps, then names. */
function encodeHeader(h: V1Header): Buffer {
  const fixed = Buffer.from(h.fixed);
  const names = Buffer.concat(h.snaps.flatMap((s) => [s.name, Buffer.alloc(1)]));
  fixed.writeBigUInt64LE(h.snapSeq, OFF_SNAP_SEQ);
  fixed.writeUInt32LE(h.snaps.length, OFF_SNAP_COUNT);
  fixed.writeBigUInt64LE(BigInt(names.length), OFF_NAMES_LEN);
  const snaps = Buffer.alloc(h.snaps.length * SNAP_BYTES);
  h.snaps.forEach((s, i) => {
    snaps.writeBigUInt64LE(s.id, i * SNAP_BYTES);
    snaps.writeBigUInt64LE(s.imageSize, i * SNAP_BYTES + 8);
  });
  return Buffer.concat([fixed, snaps, names]);
}

/** A C string's bytes: a std::string argument is used through c_str(), so it ends at its first NUL. */
function cString(b: Buffer): Buffer {
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

/** snap_list -> u64 snap_seq, u32 snap_count, then per snapshot u64 id, u64 image_size, string name. */
async function snapList(ctx: ClsContext): Promise<Buffer> {
  const h = await readHeader(ctx);
  return out((w) => {
    w.u64(h.snapSeq).u32(h.snaps.length);
    for (const s of h.snaps) w.u64(s.id).u64(s.imageSize).blob(s.name);
  });
}

/**
 * snap_add(string name, u64 snap_id): ESTALE when snap_id is below snap_seq, EDQUOT at the
 * snapshot limit (the `snap_limit` omap key, as for format 2), EEXIST for a taken name. The new
 * snapshot goes first, with the image's current size, and becomes snap_seq.
 */
async function snapAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ name: r.blob('snap_name'), id: r.u64('snap_id') }));
  const h = await readHeader(ctx);
  if (h.snapSeq > a.id) throw cephError('ESTALE', 'cls_rbd: snap id below snap_seq');
  const limit = await readKeyOr(ctx, 'snap_limit', readU64, (1n << 64n) - 1n);
  if (BigInt(h.snaps.length) >= limit) throw cephError('EDQUOT', 'cls_rbd: snapshot limit reached');
  const name = cString(a.name);
  if (h.snaps.some((s) => s.name.equals(name))) throw cephError('EEXIST', 'cls_rbd: snapshot name taken');
  h.snaps.unshift({ id: a.id, imageSize: h.imageSize, name });
  h.snapSeq = a.id;
  await ctx.writeFull(encodeHeader(h));
}

/** snap_remove(string name): ENOENT when no snapshot has the name; snap_seq stays. */
async function snapRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const name = cString(decodeInput(input, (r) => r.blob('snap_name')));
  const h = await readHeader(ctx);
  const i = h.snaps.findIndex((s) => s.name.equals(name));
  if (i < 0) throw cephError('ENOENT', 'cls_rbd: no such snapshot');
  h.snaps.splice(i, 1);
  await ctx.writeFull(encodeHeader(h));
}

/** snap_rename(u64 src_snap_id, string dst_name): EEXIST when the new name is taken, ENOENT for an unknown id. */
async function snapRename(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ id: r.u64('src_snap_id'), dst: r.blob('dst_snap_name') }));
  const h = await readHeader(ctx);
  const dst = cString(a.dst);
  if (h.snaps.some((s) => s.name.equals(dst))) throw cephError('EEXIST', 'cls_rbd: snapshot name taken');
  const snap = h.snaps.find((s) => s.id === a.id);
  if (!snap) throw cephError('ENOENT', 'cls_rbd: no such snapshot id');
  snap.name = dst;
  await ctx.writeFull(encodeHeader(h));
}

export const oldFormatMethods: Readonly<Record<string, ClsMethod>> = {
  snap_list: { flags: RD, fn: snapList },
  snap_add: { flags: RDWR, fn: snapAdd },
  snap_remove: { flags: RDWR, fn: snapRemove },
  snap_rename: { flags: RDWR, fn: snapRename },
};
