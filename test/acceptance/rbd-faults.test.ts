/**
 * Issue 13, acceptance 6: fio's rbd engine (Debian's fio, librbd 16.2.15) with --verify=crc32c on
 * an image with the default features (exclusive-lock, object-map, fast-diff) in a size-3 pool of
 * three ts-osd, while the primary OSD of the image's header object is kill -9'd and restarted:
 *  - the header's primary holds librbd's watch and the exclusive lock's state; its death makes
 *    librbd re-establish the watch on the new primary and carry on with the lock it holds;
 *  - fio writes 4 KiB random blocks and reads back each batch as it goes (verify_backlog), then a
 *    verify-only pass reads every block after the fault healed: no client error, no verify error;
 *  - after the fault, `rbd status` shows fio's one watch again and `rbd lock ls` the same client
 *    holding the exclusive lock;
 *  - the PGs go degraded during the fault and every PG ends active+clean unattended.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '@ts-ceph/common';
import { requireBinary, run } from '@ts-ceph/testkit';
import { bootstrapTsCluster, watchOsdMap } from './osd-cluster-lib';
import { degradedOrUndersized, fioJob, pollPgStat, recoveryOps, sleep, stateTimeline, waitAllClean, waitDegraded } from './osd-faults-lib';

const pool = 'rbd';
const pgs = 8;
const image = 'faults';
// The write phase ends with the trigger file once the fault healed; the runtime is only a cap.
const writeSecondsMax = 120;

t.test('fio rbd verify through kill -9 of the header primary; the cluster ends active+clean', async (t) => {
  for (const b of ['ceph', 'rbd', 'fio']) requireBinary(b);
  const c = await bootstrapTsCluster(3);
  const watch = await watchOsdMap(c.conf);
  let poller: ReturnType<typeof pollPgStat> | undefined;
  t.teardown(async () => {
    await poller?.stop();
    await watch.stop();
    await c.cleanup();
  });
  for (const o of [0, 1, 2]) await watch.waitUp(o, true, 0, 30_000);
  let r = await c.ceph(['osd', 'pool', 'create', pool, String(pgs)]);
  t.equal(r.code, 0, `pool create: ${r.stderr}`);
  const rbd = (args: string[]) => run('rbd', ['-c', c.conf, ...args], { timeoutMs: 60_000 });
  r = await rbd(['pool', 'init', pool]);
  t.equal(r.code, 0, `rbd pool init: ${r.stderr}`);
  // 512 KiB objects, so fio's 4 MiB span covers eight data objects in several PGs.
  r = await rbd(['create', '--size', '64M', '--object-size', '512K', `${pool}/${image}`]);
  t.equal(r.code, 0, `rbd create: ${r.stderr}`);
  const info = JSON.parse((await rbd(['info', `${pool}/${image}`, '--format', 'json'])).stdout) as { id: string; features: string[] };
  t.ok(info.features.includes('exclusive-lock'), `the image has the default features (${info.features.join(',')})`);
  r = await c.ceph(['osd', 'map', pool, `rbd_header.${info.id}`, '-f', 'json']);
  const victim = (JSON.parse(r.stdout) as { acting_primary: number }).acting_primary;
  await waitAllClean(c, pgs, 30_000);

  const env = { ...process.env, CEPH_CONF: c.conf };
  // The first 4 MiB of the image: 1024 blocks, each written at least once before the fault heals
  // (fio's random map), so the verify-only pass finds a header in every block; fio reads back
  // each 128 blocks it wrote.
  const common = ['--ioengine=rbd', '--clientname=admin', `--pool=${pool}`, `--rbdname=${image}`, '--name=faults', '--bs=4k', '--size=4m', '--verify=crc32c', '--verify_fatal=1', '--output-format=json', '--eta=never'];
  // fio stops when the trigger file appears and then saves its verify state under --aux-path,
  // which keeps that file in the cluster's temp dir rather than the working directory.
  const trigger = join(c.dir, 'fio-stop');
  const t0 = realClock.now();
  poller = pollPgStat(c);
  const fio = run('fio', [`--trigger-file=${trigger}`, `--aux-path=${c.dir}`, ...common, '--rw=randwrite', '--iodepth=16', '--time_based', `--runtime=${writeSecondsMax}`, '--verify_backlog=128'], { env, timeoutMs: (writeSecondsMax + 60) * 1000 });
  const since = (ms: number) => ((ms - t0) / 1000).toFixed(1);

  await sleep(5_000);
  process.kill(c.pid(victim), 'SIGKILL');
  const killedAt = realClock.now();
  await watch.waitUp(victim, false, 0, 10_000);
  await waitDegraded(poller, killedAt, 20_000);
  r = await c.tsCeph(['start', '--dir', c.dir]);
  t.equal(r.code, 0, `ts-ceph start restarts osd.${victim}: ${r.stderr}`);
  const restartedAt = realClock.now();
  await watch.waitUp(victim, true, 0, 30_000);
  const cleanMs = await waitAllClean(c, pgs, 60_000);
  const cleanAt = realClock.now();
  t.comment(`kill -9 osd.${victim} (the header's primary) at +${since(killedAt)} s, restarted at +${since(restartedAt)} s; active+clean at +${since(cleanAt)} s (${(cleanMs / 1000).toFixed(1)} s later)`);

  // librbd re-established its watch on the new primary and still holds the exclusive lock.
  r = await rbd(['status', `${pool}/${image}`]);
  const watchers = r.stdout.split('\n').filter((l) => l.includes('watcher='));
  t.equal(watchers.length, 1, `fio's one watch is on the header again: ${r.stdout}`);
  r = await rbd(['lock', 'ls', `${pool}/${image}`, '--format', 'json']);
  const lockers = JSON.parse(r.stdout || '[]') as { locker: string; address: string }[];
  t.same(lockers.map((l) => l.address), [watchers[0]?.match(/watcher=(\S+)/)?.[1]], `the watcher still holds the exclusive lock: ${r.stdout}`);
  writeFileSync(trigger, '');
  const w = await fio;
  const wj = fioJob(w);
  t.equal(w.code, 0, `fio write phase exit 0: ${w.stderr.slice(-2000)}`);
  t.ok(wj && wj.error === 0, `fio write phase: no error (${wj?.error})`);
  t.ok(wj && wj.write.io_bytes > 0 && wj.read.io_bytes > 0, `wrote ${wj?.write.io_bytes} bytes (${Math.round(wj?.write.iops ?? 0)} IOPS), verified ${wj?.read.io_bytes} bytes while writing`);
  t.ok(realClock.now() - t0 < writeSecondsMax * 1000, 'fio wrote until the fault healed (its runtime is only a cap)');

  const v = await run('fio', [...common, '--rw=read', '--iodepth=16', '--verify_only=1'], { env, timeoutMs: 120_000 });
  const vj = fioJob(v);
  t.equal(v.code, 0, `fio verify-only pass exit 0: ${v.stderr.slice(-2000)}`);
  t.ok(vj && vj.error === 0 && vj.read.io_bytes === 4 << 20, `every block verifies (${vj?.read.io_bytes} bytes read)`);

  await poller.stop();
  const samples = poller.samples;
  poller = undefined;
  const bad = samples.filter((s) => s.atMs >= killedAt && s.atMs <= cleanAt && degradedOrUndersized(s));
  t.ok(bad.length > 0, 'ceph pg stat showed degraded/undersized PGs after kill -9');
  for (const line of stateTimeline(samples, t0)) t.comment(line);
  await waitAllClean(c, pgs, 30_000);
  t.pass('the cluster ends active+clean');
  const recovered = await recoveryOps(c, 3);
  t.ok(recovered > 0, `the OSDs recovered objects (recovery_ops ${recovered})`);
  r = await rbd(['status', `${pool}/${image}`]);
  t.match(r.stdout, /Watchers: none/, `fio's watch is gone after it closed the image: ${r.stdout}`);
});
