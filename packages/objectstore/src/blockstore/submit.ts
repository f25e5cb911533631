import { isAligned } from '../native/buffers';
import { CollT, parseColl } from '../types';
import { coalesce } from './allocator';
import { BlockIO, consecutive, writeBytesMax } from './io';
import * as L from './layout';
import { blockBytes, CollRecord } from './layout';
import { cacheKeySortKey, CommitSignal, Onode, recordChanged } from './onode';
import { Txc } from './txc';
import { OnodeCache } from './onode-cache';
import { CommitPipeline, TxnCommit, TxnDone } from './commit';
import { BatchOp, opBytes } from './journal';

// Submitting a prepared transaction: its LevelDB writes, its in-place overwrites as runs, its
// newly allocated blocks written before the commit, and its objects made visible to reads.

/** A transaction's in-place overwrites as runs of contiguous blocks (one device write each). */
function deferredRuns(txc: Txc): TxnCommit['deferred'] {
  const blocks: [number, Buffer][] = [];
  for (const [p, w] of txc.writes) if (w.mode === 'deferred') blocks.push([p, w.plain]);
  if (blocks.length === 1) return [{ pblock: blocks[0]![0], plains: [blocks[0]![1]] }];
  blocks.sort((a, b) => a[0] - b[0]);
  const runs: TxnCommit['deferred'] = [];
  for (const [p, plain] of blocks) {
    const r = runs[runs.length - 1];
    if (r && r.pblock + r.plains.length === p) r.plains.push(plain);
    else runs.push({ pblock: p, plains: [plain] });
  }
  return runs;
}

/** The blocks as one view when they are consecutive slices of one aligned buffer. */
function contiguousView(plains: Buffer[]): Buffer | undefined {
  const view = consecutive(plains);
  return view && isAligned(view) ? view : undefined;
}

const noop = (): void => undefined;
/** ioDone of a transaction without newly allocated blocks. */
const noIo = Promise.resolve();
/** The fields recordBlocks() does not look at, for sizing a record before committing to it. */
const emptyCommit: TxnCommit = { ops: [], opsBytes: 0, deferred: [], allocated: [], freed: [], ioDone: noIo, hasDirect: false, nidMax: 0, storedBytes: 0, objects: 0, done: noop, committed: new CommitSignal() };

/** The LevelDB writes of one staged onode: its dirty shards and, when it changed, its record. */
function onodeOps(kv: BatchOp[], cid: CollT, sortKey: string, o: Onode, orig: Onode | undefined): void {
  for (const si of o.dirtyShards) {
    const sh = o.shards[si]!;
    if (L.shardEmpty(sh)) kv.push({ type: 'del', key: L.shardKey(o.rec.nid, si) });
    else kv.push({ type: 'put', key: L.shardKey(o.rec.nid, si), value: L.encodeShard(sh) });
  }
  if (o.shardsOwned) {
    // In shard order, as the array holds them.
    const shards: number[] = [];
    for (let si = 0; si < o.shards.length; si++) {
      const sh = o.shards[si];
      if (sh && (!o.dirtyShards.has(si) || !L.shardEmpty(sh))) shards.push(si);
    }
    o.rec.shards = shards;
  }
  // An overwrite that changed only checksums (or pblocks) in existing shards leaves the record.
  if (!orig || recordChanged(o, orig)) kv.push({ type: 'put', key: L.onodeKey(cid, sortKey), value: L.encodeOnode(o.rec) });
}

/** The LevelDB writes of a prepared transaction (collections, onodes, shards, omap). */
function keyOps(txc: Txc): BatchOp[] {
  const kv: BatchOp[] = [];
  for (const [name, c] of txc.colls) {
    if (c) kv.push({ type: 'put', key: L.collKey(c.cid), value: L.encodeColl(c) });
    else kv.push({ type: 'del', key: L.collKey(parseColl(name)) });
  }
  for (const [nid, shards] of txc.removedNids) for (const si of shards) kv.push({ type: 'del', key: L.shardKey(nid, si) });
  for (const [key, s] of txc.staged) {
    const sortKey = cacheKeySortKey(key);
    if (s.onode) onodeOps(kv, s.cid, sortKey, s.onode, s.orig);
    else kv.push({ type: 'del', key: L.onodeKey(s.cid, sortKey) });
  }
  for (const [nid, st] of txc.omap) {
    for (const [k, v] of st.keys) kv.push(v ? { type: 'put', key: L.omapKey(nid, k), value: v } : { type: 'del', key: L.omapKey(nid, k) });
    if (st.header !== undefined) kv.push(st.header ? { type: 'put', key: L.omapHeaderKey(nid), value: st.header } : { type: 'del', key: L.omapHeaderKey(nid) });
  }
  return kv;
}

/**
 * The transaction's LevelDB writes and their size. A transaction whose record would not fit the
 * journal commits without one: its in-place overwrites become writes to new blocks first
 * (commit.ts, commitExclusive), which moves mappings, so the shards and onodes are re-encoded.
 */
