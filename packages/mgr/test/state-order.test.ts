/**
 * The order Ceph prints PG states in follows libstdc++'s std::unordered_map iteration (state-order.ts).
 * The golden walk is the real thing: test/fixtures/libstdcxx-unordered-map.cc built with Debian
 * bookworm's g++ 12.2 (the toolchain Ceph 16.2.15's packages are built with), fed 400 random inserts
 * and erases of PG state bit sets, its iteration order and bucket count printed every 20 operations
 * (test/fixtures/libstdcxx-unordered-map.txt), through a rehash from 13 to 29 buckets.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PgStateCounts, UnorderedKeys } from '../src/core/state-order';

const fixture = readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'libstdcxx-unordered-map.txt'), 'utf8').split('\n');

t.test('UnorderedKeys walks as libstdc++ does, through erases and a rehash', async (t) => {
  const ops = fixture.find((l) => l.startsWith('ops: '))!.slice(5).trim().split(' ');
  const outs = fixture.filter((l) => l.startsWith('out: ')).map((l) => l.slice(5).trim().replace(/\s+\|/, ' |'));
  const u = new UnorderedKeys();
  let i = 0;
  for (const o of ops) {
    if (o === '?') {
      t.equal(`${u.keys().join(' ')} | ${u.bucketCount}`, outs[i], `checkpoint ${i}`);
      i++;
    } else if (o.startsWith('+')) u.insert(BigInt(o.slice(1)));
    else u.erase(BigInt(o.slice(1)));
  }
  t.equal(i, outs.length);
});

t.test('ceph -s: by count, ties in the reverse of the mon copy\'s walk; pg stat: the mgr\'s walk', async (t) => {
  const c = new PgStateCounts();
  // active+clean (6) x3, active+undersized (0x800002) x2, active+undersized+degraded (0x800402) x2;
  // 6 and 0x800402 share bucket 6 of 13. The walks below are the real binary's for the same
  // sequence ("+6 +6 +8388610 +8389634 +6 +8388610 +8389634 ? -6 -6 -6 ? +6 ?").
  for (const s of [6n, 6n, 0x800002n, 0x800402n, 6n, 0x800002n, 0x800402n]) c.add(s);
  t.same(c.mgrOrder(), [0x800002n, 0x800402n, 6n]);
  t.same(c.statusOrder(), [6n, 0x800002n, 0x800402n], 'by count; the tie in the reverse of the mon copy\'s walk (6, 0x800402, 0x800002)');
  c.sub(6n);
  c.sub(6n);
  c.sub(6n);
  t.same(c.mgrOrder(), [0x800002n, 0x800402n], 'a state at zero PGs is erased');
  c.add(6n);
  t.same(c.mgrOrder(), [0x800002n, 6n, 0x800402n], 'and comes back at the front of its bucket');
});
