import { cephError } from '@ts-ceph/common';
import { crc32cBlocks } from '../native/crypto';
import { cmpOmapKey } from '../objectstore';
import { enoentTolerated, Op, OP } from '../transaction';
import { CollT, collToString, GHObject, ghobjectSortKey, ghobjectToString } from '../types';
import { BitmapAllocator, PExtent } from './allocator';
import { BlockIO } from './io';
import { blockBytes, CollRecord, deferredBytesMax } from './layout';
import { cacheKey, getBlock, mappedBlocks, mutableAttrs, newOnode, Onode, setBlock, stageCopy } from './onode';

/** What a transaction context needs from the store while it prepares. */
export interface TxcHost {
  /** The committed (or installed) onode; `key` is cacheKey(cid, oid) when the caller has it. */
  lookup(cid: CollT, oid: GHObject, key?: string): Promise<Onode | undefined>;
  coll(name: string): CollRecord | undefined;
  /** Resolves when every previously prepared transaction has committed. */
  drain(): Promise<void>;
  /** Committed omap of nid: keys in byte order (and the header). */
  dbOmap(nid: number): Promise<{ keys: Map<string, Buffer>; header: Buffer | undefined }>;
  /** Committed objects in a collection, as cache keys, at most `max`. */
  dbCollObjects(cid: CollT, max: number): Promise<string[]>;
  readonly allocator: BitmapAllocator;
  readonly io: BlockIO;
  nextNid(): number;
  /** In-place overwrite bytes one transaction may carry in the journal; beyond it, copy-on-write. */
  readonly deferredTxnBytesMax: number;
}

/**
 * A block's new contents. 'direct': a block newly allocated by this transaction (by a large
 * write), written before the commit. 'deferred': carried by the journal record and written in
 * place after the commit; either an overwrite of a committed block (owner and lb say which mapping
 * to move if it must become direct after all, see convertDeferred) or, `fresh`, a block newly
 * allocated by a small write.
 */
export interface BlockWrite {
  plain: Buffer;
  mode: 'direct' | 'deferred';
  csum: number;
  owner?: Onode;
  lb?: number;
  fresh?: boolean;
}

interface StagedOnode {
  cid: CollT;
  onode: Onode | null;
  /** The object's state before this transaction (undefined: it did not exist). */
  orig: Onode | undefined;
  /** Removed because it was renamed: drop the key, keep its shards and omap (same nid). */
  moved?: boolean;
}

export interface OmapStage {
  keys: Map<string, Buffer | null>;
  header?: Buffer | null;
}

/**
 * One transaction being prepared: ops are applied to staged copies of the onodes; nothing in the
 * store changes until install() (store.ts), so a failing op leaves no trace. Block contents are
 * staged too: `writes` maps device blocks to their new plaintext, either written in place after
 * the commit through the WAL ('deferred') or straight to newly allocated space before it ('direct').
 */
export class Txc {
  readonly staged = new Map<string, StagedOnode>();
  readonly colls = new Map<string, CollRecord | null>();
  /** Collections created by this transaction: no committed object of that name is visible. */
  private readonly freshColls = new Set<string>();
  readonly omap = new Map<number, OmapStage>();
  /** Shard and omap keys to delete for objects removed by this transaction: nid -> shard indices. */
  readonly removedNids = new Map<number, number[]>();
  readonly allocated: PExtent[] = [];
  readonly freed: PExtent[] = [];
  readonly writes = new Map<number, BlockWrite>();
  /** Aligned pool buffers holding this transaction's new-block data (returned once written). */
  readonly spans: Buffer[] = [];
  private deferredBytes = 0;
  storedDelta = 0;
  objectsDelta = 0;

  /** cacheKey per object of this transaction's ops (computed once, not per lookup). */
  private readonly keys = new Map<GHObject, { cid: CollT; key: string }>();

  constructor(private readonly host: TxcHost) {}

  private keyOf(cid: CollT, oid: GHObject): string {
    const m = this.keys.get(oid);
    if (m && m.cid === cid) return m.key;
    const key = cacheKey(cid, oid);
    this.keys.set(oid, { cid, key });
    return key;
  }

