/**
 * Differential tests against the real osdmaptool (STYLE §8): the same files, the same options, the
 * same stdout. Maps come from osdmaptool --createsimple (pg_num not a power of two), a multi-host
 * CRUSH map from crushtool --build imported with --import-crush, and pg_upmap_items computed by the
 * real `osdmaptool --upmap ... --save`; ours must map every PG and object identically.
 */
import t from 'tap';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { requireBinary, run, tempDir } from '@ts-ceph/testkit';
import { decodeOSDMap, encodeOSDMap } from '../src';
import { osdmaptoolMain } from '../src/tool/osdmaptool';

requireBinary('osdmaptool');
requireBinary('crushtool');
const dir = tempDir('ts-ceph-osdmaptool-');
t.teardown(dir.cleanup);

async function real(args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await run('osdmaptool', args, { cwd: dir.path, timeoutMs: 60_000 });
  return { code: r.code, out: r.stdout };
}

function ours(args: string[]): { code: number; out: string } {
  let out = '';
  const prev = process.cwd();
  process.chdir(dir.path);
  try {
    const code = osdmaptoolMain(args, { stdout: (s) => (out += s), stderr: () => undefined, now: () => ({ sec: 1_790_000_000, nsec: 123_456_000 }) }, 'osdmaptool');
    return { code, out };
  } finally {
    process.chdir(prev);
  }
}

async function same(t: Tap, args: string[]): Promise<string> {
  const r = await real(args);
  const o = ours(args);
  t.equal(o.out, r.out, `stdout of ${args.join(' ')}`);
  t.equal(o.code, r.code, `exit code of ${args.join(' ')}`);
  return r.out;
}

type Tap = { equal(a: unknown, b: unknown, m: string): unknown };

const file = (n: string) => join(dir.path, n);
const decodeFile = (n: string) => decodeOSDMap(new Reader(readFileSync(file(n))));

t.test('--createsimple makes the same map', async (t) => {
  for (const [osds, bits, pool] of [
    [5, 3, true],
    [3, 6, true],
    [7, 1, false],
  ] as const) {
    const args = (f: string) => ['--createsimple', String(osds), '--pg-bits', String(bits), ...(pool ? ['--with-default-pool'] : []), '--clobber', f];
    const r = await real(args('real.map'));
    t.equal(r.code, 0);
    const o = ours(args('ours.map'));
    t.equal(o.code, 0);
    t.equal(o.out.replace('ours.map', 'real.map'), r.out, 'same stdout');
    // Only created/modified (the clock) differ: give ours the real map's stamps and compare bytes.
    const rm = decodeFile('real.map');
    const om = decodeFile('ours.map');
    om.created = rm.created;
    om.modified = rm.modified;
    t.same(encodeOSDMap(om, CEPH_FEATURES_ALL), readFileSync(file('real.map')), `createsimple ${osds} osds, pg_bits ${bits}: byte-identical`);
    // And the real tool reads ours.
    t.equal((await real(['ours.map', '--print'])).code, 0, 'osdmaptool decodes our file');
  }
});

t.test('placement on createsimple maps', async (t) => {
  await real(['--createsimple', '6', '--pg-bits', '2', '--with-default-pool', '--clobber', 'simple.map']);
  for (const extra of [['--mark-up-in'], [], ['--mark-up-in', '--mark-out', '2'], ['--mark-up-in', '--pg_num', '13']]) {
    await same(t, ['simple.map', ...extra, '--test-map-pgs-dump']);
    await same(t, ['simple.map', ...extra, '--test-map-pgs']);
  }
  for (const name of ['foo', 'rbd_data.1234', 'a'.repeat(100), '']) await same(t, ['simple.map', '--mark-up-in', '--test-map-object', name, '--pool', '1']);
  await same(t, ['simple.map', '--test-map-object', 'x']);
  await same(t, ['simple.map', '--test-map-object', 'x', '--pool', '9']);
});

t.test('a multi-host CRUSH map with upmaps from osdmaptool --upmap', async (t) => {
  const cr = await run('crushtool', ['-o', file('crush.bin'), '--build', '--num_osds', '12', 'host', 'straw2', '3', 'rack', 'straw2', '2', 'root', 'straw2', '0'], { timeoutMs: 30_000 });
  t.equal(cr.code, 0, 'crushtool --build');
  await real(['--createsimple', '12', '--pg-bits', '2', '--with-default-pool', '--clobber', 'up.map']);
  copyFileSync(file('up.map'), file('up-ours.map'));
  // Importing a CRUSH map goes through apply_incremental (no clock): both tools write the same bytes.
  const ri = await real(['up.map', '--import-crush', 'crush.bin']);
  const oi = ours(['up-ours.map', '--import-crush', 'crush.bin']);
  t.equal(oi.out.replace(/up-ours\.map/g, 'up.map'), ri.out, '--import-crush: same stdout');
  t.same(readFileSync(file('up-ours.map')), readFileSync(file('up.map')), '--import-crush: byte-identical maps');
  const up = await real(['up.map', '--mark-up-in', '--upmap', file('upmap.txt'), '--upmap-deviation', '1', '--upmap-max', '30', '--save']);
  t.equal(up.code, 0, 'osdmaptool --upmap --save');
  const cmds = readFileSync(file('upmap.txt'), 'utf8');
  t.match(cmds, /ceph osd pg-upmap-items/, 'the balancer proposed pg_upmap_items');
  const m = decodeFile('up.map');
  t.ok(m.pgUpmapItems.size > 0, `${m.pgUpmapItems.size} pg_upmap_items in the map`);
  t.same(encodeOSDMap(m, CEPH_FEATURES_ALL), readFileSync(file('up.map')), 'the upmapped map re-encodes byte for byte');
  await same(t, ['up.map', '--test-map-pgs-dump']);
  await same(t, ['up.map', '--test-map-pgs-dump-all']);
  await same(t, ['up.map', '--mark-out', '4', '--test-map-pgs-dump']);
  await same(t, ['up.map', '--pg_num', '29', '--test-map-pgs']);
  await same(t, ['up.map', '--print']);
  await same(t, ['up.map', '--dump', 'json']);
  await same(t, ['up.map', '--dump', 'json-pretty']);
  for (let i = 0; i < 40; i++) await same(t, ['up.map', '--test-map-object', `obj-${i}`, '--pool', '1']);
  for (const pg of ['1.0', '1.7', '1.2f', '1.40']) await same(t, ['up.map', '--test-map-pg', pg]);
});

t.test('errors and usage', async (t) => {
  writeFileSync(file('garbage.map'), Buffer.from('not an osdmap'));
  for (const args of [['garbage.map', '--print'], ['missing.map', '--print'], ['up.map'], ['a', 'b', '--print'], ['up.map', '--test-map-pgs', '--pool', '7'], ['--help'], ['up.map', '--test-map-object', '']]) {
    await same(t, args);
  }
});

t.test('the ts-osdmaptool binary', async (t) => {
  const bin = join(__dirname, '..', 'src', 'bin', 'ts-osdmaptool.js');
  const r = await run(process.execPath, [bin, file('up.map'), '--test-map-pgs-dump'], { timeoutMs: 60_000 });
  t.equal(r.code, 0);
  t.equal(r.stdout, (await real(['up.map', '--test-map-pgs-dump'])).out);
  t.match(r.stderr, /ts-osdmaptool: osdmap file/);
});
