import { CephError, cephError } from '@ts-ceph/common/core';
import { AesGcm, GCM_KEY_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES, GcmBinding, gcmLimits, GcmPiece } from './gcm';

/**
 * msgr2.1 secure mode: AES-128-GCM with a 12-byte nonce { le32 fixed, le64 counter }
 * (src/msg/async/crypto_onwire.cc). Every GCM operation (a preamble, the rest of a first segment, or
 * the remaining segments plus epilogue) uses the next nonce: the counter is incremented after each
 * reset, as Ceph's rxtx handlers do with new_nonce_format (msgr2.1). The 16-byte tag follows the
 * ciphertext.
 *
 * The connection secret from the auth provider is key(16) | rx_nonce(12) | tx_nonce(12) as seen by
 * the client; the accepting side swaps the two nonces ("crossed"), so each direction has its own.
 */
export const AESGCM_KEY_BYTES = GCM_KEY_BYTES;
export const AESGCM_NONCE_BYTES = GCM_NONCE_BYTES;
export const AESGCM_TAG_BYTES = GCM_TAG_BYTES;
export const CONNECTION_SECRET_BYTES_MIN = AESGCM_KEY_BYTES + 2 * AESGCM_NONCE_BYTES;

/** A frame whose GCM tag does not verify (Ceph's MsgAuthError): the connection must fault. */
export class MsgAuthError extends CephError {
  constructor(what: string) {
    super('EBADMSG', 74, `secure mode: ${what}: authentication tag mismatch`);
    this.name = 'MsgAuthError';
  }
}

/**
 * The 96-bit nonce { le32 fixed, le64 counter }, the counter kept as two u32 halves (no bigint
 * arithmetic per frame).
 */
class NonceCounter {
  private readonly fixed: number;
  private lo: number;
  private hi: number;
  private readonly initialLo: number;
  private readonly initialHi: number;
  private usedInitial = false;
  constructor(nonce: Buffer) {
    this.fixed = nonce.readUInt32LE(0);
    this.lo = this.initialLo = nonce.readUInt32LE(4);
    this.hi = this.initialHi = nonce.readUInt32LE(8);
  }
  /**
   * Write the nonce for the next GCM operation at out[at..at+12]. `guard` (tx only) refuses to reuse
   * the initial nonce after the 64-bit counter wrapped all the way round: reusing a GCM nonce with
   * one key leaks plaintext (Ceph: TxHandlerError "out of nonces").
   */
  writeNext(out: Buffer, at: number, guard: boolean): void {
    if (guard && this.lo === this.initialLo && this.hi === this.initialHi) {
      if (this.usedInitial) throw cephError('EILSEQ', 'secure mode: out of nonces');
      this.usedInitial = true;
    }
    out.writeUInt32LE(this.fixed, at);
    out.writeUInt32LE(this.lo, at + 4);
    out.writeUInt32LE(this.hi, at + 8);
    if (this.lo === 0xffffffff) {
      this.lo = 0;
      this.hi = this.hi === 0xffffffff ? 0 : this.hi + 1;
    } else this.lo++;
  }
  /** Test hook: jump the counter (to exercise the wrap-around guard without 2^64 frames). */
  setCounter(v: bigint): void {
    const c = BigInt.asUintN(64, v);
    this.lo = Number(c & 0xffffffffn);
    this.hi = Number(c >> 32n);
  }
}

/**
 * Per-cipher scratch for one call: the nonces and operation lengths of up to gcmOpsMax operations
 * (owned by one connection's cipher, reused call after call; never shared between connections).
 */
class OpScratch {
  readonly nonces = Buffer.alloc(gcmLimits.gcmOpsMax * AESGCM_NONCE_BYTES);
  readonly opBytes = new Uint32Array(gcmLimits.gcmOpsMax);
}

export class TxCipher {
  private readonly nonce: NonceCounter;
  private readonly gcm: AesGcm;
  private readonly scratch = new OpScratch();
  /** `binding`: the native AES-GCM (see gcm.ts); node:crypto without it. */
  constructor(key: Buffer, nonce: Buffer, binding?: GcmBinding) {
    this.nonce = new NonceCounter(nonce);
    this.gcm = new AesGcm(key, true, binding);
  }

  get isNative(): boolean {
    return this.gcm.isNative;
  }

