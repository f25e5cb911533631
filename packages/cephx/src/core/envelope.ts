import { CephError, Errno } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';
import { CryptoKey } from './crypto';
import { AUTH_ENC_MAGIC } from './cephx-types';

/**
 * The cephx encrypted envelope (encode_encrypt / decode_decrypt in CephxProtocol.h): the plaintext is
 * u8 struct_v=1, le64 AUTH_ENC_MAGIC, then the encoded value; the whole is encrypted with the key.
 * The "_enc_bl" forms return / take the bare ciphertext; the plain forms add / read a le32 length
 * prefix (a bufferlist). A wrong key shows up as a wrong magic (or a ciphertext that is not whole AES
 * blocks): both are reported as CEPHX_CRYPT_ERR with EACCES, never as which of the two it was.
 */
export const CEPHX_CRYPT_ERR = 'CEPHX_CRYPT_ERR';

/** Largest ciphertext we will decrypt in one envelope (a rotating-secrets or ticket reply is < 4 KiB). */
export const envelopeBytesMax = 1 << 20;

export function cephxCryptError(message: string, cause?: unknown): CephError {
  return new CephError(CEPHX_CRYPT_ERR, Errno.EACCES, message, cause === undefined ? undefined : { cause });
}

export function encodeEncryptBl<T>(key: CryptoKey, value: T, encode: (w: Writer, v: T) => void): Buffer {
  if (key.isEmpty()) throw cephxCryptError('cannot encrypt with an empty key');
  const w = new Writer();
  w.u8(1).u64(AUTH_ENC_MAGIC);
  encode(w, value);
  return key.encrypt(w.finish());
}

/** encode_encrypt: the envelope as a length-prefixed bufferlist appended to `w`. */
export function encodeEncrypt<T>(w: Writer, key: CryptoKey, value: T, encode: (w: Writer, v: T) => void): void {
  w.blob(encodeEncryptBl(key, value, encode));
}

export function decodeDecryptBl<T>(key: CryptoKey, cipher: Uint8Array, decode: (r: Reader) => T, what = 'value'): T {
  if (key.isEmpty()) throw cephxCryptError(`cannot decrypt ${what}: empty key`);
  if (cipher.length > envelopeBytesMax) throw cephxCryptError(`encrypted ${what} of ${cipher.length} bytes exceeds envelopeBytesMax ${envelopeBytesMax}`);
  let plain: Buffer;
  try {
    plain = key.decrypt(cipher);
  } catch (e) {
    throw cephxCryptError(`cannot decrypt ${what}: ${(e as Error).message}`, e);
  }
  const r = new Reader(plain);
  let magic: bigint;
  try {
    r.u8('struct_v');
    magic = r.u64('magic');
  } catch (e) {
    throw cephxCryptError(`cannot decrypt ${what}: plaintext too short`, e);
  }
  if (magic !== AUTH_ENC_MAGIC) throw cephxCryptError(`bad magic in decode_decrypt of ${what} (wrong key?)`);
  // Like Ceph, whatever follows the value inside the plaintext is ignored.
  return decode(r);
}

/** decode_decrypt: read a length-prefixed encrypted envelope from `r`. */
export function decodeDecrypt<T>(r: Reader, key: CryptoKey, decode: (r: Reader) => T, what = 'value'): T {
  const cipher = r.blob(`encrypted ${what}`, envelopeBytesMax);
  return decodeDecryptBl(key, cipher, decode, what);
}
