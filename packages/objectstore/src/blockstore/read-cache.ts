import { AssertionError } from '@ts-ceph/common';
import { blockBytes } from './layout';

/**
 * The default of readCacheBytesMax: verified plaintext of data blocks read from the device, kept
 * for the next read of them (BlueStore keeps what it read in its buffer cache the same way,
 * bluestore_default_buffered_read = true). 64 MiB holds an OSD's share of a 128 MiB rbd image.
 */
export const readCacheBytesMax = 64 * 1024 * 1024;

/** The buffer one device run was copied into; its blocks share it. */
export interface Run {
  buf: Buffer;
  /** The run's first device block; it covers buf.length / blockBytes blocks from there. */
  start: number;
  /** Blocks of this run still in the cache. */
  live: number;
  /** Its place in ReadCache.runs (kept for an O(1) removal). */
  index: number;
}

/** One cached block: bytes [at, at + blockBytes) of its run's buffer (no view is made per block). */
export interface CachedBlock {
  /** The block's crc32c when it was read: a hit needs the onode's current checksum to equal it. */
  readonly csum: number;
  readonly run: Run;
  readonly at: number;
}

/**
 * A cache of data blocks by device block number, filled by reads only (written data is not cached:
 * it is in the overlay until the device has it, and a block rewritten in place is dropped here when
 * its new contents enter the overlay, see CachingOverlay). A hit also needs the block's checksum in
 * the onode to be the one it was read with, so a block freed and reused by another object can never
 * be served stale even if a write path forgot to drop it.
 *
 * Whole runs (what one device read brought in) are evicted, chosen at random (a fixed-seed
 * generator, so runs replay): an LRU keeps nothing of a sequential scan larger than the cache (each
 * pass evicts what the next pass needs first, as fio's sequential reads over an image do), random
 * replacement keeps about the cache's share of it, and neither a hit nor an eviction walks a list.
 * Memory is counted by the runs' buffers (a run stays allocated while any of its blocks is cached),
 * so the bound holds on what is really held.
 */
export class ReadCache {
  private readonly blocks = new Map<number, CachedBlock>();
  private readonly runs: Run[] = [];
  private heldBytes = 0;
  private seed = 0x9e3779b9;
  hits = 0;
  misses = 0;

  constructor(private max = readCacheBytesMax) {}

  /** The bound on the bytes held; ts-osd's memory target moves it (resize). */
  get bytesMax(): number {
    return this.max;
  }

