import { Errno } from '@ts-ceph/common/core';
import { DencError, crc32c, stringFromBytes, Writer } from '@ts-ceph/denc';
import {
  CEPH_OSD_COPY_FROM_FLAGS,
  CephOsdOp,
  CopyFromSource,
  ObjectCopyDataFlag,
  ObjectCopyDataT,
  copyFromSource,
  copyGetRequest,
  cursorComplete,
  encodeObjectCopyDataT,
  objectCopyCursor,
  opCopyFrom,
} from '@ts-ceph/messages';
import { CEPH_NOSNAP, CollT, GHObject } from '@ts-ceph/objectstore/interface';
import { copyGetChunk, digestFlags, readObjectState } from '../copy-get';
import { OI_FLAG } from '../object-info';
import { OpContext, OpHandler, StoreReader } from '../op-context';

/** Named limits of the copy ops (docs/LIMITS.md). */
export const osdCopyLimits = {
  /** osd_copyfrom_max_chunk: bytes of data and omap one COPY_GET chunk carries (Ceph's 8 MiB). */
  chunkBytes: 8 * 1024 * 1024,
};

/** Where a copy's source object lives on this OSD: its PG's collection and its ghobject_t. */
export interface CopySource {
  coll: CollT;
  oid: GHObject;
}

/**
 * The driver's answer to "where is this source object": a local PG's object, or a negative errno
 * (-ENOENT: no such pool; -EOPNOTSUPP: the PG's primary is another OSD, which needs replication's
 * objecter path). The driver logs why it refused.
 */
export type CopySourceLocator = (src: CopyFromSource) => CopySource | number;

const err = (e: number): number => -e;

/** CEPH_OSD_OP_COPY_GET: one chunk of this object for a copy elsewhere (do_copy_get). */
const copyGet: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  let q;
  try {
    q = copyGetRequest(op);
  } catch (e) {
    if (e instanceof DencError) return err(Errno.EINVAL);
    throw e;
  }
  const max = q.max > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(q.max);
  const d = await copyGetChunk(ctx.store, ctx.coll, ctx.oid, ctx.before.oi, q.cursor, max);
  const w = new Writer();
  encodeObjectCopyDataT(w, d);
  out.data = w.finish();
  return 0;
};

/** What the source's chunks add up to (CopyOp's results), staged until the copy is complete. */
interface CopyResults {
  userVersion: bigint;
  first: ObjectCopyDataT;
  data: Buffer[];
  attrs: Map<string, Buffer>;
  omapHeader: Buffer;
  omap: Map<string, Buffer>;
  dataDigest: number;
  omapDigest: number;
}

/** assert_version as each copy_get chunk carries it: the source must still be the version copied. */
function assertSourceVersion(want: bigint, have: bigint): number {
  if (want < have) return err(Errno.ERANGE);
  if (want > have) return err(Errno.EOVERFLOW);
  return 0;
}

/** The omap pairs of a chunk's omap_data (le32 count, then key/value pairs), into `into`. */
function addOmap(raw: Buffer, into: Map<string, Buffer>): void {
  let off = 4;
  const n = raw.readUInt32LE(0);
  for (let i = 0; i < n; i++) {
    const kl = raw.readUInt32LE(off);
    const k = stringFromBytes(raw, off + 4, off + 4 + kl);
    off += 4 + kl;
    const vl = raw.readUInt32LE(off);
    into.set(k, raw.subarray(off + 4, off + 4 + vl));
    off += 4 + vl;
  }
}

/**
 * _copy_some / process_copy_chunk over a source on this OSD: COPY_GET chunks of
 * `osdCopyLimits.chunkBytes` until the cursor is complete, each asserting the source's version (the
 * client's src_version, else the one learnt from the first chunk). Digests are checked as Ceph does.
 */
async function copyLoop(store: StoreReader, src: CopySource, srcVersion: bigint): Promise<CopyResults | number> {
  let cursor = objectCopyCursor();
  let res: CopyResults | undefined;
  let want = srcVersion;
  do {
    const st = await readObjectState(store, src.coll, src.oid);
    if (!st.exists) return err(Errno.ENOENT);
    if (want !== 0n) {
      const r = assertSourceVersion(want, st.oi.userVersion);
      if (r < 0) return r;
    } else want = st.oi.userVersion;
    const d = await copyGetChunk(store, src.coll, src.oid, st.oi, cursor, osdCopyLimits.chunkBytes);
    res ??= { userVersion: want, first: d, data: [], attrs: d.attrs, omapHeader: Buffer.alloc(0), omap: new Map(), dataDigest: 0xffffffff, omapDigest: 0xffffffff };
    if (d.data.length) {
      res.data.push(d.data);
      res.dataDigest = crc32c(res.dataDigest, d.data);
    }
    if (d.omapHeader.length) {
      res.omapHeader = d.omapHeader;
      res.omapDigest = crc32c(res.omapDigest, d.omapHeader);
    }
    if (d.omapData.length) {
      res.omapDigest = crc32c(res.omapDigest, d.omapData.subarray(4));
      addOmap(d.omapData, res.omap);
    }
    cursor = d.cursor;
  } while (!cursorComplete(cursor));
  const f = res.first.flags;
  if (f & ObjectCopyDataFlag.DATA_DIGEST && res.dataDigest !== res.first.dataDigest) return err(Errno.EIO);
  if (f & ObjectCopyDataFlag.OMAP_DIGEST && res.omapDigest !== res.first.omapDigest) return err(Errno.EIO);
  return res;
}

