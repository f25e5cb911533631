import { CephError } from '@ts-ceph/common/core';
import { Writer, compareStringBytes, stringByteLength } from '@ts-ceph/denc';
import { ObjectCopyCursorT, ObjectCopyDataT, ObjectCopyDataFlag, objectCopyData } from '@ts-ceph/messages';
import type { CollT, GHObject } from '@ts-ceph/objectstore/interface';
import { OI_ATTR, OI_FLAG, ObjectInfo, decodeObjectInfo, newObjectInfo } from './object-info';
import type { ObjectState, StoreReader } from './op-context';

/**
 * The source side of a copy (PrimaryLogPG::do_copy_get): one object_copy_data_t chunk of an object
 * read from the store, from a cursor, at most `outMax` bytes of data and omap. Used by the COPY_GET
 * op and, on this OSD, by COPY_FROM's loop over a local source. Pure apart from store reads.
 */

/** Keys read from the store per omap page while filling a chunk. */
const omapPageKeys = 1024;

/** A source object's state as the store has it (ObjectContext): existence and object info. */
export async function readObjectState(store: StoreReader, coll: CollT, o: GHObject): Promise<ObjectState> {
  if (!(await store.exists(coll, o))) return { exists: false, oi: newObjectInfo() };
  let oi: ObjectInfo;
  try {
    oi = decodeObjectInfo(await store.getattr(coll, o, OI_ATTR));
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    // An object written before object infos existed: its size is the store's.
    oi = newObjectInfo();
    oi.size = (await store.stat(coll, o)).size;
  }
  return { exists: true, oi };
}

/** getattrs_maybe_cache: the user xattrs ('_'-prefixed in the store), prefix stripped, in byte order. */
async function userAttrs(store: StoreReader, coll: CollT, o: GHObject): Promise<Map<string, Buffer>> {
  const all = await store.getattrs(coll, o);
  const out = new Map<string, Buffer>();
  for (const [k, v] of [...all.entries()].sort((a, b) => compareStringBytes(a[0], b[0]))) {
    if (k.length > 1 && k[0] === '_') out.set(k.slice(1), Buffer.from(v));
  }
  return out;
}

/** The digests an object_info_t flags and object_copy_data_t carries (do_copy_get / finish_copyfrom). */
export const digestFlags = [
  [OI_FLAG.DATA_DIGEST, ObjectCopyDataFlag.DATA_DIGEST, 'dataDigest'],
  [OI_FLAG.OMAP_DIGEST, ObjectCopyDataFlag.OMAP_DIGEST, 'omapDigest'],
] as const;

/**
 * Fill one chunk: attrs first (not counted against outMax, as in Ceph), then data from the cursor's
 * offset, then the omap header (with the first omap chunk) and keys after the cursor's key until the
 * byte budget is spent. The returned chunk carries the advanced cursor.
 */
export async function copyGetChunk(store: StoreReader, coll: CollT, o: GHObject, oi: ObjectInfo, from: ObjectCopyCursorT, outMax: number): Promise<ObjectCopyDataT> {
  const d = objectCopyData();
  const cursor = { ...from };
  d.size = BigInt(oi.size);
  d.mtime = oi.mtime;
  for (const [oiFlag, copyFlag, field] of digestFlags) {
    if (!(oi.flags & oiFlag)) continue;
    d.flags |= copyFlag;
    d[field] = oi[field];
  }
  d.truncateSeq = BigInt(oi.truncateSeq);
  d.truncateSize = oi.truncateSize;
  if (!cursor.attrComplete) {
    d.attrs = await userAttrs(store, coll, o);
    cursor.attrComplete = true;
  }
  let left = outMax;
  if (left > 0 && !cursor.dataComplete) {
    const off = Number(cursor.dataOffset);
    if (off < oi.size) {
      const n = Math.min(oi.size - off, left);
      d.data = Buffer.from(await store.read(coll, o, off, n));
      left -= n;
      cursor.dataOffset = BigInt(off + n);
    }
    if (Number(cursor.dataOffset) === oi.size) cursor.dataComplete = true;
  }
  if (!(oi.flags & OI_FLAG.OMAP)) cursor.omapComplete = true;
  else if (left > 0 && !cursor.omapComplete) left = await omapChunk(store, coll, o, cursor, d, left);
  d.cursor = cursor;
  return d;
}

/** The omap part of a chunk: header with the first chunk, then keys after cursor.omapOffset. */
async function omapChunk(store: StoreReader, coll: CollT, o: GHObject, cursor: ObjectCopyCursorT, d: ObjectCopyDataT, budget: number): Promise<number> {
  let left = budget;
  if (cursor.omapOffset === '') d.omapHeader = Buffer.from(await store.omapGetHeader(coll, o));
  const w = new Writer();
  let n = 0;
  let pos = cursor.omapOffset;
  let more = true;
  let stoppedAt: string | undefined;
  while (more && stoppedAt === undefined) {
    const page = await store.omapGetValsAfter(coll, o, pos, omapPageKeys);
    more = page.more && page.values.size > 0;
    for (const [k, v] of page.values) {
      n++;
      w.string(k).blob(v);
      left -= stringByteLength(k) + 4 + v.length + 4;
      pos = k;
      if (left <= 0) {
        stoppedAt = k;
        break;
      }
    }
  }
  if (n > 0) d.omapData = Buffer.concat([u32(n), w.finish()]);
  // Ceph's iterator stays on the last key taken: the next chunk resumes after it (and may be empty).
  if (stoppedAt !== undefined) cursor.omapOffset = stoppedAt;
  else cursor.omapComplete = true;
  return left;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
