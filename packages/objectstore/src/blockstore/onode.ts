import { CollT, collToString, GHObject, ghobjectSortKey } from '../types';
import { blockBytes, cloneShard, newShard, OnodeRecord, Shard, shardBlocks } from './layout';

/** An object's metadata in memory: its record and its extent-map shards (all loaded). */
export interface Onode {
  cid: CollT;
  rec: OnodeRecord;
  /**
   * The extent-map shards by shard number, with holes where an object has none: a staged copy
   * copies this on its first write (one slice; a Map's copy cost ~3 KB of garbage per write).
   */
  shards: (Shard | undefined)[];
  /** Shards changed by the transaction being prepared (copy-on-write within it). */
  dirtyShards: Set<number>;
  /** False while `shards` is still the committed onode's map (a staged copy copies it on write). */
  shardsOwned: boolean;
  /** False while `rec.attrs` is still the committed onode's map (mutableAttrs copies it). */
  attrsOwned: boolean;
  /** Settles when the last transaction that touched this object has committed. */
  pending: CommitSignal | undefined;
}

const settledPromise = Promise.resolve();

/**
 * A transaction's commit (or failure), for readers that must wait for it (an omap read waits
 * until LevelDB has the object's keys). Most transactions are never waited on, so the promise is
 * made only when a reader asks for one.
 */
export class CommitSignal {
  settled = false;
  private promise: Promise<void> | undefined;
  private resolve: (() => void) | undefined;

  wait(): Promise<void> {
    if (this.settled) return settledPromise;
    return (this.promise ??= new Promise<void>((r) => (this.resolve = r)));
  }
  settle(): void {
    this.settled = true;
    this.resolve?.();
  }
}

export const cacheKey = (c: CollT, o: GHObject): string => `${collToString(c)}\n${ghobjectSortKey(o)}`;
/** The object's sort key inside a cacheKey (the part LevelDB's onode key is built from). */
export const cacheKeySortKey = (key: string): string => key.slice(key.indexOf('\n') + 1);

/**
 * A copy for a transaction to change. The xattr map, the shard map and each shard are shared with
 * the committed onode until written (mutableAttrs and setBlock copy them on first write).
 */
export function stageCopy(o: Onode): Onode {
  return { cid: o.cid, rec: { ...o.rec }, shards: o.shards, dirtyShards: new Set(), shardsOwned: false, attrsOwned: false, pending: o.pending };
}

export function mutableAttrs(o: Onode): Map<string, Buffer> {
  if (!o.attrsOwned) {
    o.rec.attrs = new Map(o.rec.attrs);
    o.attrsOwned = true;
  }
  return o.rec.attrs;
}

/** Whether a staged onode's record differs from the committed one (else its key needs no write). */
export function recordChanged(o: Onode, orig: Onode): boolean {
  const a = o.rec;
  const b = orig.rec;
  if (a.nid !== b.nid || a.oid !== b.oid || a.size !== b.size || a.hasOmap !== b.hasOmap || a.attrs !== b.attrs || a.shards.length !== b.shards.length) return true;
  for (let i = 0; i < a.shards.length; i++) if (a.shards[i] !== b.shards[i]) return true;
  return false;
}

export function newOnode(cid: CollT, oid: GHObject, nid: number): Onode {
  return { cid, rec: { nid, oid, size: 0, attrs: new Map(), hasOmap: false, shards: [] }, shards: [], dirtyShards: new Set(), shardsOwned: true, attrsOwned: true, pending: undefined };
}

export function getBlock(o: Onode, lb: number): { pblock: number; csum: number } {
  const s = o.shards[Math.floor(lb / shardBlocks)];
  if (!s) return { pblock: 0, csum: 0 };
  const i = lb % shardBlocks;
  return { pblock: s.pblocks[i]!, csum: s.csums[i]! };
}

/** Map logical block lb to pblock (0 unmaps); returns the previous pblock. */
export function setBlock(o: Onode, lb: number, pblock: number, csum: number): number {
  const si = Math.floor(lb / shardBlocks);
  let s = o.shards[si];
  if (!s && pblock === 0) return 0;
  if (!o.shardsOwned) {
    o.shards = o.shards.slice();
    o.shardsOwned = true;
  }
  if (!s) s = newShard();
  else if (!o.dirtyShards.has(si)) s = cloneShard(s);
  o.shards[si] = s;
  o.dirtyShards.add(si);
  const i = lb % shardBlocks;
  const prev = s.pblocks[i]!;
  s.pblocks[i] = pblock;
  s.csums[i] = pblock === 0 ? 0 : csum;
  return prev;
}

/** Every mapped block as (logical block, pblock, csum), in logical order. */
export function* mappedBlocks(o: Onode): Generator<{ lb: number; pblock: number; csum: number }> {
  for (let si = 0; si < o.shards.length; si++) {
    const s = o.shards[si];
    if (!s) continue;
    for (let i = 0; i < shardBlocks; i++) if (s.pblocks[i]! !== 0) yield { lb: si * shardBlocks + i, pblock: s.pblocks[i]!, csum: s.csums[i]! };
  }
}

/** Bytes of the mapped blocks: counted in place (mappedBlocks makes an object per block, and the OSD's PG stats ask for this of every object a write changed). */
export function allocatedBytes(o: Onode): number {
  let n = 0;
  for (const s of o.shards) if (s) for (let i = 0; i < shardBlocks; i++) if (s.pblocks[i]! !== 0) n++;
  return n * blockBytes;
}
