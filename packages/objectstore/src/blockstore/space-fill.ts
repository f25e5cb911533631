import { logger } from '@ts-ceph/common';
import { BitmapAllocator, PExtent } from './allocator';
import { BlockIO } from './io';
import { blockBytes } from './layout';

const log = logger('nativestore');

/** Free space kept written ahead of the allocator on a file-backed device, */
export const spaceFillAheadBytes = 32 * 1024 * 1024;
/** zero-filled this much at a time (one device write per free run of it). */
export const spaceFillChunkBytes = 1024 * 1024;
/**
 * and only while this fraction of the device is free: blocks held for their zeros are not free,
 * and a nearly full device must not refuse a write (ENOSPC) because of a hint.
 */
export const spaceFillFreeFraction = 1 / 4;

/**
 * Zero-fills free blocks of a file-backed device just ahead of the allocator, in the background.
 * The device file is sparse (mkfs only truncates it, so `ts-ceph bootstrap` stays fast); the first
 * write into a hole makes the file system allocate blocks and journal that, so the next flush, a
 * journal record's on the acknowledgement path, waits for a file-system journal commit. Small
 * writes land in place just behind the allocator's next-fit cursor, one hole each; writing the
 * space first, a chunk at a time, turns one file-system commit per write into one per chunk.
 *
 * Only free blocks are written, taken out of circulation while their zeros are in flight (a
 * free block holds nothing: freed blocks that a journal replay could still write are held by the
 * allocator until a checkpoint, so they are not free). This is a hint to the file system, not
 * state: nothing records it, and after a mount it starts again at the cursor (rewriting zeros
 * over space written before costs bandwidth, not correctness).
 */
export class SpaceFiller {
  /** Blocks below this (from where the cursor was) are written during this mount. */
  private frontier: number;
  private lastCursor: number;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Free blocks taken out of circulation while their zeros are in flight (still free to statfs). */
  holding = 0;

  constructor(
    private readonly io: BlockIO,
    private readonly allocator: BitmapAllocator,
  ) {
    this.frontier = allocator.nextBlock;
    this.lastCursor = allocator.nextBlock;
  }

  /** After allocations: start filling when the cursor has come within spaceFillAheadBytes. */
  poke(): void {
    if (this.running || this.stopped) return;
    const cursor = this.allocator.nextBlock;
    // The cursor wrapped to the start of the device: fill ahead of it there.
    if (cursor < this.lastCursor) this.frontier = cursor;
    this.lastCursor = cursor;
    if (cursor > this.frontier) this.frontier = cursor;
    if (this.frontier >= this.allocator.blocks || this.frontier - cursor >= spaceFillAheadBytes / blockBytes / 2 || !this.roomy()) return;
    this.running = this.fill().finally(() => (this.running = undefined));
  }

  private async fill(): Promise<void> {
    const chunk = spaceFillChunkBytes / blockBytes;
    const zeros = this.io.pool.getBuffer(spaceFillChunkBytes);
    zeros.fill(0);
    try {
      while (!this.stopped && this.frontier < this.allocator.blocks && this.frontier - this.allocator.nextBlock < spaceFillAheadBytes / blockBytes && this.roomy()) {
        const held = this.allocator.holdFree(this.frontier, chunk);
        this.holding = held.reduce((n, e) => n + e.count, 0);
        try {
          await Promise.all(held.map((e) => this.writeZeros(zeros, e)));
        } finally {
          this.allocator.release(held);
          this.holding = 0;
        }
        this.frontier += chunk;
      }
    } catch (e) {
      // Only a hint was lost: the store's own writes report device failures.
      log.warn(`${this.io.describe}: zero-filling free space failed, stopped: ${(e as Error).message}`);
      this.stopped = true;
    } finally {
      this.io.pool.put(zeros);
    }
  }

  private roomy(): boolean {
    return this.allocator.free >= this.allocator.blocks * spaceFillFreeFraction;
  }

  /** Free blocks hold nothing, so their zeros go out as they are, unencrypted. */
  private writeZeros(zeros: Buffer, e: PExtent): Promise<void> {
    return this.io.dev.writeBackground(zeros.subarray(0, e.count * blockBytes), this.io.dataOffset + e.start * blockBytes);
  }

  /** Umount: no new chunk; the one in flight completes. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
