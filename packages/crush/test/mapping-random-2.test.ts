/**
 * Acceptance 1: randomly built maps (seeds 31..60; see lib/gen.ts), every rule, x 0..1023,
 * num-rep 1..5, compared with crushtool line for line.
 */
import t from 'tap';
import { tempDir } from '@ts-ceph/testkit';
import { compareGenerated, generateMap } from './lib/gen';

let mappings = 0;
let maps = 0;
t.test('generated maps map exactly as crushtool maps them', async (t) => {
  const tmp = tempDir('crush-gen-');
  t.teardown(tmp.cleanup);
  for (let seed = 31; seed <= 60; seed++) {
    const g = generateMap(seed, tmp.path);
    if (!g) continue;
    maps++;
    mappings += compareGenerated(t, g);
  }
  t.ok(maps >= 20, `${maps} of 30 seeds produced a map crushtool accepts`);
});
t.teardown(() => console.log(`# ${maps} generated maps, ${mappings} mappings compared with crushtool`));
