import { CephError, cephError, logger } from '@ts-ceph/common';
import { PExtent } from './allocator';
import { BatchOp, bodyCrcOf, DeferredRun, encodeHeader, encodeMeta, JournalRing, metaBlocksOf, metaBytesOf, recordBlocksMax, RecordMeta } from './journal';
import * as L from './layout';
import { blockBytes } from './layout';
import { envRecordWriteMode, RecordWriter } from './record-write';
import type { NativeStore } from './store';
import { CommitSignal } from './onode';

const log = logger('nativestore');

/** A checkpoint starts when live records hold this fraction of the ring, */
export const checkpointRingFraction = 0.25;
/** or this long after the first record that is not checkpointed (it also releases held frees), */
export const checkpointDelayMs = 500;
/** or when blocks freed by committed batches, held until a checkpoint, pass this fraction of the device. */
export const checkpointHeldFraction = 1 / 8;
/** Committed LevelDB operations kept back (deduplicated by key) before they are written anyway. */
export const applyOpsMax = 65536;
export const applyBytesMax = 64 * 1024 * 1024;

/**
 * A queued transaction's acknowledgement: called once, without an error when it is durable (Ceph's
 * on_commit), with one when it failed. It runs inside the commit loop, so it must not throw.
 */
export type TxnDone = (err?: Error) => void;

/** Call a transaction's acknowledgement; a caller's exception is logged, not let into the pipeline. */
function acknowledge(t: TxnCommit, err?: Error): void {
  try {
    t.done(err);
  } catch (e) {
    log.error(`transaction acknowledgement threw: ${(e as Error).stack}`);
  }
}

/** One prepared transaction, as install() hands it to the commit pipeline. */
export interface TxnCommit {
  ops: BatchOp[];
  /** Sum of opBytes(op) over ops. */
  opsBytes: number;
  /** In-place overwrites: runs of contiguous device blocks, plaintext per block. */
  deferred: { pblock: number; plains: Buffer[] }[];
  allocated: PExtent[];
  freed: PExtent[];
  /** Settles when the transaction's newly allocated blocks are written. */
  ioDone: Promise<void>;
  /** The transaction writes newly allocated blocks (they are flushed before its record). */
  hasDirect: boolean;
  /** Store state after this transaction (what a replay ending with it restores). */
  nidMax: number;
  storedBytes: number;
  objects: number;
  /** Acknowledge (durable) or fail the transaction. */
  done: TxnDone;
  /** Committed or failed (readers of LevelDB then call applyNow()). */
  committed: CommitSignal;
  /** The onode cache's sequence of this transaction (its objects are dirty until applied). */
  publishSeq?: number;
}

/** A committed batch until a checkpoint covers it. */
interface Batch {
  seq: number;
  freed: PExtent[];
  /** Settles when its in-place writes are on the device (unflushed). */
  done: Promise<void>;
}

const deferredBlocks = (t: TxnCommit): number => t.deferred.reduce((n, r) => n + r.plains.length, 0);

/**
 * BlueStore's kv_sync_thread, with the journal in place of a synced key-value commit. The commit
 * loop takes every queued transaction (a batch closes when the previous flush completes), writes
 * one journal record for the batch, waits for the batch's direct writes, flushes the device once
 * and acknowledges the batch. Then, off the acknowledgement path: the batch's keys go to LevelDB
 * (unsynced, one write at a time, in order) and its deferred data is written in place from the
 * record buffer, already sealed. A checkpoint flushes the device, writes the allocator bitmap, the
 * super and stats records and the replay position to LevelDB with sync, then frees the ring space
 * and the blocks those batches released.
 */
