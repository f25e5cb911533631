/**
 * cls_rbd method by method, after src/test/cls_rbd/test_cls_rbd.cc (create, get_features/get_size,
 * snapshots and the snap context, protection, directory, trash, object map, metadata): the errnos
 * Ceph answers and the stored bytes, with expected encodings built by hand in the test.
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { Reader, crc32c } from '@ts-ceph/denc';
import { builtinClsRegistry } from '../src/core/cls/index';
import * as T from '../src/core/cls/rbd/types';
import { MemPool, bytes, client, clsCaller } from './cls-memory-context';

const me = client(4200);
const { call, rv } = clsCaller(me, 'rbd');
const NOSNAP = 0xfffffffffffffffen;

async function header(pool: MemPool, features = 61n, size = 1n << 30n): Promise<void> {
  const r = await rv(pool, 'hdr', 'create', bytes((w) => w.u64(size).u8(22).u64(features).string('rbd_data.abc')));
  if (r !== 0) throw new Error(`create: ${r}`);
}

t.test('create, get_size, get_features, set_size', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const create = (prefix: string, features: bigint) => rv(pool, 'hdr', 'create', bytes((w) => w.u64(1n << 30n).u8(22).u64(features).string(prefix)));
  t.equal(await create('', 1n), -Errno.EINVAL, 'empty object prefix');
  t.equal(await create('p', 1n << 20n), -Errno.ENOSYS, 'unknown feature');
  t.equal(await create('p', 1n << 8n), -Errno.EINVAL, 'the internal operations feature');
  t.equal(await create('rbd_data.abc', 61n), 0);
  t.equal(await create('rbd_data.abc', 61n), -Errno.EEXIST, 'a second create');
  const omap = pool.objects.get('hdr')!.omap;
  t.same([...omap.keys()].sort(), ['access_timestamp', 'create_timestamp', 'features', 'modify_timestamp', 'object_prefix', 'order', 'size', 'snap_seq']);
  t.same(omap.get('object_prefix'), Buffer.from('0c000000726264' + '5f646174612e616263', 'hex'), 'object_prefix as an encoded string');

  let r = await call(pool, 'hdr', 'get_size', bytes((w) => w.u64(NOSNAP)));
  t.same(r.outdata, Buffer.from('16' + '0000004000000000', 'hex'), 'order 22, size 1 GiB');
  r = await call(pool, 'hdr', 'get_features', bytes((w) => w.u64(NOSNAP).u8(0)));
  t.same(r.outdata, Buffer.from('3d00000000000000' + '3d00000000000000', 'hex'), 'features 61, all of them rw-incompatible');
  r = await call(pool, 'hdr', 'get_features', bytes((w) => w.u64(NOSNAP).u8(1)));
  t.same(r.outdata.subarray(8), Buffer.from('0100000000000000', 'hex'), 'read-only: only layering is incompatible');
  t.equal(await rv(pool, 'hdr', 'set_size', bytes((w) => w.u64(2n << 30n))), 0);
  r = await call(pool, 'hdr', 'get_size', bytes((w) => w.u64(NOSNAP)));
  t.equal(new Reader(r.outdata.subarray(1)).u64(), 2n << 30n, 'set_size');
  t.equal(await rv(pool, 'nohdr', 'get_size', bytes((w) => w.u64(NOSNAP))), -Errno.ENOENT, 'no header');
  t.equal(await rv(pool, 'hdr', 'get_size', Buffer.alloc(3)), -Errno.EINVAL, 'short input');
});

t.test('snapshots: add, get, snap context, protection, remove', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  await header(pool);
  const add = (name: string, id: bigint) => rv(pool, 'hdr', 'snapshot_add', bytes((w) => w.string(name).u64(id)));
  t.equal(await add('a', 4n), 0);
  t.equal(await add('b', 7n), 0);
  t.equal(await add('c', 5n), -Errno.ESTALE, 'an id below snap_seq');
  t.equal(await add('a', 9n), -Errno.EEXIST, 'a taken name');
  let r = await call(pool, 'hdr', 'get_snapcontext');
  t.same(r.outdata, Buffer.from('0700000000000000' + '02000000' + '0700000000000000' + '0400000000000000', 'hex'), 'seq 7, snaps [7, 4]');

  const stored = pool.objects.get('hdr')!.omap.get('snapshot_0000000000000004')!;
  const now = pool.now;
  const expected = bytes((w) => {
    w.u8(8).u8(8).u32(stored.length - 6);
    w.u64(4n).string('a').u64(1n << 30n).u8(0).u64(0n);
    w.u8(1).u8(1).u32(4).u32(0); // SnapshotNamespace: user
    w.u32(now.sec).u32(now.nsec).u32(0).u8(0);
  });
  t.same(stored, expected, 'cls_rbd_snap v8 as stored');
  r = await call(pool, 'hdr', 'snapshot_get', bytes((w) => w.u64(4n)));
  const info = T.decodeSnapshotInfo(new Reader(r.outdata));
  t.same([info.id, info.name, info.imageSize, info.childCount], [4n, 'a', 1n << 30n, 0], 'snapshot_get');
  t.equal(await rv(pool, 'hdr', 'snapshot_get', bytes((w) => w.u64(NOSNAP))), -Errno.EINVAL, 'snapshot_get of the head');

  t.equal(await rv(pool, 'hdr', 'set_protection_status', bytes((w) => w.u64(4n).u8(T.RBD_PROTECTION_STATUS.PROTECTED))), 0);
  r = await call(pool, 'hdr', 'get_protection_status', bytes((w) => w.u64(4n)));
  t.same(r.outdata, Buffer.from([2]), 'protected');
  t.equal(await rv(pool, 'hdr', 'snapshot_remove', bytes((w) => w.u64(4n))), -Errno.EBUSY, 'a protected snapshot stays');
  t.equal(await rv(pool, 'hdr', 'set_protection_status', bytes((w) => w.u64(4n).u8(0))), 0);
  t.equal(await rv(pool, 'hdr', 'snapshot_remove', bytes((w) => w.u64(4n))), 0);
  t.equal(await rv(pool, 'hdr', 'snapshot_remove', bytes((w) => w.u64(4n))), -Errno.ENOENT, 'already removed');
  t.equal(await rv(pool, 'hdr', 'snapshot_trash_add', bytes((w) => w.u64(7n))), 0);
  r = await call(pool, 'hdr', 'snapshot_get', bytes((w) => w.u64(7n)));
  t.equal(T.decodeSnapshotInfo(new Reader(r.outdata)).namespace.type, T.SNAPSHOT_NAMESPACE_TYPE.TRASH, 'in the trash namespace');
  r = await call(pool, 'hdr', 'op_features_get');
  t.same(r.outdata, bytes((w) => w.u64(T.RBD_OPERATION_FEATURE.SNAP_TRASH)), 'op feature snap-trash');
});

t.test('directory and trash', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const add = (name: string, id: string) => rv(pool, 'rbd_directory', 'dir_add_image', bytes((w) => w.string(name).string(id)));
  t.equal(await add('one', '1a'), 0);
  t.equal(await add('two', '2b'), 0);
  t.equal(await add('one', '3c'), -Errno.EEXIST, 'a taken name');
  t.equal(await add('three', '1a'), -Errno.EBADF, 'a taken id');
  t.equal(await add('bad', 'x-y'), -Errno.EINVAL, 'an id with a dash');
  let r = await call(pool, 'rbd_directory', 'dir_list', bytes((w) => w.string('').u64(100n)));
  t.same(r.outdata, bytes((w) => w.u32(2).string('one').string('1a').string('two').string('2b')), 'dir_list');
  t.equal(await rv(pool, 'rbd_directory', 'dir_rename_image', bytes((w) => w.string('one').string('uno').string('1a'))), 0);
  r = await call(pool, 'rbd_directory', 'dir_get_id', bytes((w) => w.string('uno')));
  t.same(r.outdata, bytes((w) => w.string('1a')), 'renamed');
  t.equal(await rv(pool, 'rbd_directory', 'dir_remove_image', bytes((w) => w.string('two').string('1a'))), -Errno.ESTALE, 'name and id do not match');
  t.equal(await rv(pool, 'rbd_directory', 'dir_get_name', bytes((w) => w.string('9z'))), -Errno.ENOENT);

  t.equal(await rv(pool, 'rbd_trash', 'trash_list', bytes((w) => w.string('').u64(10n))), -Errno.ENOENT, 'no rbd_trash yet');
  const spec = bytes((w) => w.u8(2).u8(1).u32(25).u8(0).string('uno').u32(5).u32(0).u32(5).u32(0).u8(0));
  t.equal(await rv(pool, 'rbd_trash', 'trash_add', Buffer.concat([bytes((w) => w.string('1a')), spec])), 0);
  r = await call(pool, 'rbd_trash', 'trash_list', bytes((w) => w.string('').u64(10n)));
  t.same(r.outdata, Buffer.concat([bytes((w) => w.u32(1).string('1a')), spec]), 'trash_list');
  const state = (to: number, expect: number) => rv(pool, 'rbd_trash', 'trash_state_set', bytes((w) => w.string('1a').u8(to).u8(expect)));
  t.equal(await state(1, 0), 0, 'normal -> moving');
  t.equal(await state(1, 0), 0, 'already there');
  t.equal(await state(2, 0), -Errno.ESTALE, 'neither state');
  t.equal(await rv(pool, 'rbd_trash', 'trash_remove', bytes((w) => w.string('1a'))), 0);
  t.equal(await rv(pool, 'rbd_trash', 'trash_remove', bytes((w) => w.string('1a'))), -Errno.ENOENT);
});

/** A BitVector<2> with CRCs, by hand: header, data, footer. */
function bitVector(size: number, data: number[]): Buffer {
  const hdr = bytes((w) => w.u8(1).u8(1).u32(8).u64(BigInt(size)));
  const d = Buffer.from(data);
  return bytes((w) => w.u32(hdr.length).bytes(hdr).bytes(d).u32(12).u32(crc32c(0, hdr)).u32(1).u32(crc32c(0, d)));
}

