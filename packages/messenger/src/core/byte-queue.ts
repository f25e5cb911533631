/**
 * Incoming bytes not yet consumed by a decoder: a list of chunks, so a large frame arriving in many
 * TCP reads is copied once (when it is taken whole), not once per read. Consumed chunks are dropped
 * by advancing an index (compacted now and then), so a stream fed one byte at a time stays linear.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private first = 0; // index of the first live chunk
  private head = 0; // bytes of chunks[first] already consumed
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.total += b.length;
  }

  /** The next `n` bytes without consuming them (zero-copy when they sit in one chunk). */
  peek(n: number): Buffer {
    if (n > this.total) throw new RangeError(`ByteQueue.peek(${n}) with ${this.total} buffered`);
    const c0 = this.chunks[this.first];
    if (n === 0) return Buffer.alloc(0);
    if (c0 && c0.length - this.head >= n) return c0.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    let skip = this.head;
    for (let i = this.first; off < n; i++) {
      const c = this.chunks[i]!;
      const take = Math.min(c.length - skip, n - off);
      c.copy(out, off, skip, skip + take);
      off += take;
      skip = 0;
    }
    return out;
  }

  /**
   * The next `n` bytes as views of the chunks they sit in, without consuming or copying them (a
   * decoder that reads them piecewise, such as the secure-mode decryption, needs no contiguous copy).
   */
  views(n: number, piecesMax = Infinity): Buffer[] {
    if (n > this.total) throw new RangeError(`ByteQueue.views(${n}) with ${this.total} buffered`);
    // Bytes that arrived in more than piecesMax chunks (a peer dribbling tiny TCP segments) are
    // copied into one buffer instead.
    let chunks = 0;
    for (let i = this.first, left = n + this.head; left > 0 && chunks <= piecesMax; i++, chunks++) left -= this.chunks[i]!.length;
    if (chunks > piecesMax) return [this.peek(n)];
    const out: Buffer[] = [];
    let skip = this.head;
    for (let i = this.first, left = n; left > 0; i++) {
      const c = this.chunks[i]!;
      const take = Math.min(c.length - skip, left);
      out.push(skip === 0 && take === c.length ? c : c.subarray(skip, skip + take));
      left -= take;
      skip = 0;
    }
    return out;
  }

  /** Consume and return the next `n` bytes. */
  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    if (n > this.total) throw new RangeError(`ByteQueue.skip(${n}) with ${this.total} buffered`);
    this.total -= n;
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.first]!;
      const avail = c.length - this.head;
      if (avail > left) {
        this.head += left;
        break;
      }
      left -= avail;
      this.first++;
      this.head = 0;
    }
    if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }

  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.head = 0;
    this.total = 0;
  }
}
