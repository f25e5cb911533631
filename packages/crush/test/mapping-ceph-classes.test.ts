/**
 * Acceptance 1: the device-class maps of Ceph's reclassify tests (test/data/crush-classes: real
 * clusters' maps with shadow trees). Every rule, x 0..1023, num-rep 1..5, compared with crushtool.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { same } from './lib/diff';
import { data, dataDir } from './lib/ref';

const maps = readdirSync(join(dataDir, 'crush-classes')).sort();

let mappings = 0;
t.test('every rule of every crush-classes map, x 0..1023, num-rep 1..5', async (t) => {
  t.ok(maps.length >= 10, `${maps.length} maps`);
  for (const m of maps) {
    for (let n = 1; n <= 5; n++) {
      mappings += await same(t, ['-i', data(`crush-classes/${m}`), '--test', '--show-mappings', '--num-rep', String(n)], `${m} num-rep ${n}`);
    }
  }
});
t.teardown(() => console.log(`# ${mappings} mappings compared with crushtool`));
