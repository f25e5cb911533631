/**
 * Acceptance 1: Ceph's own crushtool test maps (src/test/cli/crushtool, kept in test/data). For
 * every map, every rule, x 0..1023 and num-rep 1..5, our `--test --show-mappings --show-bad-mappings`
 * output must equal the installed crushtool's, line for line. (The crush-classes maps are in
 * mapping-ceph-classes.test.ts.)
 */
import t from 'tap';
import { same } from './lib/diff';
import { data } from './lib/ref';

const maps = [
  'five-devices.crushmap',
  'simple.template',
  'tree.template',
  'test-map-a.crushmap',
  'test-map-big-1.crushmap',
  'test-map-hammer-tunables.crushmap',
  'test-map-indep.crushmap',
  'test-map-jewel-tunables.crushmap',
  'test-map-tries-vs-retries.crushmap',
  'test-map-vary-r.crushmap',
  'check-overlapped-rules.crushmap',
];

let mappings = 0;
t.test('every rule of every Ceph test map, x 0..1023, num-rep 1..5', async (t) => {
  for (const m of maps) {
    for (let n = 1; n <= 5; n++) {
      mappings += await same(t, ['-i', data(m), '--test', '--show-mappings', '--show-bad-mappings', '--num-rep', String(n)], `${m} num-rep ${n}`);
    }
  }
});
t.teardown(() => console.log(`# ${mappings} mappings compared with crushtool`));
