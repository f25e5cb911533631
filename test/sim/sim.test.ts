/**
 * The deterministic simulation in CI (STYLE §9): TS_CEPH_SIM_SEEDS seeds (200 by default) of
 * crashes, restarts, partitions and a lossy network against the replicated PG core, each checked
 * for lost or stale writes, two active primaries, replicas that differ, and PGs not active+clean
 * after the heal. `npm run sim -- --seeds N` runs more; a failure prints its seed and trace.
 */
import t from 'tap';
import { report, runSeed } from './cluster';

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
