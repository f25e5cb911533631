/**
 * Rebalancing on 4 ts-osd from `ts-ceph bootstrap --osds 4`, pool size 3 (issue 12, items 2-3;
 * acceptance 2), with the stock rados and ceph CLIs as clients:
 *  - objects written with `rados put`; osd.3 kill -9'd: with mon_osd_down_out_interval 10 s the
 *    monitor marks it out by itself (OSDMonitor::tick), its PGs backfill onto the other three and
 *    reach active+clean, every object reads back; meanwhile min_size changes twice and osd.1
 *    flaps, intervals osd.3 learns only from the maps it fetches when it comes back;
 *  - osd.3 restarted: an OSD the monitor marked out is marked in again on boot
 *    (mon_osd_auto_mark_auto_out_in, true in 16.2), data moves back, the cluster ends active+clean
 *    and the copies the move left behind are purged (each OSD holds only the PGs it is a member of);
 *  - `ceph osd reweight` and `ceph osd crush reweight` move data and end clean the same way;
 *  - at the end, with the OSDs stopped, the objects in the four stores add up to 3x the objects.
 */
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { BootstrappedCluster, bootstrapTsCluster, waitOsdsStopped, watchOsdMap } from './osd-cluster-lib';

const toolBin = join(repoRoot(), 'packages', 'objectstore', 'dist', 'src', 'bin', 'ts-objectstore-tool.js');
const pool = 'rebal';
const pgNum = 16;
const objects = 12;
const osds = [0, 1, 2, 3];

// Reads each object named on the command line; prints how many differ from what was put.
const readScript = `
import sys, rados
conf, pool, names = sys.argv[1], sys.argv[2], sys.argv[3:]
c = rados.Rados(conffile=conf, conf={'rados_osd_op_timeout': '60'})
c.connect()
io = c.open_ioctx(pool)
bad = sum(1 for n in names if io.read(n, 1 << 20) != ((n + ' ') * 200).encode())
print('read', len(names), 'bad', bad)
c.shutdown()
`;

interface PgStat {
  pg_summary: { num_pgs: number; num_pg_by_state: { name: string; num: number }[] };
}

/** `ceph pg stat` until the pool's PGs (and only them) are all active+clean; returns the ms it took. */
async function waitClean(c: BootstrappedCluster, what: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  let last = '';
  await waitFor(
    async () => {
      const r = await c.ceph(['pg', 'stat', '-f', 'json']);
      if (r.code !== 0) return false;
      const s = (JSON.parse(r.stdout) as PgStat).pg_summary;
      last = JSON.stringify(s.num_pg_by_state);
      return s.num_pg_by_state.length === 1 && s.num_pg_by_state[0]!.name === 'active+clean' && s.num_pgs >= pgNum;
    },
    timeoutMs,
    `${what}: active+clean`,
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (last ${last})`);
  });
  return Date.now() - start;
}

/**
 * The PGs each OSD holds (`ceph tell osd.N status`'s num_pgs) until they add up to every pool's
 * size x pg_num: no stray copy left.
 */
async function waitNoStrays(c: BootstrappedCluster, expected: number, timeoutMs: number): Promise<number[]> {
  let counts: number[] = [];
  await waitFor(
    async () => {
      const r = await c.ceph(['tell', 'osd.*', 'status']);
      counts = [...r.stdout.matchAll(/"num_pgs": (\d+)/g)].map((x) => Number(x[1]));
      return r.code === 0 && counts.length === osds.length && counts.reduce((a, b) => a + b, 0) === expected;
    },
    timeoutMs,
    `PG copies add up to ${expected}`,
    1_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (last ${counts.join(',')})`);
  });
  return counts;
}

/** The pool's user objects each OSD's store holds, read offline with ts-objectstore-tool. */
async function storeObjects(c: BootstrappedCluster, poolId: number): Promise<number[]> {
  const out: number[] = [];
  for (const o of osds) {
    const r = await run(process.execPath, [toolBin, '--data-path', join(c.dir, `osd.${o}`), '--op', 'list'], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`list osd.${o}: ${r.stderr}`);
    let n = 0;
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [pgid, obj] = JSON.parse(line) as [string, { oid: string; pool: number }];
      if (pgid !== 'meta' && obj.pool === poolId && obj.oid !== '') n++;
    }
    out.push(n);
  }
  return out;
}

