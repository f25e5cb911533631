/**
 * Compound operations (src/objecter/object-operation.ts): the omap-cmp op's input bytes, built here
 * by hand from Ceph's encoding (map<string, pair<bufferlist, le32>>, keys in std::map order) and
 * read back by the OSD side's decoder (@ts-ceph/messages omapCmpArgs).
 */
import t from 'tap';
import { CephOsdCmpxattrOp, CephOsdOp, omapCmpArgs } from '@ts-ceph/messages';
import { WriteOp } from '../src';

const le32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string): number[] => [...le32(Buffer.byteLength(s)), ...Buffer.from(s)];

t.test('omap-cmp: its assertions in key order, each value with its comparison', async (t) => {
  const op = new WriteOp().omapCmp(
    new Map([
      ['zz', { value: Buffer.from('v1'), op: CephOsdCmpxattrOp.GT }],
      ['a', { value: Buffer.alloc(0), op: CephOsdCmpxattrOp.EQ }],
    ]),
  );
  t.equal(op.ops.length, 1);
  const o = op.ops[0]!;
  t.equal(o.op, CephOsdOp.OMAP_CMP);
  t.same([...o.data], [...le32(2), ...str('a'), ...le32(0), ...le32(1), ...str('zz'), ...str('v1'), ...le32(3)]);
  const back = omapCmpArgs(o);
  t.same([...back.entries()].map(([k, v]) => [k, v.value.toString(), v.op]), [
    ['a', '', CephOsdCmpxattrOp.EQ],
    ['zz', 'v1', CephOsdCmpxattrOp.GT],
  ]);
  t.equal(op.isWrite, false, 'omap-cmp reads: alone it does not make a write');
  t.equal(op.omapSet(new Map([['a', Buffer.from('x')]])).isWrite, true);
});
