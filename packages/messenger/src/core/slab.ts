/**
 * Buffers for outgoing frames (crc and secure) and received secure-mode plaintext, carved from
 * slabs owned by one connection's assembler or reader. A separate 4 KiB Buffer costs more than sealing
 * its 4 KiB (an ArrayBuffer outside the V8 heap, reported to the garbage collector); a view of a
 * slab costs a tenth of that. Frames larger than slabCarveBytesMax get a Buffer of their own.
 *
 * A view keeps its whole slab alive, as a crc-mode segment keeps the socket read it came in: the
 * most one connection pins this way is one slab per frame still held. Slabs with alignment gaps are
 * zero-filled, so the gaps between frames never expose memory from elsewhere in the process.
 *
 * Larger outgoing frames come from a TxBufferPool: their buffers are reused once the transport is
 * done with them, because a fresh multi-MiB buffer per frame is fresh memory the kernel must fault
 * in and zero (measured: a third of the sender's CPU for 4 MiB secure-mode messages).
 */
export const slabLimits = {
  /** Bytes of one slab. */
  slabBytes: 64 << 10,
  /** Largest buffer carved from a slab. */
  slabCarveBytesMax: 8 << 10,
  /** Most bytes of idle frame buffers one connection keeps for reuse (TxBufferPool). */
  txPoolBytesMax: 32 << 20,
  /**
   * Largest part of a crc-mode frame copied into the frame's slab buffer rather than written where
   * it lies: a small front or data segment then goes out in one buffer with the frame's preamble,
   * crcs and epilogue (and with the frames carved before it), which costs less than a buffer of its
   * own in the socket's write path; a larger one is not copied.
   */
  frameCopyBytesMax: 4 << 10,
};

export class Slab {
  private slab: Buffer | undefined;
  private used = 0;

  /**
   * `alignBytes`: where the next buffer starts (8 for buffers that decoders read integers from; 1
   * for outgoing frames, so that frames carved one after the other are adjacent in memory and the
   * transport writes them as one buffer). With 1 there are no gaps, and every carved byte is
   * written by the caller before anyone reads it, so such slabs are not zero-filled (`zeroFill`
   * false: the unused tail of a replaced slab is never handed out).
   */
  constructor(
    private readonly alignBytes = 8,
    private readonly zeroFill = true,
  ) {}

  /** A buffer of `n` bytes whose contents the caller overwrites entirely. */
  take(n: number): Buffer {
    if (n > slabLimits.slabCarveBytesMax) return Buffer.allocUnsafe(n);
    let s = this.slab;
    if (!s || this.used + n > s.length) {
      s = this.slab = this.zeroFill ? Buffer.alloc(slabLimits.slabBytes) : Buffer.allocUnsafeSlow(slabLimits.slabBytes);
      this.used = 0;
    }
    const b = s.subarray(this.used, this.used + n);
    const a = this.alignBytes - 1;
    this.used += (n + a) & ~a;
    return b;
  }
}

/**
 * Reusable buffers for large outgoing frames. take() hands out a view of a buffer; release(view)
 * (called when the transport reports the write done) makes it reusable. Only the exact view take()
 * returned releases it, once: a stale or foreign buffer is ignored, so a late or repeated release
 * can never free a buffer that carries another frame. A view never released is simply collected.
 * Free buffers above txPoolBytesMax are left to the garbage collector.
 */
export class TxBufferPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  /** Views handed out and not yet released -> the buffer they view. */
  private readonly out = new WeakMap<Buffer, Buffer>();
  /** Buffers handed out, and how many of them were reused ones. */
  readonly stats = { taken: 0, reused: 0 };

  take(n: number): Buffer {
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      // Reuse a buffer at most a quarter larger than needed (a view pins all of it).
      if (b.length >= n && b.length - n <= b.length >> 2) {
        this.free.splice(i, 1);
        this.freeBytes -= b.length;
        this.stats.reused++;
        return this.lend(b, n);
      }
    }
    return this.lend(Buffer.allocUnsafeSlow(n), n);
  }

  /** The transport no longer references `view` (a buffer from take(); anything else is ignored). */
  release(view: Buffer): void {
    const b = this.out.get(view);
    if (!b) return;
    this.out.delete(view);
    if (this.freeBytes + b.length > slabLimits.txPoolBytesMax) return;
    this.free.push(b);
    this.freeBytes += b.length;
  }

  private lend(b: Buffer, n: number): Buffer {
    this.stats.taken++;
    const view = b.subarray(0, n);
    this.out.set(view, b);
    return view;
  }
}
