/**
 * mapext, as `rados mapext` sends it (offset 0, length (u64)-1): the object's extents as
 * map<u64,u64>, cut at the object's size; ENOENT for a missing object. A real 16.2.15 OSD printed
 * "0\t8" for an 8-byte object where ts-osd answered EOPNOTSUPP.
 */
import t from 'tap';
import { CephOsdFlag, CephOsdOp, osdOpExtent, osdOpWriteFull } from '@ts-ceph/messages';
import { harness, req } from './lib/harness';

t.test('mapext reports the written extent', async (t) => {
  const h = await harness();
  let r = await h.run(req('m', [osdOpWriteFull(Buffer.from('helhello'))]));
  t.equal(r.result, 0);
  r = await h.run(req('m', [osdOpExtent(CephOsdOp.MAPEXT, 0n, 0xffffffffffffffffn)], { flags: CephOsdFlag.READ }));
  // u32 1 entry, u64 offset 0, u64 length 8.
  const want = Buffer.from('01000000' + '0000000000000000' + '0800000000000000', 'hex');
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, want.toString('hex')], 'one extent [0, 8)');
  r = await h.run(req('m', [osdOpExtent(CephOsdOp.MAPEXT, 3n, 2n)], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, '01000000' + '0300000000000000' + '0200000000000000'], 'a sub-range');
  r = await h.run(req('m', [osdOpExtent(CephOsdOp.MAPEXT, 100n, 10n)], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, '00000000'], 'past the end: no extents');
  r = await h.run(req('nope', [osdOpExtent(CephOsdOp.MAPEXT, 0n, 0xffffffffffffffffn)], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -2, 'ENOENT for a missing object');
});