export class CommitPipeline {
  private readonly queue: TxnCommit[] = [];
  private committing = false;
  /** A start is registered with setImmediate (push). */
  private scheduled = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly open: Batch[] = [];
  /** Committed LevelDB operations not yet written, by key (latin1): only the last one matters. */
  private pendingOps = new Map<string, BatchOp>();
  private pendingBytes = 0;
  /** The publish sequence of the last transaction whose operations are in pendingOps. */
  private keptSeq = 0;
  private applying: Promise<void> | undefined;
  /** pblock -> the last in-place write of that block (each waits for the one before it). */
  private readonly chains = new Map<number, Promise<void>>();
  private checkpointing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Blocks freed by committed batches and not yet reusable (released by a checkpoint). */
  heldBlocks = 0;
  private committedNidMax: number;
  private committedStats: L.StatsRecord;
  private failed = false;
  readonly records: RecordWriter;

  constructor(
    private readonly store: NativeStore,
    readonly ring: JournalRing,
    readonly generation: number,
    state: { nidMax: number; stats: L.StatsRecord },
  ) {
    this.committedNidMax = state.nidMax;
    this.committedStats = { ...state.stats };
    this.records = new RecordWriter(store.io.dev, envRecordWriteMode() ?? store.opts.recordWrite ?? 'auto');
  }

  get recordBlocksMax(): number {
    return recordBlocksMax(this.ring.blocks);
  }
  /** Journal blocks a batch of these transactions needs. */
  recordBlocks(ts: TxnCommit[]): number {
    let ops = 0;
    let a = 0;
    let f = 0;
    let d = 0;
    let data = 0;
    for (const t of ts) {
      ops += t.opsBytes;
      a += t.allocated.length;
      f += t.freed.length;
      d += t.deferred.length;
      data += deferredBlocks(t);
    }
    return metaBlocksOf(metaBytesOf(ops, a, f, d)) + data;
  }

