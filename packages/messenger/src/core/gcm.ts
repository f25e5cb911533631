import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assert, AssertionError, cephError } from '@ts-ceph/common/core';

/**
 * AES-128-GCM, one direction of one connection, several GCM operations per call (msgr2.1 secure
 * mode seals or opens a whole frame at once). The key is set once; each operation takes its own
 * 12-byte nonce. Two implementations behind one validated interface:
 *  - the native addon's GcmContext (native/gcm.cc): one long-lived OpenSSL context, re-keyed never,
 *    only its nonce set per operation. The driver injects it as a GcmBinding (src/native-gcm.ts);
 *    this file does no I/O and never loads it.
 *  - node:crypto (createCipheriv per operation) when no binding is given: the same bytes, slower.
 *
 * Input is a stream of pieces; operation k takes the next opBytes[k] bytes of it. seal writes each
 * operation's ciphertext and then its 16-byte tag; a piece may be a number n, meaning n zero bytes
 * (padding, so no padded copy of a segment is made). open reads each operation's ciphertext then
 * its tag from the stream and writes only plaintext; a tag that does not verify stops the call,
 * zeroes the output and reports the operation's index. Optional additional authenticated data
 * applies to every operation of a call (msgr2 uses none; the GCM specification's vectors do).
 */
export const GCM_KEY_BYTES = 16;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

/** Limits of one call (docs/LIMITS.md "messenger"; native/gcm.cc has the same numbers). */
export const gcmLimits = {
  /** GCM operations in one call (a msgr2.1 frame needs at most 3). */
  gcmOpsMax: 8,
  /**
   * Input pieces in one call. A received frame is decrypted from the socket reads it arrived in
   * (a 128 MiB frame in 64 KiB reads is 2048); one spread over more is first copied into one buffer.
   */
  gcmPiecesMax: 4096,
};

/** Bytes, or a count of zero bytes (seal only). */
export type GcmPiece = Uint8Array | number;

/** native/gcm.cc's GcmContext; it trusts its arguments only as far as it re-checks bounds. */
export interface NativeGcmContext {
  /** Bytes written. */
  seal(out: Uint8Array, outOffset: number, nonces: Uint8Array, opBytes: Uint32Array, ops: number, pieces: readonly GcmPiece[], aad?: Uint8Array): number;
  /** -1 when every tag verified, else the index of the failed operation (output zeroed). */
  open(out: Uint8Array, outOffset: number, nonces: Uint8Array, opBytes: Uint32Array, ops: number, pieces: readonly Uint8Array[], aad?: Uint8Array): number;
  destroy(): void;
}

/** How a core gets the native cipher: a constructor injected by the driver (absent: node:crypto). */
export type GcmBinding = (key: Uint8Array, encrypt: boolean) => NativeGcmContext;

export class AesGcm {
  private native: NativeGcmContext | undefined;
  private readonly key: Buffer;
  private destroyed = false;

  constructor(
    key: Uint8Array,
    readonly encrypt: boolean,
    binding?: GcmBinding,
  ) {
    if (key.byteLength !== GCM_KEY_BYTES) throw cephError('EINVAL', `aes-128-gcm: key must be ${GCM_KEY_BYTES} bytes, got ${key.byteLength}`);
    this.key = Buffer.from(key);
    this.native = binding?.(this.key, encrypt);
  }

  /** True when the native addon does the work. */
  get isNative(): boolean {
    return this.native !== undefined;
  }

  /**
   * Encrypt `ops` operations: operation k covers the next opBytes[k] bytes of `pieces` with the
   * nonce at nonces[12k..12k+12]; ciphertext and tag of each go to `out` from outOffset on.
   * Returns the bytes written (the plaintext length plus 16 per operation).
   */
  seal(out: Uint8Array, outOffset: number, nonces: Uint8Array, opBytes: Uint32Array, ops: number, pieces: readonly GcmPiece[], aad?: Uint8Array): number {
    assert(this.encrypt, 'aes-128-gcm: seal on a decrypting context');
    const plain = this.check(out, outOffset, nonces, opBytes, ops, pieces.length);
    let stream = 0;
    for (const p of pieces) {
      const n = typeof p === 'number' ? p : p.byteLength;
      assert(Number.isInteger(n) && n >= 0, 'aes-128-gcm: bad zero run');
      stream += n;
    }
    if (stream !== plain) throw new AssertionError(`aes-128-gcm: ${stream} bytes of pieces for ${plain} bytes of operations`);
    assert(outOffset + plain + ops * GCM_TAG_BYTES <= out.byteLength, 'aes-128-gcm: output too small');
    if (this.native) return aad ? this.native.seal(out, outOffset, nonces, opBytes, ops, pieces, aad) : this.native.seal(out, outOffset, nonces, opBytes, ops, pieces);
    return sealNode(this.key, out, outOffset, nonces, opBytes, ops, pieces, aad);
  }

