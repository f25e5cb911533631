import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CephError, cephError } from '@ts-ceph/common';

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
export const AESGCM_KEY_BYTES = 16;
export const AESGCM_NONCE_BYTES = 12;
export const AESGCM_TAG_BYTES = 16;
export const CONNECTION_SECRET_BYTES_MIN = AESGCM_KEY_BYTES + 2 * AESGCM_NONCE_BYTES;

/** A frame whose GCM tag does not verify (Ceph's MsgAuthError): the connection must fault. */
export class MsgAuthError extends CephError {
  constructor(what: string) {
    super('EBADMSG', 74, `secure mode: ${what}: authentication tag mismatch`);
    this.name = 'MsgAuthError';
  }
}

class NonceCounter {
  private readonly fixed: number;
  private counter: bigint;
  private readonly initial: bigint;
  private usedInitial = false;
  constructor(nonce: Buffer) {
    this.fixed = nonce.readUInt32LE(0);
    this.counter = nonce.readBigUInt64LE(4);
    this.initial = this.counter;
  }
  /**
   * The nonce for the next GCM operation. `guard` (tx only) refuses to reuse the initial nonce after
   * the 64-bit counter wrapped all the way round: reusing a GCM nonce with one key leaks plaintext
   * (Ceph: TxHandlerError "out of nonces").
   */
  next(guard: boolean): Buffer {
    if (guard && this.counter === this.initial) {
      if (this.usedInitial) throw cephError('EILSEQ', 'secure mode: out of nonces');
      this.usedInitial = true;
    }
    const n = Buffer.allocUnsafe(AESGCM_NONCE_BYTES);
    n.writeUInt32LE(this.fixed, 0);
    n.writeBigUInt64LE(this.counter, 4);
    this.counter = BigInt.asUintN(64, this.counter + 1n);
    return n;
  }
  /** Test hook: jump the counter (to exercise the wrap-around guard without 2^64 frames). */
  setCounter(v: bigint): void {
    this.counter = BigInt.asUintN(64, v);
  }
}

export class TxCipher {
  private readonly nonce: NonceCounter;
  constructor(private readonly key: Buffer, nonce: Buffer) {
    this.nonce = new NonceCounter(nonce);
  }
  /** One GCM operation over the concatenation of `parts`: ciphertext then tag. */
  seal(parts: readonly Buffer[]): Buffer[] {
    const c = createCipheriv('aes-128-gcm', this.key, this.nonce.next(true));
    const out: Buffer[] = [];
    for (const p of parts) if (p.length) out.push(c.update(p));
    const fin = c.final();
    if (fin.length) out.push(fin);
    out.push(c.getAuthTag());
    return out;
  }
  setCounterForTest(v: bigint): void {
    this.nonce.setCounter(v);
  }
}

export class RxCipher {
  private readonly nonce: NonceCounter;
  constructor(private readonly key: Buffer, nonce: Buffer) {
    this.nonce = new NonceCounter(nonce);
  }
  /**
   * One GCM operation: `cipher` is ciphertext followed by the 16-byte tag. Returns the plaintext or
   * throws MsgAuthError. The nonce advances either way, as Ceph's reset_rx_handler does.
   */
  open(cipher: Buffer, what: string): Buffer {
    const iv = this.nonce.next(false);
    if (cipher.length < AESGCM_TAG_BYTES) throw new MsgAuthError(`${what} shorter than a tag`);
    const d = createDecipheriv('aes-128-gcm', this.key, iv);
    d.setAuthTag(cipher.subarray(cipher.length - AESGCM_TAG_BYTES));
    const plain = d.update(cipher.subarray(0, cipher.length - AESGCM_TAG_BYTES));
    try {
      const fin = d.final();
      return fin.length ? Buffer.concat([plain, fin]) : plain;
    } catch {
      throw new MsgAuthError(what);
    }
  }
}

export interface SessionCiphers {
  rx: RxCipher;
  tx: TxCipher;
}

/**
 * rxtx_t::create_handler_pair: split the connection secret; `crossed` is true on the accepting side.
 */
export function createSessionCiphers(connectionSecret: Buffer, crossed: boolean): SessionCiphers {
  if (connectionSecret.length < CONNECTION_SECRET_BYTES_MIN) {
    throw cephError('EINVAL', `connection secret of ${connectionSecret.length} bytes is shorter than ${CONNECTION_SECRET_BYTES_MIN}`);
  }
  const key = Buffer.from(connectionSecret.subarray(0, AESGCM_KEY_BYTES));
  const rxNonce = connectionSecret.subarray(AESGCM_KEY_BYTES, AESGCM_KEY_BYTES + AESGCM_NONCE_BYTES);
  const txNonce = connectionSecret.subarray(AESGCM_KEY_BYTES + AESGCM_NONCE_BYTES, CONNECTION_SECRET_BYTES_MIN);
  return {
    rx: new RxCipher(key, crossed ? txNonce : rxNonce),
    tx: new TxCipher(key, crossed ? rxNonce : txNonce),
  };
}
