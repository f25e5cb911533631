/**
 * Keyrings, differentially against the real ceph-authtool (16.2.15): it reads what we write, we read
 * what it writes, both print the same text (`ceph-authtool -l` is KeyRing::print), both accept and
 * refuse the same hand-written variants, and our files are mode 0600.
 */
import t from 'tap';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run, tempDir } from '@ts-ceph/testkit';
import { EntityType } from '@ts-ceph/denc';
import { CryptoKey, KeyRing, loadKeyRing, writeKeyRing, cryptoRandom } from '../src/index';

requireBinary('ceph-authtool');
const dir = tempDir('ts-ceph-keyring-');
t.teardown(dir.cleanup);

async function authtool(args: string[]): Promise<string> {
  const r = await run('ceph-authtool', args);
  if (r.code !== 0) throw new Error(`ceph-authtool ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const fooName = { type: EntityType.CLIENT, id: 'foo' };

t.test('we read what ceph-authtool writes', async (t) => {
  const path = join(dir.path, 'theirs.keyring');
  await authtool(['--create-keyring', path, '--gen-key', '-n', 'client.foo', '--cap', 'mon', 'allow r', '--cap', 'osd', 'allow rw pool="my pool"']);
  await authtool([path, '--gen-key', '-n', 'osd.3', '--cap', 'osd', 'allow *', '--cap', 'mon', 'allow profile osd']);
  await authtool([path, '--gen-key', '-n', 'mon.']);
  const kr = loadKeyRing(path);
  t.equal(kr.size, 3);
  t.same(Object.fromEntries(kr.capsOf(fooName)), { mon: 'allow r', osd: 'allow rw pool="my pool"' }, 'caps, with the quotes unescaped');
  const key = (await authtool([path, '-p', '-n', 'client.foo'])).trim();
  t.equal(kr.getSecret(fooName)!.toBase64(), key, 'same key as ceph-authtool -p');
  t.equal(kr.format(), await authtool(['-l', path]), 'our print equals ceph-authtool -l (same order, escaping, layout)');
  t.equal(readFileSync(path, 'utf8'), kr.format(), 'and equals the file ceph-authtool wrote');
  t.same(
    kr.entries().map((e) => e.name),
    [
      { type: EntityType.MON, id: '' },
      { type: EntityType.OSD, id: '3' },
      fooName,
    ],
    'entries in EntityName order (type, then id)',
  );
  const printed = (await authtool(['--gen-print-key'])).trim();
  t.equal(CryptoKey.fromBase64(printed).secret.length, 16, '--gen-print-key output is a key we read');
});

t.test('ceph-authtool reads what we write (mode 0600)', async (t) => {
  const kr = new KeyRing();
  const k1 = CryptoKey.generate(cryptoRandom, Date.now());
  const k2 = CryptoKey.generate(cryptoRandom, Date.now());
  kr.add({ type: EntityType.CLIENT, id: 'admin' }, { key: k1, caps: new Map() });
  kr.setCaps({ type: EntityType.CLIENT, id: 'admin' }, [
    ['mon', 'allow *'],
    ['osd', 'allow *'],
    ['mds', 'allow *'],
    ['mgr', 'allow *'],
  ]);
  kr.add({ type: EntityType.CLIENT, id: 'rbd' }, { key: k2, caps: new Map() });
  kr.setCaps({ type: EntityType.CLIENT, id: 'rbd' }, [
    ['mon', 'profile rbd'],
    ['osd', 'profile rbd pool="images", allow class-read object_prefix rbd_children'],
  ]);
  const path = join(dir.path, 'ours.keyring');
  writeKeyRing(path, kr);
  t.equal(statSync(path).mode & 0o777, 0o600, 'written 0600');
  t.equal(await authtool(['-l', path]), kr.format(), 'ceph-authtool -l prints exactly our text');
  t.equal((await authtool([path, '-p', '-n', 'client.rbd'])).trim(), k2.toBase64(), 'ceph-authtool -p finds our key');
  t.equal((await authtool([path, '--print-key', '-n', 'client.admin'])).trim(), k1.toBase64());

  // --import-keyring: ceph-authtool merges ours into its own; we read the merge
  const merged = join(dir.path, 'merged.keyring');
  await authtool(['--create-keyring', merged, '--gen-key', '-n', 'client.bootstrap-osd', '--cap', 'mon', 'profile bootstrap-osd']);
  await authtool([merged, '--import-keyring', path]);
  const back = loadKeyRing(merged);
  t.equal(back.size, 3);
  t.ok(back.getSecret({ type: EntityType.CLIENT, id: 'rbd' })!.equals(k2), 'imported key survives');
  t.same(Object.fromEntries(back.capsOf({ type: EntityType.CLIENT, id: 'rbd' })), { mon: 'profile rbd', osd: 'profile rbd pool="images", allow class-read object_prefix rbd_children' });
  t.equal(back.format(), await authtool(['-l', merged]));

  // rewrite over an existing world-readable file: still 0600
  writeFileSync(path, 'junk', { mode: 0o644 });
  writeKeyRing(path, back);
  t.equal(statSync(path).mode & 0o777, 0o600, 'rewritten 0600');
});

/** Hand-written keyrings: both must accept (and print the same) or both refuse. */
const variants: [string, string][] = [
  ['plain', '[client.x]\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n\tcaps mon = "allow r"\n'],
  ['no spaces, underscores, unquoted', '[client.x]\nkey=AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\ncaps_mon=allow r\ncaps_osd = allow rwx pool=rbd\n'],
  ['comments and blank lines', '# a comment\n\n[client.x]\n; another\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q== # trailing\n\n\tcaps mon = "allow *" ; trailing\n'],
  ['escaped quotes', '[client.x]\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n\tcaps osd = "allow rw pool=\\"a b\\""\n'],
  ['auid is ignored', '[client.x]\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n\tauid = 0\n'],
  ['several entities, global skipped', '[global]\n\tfoo = bar\n[osd.1]\n\tkey = AQDxxwJrClqHIhAA+x6RLrKr9dqzs9hQeOdYMQ==\n[client.admin]\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n\tcaps mgr = "allow *"\n'],
  ['repeated key: last wins', '[client.x]\n\tkey = AQDxxwJrClqHIhAA+x6RLrKr9dqzs9hQeOdYMQ==\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n'],
  ['bad entity type', '[foo.x]\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n'],
  ['bad key', '[client.x]\n\tkey = not-a-key\n'],
  ['unknown option', '[client.x]\n\tkey = AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n\tcolour = blue\n'],
  ['caps without a service', '[client.x]\n\tcaps = "allow r"\n'],
  ['no = sign', '[client.x]\n\tkey AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==\n'],
];

t.test('hand-written keyrings: same verdict and same print as ceph-authtool', async (t) => {
  for (const [what, text] of variants) {
    const path = join(dir.path, `variant-${what.replace(/\W+/g, '-')}.keyring`);
    writeFileSync(path, text);
    const theirs = await run('ceph-authtool', ['-l', path]);
    let ours: string | Error;
    try {
      ours = KeyRing.parse(text, path).format();
    } catch (e) {
      ours = e as Error;
    }
    if (theirs.code === 0) t.equal(ours, theirs.stdout, `${what}: accepted by both, printed the same`);
    else t.type(ours, Error, `${what}: ceph-authtool refuses (${theirs.stderr.trim().split('\n').pop()}), so do we`);
  }
  const e = t.throws(() => KeyRing.parse('[client.x]\n\tkey = zz\n', 'k')) as Error;
  t.match(e.message, /k:2: error setting modifier for \[client\.x\] type=key/, 'the error names the line');
});