t.test('object map: resize, update, snap_add, load', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const resize = (n: bigint, state: number) => rv(pool, 'om', 'object_map_resize', bytes((w) => w.u64(n).u8(state)));
  t.equal(await resize(6n, 0), 0);
  t.same(pool.objects.get('om')!.data, bitVector(6, [0, 0]), 'six nonexistent objects');
  const update = (s: bigint, e: bigint, st: number, cur?: number) =>
    rv(pool, 'om', 'object_map_update', bytes((w) => (cur === undefined ? w.u64(s).u64(e).u8(st).u8(0) : w.u64(s).u64(e).u8(st).u8(1).u8(cur))));
  t.equal(await update(1n, 3n, 1), 0);
  t.same(pool.objects.get('om')!.data, bitVector(6, [0b00010100, 0]), 'objects 1 and 2 exist');
  t.equal(await update(0n, 7n, 1), -Errno.ERANGE, 'past the end');
  t.equal(await update(0n, 6n, 2, 0), 0, 'only nonexistent objects become pending');
  t.same(pool.objects.get('om')!.data, bitVector(6, [0b10010110, 0b10100000]));
  t.equal(await rv(pool, 'om', 'object_map_snap_add'), 0);
  t.same(pool.objects.get('om')!.data, bitVector(6, [0b10111110, 0b10100000]), 'exists becomes exists-clean');
  t.equal(await resize(2n, 0), -Errno.ESTALE, 'shrinking over objects not in the default state');
  const r = await call(pool, 'om', 'object_map_load');
  t.same(r.outdata, bytes((w) => w.u32(14).u8(1).u8(1).u32(8).u64(6n).u8(0b10111110).u8(0b10100000).u32(0)), 'load answers without CRCs');
  pool.objects.get('om')!.data[19] ^= 1;
  t.equal(await rv(pool, 'om', 'object_map_load'), -Errno.EINVAL, 'a CRC mismatch');
});