  /**
   * Queue a prepared transaction. An idle pipeline starts when the store has prepared everything
   * queued so far (kick), or at the latest on the next turn of the event loop, not at once: when a
   * batch is acknowledged its clients queue their next transactions in the same turn, and starting
   * at the first would commit it alone and make the rest wait a whole flush.
   */
  push(t: TxnCommit): void {
    this.queue.push(t);
    if (!this.committing && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.start());
    }
  }

  /**
   * The store has prepared every transaction queued so far (those of a turn pass its turnGate
   * together): close the batch now rather than a loop iteration later, when the socket events of
   * that iteration would run first.
   */
  kick(): void {
    if (this.queue.length) this.start();
  }

  private start(): void {
    this.scheduled = false;
    if (this.committing || !this.queue.length) return;
    this.committing = true;
    void this.commitLoop();
  }

  whenIdle(): Promise<void> {
    if (!this.committing && !this.queue.length) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.queue.length && !this.failed) {
        const max = this.recordBlocksMax;
        if (this.recordBlocks([this.queue[0]!]) > max) {
          await this.commitExclusive(this.queue.shift()!);
          continue;
        }
        let n = 1;
        while (n < this.queue.length && this.recordBlocks(this.queue.slice(0, n + 1)) <= max) n++;
        await this.commitBatch(this.queue.splice(0, n));
      }
    } finally {
      this.committing = false;
      if (!this.queue.length) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async commitBatch(batch: TxnCommit[]): Promise<void> {
    const io = this.store.io;
    const trace = this.store.opts.trace;
    const last = batch[batch.length - 1]!;
    const runs: DeferredRun[] = [];
    const plains: Buffer[][] = [];
    const ops: BatchOp[] = [];
    const meta: RecordMeta = { nidMax: last.nidMax, storedBytes: last.storedBytes, objects: last.objects, ops, allocated: [], freed: [], deferred: runs };
    let opsBytes = 0;
    for (const t of batch) {
      for (const op of t.ops) ops.push(op);
      opsBytes += t.opsBytes;
      for (const e of t.allocated) meta.allocated.push(e);
      for (const e of t.freed) meta.freed.push(e);
      for (const r of t.deferred) {
        runs.push({ pblock: r.pblock, blocks: r.plains.length });
        plains.push(r.plains);
      }
    }
    const metaBytes = metaBytesOf(opsBytes, meta.allocated.length, meta.freed.length, runs.length);
    const metaBlocks = metaBlocksOf(metaBytes);
    const blocks = metaBlocks + runs.reduce((n, r) => n + r.blocks, 0);
    let buf: Buffer;
    let seq = 0;
    try {
      let place = this.ring.reserve(blocks);
      while (!place) {
        // Only a checkpoint frees ring space (tests holding deferred writes never checkpoint).
        if (this.store.opts.holdDeferred) throw cephError('ENOSPC', 'journal full and holdDeferred set');
        await this.checkpoint();
        if (this.failed) throw cephError('EIO', 'store failed');
        place = this.ring.reserve(blocks);
      }
      seq = place.seq;
      trace?.('commit-start', seq);
      buf = this.buildRecord(seq, meta, metaBytes, plains);
      const jblock = this.store.sb.journalStart + place.block;
      io.sealInPlace(buf, 0, metaBlocks, jblock);
      const at = io.dataOffset + jblock * blockBytes;
      // The record goes out only once the batch's new-block writes are done and flushed: a record
      // on the device whose data is not (a kill -9 between the writes, or a device cache writing
      // the record first before a power loss) would be replayed as a half-applied transaction.
      if (batch.some((t) => t.hasDirect)) {
        await Promise.all(batch.map((t) => t.ioDone));
        await io.dev.fdatasync();
      }
      trace?.('record-issued', seq);
      await this.records.write(buf, at, batch.length === 1 && !this.queue.length, trace && (() => trace('record-written', seq)));
      trace?.('record-flushed', seq);
    } catch (e) {
      // The record buffer is not returned to the pool: its write may still be in flight (another
      // write of the batch failed first), and the store takes no more transactions anyway.
      this.fail(e as Error, batch);
      return;
    }
    for (const t of batch) {
      this.store.allocator.commitAllocated(t.allocated);
      this.store.allocator.commitFreed(t.freed);
    }
    this.committedNidMax = last.nidMax;
    this.committedStats = { storedBytes: last.storedBytes, objects: last.objects };
    for (const t of batch) this.keptSeq = Math.max(this.keptSeq, t.publishSeq ?? 0);
    this.keepOps(ops);
    for (const t of batch) t.committed.settle();
    // Acknowledgements last: a callback may queue more transactions or read at once.
    for (const t of batch) acknowledge(t);
    const inplace = this.writeInPlace(buf, metaBlocks, runs, plains);
    this.open.push({ seq, freed: meta.freed, done: inplace });
    for (const e of meta.freed) this.heldBlocks += e.count;
    this.maybeCheckpoint();
  }

  /**
   * The record in an aligned buffer: header, meta section, then the deferred data sealed for its
   * destination blocks (the in-place writes use these bytes as they are). The meta blocks are
   * still plaintext: the caller seals them for their place in the ring.
   */
  private buildRecord(seq: number, meta: RecordMeta, metaBytes: number, plains: Buffer[][]): Buffer {
    const io = this.store.io;
    const metaBlocks = metaBlocksOf(metaBytes);
    const dataBlocks = meta.deferred.reduce((n, r) => n + r.blocks, 0);
    const buf = io.pool.getBuffer((metaBlocks + dataBlocks) * blockBytes);
    buf.fill(0, 0, metaBlocks * blockBytes);
    encodeMeta(buf, meta, metaBytes);
    let at = metaBlocks * blockBytes;
    meta.deferred.forEach((r, i) => {
      plains[i]!.forEach((p, k) => io.sealTo(p, buf, at + k * blockBytes, r.pblock + k));
      at += r.blocks * blockBytes;
    });
    const hdr = { journalId: this.store.sb.journalId, generation: this.generation, seq, blocks: metaBlocks + dataBlocks, metaBytes, dataBlocks, bodyCrc: 0 };
    hdr.bodyCrc = bodyCrcOf(buf, hdr);
    encodeHeader(buf, hdr);
    return buf;
  }

  /** The batch's deferred data, sealed in the record buffer, goes to its place (after the commit). */
  private writeInPlace(buf: Buffer, metaBlocks: number, runs: DeferredRun[], plains: Buffer[][]): Promise<void> {
    const io = this.store.io;
    if (this.store.opts.holdDeferred) return new Promise<void>(() => undefined);
    let at = metaBlocks * blockBytes;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      const data = buf.subarray(at, at + r.blocks * blockBytes);
      at += r.blocks * blockBytes;
      // Nobody waits on these soon: a kernel worker issues them, not the JS thread.
      const offset = io.dataOffset + r.pblock * blockBytes;
      const prev = this.previousWrites(r);
      const started = prev ? prev.then(() => io.dev.writeBackground(data, offset)) : io.dev.writeBackground(data, offset);
      const p: Promise<void> = started.then(() => this.inPlaceDone(r, plains[i]!, p));
      for (let k = 0; k < r.blocks; k++) this.chains.set(r.pblock + k, p);
      writes.push(p);
    }
    const all = Promise.all(writes).then(() => io.pool.put(buf));
    all.catch((e: Error) => this.fail(e));
    return all;
  }

  /**
   * The in-place writes a run must follow: two writes to one block must land in commit order, and
   * runs of different batches may overlap without starting at the same block, so a run waits for
   * the last write of every one of its blocks.
   */
  private previousWrites(r: DeferredRun): Promise<unknown> | undefined {
    let one: Promise<void> | undefined;
    let more: Set<Promise<void>> | undefined;
    for (let k = 0; k < r.blocks; k++) {
      const c = this.chains.get(r.pblock + k);
      if (!c || c === one || more?.has(c)) continue;
      if (!one) one = c;
      else (more ??= new Set([one])).add(c);
    }
    return more ? Promise.all(more) : one;
  }

  /** A run is on the device: its blocks leave the overlay (unless written again since) and the chains. */
  private inPlaceDone(r: DeferredRun, plains: Buffer[], p: Promise<void>): void {
    const io = this.store.io;
    for (let k = 0; k < r.blocks; k++) {
      if (io.overlay.get(r.pblock + k) === plains[k]) io.overlay.delete(r.pblock + k);
      if (this.chains.get(r.pblock + k) === p) this.chains.delete(r.pblock + k);
    }
  }

  private keepOps(ops: BatchOp[]): void {
    for (const op of ops) {
      this.pendingOps.set(op.key.toString('latin1'), op);
      this.pendingBytes += op.key.length + (op.type === 'put' ? op.value.length : 0);
    }
    if (this.pendingOps.size >= applyOpsMax || this.pendingBytes >= applyBytesMax) void this.applyNow();
  }

  /**
   * Write every committed operation kept back to LevelDB (one unsynced batch; LevelDB writes go one
   * at a time so they land in commit order). Resolves when LevelDB has everything committed before
   * the call.
   */
  async applyNow(): Promise<void> {
    while (this.applying) await this.applying;
    if (!this.pendingOps.size) return;
    const ops = [...this.pendingOps.values()];
    const upto = this.keptSeq;
    this.pendingOps = new Map();
    this.pendingBytes = 0;
    this.applying = this.store.db.write(ops, false)
      .then(() => this.store.cache.applied(upto))
      .catch((e: Error) => this.fail(e))
      .finally(() => (this.applying = undefined));
    return this.applying;
  }

  private maybeCheckpoint(): void {
    if (this.store.opts.holdDeferred || this.failed) return;
    if (this.ring.usedBlocks >= this.ring.blocks * checkpointRingFraction || this.heldBlocks >= this.store.allocator.blocks * checkpointHeldFraction) void this.checkpoint();
    else if (!this.timer && this.open.length) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.checkpoint();
      }, checkpointDelayMs);
      this.timer.unref();
    }
  }

  /**
   * Make every committed batch durable outside the journal and free its ring space. Concurrent
   * callers share a running checkpoint and then start another if batches committed meanwhile.
   */
  async checkpoint(): Promise<void> {
    while (this.checkpointing) await this.checkpointing;
    if (!this.open.length || this.store.opts.holdDeferred || this.failed) return;
    this.checkpointing = this.doCheckpoint().finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  private async doCheckpoint(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const upto = this.open.slice();
    const seq = upto[upto.length - 1]!.seq;
    try {
      await Promise.all(upto.map((b) => b.done));
      await this.applyNow();
      if (this.failed) return;
      await this.store.io.dev.fdatasync();
      await this.store.db.write(this.stateOps({ generation: this.generation, seq: seq + 1, block: this.ring.blockOf(seq + 1) }), true);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.open.splice(0, upto.length);
    this.ring.release(seq);
    for (const b of upto) {
      this.store.releaseHeld(b.freed);
      for (const e of b.freed) this.heldBlocks -= e.count;
    }
    if (this.open.length) this.maybeCheckpoint();
  }

  /** The LevelDB writes of a checkpoint: bitmap chunks, super and stats records, replay position. */
  private stateOps(cp: L.Checkpoint): BatchOp[] {
    const ops: BatchOp[] = [];
    for (const [c, bytes] of this.store.allocator.takeDirtyChunks()) ops.push({ type: 'put', key: L.bitmapKey(c), value: bytes });
    ops.push({ type: 'put', key: L.superKey(), value: L.encodeSuperRecord({ sb: this.store.sb, nidMax: this.committedNidMax }) });
    ops.push({ type: 'put', key: L.statsKey(), value: L.encodeStats(this.committedStats) });
    ops.push({ type: 'put', key: L.checkpointKey(), value: L.encodeCheckpoint(cp) });
    return ops;
  }

  /**
   * A transaction too large for a journal record (its in-place writes were turned into writes to
   * new blocks at install): checkpoint everything before it, write its data, flush, then commit
   * its keys with the checkpoint state in one synced LevelDB batch. No record is left that could
   * write over the blocks it frees, so they are reusable at once.
   */
  private async commitExclusive(t: TxnCommit): Promise<void> {
    try {
      if (t.deferred.length) throw new Error('an oversized transaction still has in-place writes');
      await this.checkpoint();
      if (this.failed) throw cephError('EIO', 'store failed');
      await t.ioDone;
      await this.store.io.dev.fdatasync();
      this.store.allocator.commitAllocated(t.allocated);
      this.store.allocator.commitFreed(t.freed);
      this.committedNidMax = t.nidMax;
      this.committedStats = { storedBytes: t.storedBytes, objects: t.objects };
      const seq = this.ring.nextSeq;
      await this.applyNow();
      await this.store.db.write([...t.ops, ...this.stateOps({ generation: this.generation, seq, block: this.ring.blockOf(seq) })], true);
      // LevelDB has this transaction and (applyNow above) every one before it.
      this.keptSeq = Math.max(this.keptSeq, t.publishSeq ?? 0);
      this.store.cache.applied(this.keptSeq);
    } catch (e) {
      this.fail(e as Error, [t]);
      return;
    }
    t.committed.settle();
    acknowledge(t);
    this.store.releaseHeld(t.freed);
  }

  /** A device or database failure: nothing more is acknowledged; a remount replays the journal. */
  fail(e: Error, batch: TxnCommit[] = []): void {
    const err = e instanceof CephError && e.code === 'EIO' ? e : cephError('EIO', `store failed: ${e.message}`, { cause: e });
    const first = !this.failed;
    this.failed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.store.failWith(err, first);
    for (const t of [...batch, ...this.queue.splice(0)]) {
      t.committed.settle();
      acknowledge(t, err);
    }
  }

  /** Mount: make the replayed state and this mount's generation durable before any new record. */
  async checkpointNow(): Promise<void> {
    await this.store.db.write(this.stateOps({ generation: this.generation, seq: this.ring.nextSeq, block: this.ring.head }), true);
  }

  /** An unclean stop (tests): let a LevelDB write in progress finish, drop what is kept back. */
  async settle(): Promise<void> {
    while (this.applying) await this.applying;
  }

  /** Umount and fsck: everything committed is checkpointed (the journal is empty afterwards). */
  async flush(): Promise<void> {
    await this.whenIdle();
    await this.checkpoint();
    await Promise.allSettled(new Set(this.chains.values()));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.failed = true;
  }
}
