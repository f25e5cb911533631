/**
 * The object cipher of SSE-C (radosgw's AES_256_CBC in src/rgw/rgw_crypt.cc, kept byte-compatible
 * so data written by either gateway reads back through the other): the stream is cut into 4 KiB
 * chunks, each AES-256-CBC without padding under an IV that is the constant "aes256iv_ctr1337"
 * plus (stream offset / 16) as a 128-bit big-endian sum; a tail shorter than one AES block is XORed
 * with a pad: the encryption of the last ciphertext block when its chunk has one, else of the IV
 * for the tail's offset. The output has the input's length, so ranges map to the same offsets.
 * Pure: node:crypto's ciphers read no clock and do no I/O.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

/** radosgw's AES_256_CBC::CHUNK_SIZE: bytes under one IV. */
export const cryptChunkBytes = 4096;
const blockBytes = 16;
const baseIv = Buffer.from('aes256iv_ctr1337', 'latin1');
const zeroIv = Buffer.alloc(blockBytes);

/** The IV of the chunk at `offset` (prepare_iv: the base IV plus offset / 16, big-endian, with carry). */
export function chunkIv(offset: number): Buffer {
  const iv = Buffer.alloc(blockBytes);
  let index = BigInt(Math.floor(offset / blockBytes));
  let carry = 0;
  for (let i = blockBytes - 1; i >= 0; i--) {
    const val = Number(index & 0xffn) + baseIv[i]! + carry;
    iv[i] = val & 0xff;
    carry = val >> 8;
    index >>= 8n;
  }
  return iv;
}

function cbc(key: Buffer, iv: Buffer, data: Buffer, encrypt: boolean): Buffer {
  const c = encrypt ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/**
 * Encrypt (or decrypt) `input`, which starts at `streamOffset` of the object (or of its multipart
 * part: each part is its own stream), a multiple of cryptChunkBytes.
 */
export function cryptTransform(key: Buffer, input: Buffer, streamOffset: number, encrypt: boolean): Buffer {
  if (key.length !== 32) throw new Error('an AES-256 key is 32 bytes');
  if (streamOffset % cryptChunkBytes !== 0) throw new Error('the stream offset must be chunk-aligned');
  const aligned = input.length - (input.length % blockBytes);
  const out = Buffer.alloc(input.length);
  for (let off = 0; off < aligned; off += cryptChunkBytes) {
    const end = Math.min(aligned, off + cryptChunkBytes);
    cbc(key, chunkIv(streamOffset + off), input.subarray(off, end), encrypt).copy(out, off);
  }
  if (aligned < input.length) {
    // The pad comes from ciphertext: ours when encrypting, the input's when decrypting.
    const cipherText = encrypt ? out : input;
    const seed = aligned % cryptChunkBytes > 0 ? cipherText.subarray(aligned - blockBytes, aligned) : chunkIv(streamOffset + aligned);
    const pad = cbc(key, zeroIv, seed, true);
    for (let i = aligned; i < input.length; i++) out[i] = pad[i - aligned]! ^ input[i]!;
  }
  return out;
}