t.test('metadata and ids', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  await header(pool);
  const kv = bytes((w) => w.u32(2).string('a').blob(Buffer.from('1')).string('b').blob(Buffer.from('2')));
  t.equal(await rv(pool, 'hdr', 'metadata_set', kv), 0);
  let r = await call(pool, 'hdr', 'metadata_list', bytes((w) => w.string('').u64(0n)));
  t.same(r.outdata, kv, 'metadata_list');
  r = await call(pool, 'hdr', 'metadata_list', bytes((w) => w.string('a').u64(0n)));
  t.same(r.outdata, bytes((w) => w.u32(1).string('b').blob(Buffer.from('2'))), 'after a');
  t.equal(await rv(pool, 'hdr', 'metadata_remove', bytes((w) => w.string('a'))), 0);
  t.equal(await rv(pool, 'hdr', 'metadata_get', bytes((w) => w.string('a'))), -Errno.ENOENT);

  pool.writeFull('rbd_id.x', Buffer.alloc(0));
  t.equal(await rv(pool, 'rbd_id.x', 'get_id'), -Errno.ENOENT, 'no id yet');
  t.equal(await rv(pool, 'rbd_id.x', 'set_id', bytes((w) => w.string('abc1'))), 0);
  t.equal(await rv(pool, 'rbd_id.x', 'set_id', bytes((w) => w.string('abc2'))), -Errno.EEXIST, 'set once');
  r = await call(pool, 'rbd_id.x', 'get_id');
  t.same(r.outdata, bytes((w) => w.string('abc1')));
  r = await call(pool, 'hdr', 'image_group_get');
  t.same(r.outdata, Buffer.from('01010c000000' + 'ffffffffffffffff' + '00000000', 'hex'), 'in no group');
});

