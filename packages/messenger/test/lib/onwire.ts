/**
 * Expected msgr2.1 bytes built by hand with node:crypto and crc32c directly (never with the
 * assembler under test), after src/msg/async/frames_v2.cc and crypto_onwire.cc: a session secret,
 * the padding of segments to the cipher's block, one AES-128-GCM operation, a frame preamble.
 */
import { createCipheriv } from 'node:crypto';
import { crc32c } from '@ts-ceph/denc';

/** A session secret: the 16-byte key, then the rx and tx nonces ({le32 fixed, le64 counter}). */
export const secret = Buffer.from('000102030405060708090a0b0c0d0e0f' + 'a0a1a2a3' + 'fdffffffffffffff' + 'b0b1b2b3' + '1000000000000000', 'hex');
export const key = secret.subarray(0, 16);
/** The connecting side's tx nonce (the accepting side's rx nonce). */
export const clientTxNonce = secret.subarray(28, 40);
export const pad = (b: Buffer, n: number): Buffer => Buffer.concat([b, Buffer.alloc(n - b.length)]);
export const p16 = (b: Buffer): Buffer => pad(b, Math.ceil(b.length / 16) * 16);

/** One GCM operation with nonce {fixed, counter + step}, as crypto_onwire.cc does it. */
export function gcm(fixedAndCounter: Buffer, step: number, ...parts: Buffer[]): Buffer {
  const iv = Buffer.from(fixedAndCounter);
  iv.writeBigUInt64LE(BigInt.asUintN(64, iv.readBigUInt64LE(4) + BigInt(step)), 4);
  const c = createCipheriv('aes-128-gcm', key, iv);
  return Buffer.concat([c.update(Buffer.concat(parts)), c.final(), c.getAuthTag()]);
}

/** A frame's 32-byte preamble: tag, segment count, each segment's length and alignment, its crc32c. */
export function preamble(tag: number, lens: number[], aligns: number[]): Buffer {
  const b = Buffer.alloc(32);
  b[0] = tag;
  b[1] = lens.length;
  lens.forEach((l, i) => {
    b.writeUInt32LE(l, 2 + 6 * i);
    b.writeUInt16LE(aligns[i]!, 6 + 6 * i);
  });
  b.writeUInt32LE(crc32c(0, b.subarray(0, 28)), 28);
  return b;
}