  /**
   * Decrypt `ops` operations from `pieces` (each operation's ciphertext followed by its tag) into
   * `out` from outOffset on. Returns -1 when every tag verified, else the index of the first
   * operation that failed; the output is zeroed then.
   */
  open(out: Uint8Array, outOffset: number, nonces: Uint8Array, opBytes: Uint32Array, ops: number, pieces: readonly Uint8Array[], aad?: Uint8Array): number {
    assert(!this.encrypt, 'aes-128-gcm: open on an encrypting context');
    const plain = this.check(out, outOffset, nonces, opBytes, ops, pieces.length);
    let stream = 0;
    for (const p of pieces) stream += p.byteLength;
    if (stream !== plain + ops * GCM_TAG_BYTES) throw new AssertionError(`aes-128-gcm: ${stream} bytes of pieces for ${plain} bytes of operations and their tags`);
    assert(outOffset + plain <= out.byteLength, 'aes-128-gcm: output too small');
    if (this.native) return aad ? this.native.open(out, outOffset, nonces, opBytes, ops, pieces, aad) : this.native.open(out, outOffset, nonces, opBytes, ops, pieces);
    return openNode(this.key, out, outOffset, nonces, opBytes, ops, pieces, aad);
  }

  /** Free the native context (its key schedule) now rather than at garbage collection. */
  destroy(): void {
    this.native?.destroy();
    this.native = undefined;
    this.key.fill(0);
    this.destroyed = true;
  }

  /**
   * The checks both directions share; returns the plaintext bytes of all operations. (Messages
   * are built only on failure: this runs for every frame.)
   */
  private check(out: Uint8Array, outOffset: number, nonces: Uint8Array, opBytes: Uint32Array, ops: number, pieces: number): number {
    assert(!this.destroyed, 'aes-128-gcm: context destroyed');
    if (!(Number.isInteger(ops) && ops >= 1 && ops <= gcmLimits.gcmOpsMax && opBytes.length >= ops)) throw new AssertionError(`aes-128-gcm: ${ops} operations`);
    if (nonces.byteLength < ops * GCM_NONCE_BYTES) throw new AssertionError(`aes-128-gcm: ${nonces.byteLength} bytes of nonces for ${ops} operations`);
    if (pieces > gcmLimits.gcmPiecesMax) throw new AssertionError(`aes-128-gcm: ${pieces} pieces over gcmPiecesMax`);
    assert(Number.isInteger(outOffset) && outOffset >= 0 && outOffset <= out.byteLength, 'aes-128-gcm: output offset outside the buffer');
    let plain = 0;
    for (let k = 0; k < ops; k++) plain += opBytes[k]!;
    return plain;
  }
}

/** Walks a stream of pieces: next(want) returns up to `want` contiguous bytes. */
class Cursor {
  private i = 0;
  private off = 0;
  constructor(
    private readonly pieces: readonly GcmPiece[],
    private readonly zeros: Uint8Array,
  ) {}
  next(want: number): Uint8Array {
    for (;;) {
      const p = this.pieces[this.i];
      assert(p !== undefined, 'aes-128-gcm: pieces ran out');
      const n = typeof p === 'number' ? p : p.byteLength;
      if (this.off === n) {
        this.i++;
        this.off = 0;
        continue;
      }
      const take = Math.min(n - this.off, want, typeof p === 'number' ? this.zeros.byteLength : Infinity);
      const b = typeof p === 'number' ? this.zeros.subarray(0, take) : p.subarray(this.off, this.off + take);
      this.off += take;
      return b;
    }
  }
}

function nonceAt(nonces: Uint8Array, k: number): Uint8Array {
  return nonces.subarray(k * GCM_NONCE_BYTES, (k + 1) * GCM_NONCE_BYTES);
}

function sealNode(key: Buffer, out: Uint8Array, outOffset: number, nonces: Uint8Array, opBytes: Uint32Array, ops: number, pieces: readonly GcmPiece[], aad?: Uint8Array): number {
  const cur = new Cursor(pieces, new Uint8Array(64));
  let w = outOffset;
  for (let k = 0; k < ops; k++) {
    const c = createCipheriv('aes-128-gcm', key, nonceAt(nonces, k));
    if (aad) c.setAAD(aad);
    for (let left = opBytes[k]!; left > 0; ) {
      const p = cur.next(left);
      left -= p.byteLength;
      const ct = c.update(p);
      out.set(ct, w);
      w += ct.length;
    }
    const fin = c.final();
    out.set(fin, w);
    w += fin.length;
    out.set(c.getAuthTag(), w);
    w += GCM_TAG_BYTES;
  }
  return w - outOffset;
}

function openNode(key: Buffer, out: Uint8Array, outOffset: number, nonces: Uint8Array, opBytes: Uint32Array, ops: number, pieces: readonly Uint8Array[], aad?: Uint8Array): number {
  const cur = new Cursor(pieces, new Uint8Array(0));
  let w = outOffset;
  for (let k = 0; k < ops; k++) {
    const d = createDecipheriv('aes-128-gcm', key, nonceAt(nonces, k));
    if (aad) d.setAAD(aad);
    for (let left = opBytes[k]!; left > 0; ) {
      const p = cur.next(left);
      left -= p.byteLength;
      const pt = d.update(p);
      out.set(pt, w);
      w += pt.length;
    }
    const tag = Buffer.allocUnsafe(GCM_TAG_BYTES);
    for (let got = 0; got < GCM_TAG_BYTES; ) {
      const p = cur.next(GCM_TAG_BYTES - got);
      tag.set(p, got);
      got += p.byteLength;
    }
    d.setAuthTag(tag);
    try {
      const fin = d.final();
      out.set(fin, w);
      w += fin.length;
    } catch {
      out.fill(0, outOffset, w);
      return k;
    }
  }
  return -1;
}
