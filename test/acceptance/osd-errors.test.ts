/**
 * Acceptance 4, the errors the other OSD tests do not reach, through python3-rados (16.2.15):
 * EPERM for a class write method (hello.record_hello) and a plain write with `osd 'allow r pool=p'`
 * caps, while a plain read still works and the object stays as it was; EFBIG beyond
 * osdDataOpLimits.objectBytesMax (write, append to it, truncate, writesame, zero) and
 * a 1 MiB xattr value accepted, as Ceph does (the 64 MiB bound is in op-limits.test.ts); ENAMETOOLONG beyond osdXattrLimits.nameBytesMax and the object name
 * limit (osd_max_object_name_len); and a compound write whose last op fails with EFBIG leaving the
 * object as it was (read back).
 */
import t from 'tap';
import { join } from 'node:path';
import { requireBinary } from '@ts-ceph/testkit';
import { startTsOsdCluster } from './osd-lib';

const prelude = String.raw`
import json, sys, rados
out = {}
def err(f):
    try:
        r = f()
        return ['ok', r.decode('latin1') if isinstance(r, bytes) else r]
    except rados.Error as e:
        return [type(e).__name__, getattr(e, 'errno', None)]
`;

const limits = prelude + String.raw`
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=20)
io = c.open_ioctx(sys.argv[2])
MAX = 128 * 1024 * 1024
io.write_full('o', b'orig')
out['write_at_max'] = err(lambda: io.write('o', b'x', MAX))
out['write_across_max'] = err(lambda: io.write('o', b'xy', MAX - 1))
out['write_below_max'] = err(lambda: io.write('o2', b'z', MAX - 1))
out['size_below_max'] = io.stat('o2')[0]
out['truncate_over'] = err(lambda: io.trunc('o', MAX + 1))
out['writesame_over'] = err(lambda: io.writesame('o', b'ab', 4, MAX))
def zero_over():
    with rados.WriteOpCtx() as op:
        # The 16.2 binding passes (length, offset) to rados_write_op_zero: this is offset MAX, length 10.
        op.zero(10, MAX)
        io.operate_write_op(op, 'o')
out['zero_over'] = err(zero_over)
# A value over the old 64 KiB bound, as Ceph takes (its osd_max_attr_size is 0, unlimited); the
# 64 MiB bound (osdXattrLimits.valueBytesMax) and EMSGSIZE past osd_max_write_size are checked in
# packages/osd/test/op-limits.test.ts, without moving that much data through python.
out['xattr_value_1m'] = err(lambda: io.set_xattr('x', 'big', b'v' * (1 << 20)))
out['xattr_value_1m_read'] = err(lambda: len(io.get_xattr('x', 'big')))
out['xattr_name_over'] = err(lambda: io.set_xattr('o', 'n' * 101, b'v'))
out['xattr_name_max'] = err(lambda: io.set_xattr('o', 'n' * 100, b'v'))
out['name_over'] = err(lambda: io.write_full('n' * 2049, b'v'))
out['name_max'] = err(lambda: io.write_full('n' * 2048, b'v'))
def compound():
    with rados.WriteOpCtx() as op:
        op.write_full(b'replaced')
        io.set_omap(op, ('k',), (b'v',))
        op.write(b'x', MAX)
        io.operate_write_op(op, 'o')
out['compound'] = err(compound)
def omap_keys():
    with rados.ReadOpCtx() as op:
        it, ret = io.get_omap_keys(op, '', 10)
        io.operate_read_op(op, 'o')
        return [k for k, _ in it]
out['compound_unchanged'] = [io.read('o').decode(), io.stat('o')[0], omap_keys()]
print(json.dumps(out))
`;

const readOnly = prelude + String.raw`
c = rados.Rados(conffile=sys.argv[1], name='client.ro', conf={'keyring': sys.argv[3]})
c.connect(timeout=20)
io = c.open_ioctx(sys.argv[2])
out['read'] = err(lambda: io.read('ro-obj'))
out['write'] = err(lambda: io.write_full('ro-obj', b'mine'))
out['record_hello'] = err(lambda: io.execute('ro-obj', 'hello', 'record_hello', b'x'))
out['unchanged'] = err(lambda: io.read('ro-obj'))
print(json.dumps(out))
`;

t.test('errors at the named limits and for read-only caps (python3-rados)', async (t) => {
  requireBinary('/usr/bin/python3');
  const c = await startTsOsdCluster();
  t.teardown(() => c.stop());

  const r = await c.python(limits);
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout), {
    write_at_max: ['OSError', 27],
    write_across_max: ['OSError', 27],
    write_below_max: ['ok', 0],
    size_below_max: 128 * 1024 * 1024,
    truncate_over: ['OSError', 27],
    writesame_over: ['OSError', 27],
    zero_over: ['OSError', 27],
    xattr_value_1m: ['ok', true],
    xattr_value_1m_read: ['ok', 1 << 20],
    xattr_name_over: ['OSError', 36],
    xattr_name_max: ['ok', true],
    name_over: ['OSError', 36],
    name_max: ['ok', 0],
    compound: ['OSError', 27],
    compound_unchanged: ['orig', 4, []],
  });

  const kr = join(c.mon.dir, 'ro.keyring');
  const a = await c.mon.ceph(['auth', 'get-or-create', 'client.ro', 'mon', 'allow r', 'osd', 'allow r pool=p', '-o', kr]);
  t.equal(a.code, 0, `auth get-or-create: ${a.stderr}`);
  const put = await c.rados(['put', 'ro-obj', '-'], { input: 'theirs' });
  t.equal(put.code, 0, put.stderr);
  const ro = await c.python(readOnly, [kr]);
  t.equal(ro.code, 0, ro.stderr);
  t.same(JSON.parse(ro.stdout), {
    read: ['ok', 'theirs'],
    write: ['PermissionError', 1],
    record_hello: ['PermissionError', 1],
    unchanged: ['ok', 'theirs'],
  });
});
