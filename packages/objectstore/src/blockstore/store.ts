import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assert, CephError, cephError, logger } from '@ts-ceph/common';
import { XtsCipher } from '../native/crypto';
import { FsckReport, ListResult, ObjectStat, ObjectStore, StoreStatfs } from '../objectstore';
import { Transaction } from '../transaction';
import { CollT, collToString, GHObject, ghobjectMax, ghobjectToString } from '../types';
import { BitmapAllocator, PExtent } from './allocator';
import { BlockIO } from './io';
import * as L from './layout';
import { blockBytes, CollRecord } from './layout';
import { cacheKey, getBlock, Onode, allocatedBytes, CommitSignal } from './onode';
import { Txc, TxcHost } from './txc';
import { runFsck } from './fsck';
import { CommitPipeline, TxnDone } from './commit';
import { JournalRing, recordBlocksMax } from './journal';
import { replayJournal } from './replay';
import { blockPathOf, KV, kvCacheBytesDefault, kvWriteBufferBytesDefault, mkfsStore, NativeStoreOptions, storeDb } from './mkfs';
import { poolSlabBytes } from '../native/buffers';
import { MetaKV } from './meta-kv';
import { loadCollections, openDevice } from './mount';
import * as R from './reads';
import { installTxc } from './submit';
import { SpaceFiller } from './space-fill';
import { OnodeCache } from './onode-cache';
import { PrepareHost, PrepareQueue } from './prepare-queue';
import { OnodeLoader } from './onode-loader';
import { NeedFetch, TxcFetched } from './txc-fetch';
import { StoreCacheStats } from './cache-stats';

export { deviceBytesDefault, deviceBytesMin, KV, NativeStoreOptions, readFsid } from './mkfs';
export { StoreCacheStats } from './cache-stats';

const log = logger('bluestore');

/** Blocks a transaction may need beyond its data (new extent-map neighbours, rounding). */
const spaceSlackBlocks = 64;

/**
 * The native ObjectStore: object data on a raw block device (a file or /dev/loopN) with a crc32c
 * per 4 KiB block, metadata and omap in LevelDB, a persisted bitmap allocator, and an on-device
 * journal: a transaction's promise resolves only when its journal record (its metadata and its
 * small in-place overwrites) and its newly allocated data blocks are written and the device has
 * been flushed. LevelDB is brought up to date after the acknowledgement and made durable by
 * checkpoints (commit.ts); mount replays the journal. See docs/formats/objectstore.md.
 *
 * The class holds the state and the order of things; the work is in mkfs.ts (formatting),
 * mount.ts (opening a device), submit.ts (a prepared transaction's writes) and reads.ts.
 */
export class NativeStore implements ObjectStore, TxcHost, PrepareHost {
  readonly type = 'tsstore';
  /** The metadata records (sealed on an encrypted store); `level` is the LevelDB handle under them. */
  db!: MetaKV;
  private level!: KV;
  io!: BlockIO;
  allocator!: BitmapAllocator;
  sb!: L.Superblock;
  private colls = new Map<string, CollRecord>();
  /** Onodes by cache key, LRU with a bound (onode-cache.ts); `onodeCacheEntries` sets it. */
  readonly cache: OnodeCache;
  private filler: SpaceFiller | undefined;
  private readonly loader = new OnodeLoader(this);
  private nidMax = 0;
  private stats: L.StatsRecord = { storedBytes: 0, objects: 0 };
  /** Transactions queued and not yet prepared, in order (prepare-queue.ts). */
  private readonly queue = new PrepareQueue(this);
  /** The commit of the last transaction installed. */
  private lastCommitted: CommitSignal | undefined;
  private failed: CephError | undefined;
  private mounted = false;
  pipeline!: CommitPipeline;
  /** Journal records refused at mount (reported by fsck). */
  journalRefused = 0;
  private xts: XtsCipher | undefined;

  constructor(readonly opts: NativeStoreOptions) {
    this.cache = new OnodeCache(opts.onodeCacheEntries);
  }

  get blockPath(): string {
    return blockPathOf(this.opts);
  }

  async mkfs(): Promise<void> {
    await mkfsStore(this.opts);
  }

