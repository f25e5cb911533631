import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { cephError } from '@ts-ceph/common/core';
import { Reader, Writer, DencError, UTime, UTIME_ZERO, decodeUTime, encodeUTime, utimeFromMs } from '@ts-ceph/denc';

/**
 * CryptoKey and the cephx cipher (src/auth/Crypto.{h,cc}).
 *
 * A CryptoKey is "struct ceph_secret": le16 type, utime_t created, le16 len, secret bytes. Type 1
 * (CEPH_CRYPTO_AES) is AES-128: the first 16 bytes of the secret key AES-128-CBC with the fixed IV
 * "cephsageyudagreg" and PKCS#7 padding (always at least one byte, so 16-byte input grows to 32).
 * Type 0 (CEPH_CRYPTO_NONE) passes data through; any other type is refused as Ceph refuses it.
 */
export const CEPH_CRYPTO_NONE = 0;
export const CEPH_CRYPTO_AES = 1;

/** CEPH_AES_IV (src/include/ceph_fs.h): the fixed CBC IV cephx has always used. */
export const CEPH_AES_IV = Buffer.from('cephsageyudagreg', 'ascii');
const AES_KEY_BYTES = 16;
const AES_BLOCK_BYTES = 16;

/** Largest secret a CryptoKey may carry (its length is a le16 on the wire). */
export const cryptoKeySecretBytesMax = 0xffff;

/**
 * Where random bytes come from. The protocol cores take one (they read no entropy themselves) so a
 * deterministic simulation can feed a seeded stream; daemons pass `cryptoRandom` (src/random.ts,
 * the kernel CSPRNG via node:crypto).
 */
export interface RandomSource {
  bytes(n: number): Buffer;
}

/** A non-zero random u64 when `nonZero` (Ceph's server challenge is drawn from [1, 2^64-1]). */
export function randomU64(rng: RandomSource, nonZero = false): bigint {
  for (;;) {
    const v = rng.bytes(8).readBigUInt64LE(0);
    if (!nonZero || v !== 0n) return v;
  }
}

/** Constant-time equality of two byte strings (lengths are not secret). */
export function secretEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** Constant-time equality of two u64 values (cephx proofs and nonces are u64s). */
export function u64Equals(a: bigint, b: bigint): boolean {
  const x = Buffer.alloc(8);
  const y = Buffer.alloc(8);
  x.writeBigUInt64LE(BigInt.asUintN(64, a));
  y.writeBigUInt64LE(BigInt.asUintN(64, b));
  return timingSafeEqual(x, y);
}

export class CryptoKey {
  readonly type: number;
  readonly created: UTime;
  /** The raw secret; never compare it with === (use secretEquals). */
  readonly secret: Buffer;

  /** Throws EINVAL for a secret Ceph would refuse (unknown type, AES key shorter than 16 bytes). */
  constructor(type: number, created: UTime, secret: Uint8Array) {
    const s = Buffer.from(secret);
    if (s.length > cryptoKeySecretBytesMax) throw cephError('EINVAL', `secret of ${s.length} bytes exceeds ${cryptoKeySecretBytesMax}`);
    if (s.length > 0) {
      if (type === CEPH_CRYPTO_AES) {
        if (s.length < AES_KEY_BYTES) throw cephError('EINVAL', `AES secret must be at least ${AES_KEY_BYTES} bytes, got ${s.length}`);
      } else if (type !== CEPH_CRYPTO_NONE) {
        throw cephError('EOPNOTSUPP', `unsupported crypto type ${type}`);
      }
    }
    this.type = type;
    this.created = { sec: created.sec >>> 0, nsec: created.nsec >>> 0 };
    this.secret = s;
  }

  static empty(): CryptoKey {
    return new CryptoKey(CEPH_CRYPTO_NONE, UTIME_ZERO, Buffer.alloc(0));
  }

  /** A fresh AES key from `rng`, created at `nowMs` (CryptoKey::create; `ceph-authtool --gen-key`). */
  static generate(rng: RandomSource, nowMs: number): CryptoKey {
    return new CryptoKey(CEPH_CRYPTO_AES, utimeFromMs(nowMs), rng.bytes(AES_KEY_BYTES));
  }

