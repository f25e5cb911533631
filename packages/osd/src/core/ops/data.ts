import { Errno } from '@ts-ceph/common/core';
import { crc32c, Writer } from '@ts-ceph/denc';
import { CephOsdChecksumType, CephOsdOp, CephOsdOpFlag, OSDOp, encodeSparseReadReplyParts, encodeStatReply, setOpDataParts, opAllocHint, opChecksum, opExtent } from '@ts-ceph/messages';
import { OpContext, OpHandler } from '../op-context';
import { xxhash32, xxhash64 } from '../xxhash';
import { OI_FLAG } from '../object-info';

/** Named limits of the data ops (docs/LIMITS.md). */
export const osdDataOpLimits = {
  /** Bytes one read op returns at most. */
  readBytesMax: 64 * 1024 * 1024,
  /** osd_max_object_size: the largest object offset + length a write may reach (Ceph's default, 128 MiB). */
  objectBytesMax: 128 * 1024 * 1024,
  /** Extents one sparse-read reports at most. */
  sparseExtentsMax: 65536,
  /**
   * osd_max_write_size (90 MiB, Ceph's default): the data one write MOSDOp carries (every op's
   * indata); do_op answers a larger one OSD_WRITETOOBIG (EMSGSIZE) before running it.
   */
  writeBytesMax: 90 * 1024 * 1024,
};

const err = (e: number): number => -e;
/** MAX_ERRNO (include/err.h): cmpext reports a mismatch at byte i as -MAX_ERRNO - i. */
const MAX_ERRNO = 4095;

/** PrimaryLogPG's check_offset_and_length against osd_max_object_size: -EFBIG. */
export function checkOffsetAndLength(offset: number, length: number): number {
  const max = osdDataOpLimits.objectBytesMax;
  if (offset >= max || length > max || offset + length > max) return err(Errno.EFBIG);
  return 0;
}

/** The reply op's extent length (Ceph rewrites op.extent.length to the bytes read). */
function setExtentLength(out: OSDOp, len: number): void {
  const a = Buffer.from(out.args);
  a.writeBigUInt64LE(BigInt(len), 8);
  out.args = a;
}

/** Read [off, off+len) of the object as it was before the op; nothing when it did not exist. */
async function readBefore(ctx: OpContext, off: number, len: number): Promise<Buffer> {
  if (len === 0 || !ctx.before.exists) return Buffer.alloc(0);
  // Every caller only sends or checks the bytes, so the store may share its read cache's buffer
  // (ObjectStore.readShared): no copy into or out of the cache, none into the reply.
  return ctx.store.readShared(ctx.coll, ctx.oid, off, len);
}

/** do_read's size rules: truncate_seq/size from the op, length 0 = to the end, trimmed at the size. */
function readRange(ctx: OpContext, op: OSDOp): { off: number; len: number } {
  const ex = opExtent(op);
  let size = ctx.oi.size;
  const off = Number(ex.offset);
  if (ctx.oi.truncateSeq < ex.truncateSeq && ex.offset + ex.length > ex.truncateSize && BigInt(size) > ex.truncateSize) size = Number(ex.truncateSize);
  let len = ex.length === 0n ? size : Number(ex.length);
  if (off >= size) len = 0;
  else if (off + len > size) len = size - off;
  return { off, len };
}

const read: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const { off, len } = readRange(ctx, op);
  if (len > osdDataOpLimits.readBytesMax) return err(Errno.EINVAL);
  out.data = await readBefore(ctx, off, len);
  setExtentLength(out, out.data.length);
  return 0;
};

const sparseRead: OpHandler = async (ctx, op, out) => {
  const ex = opExtent(op);
  if (ex.truncateSeq) return err(Errno.EINVAL);
  ctx.numRead++;
  const off = Number(ex.offset);
  const len = Math.min(Number(ex.length), osdDataOpLimits.readBytesMax);
  const extents: [bigint, bigint][] = [];
  const parts: Buffer[] = [];
  if (ctx.before.exists && len > 0) {
    const m = await ctx.store.fiemap(ctx.coll, ctx.oid, off, len);
    if (m.size > osdDataOpLimits.sparseExtentsMax) return err(Errno.E2BIG);
    for (const [o, l] of [...m.entries()].sort((a, b) => a[0] - b[0])) {
      const b = await readBefore(ctx, o, l);
      if (b.length === 0) continue;
      extents.push([BigInt(o), BigInt(b.length)]);
      parts.push(b);
    }
  }
  setOpDataParts(out, encodeSparseReadReplyParts(extents, parts));
  setExtentLength(out, parts.reduce((n, p) => n + p.length, 0));
  return 0;
};

