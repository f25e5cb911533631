/**
 * Failure detection on a 3-OSD cluster from `ts-ceph bootstrap --osds 3` (issue 12, item 4), timed
 * against the osdmaps the monitor publishes:
 *  - kill -9 of an OSD: its peers' heartbeat connections are refused, they report it with
 *    FLAG_IMMEDIATE and the monitor marks it down in at most 0.5 s;
 *  - SIGSTOP of another: no ping replies for osd_heartbeat_grace (6 s in bootstrap's conf), two
 *    reporters, down in at most 10 s; after SIGCONT it sees itself down in the map and boots again;
 *  - a saturating load (rados bench writes plus two CPU burners on this 2-core machine) for 30 s
 *    (five graces; TS_CEPH_HB_LOAD_SECONDS for a longer soak, 60 s in the issue's record) marks no
 *    OSD down.
 */
import t from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { realClock } from '@ts-ceph/common';
import { isUp } from '@ts-ceph/maps';
import { requireBinary, run } from '@ts-ceph/testkit';
import { bootstrapTsCluster, watchOsdMap } from './osd-cluster-lib';

const loadSeconds = Number(process.env.TS_CEPH_HB_LOAD_SECONDS ?? 30);

t.test('3 ts-osd: a killed OSD is down in 0.5 s, a hung one in 10 s, none under load', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const c = await bootstrapTsCluster(3);
  const burners: ChildProcess[] = [];
  let stopped: number | undefined;
  const watch = await watchOsdMap(c.conf);
  t.teardown(async () => {
    for (const b of burners) b.kill('SIGKILL');
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    await watch.stop();
    await c.cleanup();
  });
  for (const o of [0, 1, 2]) await watch.waitUp(o, true, 0, 20_000);
  let r = await c.ceph(['-s']);
  t.match(r.stdout, /HEALTH_OK/, `bootstrap returns at HEALTH_OK: ${r.stdout}`);
  r = await c.ceph(['osd', 'crush', 'rule', 'dump', 'replicated_rule', '-f', 'json']);
  t.match(r.stdout, /"type":\s*"osd"/, 'the default rule picks leaves of type osd (one host)');

  // kill -9: refused heartbeat connections, reported at once.
  let since = realClock.now();
  process.kill(c.pid(1), 'SIGKILL');
  const killedMs = await watch.waitUp(1, false, since, 10_000);
  t.comment(`kill -9 osd.1: marked down after ${killedMs.toFixed(0)} ms`);
  t.ok(killedMs <= 500, `osd.1 down within 0.5 s of kill -9 (${killedMs.toFixed(0)} ms)`);
  r = await c.ceph(['osd', 'tree']);
  t.match(r.stdout, /osd\.1\s+down/, `ceph osd tree shows osd.1 down: ${r.stdout}`);
  r = await c.tsCeph(['start', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph start restarts osd.1: ${r.stderr}`);
  await watch.waitUp(1, true, 0, 30_000);

  // SIGSTOP: no replies for the grace, two reporters.
  stopped = c.pid(2);
  since = realClock.now();
  process.kill(stopped, 'SIGSTOP');
  const hungMs = await watch.waitUp(2, false, since, 20_000);
  t.comment(`SIGSTOP osd.2: marked down after ${hungMs.toFixed(0)} ms`);
  t.ok(hungMs <= 10_000, `osd.2 down within 10 s of SIGSTOP (${hungMs.toFixed(0)} ms)`);
  since = realClock.now();
  process.kill(stopped, 'SIGCONT');
  stopped = undefined;
  const backMs = await watch.waitUp(2, true, since, 30_000);
  t.comment(`SIGCONT osd.2: up again after ${backMs.toFixed(0)} ms`);
  r = await c.ceph(['osd', 'dump']);
  t.match(r.stdout, /osd\.2 up\s+in/, 'osd.2 booted again after it saw itself marked down');

  // Saturating load: no markdown.
  r = await c.ceph(['osd', 'pool', 'create', 'bench', '8']);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  const firstLoadChange = watch.changes.length;
  for (let i = 0; i < 2; i++) burners.push(spawn(process.execPath, ['-e', `const e = Date.now() + ${loadSeconds * 1000}; while (Date.now() < e) {}`], { stdio: 'ignore' }));
  // 16 KiB writes load the OSDs' CPUs with ops rather than filling their 4 GiB devices: 4 MiB ones
  // at this host's speed filled them before the 30 s were up (ENOSPC); --max-objects bounds it.
  const bench = await run('rados', ['-c', c.conf, '-p', 'bench', 'bench', String(loadSeconds), 'write', '-t', '16', '-b', '16384', '--max-objects', '120000', '--no-cleanup'], { timeoutMs: (loadSeconds + 60) * 1000 });
  t.equal(bench.code, 0, `rados bench under load: ${bench.stderr.slice(-500)}`);
  t.match(bench.stdout, /Bandwidth \(MB\/sec\)/, 'rados bench wrote');
  const downs = watch.changes.slice(firstLoadChange).filter((x) => !x.up);
  t.same(downs, [], `no OSD marked down during ${loadSeconds} s of saturating load`);
  const map = watch.map!;
  t.same([0, 1, 2].map((o) => isUp(map, o)), [true, true, true], 'all three OSDs up at the end');
});
