/**
 * SSE-C on the request path (radosgw's RGWPutObj_BlockEncrypt / RGWGetObj_BlockDecrypt in
 * src/rgw/rgw_crypt.cc): PUT, copy and multipart parts encrypt with the customer's key before the
 * data reaches RADOS; GET, HEAD and copy sources must present the same key again. The ETag and
 * the size are the plaintext's (radosgw hashes before the encrypting filter); each multipart part
 * is its own cipher stream, as radosgw's RGW_ATTR_CRYPT_PARTS records.
 */
import { createHash } from 'node:crypto';
import { S3Error } from '../core/errors';
import { cryptChunkBytes, cryptTransform } from '../core/rgw-crypt';
import { CryptInfo, keyForRead, parseSseC, SSE_C_MODE, SseCKey } from '../core/sse-c';
import { IndexEntry } from '../store';
import { Ctx } from './context';

/** SSE-C headers are refused over plain HTTP unless rgw_crypt_require_ssl is false (InvalidRequest). */
function checkTransport(c: Ctx): void {
  if (!c.secure && c.options.cryptRequireSsl !== false) throw new S3Error('InvalidRequest', 'requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection');
}

/** The customer key this request gives for what it writes (or for its copy source, with `prefix`). */
export function requestKey(c: Ctx, prefix?: string): SseCKey | undefined {
  const k = parseSseC(c.req.headers, prefix);
  if (k) checkTransport(c);
  return k;
}

/** Encrypt a body (or a part) for storing: the ciphertext, the plaintext's ETag and the record. */
export function encryptBody(key: SseCKey | undefined, body: Buffer): { data: Buffer; etag?: string; crypt?: CryptInfo } {
  if (!key) return { data: body };
  return { data: cryptTransform(key.key, body, 0, true), etag: createHash('md5').update(body).digest('hex'), crypt: { mode: SSE_C_MODE, keyMd5: key.keyMd5 } };
}

/** The key that opens `e` (checked against its stored MD5), or undefined for an unencrypted object. */
export function readKey(c: Ctx, e: Pick<IndexEntry, 'crypt'>, prefix?: string): SseCKey | undefined {
  // radosgw: x-amz-server-side-encryption (SSE-S3/KMS) on a read is an InvalidRequest.
  if ((c.method === 'GET' || c.method === 'HEAD') && c.req.headers['x-amz-server-side-encryption'] !== undefined) {
    throw new S3Error('InvalidRequest', 'x-amz-server-side-encryption is not allowed on GET or HEAD');
  }
  if (!e.crypt) return undefined;
  checkTransport(c);
  return keyForRead(e.crypt, parseSseC(c.req.headers, prefix));
}

/**
 * Bytes [start, end] of `e` in plaintext. An encrypted object is read from the start of the 4 KiB
 * chunk holding `start` (of each part, each its own stream) to the end of the chunk holding `end`.
 */
export async function readPlain(c: Ctx, e: IndexEntry, start: number, end: number, key: SseCKey | undefined): Promise<Buffer> {
  if (e.size === 0 || end < start) return Buffer.alloc(0);
  if (!key) return c.store.readObject(e, start, end);
  const segments = e.parts ?? [{ size: e.size }];
  const out: Buffer[] = [];
  let off = 0;
  for (const s of segments) {
    const from = Math.max(start, off) - off;
    const to = Math.min(end, off + s.size - 1) - off;
    if (from <= to) {
      const a = from - (from % cryptChunkBytes);
      const b = Math.min(s.size - 1, to - (to % cryptChunkBytes) + cryptChunkBytes - 1);
      const plain = cryptTransform(key.key, await c.store.readObject(e, off + a, off + b), a, false);
      out.push(plain.subarray(from - a, to - a + 1));
    }
    off += s.size;
  }
  return Buffer.concat(out);
}