  private coll(cid: CollT): CollRecord | undefined {
    const name = collToString(cid);
    const s = this.colls.get(name);
    if (s !== undefined) return s ?? undefined;
    return this.host.coll(name);
  }
  private requireColl(cid: CollT): CollRecord {
    const c = this.coll(cid);
    if (!c) throw cephError('ENOENT', `collection ${collToString(cid)} does not exist`);
    return c;
  }

  private async get(cid: CollT, oid: GHObject): Promise<Onode | undefined> {
    this.requireColl(cid);
    const key = this.keyOf(cid, oid);
    const s = this.staged.get(key);
    if (s) return s.onode ?? undefined;
    const base = this.freshColls.has(collToString(cid)) ? undefined : await this.host.lookup(cid, oid, key);
    if (!base) return undefined;
    const copy = stageCopy(base);
    this.staged.set(key, { cid, onode: copy, orig: base });
    return copy;
  }
  private async create(cid: CollT, oid: GHObject): Promise<Onode> {
    const o = await this.get(cid, oid);
    if (o) return o;
    const n = newOnode(cid, oid, this.host.nextNid());
    const key = this.keyOf(cid, oid);
    const prev = this.staged.get(key);
    this.staged.set(key, { cid, onode: n, orig: prev ? prev.orig : undefined, ...(prev?.moved ? { moved: true } : {}) });
    this.objectsDelta++;
    return n;
  }

  async op(op: Op): Promise<void> {
    switch (op.op) {
      case OP.NOP:
        return;
      case OP.MKCOLL:
        if (this.coll(op.cid)) throw cephError('EEXIST', `collection ${collToString(op.cid)} exists`);
        this.colls.set(collToString(op.cid), { cid: op.cid, bits: op.bits });
        this.freshColls.add(collToString(op.cid));
        return;
      case OP.RMCOLL:
        return this.removeCollection(op.cid);
      case OP.COLL_SET_BITS:
        this.colls.set(collToString(op.cid), { ...this.requireColl(op.cid), bits: op.bits });
        return;
    }
    if (op.op === OP.TOUCH || op.op === OP.WRITE || op.op === OP.ZERO) return this.objectOp(op, await this.create(op.cid, op.oid));
    const o = await this.get(op.cid, op.oid);
    if (!o) {
      if (enoentTolerated(op.op)) return;
      throw cephError('ENOENT', `object ${ghobjectToString(op.oid)} does not exist in ${collToString(op.cid)}`);
    }
    return this.objectOp(op, o);
  }

  private async removeCollection(cid: CollT): Promise<void> {
    this.requireColl(cid);
    const name = collToString(cid);
    // Objects created or removed by this transaction, then the committed ones (after a drain).
    for (const s of this.staged.values()) if (collToString(s.cid) === name && s.onode) throw cephError('ENOTEMPTY', `collection ${name} is not empty`);
    if (this.host.coll(name) && !this.colls.has(name)) {
      await this.host.drain();
      for (const key of await this.host.dbCollObjects(cid, 1 + this.staged.size)) {
        const s = this.staged.get(key);
        if (!s || s.onode) throw cephError('ENOTEMPTY', `collection ${name} is not empty`);
      }
    }
    this.colls.set(name, null);
  }

