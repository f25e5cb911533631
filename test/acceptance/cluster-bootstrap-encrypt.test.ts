/**
 * `ts-ceph bootstrap --encrypt`: the OSD's store is LUKS2 (cryptsetup reads its header) with its
 * metadata sealed, its key a random 0600 file in a 0700 folder outside the OSD's data directory;
 * an object name and omap entry written with `rados` are nowhere in clear under the data directory
 * after `down`, and `start` opens the store again with the key from ceph.conf.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findBytes, requireBinary, run, tempDir } from '@ts-ceph/testkit';
import { tsCephBin } from './mon-lib';

const tsCeph = (args: string[]) => run(process.execPath, [tsCephBin, ...args], { timeoutMs: 180_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });

t.test('ts-ceph bootstrap --encrypt: an encrypted OSD store whose names stay sealed', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const cryptsetup = requireBinary('cryptsetup');
  const { path: base, cleanup } = tempDir('ts-ceph-enc-');
  const dir = join(base, 'cluster');
  t.teardown(async () => {
    if (existsSync(join(dir, 'ceph.conf'))) await tsCeph(['down', '--dir', dir]);
    cleanup();
  });
  let r = await tsCeph(['bootstrap', '--dir', dir, '--encrypt']);
  t.equal(r.code, 0, `bootstrap: ${r.stderr}`);
  const key = join(dir, 'keys', 'osd.0.key');
  t.equal(statSync(key).mode & 0o777, 0o600, 'the store key is 0600');
  t.equal(statSync(join(dir, 'keys')).mode & 0o777, 0o700, 'in a 0700 folder');
  t.ok(readFileSync(key).length >= 32, 'a random key');
  t.match(readFileSync(join(dir, 'ceph.conf'), 'utf8'), /ts_osd_dmcrypt_key_file = .*\/keys\/osd\.\$id\.key/);

  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_CONF: join(dir, 'ceph.conf') };
  delete env.CEPH_KEYRING;
  const rados = (args: string[]) => run('rados', ['--rados-osd-op-timeout', '30', ...args], { env, timeoutMs: 60_000 });
  r = await run('ceph', ['--connect-timeout', '10', 'osd', 'pool', 'create', 'data', '8'], { env, timeoutMs: 30_000 });
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  const name = `zqx-bootstrap-object-${randomBytes(4).toString('hex')}`;
  const omapVal = `zqx-bootstrap-omap-${randomBytes(4).toString('hex')}`;
  r = await rados(['-p', 'data', 'create', name]);
  t.equal(r.code, 0, `rados create: ${r.stderr}`);
  r = await rados(['-p', 'data', 'setomapval', name, 'k', omapVal]);
  t.equal(r.code, 0, `rados setomapval: ${r.stderr}`);

  r = await tsCeph(['down', '--dir', dir]);
  t.equal(r.code, 0, `down: ${r.stderr}`);
  t.same(findBytes(join(dir, 'osd.0'), [name, omapVal]), [], 'neither string in clear under osd.0 (its device included)');
  const dump = await run(cryptsetup, ['luksDump', join(dir, 'osd.0', 'block')]);
  t.equal(dump.code, 0, `cryptsetup luksDump: ${dump.stderr}`);

  r = await tsCeph(['start', '--dir', dir]);
  t.equal(r.code, 0, `start: ${r.stderr}`);
  r = await rados(['-p', 'data', 'ls']);
  t.equal(r.stdout.trim(), name, `the object is listed after down/start: ${r.stderr}`);
  const out = join(base, 'omap.out');
  r = await rados(['-p', 'data', 'getomapval', name, 'k', out]);
  t.ok(r.code === 0 && readFileSync(out, 'utf8') === omapVal, `its omap value reads back: ${r.stderr}`);
});
