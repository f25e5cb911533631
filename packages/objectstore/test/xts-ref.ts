// A second, independent AES-XTS (IEEE 1619) built in the test from AES-ECB, to check the addon's
// OpenSSL XTS and the plain64 IV layout without trusting any XTS implementation.
import { createCipheriv, createDecipheriv } from 'node:crypto';

function ecb(encrypt: boolean, key: Buffer, block: Buffer): Buffer {
  const alg = key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb';
  const c = encrypt ? createCipheriv(alg, key, null) : createDecipheriv(alg, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** Multiply the tweak by alpha in GF(2^128) (little-endian convention of IEEE 1619). */
function mulAlpha(t: Buffer): void {
  let carry = 0;
  for (let i = 0; i < 16; i++) {
    const next = t[i]! >> 7;
    t[i] = ((t[i]! << 1) | carry) & 0xff;
    carry = next;
  }
  if (carry) t[0]! ^= 0x87;
}

/** XTS over one data unit with a 16-byte tweak value (plain64: little-endian sector number). */
export function xtsRef(encrypt: boolean, key: Buffer, tweakValue: Buffer, data: Buffer): Buffer {
  const half = key.length / 2;
  const k1 = key.subarray(0, half);
  const k2 = key.subarray(half);
  const t = ecb(true, k2, tweakValue);
  const out = Buffer.alloc(data.length);
  for (let off = 0; off < data.length; off += 16) {
    const x = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) x[i] = data[off + i]! ^ t[i]!;
    const y = ecb(encrypt, k1, x);
    for (let i = 0; i < 16; i++) out[off + i] = y[i]! ^ t[i]!;
    mulAlpha(t);
  }
  return out;
}

export function plain64(iv: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(iv));
  return b;
}