t.test('4 ts-osd, size 3: down → out → backfill → in → back, reweights, no stray copies', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const t0 = Date.now();
  const stage = (what: string): void => void t.comment(`${what} at ${Date.now() - t0} ms`);
  const c = await bootstrapTsCluster(4);
  stage('bootstrapped');
  const watch = await watchOsdMap(c.conf);
  t.teardown(async () => {
    await watch.stop();
    await c.cleanup();
  });
  for (const o of osds) await watch.waitUp(o, true, 0, 30_000);
  for (const [who, k, v] of [['mon', 'mon_osd_down_out_interval', '10'], ['mgr', 'mgr_stats_period', '1']]) {
    const r = await c.ceph(['config', 'set', who!, k!, v!]);
    t.equal(r.code, 0, `config set ${k}: ${r.stderr}`);
  }
  let r = await c.ceph(['osd', 'pool', 'create', pool, String(pgNum)]);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  const dump = JSON.parse((await c.ceph(['osd', 'dump', '-f', 'json'])).stdout) as { pools: { pool: number; pool_name: string; size: number; pg_num: number }[] };
  const poolId = dump.pools.find((p) => p.pool_name === pool)!.pool;
  t.equal(dump.pools.find((p) => p.pool === poolId)!.size, 3);
  // Every pool's PG copies (size x pg_num): what the OSDs hold in all when no stray is left.
  const copies = dump.pools.reduce((n, p) => n + p.size * p.pg_num, 0);
  await waitClean(c, 'new pool', 60_000);
  stage('pool clean');

  const rados = (args: string[], input?: string) => run('rados', ['-c', c.conf, '--rados-osd-op-timeout', '60', '-p', pool, ...args], { timeoutMs: 90_000, input });
  const names = Array.from({ length: objects }, (_, i) => `rebal-${i}`);
  const body = (n: string): string => `${n} `.repeat(200);
  const files = join(c.dir, 'objects');
  const reader = join(c.dir, 'read-all.py');
  writeFileSync(reader, readScript);
  for (const n of names) writeFileSync(`${files}-${n}`, body(n));
  const puts = await Promise.all(names.map((n) => rados(['put', n, `${files}-${n}`])));
  t.same(puts.map((x) => x.code), names.map(() => 0), `rados put of ${objects} objects: ${puts.map((x) => x.stderr).join('')}`);
  // One python3-rados process reads every object back (a rados CLI per object costs a second each).
  const readAll = async (what: string): Promise<void> => {
    const g = await run('/usr/bin/python3', [reader, c.conf, pool, ...names], { env: { ...process.env, CEPH_KEYRING: join(c.dir, 'ceph.client.admin.keyring') }, timeoutMs: 90_000 });
    t.equal(g.stdout.trim(), `read ${objects} bad 0`, `${what}: every object reads back ${g.stderr.slice(-500)}`);
  };

  stage('objects written');
  // Down, then out by the monitor's own timer; the PGs backfill onto the other three.
  const killedAt = Date.now();
  process.kill(c.pid(3), 'SIGKILL');
  await watch.waitUp(3, false, killedAt, 15_000);
  const downAt = watch.map!.epoch;
  // While osd.3 is down: two pool changes and another OSD's flap, each a new interval of every PG
  // that osd.3 only learns from the stored maps it fetches when it comes back.
  for (const args of [['osd', 'pool', 'set', pool, 'min_size', '1'], ['osd', 'down', '1'], ['osd', 'pool', 'set', pool, 'min_size', '2']]) {
    r = await c.ceph(args);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    if (args[1] === 'down') await watch.waitUp(1, true, 0, 30_000);
  }
  await waitFor(() => watch.map!.osdWeight[3] === 0, 40_000, 'osd.3 marked out', 200);
  const outAfter = Date.now() - killedAt;
  t.ok(outAfter >= 10_000 && outAfter < 35_000, `marked out after mon_osd_down_out_interval (${outAfter} ms)`);
  const backfilled = await waitClean(c, 'osd.3 out', 120_000);
  t.pass(`osd.3's PGs backfilled onto the others: active+clean ${backfilled} ms after the out`);
  await readAll('osd.3 out');
  stage('read back with osd.3 out');

  // Back: marked in on boot, the data moves back, the copies it replaced are purged.
  r = await c.tsCeph(['start', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph start restarts osd.3: ${r.stderr}`);
  await watch.waitUp(3, true, 0, 30_000);
  t.ok(watch.map!.epoch > downAt + 4, `osd.3 missed epochs ${downAt + 1}..${watch.map!.epoch - 1} (pool changes, osd.1's flap, its own out)`);
  await waitFor(() => watch.map!.osdWeight[3] === 0x10000, 15_000, 'osd.3 marked in on boot', 200);
  const back = await waitClean(c, 'osd.3 in', 120_000);
  t.pass(`osd.3 back in: active+clean after ${back} ms`);
  t.same((await waitNoStrays(c, copies, 60_000)).length, 4, 'no stray PG copy left after the move back');
  stage('osd.3 back, no strays');

  // Weight changes move data too, and end clean without strays.
  for (const args of [['osd', 'reweight', '1', '0.5'], ['osd', 'crush', 'reweight', 'osd.2', '0.001']]) {
    r = await c.ceph(args);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const ms = await waitClean(c, args.join(' '), 120_000);
    t.pass(`${args.join(' ')}: active+clean after ${ms} ms`);
    await waitNoStrays(c, copies, 60_000);
  }
  stage('reweights done');
  await readAll('after the reweights');

  r = await c.tsCeph(['down', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph down: ${r.stderr}`);
  await waitOsdsStopped(c.dir, osds, 30_000);
  const held = await storeObjects(c, poolId);
  t.equal(held.reduce((a, b) => a + b, 0), objects * 3, `the stores hold 3 copies of each object, no more (${held.join(', ')})`);
});