/**
 * mapext (`rados mapext`): the object's allocated extents in [offset, offset+length) as the store's
 * fiemap reports them, encoded as map<u64 offset, u64 length>. rados asks with length (u64)-1, so
 * the range is first cut at the object's size, as BlueStore's fiemap cuts it.
 */
const mapext: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const ex = opExtent(op);
  const off = Number(ex.offset);
  const len = Math.max(0, Math.min(Number(ex.length), ctx.oi.size - off));
  const m = ctx.before.exists && len > 0 ? await ctx.store.fiemap(ctx.coll, ctx.oid, off, len) : new Map<number, number>();
  if (m.size > osdDataOpLimits.sparseExtentsMax) return err(Errno.E2BIG);
  const w = new Writer().u32(m.size);
  for (const [o, l] of [...m.entries()].sort((a, b) => a[0] - b[0])) w.u64(o).u64(l);
  out.data = w.finish();
  return 0;
};

const stat: OpHandler = (ctx, _op, out) => {
  if (!ctx.obs.exists || ctx.oi.flags & OI_FLAG.WHITEOUT) return err(Errno.ENOENT);
  out.data = encodeStatReply(BigInt(ctx.oi.size), ctx.oi.mtime);
  return 0;
};

/** do_extent_cmp: compare the op's data with the object's bytes (zeros past the end). */
const cmpext: OpHandler = async (ctx, op) => {
  ctx.numRead++;
  const { off, len } = readRange(ctx, op);
  const have = ctx.obs.exists ? await readBefore(ctx, off, len) : Buffer.alloc(0);
  for (let i = 0; i < op.data.length; i++) if (op.data[i] !== (i < have.length ? have[i] : 0)) return -MAX_ERRNO - i;
  return 0;
};

/** The init value's bytes and one chunk's checksum, per Checksummer type (common/Checksummer.h). */
const checksummers: Record<number, { initBytes: number; valueBytes: number; sum(w: Writer, init: Buffer, chunk: Buffer): void }> = {
  [CephOsdChecksumType.XXHASH32]: { initBytes: 4, valueBytes: 4, sum: (w, init, c) => w.u32(xxhash32(c, init.readUInt32LE(0))) },
  [CephOsdChecksumType.XXHASH64]: { initBytes: 8, valueBytes: 8, sum: (w, init, c) => w.u64(xxhash64(c, init.readBigUInt64LE(0))) },
  [CephOsdChecksumType.CRC32C]: { initBytes: 4, valueBytes: 4, sum: (w, init, c) => w.u32(crc32c(init.readUInt32LE(0), c)) },
};

/** do_checksum + finish_checksum: u32 count then one value per chunk (xxhash32, xxhash64, crc32c). */
const checksum: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const c = opChecksum(op);
  const off = Number(c.offset);
  let len = Number(c.length);
  if (c.chunkSize > 0 && (len === 0 || len % c.chunkSize !== 0)) return err(Errno.EINVAL);
  const summer = checksummers[c.type];
  if (!summer || op.data.length < summer.initBytes) return err(Errno.EINVAL);
  const init = op.data.subarray(0, summer.initBytes);
  const size = ctx.oi.size;
  if (off === 0 && len === 0) len = size;
  else if (off >= size) len = 0;
  else if (off + len > size) {
    len = size - off;
    if (c.chunkSize > 0 && len % c.chunkSize !== 0) return err(Errno.EINVAL);
  }
  if (len > osdDataOpLimits.readBytesMax) return err(Errno.EINVAL);
  const bytes = await readBefore(ctx, off, len);
  const chunk = c.chunkSize || bytes.length;
  const count = chunk > 0 ? Math.floor(bytes.length / chunk) : 0;
  const w = new Writer();
  w.u32(count);
  for (let i = 0; i < count; i++) summer.sum(w, init, bytes.subarray(i * chunk, (i + 1) * chunk));
  out.data = w.finish();
  return 0;
};

/** Size bookkeeping shared by the writers (write_update_size_and_usage). */
function grow(ctx: OpContext, end: number): void {
  if (end > ctx.oi.size) {
    ctx.bytesAdded += end - ctx.oi.size;
    ctx.oi.size = end;
  }
  ctx.oi.flags &= ~OI_FLAG.DATA_DIGEST;
}

