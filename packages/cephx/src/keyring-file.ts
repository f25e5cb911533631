import { closeSync, constants, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { cephError } from '@ts-ceph/common';
import { KeyRing, keyringBytesMax } from './core/keyring';

/**
 * Keyring files (KeyRing::load, ceph-authtool's write): read in either form, written as text with
 * mode 0600 (a keyring holds secrets), atomically (temp file + rename) so a reader never sees half a
 * keyring.
 */
export function loadKeyRing(path: string): KeyRing {
  let data: Buffer;
  try {
    const st = statSync(path);
    if (st.size > keyringBytesMax) throw cephError('EINVAL', `${path}: ${st.size} bytes exceeds keyringBytesMax ${keyringBytesMax}`);
    data = readFileSync(path);
  } catch (e) {
    if (e instanceof Error && 'code' in e && (e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw cephError('ENOENT', `keyring ${path} does not exist`, { cause: e });
    }
    throw e;
  }
  return KeyRing.decode(data, path);
}

/**
 * Write `keyring` to `path` (0600, atomically). The temporary file is created fresh, never opened
 * through whatever already sits at its name: O_EXCL | O_NOFOLLOW, after removing a leftover (a
 * crashed writer's, or a symlink planted to make us write the secrets somewhere readable).
 */
export function writeKeyRing(path: string, keyring: KeyRing): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let fd: number;
  try {
    fd = openSync(tmp, flags, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    unlinkSync(tmp); // removes a symlink itself, not its target
    fd = openSync(tmp, flags, 0o600);
  }
  try {
    // the mode argument is filtered by the umask; make sure the secret is never readable by others
    fchmodSync(fd, 0o600);
    writeSync(fd, keyring.format());
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