  /** A new bound: runs are evicted (at random, as fits() does) until the cache is within it. */
  resize(bytesMax: number): void {
    if (!Number.isInteger(bytesMax) || bytesMax < 0) throw new AssertionError(`read cache: bad bound ${bytesMax}`);
    this.max = bytesMax;
    while (this.runs.length > 0 && this.heldBytes > bytesMax) this.evictRun(this.runs[this.nextRandom() % this.runs.length]!);
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * The cached block pblock if its contents are still the ones with checksum `csum`: its bytes are
   * `run.buf` at `at` (copy them out; the cache's buffer is never handed to a reader).
   */
  get(pblock: number, csum: number): CachedBlock | undefined {
    const e = this.blocks.get(pblock);
    if (!e || e.csum !== csum) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return e;
  }

  /** Keep a copy of `count` consecutive verified blocks read from pblock (their checksums in `csums`). */
  put(pblock: number, plain: Uint8Array, csums: ArrayLike<number>): void {
    if (!this.fits(csums.length)) return;
    const buf = Buffer.allocUnsafe(csums.length * blockBytes);
    buf.set(plain.subarray(0, csums.length * blockBytes));
    this.insert(pblock, buf, csums);
  }

  /**
   * Keep `buf` itself (no copy) as the run of verified blocks read from pblock: the store hands
   * the same buffer to a reader that promised not to modify it (ObjectStore.readShared), and
   * nothing writes into a run once cached, so the reader and the cache share immutable bytes.
   */
  adopt(pblock: number, buf: Buffer, csums: ArrayLike<number>): void {
    if (buf.length !== csums.length * blockBytes) throw new AssertionError(`read cache: a run of ${csums.length} blocks in ${buf.length} bytes`);
    if (this.fits(csums.length)) this.insert(pblock, buf, csums);
  }

  /**
   * The cached bytes of `count` consecutive blocks from pblock as one view of a cached run, when
   * they are all in the same run, in order, with the checksums the onode has (`csumAt(i)`): a
   * shared read's hit, without a copy. Counts one hit or miss per block, as get() does.
   */
  view(pblock: number, count: number, csumAt: (i: number) => number): Buffer | undefined {
    const e = this.blocks.get(pblock);
    if (!e || e.at + count * blockBytes > e.run.buf.length) return undefined;
    for (let i = 0; i < count; i++) {
      const b = i === 0 ? e : this.blocks.get(pblock + i);
      if (!b || b.run !== e.run || b.at !== e.at + i * blockBytes || b.csum !== csumAt(i)) return undefined;
    }
    this.hits += count;
    return e.run.buf.subarray(e.at, e.at + count * blockBytes);
  }

  /** Whether a run of `count` blocks may be cached, after evicting runs to make room for it. */
  private fits(count: number): boolean {
    if (this.bytesMax <= 0 || count * blockBytes > this.bytesMax) return false;
    // Room first, so the new run is never its own victim.
    while (this.runs.length > 0 && this.heldBytes + count * blockBytes > this.bytesMax) this.evictRun(this.runs[this.nextRandom() % this.runs.length]!);
    return true;
  }

  private insert(pblock: number, buf: Buffer, csums: ArrayLike<number>): void {
    const run: Run = { buf, start: pblock, live: 0, index: this.runs.length };
    this.runs.push(run);
    this.heldBytes += buf.length;
    for (let i = 0; i < csums.length; i++) {
      this.drop(pblock + i);
      this.blocks.set(pblock + i, { csum: csums[i]!, run, at: i * blockBytes });
      run.live++;
    }
  }

  /** Forget pblock (its contents are about to change). */
  drop(pblock: number): void {
    const e = this.blocks.get(pblock);
    if (!e) return;
    this.blocks.delete(pblock);
    if (--e.run.live === 0) this.removeRun(e.run);
  }

  clear(): void {
    this.blocks.clear();
    this.runs.length = 0;
    this.heldBytes = 0;
  }

  private evictRun(run: Run): void {
    for (let i = 0; i < run.buf.length / blockBytes; i++) {
      if (this.blocks.get(run.start + i)?.run === run) this.blocks.delete(run.start + i);
    }
    this.removeRun(run);
  }

  private removeRun(run: Run): void {
    const last = this.runs.pop()!;
    if (last !== run) {
      this.runs[run.index] = last;
      last.index = run.index;
    }
    this.heldBytes -= run.buf.length;
  }

  /** xorshift32: the victim choice, the same on every run. */
  private nextRandom(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }
}

/**
 * The store's overlay (block contents not yet on the device) that drops a block from the read
 * cache whenever new contents for it arrive: every data write of the store enters the overlay
 * before it reaches the device, so this one hook keeps the cache coherent.
 */
export class CachingOverlay extends Map<number, Buffer> {
  constructor(private readonly cache: ReadCache) {
    super();
  }

  override set(pblock: number, plain: Buffer): this {
    // Map's constructor calls set before `cache` is assigned; nothing is cached then.
    this.cache?.drop(pblock);
    return super.set(pblock, plain);
  }
}

/**
 * Copies of whole blocks into one output buffer, joined while they continue one another in both
 * buffers (a 1 MiB hit read from one cached run is one copy, not 256).
 */
export class CoalescedCopy {
  private src: Buffer | undefined;
  private srcStart = 0;
  private srcEnd = 0;
  private dstStart = 0;

  constructor(private readonly out: Buffer) {}

  add(src: Buffer, srcAt: number, dstAt: number): void {
    if (src === this.src && srcAt === this.srcEnd && dstAt === this.dstStart + (this.srcEnd - this.srcStart)) {
      this.srcEnd += blockBytes;
      return;
    }
    this.flush();
    this.src = src;
    this.srcStart = srcAt;
    this.srcEnd = srcAt + blockBytes;
    this.dstStart = dstAt;
  }

  flush(): void {
    if (this.src) this.src.copy(this.out, this.dstStart, this.srcStart, this.srcEnd);
    this.src = undefined;
  }
}