t.test('clone v2: child_attach/detach on the parent, parent_attach/detach on the child', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  await header(pool);
  t.equal(await rv(pool, 'hdr', 'snapshot_add', bytes((w) => w.string('s').u64(3n))), 0);
  const spec = bytes((w) => w.u8(2).u8(1).u32(20).i64(2n).string('c1').string('ns'));
  const attach = (m: string) => rv(pool, 'hdr', m, Buffer.concat([bytes((w) => w.u64(3n)), spec]));
  t.equal(await attach('child_attach'), 0);
  t.equal(await attach('child_attach'), -Errno.EEXIST, 'attached twice');
  let r = await call(pool, 'hdr', 'children_list', bytes((w) => w.u64(3n)));
  t.same(r.outdata, Buffer.concat([bytes((w) => w.u32(1)), spec]), 'children_list');
  r = await call(pool, 'hdr', 'snapshot_get', bytes((w) => w.u64(3n)));
  t.equal(T.decodeSnapshotInfo(new Reader(r.outdata)).childCount, 1, 'child_count');
  t.equal(await rv(pool, 'hdr', 'snapshot_remove', bytes((w) => w.u64(3n))), -Errno.EBUSY, 'a snapshot with children stays');
  r = await call(pool, 'hdr', 'op_features_get');
  t.same(r.outdata, bytes((w) => w.u64(T.RBD_OPERATION_FEATURE.CLONE_PARENT)), 'clone-parent');
  t.same(pool.objects.get('hdr')!.omap.get('features'), bytes((w) => w.u64(61n | T.RBD_FEATURE.OPERATIONS)), 'the operations feature follows');
  t.equal(await attach('child_detach'), 0);
  t.equal(await attach('child_detach'), -Errno.ENOENT, 'detached twice');
  r = await call(pool, 'hdr', 'op_features_get');
  t.same(r.outdata, bytes((w) => w.u64(0n)), 'no op features left');
  t.equal(await rv(pool, 'hdr', 'op_features_set', bytes((w) => w.u64(16n).u64(16n))), -Errno.EINVAL, 'an unknown op feature');

  // The child side: parent_attach clamps the overlap to the image size; parent_detach drops it.
  await pool.call(me, 'kid', 'rbd', 'create', bytes((w) => w.u64(1n << 20n).u8(22).u64(1n).string('rbd_data.kid')));
  const pspec = bytes((w) => w.u8(1).u8(1).u32(30).i64(2n).string('').string('parent').u64(3n));
  t.equal(await rv(pool, 'kid', 'parent_attach', Buffer.concat([pspec, bytes((w) => w.u64(8n << 20n).u8(0))])), 0);
  t.equal(await rv(pool, 'kid', 'parent_attach', Buffer.concat([pspec, bytes((w) => w.u64(8n << 20n).u8(0))])), -Errno.EEXIST, 'attached twice');
  r = await call(pool, 'kid', 'parent_get');
  t.same(r.outdata, pspec, 'parent_get');
  r = await call(pool, 'kid', 'parent_overlap_get', bytes((w) => w.u64(NOSNAP)));
  t.same(r.outdata, bytes((w) => w.u8(1).u64(1n << 20n)), 'overlap clamped to the 1 MiB image');
  t.equal(await rv(pool, 'kid', 'parent_detach'), 0);
  t.equal(await rv(pool, 'kid', 'parent_detach'), -Errno.ENOENT, 'no parent left');
});