  async mount(): Promise<void> {
    const { path } = this.opts;
    if (!existsSync(join(path, 'db'))) throw cephError('ENOENT', `${path}: no store here (missing db/); run mkfs`);
    this.level = storeDb(path, false, this.opts);
    try {
      await this.level.open();
    } catch (e) {
      throw cephError('EIO', `${path}: cannot open LevelDB: ${(e as Error).message}`, { cause: e });
    }
    try {
      await this.mountDevice();
    } catch (e) {
      await this.level.close();
      this.xts?.destroy();
      this.xts = undefined;
      throw e;
    }
    this.mounted = true;
  }

  /** Open the device, replay the journal, and start the commit pipeline at a new generation. */
  private async mountDevice(): Promise<void> {
    const d = await openDevice(this.opts, this.level);
    this.db = d.meta;
    this.io = d.io;
    this.sb = d.sb;
    this.allocator = d.allocator;
    this.xts = d.xts;
    this.stats = d.stats;
    this.nidMax = d.nidMax;
    try {
      const r = await replayJournal(this, d.checkpoint);
      this.journalRefused = r.refused;
      if (r.last) {
        this.nidMax = Math.max(this.nidMax, r.last.nidMax);
        this.stats = r.last.stats;
      }
      if (r.records) await this.io.dev.fdatasync();
      // The replayed state and a new generation are durable before any new record is written.
      const ring = new JournalRing(this.sb.journalBlocks, r.head, r.nextSeq);
      this.pipeline = new CommitPipeline(this, ring, d.checkpoint.generation + 1, { nidMax: this.nidMax, stats: this.stats });
      await this.pipeline.checkpointNow();
      this.allocator.finishLoad();
      if (!this.io.dev.blockdev && this.opts.spaceFill !== false) this.filler = new SpaceFiller(this.io, this.allocator);
      for (const [name, c] of await loadCollections(this.db)) this.colls.set(name, c);
    } catch (e) {
      await this.io.dev.close();
      throw e;
    }
  }

  async umount(): Promise<void> {
    if (!this.mounted) return;
    await this.queue.whenPrepared();
    await this.pipeline.flush().catch((e: Error) => log.error(`umount: journal checkpoint failed: ${e.message}`));
    this.pipeline.stop();
    this.mounted = false;
    await this.filler?.stop();
    await this.io.dev.close();
    await this.level.close();
    this.xts?.destroy();
    this.xts = undefined;
    this.cache.clear();
  }

  /**
   * New cache bounds (ts-osd's osd_memory_target moves them while running): the onode cache and
   * the read cache shrink to them at once. LevelDB's sizes are fixed at mount.
   */
  resizeCaches(c: Pick<NativeStoreOptions, 'onodeCacheEntries' | 'readCacheBytes'>): void {
    if (c.onodeCacheEntries !== undefined) {
      this.cache.entriesMax = c.onodeCacheEntries;
      this.cache.trim();
    }
    if (c.readCacheBytes !== undefined && this.mounted) this.io.cache.resize(c.readCacheBytes);
  }

  /** Let go of the I/O buffers a burst of large writes took beyond the first slab (BufferPool.trim). */
  trimBuffers(): void {
    if (this.mounted) this.io.pool.trim();
  }

  /** What the store's caches hold now (ts-osd's dump_mempools). */
  cacheStats(): StoreCacheStats {
    const c = this.mounted ? this.io.cache : undefined;
    return { onodes: this.cache.size, onodesDirty: this.cache.dirtyCount, onodeEvictions: this.cache.evictions, onodesMax: this.cache.entriesMax, dataBytes: c?.bytes ?? 0, dataBytesMax: c?.bytesMax ?? 0, allocatorBytes: this.mounted ? this.allocator.blocks / 8 : 0, ioSlabBytes: this.mounted ? poolSlabBytes + this.io.pool.extraSlabBytes : 0, kvCacheBytesMax: this.opts.kvCacheBytes ?? kvCacheBytesDefault, kvWriteBufferBytesMax: this.opts.kvWriteBufferBytes ?? kvWriteBufferBytesDefault };
  }

  // ---- TxcHost -------------------------------------------------------------------------------

