/**
 * SSE-C request headers (the S3 "Using server-side encryption with customer-provided keys"
 * guide; radosgw's rgw_s3_prepare_encrypt / rgw_s3_prepare_decrypt in src/rgw/rgw_crypt.cc, whose
 * errors and messages these are): x-amz-server-side-encryption-customer-algorithm (AES256), -key
 * (base64 of 32 bytes) and -key-MD5 (base64 of the key's MD5); the copy source's under
 * x-amz-copy-source-server-side-encryption-customer-*. Pure.
 */
import { createHash } from 'node:crypto';
import { S3Error } from './errors';

export const SSE_C_MODE = 'SSE-C-AES256';
export const sseHeaderPrefix = 'x-amz-server-side-encryption-customer-';
export const copySourceSsePrefix = 'x-amz-copy-source-server-side-encryption-customer-';

/** What an encrypted object keeps (radosgw's RGW_ATTR_CRYPT_MODE and RGW_ATTR_CRYPT_KEYMD5). */
export interface CryptInfo {
  mode: typeof SSE_C_MODE;
  /** base64 of the key's MD5 (what GET must present again). */
  keyMd5: string;
}

export interface SseCKey {
  key: Buffer;
  keyMd5: string;
}

const badKey = 'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.';

function base64Strict(s: string): Buffer | undefined {
  const t = s.trim();
  return /^[A-Za-z0-9+/]*={0,2}$/.test(t) && t.length % 4 === 0 ? Buffer.from(t, 'base64') : undefined;
}

/** The customer key of a request (under `prefix`), or undefined when it names none. */
/** The three header names under each prefix, built once: every PUT and GET asks for them. */
const names = new Map([sseHeaderPrefix, copySourceSsePrefix].map((p) => [p, { alg: `${p}algorithm`, key: `${p}key`, md5: `${p}key-md5` }]));

export function parseSseC(headers: Record<string, string | string[] | undefined>, prefix = sseHeaderPrefix): SseCKey | undefined {
  const n = names.get(prefix) ?? { alg: `${prefix}algorithm`, key: `${prefix}key`, md5: `${prefix}key-md5` };
  const get = (name: string): string | undefined => {
    const v = headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const alg = get(n.alg);
  const keyText = get(n.key);
  const md5Text = get(n.md5);
  if (alg === undefined) {
    if (keyText !== undefined || md5Text !== undefined) throw new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.');
    return undefined;
  }
  if (alg !== 'AES256') throw new S3Error('InvalidEncryptionAlgorithmError', 'The requested encryption algorithm is not valid, must be AES256.');
  const key = base64Strict(keyText ?? '');
  if (!key || key.length !== 32) throw new S3Error('InvalidArgument', badKey);
  const md5 = base64Strict(md5Text ?? '');
  if (!md5 || md5.length !== 16) throw new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key md5.');
  if (!createHash('md5').update(key).digest().equals(md5)) throw new S3Error('InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.');
  return { key, keyMd5: md5.toString('base64') };
}

/**
 * The key to read an object stored with `crypt`: radosgw wants the algorithm and the key whose MD5
 * is the stored one (InvalidArgument otherwise, 400, as rgw_s3_prepare_decrypt answers EINVAL).
 */
export function keyForRead(crypt: CryptInfo, given: SseCKey | undefined): SseCKey {
  if (!given) throw new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.');
  if (given.keyMd5 !== crypt.keyMd5) throw new S3Error('InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.');
  return given;
}

/** The headers an answer about an SSE-C object carries. */
export function sseCResponseHeaders(crypt: CryptInfo | undefined): Record<string, string> {
  return crypt ? { 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key-MD5': crypt.keyMd5 } : {};
}
