/**
 * Fuzz every registered decoder with mutated corpus samples (issue 2 acceptance): bit flips, byte
 * overwrites, truncations, extensions, spliced duplicates and blown-up length fields. Every decode must
 * either succeed or throw a DencError/CephError: never a RangeError or TypeError from deep inside,
 * never an assertion, never a hang. Reproduce a failure with TS_CEPH_SEED=<seed printed below>.
 */
import t from 'tap';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CephError, sharedDir } from '@ts-ceph/common';
import { wireTypes, decodeType, WireType } from '@ts-ceph/denc';
import { loadAllWireTypes } from '../lib/wire-types';
import { Prng, seedFromEnv, mutate } from '@ts-ceph/testkit';

loadAllWireTypes();
const corpus = join(sharedDir(), 'ceph-object-corpus');
const mutationsPerType = Number(process.env.TS_CEPH_FUZZ_PER_TYPE ?? 3000);
const decodeMsMax = 500;
const seed = seedFromEnv();
t.comment(`fuzz seed ${seed} (TS_CEPH_SEED=${seed} to replay), ${mutationsPerType} mutations per type`);

function samples(type: string): Buffer[] {
  const out: Buffer[] = [];
  for (const v of ['16.2.0', '19.2.0']) {
    const dir = join(corpus, v, 'objects', type);
    if (existsSync(dir)) for (const f of readdirSync(dir).sort()) out.push(readFileSync(join(dir, f)));
  }
  return out;
}

const rng = new Prng(seed);
let total = 0;
for (const wt of wireTypes.all()) {
  t.test(wt.name, async (t) => {
    const type = wt as WireType<unknown>;
    const base = samples(wt.name);
    t.ok(base.length > 0, 'has corpus samples to mutate');
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < mutationsPerType; i++) {
      const input = mutate(rng, rng.pick(base));
      const t0 = performance.now();
      try {
        decodeType(type, input);
        accepted++;
      } catch (e) {
        if (!(e instanceof CephError)) {
          t.fail(`mutation ${i} threw ${(e as Error).name}: ${(e as Error).message} (input ${input.toString('hex').slice(0, 200)})`);
          return;
        }
        refused++;
      }
      const ms = performance.now() - t0;
      if (ms > decodeMsMax) {
        t.fail(`mutation ${i} took ${ms.toFixed(0)} ms (limit ${decodeMsMax})`);
        return;
      }
    }
    total += accepted + refused;
    t.pass(`${mutationsPerType} mutations: ${refused} refused with a typed error, ${accepted} decoded`);
  });
}
t.teardown(() => console.log(`# fuzz: ${total} mutated inputs over ${wireTypes.all().length} types, seed ${seed}`));