  coll(name: string): CollRecord | undefined {
    return this.colls.get(name);
  }
  nextNid(): number {
    return ++this.nidMax;
  }
  /**
   * The onode from the cache, else from LevelDB (onode-loader.ts).
   */
  lookup(cid: CollT, oid: GHObject, key = this.loader.keyOf(cid, oid)): Promise<Onode | undefined> {
    return this.loader.lookup(cid, oid, key);
  }
  peek(cid: CollT, key: string): Onode | null | undefined {
    return this.loader.peek(cid, key);
  }
  keyOf(cid: CollT, oid: GHObject): string {
    return this.loader.keyOf(cid, oid);
  }
  prefetch(ts: Transaction[]): Promise<unknown> | undefined {
    return this.loader.prefetch(ts);
  }
  /** Every transaction installed so far is committed and LevelDB has its keys. */
  async drain(): Promise<void> {
    await this.lastCommitted?.wait();
    await this.pipeline.applyNow();
  }
  get deferredTxnBytesMax(): number {
    return (recordBlocksMax(this.sb.journalBlocks) * blockBytes) / 2;
  }
  dbOmap(nid: number): Promise<{ keys: Map<string, Buffer>; header: Buffer | undefined }> {
    return R.dbOmap(this.db, nid);
  }
  dbCollObjects(cid: CollT, max: number): Promise<string[]> {
    return R.dbCollObjects(this.db, cid, max);
  }

  // ---- transactions ----------------------------------------------------------------------------

  queueTransaction(t: Transaction): Promise<void> {
    return this.queueTransactions([t]);
  }

