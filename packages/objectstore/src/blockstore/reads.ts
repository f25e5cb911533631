import { cephError } from '@ts-ceph/common';
import { stringFromBytes } from '@ts-ceph/denc';
import { ListResult, listObjectsMax } from '../objectstore';
import { CollT, collToString, GHObject, ghobjectMax, ghobjectSortKey, ghobjectToString } from '../types';
import { BlockIO, BlockRef } from './io';
import * as L from './layout';
import { blockBytes } from './layout';
import { getBlock, mappedBlocks, Onode } from './onode';
import type { MetaKV } from './meta-kv';

// The store's reads, given the object's onode (the store finds it and waits for earlier
// transactions): data through the block I/O layer, metadata and omap from LevelDB.

/** An onode from LevelDB with its extent-map shards, or null when the key is absent. */
/**
 * Whether LevelDB has no onode for the object, read on the calling thread: every write to a new
 * object asks this, and a miss needs no shard scan, so it is answered without a thread-pool round
 * trip (MetaKV.getSync). False means "load it" (loadOnode).
 */
export function onodeAbsent(db: MetaKV, cid: CollT, sortKey: string): boolean {
  return db.getSync(L.onodeKey(cid, sortKey)) === undefined;
}

export async function loadOnode(db: MetaKV, cid: CollT, sortKey: string): Promise<Onode | null> {
  const v = await db.get(L.onodeKey(cid, sortKey));
  if (!v) return null;
  const rec = L.decodeOnode(v);
  const shards: (L.Shard | undefined)[] = [];
  for await (const [k, sv] of db.range(L.shardKeyPrefix(rec.nid))) shards[Number(k.readBigUInt64BE(9))] = L.decodeShard(sv);
  return { cid, rec, shards, dirtyShards: new Set(), shardsOwned: true, attrsOwned: true, pending: undefined };
}

/** The omap of nid in LevelDB: keys in byte order, and the header. */
export async function dbOmap(db: MetaKV, nid: number): Promise<{ keys: Map<string, Buffer>; header: Buffer | undefined }> {
  const keys = new Map<string, Buffer>();
  const pfx = L.omapKeyPrefix(nid);
  for await (const [k, v] of db.range(pfx)) keys.set(stringFromBytes(k, pfx.length), v);
  return { keys, header: await db.get(L.omapHeaderKey(nid)) };
}

/** The first `max` objects of a collection in LevelDB, as cache keys. */
export async function dbCollObjects(db: MetaKV, cid: CollT, max: number): Promise<string[]> {
  const pfx = L.onodeKeyPrefix(cid);
  const out: string[] = [];
  for await (const [k] of db.range(pfx, { limit: max })) out.push(`${collToString(cid)}\n${k.subarray(pfx.length).toString('latin1')}`);
  return out;
}

/** Objects of a collection in [start, end), at most `max` (capped at listObjectsMax), with the cursor to continue. */
export async function listObjects(db: MetaKV, c: CollT, start: GHObject, end: GHObject, max: number): Promise<ListResult> {
  const pfx = L.onodeKeyPrefix(c);
  const lo = Buffer.concat([pfx, Buffer.from(ghobjectSortKey(start), 'latin1')]);
  const hi = end.max ? undefined : Buffer.concat([pfx, Buffer.from(ghobjectSortKey(end), 'latin1')]);
  const limit = Math.min(Math.max(max, 0), listObjectsMax);
  const objects: GHObject[] = [];
  let next = ghobjectMax();
  for await (const [, v] of db.range(pfx, { gte: lo, lt: hi, limit: limit + 1 })) {
    const oid = L.decodeOnode(v).oid;
    if (objects.length === limit) {
      next = oid;
      break;
    }
    objects.push(oid);
  }
  return { objects, next };
}

/**
 * Bytes [offset, offset+length) of the object (length 0: to the end), each block's checksum
 * verified. `shared`: the buffer may be the read cache's (ObjectStore.readShared).
 */
export async function readData(io: BlockIO, on: Onode, what: string, offset: number, length: number, shared = false): Promise<Buffer> {
  if (offset >= on.rec.size) return Buffer.alloc(0);
  const end = length === 0 ? on.rec.size : Math.min(on.rec.size, offset + length);
  const first = Math.floor(offset / blockBytes);
  const last = Math.floor((end - 1) / blockBytes);
  const blocks: BlockRef[] = [];
  for (let lb = first; lb <= last; lb++) {
    const b = getBlock(on, lb);
    blocks.push({ pblock: b.pblock, csum: b.csum, at: (lb - first) * blockBytes });
  }
  const buf = await io.readBlocks(blocks, what, shared);
  return buf.subarray(offset - first * blockBytes, end - first * blockBytes);
}

/** The mapped byte ranges of [offset, offset+length) as offset → length, adjacent blocks merged. */
export function fiemapOf(on: Onode, offset: number, length: number): Map<number, number> {
  const out = new Map<number, number>();
  const end = Math.min(on.rec.size, offset + length);
  let runStart = -1;
  let runEnd = -1;
  for (const b of mappedBlocks(on)) {
    const s = Math.max(offset, b.lb * blockBytes);
    const e = Math.min(end, (b.lb + 1) * blockBytes);
    if (e <= s) continue;
    if (s === runEnd) runEnd = e;
    else {
      if (runStart >= 0) out.set(runStart, runEnd - runStart);
      runStart = s;
      runEnd = e;
    }
  }
  if (runStart >= 0) out.set(runStart, runEnd - runStart);
  return out;
}

/** One xattr (a copy), ENODATA when the object has none by that name. */
export function getAttr(on: Onode, o: GHObject, name: string): Buffer {
  const v = on.rec.attrs.get(name);
  if (!v) throw cephError('ENODATA', `object ${ghobjectToString(o)} has no xattr '${name}'`);
  return Buffer.from(v);
}

/** The values of the given omap keys that exist. */
export async function omapValues(db: MetaKV, nid: number, keys: string[]): Promise<Map<string, Buffer>> {
  const vals = await db.getMany(keys.map((k) => L.omapKey(nid, k)));
  const out = new Map<string, Buffer>();
  keys.forEach((k, i) => {
    const v = vals[i];
    if (v) out.set(k, v);
  });
  return out;
}

/** Up to `max` omap entries after key `after`, and whether more follow. */
export async function omapValsAfter(db: MetaKV, nid: number, after: string, max: number): Promise<{ values: Map<string, Buffer>; more: boolean }> {
  const pfx = L.omapKeyPrefix(nid);
  const values = new Map<string, Buffer>();
  let more = false;
  for await (const [k, v] of db.range(pfx, { gt: L.omapKey(nid, after), limit: max + 1 })) {
    if (values.size === max) {
      more = true;
      break;
    }
    values.set(stringFromBytes(k, pfx.length), v);
  }
  return { values, more };
}
