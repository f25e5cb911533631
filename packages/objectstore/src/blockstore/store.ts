import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, openSync, closeSync, ftruncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt, randomUUID } from 'node:crypto';
import { Level } from 'level';
import { assert, CephError, cephError, logger } from '@ts-ceph/common';
import { BlockDevice, IoBackend } from '../native/device';
import { isAligned } from '../native/buffers';
import { XtsCipher } from '../native/crypto';
import { isLuks, luksFormat, luksOpen, LuksFormatOptions } from '../luks/luks2';
import { FsckReport, ListResult, listObjectsMax, ObjectStat, ObjectStore, StoreStatfs } from '../objectstore';
import { Transaction } from '../transaction';
import { CollT, collToString, GHObject, ghobjectMax, ghobjectSortKey, ghobjectToString, parseColl } from '../types';
import { BitmapAllocator, coalesce, PExtent } from './allocator';
import { BlockIO, BlockRef, consecutive, writeBytesMax } from './io';
import * as L from './layout';
import { blockBytes, CollRecord } from './layout';
import { cacheKey, getBlock, mappedBlocks, Onode, allocatedBytes, recordChanged } from './onode';
import { Txc, TxcHost } from './txc';
import { runFsck } from './fsck';
import { CommitPipeline, TxnCommit } from './commit';
import { BatchOp, JournalRing, journalBlocksFor, opBytes, recordBlocksMax } from './journal';
import { replayJournal } from './replay';

const log = logger('bluestore');

export type KV = Level<Buffer, Buffer>;

export interface NativeStoreOptions {
  /** The OSD data directory: holds `block` (or a symlink to the device) and `db/`. */
  path: string;
  /** mkfs: the device to use (symlinked as path/block); default: a file path/block. */
  blockPath?: string;
  /** mkfs: size of a new block file (bytes). */
  deviceBytes?: number;
  /** mkfs: put a LUKS2 header on the device and encrypt every sector. */
  encrypt?: boolean;
  /** The passphrase (key file contents) for an encrypted device. */
  passphrase?: Buffer;
  luks?: LuksFormatOptions;
  backend?: IoBackend;
  /** O_DIRECT on the device (default true). */
  direct?: boolean;
  /** Tests: keep committed deferred writes in the journal only (never written in place, never checkpointed). */
  holdDeferred?: boolean;
}

/** Default size of a new block file. */
export const deviceBytesDefault = 1024 * 1024 * 1024;
/** Smallest device we format. */
export const deviceBytesMin = 16 * 1024 * 1024;

/** Blocks a transaction may need beyond its data (new extent-map neighbours, rounding). */
const spaceSlackBlocks = 64;
/** Bytes per I/O when mkfs writes the journal region of a file-backed device. */
const zeroChunkBytes = 1024 * 1024;

async function zeroBlocks(io: BlockIO, start: number, count: number): Promise<void> {
  const per = zeroChunkBytes / blockBytes;
  const zeros = Buffer.alloc(zeroChunkBytes);
  for (let b = 0; b < count; b += per) await io.writeBlocks(zeros.subarray(0, Math.min(per, count - b) * blockBytes), start + b);
}

