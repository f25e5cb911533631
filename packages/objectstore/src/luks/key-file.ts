import { readFileSync, statSync } from 'node:fs';
import { cephError } from '@ts-ceph/common';

/**
 * The passphrase of an encrypted store, from a key file (ts-objectstore-tool --key-file, ts-osd's
 * ts_osd_dmcrypt_key_file). A world-readable key file is refused: whoever can read it can read
 * the store.
 */
export function readKeyFile(path: string): Buffer {
  const st = statSync(path);
  if (st.mode & 0o004) throw cephError('EPERM', `key file ${path} is world-readable; chmod o-r it`);
  const key = readFileSync(path);
  if (!key.length) throw cephError('EINVAL', `key file ${path} is empty`);
  return key;
}
