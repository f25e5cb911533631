/**
 * SSE-C's cipher and headers. The expected ciphertext is built here block by block from AES-256
 * in ECB mode (node's, one block at a time), following radosgw's AES_256_CBC (rgw_crypt.cc) by
 * hand: CBC chains within 4 KiB chunks, IV "aes256iv_ctr1337" + offset/16, the short tail XORed
 * with the encryption of the last ciphertext block. The key/MD5 pair is the one in the S3 docs'
 * SSE-C examples' shape: a 32-byte key and the base64 of its MD5.
 */
import t from 'tap';
import { createCipheriv, createHash } from 'node:crypto';
import { chunkIv, cryptTransform } from '../src/core/rgw-crypt';
import { keyForRead, parseSseC } from '../src/core/sse-c';
import { S3Error } from '../src/core/errors';

const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

function ecb(block: Buffer): Buffer {
  const c = createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((x, i) => x ^ b[i]!));
}

/** radosgw's layout by hand, for a stream starting at offset 0. */
function byHand(plain: Buffer): Buffer {
  const out: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(16);
  const aligned = plain.length - (plain.length % 16);
  for (let off = 0; off < aligned; off += 16) {
    if (off % 4096 === 0) {
      const iv = Buffer.from('aes256iv_ctr1337', 'latin1');
      // offset / 16 added big-endian: small offsets only touch the last two bytes here.
      const n = iv.readUInt16BE(14) + off / 16;
      iv.writeUInt16BE(n & 0xffff, 14);
      iv[13] = iv[13]! + (n >> 16);
      prev = iv;
    }
    prev = ecb(xor(plain.subarray(off, off + 16), prev));
    out.push(prev);
  }
  if (aligned < plain.length) {
    const seed = aligned % 4096 ? prev : Buffer.from('unused-in-tests!');
    out.push(xor(plain.subarray(aligned), ecb(seed)));
  }
  return Buffer.concat(out);
}

t.test('the IV of a chunk: base IV plus offset / 16, big-endian with carry', async (t) => {
  t.equal(chunkIv(0).toString('latin1'), 'aes256iv_ctr1337');
  t.equal(chunkIv(4096).toString('latin1'), 'aes256iv_ctr1347', '4096 / 16 = 0x100: the second-to-last byte');
  t.same([...chunkIv(16 * 0xc9).subarray(14)], [0x34, 0x00], "0x37 + 0xc9 carries into the next byte");
});

t.test('encryption matches radosgw layout built by hand, and decrypts back', async (t) => {
  const plain = Buffer.from(Array.from({ length: 4096 * 2 + 37 }, (_, i) => (i * 31) % 256));
  const enc = cryptTransform(key, plain, 0, true);
  t.equal(enc.length, plain.length, 'the length is kept');
  t.same(enc, byHand(plain), 'two chunks and a 5-byte tail after two full blocks');
  t.same(cryptTransform(key, enc, 0, false), plain, 'decrypt');
  // A range read starts at a chunk boundary: the second chunk alone decrypts with its offset.
  t.same(cryptTransform(key, enc.subarray(4096), 4096, false), plain.subarray(4096), 'from the second chunk on');
  const tiny = Buffer.from('hello');
  t.same(cryptTransform(key, cryptTransform(key, tiny, 0, true), 0, false), tiny, 'a tail-only object (pad from the IV)');
  t.same(cryptTransform(key, tiny, 0, true), xor(tiny, ecb(Buffer.from('aes256iv_ctr1337', 'latin1'))), 'whose pad is the encrypted chunk IV');
});

t.test('SSE-C headers, with radosgw errors', async (t) => {
  const k64 = key.toString('base64');
  const md5 = createHash('md5').update(key).digest('base64');
  const h = (alg?: string, k?: string, m?: string) => ({ 'x-amz-server-side-encryption-customer-algorithm': alg, 'x-amz-server-side-encryption-customer-key': k, 'x-amz-server-side-encryption-customer-key-md5': m });
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (e) {
      return e instanceof S3Error ? `${e.status} ${e.code}` : String(e);
    }
  };
  t.same(parseSseC(h('AES256', k64, md5))?.keyMd5, md5);
  t.equal(parseSseC({}), undefined, 'no SSE-C');
  t.equal(code(() => parseSseC(h('AES128', k64, md5))), '400 InvalidEncryptionAlgorithmError');
  t.equal(code(() => parseSseC(h(undefined, k64, md5))), '400 InvalidArgument', 'a key without an algorithm');
  t.equal(code(() => parseSseC(h('AES256', key.subarray(0, 16).toString('base64'), md5))), '400 InvalidArgument', 'a short key');
  t.equal(code(() => parseSseC(h('AES256', k64, createHash('md5').update('x').digest('base64')))), '400 InvalidArgument', 'a wrong MD5');
  t.equal(code(() => keyForRead({ mode: 'SSE-C-AES256', keyMd5: md5 }, undefined)), '400 InvalidArgument', 'reading without the key');
  const other = Buffer.alloc(32, 7);
  t.equal(code(() => keyForRead({ mode: 'SSE-C-AES256', keyMd5: md5 }, { key: other, keyMd5: createHash('md5').update(other).digest('base64') })), '400 InvalidArgument', 'another key');
});
