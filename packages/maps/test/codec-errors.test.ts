/**
 * Bad input never crashes a decoder: every truncation of real maps and of corpus samples, and seeded
 * byte mutations, either decode or fail with a DencError naming the field; a corrupted OSDMap crc is
 * refused as Ceph refuses it; the named limits hold.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DencError, Reader, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { decodeIncremental, decodeMgrMap, decodeMonMap, decodeOSDMap, decodePgPoolT, encodeOSDMap, mapsLimits, newOSDMap, setMaxOsd } from '../src';
import { fuzzDecodeTest, Prng, seedFromEnv } from '@ts-ceph/testkit';
import { corpus, traces } from './lib/traces';

type Dec = (r: Reader) => unknown;

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const inputs: [string, Dec, Buffer][] = [
  ['osdmap.bin', (r) => decodeOSDMap(r), readFileSync(join(traces, 'maps/osdmap.bin'))],
  ['monmap.bin', (r) => decodeMonMap(r), readFileSync(join(traces, 'maps/monmap.bin'))],
];
for (const [dir, dec] of [
  ['OSDMap::Incremental', (r: Reader) => decodeIncremental(r)],
  ['MgrMap', (r: Reader) => decodeMgrMap(r)],
  ['pg_pool_t', (r: Reader) => decodePgPoolT(r)],
] as [string, Dec][]) {
  const d = join(corpus, '16.2.0/objects', dir);
  const f = readdirSync(d).sort()[0]!;
  inputs.push([`${dir}/${f}`, dec, readFileSync(join(d, f))]);
}

t.test('every truncation fails with a DencError', async (t) => {
  for (const [name, dec, buf] of inputs) {
    let fails = 0;
    const step = buf.length > 20000 ? 7 : 1;
    for (let n = 0; n < buf.length; n += step) {
      const cut = buf.subarray(0, n);
      try {
        const r = new Reader(cut);
        dec(r);
        r.expectEnd();
        t.fail(`${name} cut at ${n} decoded`);
      } catch (e) {
        if (e instanceof DencError) fails++;
        else t.fail(`${name} cut at ${n}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    t.equal(fails, Math.ceil(buf.length / step), `${name}: ${fails} truncations refused`);
  }
});

/** One to four bytes overwritten with random values (the layout stays, the values go wild). */
function overwriteBytes(rng: Prng, base: Buffer): Buffer {
  const b = Buffer.from(base);
  for (let k = 1 + rng.int(4); k > 0; k--) b[rng.int(b.length)] = rng.int(256);
  return b;
}

t.test('seeded byte mutations decode or fail with a DencError', async (t) => {
  const seed = seedFromEnv(0x2545f491);
  for (const [name, dec, buf] of inputs) {
    fuzzDecodeTest(t, {
      name,
      bases: [buf],
      cases: 300,
      seed,
      mutate: overwriteBytes,
      typed: (e) => e instanceof DencError,
      decode: (b) => {
        const r = new Reader(b);
        dec(r);
        r.expectEnd();
      },
    });
  }
});

t.test('a corrupted crc is refused', async (t) => {
  const buf = Buffer.from(readFileSync(join(traces, 'maps/osdmap.bin')));
  // The crc is the last 4 bytes of the wrapper (no tail in a 16.2 map).
  buf.writeUInt32LE(buf.readUInt32LE(buf.length - 4) ^ 1, buf.length - 4);
  const e = caught(() => decodeOSDMap(new Reader(buf)));
  t.ok(e instanceof DencError && e.code === 'DENC_MALFORMED' && /bad crc/.test(e.message), String(e));
});

t.test('named limits', async (t) => {
  const m = newOSDMap();
  setMaxOsd(m, 2);
  const ok = encodeOSDMap(m, CEPH_FEATURES_ALL);
  t.ok(decodeOSDMap(new Reader(ok)));
  // A map claiming more OSDs than osdsPerMapMax is refused before any per-OSD allocation.
  const big = Buffer.from(ok);
  const at = big.indexOf(Buffer.from([2, 0, 0, 0, 2, 0, 0, 0])); // max_osd, then the osd_state count
  t.ok(at > 0, 'found max_osd');
  big.writeInt32LE(mapsLimits.osdsPerMapMax + 1, at);
  const e = caught(() => decodeOSDMap(new Reader(big)));
  t.ok(e instanceof DencError && e.code === 'DENC_LIMIT' && /max_osd/.test(e.field), String(e));
});