function recordOps(txc: Txc, pipeline: CommitPipeline): { kv: BatchOp[]; opsBytes: number; deferred: TxnCommit['deferred'] } {
  const kv = keyOps(txc);
  const deferred = deferredRuns(txc);
  const probe: TxnCommit = { ...emptyCommit, ops: kv, opsBytes: sumOpBytes(kv), allocated: txc.allocated, freed: txc.freed, deferred };
  if (pipeline.recordBlocks([probe]) <= pipeline.recordBlocksMax) return { kv, opsBytes: probe.opsBytes, deferred };
  txc.convertDeferred();
  const again = keyOps(txc);
  return { kv: again, opsBytes: sumOpBytes(again), deferred: deferredRuns(txc) };
}

function sumOpBytes(kv: BatchOp[]): number {
  let n = 0;
  for (const op of kv) n += opBytes(op);
  return n;
}

/** Install the transaction's collections and onodes in memory (reads see them from now on). */
function publish(txc: Txc, colls: Map<string, CollRecord>, cache: OnodeCache, seq: number): void {
  for (const [name, c] of txc.colls) {
    if (c) colls.set(name, c);
    else colls.delete(name);
  }
  for (const [key, s] of txc.staged) {
    if (!s.onode) {
      cache.publish(key, null, seq);
      continue;
    }
    const o = s.onode;
    let emptied = false;
    for (const si of o.dirtyShards) {
      if (!L.shardEmpty(o.shards[si]!)) continue;
      o.shards[si] = undefined;
      emptied = true;
    }
    if (emptied) {
      // No holes at the end (an emptied last shard).
      let n = o.shards.length;
      while (n > 0 && !o.shards[n - 1]) n--;
      o.shards.length = n;
    }
    // The staged copy's own set (stageCopy, newOnode), so it can be emptied in place.
    o.dirtyShards.clear();
    cache.publish(key, o, seq);
  }
}

/**
 * Write newly allocated blocks, coalescing contiguous runs into one I/O each. A run whose blocks
 * lie in order in one aligned buffer (a large write's data) is written from it as it is when
 * nothing needs encrypting; otherwise it is copied (and sealed) into a pool buffer.
 */
async function writeDirect(io: BlockIO, blocks: [number, Buffer][]): Promise<void> {
  if (!blocks.length) return;
  blocks.sort((a, b) => a[0] - b[0]);
  const runs: [number, Buffer[]][] = [];
  for (const [p, plain] of blocks) {
    const r = runs[runs.length - 1];
    if (r && r[0] + r[1].length === p && r[1].length * blockBytes < writeBytesMax) r[1].push(plain);
    else runs.push([p, [plain]]);
  }
  await Promise.all(
    runs.map(async ([start, plains]) => {
      const whole = io.xts ? undefined : contiguousView(plains);
      if (whole) await io.writeSealed(whole, start);
      else await io.writePlains(plains, start);
      plains.forEach((pl, i) => {
        if (io.overlay.get(start + i) === pl) io.overlay.delete(start + i);
      });
    }),
  );
}

function returnSpans(io: BlockIO, spans: Buffer[]): void {
  for (const b of spans) io.pool.put(b);
}

/** What installing a transaction touches of the store: its device, pipeline, counters and in-memory metadata. */
export interface InstallTarget {
  io: BlockIO;
  pipeline: CommitPipeline;
  /** Updated in place by the transaction's deltas. */
  stats: L.StatsRecord;
  nidMax: number;
  colls: Map<string, CollRecord>;
  cache: OnodeCache;
}

/**
 * Make a prepared transaction visible, start its direct writes and queue it for the commit.
 * Returns the signal of its commit (its onodes wait on it).
 */
export function installTxc(txc: Txc, s: InstallTarget, done: TxnDone): CommitSignal {
  const { kv, opsBytes, deferred } = recordOps(txc, s.pipeline);
  const publishSeq = s.cache.nextSeq();
  publish(txc, s.colls, s.cache, publishSeq);
  const allocated = coalesce(txc.allocated);
  const freed = coalesce(txc.freed);
  // Block writes: the overlay serves reads until the device has them.
  const direct: [number, Buffer][] = [];
  for (const [p, w] of txc.writes) {
    s.io.overlay.set(p, w.plain);
    if (w.mode === 'direct') direct.push([p, w.plain]);
  }
  const ioDone = direct.length ? writeDirect(s.io, direct) : noIo;
  s.stats.storedBytes += txc.storedDelta;
  s.stats.objects += txc.objectsDelta;
  const committed = new CommitSignal();
  for (const st of txc.staged.values()) if (st.onode) st.onode.pending = committed;
  const { storedBytes, objects } = s.stats;
  const commit: TxnCommit = { ops: kv, opsBytes, deferred, allocated, freed, ioDone, hasDirect: direct.length > 0, nidMax: s.nidMax, storedBytes, objects, done, committed, publishSeq };
  // The transaction's aligned data buffers go back to the pool once written and out of the overlay.
  if (txc.spans.length) ioDone.then(() => returnSpans(s.io, txc.spans), noop);
  s.pipeline.push(commit);
  return committed;
}
