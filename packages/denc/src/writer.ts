import { assert } from '@ts-ceph/common/core';
import { CEPH_FEATURES_ALL } from './features';
import { putBigI64LE, putBigU64LE, putI64LE } from './int64';
import { hasEscapedBytes, stringToBytes } from './string-bytes';

/**
 * A growable little-endian writer (Ceph's bufferlist append side). `features` are the peer's feature
 * bits: feature-dependent encoders (entity_addr_t, OSDMap, ...) read them from here, as Ceph's
 * encode(x, bl, features) does.
 *
 * `envelope()` is ENCODE_START/ENCODE_FINISH: struct_v, struct_compat, then a le32 length patched in
 * after the body is written.
 */
export class Writer {
  private buf: Buffer;
  private off = 0;
  features: bigint;

  constructor(features: bigint = CEPH_FEATURES_ALL, initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
    this.features = features;
  }

  get length(): number {
    return this.off;
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  u8(v: number): this {
    // The message is built only on failure: every encoder writes u8s, and a template per call showed in profiles.
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xff)) assert(false, `u8 out of range: ${v}`);
    this.ensure(1);
    this.buf[this.off++] = v;
    return this;
  }
  i8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.off);
    this.off += 1;
    return this;
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.off);
    this.off += 2;
    return this;
  }
  i16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.off);
    this.off += 2;
    return this;
  }
  u16be(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.off);
    this.off += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.off);
    this.off += 4;
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.off);
    this.off += 4;
    return this;
  }
  /** u64 from a bigint or a non-negative safe integer. */
  u64(v: bigint | number): this {
    this.ensure(8);
    if (typeof v === 'number') {
      if (!(Number.isSafeInteger(v) && v >= 0)) assert(false, `u64 out of range: ${v}`);
      this.buf.writeUInt32LE(v % 0x1_0000_0000, this.off);
      this.buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), this.off + 4);
    } else {
      // Modulo 2^64, as BigInt.asUintN(64, v), and without making bigints (int64.ts).
      putBigU64LE(this.buf, v, this.off);
    }
    this.off += 8;
    return this;
  }
  i64(v: bigint | number): this {
    this.ensure(8);
    if (typeof v === 'number' && Number.isSafeInteger(v)) putI64LE(this.buf, v, this.off);
    // Modulo 2^64, as BigInt.asIntN(64, v); BigInt() throws on a number that is not an integer.
    else putBigI64LE(this.buf, typeof v === 'bigint' ? v : BigInt(v), this.off);
    this.off += 8;
    return this;
  }
  f32(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.off);
    this.off += 4;
    return this;
  }
  f64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.off);
    this.off += 8;
    return this;
  }
  /** Raw bytes, no length prefix. */
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
    return this;
  }
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.off, this.off + n);
    this.off += n;
    return this;
  }
  /** A bufferlist: le32 length + bytes. */
  blob(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }
  /** A std::string: le32 length + its bytes (string-bytes.ts: UTF-8, escaped bytes as themselves). */
  string(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    // Only a string with a non-ASCII code unit (n > its length) can hold an escaped byte.
    if (n !== s.length && hasEscapedBytes(s)) return this.blob(stringToBytes(s));
    this.u32(n);
    this.ensure(n);
    this.buf.write(s, this.off, n, 'utf8');
    this.off += n;
    return this;
  }
  list<T>(items: readonly T[], item: (w: Writer, v: T, i: number) => void): this {
    this.u32(items.length);
    items.forEach((v, i) => item(this, v, i));
    return this;
  }
  pairs<K, V>(entries: Iterable<readonly [K, V]>, key: (w: Writer, k: K) => void, value: (w: Writer, v: V, k: K) => void): this {
    const arr = Array.isArray(entries) ? (entries as readonly (readonly [K, V])[]) : [...entries];
    this.u32(arr.length);
    for (const [k, v] of arr) {
      key(this, k);
      value(this, v, k);
    }
    return this;
  }
  map<K, V>(m: ReadonlyMap<K, V>, key: (w: Writer, k: K) => void, value: (w: Writer, v: V, k: K) => void): this {
    return this.pairs(m.entries(), key, value);
  }
  optional<T>(v: T | undefined, item: (w: Writer, v: T) => void): this {
    this.bool(v !== undefined);
    if (v !== undefined) item(this, v);
    return this;
  }

  /** ENCODE_START(v, compat) ... ENCODE_FINISH. */
  envelope(v: number, compat: number, body: (w: Writer) => void): this {
    this.u8(v).u8(compat);
    return this.lengthPrefixed(body);
  }

  /** A le32 length covering whatever `body` writes (patched afterwards). */
  lengthPrefixed(body: (w: Writer) => void): this {
    this.ensure(4);
    const at = this.off;
    this.off += 4;
    body(this);
    this.buf.writeUInt32LE(this.off - at - 4, at);
    return this;
  }

  /** The bytes written so far. The writer must not be used afterwards. */
  finish(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}

/** Encode with a fresh writer and return the bytes. */
export function encodeWith(body: (w: Writer) => void, features?: bigint): Buffer {
  const w = new Writer(features);
  body(w);
  return w.finish();
}
