/**
 * Secrets stay secret: a keyring is written 0600 into a fresh file even when something (a symlink
 * to a world-readable file) was planted at the temporary name, keys do not show up in error
 * messages or inspected objects, and a network-restricted "allow *" is not allow-all from elsewhere.
 */
import t from 'tap';
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { tempDir } from '@ts-ceph/testkit';
import { CryptoKey, KeyRing, loadKeyRing, MgrCap, MonCap, OSDCap, writeKeyRing, cryptoRandom } from '../src/index';

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

t.test('"allow * network <cidr>" is allow-all only from inside that network', async (t) => {
  const inside = makeAddr(AddrType.MSGR2, '10.1.2.3', 40000, 1);
  const outside = makeAddr(AddrType.MSGR2, '192.168.0.7', 40000, 1);
  const caps = [MonCap.parse('allow * network 10.0.0.0/8'), OSDCap.parse('allow * network 10.0.0.0/8'), MgrCap.parse('allow * network 10.0.0.0/8')];
  const allowAll = (c: (typeof caps)[number], a?: typeof inside) => (c instanceof OSDCap ? c.allowAll(a) : c.isAllowAll(a));
  for (const c of caps) {
    t.notOk(allowAll(c), `${c.constructor.name}: not without an address`);
    t.notOk(allowAll(c, outside), `${c.constructor.name}: not from 192.168.0.7`);
    t.ok(allowAll(c, inside), `${c.constructor.name}: from 10.1.2.3`);
  }
  t.ok(MonCap.parse('allow *').isAllowAll(outside) && OSDCap.parse('allow *').allowAll() && MgrCap.parse('allow *').isAllowAll(), 'unrestricted: from anywhere');
  t.notOk(MonCap.parse('allow * network 10.0.0.0/8').isCapable({ service: 'osd', read: true, addr: outside }), 'isCapable agrees');
});
