import { registerType } from '@ts-ceph/denc';
import { SHA256_DIGEST_BYTES } from './core/control';

/**
 * The Ceph types the messenger encodes itself, registered for the corpus test (STYLE §3).
 * sha256_digest_t (src/include/types.h sha_digest_t<32>) is the AUTH_SIGNATURE payload: 32 raw
 * bytes, no length prefix.
 */
registerType<Buffer>({
  name: 'sha256_digest_t',
  owner: 'messenger',
  decode: (r) => Buffer.from(r.bytes(SHA256_DIGEST_BYTES, 'sha256_digest_t')),
  encode: (w, v) => void w.bytes(v),
  toJSON: (v) => v.toString('hex'),
  samples: () => [Buffer.alloc(32), Buffer.from('7ff64e6fe046d9bf63b5559cf073ccace5536eddfef9608acdd79dda0a730d27', 'hex')],
});