function doWrite(ctx: OpContext, offset: number, data: Buffer, ex: { truncateSeq: number; truncateSize: bigint }): number {
  ctx.numWrite++;
  const oi = ctx.oi;
  let bytes = data;
  // A write older than a trimtrunc is cut at the current size; one newer truncates first.
  if (oi.truncateSeq && oi.truncateSeq > ex.truncateSeq && offset + bytes.length > oi.size) bytes = bytes.subarray(0, Math.max(0, oi.size - offset));
  if (ex.truncateSeq > oi.truncateSeq) {
    if (ctx.obs.exists) {
      ctx.t.truncate(ctx.coll, ctx.oid, Number(ex.truncateSize));
      if (oi.size > Number(ex.truncateSize)) ctx.markModified(Number(ex.truncateSize), oi.size - Number(ex.truncateSize));
      oi.size = Math.min(oi.size, Number(ex.truncateSize));
    }
    oi.truncateSeq = ex.truncateSeq;
    oi.truncateSize = ex.truncateSize;
  }
  const r = checkOffsetAndLength(offset, bytes.length);
  if (r < 0) return r;
  ctx.maybeCreate();
  if (bytes.length === 0) {
    if (offset > ctx.oi.size) {
      ctx.t.truncate(ctx.coll, ctx.oid, offset);
      grow(ctx, offset);
    } else {
      // Ceph's t->nop(soid): an empty write within the object is still a write (a log entry, a new
      // user version), not a no-op.
      ctx.t.nop();
    }
    return 0;
  }
  ctx.t.write(ctx.coll, ctx.oid, offset, bytes);
  ctx.markModified(offset, bytes.length);
  grow(ctx, offset + bytes.length);
  return 0;
}

const write: OpHandler = (ctx, op) => {
  const ex = opExtent(op);
  if (Number(ex.length) !== op.data.length) return err(Errno.EINVAL);
  return doWrite(ctx, Number(ex.offset), op.data, ex);
};

const writefull: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  const ex = opExtent(op);
  if (Number(ex.length) !== op.data.length) return err(Errno.EINVAL);
  const r = checkOffsetAndLength(0, op.data.length);
  if (r < 0) return r;
  ctx.maybeCreate();
  // write_update_size_and_usage with write_full: the whole old object is modified.
  ctx.markModified(0, ctx.oi.size);
  if (op.data.length < ctx.oi.size) {
    ctx.t.truncate(ctx.coll, ctx.oid, op.data.length);
    ctx.oi.size = op.data.length;
  }
  if (op.data.length) ctx.t.write(ctx.coll, ctx.oid, 0, op.data);
  grow(ctx, op.data.length);
  return 0;
};

const append: OpHandler = (ctx, op) => {
  const ex = opExtent(op);
  if (Number(ex.length) !== op.data.length) return err(Errno.EINVAL);
  return doWrite(ctx, ctx.oi.size, op.data, { truncateSeq: ctx.oi.truncateSeq, truncateSize: ctx.oi.truncateSize });
};

/** writesame: le64 offset, le64 length, le64 data_length; the data repeated to length. */
const writesame: OpHandler = (ctx, op) => {
  const offset = op.args.readBigUInt64LE(0);
  const length = op.args.readBigUInt64LE(8);
  const dataLength = op.args.readBigUInt64LE(16);
  if (length === 0n) return 0;
  if (dataLength === 0n || length % dataLength !== 0n) return err(Errno.EINVAL);
  if (Number(dataLength) !== op.data.length) return err(Errno.EINVAL);
  if (checkOffsetAndLength(Number(offset), Number(length)) < 0) return err(Errno.EFBIG);
  // One allocation filled with the pattern: a list of `length / dataLength` references to concatenate
  // would take a minute and gigabytes for a 1-byte pattern repeated to 64 MiB, stalling the OSD.
  return doWrite(ctx, Number(offset), Buffer.alloc(Number(length), op.data), { truncateSeq: ctx.oi.truncateSeq, truncateSize: ctx.oi.truncateSize });
};

function truncateTo(ctx: OpContext, offset: number, ex: { truncateSeq: number; truncateSize: bigint }): number {
  ctx.numWrite++;
  if (!ctx.obs.exists || ctx.oi.flags & OI_FLAG.WHITEOUT) return 0;
  const r = checkOffsetAndLength(offset, 0);
  if (r < 0) return r;
  if (ex.truncateSeq) {
    if (ex.truncateSeq <= ctx.oi.truncateSeq) return 0;
    ctx.oi.truncateSeq = ex.truncateSeq;
    ctx.oi.truncateSize = ex.truncateSize;
  }
  ctx.t.truncate(ctx.coll, ctx.oid, offset);
  if (ctx.oi.size > offset) ctx.markModified(offset, ctx.oi.size - offset);
  if (offset > ctx.oi.size) ctx.bytesAdded += offset - ctx.oi.size;
  ctx.oi.size = offset;
  ctx.oi.flags &= ~OI_FLAG.DATA_DIGEST;
  return 0;
}

const truncate: OpHandler = (ctx, op) => {
  const ex = opExtent(op);
  return truncateTo(ctx, Number(ex.offset), ex);
};

const trimtrunc: OpHandler = (ctx, op) => {
  const ex = opExtent(op);
  return truncateTo(ctx, Number(ex.truncateSize), ex);
};

