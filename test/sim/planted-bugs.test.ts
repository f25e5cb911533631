/**
 * The mutation check (issue 12 item 6): each planted bug is caught within the CI seeds. The same
 * seed without the bug passes, so it is the bug the simulation finds, not something else.
 */
import t from 'tap';
import { SimOptions, runSeed } from './cluster';
import { bugOption } from './run';

const seeds = Number(process.env.TS_CEPH_SIM_SEEDS ?? 200);

for (const name of ['ack-before-replica', 'skip-past-interval', 'scrub-skip-data-digest']) {
  t.test(`planted bug ${name} is caught within ${seeds} seeds`, async (t) => {
    const bug: SimOptions['bug'] = bugOption(name);
    let caught: number | undefined;
    for (let seed = 1; seed <= seeds && caught === undefined; seed++) {
      const r = await runSeed({ seed, bug, opsPerClient: 20 });
      if (r.errors.length) {
        caught = seed;
        t.comment(`seed ${seed}: ${r.errors[0]}`);
      }
    }
    t.not(caught, undefined, `a seed in 1..${seeds} finds ${name}`);
    if (caught === undefined) return;
    const clean = await runSeed({ seed: caught, opsPerClient: 20 });
    t.same(clean.errors, [], `seed ${caught} passes without the bug`);
  });
}
