/**
 * The OSD's size bounds on a write's data, where a real 16.2.15 OSD was measured with python3-rados
 * (../shared/ceph-ref cluster): it stored and read back a 64 MiB xattr value (osd_max_attr_size is
 * 0, unlimited) and refused a 90 MiB + 1 byte write_full before running it (osd_max_write_size,
 * OSD_WRITETOOBIG = EMSGSIZE). Ours: xattr values up to osdXattrLimits.valueBytesMax (the store's
 * 64 MiB xattrBytesMax), EFBIG beyond; EMSGSIZE past osdDataOpLimits.writeBytesMax over the sum of
 * every op's data. Here rather than in the acceptance tests: moving that much through python takes
 * seconds per call.
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { CephOsdFlag, CephOsdOp, osdOp, osdOpWrite, osdOpWriteFull, osdOpXattr } from '@ts-ceph/messages';
import { osdDataOpLimits, osdXattrLimits } from '../src/core/ops';
import { harness, req } from './lib/harness';

const MiB = 1024 * 1024;

t.test('an xattr value up to 64 MiB is stored; one byte more is EFBIG', async (t) => {
  t.equal(osdXattrLimits.valueBytesMax, 64 * MiB, 'the bound');
  const h = await harness();
  const max = Buffer.alloc(osdXattrLimits.valueBytesMax, 0x61);
  let r = await h.run(req('x', [osdOpXattr(CephOsdOp.SETXATTR, 'big', max)]));
  t.equal(r.result, 0, 'setxattr of 64 MiB');
  r = await h.run(req('x', [osdOpXattr(CephOsdOp.GETXATTR, 'big')], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.data.length], [0, 64 * MiB], 'read back whole');
  r = await h.run(req('x', [osdOpXattr(CephOsdOp.SETXATTR, 'over', Buffer.alloc(64 * MiB + 1))]));
  t.equal(r.result, -Errno.EFBIG, 'setxattr of 64 MiB + 1: EFBIG');
  r = await h.run(req('x', [osdOpXattr(CephOsdOp.GETXATTR, 'over')], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -Errno.ENODATA, 'nothing stored');
});

t.test('a write op carrying more than osd_max_write_size is EMSGSIZE before any op runs', async (t) => {
  t.equal(osdDataOpLimits.writeBytesMax, 90 * MiB, 'the bound');
  const h = await harness();
  let r = await h.run(req('w', [osdOpWriteFull(Buffer.alloc(90 * MiB + 1))]));
  t.equal(r.result, -Errno.EMSGSIZE, 'write_full of 90 MiB + 1');
  // The sum of the ops' data counts, not each op's: two halves, one byte over together.
  r = await h.run(req('w', [osdOp(CephOsdOp.CREATE), osdOpWrite(0, Buffer.alloc(45 * MiB)), osdOpWrite(45 * MiB, Buffer.alloc(45 * MiB + 1))]));
  t.equal(r.result, -Errno.EMSGSIZE, 'two writes of 90 MiB + 1 together');
  r = await h.run(req('w', [osdOp(CephOsdOp.STAT)], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -Errno.ENOENT, 'neither created the object');
  r = await h.run(req('w', [osdOpWrite(0, Buffer.alloc(45 * MiB)), osdOpWrite(45 * MiB, Buffer.alloc(45 * MiB))]));
  t.equal(r.result, 0, 'exactly 90 MiB is written');
});
