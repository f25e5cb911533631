import { assert, cephError } from '@ts-ceph/common';
import { bitmapChunkBlocks } from './layout';

/** One free-space extent handed out by the allocator, in device blocks. */
export interface PExtent {
  start: number;
  count: number;
}

/** The same blocks as fewest extents (sorted, adjacent ones merged); input extents do not overlap. */
export function coalesce(exts: PExtent[]): PExtent[] {
  if (exts.length < 2) return exts;
  const sorted = [...exts].sort((a, b) => a.start - b.start);
  const out: PExtent[] = [{ ...sorted[0]! }];
  for (let i = 1; i < sorted.length; i++) {
    const e = sorted[i]!;
    const last = out[out.length - 1]!;
    if (last.start + last.count === e.start) last.count += e.count;
    else out.push({ ...e });
  }
  return out;
}

/**
 * The bitmap allocator. Two bitmaps over the device's blocks (bit set = in use):
 *  - `committed` is exactly what the committed metadata references; it is persisted as chunks in
 *    LevelDB in the same batch as the transactions that change it, so it never disagrees with the
 *    onodes after a crash;
 *  - `inUse` is what may not be handed out now: committed blocks, blocks of transactions still in
 *    flight, and freed blocks held back until the deferred writes that might still land on them
 *    are retired (see store.ts).
 * Allocation is next-fit, preferring one contiguous run so a large write is one device I/O.
 */
export class BitmapAllocator {
  readonly committed: Uint8Array;
  private readonly inUse: Uint8Array;
  private cursor = 1;
  private freeBlocks: number;
  private readonly dirtyChunks = new Set<number>();

  constructor(readonly blocks: number) {
    const bytes = Math.ceil(Math.ceil(blocks / 8) / 4096) * 4096;
    this.committed = new Uint8Array(bytes);
    this.inUse = new Uint8Array(bytes);
    this.freeBlocks = blocks;
  }

  static isSet(bm: Uint8Array, b: number): boolean {
    return (bm[b >>> 3]! & (1 << (b & 7))) !== 0;
  }
  private static set(bm: Uint8Array, b: number, v: boolean): void {
    if (v) bm[b >>> 3]! |= 1 << (b & 7);
    else bm[b >>> 3]! &= ~(1 << (b & 7));
  }

  get free(): number {
    return this.freeBlocks;
  }
  chunkCount(): number {
    return Math.ceil(this.blocks / bitmapChunkBlocks);
  }

  /** Load one persisted chunk (mount). */
  loadChunk(chunk: number, data: Uint8Array): void {
    const off = (chunk * bitmapChunkBlocks) / 8;
    assert(data.length <= bitmapChunkBlocks / 8 && off + data.length <= this.committed.length, `bitmap chunk ${chunk} out of range`);
    this.committed.set(data, off);
  }
  /** After loading: inUse = committed; count free blocks. */
  finishLoad(): void {
    this.inUse.set(this.committed);
    let used = 0;
    for (let b = 0; b < this.blocks; b++) if (AllocatorBits.get(this.inUse, b)) used++;
    this.freeBlocks = this.blocks - used;
  }

  /** Allocate `count` blocks as few extents as possible; ENOSPC leaves nothing allocated. */
  allocate(count: number): PExtent[] {
    if (count > this.freeBlocks) throw cephError('ENOSPC', `need ${count} blocks, ${this.freeBlocks} free`);
    const out: PExtent[] = [];
    let need = count;
    let scanned = 0;
    let b = this.cursor;
    while (need > 0 && scanned < this.blocks) {
      if (b >= this.blocks) b = 1;
      if (AllocatorBits.get(this.inUse, b)) {
        // Skip whole used bytes quickly.
        if ((b & 7) === 0 && this.inUse[b >>> 3] === 0xff) {
          b += 8;
          scanned += 8;
        } else {
          b++;
          scanned++;
        }
        continue;
      }
      const start = b;
      while (b < this.blocks && need > 0 && !AllocatorBits.get(this.inUse, b)) {
        BitmapAllocator.set(this.inUse, b, true);
        b++;
        need--;
        scanned++;
      }
      out.push({ start, count: b - start });
    }
    assert(need === 0, 'allocator: free count disagrees with the bitmap');
    this.freeBlocks -= count;
    this.cursor = b;
    return out;
  }

