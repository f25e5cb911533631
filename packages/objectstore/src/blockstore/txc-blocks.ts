import { crc32cBlocks } from '../native/crypto';
import { ghobjectToString } from '../types';
import { BitmapAllocator, PExtent } from './allocator';
import { BlockIO, BlockRef } from './io';
import { blockBytes, deferredBytesMax } from './layout';
import { getBlock, mappedBlocks, Onode, setBlock } from './onode';
import { NeedFetch, TxcFetched } from './txc-fetch';

/** What staging a transaction's block contents needs from the store. */
export interface BlockHost {
  readonly allocator: BitmapAllocator;
  readonly io: BlockIO;
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

/**
 * A transaction's block contents while it is prepared (the data half of Txc, txc.ts): `writes`
 * maps device blocks to their new plaintext, either written in place after the commit through the
 * journal ('deferred') or straight to newly allocated space before it ('direct'), with the blocks
 * allocated and freed. Old contents not in memory are asked for with NeedFetch.
 */
export class TxcBlocks<H extends BlockHost> {
  readonly allocated: PExtent[] = [];
  readonly freed: PExtent[] = [];
  readonly writes = new Map<number, BlockWrite>();
  /** Aligned pool buffers holding this transaction's new-block data (returned once written). */
  readonly spans: Buffer[] = [];
  private deferredBytes = 0;
  storedDelta = 0;

  constructor(
    protected readonly host: H,
    protected readonly fetched: TxcFetched | undefined,
  ) {}

  /**
   * Throw NeedFetch for every one of the logical blocks [first, last] whose old contents are
   * neither staged by this transaction nor in memory (fetched, the overlay, the read cache), so
   * a transaction reading many blocks waits for them once, not once per block.
   */
  protected needBlocks(o: Onode, first: number, last: number, only?: (lb: number) => boolean): void {
    let refs: BlockRef[] | undefined;
    for (let lb = first; lb <= last; lb++) {
      if (only && !only(lb)) continue;
      const { pblock, csum } = getBlock(o, lb);
      if (pblock === 0 || this.writes.has(pblock) || this.fetched?.blocks.has(pblock) || this.host.io.inMemory(pblock, csum)) continue;
      (refs ??= []).push({ pblock, csum, at: refs.length * blockBytes });
    }
    if (!refs) return;
    const { io } = this.host;
    const what = ghobjectToString(o.rec.oid);
    const list = refs;
    throw new NeedFetch(async (into) => {
      const out = Buffer.alloc(list.length * blockBytes);
      await io.readVerified(list, out, what);
      for (const r of list) into.blocks.set(r.pblock, out.subarray(r.at, r.at + blockBytes));
    });
  }

  /** The plaintext of logical block lb as this transaction sees it (a copy of its own). */
  protected readBlock(o: Onode, lb: number): Buffer {
    const { pblock, csum } = getBlock(o, lb);
    const out = Buffer.alloc(blockBytes);
    if (pblock === 0) return out;
    const w = this.writes.get(pblock);
    if (w) return Buffer.from(w.plain);
    const f = this.fetched?.blocks.get(pblock);
    if (f) f.copy(out);
    else if (!this.host.io.copyFromMemory(pblock, csum, out, 0)) this.needBlocks(o, lb, lb);
    return out;
  }

  readRange(o: Onode, offset: number, length: number): Buffer {
    const end = Math.min(o.rec.size, offset + length);
    if (end <= offset) return Buffer.alloc(0);
    this.needBlocks(o, Math.floor(offset / blockBytes), Math.floor((end - 1) / blockBytes));
    const out = Buffer.alloc(end - offset);
    for (let lb = Math.floor(offset / blockBytes); lb * blockBytes < end; lb++) {
      const b = this.readBlock(o, lb);
      const s = Math.max(offset, lb * blockBytes);
      const e = Math.min(end, (lb + 1) * blockBytes);
      b.copy(out, s - offset, s - lb * blockBytes, e - lb * blockBytes);
    }
    return out;
  }

  protected freeBlock(pblock: number): void {
    if (this.writes.get(pblock)?.mode === 'deferred') this.deferredBytes -= blockBytes;
    this.writes.delete(pblock);
    this.freed.push({ start: pblock, count: 1 });
  }

  /**
   * Write `data` at `offset`. The new contents of every covered block are built in one buffer (one
   * copy of the caller's bytes; partially covered blocks start from their old contents) and
   * checksummed in one native call; a journalled write of whole blocks uses the caller's buffer as
   * it is (the transaction holds it by reference, as Ceph's bufferlist, transaction.ts). Writes up
   * to deferredBytesMax (within the transaction's journal budget) go through the journal:
   * overwrites in place, holes to new blocks, both written after the commit. Larger ones go to new
   * blocks written before the commit, freeing the old ones.
   */
  write(o: Onode, offset: number, data: Buffer, extend: boolean): void {
    if (data.length === 0) {
      if (extend && offset > o.rec.size) this.setSize(o, offset);
      return;
    }
    const first = Math.floor(offset / blockBytes);
    const last = Math.floor((offset + data.length - 1) / blockBytes);
    const n = last - first + 1;
    const head = offset - first * blockBytes;
    const tail = (offset + data.length) % blockBytes !== 0;
    // The old contents of partially covered blocks, before anything is taken or staged.
    if (head || tail) this.needBlocks(o, first, last, (lb) => (lb === first && head > 0) || (lb === last && tail));
    const cow = data.length > deferredBytesMax || this.deferredBytes + n * blockBytes > this.host.deferredTxnBytesMax;
    let span: Buffer;
    if (!cow && !head && !tail) span = data;
    else {
      // New blocks are written from an aligned buffer, which spares a copy when nothing is encrypted.
      span = cow ? this.host.io.pool.getBuffer(n * blockBytes) : this.host.io.arena.take(n * blockBytes);
      if (cow) this.spans.push(span);
      if (head) this.readBlock(o, first).copy(span, 0);
      if (tail && (last !== first || !head)) this.readBlock(o, last).copy(span, (n - 1) * blockBytes);
      data.copy(span, head);
    }
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

  protected setSize(o: Onode, size: number): void {
    this.storedDelta += size - o.rec.size;
    o.rec.size = size;
  }

  protected zero(o: Onode, offset: number, length: number): void {
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
        this.write(o, s, Buffer.alloc(e - s), false);
      }
    }
    if (end > o.rec.size) this.setSize(o, end);
  }

  protected truncate(o: Onode, size: number): void {
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
      if (tail && getBlock(o, keep - 1).pblock) this.write(o, size, Buffer.alloc(blockBytes - tail), false);
    }
    this.setSize(o, size);
  }
}
