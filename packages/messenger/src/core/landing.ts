/**
 * Where the rest of a large received frame lands: one buffer sized for everything after the
 * preamble, filled in place. A transport that can choose where the socket writes (TCP with a read
 * target, see src/tcp-read.ts) reads straight into it, so a 1 MiB MESSAGE is never held as sixteen
 * 64 KiB socket reads and joined (a copy of every byte, and sixteen buffers of garbage); bytes from
 * a transport that cannot (the in-memory network, the reads before the preamble was decoded) are
 * copied into their final place once.
 *
 * In crc mode the landing buffer becomes the frame: its segments are views of it. In secure mode it
 * holds ciphertext, which is dead once the frame is opened, so one buffer per reader is reused for
 * every landed frame (up to rxLimits.cipherKeepBytesMax).
 */
export const rxLimits = {
  /**
   * Smallest rest of a MESSAGE frame (bytes after the preamble) that lands in a buffer of its own
   * when it is not all buffered yet; smaller frames stay views of the socket reads they came in.
   */
  frameLandBytesMin: 64 << 10,
  /** Largest secure-mode ciphertext buffer a reader keeps for reuse between landed frames. */
  cipherKeepBytesMax: 8 << 20,
};

export class Landing {
  /** Bytes of `buf` filled so far. */
  filled = 0;

  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.filled === this.buf.length;
  }

  /** The unfilled part, where the next bytes belong (a transport may read into it). */
  target(): Buffer | undefined {
    return this.done ? undefined : this.buf.subarray(this.filled);
  }

  /**
   * Bytes that arrived for this frame. Returns how many of them it took: `b` may run past the
   * frame's end (a transport reading into its own buffers), the caller keeps the rest. Bytes that a
   * transport read into target() are recognised by where they sit and taken without a copy.
   */
  accept(b: Buffer): number {
    const room = this.buf.length - this.filled;
    const n = Math.min(room, b.length);
    const inPlace = b.buffer === this.buf.buffer && b.byteOffset === this.buf.byteOffset + this.filled;
    if (!inPlace) b.copy(this.buf, this.filled, 0, n);
    this.filled += n;
    return n;
  }
}

/** One reusable ciphertext buffer: take(n) returns a view of n bytes (a new buffer when too small). */
export class CipherBuffer {
  private buf: Buffer | undefined;

  take(n: number): Buffer {
    let b = this.buf;
    if (!b || b.length < n) {
      b = Buffer.allocUnsafeSlow(n);
      this.buf = n <= rxLimits.cipherKeepBytesMax ? b : undefined;
    }
    return b.subarray(0, n);
  }
}