  queueTransactions(ts: Transaction[]): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise<void>((resolve, reject) => this.queue.push(ts, (e) => (e ? reject(e) : resolve())));
  }

  /**
   * queueTransaction with a callback instead of a promise: `onCommit` is called once, when the
   * transaction is durable or has failed (with the error), never before this call returns.
   */
  queueTransactionOnCommit(t: Transaction, onCommit: TxnDone): void {
    const refused = this.refusal();
    if (refused) queueMicrotask(() => onCommit(refused));
    else this.queue.push([t], onCommit);
  }

  private refusal(): CephError | undefined {
    if (!this.mounted) return cephError('ESHUTDOWN', 'store is not mounted');
    return this.failed;
  }

  /**
   * Prepare and install synchronously when everything the transactions touch is in memory (the
   * common case: the onodes are cached or were prefetched); otherwise go on in prepareSlow.
   */
  prepare(ts: Transaction[], done: TxnDone): Promise<void> | undefined {
    if (this.failed) return void done(this.failed);
    if (this.wantsCheckpoint(ts)) return this.prepareSlow(ts, done, undefined);
    const r = this.attempt(ts, undefined);
    if (r instanceof NeedFetch) return this.prepareSlow(ts, done, r);
    if (r) return void done(r);
    return void this.install(this.txcDone!, done);
  }

  /** The transaction of the last successful attempt(), for install. */
  private txcDone: Txc | undefined;

  /**
   * One synchronous pass over the transactions' ops: undefined when it prepared them all (the
   * context is in txcDone), else the op's error or what it needs fetched; then nothing of the
   * pass is left (blocks and buffers taken are given back).
   */
  private attempt(ts: Transaction[], fetched: TxcFetched | undefined): Error | NeedFetch | undefined {
    const txc = new Txc(this, fetched);
    try {
      for (const t of ts) for (const op of t.ops) txc.op(op);
    } catch (e) {
      this.allocator.release(txc.allocated);
      for (const b of txc.spans) this.io.pool.put(b);
      return e instanceof NeedFetch ? e : (e as Error);
    }
    this.txcDone = txc;
    return undefined;
  }

  /** The prepare of a transaction that needs state fetched (or a checkpoint) first. */
  private async prepareSlow(ts: Transaction[], done: TxnDone, first: NeedFetch | undefined): Promise<void> {
    // Space freed by committed transactions comes back at the next checkpoint: when this one might
    // not find enough without it, take the checkpoint first rather than fail with ENOSPC.
    if (this.wantsCheckpoint(ts)) await this.pipeline.checkpoint().catch(() => undefined);
    const fetched = new TxcFetched();
    let need = first ?? this.attempt(ts, fetched);
    while (need instanceof NeedFetch) {
      const had = fetched.size;
      try {
        await need.fill(fetched);
      } catch (e) {
        return done(e as Error);
      }
      assert(fetched.size > had, 'a transaction prepare fetched nothing new');
      if (this.failed) return done(this.failed);
      need = this.attempt(ts, fetched);
    }
    if (need) return done(need);
    this.install(this.txcDone!, done);
  }

  private wantsCheckpoint(ts: Transaction[]): boolean {
    if (this.pipeline.heldBlocks === 0) return false;
    let bytes = 0;
    for (const t of ts) bytes += t.dataBytes;
    return this.allocator.free < Math.ceil(bytes / blockBytes) + spaceSlackBlocks;
  }

  allPrepared(): void {
    this.pipeline.kick();
  }

  /** Make a prepared transaction visible, start its direct writes and queue it for the commit. */
  private install(txc: Txc, done: TxnDone): void {
    this.txcDone = undefined;
    const target = { io: this.io, pipeline: this.pipeline, stats: this.stats, nidMax: this.nidMax, colls: this.colls, cache: this.cache };
    this.lastCommitted = installTxc(txc, target, done);
    if (txc.allocated.length) this.filler?.poke();
  }

  /** Called by the pipeline on a device or database failure: refuse further transactions. */
  failWith(err: CephError, first: boolean): void {
    if (first) log.error(`${this.opts.path}: ${err.message}; refusing further transactions`);
    this.failed = err;
  }

  // ---- reads -----------------------------------------------------------------------------------

  private checkMounted(): void {
    if (!this.mounted) throw cephError('ESHUTDOWN', 'store is not mounted');
  }
  /** Every transaction queued before this call has been prepared (its effects are visible). */
  private async prepared(): Promise<void> {
    this.checkMounted();
    await this.queue.whenPrepared();
  }
  private requireColl(c: CollT): void {
    this.checkMounted();
    if (!this.colls.has(collToString(c))) throw cephError('ENOENT', `collection ${collToString(c)} does not exist`);
  }
  /**
   * The object as of every transaction queued before this call (read-your-writes): the onode cache
   * has it as soon as the transaction is prepared. With `inDb`, also wait until LevelDB has the
   * object's keys (omap reads go there).
   */
  private async onode(c: CollT, o: GHObject, inDb = false): Promise<Onode> {
    await this.prepared();
    this.requireColl(c);
    let on = await this.lookup(c, o);
    while (inDb && on?.pending && !on.pending.settled) {
      const p = on.pending;
      await p.wait();
      const again = await this.lookup(c, o);
      if (again === on || !again || again.pending === p) {
        on = again;
        break;
      }
      on = again;
    }
    if (!on) throw cephError('ENOENT', `object ${ghobjectToString(o)} does not exist in ${collToString(c)}`);
    if (inDb) await this.pipeline.applyNow();
    return on;
  }

  async listCollections(): Promise<CollT[]> {
    await this.prepared();
    return [...this.colls.keys()].sort().map((k) => this.colls.get(k)!.cid);
  }
  async collectionExists(c: CollT): Promise<boolean> {
    await this.prepared();
    return this.colls.has(collToString(c));
  }
  async collectionEmpty(c: CollT): Promise<boolean> {
    return (await this.collectionList(c, { pool: -9223372036854775808, nspace: '', key: '', name: '', snap: 0n, hash: 0, generation: 0n, shard: -1 }, ghobjectMax(), 1)).objects.length === 0;
  }
  async collectionBits(c: CollT): Promise<number> {
    await this.prepared();
    this.requireColl(c);
    return this.colls.get(collToString(c))!.bits;
  }
  async collectionList(c: CollT, start: GHObject, end: GHObject, max: number): Promise<ListResult> {
    await this.prepared();
    this.requireColl(c);
    await this.drain();
    return R.listObjects(this.db, c, start, end, max);
  }

  async exists(c: CollT, o: GHObject): Promise<boolean> {
    // The lookup itself, not onode(): a missing object is the common answer (every new object an
    // OSD writes is asked about first), and an ENOENT error built and caught per op costs a stack trace.
    await this.prepared();
    this.requireColl(c);
    return (await this.lookup(c, o)) !== undefined;
  }
  async stat(c: CollT, o: GHObject): Promise<ObjectStat> {
    const on = await this.onode(c, o);
    return { size: on.rec.size, allocated: allocatedBytes(on) };
  }
  async read(c: CollT, o: GHObject, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw cephError('EINVAL', `read: bad range ${offset}~${length}`);
    return R.readData(this.io, await this.onode(c, o), `${ghobjectToString(o)} in ${collToString(c)}`, offset, length);
  }
  async readShared(c: CollT, o: GHObject, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw cephError('EINVAL', `read: bad range ${offset}~${length}`);
    return R.readData(this.io, await this.onode(c, o), `${ghobjectToString(o)} in ${collToString(c)}`, offset, length, true);
  }
  async fiemap(c: CollT, o: GHObject, offset: number, length: number): Promise<Map<number, number>> {
    return R.fiemapOf(await this.onode(c, o), offset, length);
  }
  async getattr(c: CollT, o: GHObject, name: string): Promise<Buffer> {
    return R.getAttr(await this.onode(c, o), o, name);
  }
  async getattrs(c: CollT, o: GHObject): Promise<Map<string, Buffer>> {
    return new Map([...(await this.onode(c, o)).rec.attrs].map(([k, v]) => [k, Buffer.from(v)]));
  }
  async omapGetHeader(c: CollT, o: GHObject): Promise<Buffer> {
    const on = await this.onode(c, o, true);
    return (await this.db.get(L.omapHeaderKey(on.rec.nid))) ?? Buffer.alloc(0);
  }
  async omapGet(c: CollT, o: GHObject): Promise<{ header: Buffer; values: Map<string, Buffer> }> {
    const on = await this.onode(c, o, true);
    const r = await this.dbOmap(on.rec.nid);
    return { header: r.header ?? Buffer.alloc(0), values: r.keys };
  }
  async omapGetKeys(c: CollT, o: GHObject): Promise<string[]> {
    return [...(await this.omapGet(c, o)).values.keys()];
  }
  async omapGetValues(c: CollT, o: GHObject, keys: string[]): Promise<Map<string, Buffer>> {
    return R.omapValues(this.db, (await this.onode(c, o, true)).rec.nid, keys);
  }
  async omapGetValsAfter(c: CollT, o: GHObject, after: string, max: number): Promise<{ values: Map<string, Buffer>; more: boolean }> {
    return R.omapValsAfter(this.db, (await this.onode(c, o, true)).rec.nid, after, max);
  }

  // ---- statfs, fsck and test hooks -------------------------------------------------------------

  async statfs(): Promise<StoreStatfs> {
    this.checkMounted();
    const total = this.sb.deviceBytes;
    const free = this.allocator.free + (this.filler?.holding ?? 0);
    return {
      total,
      available: free * blockBytes,
      allocated: (this.allocator.blocks - free) * blockBytes,
      stored: this.stats.storedBytes,
      internalMetadata: (1 + this.sb.journalBlocks) * blockBytes,
      omapAllocated: 0,
    };
  }

  async fsck(deep: boolean): Promise<FsckReport> {
    this.checkMounted();
    await this.queue.whenPrepared();
    await this.pipeline.flush();
    return runFsck(this, deep);
  }

  /** Tests: stop as a crash would: no checkpoint, in-place writes not yet started are dropped. */
  async abandon(): Promise<void> {
    this.mounted = false;
    await this.queue.whenPrepared();
    await this.pipeline.whenIdle();
    await this.pipeline.settle();
    this.pipeline.stop();
    await this.filler?.stop();
    await this.io.dev.close();
    await this.level.close();
  }

  /** Test hook: device byte ranges of the journal records not yet checkpointed, oldest first. */
  journalRecords(): { seq: number; offset: number; bytes: number }[] {
    return this.pipeline.ring.liveRecords().map((r) => ({ seq: r.seq, offset: this.io.dataOffset + (this.sb.journalStart + r.block) * blockBytes, bytes: r.blocks * blockBytes }));
  }

  /** Test hook: the device offset of an object's logical block (for corruption tests). */
  async deviceOffsetOf(c: CollT, o: GHObject, offset: number): Promise<number> {
    const on = await this.onode(c, o);
    const { pblock } = getBlock(on, Math.floor(offset / blockBytes));
    assert(pblock, 'deviceOffsetOf: hole');
    return this.io.dataOffset + pblock * blockBytes + (offset % blockBytes);
  }
  releaseHeld(exts: PExtent[]): void {
    this.allocator.release(exts);
  }
}