  /**
   * GCM operations over the stream of `pieces` (bytes, or counts of zero bytes): operation k covers
   * the next opBytes[k] bytes and takes the next nonce. Each operation's ciphertext and tag go to
   * `out` from outOffset on; returns the bytes written.
   */
  sealInto(out: Buffer, outOffset: number, opBytes: readonly number[], pieces: readonly GcmPiece[]): number {
    const s = this.scratch;
    const ops = opBytes.length;
    for (let k = 0; k < ops; k++) {
      this.nonce.writeNext(s.nonces, k * AESGCM_NONCE_BYTES, true);
      s.opBytes[k] = opBytes[k]!;
    }
    return this.gcm.seal(out, outOffset, s.nonces, s.opBytes, ops, pieces);
  }

  /** One GCM operation over the concatenation of `parts`: ciphertext then tag, in one buffer. */
  seal(parts: readonly Buffer[]): Buffer[] {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = Buffer.allocUnsafe(n + AESGCM_TAG_BYTES);
    this.sealInto(out, 0, [n], parts);
    return [out];
  }

  setCounterForTest(v: bigint): void {
    this.nonce.setCounter(v);
  }

  destroy(): void {
    this.gcm.destroy();
  }
}

export class RxCipher {
  private readonly nonce: NonceCounter;
  private readonly gcm: AesGcm;
  private readonly scratch = new OpScratch();
  constructor(key: Buffer, nonce: Buffer, binding?: GcmBinding) {
    this.nonce = new NonceCounter(nonce);
    this.gcm = new AesGcm(key, false, binding);
  }

  get isNative(): boolean {
    return this.gcm.isNative;
  }

  /**
   * GCM operations over `pieces` (operation k: opBytes[k] bytes of ciphertext, then its 16-byte
   * tag), the plaintext into `out` from outOffset on. A tag that does not verify throws
   * MsgAuthError naming what[k]. The nonces advance either way, as Ceph's reset_rx_handler does.
   */
  openInto(out: Buffer, outOffset: number, opBytes: readonly number[], pieces: readonly Uint8Array[], what: readonly string[]): void {
    const s = this.scratch;
    const ops = opBytes.length;
    for (let k = 0; k < ops; k++) {
      this.nonce.writeNext(s.nonces, k * AESGCM_NONCE_BYTES, false);
      s.opBytes[k] = opBytes[k]!;
    }
    const failed = this.gcm.open(out, outOffset, s.nonces, s.opBytes, ops, pieces);
    if (failed >= 0) throw new MsgAuthError(what[failed] ?? 'frame');
  }

  /**
   * One GCM operation: `cipher` is ciphertext followed by the 16-byte tag. Returns the plaintext or
   * throws MsgAuthError.
   */
  open(cipher: Buffer, what: string): Buffer {
    if (cipher.length < AESGCM_TAG_BYTES) {
      this.nonce.writeNext(this.scratch.nonces, 0, false);
      throw new MsgAuthError(`${what} shorter than a tag`);
    }
    const out = Buffer.allocUnsafe(cipher.length - AESGCM_TAG_BYTES);
    this.openInto(out, 0, [out.length], [cipher], [what]);
    return out;
  }

  destroy(): void {
    this.gcm.destroy();
  }
}

export interface SessionCiphers {
  rx: RxCipher;
  tx: TxCipher;
}

/**
 * rxtx_t::create_handler_pair: split the connection secret; `crossed` is true on the accepting side.
 * `binding` is the native AES-GCM the driver injects (src/native-gcm.ts); node:crypto without it.
 */
export function createSessionCiphers(connectionSecret: Buffer, crossed: boolean, binding?: GcmBinding): SessionCiphers {
  if (connectionSecret.length < CONNECTION_SECRET_BYTES_MIN) {
    throw cephError('EINVAL', `connection secret of ${connectionSecret.length} bytes is shorter than ${CONNECTION_SECRET_BYTES_MIN}`);
  }
  const key = Buffer.from(connectionSecret.subarray(0, AESGCM_KEY_BYTES));
  const rxNonce = connectionSecret.subarray(AESGCM_KEY_BYTES, AESGCM_KEY_BYTES + AESGCM_NONCE_BYTES);
  const txNonce = connectionSecret.subarray(AESGCM_KEY_BYTES + AESGCM_NONCE_BYTES, CONNECTION_SECRET_BYTES_MIN);
  return {
    rx: new RxCipher(key, crossed ? txNonce : rxNonce, binding),
    tx: new TxCipher(key, crossed ? rxNonce : txNonce, binding),
  };
}
