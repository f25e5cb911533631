/**
 * Issue 12, acceptance 1: fio's rados engine (Debian's fio, librados 16.2.15) with --verify=crc32c
 * on a size 3 / min_size 2 pool of three ts-osd, while one OSD is kill -9'd and restarted and then
 * another is SIGSTOPped for 20 s:
 *  - fio runs 4 KiB random writes over a bounded set of objects and reads back every block it wrote
 *    as it goes (verify_backlog), then a verify-only pass reads every block once the faults healed:
 *    no client error, no verify error;
 *  - `ceph pg stat` shows degraded or undersized PGs during each fault and every PG returns to
 *    active+clean unattended (bounded waits);
 *  - with the cluster stopped, every object is byte-identical (data, xattrs, omap) in all three
 *    stores, read offline through the objectstore API.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '@ts-ceph/common';
import { requireBinary, run } from '@ts-ceph/testkit';
import { bootstrapTsCluster, watchOsdMap } from './osd-cluster-lib';
import { compareReplicas, degradedOrUndersized, fioJob, pollPgStat, recoveryOps, sleep, stateTimeline, waitAllClean, waitDegraded } from './osd-faults-lib';

const pool = 'fio';
const pgs = 8;
// fio's write phase ends when the test creates the trigger file, after both faults healed; the
// runtime is only a cap.
const writeSecondsMax = 150;
const stopSeconds = 20;

t.test('fio rados verify through kill -9 and SIGSTOP of an OSD; replicas identical afterwards', async (t) => {
  for (const b of ['ceph', 'fio']) requireBinary(b);
  const c = await bootstrapTsCluster(3);
  const watch = await watchOsdMap(c.conf);
  let stopped: number | undefined;
  let poller: ReturnType<typeof pollPgStat> | undefined;
  t.teardown(async () => {
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    await poller?.stop();
    await watch.stop();
    await c.cleanup();
  });
  for (const o of [0, 1, 2]) await watch.waitUp(o, true, 0, 30_000);
  let r = await c.ceph(['osd', 'pool', 'create', pool, String(pgs)]);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  await waitAllClean(c, pgs, 30_000);
  const dump = JSON.parse((await c.ceph(['osd', 'dump', '-f', 'json'])).stdout) as { pools: { pool: number; pool_name: string; size: number }[] };
  const p = dump.pools.find((x) => x.pool_name === pool)!;
  t.equal(p.size, 3, 'the pool has three copies');

  const env = { ...process.env, CEPH_CONF: c.conf };
  // Eight 512 KiB objects; fio reads back each 128 blocks it wrote (all of them, in time).
  const common = ['--ioengine=rados', `--conf=${c.conf}`, `--pool=${pool}`, '--clientname=admin', '--name=faults', '--bs=4k', '--size=4m', '--nrfiles=8', '--verify=crc32c', '--verify_fatal=1', '--output-format=json', '--eta=never'];
  const t0 = realClock.now();
  poller = pollPgStat(c);
  // fio stops when the trigger file appears and then saves its verify state under --aux-path,
  // which keeps that file in the cluster's temp dir rather than the working directory.
  const trigger = join(c.dir, 'fio-stop');
  const fio = run('fio', [`--trigger-file=${trigger}`, `--aux-path=${c.dir}`, ...common, '--rw=randwrite', '--iodepth=8', '--time_based', `--runtime=${writeSecondsMax}`, '--verify_backlog=128'], { env, timeoutMs: (writeSecondsMax + 60) * 1000 });
  const since = (ms: number) => ((ms - t0) / 1000).toFixed(1);

  // Fault 1: kill -9 osd.1, see the PGs degrade, restart it, see them clean again.
  await sleep(4_000);
  process.kill(c.pid(1), 'SIGKILL');
  const killedAt = realClock.now();
  await watch.waitUp(1, false, 0, 10_000);
  await waitDegraded(poller, killedAt, 20_000);
  r = await c.tsCeph(['start', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph start restarts osd.1: ${r.stderr}`);
  await watch.waitUp(1, true, 0, 30_000);
  const clean1Ms = await waitAllClean(c, pgs, 60_000);
  const clean1At = realClock.now();
  t.comment(`kill -9 osd.1 at +${since(killedAt)} s; active+clean again at +${since(clean1At)} s (${(clean1Ms / 1000).toFixed(1)} s after its restart)`);

  // Fault 2: SIGSTOP osd.2 for 20 s; it is marked down meanwhile and comes back after SIGCONT.
  stopped = c.pid(2);
  process.kill(stopped, 'SIGSTOP');
  const stoppedAt = realClock.now();
  const downMs = await watch.waitUp(2, false, stoppedAt, 15_000);
  await sleep(Math.max(0, stopSeconds * 1000 - (realClock.now() - stoppedAt)));
  process.kill(stopped, 'SIGCONT');
  stopped = undefined;
  const contAt = realClock.now();
  await watch.waitUp(2, true, 0, 30_000);
  const clean2Ms = await waitAllClean(c, pgs, 60_000);
  const clean2At = realClock.now();
  t.comment(`SIGSTOP osd.2 at +${since(stoppedAt)} s (down after ${(downMs / 1000).toFixed(1)} s), SIGCONT at +${since(contAt)} s; active+clean at +${since(clean2At)} s (${(clean2Ms / 1000).toFixed(1)} s after SIGCONT)`);

  // A few more seconds of writes on the healed cluster, then fio stops cleanly (exit 0).
  await sleep(3_000);
  writeFileSync(trigger, '');
  const w = await fio;
  const wj = fioJob(w);
  t.equal(w.code, 0, `fio write phase exit 0: ${w.stderr.slice(-2000)}`);
  t.ok(wj && wj.error === 0, `fio write phase: no error (${wj?.error})`);
  t.ok(wj && wj.write.io_bytes > 0 && wj.read.io_bytes > 0, `wrote ${wj?.write.io_bytes} bytes (${Math.round(wj?.write.iops ?? 0)} IOPS), verified ${wj?.read.io_bytes} bytes while writing`);
  t.ok(realClock.now() - t0 < writeSecondsMax * 1000, 'fio wrote until both faults healed (its runtime is only a cap)');

  const v = await run('fio', [...common, '--rw=read', '--iodepth=8', '--verify_only=1'], { env, timeoutMs: 120_000 });
  const vj = fioJob(v);
  t.equal(v.code, 0, `fio verify-only pass exit 0: ${v.stderr.slice(-2000)}`);
  t.ok(vj && vj.error === 0 && vj.read.io_bytes === 4 << 20, `every block verifies (${vj?.read.io_bytes} bytes read)`);

  await poller.stop();
  const samples = poller.samples;
  poller = undefined;
  const during = (from: number, to: number) => samples.filter((s) => s.atMs >= from && s.atMs <= to);
  t.ok(during(killedAt, clean1At).some(degradedOrUndersized), 'ceph pg stat showed degraded/undersized PGs after kill -9');
  t.ok(during(stoppedAt, clean2At).some(degradedOrUndersized), 'ceph pg stat showed degraded/undersized PGs during SIGSTOP');
  const bad1 = during(killedAt, clean1At).filter(degradedOrUndersized);
  const bad2 = during(stoppedAt, clean2At).filter(degradedOrUndersized);
  const span = (xs: typeof samples) => (xs.length ? ((xs[xs.length - 1]!.atMs - xs[0]!.atMs) / 1000).toFixed(1) : '0');
  t.comment(`degraded/undersized seen for ${span(bad1)} s (kill -9) and ${span(bad2)} s (SIGSTOP)`);
  for (const line of stateTimeline(samples, t0)) t.comment(line);

  const recovered = await recoveryOps(c, 3);
  t.ok(recovered > 0, `the OSDs recovered objects (recovery_ops ${recovered})`);

  // Offline: stop every daemon, then read the three stores.
  r = await c.tsCeph(['down', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph down: ${r.stderr}`);
  const cmp = await compareReplicas(c, 3, p.pool);
  t.equal(cmp.objects, 8, 'the eight fio objects are in the stores');
  t.same(cmp.missing, [], 'every object is on all three OSDs');
  t.same(cmp.differ, [], 'every object is byte-identical on all three OSDs');
});
