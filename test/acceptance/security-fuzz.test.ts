/**
 * Issue 14, acceptance 5 (the CI-sized run): the bad-input harness of test/fuzz/daemon-fuzz.ts
 * for about 10 s against ts-mon and 10 s against ts-osd (`npm run fuzz` runs 60 s per daemon):
 * mutated captured streams, truncated and oversized frames, garbage and a handshake flood (plus
 * fuzzed MOSDOps for the OSD) while a legitimate client must keep succeeding and the daemon stay up.
 * TS_CEPH_SEED=<seed> replays a run; TS_CEPH_FUZZ_SECONDS sets the time per daemon.
 */
import t from 'tap';
import { seedFromEnv } from '@ts-ceph/testkit';
import { runDaemonFuzz } from '../fuzz/daemon-fuzz';

const seed = seedFromEnv();
const seconds = Number(process.env.TS_CEPH_FUZZ_SECONDS ?? 10);
t.comment(`daemon fuzz seed ${seed} (TS_CEPH_SEED=${seed} to replay), ${seconds} s per daemon`);

for (const target of ['mon', 'osd'] as const) {
  t.test(`ts-${target} survives ${seconds} s of bad input and keeps serving a legitimate client`, async (t) => {
    const r = await runDaemonFuzz({ target, seconds, seed, log: (l) => t.comment(l) });
    t.same(r.failures, [], `no failure (TS_CEPH_SEED=${seed} to replay)`);
    t.ok(r.legit.ok >= 2, `the legitimate client was served ${r.legit.ok} times`);
    const raw = Object.values(r.raw).reduce((a, b) => a + b, 0);
    t.ok(raw >= 20 && r.raw.mutated > 0 && r.raw.oversized > 0, `${raw} raw connections of bad input: ${JSON.stringify(r.raw)}`);
    t.ok(r.floodOpened >= 200, `a flood of ${r.floodOpened} connections`);
    if (target === 'osd') t.ok(r.osdOps > 10, `${r.osdOps} fuzzed MOSDOps on authenticated sessions`);
  });
}
