/**
 * Secrets stay secret: a keyring is written 0600 into a fresh file even when something (a symlink
 * to a world-readable file) was planted at the temporary name, and keys do not show up in error
 * messages or inspected objects.
 */
import t from 'tap';
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { EntityType } from '@ts-ceph/denc';
import { tempDir } from '@ts-ceph/testkit';
import { CryptoKey, KeyRing, loadKeyRing, writeKeyRing, cryptoRandom } from '../src/index';

t.test('writeKeyRing does not follow a symlink planted at its temporary name', async (t) => {
  const { path: dir, cleanup } = tempDir('ts-ceph-keyring-');
  t.teardown(cleanup);
  const victim = join(dir, 'public.txt');
  writeFileSync(victim, 'public\n', { mode: 0o644 });
  const path = join(dir, 'ceph.client.admin.keyring');
  symlinkSync(victim, join(dirname(path), `.${basename(path)}.tmp-${process.pid}`));
  const kr = new KeyRing();
  const key = CryptoKey.generate(cryptoRandom, Date.now());
  kr.add({ type: EntityType.CLIENT, id: 'admin' }, { key, caps: new Map() });
  writeKeyRing(path, kr);
  t.equal(readFileSync(victim, 'utf8'), 'public\n', 'the symlink target is untouched');
  t.equal(statSync(victim).mode & 0o777, 0o644);
  t.notOk(lstatSync(path).isSymbolicLink(), 'the keyring is a file of its own');
  t.equal(statSync(path).mode & 0o777, 0o600, 'mode 0600');
  t.ok(loadKeyRing(path).getSecret({ type: EntityType.CLIENT, id: 'admin' })!.equals(key));
});

t.test('keys are not echoed into errors or inspected objects', async (t) => {
  const key = CryptoKey.generate(cryptoRandom, Date.now());
  const text = key.toBase64();
  const typo = text.slice(0, -3) + '!==';
  t.throws(() => CryptoKey.fromBase64(typo), { code: 'EINVAL' });
  try {
    CryptoKey.fromBase64(typo);
  } catch (e) {
    t.notOk((e as Error).message.includes(text.slice(0, 20)), `no key text in: ${(e as Error).message}`);
  }
  const short = Buffer.from(text, 'base64').subarray(0, 20).toString('base64');
  try {
    CryptoKey.fromBase64(short);
  } catch (e) {
    t.notOk((e as Error).message.includes(short.slice(0, 20)), `no key text in: ${(e as Error).message}`);
  }
  const shown = inspect({ session: { key } }, { depth: 5 });
  const bytes = [...key.secret.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  t.notOk(shown.includes(bytes) || shown.includes(text), shown);
  t.match(shown, /CryptoKey\(type 1, 16-byte secret\)/);
});