/** A transaction's in-place overwrites as runs of contiguous blocks (one device write each). */
function deferredRuns(txc: Txc): TxnCommit['deferred'] {
  const blocks: [number, Buffer][] = [];
  for (const [p, w] of txc.writes) if (w.mode === 'deferred') blocks.push([p, w.plain]);
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
/** The fields recordBlocks() does not look at, for sizing a record before committing to it. */
const emptyCommit: TxnCommit = { ops: [], opsBytes: 0, deferred: [], allocated: [], freed: [], ioDone: Promise.resolve(), hasDirect: false, nidMax: 0, storedBytes: 0, objects: 0, resolve: noop, reject: noop, committed: noop };

/**
 * The native ObjectStore: object data on a raw block device (a file or /dev/loopN) with a crc32c
 * per 4 KiB block, metadata and omap in LevelDB, a persisted bitmap allocator, and an on-device
 * journal: a transaction's promise resolves only when its journal record (its metadata and its
 * small in-place overwrites) and its newly allocated data blocks are written and the device has
 * been flushed. LevelDB is brought up to date after the acknowledgement and made durable by
 * checkpoints (commit.ts); mount replays the journal. See docs/formats/objectstore.md.
 */
export class NativeStore implements ObjectStore, TxcHost {
  readonly type = 'tsstore';
  db!: KV;
  io!: BlockIO;
  allocator!: BitmapAllocator;
  sb!: L.Superblock;
  private colls = new Map<string, CollRecord>();
  private cache = new Map<string, Onode | null>();
  private nidMax = 0;
  private stats: L.StatsRecord = { storedBytes: 0, objects: 0 };
  private prepareChain: Promise<void> = Promise.resolve();
  private lastCommitted: Promise<void> = Promise.resolve();
  private failed: CephError | undefined;
  private mounted = false;
  pipeline!: CommitPipeline;
  /** Journal records refused at mount (reported by fsck). */
  journalRefused = 0;
  private xts: XtsCipher | undefined;

  constructor(readonly opts: NativeStoreOptions) {}

  get blockPath(): string {
    return join(this.opts.path, 'block');
  }

  async mkfs(): Promise<void> {
    const { path } = this.opts;
    mkdirSync(path, { recursive: true, mode: 0o750 });
    if (existsSync(join(path, 'db'))) throw cephError('EEXIST', `${path} already holds a store (db/ exists)`);
    if (this.opts.blockPath) {
      if (!existsSync(this.blockPath)) symlinkSync(this.opts.blockPath, this.blockPath);
    } else if (!existsSync(this.blockPath)) {
      const bytes = this.opts.deviceBytes ?? deviceBytesDefault;
      if (bytes < deviceBytesMin) throw cephError('EINVAL', `device of ${bytes} bytes is smaller than deviceBytesMin (${deviceBytesMin})`);
      const fd = openSync(this.blockPath, 'w', 0o600);
      ftruncateSync(fd, bytes);
      closeSync(fd);
    }
    let dataOffset = 0;
    if (this.opts.encrypt) {
      if (!this.opts.passphrase?.length) throw cephError('EINVAL', 'mkfs --encrypt needs a key (passphrase)');
      const f = await luksFormat(this.blockPath, this.opts.passphrase, this.opts.luks);
      dataOffset = f.segmentOffset;
      this.xts = new XtsCipher(f.volumeKey, f.sectorBytes);
    }
    const dev = new BlockDevice(this.blockPath, { direct: this.opts.direct ?? true, backend: this.opts.backend });
    try {
      const deviceBytes = Math.floor((dev.size - dataOffset) / blockBytes) * blockBytes;
      if (deviceBytes < deviceBytesMin) throw cephError('EINVAL', `device ${this.blockPath} too small (${dev.size} bytes)`);
      const journalBlocks = journalBlocksFor(deviceBytes);
      const sb: L.Superblock = { fsid: randomUUID(), deviceBytes, blockBytes, encrypted: !!this.opts.encrypt, journalStart: 1, journalBlocks, journalId: randomInt(1, 2 ** 48) };
      const io = new BlockIO(dev, dataOffset, this.xts, this.blockPath);
      await io.writeBlocks(L.encodeSuperblock(sb), 0);
      // A file-backed device gets its journal written once, so that journal writes overwrite
      // allocated blocks and a flush needs no file-system metadata commit.
      if (!dev.blockdev) await zeroBlocks(io, sb.journalStart, journalBlocks);
      await dev.fdatasync();
      const alloc = new BitmapAllocator(deviceBytes / blockBytes);
      alloc.reserve(0, 1 + journalBlocks);
      const ops: BatchOp[] = [
        { type: 'put', key: L.superKey(), value: L.encodeSuperRecord({ sb, nidMax: 0 }) },
        { type: 'put', key: L.statsKey(), value: L.encodeStats({ storedBytes: 0, objects: 0 }) },
        { type: 'put', key: L.checkpointKey(), value: L.encodeCheckpoint({ generation: 0, seq: 1, block: 0 }) },
      ];
      for (let c = 0; c < alloc.chunkCount(); c++) alloc.takeDirtyChunks();
      for (let c = 0; c < alloc.chunkCount(); c++) {
        const off = (c * L.bitmapChunkBlocks) / 8;
        ops.push({ type: 'put', key: L.bitmapKey(c), value: Buffer.from(alloc.committed.subarray(off, Math.min(off + L.bitmapChunkBlocks / 8, alloc.committed.length))) });
      }
      const db: KV = new Level<Buffer, Buffer>(join(path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      await db.open();
      await db.batch(ops, { sync: true });
      await db.close();
      writeFileSync(join(path, 'type'), 'tsstore\n');
      writeFileSync(join(path, 'fsid'), sb.fsid + '\n');
    } finally {
      await dev.close();
      this.xts?.destroy();
      this.xts = undefined;
    }
  }

  async mount(): Promise<void> {
    const { path } = this.opts;
    if (!existsSync(join(path, 'db'))) throw cephError('ENOENT', `${path}: no store here (missing db/); run mkfs`);
    this.db = new Level<Buffer, Buffer>(join(path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
    try {
      await this.db.open();
    } catch (e) {
      throw cephError('EIO', `${path}: cannot open LevelDB: ${(e as Error).message}`, { cause: e });
    }
    try {
      await this.mountDevice();
    } catch (e) {
      await this.db.close();
      this.xts?.destroy();
      this.xts = undefined;
      throw e;
    }
    this.mounted = true;
  }

  private async mountDevice(): Promise<void> {
    const superRec = await this.db.get(L.superKey());
    if (!superRec) throw cephError('EIO', `${this.opts.path}: superblock record missing`);
    const rec = L.decodeSuperRecord(superRec);
    let dataOffset = 0;
    if (await isLuks(this.blockPath)) {
      if (!this.opts.passphrase?.length) throw cephError('EACCES', `${this.blockPath} is encrypted (LUKS2): a key is needed`);
      const o = await luksOpen(this.blockPath, this.opts.passphrase);
      dataOffset = o.segmentOffset;
      this.xts = new XtsCipher(o.volumeKey, o.sectorBytes, o.ivTweak);
    } else if (rec.sb.encrypted) {
      throw cephError('EIO', `${this.blockPath}: the store is encrypted but the device has no LUKS2 header`);
    }
    const dev = new BlockDevice(this.blockPath, { direct: this.opts.direct ?? true, backend: this.opts.backend });
    this.io = new BlockIO(dev, dataOffset, this.xts, this.blockPath);
    try {
      const block0 = await this.io.readRaw(0, 1);
      this.sb = L.decodeSuperblock(block0);
      const s = this.sb;
      if (s.fsid !== rec.sb.fsid) throw cephError('EIO', `device fsid ${s.fsid} does not match the database's ${rec.sb.fsid}`);
      if (s.journalStart !== rec.sb.journalStart || s.journalBlocks !== rec.sb.journalBlocks || s.journalId !== rec.sb.journalId) throw cephError('EIO', 'the device superblock and the database disagree on the journal');
      if (dataOffset + s.deviceBytes > dev.size) throw cephError('EIO', `device shrank: ${dev.size} bytes < ${dataOffset + s.deviceBytes}`);
      this.allocator = new BitmapAllocator(s.deviceBytes / blockBytes);
      for await (const [k, v] of this.db.iterator({ gte: L.bitmapKey(0), lt: L.prefixEnd(Buffer.from(L.K.bitmap)) })) this.allocator.loadChunk(Number(k.readBigUInt64BE(1)), v);
      const cpRec = await this.db.get(L.checkpointKey());
      if (!cpRec) throw cephError('EIO', `${this.opts.path}: journal checkpoint record missing`);
      const cp = L.decodeCheckpoint(cpRec);
      const st = await this.db.get(L.statsKey());
      if (st) this.stats = L.decodeStats(st);
      this.nidMax = rec.nidMax;
      const r = await replayJournal(this, cp);
      this.journalRefused = r.refused;
      if (r.last) {
        this.nidMax = Math.max(this.nidMax, r.last.nidMax);
        this.stats = r.last.stats;
      }
      if (r.records) await dev.fdatasync();
      // The replayed state and a new generation are durable before any new record is written.
      const ring = new JournalRing(s.journalBlocks, r.head, r.nextSeq);
      this.pipeline = new CommitPipeline(this, ring, cp.generation + 1, { nidMax: this.nidMax, stats: this.stats });
      await this.pipeline.checkpointNow();
      this.allocator.finishLoad();
      for await (const [, v] of this.db.iterator({ gte: Buffer.from(L.K.coll), lt: L.prefixEnd(Buffer.from(L.K.coll)) })) {
        const c = L.decodeColl(v);
        this.colls.set(collToString(c.cid), c);
      }
    } catch (e) {
      await dev.close();
      throw e;
    }
  }

  async umount(): Promise<void> {
    if (!this.mounted) return;
    await this.prepareChain;
    await this.pipeline.flush().catch((e: Error) => log.error(`umount: journal checkpoint failed: ${e.message}`));
    this.pipeline.stop();
    this.mounted = false;
    await this.io.dev.close();
    await this.db.close();
    this.xts?.destroy();
    this.xts = undefined;
    this.cache.clear();
  }

  // ---- TxcHost -------------------------------------------------------------------------------

  coll(name: string): CollRecord | undefined {
    return this.colls.get(name);
  }
  nextNid(): number {
    return ++this.nidMax;
  }
  /**
   * The onode from the cache, else from LevelDB. Every object changed since mount stays in the
   * cache (no eviction): LevelDB may lack its newest keys until the pipeline applies them, so a
   * future eviction must apply an object's kept-back operations before dropping it.
   */
  async lookup(cid: CollT, oid: GHObject, key = cacheKey(cid, oid)): Promise<Onode | undefined> {
    const c = this.cache.get(key);
    if (c !== undefined) return c ?? undefined;
    const v = await this.db.get(L.onodeKey(cid, key.slice(key.indexOf('\n') + 1)));
    let loaded: Onode | null = null;
    if (v) {
      const rec = L.decodeOnode(v);
      const shards = new Map<number, L.Shard>();
      for await (const [k, sv] of this.db.iterator({ gte: L.shardKeyPrefix(rec.nid), lt: L.prefixEnd(L.shardKeyPrefix(rec.nid)) })) shards.set(Number(k.readBigUInt64BE(9)), L.decodeShard(sv));
      loaded = { cid, rec, shards, dirtyShards: new Set(), shardsOwned: true, attrsOwned: true, pending: undefined };
    }
    // A transaction may have installed a newer state while we read the database.
    if (!this.cache.has(key)) this.cache.set(key, loaded);
    return this.cache.get(key) ?? undefined;
  }
  /** Every transaction queued so far is committed and LevelDB has its keys. */
  async drain(): Promise<void> {
    await this.lastCommitted;
    await this.pipeline.applyNow();
  }
  get deferredTxnBytesMax(): number {
    return (recordBlocksMax(this.sb.journalBlocks) * blockBytes) / 2;
  }
  async dbOmap(nid: number): Promise<{ keys: Map<string, Buffer>; header: Buffer | undefined }> {
    const keys = new Map<string, Buffer>();
    const pfx = L.omapKeyPrefix(nid);
    for await (const [k, v] of this.db.iterator({ gte: pfx, lt: L.prefixEnd(pfx) })) keys.set(k.subarray(pfx.length).toString('utf8'), v);
    return { keys, header: await this.db.get(L.omapHeaderKey(nid)) };
  }
  async dbCollObjects(cid: CollT, max: number): Promise<string[]> {
    const pfx = L.onodeKeyPrefix(cid);
    const out: string[] = [];
    for await (const k of this.db.keys({ gte: pfx, lt: L.prefixEnd(pfx), limit: max })) out.push(`${collToString(cid)}\n${k.subarray(pfx.length).toString('latin1')}`);
    return out;
  }

  // ---- transactions ----------------------------------------------------------------------------

  queueTransaction(t: Transaction): Promise<void> {
    return this.queueTransactions([t]);
  }

  queueTransactions(ts: Transaction[]): Promise<void> {
    if (!this.mounted) return Promise.reject(cephError('ESHUTDOWN', 'store is not mounted'));
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.prepareChain = this.prepareChain.then(() => this.prepare(ts, resolve, reject));
    });
  }

  private async prepare(ts: Transaction[], resolve: () => void, reject: (e: Error) => void): Promise<void> {
    if (this.failed) return reject(this.failed);
    // Space freed by committed transactions comes back at the next checkpoint: when this one might
    // not find enough without it, take the checkpoint first rather than fail with ENOSPC.
    const need = Math.ceil(ts.reduce((n, t) => n + t.dataBytes, 0) / blockBytes) + spaceSlackBlocks;
    if (this.allocator.free < need && this.pipeline.heldBlocks > 0) await this.pipeline.checkpoint().catch(() => undefined);
    const txc = new Txc(this);
    const nidBefore = this.nidMax;
    try {
      for (const t of ts) for (const op of t.ops) await txc.op(op);
    } catch (e) {
      this.allocator.release(txc.allocated);
      for (const b of txc.spans) this.io.pool.put(b);
      this.nidMax = Math.max(this.nidMax, nidBefore);
      return reject(e as Error);
    }
    this.install(txc, resolve, reject);
  }

  /** Make a prepared transaction visible, start its direct writes and queue it for the commit. */
  private install(txc: Txc, resolve: () => void, reject: (e: Error) => void): void {
    const kv = this.keyOps(txc);
    let opsBytes = 0;
    for (const op of kv) opsBytes += opBytes(op);
    // A transaction whose record would not fit the journal commits without one: its in-place
    // overwrites become writes to new blocks first (commit.ts, commitExclusive).
    if (this.pipeline.recordBlocks([{ ...emptyCommit, ops: kv, opsBytes, allocated: txc.allocated, freed: txc.freed, deferred: deferredRuns(txc) }]) > this.pipeline.recordBlocksMax) {
      txc.convertDeferred();
      // Converting moved mappings: re-encode the shards and onodes it touched.
      kv.length = 0;
      opsBytes = 0;
      for (const op of this.keyOps(txc)) {
        kv.push(op);
        opsBytes += opBytes(op);
      }
    }
    this.publish(txc);
    const allocated = coalesce(txc.allocated);
    const freed = coalesce(txc.freed);
    // Block writes: the overlay serves reads until the device has them.
    const direct: [number, Buffer][] = [];
    for (const [p, w] of txc.writes) {
      this.io.overlay.set(p, w.plain);
      if (w.mode === 'direct') direct.push([p, w.plain]);
    }
    const ioDone = this.writeDirect(direct);
    this.stats.storedBytes += txc.storedDelta;
    this.stats.objects += txc.objectsDelta;
    let committedRes: () => void = () => undefined;
    const committed = new Promise<void>((r) => (committedRes = r));
    for (const s of txc.staged.values()) if (s.onode) s.onode.pending = committed;
    this.lastCommitted = committed;
    const commit: TxnCommit = {
      ops: kv,
      opsBytes,
      deferred: deferredRuns(txc),
      allocated,
      freed,
      ioDone,
      hasDirect: direct.length > 0,
      nidMax: this.nidMax,
      storedBytes: this.stats.storedBytes,
      objects: this.stats.objects,
      resolve,
      reject,
      committed: committedRes,
    };
    ioDone.then(
      () => {
        // The transaction's aligned data buffers are written and out of the overlay.
        for (const b of txc.spans) this.io.pool.put(b);
      },
      () => undefined,
    );
    this.pipeline.push(commit);
  }

  /** The LevelDB writes of a prepared transaction (collections, onodes, shards, omap). */
  private keyOps(txc: Txc): BatchOp[] {
    const kv: BatchOp[] = [];
    for (const [name, c] of txc.colls) {
      if (c) kv.push({ type: 'put', key: L.collKey(c.cid), value: L.encodeColl(c) });
      else kv.push({ type: 'del', key: L.collKey(parseColl(name)) });
    }
    for (const [nid, shards] of txc.removedNids) for (const si of shards) kv.push({ type: 'del', key: L.shardKey(nid, si) });
    for (const [key, s] of txc.staged) {
      const sortKey = key.slice(key.indexOf('\n') + 1);
      if (!s.onode) {
        kv.push({ type: 'del', key: L.onodeKey(s.cid, sortKey) });
        continue;
      }
      const o = s.onode;
      for (const si of o.dirtyShards) {
        const sh = o.shards.get(si)!;
        if (L.shardEmpty(sh)) kv.push({ type: 'del', key: L.shardKey(o.rec.nid, si) });
        else kv.push({ type: 'put', key: L.shardKey(o.rec.nid, si), value: L.encodeShard(sh) });
      }
      if (o.shardsOwned) {
        const shards: number[] = [];
        for (const [si, sh] of o.shards) if (!o.dirtyShards.has(si) || !L.shardEmpty(sh)) shards.push(si);
        o.rec.shards = shards.sort((a, b) => a - b);
      }
      // An overwrite that changed only checksums (or pblocks) in existing shards leaves the record.
      if (!s.orig || recordChanged(o, s.orig)) kv.push({ type: 'put', key: L.onodeKey(s.cid, sortKey), value: L.encodeOnode(o.rec) });
    }
    for (const [nid, st] of txc.omap) {
      for (const [k, v] of st.keys) kv.push(v ? { type: 'put', key: L.omapKey(nid, k), value: v } : { type: 'del', key: L.omapKey(nid, k) });
      if (st.header !== undefined) kv.push(st.header ? { type: 'put', key: L.omapHeaderKey(nid), value: st.header } : { type: 'del', key: L.omapHeaderKey(nid) });
    }
    return kv;
  }

  /** Install the transaction's collections and onodes in memory (reads see them from now on). */
  private publish(txc: Txc): void {
    for (const [name, c] of txc.colls) {
      if (c) this.colls.set(name, c);
      else this.colls.delete(name);
    }
    for (const [key, s] of txc.staged) {
      if (!s.onode) {
        this.cache.set(key, null);
        continue;
      }
      const o = s.onode;
      for (const si of o.dirtyShards) if (L.shardEmpty(o.shards.get(si)!)) o.shards.delete(si);
      o.dirtyShards = new Set();
      this.cache.set(key, o);
    }
  }

  /**
   * Write newly allocated blocks, coalescing contiguous runs into one I/O each. A run whose blocks
   * lie in order in one aligned buffer (a large write's data) is written from it as it is when
   * nothing needs encrypting; otherwise it is copied (and sealed) into a pool buffer.
   */
  private async writeDirect(blocks: [number, Buffer][]): Promise<void> {
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
        const whole = this.io.xts ? undefined : contiguousView(plains);
        if (whole) await this.io.writeSealed(whole, start);
        else await this.io.writePlains(plains, start);
        plains.forEach((pl, i) => {
          if (this.io.overlay.get(start + i) === pl) this.io.overlay.delete(start + i);
        });
      }),
    );
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
    await this.prepareChain;
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
    while (inDb && on?.pending) {
      const p = on.pending;
      await p;
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
    const pfx = L.onodeKeyPrefix(c);
    const lo = Buffer.concat([pfx, Buffer.from(ghobjectSortKey(start), 'latin1')]);
    const hi = end.max ? L.prefixEnd(pfx) : Buffer.concat([pfx, Buffer.from(ghobjectSortKey(end), 'latin1')]);
    const limit = Math.min(Math.max(max, 0), listObjectsMax);
    const objects: GHObject[] = [];
    let next = ghobjectMax();
    for await (const [, v] of this.db.iterator({ gte: lo, lt: hi, limit: limit + 1 })) {
      const oid = L.decodeOnode(v).oid;
      if (objects.length === limit) {
        next = oid;
        break;
      }
      objects.push(oid);
    }
    return { objects, next };
  }

  async exists(c: CollT, o: GHObject): Promise<boolean> {
    try {
      await this.onode(c, o);
      return true;
    } catch (e) {
      if (e instanceof CephError && e.code === 'ENOENT' && this.colls.has(collToString(c))) return false;
      throw e;
    }
  }
  async stat(c: CollT, o: GHObject): Promise<ObjectStat> {
    const on = await this.onode(c, o);
    return { size: on.rec.size, allocated: allocatedBytes(on) };
  }
  async read(c: CollT, o: GHObject, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw cephError('EINVAL', `read: bad range ${offset}~${length}`);
    const on = await this.onode(c, o);
    if (offset >= on.rec.size) return Buffer.alloc(0);
    const end = length === 0 ? on.rec.size : Math.min(on.rec.size, offset + length);
    const first = Math.floor(offset / blockBytes);
    const last = Math.floor((end - 1) / blockBytes);
    const blocks: BlockRef[] = [];
    for (let lb = first; lb <= last; lb++) {
      const b = getBlock(on, lb);
      blocks.push({ pblock: b.pblock, csum: b.csum, at: (lb - first) * blockBytes });
    }
    const buf = await this.io.readBlocks(blocks, `${ghobjectToString(o)} in ${collToString(c)}`);
    return buf.subarray(offset - first * blockBytes, end - first * blockBytes);
  }
  async fiemap(c: CollT, o: GHObject, offset: number, length: number): Promise<Map<number, number>> {
    const on = await this.onode(c, o);
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
  async getattr(c: CollT, o: GHObject, name: string): Promise<Buffer> {
    const v = (await this.onode(c, o)).rec.attrs.get(name);
    if (!v) throw cephError('ENODATA', `object ${ghobjectToString(o)} has no xattr '${name}'`);
    return Buffer.from(v);
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
    const on = await this.onode(c, o, true);
    const vals = await this.db.getMany(keys.map((k) => L.omapKey(on.rec.nid, k)));
    const out = new Map<string, Buffer>();
    keys.forEach((k, i) => {
      const v = vals[i];
      if (v) out.set(k, v);
    });
    return out;
  }
  async omapGetValsAfter(c: CollT, o: GHObject, after: string, max: number): Promise<{ values: Map<string, Buffer>; more: boolean }> {
    const on = await this.onode(c, o, true);
    const pfx = L.omapKeyPrefix(on.rec.nid);
    const values = new Map<string, Buffer>();
    let more = false;
    for await (const [k, v] of this.db.iterator({ gt: L.omapKey(on.rec.nid, after), lt: L.prefixEnd(pfx), limit: max + 1 })) {
      if (values.size === max) {
        more = true;
        break;
      }
      values.set(k.subarray(pfx.length).toString('utf8'), v);
    }
    return { values, more };
  }

  async statfs(): Promise<StoreStatfs> {
    this.checkMounted();
    const total = this.sb.deviceBytes;
    return {
      total,
      available: this.allocator.free * blockBytes,
      allocated: (this.allocator.blocks - this.allocator.free) * blockBytes,
      stored: this.stats.storedBytes,
      internalMetadata: (1 + this.sb.journalBlocks) * blockBytes,
      omapAllocated: 0,
    };
  }

  async fsck(deep: boolean): Promise<FsckReport> {
    this.checkMounted();
    await this.prepareChain;
    await this.pipeline.flush();
    return runFsck(this, deep);
  }

  /** Tests: stop as a crash would: no checkpoint, in-place writes not yet started are dropped. */
  async abandon(): Promise<void> {
    this.mounted = false;
    await this.prepareChain;
    await this.pipeline.whenIdle();
    await this.pipeline.settle();
    this.pipeline.stop();
    await this.io.dev.close();
    await this.db.close();
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

/** Read the data directory's fsid file (used by the tool). */
export function readFsid(path: string): string | undefined {
  const f = join(path, 'fsid');
  return existsSync(f) && statSync(f).isFile() ? readFileSync(f, 'utf8').trim() : undefined;
}
