/**
 * The README's start command end to end: `ts-ceph bootstrap --dir D` brings up a monitor and one
 * ts-osd on a file-backed device under D, so the stock clients can store data at once (`ceph -s`
 * shows the OSD up and in, a pool is created and `rados put/get` round-trips); the OSD's keyring is
 * 0600 in a 0700 directory; `down` stops both daemons and `start` brings both back with the data.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run, tempDir } from '@ts-ceph/testkit';
import { tsCephBin } from './mon-lib';

// Any free monitor port: mon-bootstrap.test.ts may hold 3300 at the same time.
const tsCeph = (args: string[]) => run(process.execPath, [tsCephBin, ...args], { timeoutMs: 180_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });

t.test('ts-ceph bootstrap gives a cluster that stores data', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const { path: base, cleanup } = tempDir('ts-ceph-cluster-');
  const dir = join(base, 'cluster');
  t.teardown(async () => {
    if (existsSync(join(dir, 'ceph.conf'))) await tsCeph(['down', '--dir', dir]);
    cleanup();
  });
  let r = await tsCeph(['bootstrap', '--dir', dir]);
  t.equal(r.code, 0, `bootstrap: ${r.stderr}`);
  t.match(r.stderr, /osd\.0 up/, 'bootstrap reports osd.0 up');
  t.equal(statSync(join(dir, 'osd.0', 'keyring')).mode & 0o777, 0o600, 'osd.0/keyring is 0600');
  t.equal(statSync(join(dir, 'osd.0')).mode & 0o777, 0o700, 'osd.0 is 0700');

  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_CONF: join(dir, 'ceph.conf') };
  delete env.CEPH_KEYRING;
  const ceph = (args: string[]) => run('ceph', ['--connect-timeout', '10', ...args], { env, timeoutMs: 30_000 });
  const rados = (args: string[]) => run('rados', ['--rados-osd-op-timeout', '30', ...args], { env, timeoutMs: 60_000 });
  r = await ceph(['-s']);
  t.match(r.stdout, /osd: 1 osds: 1 up .*1 in/, `ceph -s: ${r.stdout}`);
  r = await ceph(['osd', 'pool', 'create', 'data', '8']);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  const blob = randomBytes(1024 * 1024 + 3);
  writeFileSync(join(base, 'in'), blob);
  r = await rados(['-p', 'data', 'put', 'obj', join(base, 'in')]);
  t.equal(r.code, 0, `rados put: ${r.stderr}`);
  r = await rados(['-p', 'data', 'get', 'obj', join(base, 'out')]);
  t.ok(r.code === 0 && readFileSync(join(base, 'out')).equals(blob), `rados get returns the bytes: ${r.stderr}`);

  r = await tsCeph(['down', '--dir', dir]);
  t.equal(r.code, 0, `down: ${r.stderr}`);
  t.match(r.stderr, /stopped .*mon\.a/);
  t.match(r.stderr, /osd\.0/, 'down stops the OSD too');
  r = await tsCeph(['start', '--dir', dir]);
  t.equal(r.code, 0, `start: ${r.stderr}`);
  t.match(r.stderr, /started .*osd\.0/, 'start brings the OSD back');
  r = await rados(['-p', 'data', 'get', 'obj', join(base, 'out2')]);
  t.ok(r.code === 0 && readFileSync(join(base, 'out2')).equals(blob), `the object survives a down/start: ${r.stderr}`);
});