  /**
   * The base64 text form used in keyrings and `ceph auth` output: base64 of the encoded key. Errors
   * do not quote the text: a mistyped key is still most of a secret.
   */
  static fromBase64(text: string): CryptoKey {
    const t = text.trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0 || t.length === 0) {
      throw cephError('EINVAL', `a key of ${t.length} characters that is not base64`);
    }
    const raw = Buffer.from(t, 'base64');
    try {
      const r = new Reader(raw);
      const k = decodeCryptoKey(r);
      r.expectEnd('CryptoKey');
      return k;
    } catch (e) {
      throw cephError('EINVAL', `a base64 key of ${t.length} characters that does not decode as a CryptoKey: ${(e as Error).message}`, { cause: e });
    }
  }

  toBase64(): string {
    const w = new Writer();
    encodeCryptoKey(w, this);
    return w.finish().toString('base64');
  }

  toString(): string {
    return this.toBase64();
  }

  /** console.log / util.inspect (and so every logged object holding a key) show no secret. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CryptoKey(type ${this.type}, ${this.secret.length}-byte secret)`;
  }

  isEmpty(): boolean {
    return this.secret.length === 0;
  }

  private aesKey(): Buffer {
    if (this.isEmpty()) throw cephError('EINVAL', 'cannot use an empty key');
    return this.secret.subarray(0, AES_KEY_BYTES);
  }

  /** CryptoAESKeyHandler::encrypt: AES-128-CBC, fixed IV, PKCS#7 (output = 16 + floor(len/16)*16). */
  encrypt(plain: Uint8Array): Buffer {
    if (this.type === CEPH_CRYPTO_NONE) return Buffer.from(plain);
    const c = createCipheriv('aes-128-cbc', this.aesKey(), CEPH_AES_IV);
    return Buffer.concat([c.update(plain), c.final()]);
  }

  /**
   * CryptoAESKeyHandler::decrypt. Like Ceph it does not check the padding bytes (that would be a
   * padding oracle): it trims min(last byte, 16) and leaves integrity to the magic the caller checks.
   */
  decrypt(cipher: Uint8Array): Buffer {
    if (this.type === CEPH_CRYPTO_NONE) return Buffer.from(cipher);
    if (cipher.length < AES_BLOCK_BYTES || cipher.length % AES_BLOCK_BYTES !== 0) {
      throw cephError('EINVAL', `ciphertext of ${cipher.length} bytes is not a whole number of AES blocks`);
    }
    const d = createDecipheriv('aes-128-cbc', this.aesKey(), CEPH_AES_IV);
    d.setAutoPadding(false);
    const out = Buffer.concat([d.update(cipher), d.final()]);
    const pad = Math.min(out[out.length - 1]!, AES_BLOCK_BYTES);
    return out.subarray(0, out.length - pad);
  }

  /** CryptoKeyHandler::hmac_sha256: HMAC-SHA256 keyed with the whole secret (msgr2 AUTH_SIGNATURE). */
  hmacSha256(data: Uint8Array | Uint8Array[]): Buffer {
    if (this.isEmpty()) throw cephError('EINVAL', 'cannot sign with an empty key');
    const h = createHmac('sha256', this.secret);
    for (const d of Array.isArray(data) ? data : [data]) h.update(d);
    return h.digest();
  }

  /** Same type and secret (constant time in the secret). */
  equals(other: CryptoKey): boolean {
    return this.type === other.type && secretEquals(this.secret, other.secret);
  }
}

export function decodeCryptoKey(r: Reader, field = 'CryptoKey'): CryptoKey {
  return r.within(field, () => {
    const type = r.u16('type');
    const created = decodeUTime(r, 'created');
    const len = r.u16('len');
    const start = r.off;
    const secret = Buffer.from(r.bytes(len, 'secret'));
    try {
      return new CryptoKey(type, created, secret);
    } catch (e) {
      throw new DencError('DENC_MALFORMED', r.where('secret'), start, `malformed secret: ${(e as Error).message}`);
    }
  });
}

export function encodeCryptoKey(w: Writer, k: CryptoKey): void {
  w.u16(k.type);
  encodeUTime(w, k.created);
  w.u16(k.secret.length).bytes(k.secret);
}
