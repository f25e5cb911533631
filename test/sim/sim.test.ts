/**
 * The deterministic simulation in CI (STYLE §9): TS_CEPH_SIM_SEEDS seeds (200 by default) of
 * crashes, restarts, partitions and a lossy network against the replicated PG core, each checked
 * for lost or stale writes, two active primaries, replicas that differ, and PGs not active+clean
 * after the heal. `npm run sim -- --seeds N` runs more; a failure prints its seed and trace.
 */
import t from 'tap';
import { report, runSeed } from './cluster';
import { runParallel } from './parallel';

const seeds = Number(process.env.TS_CEPH_SIM_SEEDS ?? 200);
const from = Number(process.env.TS_CEPH_SIM_FROM ?? 1);

t.test(`${seeds} seeds from ${from}: no invariant violated`, async (t) => {
  let ops = 0;
  for (let seed = from; seed < from + seeds; seed++) {
    const r = await runSeed({ seed, opsPerClient: 20 });
    if (r.errors.length) return void t.fail(report(r));
    ops += r.ops;
  }
  t.pass(`${seeds} seeds, ${ops} client ops checked`);
});

t.test('a seed replays exactly: the same trace twice', async (t) => {
  const a = await runSeed({ seed: 4242, opsPerClient: 20 });
  const b = await runSeed({ seed: 4242, opsPerClient: 20 });
  t.equal(a.errors.length, 0, a.errors.join('\n'));
  t.ok(a.trace.some((l) => l.includes('crash osd.')), 'the seed crashes an OSD');
  t.ok(a.trace.some((l) => / c\d write /.test(l)), 'the seed acknowledges writes');
  t.same(b.trace, a.trace);
});

t.test('--jobs 2: worker threads run every seed of the range and count the verdicts', async (t) => {
  const lines: string[] = [];
  const r = await runParallel(4242, 3, 2, { opsPerClient: 20 }, (l) => lines.push(l));
  t.same({ seeds: r.seeds, ok: r.ok, failed: r.failed }, { seeds: 3, ok: 3, failed: 0 }, lines.join('\n'));
  // The first seed the planted bug fails (planted-bugs.test.ts: one within the CI seeds), run by a worker.
  const bug = { ackBeforeReplica: true };
  let failing = 1;
  while (failing < 400 && (await runSeed({ seed: failing, opsPerClient: 20, bug })).errors.length === 0) failing++;
  const planted = await runParallel(failing, 1, 2, { opsPerClient: 20, bug }, (l) => lines.push(l));
  t.same({ seeds: planted.seeds, failed: planted.failed }, { seeds: 1, failed: 1 }, `a failing seed (${failing}) counts as failed`);
  t.match(lines.join('\n'), new RegExp(`seed ${failing} FAILED .*replay: npm run sim -- --seed ${failing} --trace`), 'and its report names the seed to replay');
});