  private async objectOp(op: Op, o: Onode): Promise<void> {
    switch (op.op) {
      case OP.TOUCH:
      case OP.SETALLOCHINT:
        return;
      case OP.WRITE:
        return this.write(o, op.offset, op.data, true);
      case OP.ZERO:
        return this.zero(o, op.offset, op.length);
      case OP.TRUNCATE:
        return this.truncate(o, op.size);
      case OP.REMOVE:
        return this.remove(op.cid, op.oid, o);
      case OP.SETATTRS:
        for (const [k, v] of op.attrs) mutableAttrs(o).set(k, Buffer.from(v));
        return;
      case OP.RMATTR:
        if (o.rec.attrs.has(op.name)) mutableAttrs(o).delete(op.name);
        return;
      case OP.RMATTRS:
        if (o.rec.attrs.size) mutableAttrs(o).clear();
        return;
      case OP.CLONE:
        return this.clone(op.cid, o, op.noid);
      case OP.CLONERANGE2: {
        const data = await this.readRange(o, op.srcOffset, op.length);
        const n = await this.create(op.cid, op.noid);
        if (data.length) await this.write(n, op.dstOffset, data, true);
        return;
      }
      case OP.COLL_MOVE_RENAME:
      case OP.TRY_RENAME:
        return this.rename(op.cid, o, op.op === OP.COLL_MOVE_RENAME ? op.ncid : op.cid, op.noid);
      case OP.OMAP_CLEAR:
        return this.omapClear(o);
      case OP.OMAP_SETKEYS: {
        const st = this.omapStage(o);
        for (const [k, v] of op.kv) st.keys.set(k, Buffer.from(v));
        o.rec.hasOmap = true;
        return;
      }
      case OP.OMAP_RMKEYS: {
        const st = this.omapStage(o);
        for (const k of op.keys) st.keys.set(k, null);
        return;
      }
      case OP.OMAP_RMKEYRANGE: {
        const cur = await this.currentOmap(o);
        const st = this.omapStage(o);
        for (const k of cur.keys.keys()) if (cmpOmapKey(k, op.first) >= 0 && cmpOmapKey(k, op.last) < 0) st.keys.set(k, null);
        return;
      }
      case OP.OMAP_SETHEADER:
        this.omapStage(o).header = Buffer.from(op.header);
        o.rec.hasOmap = true;
        return;
      default:
        throw cephError('EOPNOTSUPP', `op ${op.op} not supported`);
    }
  }

  private omapStage(o: Onode): OmapStage {
    let s = this.omap.get(o.rec.nid);
    if (!s) this.omap.set(o.rec.nid, (s = { keys: new Map() }));
    return s;
  }

  /** The object's omap as of this point of the transaction (committed state + staged changes). */
  async currentOmap(o: Onode): Promise<{ keys: Map<string, Buffer>; header: Buffer | undefined }> {
    let keys = new Map<string, Buffer>();
    let header: Buffer | undefined;
    if (o.rec.hasOmap || this.omap.has(o.rec.nid)) {
      await this.host.drain();
      const db = await this.host.dbOmap(o.rec.nid);
      keys = db.keys;
      header = db.header;
    }
    const st = this.omap.get(o.rec.nid);
    if (st) {
      for (const [k, v] of st.keys) {
        if (v) keys.set(k, v);
        else keys.delete(k);
      }
      if (st.header !== undefined) header = st.header ?? undefined;
    }
    return { keys, header };
  }

  private async omapClear(o: Onode): Promise<void> {
    const cur = await this.currentOmap(o);
    const st = this.omapStage(o);
    for (const k of cur.keys.keys()) st.keys.set(k, null);
    st.header = null;
    o.rec.hasOmap = false;
  }

  /** Read the plaintext of logical block lb as this transaction sees it. */
  private async readBlock(o: Onode, lb: number): Promise<Buffer> {
    const { pblock, csum } = getBlock(o, lb);
    const out = Buffer.alloc(blockBytes);
    if (pblock === 0) return out;
    const w = this.writes.get(pblock);
    if (w) return Buffer.from(w.plain);
    await this.host.io.readVerified([{ pblock, csum, at: 0 }], out, ghobjectToString(o.rec.oid));
    return out;
  }

  async readRange(o: Onode, offset: number, length: number): Promise<Buffer> {
    const end = Math.min(o.rec.size, offset + length);
    if (end <= offset) return Buffer.alloc(0);
    const out = Buffer.alloc(end - offset);
    for (let lb = Math.floor(offset / blockBytes); lb * blockBytes < end; lb++) {
      const b = await this.readBlock(o, lb);
      const s = Math.max(offset, lb * blockBytes);
      const e = Math.min(end, (lb + 1) * blockBytes);
      b.copy(out, s - offset, s - lb * blockBytes, e - lb * blockBytes);
    }
    return out;
  }

  private freeBlock(pblock: number): void {
    if (this.writes.get(pblock)?.mode === 'deferred') this.deferredBytes -= blockBytes;
    this.writes.delete(pblock);
    this.freed.push({ start: pblock, count: 1 });
  }