  /** Where the next allocation starts looking (next-fit): allocations move forward from here. */
  get nextBlock(): number {
    return this.cursor;
  }

  /**
   * Take the free blocks of [start, start + count) out of circulation, uncommitted, until
   * release(): their contents are then the caller's to overwrite (space-fill.ts zero-fills them).
   */
  holdFree(start: number, count: number): PExtent[] {
    const out: PExtent[] = [];
    const end = Math.min(start + count, this.blocks);
    for (let b = start; b < end; b++) {
      if (AllocatorBits.get(this.inUse, b)) continue;
      BitmapAllocator.set(this.inUse, b, true);
      this.freeBlocks--;
      const last = out[out.length - 1];
      if (last && last.start + last.count === b) last.count++;
      else out.push({ start: b, count: 1 });
    }
    return out;
  }

  /** Return blocks that were never committed (a failed or abandoned transaction). */
  release(exts: PExtent[]): void {
    for (const e of exts) {
      for (let b = e.start; b < e.start + e.count; b++) {
        // The message is built only on failure: this runs for every block.
        if (!AllocatorBits.get(this.inUse, b)) assert(false, `release of free block ${b}`);
        BitmapAllocator.set(this.inUse, b, false);
      }
      this.freeBlocks += e.count;
    }
  }

  /** A committed transaction now references these blocks. */
  commitAllocated(exts: PExtent[]): void {
    for (const e of exts) this.markCommitted(e, true);
  }
  /** A committed transaction stopped referencing these blocks (they stay in use until released). */
  commitFreed(exts: PExtent[]): void {
    for (const e of exts) this.markCommitted(e, false);
  }
  private markCommitted(e: PExtent, v: boolean): void {
    const end = e.start + e.count;
    for (let b = e.start; b < end; b++) {
      if (AllocatorBits.get(this.committed, b) === v) assert(false, `committed bitmap: block ${b} already ${v ? 'allocated' : 'free'}`);
      BitmapAllocator.set(this.committed, b, v);
    }
    for (let c = Math.floor(e.start / bitmapChunkBlocks); c <= Math.floor((end - 1) / bitmapChunkBlocks); c++) this.dirtyChunks.add(c);
  }
  /** Journal replay: give blocks their committed state; a state the bitmap already has is kept. */
  replayExtents(exts: PExtent[], allocated: boolean): void {
    for (const e of exts) {
      assert(e.start >= 1 && e.start + e.count <= this.blocks, `replayed extent ${e.start}~${e.count} outside the device`);
      for (let b = e.start; b < e.start + e.count; b++) if (AllocatorBits.get(this.committed, b) !== allocated) this.markCommitted({ start: b, count: 1 }, allocated);
    }
  }

  /** Mark blocks in use at mkfs (the superblock and the journal). */
  reserve(start: number, count: number): void {
    for (let b = start; b < start + count; b++) BitmapAllocator.set(this.inUse, b, true);
    this.markCommitted({ start, count }, true);
    this.freeBlocks -= count;
  }

  /** Chunks changed since the last call, with their bytes, for the next LevelDB batch. */
  takeDirtyChunks(): [number, Buffer][] {
    const out: [number, Buffer][] = [];
    for (const c of [...this.dirtyChunks].sort((a, b) => a - b)) {
      const off = (c * bitmapChunkBlocks) / 8;
      out.push([c, Buffer.from(this.committed.subarray(off, Math.min(off + bitmapChunkBlocks / 8, this.committed.length)))]);
    }
    this.dirtyChunks.clear();
    return out;
  }
  committedAllocated(): number {
    let n = 0;
    for (let b = 0; b < this.blocks; b++) if (AllocatorBits.get(this.committed, b)) n++;
    return n;
  }
}

export const AllocatorBits = {
  get(bm: Uint8Array, b: number): boolean {
    return (bm[b >>> 3]! & (1 << (b & 7))) !== 0;
  },
};
