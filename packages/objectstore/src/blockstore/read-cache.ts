import { blockBytes } from './layout';

/**
 * The default of readCacheBytesMax: verified plaintext of data blocks read from the device, kept
 * for the next read of them (BlueStore keeps what it read in its buffer cache the same way,
 * bluestore_default_buffered_read = true). 64 MiB holds an OSD's share of a 128 MiB rbd image.
 */
export const readCacheBytesMax = 64 * 1024 * 1024;

/** The buffer one device run was copied into; its blocks share it. */
interface Run {
  buf: Buffer;
  /** Blocks of this run still in the cache. */
  live: number;
}

interface Entry {
  /** The block's crc32c when it was read: a hit needs the onode's current checksum to equal it. */
  csum: number;
  data: Buffer;
  run: Run;
}

/**
 * An LRU cache of data blocks by device block number, filled by reads only (written data is not
 * cached: it is in the overlay until the device has it, and a block rewritten in place is dropped
 * here when its new contents enter the overlay, see CachingOverlay). A hit also needs the block's
 * checksum in the onode to be the one it was read with, so a block freed and reused by another
 * object can never be served stale even if a write path forgot to drop it.
 *
 * Memory is counted by the runs' buffers (a run stays allocated while any of its blocks is
 * cached), so the bound holds on what is really held; eviction goes on until it does.
 */
export class ReadCache {
  private readonly blocks = new Map<number, Entry>();
  private heldBytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly bytesMax = readCacheBytesMax) {}

  get bytes(): number {
    return this.heldBytes;
  }

  /** The cached contents of pblock if they are still the ones with checksum `csum` (a view: copy it out). */
  get(pblock: number, csum: number): Buffer | undefined {
    const e = this.blocks.get(pblock);
    if (!e || e.csum !== csum) {
      this.misses++;
      return undefined;
    }
    // Map order is the LRU order: a hit moves the block to the young end.
    this.blocks.delete(pblock);
    this.blocks.set(pblock, e);
    this.hits++;
    return e.data;
  }

  /** Keep a copy of `count` consecutive verified blocks read from pblock (their checksums in `csums`). */
  put(pblock: number, plain: Uint8Array, csums: ArrayLike<number>): void {
    const count = csums.length;
    if (this.bytesMax <= 0 || count * blockBytes > this.bytesMax) return;
    const run: Run = { buf: Buffer.allocUnsafe(count * blockBytes), live: 0 };
    run.buf.set(plain.subarray(0, count * blockBytes));
    this.heldBytes += run.buf.length;
    for (let i = 0; i < count; i++) {
      this.drop(pblock + i);
      this.blocks.set(pblock + i, { csum: csums[i]!, data: run.buf.subarray(i * blockBytes, (i + 1) * blockBytes), run });
      run.live++;
    }
    this.evict();
  }

  /** Forget pblock (its contents are about to change). */
  drop(pblock: number): void {
    const e = this.blocks.get(pblock);
    if (!e) return;
    this.blocks.delete(pblock);
    this.release(e.run);
  }

  clear(): void {
    this.blocks.clear();
    this.heldBytes = 0;
  }

  private release(run: Run): void {
    if (--run.live === 0) this.heldBytes -= run.buf.length;
  }

  private evict(): void {
    for (const [pblock, e] of this.blocks) {
      if (this.heldBytes <= this.bytesMax) return;
      this.blocks.delete(pblock);
      this.release(e.run);
    }
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
