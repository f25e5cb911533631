/**
 * Maps edited with our own Incremental builder, then judged by the real osdmaptool: everything that
 * cannot be produced without running OSDs (pg_temp, primary_temp with OSDs up) or that a 16.2 monitor
 * will not create (a linux-hash pool without hashpspool) is written by us, decoded by Ceph, and
 * placed by both. A mismatch in our encoding, applyIncremental or placement shows as different output.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CEPH_FEATURES_ALL, Reader } from '@ts-ceph/denc';
import { addSimpleRuleAt, decodeCrushMap, CEPH_PG_TYPE_ERASURE } from '@ts-ceph/crush';
import { requireBinary, run, tempDir } from '@ts-ceph/testkit';
import {
  CEPH_OSD_IN,
  CephRelease,
  CEPH_STR_HASH_LINUX,
  OsdState,
  PoolFlag,
  PoolType,
  decodeOSDMap,
  encodePending,
  newPendingIncremental,
  newPgPool,
  pendingCreatePool,
  pendingPool,
  pgToRawUpmap,
  pgToRawUp,
  cleanTemps,
  pendingSetCrush,
  strHashLinux,
  strHashRjenkins,
} from '../src';
import { osdmaptoolMain } from '../src/tool/osdmaptool';

requireBinary('osdmaptool');
requireBinary('crushtool');
const dir = tempDir('ts-ceph-maps-edited-');
t.teardown(dir.cleanup);
const f = (n: string) => join(dir.path, n);

function ours(args: string[]): string {
  let out = '';
  osdmaptoolMain(args, { stdout: (s) => (out += s), stderr: () => undefined, now: () => ({ sec: 0, nsec: 0 }) }, 'osdmaptool');
  return out;
}

t.test('string hashes against an independent implementation', async (t) => {
  const py = requireBinary('/usr/bin/python3');
  const names = ['', 'a', 'foo', 'rbd_header.1234', 'x'.repeat(11), 'x'.repeat(12), 'x'.repeat(13), 'ü-ünïcödé', 'benchmark_data_host_1234_object42'];
  // Bob Jenkins' lookup2 and the Linux dcache hash, written out in Python for this test.
  const script = `import sys
M=0xffffffff
def mix(a,b,c):
    a=(a-b-c)&M; a^=c>>13
    b=(b-c-a)&M; b^=(a<<8)&M
    c=(c-a-b)&M; c^=b>>13
    a=(a-b-c)&M; a^=c>>12
    b=(b-c-a)&M; b^=(a<<16)&M
    c=(c-a-b)&M; c^=b>>5
    a=(a-b-c)&M; a^=c>>3
    b=(b-c-a)&M; b^=(a<<10)&M
    c=(c-a-b)&M; c^=b>>15
    return a,b,c
def rj(k):
    a=b=0x9e3779b9; c=0; n=len(k); i=0
    while n-i>=12:
        a=(a+int.from_bytes(k[i:i+4],'little'))&M; b=(b+int.from_bytes(k[i+4:i+8],'little'))&M; c=(c+int.from_bytes(k[i+8:i+12],'little'))&M
        a,b,c=mix(a,b,c); i+=12
    c=(c+n)&M; r=k[i:]
    for j,x in enumerate(r):
        if j<4: a=(a+(x<<(8*j)))&M
        elif j<8: b=(b+(x<<(8*(j-4))))&M
        else: c=(c+(x<<(8*(j-7))))&M
    return mix(a,b,c)[2]
def lx(k):
    h=0
    for x in k: h=((h+(x<<4)+(x>>4))*11)&M
    return h
for line in sys.stdin:
    k=bytes.fromhex(line.strip())
    print(rj(k), lx(k))`;
  const input = names.map((n) => Buffer.from(n).toString('hex')).join('\n') + '\n';
  const r = await run(py, ['-c', script], { input, timeoutMs: 30_000 });
  const lines = r.stdout.trim().split('\n');
  names.forEach((n, i) => {
    const [rj, lx] = lines[i]!.split(' ').map(Number);
    t.equal(strHashRjenkins(n), rj, `rjenkins '${n}'`);
    t.equal(strHashLinux(n), lx, `linux '${n}'`);
  });
});

t.test('temps, upmaps, affinity, a linux-hash pool and an erasure pool, placed by osdmaptool', async (t) => {
  const cr = await run('crushtool', ['-o', f('crush'), '--build', '--num_osds', '9', 'host', 'straw2', '3', 'root', 'straw2', '0'], { timeoutMs: 30_000 });
  t.equal(cr.code, 0);
  t.equal((await run('osdmaptool', ['--createsimple', '9', '--with-default-pool', '--pg-bits', '2', 'map'], { cwd: dir.path })).code, 0);
  t.equal((await run('osdmaptool', ['map', '--import-crush', 'crush'], { cwd: dir.path })).code, 0);
  let m = decodeOSDMap(new Reader(readFileSync(f('map'))));
  const now = { sec: 1_790_000_000, nsec: 0 };

  // e+1: OSDs up and in (what booting OSDs would do), an erasure rule in CRUSH, and pacific OSDs
  // required (pg_upmap needs a luminous encoding).
  let inc = newPendingIncremental(m, now);
  inc.newRequireOsdRelease = CephRelease.pacific;
  for (let i = 0; i < 9; i++) {
    inc.newState.set(i, OsdState.UP);
    inc.newWeight.set(i, CEPH_OSD_IN);
  }
  const cw = decodeCrushMap(m.crush);
  const rule = addSimpleRuleAt(cw, 'ec', 'root', 'host', '', 'indep', CEPH_PG_TYPE_ERASURE, -1);
  t.ok(rule > 0, `erasure rule ${rule}`);
  pendingSetCrush(inc, cw);
  m = encodePending(m, inc).map;

  // e+2: pools and mappings.
  inc = newPendingIncremental(m, now);
  const lin = newPgPool();
  Object.assign(lin, { type: PoolType.REPLICATED, size: 2, minSize: 1, crushRule: 0, objectHash: CEPH_STR_HASH_LINUX, pgNum: 23, pgpNum: 19, pgNumTarget: 23, pgpNumTarget: 19, pgNumPending: 23 });
  const linId = pendingCreatePool(inc, m, 'linux', lin);
  const ec = newPgPool();
  Object.assign(ec, { type: PoolType.ERASURE, size: 4, minSize: 3, crushRule: rule, objectHash: 2, flags: PoolFlag.HASHPSPOOL, pgNum: 12, pgpNum: 12, pgNumTarget: 12, pgpNumTarget: 12, pgNumPending: 12 });
  const ecId = pendingCreatePool(inc, m, 'ec', ec);
  inc.newPgTemp.set({ pool: 1, seed: 3 }, [4, 8, 0]);
  inc.newPgTemp.set({ pool: 1, seed: 5 }, [7, 2]);
  inc.newPrimaryTemp.set({ pool: 1, seed: 5 }, 2);
  inc.newPrimaryTemp.set({ pool: 1, seed: 9 }, 6);
  inc.newPgUpmap.set({ pool: 1, seed: 1 }, [0, 4, 8]);
  inc.newPgUpmapItems.set({ pool: 1, seed: 2 }, [[0, 1], [3, 5]]);
  inc.newPgUpmapItems.set({ pool: ecId, seed: 4 }, [[2, 7]]);
  inc.newPrimaryAffinity.set(3, 0x4000);
  inc.newPrimaryAffinity.set(6, 0);
  inc.newWeight.set(5, 0x8000);
  pendingPool(inc, m, 1).pgpNum = 27;
  const out = encodePending(m, inc);
  m = out.map;
  writeFileSync(f('edited'), out.full);
  t.ok(m.pools.has(linId) && m.pools.has(ecId));

  const real = await run('osdmaptool', ['edited', '--print'], { cwd: dir.path, timeoutMs: 30_000 });
  t.equal(real.code, 0, 'osdmaptool reads our map');
  const prev = process.cwd();
  process.chdir(dir.path);
  try {
    t.equal(ours(['edited', '--print']), real.stdout, 'print');
    for (const args of [['--test-map-pgs-dump-all'], ['--test-map-pgs-dump-all', '--mark-out', '4'], ['--test-map-pgs'], ['--dump', 'json-pretty']]) {
      const r = await run('osdmaptool', ['edited', ...args], { cwd: dir.path, timeoutMs: 30_000 });
      t.equal(ours(['edited', ...args]), r.stdout, `osdmaptool ${args.join(' ')}`);
    }
    for (let i = 0; i < 30; i++) {
      for (const pool of [1, linId, ecId]) {
        const args = ['edited', '--test-map-object', `object-${i}`, '--pool', String(pool)];
        const r = await run('osdmaptool', args, { cwd: dir.path, timeoutMs: 30_000 });
        t.equal(ours(args), r.stdout, `object-${i} in pool ${pool}`);
      }
    }
  } finally {
    process.chdir(prev);
  }
  t.same(decodeOSDMap(new Reader(out.full)).crc, m.crc, 'the written map carries its crc');
  void CEPH_FEATURES_ALL;
});

t.test('upmap cleanup agrees with osdmaptool --upmap-cleanup', async (t) => {
  const base = decodeOSDMap(new Reader(readFileSync(f('edited'))));
  const host = (o: number) => Math.floor(o / 3);
  const inc = newPendingIncremental(base, { sec: 1_790_000_500, nsec: 0 });
  // Valid, no-op, out-target, same-failure-domain and partially no-op pg_upmap_items; a redundant
  // pg_upmap; upmaps for PGs beyond a shrunken pg_num; a valid explicit pg_upmap.
  const raw = (seed: number) => pgToRawUpmap(base, { pool: 1, seed }).raw;
  const other = (seed: number, sameHostAs?: number) => {
    const r = raw(seed);
    for (let o = 0; o < 9; o++) {
      if (r.includes(o) || o === 5) continue;
      // Default: another OSD of the first replica's host (a valid move under "chooseleaf host").
      if (host(o) === host(sameHostAs ?? r[0]!)) return o;
    }
    return -1;
  };
  const items: [number, [number, number][]][] = [
    [0, [[raw(0)[0]!, other(0)]]],
    [2, [[99, 3]]],
    [4, [[raw(4)[1]!, other(4, raw(4)[0])]]],
    [6, [
      [raw(6)[0]!, other(6)],
      [77, 1],
    ]],
    [7, [[raw(7)[2]!, 5]]],
  ];
  for (const [seed, it] of items) inc.newPgUpmapItems.set({ pool: 1, seed }, it);
  inc.newPgUpmap.set({ pool: 1, seed: 8 }, raw(8));
  inc.newPgUpmap.set({ pool: 1, seed: 10 }, [raw(10)[0]!, raw(10)[1]!, other(10)]);
  inc.newWeight.set(5, 0);
  const shrink = pendingPool(inc, base, 1);
  shrink.pgNumPending = shrink.pgNum - 4;
  inc.newPgUpmapItems.set({ pool: 1, seed: shrink.pgNum - 1 }, [[raw(shrink.pgNum - 1)[0]!, other(shrink.pgNum - 1)]]);
  const out = encodePending(base, inc);
  writeFileSync(f('upmaps'), out.full);
  const prev = process.cwd();
  process.chdir(dir.path);
  try {
    for (const extra of [[], ['--print'], ['--mark-up-in', '--test-map-pgs-dump']]) {
      const args = ['upmaps', '--upmap-cleanup', 'cleanup.txt', ...extra];
      const r = await run('osdmaptool', args, { cwd: dir.path, timeoutMs: 30_000 });
      const realCmds = readFileSync(f('cleanup.txt'), 'utf8');
      t.equal(ours(args), r.stdout, `osdmaptool ${args.join(' ')}`);
      t.equal(readFileSync(f('cleanup.txt'), 'utf8'), realCmds, 'the same cleanup commands');
      t.match(realCmds, /rm-pg-upmap-items/, 'osdmaptool found upmaps to cancel');
      t.match(realCmds, /rm-pg-upmap 1\.8\n/, 'and the redundant pg_upmap');
      t.match(realCmds, /pg-upmap-items 1\.6 \d+ \d+\n/, 'and simplified a partly no-op pg_upmap_items');
    }
  } finally {
    process.chdir(prev);
  }
});

t.test('clean_temps drops moot pg_temp / primary_temp entries', async (t) => {
  const base = decodeOSDMap(new Reader(readFileSync(f('edited'))));
  const inc = newPendingIncremental(base, { sec: 1_790_000_600, nsec: 0 });
  const rawUp = pgToRawUp(base, { pool: 1, seed: 11 }).up;
  inc.newPgTemp.set({ pool: 1, seed: 11 }, rawUp); // redundant: equals raw up (new: dropped from the incremental)
  inc.newPgTemp.set({ pool: 1, seed: 12 }, [0, 1, 2, 3]); // larger than the pool
  inc.newPgTemp.set({ pool: 1, seed: 13 }, [7, 2, 1]); // useful
  inc.newState.set(4, OsdState.UP); // osd.4 goes down: 1.3's pg_temp [4,8,0] keeps up OSDs
  inc.newPrimaryTemp.set({ pool: 1, seed: 14 }, 4); // a primary that is going down
  const next = encodePending(base, inc).map;
  const clean = newPendingIncremental(base, { sec: 1_790_000_600, nsec: 0 });
  for (const [k, v] of inc.newPgTemp) clean.newPgTemp.set(k, v);
  for (const [k, v] of inc.newPrimaryTemp) clean.newPrimaryTemp.set(k, v);
  cleanTemps(base, next, clean);
  const key = (seed: number) => ({ pool: 1, seed });
  t.notOk(clean.newPgTemp.has(key(11)), 'a new pg_temp equal to the raw up set is not added');
  t.notOk(clean.newPgTemp.has(key(12)), 'an oversized new pg_temp is not added');
  t.same(clean.newPgTemp.get(key(13)), [7, 2, 1], 'a useful one stays');
  t.notOk(clean.newPgTemp.has(key(3)), '1.3 still has up OSDs');
  t.equal(clean.newPrimaryTemp.get(key(14)), -1, 'a primary_temp to a down OSD is removed');
  // An existing primary_temp is removed exactly when the map without temps would pick the same primary.
  for (const seed of [5, 9]) {
    const target = next.primaryTemp.get(key(seed))!;
    const redundant = pgToRawUp(next, key(seed)).primary === target;
    t.equal(clean.newPrimaryTemp.get(key(seed)), redundant ? -1 : undefined, `primary_temp 1.${seed} -> ${target}: ${redundant ? 'redundant' : 'needed'}`);
  }
});
