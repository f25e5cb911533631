/**
 * Differential: numbers whose exact value lies halfway between two printed forms, against a real
 * 16.2.15 ceph-mon and ts-mon. Ceph prints through glibc, which rounds such ties to even
 * (`%.17g` of the float 69.8864898681640625 is 69.886489868164062, `%.5f` of 7353.390625 is
 * 7353.39062, `%g` of 0.06640625 is 0.0664062); JavaScript's toFixed/toExponential round them up. Weights,
 * reweights and affinities are floats, so ties are common in `osd tree` and the command replies.
 */
import t from 'tap';
import { realAndOurs } from './mon-lib';

t.test('ties round to even in osd tree, crush tree and replies, as a real mon prints them', async (t) => {
  const { same } = await realAndOurs(t);
  const commands: string[][] = [
    ['osd', 'new', '11111111-1111-1111-1111-111111111111'],
    ['osd', 'new', '22222222-2222-2222-2222-222222222222'],
    ['osd', 'crush', 'add', 'osd.0', '69.886489868164062', 'host=h0'],
    ['osd', 'crush', 'add', 'osd.1', '7353.390625', 'host=h1'],
    ['osd', 'primary-affinity', 'osd.1', '0.06640625'],
    ['osd', 'reweight', '0', '0.015625'],
    ['osd', 'tree'],
    ['osd', 'tree', '-f', 'json'],
    ['osd', 'crush', 'tree'],
    ['osd', 'crush', 'tree', '-f', 'json-pretty'],
  ];
  for (const c of commands) await same(c);
});
