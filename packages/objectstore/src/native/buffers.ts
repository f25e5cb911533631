import { assert } from '@ts-ceph/common';
import { nativeAddon } from './binding';

/** O_DIRECT needs buffer addresses, offsets and lengths aligned to the logical block size. */
export const ioAlignBytes = 4096;
/**
 * One slab of aligned memory; the first slab of a pool is registered with the ring, which pins it
 * (all of it is resident from the start). 2 MiB holds what a 4 KiB workload has in flight many
 * times over; a burst of large writes carves further slabs, which trim() lets go of afterwards
 * (bench/memory-profile.md, h-rss2: 8 MiB cost every OSD 8 MiB of RSS).
 */
export const poolSlabBytes = 2 * 1024 * 1024;
/** The largest buffer the pool keeps for reuse; larger ones are allocated and dropped. */
export const poolBufferBytesMax = 4 * 1024 * 1024;

/** Buffers from allocAligned, each with its memory's address modulo ioAlignBytes. */
const aligned = new WeakMap<ArrayBuffer, number>();

/**
 * A fresh aligned buffer (not pooled). It is a view into node's own Buffer memory, allocated a block
 * larger than asked and used from its first aligned byte (the native addon's alignSkip tells where
 * that is: JavaScript cannot see addresses). V8 accounts for this memory once and frees it with the
 * Buffer. posix_memalign memory behind an external ArrayBuffer, used before, was counted twice (by
 * V8 and by the addon's AdjustExternalMemory) and freed through a finalizer: 4000 buffers of 2 MiB
 * took 235 full collections and 1045 ms, against 3 and 119 ms this way.
 */
export function allocAligned(bytes: number): Uint8Array {
  assert(Number.isInteger(bytes) && bytes > 0 && bytes % ioAlignBytes === 0, `allocAligned: ${bytes} is not a positive multiple of ${ioAlignBytes}`);
  const whole = Buffer.allocUnsafeSlow(bytes + ioAlignBytes);
  const ab = whole.buffer as ArrayBuffer;
  const skip = nativeAddon().alignSkip(ab, ioAlignBytes);
  aligned.set(ab, (ioAlignBytes - skip) % ioAlignBytes);
  return new Uint8Array(ab, skip, bytes);
}

/**
 * Return malloc's free memory to the system (glibc's malloc_trim: the free pages between live
 * chunks too, in every arena). Undefined when the loaded addon predates mallocTrim (rebuild it
 * with npm run build:native); else whether anything was returned.
 */
export function releaseFreeMemory(): boolean | undefined {
  const addon = nativeAddon();
  return typeof addon.mallocTrim === 'function' ? addon.mallocTrim() : undefined;
}

/** True when `buf` may be handed to an O_DIRECT read or write. */
export function isAligned(buf: Uint8Array): boolean {
  const mod = aligned.get(buf.buffer as ArrayBuffer);
  return mod !== undefined && (mod + buf.byteOffset) % ioAlignBytes === 0 && buf.byteLength % ioAlignBytes === 0;
}

/**
 * A reusable pool of aligned I/O buffers in power-of-two size classes, carved from large slabs, so
 * the hot path allocates nothing. get() / put() pair up; a buffer must not be used after put().
 */
export class BufferPool {
  private readonly free = new Map<number, Uint8Array[]>();
  private slab: Uint8Array | undefined;
  private slabUsed = 0;
  private extraBytes = 0;
  readonly firstSlab: ArrayBuffer;

  constructor() {
    this.slab = allocAligned(poolSlabBytes);
    this.firstSlab = this.slab.buffer as ArrayBuffer;
  }

  static classOf(bytes: number): number {
    let c = ioAlignBytes;
    while (c < bytes) c *= 2;
    return c;
  }

  /** An aligned buffer of exactly `bytes` (a multiple of ioAlignBytes). Its contents are stale. */
  get(bytes: number): Uint8Array {
    assert(Number.isInteger(bytes) && bytes > 0 && bytes % ioAlignBytes === 0, `BufferPool.get: bad size ${bytes}`);
    const cls = BufferPool.classOf(bytes);
    if (cls > poolBufferBytesMax) return allocAligned(bytes);
    const list = this.free.get(cls);
    const b = list?.pop() ?? this.carve(cls);
    return b.byteLength === bytes ? b : b.subarray(0, bytes);
  }

  /** get() as a Buffer view (same memory; put() takes it back). */
  getBuffer(bytes: number): Buffer {
    const u = this.get(bytes);
    return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  }

  put(buf: Uint8Array): void {
    const cls = BufferPool.classOf(buf.byteLength);
    if (cls > poolBufferBytesMax) return;
    // Recover the whole class-sized view the buffer was cut from.
    const whole = new Uint8Array(buf.buffer, buf.byteOffset, cls);
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(whole);
  }

  /** Bytes of the slabs allocated beyond the first (registered) one since the last trim(). */
  get extraSlabBytes(): number {
    return this.extraBytes;
  }

  /**
   * Forget the free buffers carved from slabs other than the first, and the slab being carved if
   * it is not the first: once the buffers still in use come back and are dropped by the next
   * trim, the garbage collector frees those slabs. The memory a burst of large writes took is
   * returned this way instead of being kept for the next burst.
   */
  trim(): void {
    for (const [cls, list] of this.free) {
      const kept = list.filter((b) => b.buffer === this.firstSlab);
      if (kept.length > 0) this.free.set(cls, kept);
      else this.free.delete(cls);
    }
    if (this.slab && this.slab.buffer !== this.firstSlab) this.slab = undefined;
    this.extraBytes = 0;
  }

  private carve(cls: number): Uint8Array {
    if (!this.slab || this.slabUsed + cls > this.slab.byteLength) {
      this.slab = allocAligned(Math.max(poolSlabBytes, cls));
      this.extraBytes += this.slab.byteLength;
      this.slabUsed = 0;
    }
    const b = this.slab.subarray(this.slabUsed, this.slabUsed + cls);
    this.slabUsed += cls;
    return b;
  }
}

/** Bytes of one arena slab; a span larger than a quarter of it is allocated on its own. */
export const arenaSlabBytes = 256 * 1024;

/**
 * Short-lived buffers for small writes' block contents, cut from shared slabs (like Node's own
 * pool for buffers under 4 KiB, which 4 KiB blocks just miss): one ArrayBuffer per slab instead of
 * one per write. A slab is freed by the garbage collector once no span of it is referenced.
 */
export class SpanArena {
  private slab = SpanArena.newSlab();
  private used = 0;

  /**
   * Uninitialised memory: every span is filled whole by its taker (Txc.write covers each block it
   * takes with the old contents and the new bytes), so zeroing 256 KiB per slab is wasted work.
   */
  private static newSlab(): ArrayBuffer {
    return Buffer.allocUnsafeSlow(arenaSlabBytes).buffer as ArrayBuffer;
  }

  take(bytes: number): Buffer {
    if (bytes > arenaSlabBytes / 4) return Buffer.allocUnsafe(bytes);
    if (this.used + bytes > arenaSlabBytes) {
      this.slab = SpanArena.newSlab();
      this.used = 0;
    }
    const b = Buffer.from(this.slab, this.used, bytes);
    this.used += bytes;
    return b;
  }
}
