import { DencError } from './errors';
import { dencLimits } from './limits';
import { stringFromBytes } from './string-bytes';

/**
 * A bounds-checked little-endian reader over one Buffer (Ceph's bufferlist::const_iterator).
 *
 * Every read checks the remaining bytes first and throws DencError naming the field, so a truncated or
 * corrupted input never surfaces as a RangeError. Byte ranges are returned as zero-copy subarrays of the
 * input: copy them if you keep them past the input's lifetime.
 *
 * `envelope()` implements DECODE_START/DECODE_FINISH (src/include/encoding.h): the body is confined to
 * struct_len bytes, an unknown tail is skipped, and struct_compat newer than we understand is refused.
 */
export class Reader {
  readonly buf: Buffer;
  off: number;
  /** Exclusive end of the current readable window (narrowed inside envelopes). */
  end: number;
  private readonly path: string[] = [];

  constructor(buf: Uint8Array, off = 0, end = buf.length) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (off < 0 || end > this.buf.length || off > end) throw new RangeError(`Reader window ${off}..${end} outside 0..${this.buf.length}`);
    this.off = off;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.off;
  }

  /** The dotted path of what is being decoded, for error messages. */
  where(field?: string): string {
    const p = this.path.join('.');
    return field ? (p ? `${p}.${field}` : field) : p;
  }

  fail(code: 'DENC_SHORT' | 'DENC_MALFORMED' | 'DENC_INCOMPAT' | 'DENC_LIMIT', detail: string, field?: string): never {
    throw new DencError(code, this.where(field), this.off, detail);
  }

  need(n: number, field?: string): void {
    if (n > this.end - this.off) this.fail('DENC_SHORT', `need ${n} bytes, ${this.end - this.off} left`, field);
  }

  /** Run `fn` with `name` pushed on the error path (a struct or element name). */
  within<T>(name: string, fn: () => T): T {
    this.path.push(name);
    if (this.path.length > dencLimits.envelopeDepthMax * 2) this.fail('DENC_LIMIT', `nesting deeper than ${dencLimits.envelopeDepthMax * 2}`);
    try {
      return fn();
    } finally {
      this.path.pop();
    }
  }

  u8(field?: string): number {
    this.need(1, field);
    return this.buf[this.off++]!;
  }
  i8(field?: string): number {
    this.need(1, field);
    return this.buf.readInt8(this.off++);
  }
  bool(field?: string): boolean {
    return this.u8(field) !== 0;
  }
  u16(field?: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16LE(this.off);
    this.off += 2;
    return v;
  }
  i16(field?: string): number {
    this.need(2, field);
    const v = this.buf.readInt16LE(this.off);
    this.off += 2;
    return v;
  }
  /** Big-endian u16 (sockaddr ports and the legacy sockaddr family). */
  u16be(field?: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  u32(field?: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32LE(this.off);
    this.off += 4;
    return v;
  }
  i32(field?: string): number {
    this.need(4, field);
    const v = this.buf.readInt32LE(this.off);
    this.off += 4;
    return v;
  }
  u64(field?: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigUInt64LE(this.off);
    this.off += 8;
    return v;
  }
  i64(field?: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigInt64LE(this.off);
    this.off += 8;
    return v;
  }
  /** A u64 that must fit a JS number exactly (sizes, counts, epochs in 64-bit fields). */
  u64n(field?: string): number {
    this.need(8, field);
    const lo = this.buf.readUInt32LE(this.off);
    const hi = this.buf.readUInt32LE(this.off + 4);
    if (hi > 0x1fffff) this.fail('DENC_LIMIT', `u64 ${this.buf.readBigUInt64LE(this.off)} exceeds 2^53`, field);
    this.off += 8;
    return hi * 0x1_0000_0000 + lo;
  }
  /** An i64 that must fit a JS number exactly. */
  i64n(field?: string): number {
    this.need(8, field);
    const v = this.buf.readBigInt64LE(this.off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail('DENC_LIMIT', `i64 ${v} exceeds 2^53`, field);
    this.off += 8;
    return Number(v);
  }
  f32(field?: string): number {
    this.need(4, field);
    const v = this.buf.readFloatLE(this.off);
    this.off += 4;
    return v;
  }
  f64(field?: string): number {
    this.need(8, field);
    const v = this.buf.readDoubleLE(this.off);
    this.off += 8;
    return v;
  }

  /** `n` raw bytes, zero-copy. */
  bytes(n: number, field?: string): Buffer {
    if (!Number.isInteger(n) || n < 0) this.fail('DENC_MALFORMED', `bad length ${n}`, field);
    this.need(n, field);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  skip(n: number, field?: string): void {
    this.need(n, field);
    this.off += n;
  }
  /** A bufferlist: le32 length + bytes (zero-copy). */
  blob(field?: string, maxBytes = dencLimits.blobBytesMax): Buffer {
    const n = this.u32(field);
    if (n > maxBytes) this.fail('DENC_LIMIT', `length ${n} over limit ${maxBytes}`, field);
    return this.bytes(n, field);
  }
  /**
   * A std::string: le32 length + bytes, decoded losslessly (string-bytes.ts: UTF-8, each invalid
   * byte escaped), so that Writer.string gives the same bytes back.
   */
  string(field?: string, maxBytes = dencLimits.stringBytesMax): string {
    const n = this.u32(field);
    if (n > maxBytes) this.fail('DENC_LIMIT', `string length ${n} over limit ${maxBytes}`, field);
    this.need(n, field);
    // stringFromBytes inlined: this is every op's object name, and the call showed in the micro-benchmark.
    let s = this.buf.toString('utf8', this.off, this.off + n);
    if (s.indexOf('\uFFFD') >= 0) s = stringFromBytes(this.buf, this.off, this.off + n);
    this.off += n;
    return s;
  }

  /** A container count: le32, refused if more than the remaining bytes could hold. */
  count(field?: string, minElementBytes = 1): number {
    const n = this.u32(field);
    if (n > dencLimits.containerCountMax) this.fail('DENC_LIMIT', `count ${n} over limit ${dencLimits.containerCountMax}`, field);
    if (n * minElementBytes > this.end - this.off) this.fail('DENC_SHORT', `count ${n} cannot fit in ${this.end - this.off} bytes`, field);
    return n;
  }

  /** std::vector / std::list / std::set: le32 count then elements. */
  list<T>(field: string, item: (r: Reader, i: number) => T, minElementBytes = 1): T[] {
    const n = this.count(field, minElementBytes);
    const out: T[] = [];
    for (let i = 0; i < n; i++) {
      this.path.push(`${field}[${i}]`);
      try {
        out.push(item(this, i));
      } finally {
        this.path.pop();
      }
    }
    return out;
  }

  /** std::map as ordered pairs (use when keys are structs). */
  pairs<K, V>(field: string, key: (r: Reader) => K, value: (r: Reader, k: K) => V, minElementBytes = 1): [K, V][] {
    const n = this.count(field, minElementBytes);
    const out: [K, V][] = [];
    for (let i = 0; i < n; i++) {
      this.path.push(`${field}[${i}]`);
      try {
        const k = key(this);
        out.push([k, value(this, k)]);
      } finally {
        this.path.pop();
      }
    }
    return out;
  }

  /** std::map with primitive keys (number, bigint, string) as a JS Map, insertion order = wire order. */
  map<K, V>(field: string, key: (r: Reader) => K, value: (r: Reader, k: K) => V, minElementBytes = 1): Map<K, V> {
    return new Map(this.pairs(field, key, value, minElementBytes));
  }

  /** std::optional / boost::optional: u8 present, then the value. */
  optional<T>(field: string, item: (r: Reader) => T): T | undefined {
    return this.bool(field) ? this.within(field, () => item(this)) : undefined;
  }

  /**
   * DECODE_START(ourVersion) ... DECODE_FINISH. `fn` gets the struct_v the sender used; the body may not
   * read past struct_len, and whatever it leaves unread (a newer sender's tail) is skipped.
   */
  envelope<T>(name: string, ourVersion: number, fn: (r: Reader, structV: number, structCompat: number) => T): T {
    return this.within(name, () => {
      const structV = this.u8('struct_v');
      const structCompat = this.u8('struct_compat');
      if (structCompat > ourVersion) this.fail('DENC_INCOMPAT', `struct_compat ${structCompat} > our version ${ourVersion} (struct_v ${structV})`);
      const len = this.u32('struct_len');
      if (len > this.end - this.off) this.fail('DENC_SHORT', `struct_len ${len} exceeds the ${this.end - this.off} bytes left`);
      return this.body(len, () => fn(this, structV, structCompat));
    });
  }

  /**
   * DECODE_START_LEGACY_COMPAT_LEN(v, compatv, lenv): old encodings without struct_compat (struct_v <
   * compatv) or without struct_len (struct_v < lenv). `skipV` bytes are skipped when compat is absent
   * (the _32/_16 variants).
   */
  envelopeLegacy<T>(name: string, ourVersion: number, compatV: number, lenV: number, fn: (r: Reader, structV: number) => T, skipV = 0): T {
    return this.within(name, () => {
      const structV = this.u8('struct_v');
      if (structV >= compatV) {
        const structCompat = this.u8('struct_compat');
        if (structCompat > ourVersion) this.fail('DENC_INCOMPAT', `struct_compat ${structCompat} > our version ${ourVersion}`);
      } else if (skipV) {
        this.skip(skipV, 'legacy_skip');
      }
      if (structV >= lenV) {
        const len = this.u32('struct_len');
        if (len > this.end - this.off) this.fail('DENC_SHORT', `struct_len ${len} exceeds the ${this.end - this.off} bytes left`);
        return this.body(len, () => fn(this, structV));
      }
      return fn(this, structV);
    });
  }

  /** Confine `fn` to the next `len` bytes, then skip whatever it left unread. */
  body<T>(len: number, fn: () => T): T {
    const start = this.off;
    const savedEnd = this.end;
    const end = start + len;
    if (end > savedEnd) this.fail('DENC_SHORT', `length ${len} exceeds the ${savedEnd - start} bytes left`);
    this.end = end;
    try {
      const v = fn();
      this.off = end;
      return v;
    } finally {
      this.end = savedEnd;
    }
  }

  /** Require the input to be fully consumed (top-level decodes). */
  expectEnd(what = 'input'): void {
    if (this.off !== this.end) this.fail('DENC_MALFORMED', `${this.end - this.off} stray bytes after ${what}`);
  }
}
