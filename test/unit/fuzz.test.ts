/**
 * Fuzz every registered decoder with mutated corpus samples (issue 2 acceptance): bit flips, byte
 * overwrites, truncations, extensions, spliced duplicates and blown-up length fields. Every decode must
 * either succeed or throw a DencError/CephError: never a RangeError or TypeError from deep inside,
 * never an assertion, never a hang. Reproduce a failure with TS_CEPH_SEED=<seed printed below>.
 */
import t from 'tap';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { wireTypes, decodeType, WireType } from '@ts-ceph/denc';
import { loadAllWireTypes } from '../lib/wire-types';
import { fuzzDecodeTest, mutate, seedFromEnv } from '@ts-ceph/testkit';

loadAllWireTypes();
const corpus = join(sharedDir(), 'ceph-object-corpus');
const mutationsPerType = Number(process.env.TS_CEPH_FUZZ_PER_TYPE ?? 3000);
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

let total = 0;
for (const wt of wireTypes.all()) {
  t.test(wt.name, async (t) => {
    const type = wt as WireType<unknown>;
    const bases = samples(wt.name);
    t.ok(bases.length > 0, 'has corpus samples to mutate');
    // Every type starts from the same seed, so TS_CEPH_SEED replays one type's cases on their own.
    const r = fuzzDecodeTest(t, { bases, cases: mutationsPerType, seed, mutate, decode: (input) => void decodeType(type, input) });
    total += r.accepted + r.refused;
  });
}
t.teardown(() => console.log(`# fuzz: ${total} mutated inputs over ${wireTypes.all().length} types, seed ${seed}`));