const sameObject = (a: GHObject, b: GHObject): boolean => a.pool === b.pool && a.name === b.name && a.key === b.key && a.nspace === b.nspace && a.snap === b.snap && a.hash >>> 0 === b.hash >>> 0;

/**
 * CEPH_OSD_OP_COPY_FROM / COPY_FROM2 (do_osd_ops, start_copy, finish_copyfrom): replace this object
 * with a copy of the source: data, user xattrs, omap header and keys, the source's mtime, user_version
 * and truncate_seq/size (copy-from2 with FLAG_TRUNCATE_SEQ: the client's).
 */
const copyFrom: OpHandler = async (ctx, op) => {
  ctx.numWrite++;
  const a = opCopyFrom(op);
  if (op.op === CephOsdOp.COPY_FROM2 && a.flags & ~CEPH_OSD_COPY_FROM_FLAGS) return err(Errno.EINVAL);
  let src: CopyFromSource;
  try {
    src = copyFromSource(op);
  } catch (e) {
    if (e instanceof DencError) return err(Errno.EINVAL);
    throw e;
  }
  const locate = ctx.env.copySource;
  if (!locate) return err(Errno.EOPNOTSUPP);
  const at = locate(src);
  if (typeof at === 'number') return at;
  const srcOid = { ...at.oid, snap: a.snapid };
  if (sameObject(srcOid, ctx.oid)) return err(Errno.EINVAL);
  // Copying a snapshot's clone (an IoCtx with a read snap) is not implemented yet (docs/LIMITS.md).
  if (a.snapid !== CEPH_NOSNAP) return err(Errno.EOPNOTSUPP);
  const res = await copyLoop(ctx.store, at, a.srcVersion);
  if (typeof res === 'number') return res;
  finishCopyFrom(ctx, res, src.truncate);
  return 0;
};

/** finish_copyfrom: the destination becomes the copy, in the op's transaction. */
function finishCopyFrom(ctx: OpContext, res: CopyResults, truncate: CopyFromSource['truncate']): void {
  const { t, coll, oid } = ctx;
  const oldSize = ctx.obs.exists ? ctx.oi.size : 0;
  if (ctx.obs.exists) t.remove(coll, oid);
  t.touch(coll, oid);
  ctx.obs.exists = true;
  let off = 0;
  for (const b of res.data) {
    t.write(coll, oid, off, b);
    off += b.length;
  }
  for (const [k, v] of res.attrs) t.setattr(coll, oid, `_${k}`, v);
  const hasOmap = res.omapHeader.length > 0 || res.omap.size > 0;
  if (res.omapHeader.length) t.omapSetHeader(coll, oid, res.omapHeader);
  if (res.omap.size) t.omapSetKeys(coll, oid, res.omap);
  const oi = ctx.oi;
  const f = res.first;
  oi.userVersion = res.userVersion;
  ctx.userAtVersion = res.userVersion;
  oi.flags &= ~(OI_FLAG.WHITEOUT | OI_FLAG.OMAP | OI_FLAG.DATA_DIGEST | OI_FLAG.OMAP_DIGEST);
  if (hasOmap) oi.flags |= OI_FLAG.OMAP;
  oi.dataDigest = 0xffffffff;
  oi.omapDigest = 0xffffffff;
  for (const [oiFlag, copyFlag, field] of digestFlags) {
    if (!(f.flags & copyFlag)) continue;
    oi.flags |= oiFlag;
    oi[field] = res[field];
  }
  oi.truncateSeq = truncate ? truncate.seq : Number(f.truncateSeq);
  oi.truncateSize = truncate ? truncate.size : f.truncateSize;
  oi.mtime = f.mtime;
  ctx.keepMtime = true;
  oi.size = Number(f.size);
  if (oi.size > oldSize) ctx.bytesAdded += oi.size - oldSize;
}

export const copyOps = new Map<number, OpHandler>([
  [CephOsdOp.COPY_GET, copyGet],
  [CephOsdOp.COPY_FROM, copyFrom],
  [CephOsdOp.COPY_FROM2, copyFrom],
]);