  /**
   * Write `data` at `offset`. The new contents of every covered block are built in one buffer (one
   * copy of the caller's bytes; partially covered blocks start from their old contents) and
   * checksummed in one native call. Writes up to deferredBytesMax (within the transaction's
   * journal budget) go through the journal: overwrites in place, holes to new blocks, both written
   * after the commit. Larger ones go to new blocks written before the commit, freeing the old ones.
   */
  async write(o: Onode, offset: number, data: Buffer, extend: boolean): Promise<void> {
    if (data.length === 0) {
      if (extend && offset > o.rec.size) this.setSize(o, offset);
      return;
    }
    const first = Math.floor(offset / blockBytes);
    const last = Math.floor((offset + data.length - 1) / blockBytes);
    const n = last - first + 1;
    const cow = data.length > deferredBytesMax || this.deferredBytes + n * blockBytes > this.host.deferredTxnBytesMax;
    // New blocks are written from an aligned buffer, which spares a copy when nothing is encrypted.
    const span = cow ? this.host.io.pool.getBuffer(n * blockBytes) : this.host.io.arena.take(n * blockBytes);
    if (cow) this.spans.push(span);
    const head = offset - first * blockBytes;
    if (head) (await this.readBlock(o, first)).copy(span, 0);
    if ((offset + data.length) % blockBytes && (last !== first || !head)) (await this.readBlock(o, last)).copy(span, (n - 1) * blockBytes);
    data.copy(span, head);
    const csums = crc32cBlocks(span, blockBytes);
    const plain = (i: number): Buffer => span.subarray(i * blockBytes, (i + 1) * blockBytes);
    if (cow) {
      const exts = this.host.allocator.allocate(n);
      this.allocated.push(...exts);
      let i = 0;
      for (const ext of exts) {
        for (let p = ext.start; p < ext.start + ext.count; p++, i++) {
          const prev = setBlock(o, first + i, p, csums[i]!);
          if (prev) this.freeBlock(prev);
          this.writes.set(p, { plain: plain(i), mode: 'direct', csum: csums[i]! });
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        const lb = first + i;
        const cur = getBlock(o, lb).pblock;
        if (!cur) {
          // A new block of a small write is deferred too (BlueStore's prefer_deferred_size): its
          // data rides in the journal record, so the commit costs one write and one flush, not a
          // data write and flush before the record's.
          const [ext] = this.host.allocator.allocate(1);
          this.allocated.push(ext!);
          setBlock(o, lb, ext!.start, csums[i]!);
          this.deferredBytes += blockBytes;
          this.writes.set(ext!.start, { plain: plain(i), mode: 'deferred', csum: csums[i]!, fresh: true });
          continue;
        }
        setBlock(o, lb, cur, csums[i]!);
        const w = this.writes.get(cur);
        if (w?.mode === 'direct') this.writes.set(cur, { plain: plain(i), mode: 'direct', csum: csums[i]! });
        else {
          if (!w) this.deferredBytes += blockBytes;
          this.writes.set(cur, w?.fresh ? { plain: plain(i), mode: 'deferred', csum: csums[i]!, fresh: true } : { plain: plain(i), mode: 'deferred', csum: csums[i]!, owner: o, lb });
        }
      }
    }
    if (extend && offset + data.length > o.rec.size) this.setSize(o, offset + data.length);
  }

  /**
   * Turn every in-place overwrite into a write to a new block (the old one is freed): for a
   * transaction too large for a journal record, which commits without one (commit.ts).
   */
  convertDeferred(): void {
    for (const [p, w] of [...this.writes]) {
      if (w.mode !== 'deferred') continue;
      if (w.fresh) {
        // Allocated by this transaction: nothing committed lives there, so it is written directly.
        this.writes.set(p, { plain: w.plain, mode: 'direct', csum: w.csum });
        continue;
      }
      const [ext] = this.host.allocator.allocate(1);
      this.allocated.push(ext!);
      setBlock(w.owner!, w.lb!, ext!.start, w.csum);
      this.freeBlock(p);
      this.writes.set(ext!.start, { plain: w.plain, mode: 'direct', csum: w.csum });
    }
    this.deferredBytes = 0;
  }

  private setSize(o: Onode, size: number): void {
    this.storedDelta += size - o.rec.size;
    o.rec.size = size;
  }

  private async zero(o: Onode, offset: number, length: number): Promise<void> {
    const end = offset + length;
    for (let lb = Math.floor(offset / blockBytes); lb * blockBytes < end; lb++) {
      const bs = lb * blockBytes;
      const s = Math.max(offset, bs);
      const e = Math.min(end, bs + blockBytes);
      const { pblock } = getBlock(o, lb);
      if (!pblock) continue;
      if (s === bs && e === bs + blockBytes) {
        setBlock(o, lb, 0, 0);
        this.freeBlock(pblock);
      } else {
        await this.write(o, s, Buffer.alloc(e - s), false);
      }
    }
    if (end > o.rec.size) this.setSize(o, end);
  }

  private async truncate(o: Onode, size: number): Promise<void> {
    if (size < o.rec.size) {
      const keep = Math.ceil(size / blockBytes);
      for (const b of [...mappedBlocks(o)]) {
        if (b.lb >= keep) {
          setBlock(o, b.lb, 0, 0);
          this.freeBlock(b.pblock);
        }
      }
      // Bytes past the end inside the last block must read as zeros if the object grows again.
      const tail = size % blockBytes;
      if (tail && getBlock(o, keep - 1).pblock) await this.write(o, size, Buffer.alloc(blockBytes - tail), false);
    }
    this.setSize(o, size);
  }

  private async remove(cid: CollT, oid: GHObject, o: Onode): Promise<void> {
    for (const b of mappedBlocks(o)) this.freeBlock(b.pblock);
    if (o.rec.hasOmap || this.omap.has(o.rec.nid)) await this.omapClear(o);
    this.removedNids.set(o.rec.nid, [...new Set([...o.rec.shards, ...o.shards.keys()])]);
    this.storedDelta -= o.rec.size;
    this.objectsDelta--;
    const key = cacheKey(cid, oid);
    const s = this.staged.get(key)!;
    this.staged.set(key, { ...s, onode: null });
  }

  private async clone(cid: CollT, src: Onode, noid: GHObject): Promise<void> {
    if (ghobjectSortKey(src.rec.oid) === ghobjectSortKey(noid)) return;
    const old = await this.get(cid, noid);
    if (old) await this.remove(cid, noid, old);
    const n = await this.create(cid, noid);
    n.rec.attrs = new Map(src.rec.attrs);
    // Data is copied (no shared blobs): the clone owns its blocks.
    const blocks = [...mappedBlocks(src)];
    if (blocks.length) {
      const exts = this.host.allocator.allocate(blocks.length);
      this.allocated.push(...exts);
      let i = 0;
      for (const ext of exts) {
        for (let p = ext.start; p < ext.start + ext.count; p++, i++) {
          const b = blocks[i]!;
          const plain = await this.readBlock(src, b.lb);
          setBlock(n, b.lb, p, b.csum);
          this.writes.set(p, { plain, mode: 'direct', csum: b.csum });
        }
      }
    }
    this.setSize(n, src.rec.size);
    const om = await this.currentOmap(src);
    if (om.keys.size || om.header) {
      const st = this.omapStage(n);
      for (const [k, v] of om.keys) st.keys.set(k, v);
      if (om.header) st.header = om.header;
      n.rec.hasOmap = true;
    }
  }

  private async rename(cid: CollT, o: Onode, ncid: CollT, noid: GHObject): Promise<void> {
    if (await this.get(ncid, noid)) throw cephError('EEXIST', `rename target ${ghobjectToString(noid)} exists in ${collToString(ncid)}`);
    const oldKey = cacheKey(cid, o.rec.oid);
    const s = this.staged.get(oldKey)!;
    this.staged.set(oldKey, { ...s, onode: null, moved: true });
    const moved: Onode = { ...o, cid: ncid, rec: { ...o.rec, oid: noid } };
    const newKey = cacheKey(ncid, noid);
    const prev = this.staged.get(newKey);
    this.staged.set(newKey, { cid: ncid, onode: moved, orig: prev?.orig });
  }
}