/** zero; one reaching the end of the object is a truncate (Ceph munges it so), past the end a no-op. */
const zero: OpHandler = (ctx, op) => {
  const ex = opExtent(op);
  const off = Number(ex.offset);
  const len = Number(ex.length);
  const max = osdDataOpLimits.objectBytesMax;
  if (ctx.obs.exists && off < max && len >= 1 && len <= max && off + len >= ctx.oi.size) {
    if (off >= ctx.oi.size) return 0;
    return truncateTo(ctx, off, { truncateSeq: 0, truncateSize: 0n });
  }
  ctx.numWrite++;
  const r = checkOffsetAndLength(off, len);
  if (r < 0) return r;
  if (len === 0) return err(Errno.EINVAL);
  if (ctx.obs.exists && !(ctx.oi.flags & OI_FLAG.WHITEOUT)) {
    ctx.t.zero(ctx.coll, ctx.oid, off, len);
    ctx.markModified(off, len);
    ctx.oi.flags &= ~OI_FLAG.DATA_DIGEST;
  }
  return 0;
};

const create: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  if (ctx.obs.exists && !(ctx.oi.flags & OI_FLAG.WHITEOUT) && op.flags & CephOsdOpFlag.EXCL) return err(Errno.EEXIST);
  if (op.data.length) {
    // A legacy category string: it must decode, and is otherwise ignored.
    if (op.data.length < 4 || op.data.readUInt32LE(0) + 4 > op.data.length) return err(Errno.EINVAL);
  }
  // Ceph's t->nop(soid): creating an existing object is still a write (new version, the client's
  // mtime), which is how `rados touch OBJ TIMESTAMP` (create + mtime) sets an object's mtime.
  if (ctx.obs.exists) ctx.t.nop();
  ctx.maybeCreate();
  return 0;
};

/**
 * _delete_oid: a head that has clones, or will get one from this op's SnapContext, stays as a
 * whiteout (an empty object flagged WHITEOUT that keeps the SnapSet); otherwise it goes.
 */
const remove: OpHandler = (ctx) => {
  ctx.numWrite++;
  const { snapset, snapc } = ctx;
  const whiteout = snapset.clones.length > 0 || (snapc.snaps.length > 0 && snapc.snaps[0]! > snapset.seq);
  if (!ctx.obs.exists || (ctx.oi.flags & OI_FLAG.WHITEOUT && whiteout)) return err(Errno.ENOENT);
  if (ctx.before.exists || ctx.t.length > 0) ctx.t.remove(ctx.coll, ctx.oid);
  ctx.markModified(0, ctx.oi.size);
  ctx.bytesAdded -= ctx.oi.size;
  ctx.oi.size = 0;
  ctx.oi.watchers.clear();
  if (whiteout) {
    ctx.oi.flags = OI_FLAG.WHITEOUT;
    ctx.oi.dataDigest = 0xffffffff;
    ctx.oi.omapDigest = 0xffffffff;
    ctx.t.touch(ctx.coll, ctx.oid);
    return 0;
  }
  ctx.obs.exists = false;
  ctx.oi.flags = 0;
  return 0;
};

const setAllocHint: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  const h = opAllocHint(op);
  ctx.maybeCreate();
  ctx.oi.expectedObjectSize = h.expectedObjectSize;
  ctx.oi.expectedWriteSize = h.expectedWriteSize;
  ctx.oi.allocHintFlags = h.flags;
  // Only hints: the store (and the replicas' copy of the transaction) take them as safe integers,
  // so a client's u64 beyond 2^53 is capped; object_info_t keeps the exact values.
  const cap = (v: bigint): number => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));
  ctx.t.setAllocHint(ctx.coll, ctx.oid, cap(h.expectedObjectSize), cap(h.expectedWriteSize), h.flags);
  return 0;
};

const startsync: OpHandler = () => 0;

export const dataOps = new Map<number, OpHandler>([
  [CephOsdOp.READ, read],
  [CephOsdOp.SYNC_READ, read],
  [CephOsdOp.SPARSE_READ, sparseRead],
  [CephOsdOp.MAPEXT, mapext],
  [CephOsdOp.STAT, stat],
  [CephOsdOp.CMPEXT, cmpext],
  [CephOsdOp.CHECKSUM, checksum],
  [CephOsdOp.WRITE, write],
  [CephOsdOp.WRITEFULL, writefull],
  [CephOsdOp.APPEND, append],
  [CephOsdOp.WRITESAME, writesame],
  [CephOsdOp.TRUNCATE, truncate],
  [CephOsdOp.TRIMTRUNC, trimtrunc],
  [CephOsdOp.ZERO, zero],
  [CephOsdOp.CREATE, create],
  [CephOsdOp.DELETE, remove],
  [CephOsdOp.SETALLOCHINT, setAllocHint],
  [CephOsdOp.STARTSYNC, startsync],
]);
