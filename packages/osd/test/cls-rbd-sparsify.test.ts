/**
 * cls_rbd sparsify on a data object, after cls_rbd.cc's sparsify and TEST_F(TestClsRbd, sparsify) in
 * src/test/cls_rbd/test_cls_rbd.cc: an all-zero object is removed or truncated to 0, zero extents of
 * `sparse_size` inside the data are dropped and the trailing zeros go, data stays byte-exact.
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { builtinClsRegistry } from '../src/core/cls/index';
import { dataRuns } from '../src/core/cls/rbd/sparsify';
import { MemPool, client } from './cls-memory-context';

const me = client(4201);
/** sparsify's input as built by hand: u64 sparse_size little-endian, then bool remove_empty. */
const input = (sparseSize: number, removeEmpty: boolean): Buffer => {
  const b = Buffer.alloc(9);
  b.writeUInt32LE(sparseSize, 0);
  b[8] = removeEmpty ? 1 : 0;
  return b;
};
const sparsify = async (pool: MemPool, oid: string, sparseSize: number, removeEmpty: boolean) => (await pool.call(me, oid, 'rbd', 'sparsify', input(sparseSize, removeEmpty))).rval;

t.test('dataRuns: runs of extents that hold data', async (t) => {
  const d = Buffer.alloc(40);
  d[1] = 1; // extent 0
  d[15] = 2; // extent 1 (joins extent 0)
  d[33] = 3; // extent 4, then a short tail of zeros
  t.same(dataRuns(d, 8), [[0, 16], [32, 8]]);
  t.same(dataRuns(d.subarray(0, 35), 8), [[0, 16], [32, 3]], 'a short last extent');
  t.same(dataRuns(Buffer.alloc(9), 8), [], 'all zero');
});

t.test('sparsify', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  t.equal(await sparsify(pool, 'none', 4096, true), -Errno.ENOENT, 'no object');
  pool.writeFull('zero', Buffer.alloc(16384));
  t.equal(await sparsify(pool, 'zero', 4096, false), 0);
  t.equal(pool.objects.get('zero')!.data.length, 0, 'all zero, remove_empty false: truncated to 0');
  t.equal(await sparsify(pool, 'zero', 4096, true), 0);
  t.notOk(pool.objects.has('zero'), 'all zero, remove_empty true: removed');

  const data = Buffer.alloc(5 * 4096);
  data.fill(0xab, 4096, 4096 + 100);
  data.fill(0xcd, 3 * 4096 + 7, 3 * 4096 + 8);
  pool.writeFull('mixed', data);
  t.equal(await sparsify(pool, 'mixed', 4096, true), 0);
  const after = pool.objects.get('mixed')!.data;
  t.equal(after.length, 4 * 4096, 'the zero extent at the end is gone');
  t.same(after, data.subarray(0, 4 * 4096), 'data byte-exact, holes read as zeros');

  const full = Buffer.alloc(8192, 1);
  pool.writeFull('full', full);
  t.equal(await sparsify(pool, 'full', 4096, true), 0);
  t.same(pool.objects.get('full')!.data, full, 'no zero extent: unchanged');
  t.equal(await sparsify(pool, 'full', 0, true), -Errno.EINVAL, 'sparse_size 0');
  t.equal((await pool.call(me, 'full', 'rbd', 'sparsify', Buffer.alloc(3))).rval, -Errno.EINVAL, 'short input');
});
