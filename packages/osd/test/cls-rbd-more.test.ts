/**
 * cls_rbd's migration, group and mirroring methods, after src/test/cls_rbd/test_cls_rbd.cc
 * (migration, group_*, mirror_*, assert_snapc_seq): the errnos Ceph answers and the stored bytes, with
 * the expected encodings built by hand here (the types' codecs are checked against the corpus in
 * test/unit/corpus.test.ts).
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { crc32c } from '@ts-ceph/denc';
import { builtinClsRegistry } from '../src/core/cls/index';
import { MemPool, bytes, client, clsCaller } from './cls-memory-context';

const me = client(4300);
const { call, rv } = clsCaller(me, 'rbd');
const str = (s: string) => bytes((w) => w.string(s));
/** ENCODE_START(v, compat) around `body`, by hand. */
const env = (v: number, compat: number, body: Buffer) => Buffer.concat([bytes((w) => w.u8(v).u8(compat).u32(body.length)), body]);

async function header(pool: MemPool, features = 61n): Promise<void> {
  const r = await rv(pool, 'hdr', 'create', bytes((w) => w.u64(1n << 30n).u8(22).u64(features).string('rbd_data.abc')));
  if (r !== 0) throw new Error(`create: ${r}`);
}
const features = async (pool: MemPool) => pool.objects.get('hdr')!.omap.get('features')!.readBigUInt64LE(0);

/** A MigrationSpec by hand: header type, pool 2, names, one snap seq pair, then the state. */
function migrationSpec(headerType: number, state: number, description: string): Buffer {
  return env(3, 1, bytes((w) => {
    w.u8(headerType).i64(2n).string('').string('dst').string('d1');
    w.u32(1).u64(4n).u64(9n);
    w.u64(1n << 30n).u8(0).u8(0).u8(state).string(description).u8(0).string('');
  }));
}

t.test('migration_set, get, set_state, remove', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  await header(pool);
  t.equal(await rv(pool, 'hdr', 'migration_get'), -Errno.EINVAL, 'not migrating: EINVAL');
  const spec = migrationSpec(1, 1, '');
  t.equal(await rv(pool, 'hdr', 'migration_set', spec), 0);
  t.equal(await features(pool), 61n | (1n << 9n), 'RBD_FEATURE_MIGRATING set');
  t.same((await call(pool, 'hdr', 'migration_get')).outdata, spec, 'migration_get answers the spec as stored');
  t.equal(await rv(pool, 'hdr', 'migration_set', spec), -Errno.EEXIST, 'a second migration_set');
  t.equal(await rv(pool, 'hdr', 'migration_set_state', bytes((w) => w.u8(3).string('50% complete'))), 0);
  t.same((await call(pool, 'hdr', 'migration_get')).outdata, migrationSpec(1, 3, '50% complete'), 'state and description replaced');
  t.equal(await rv(pool, 'hdr', 'migration_set_state', Buffer.from([3])), -Errno.EINVAL, 'short input');
  t.equal(await rv(pool, 'hdr', 'migration_remove'), 0);
  t.equal(await features(pool), 61n, 'the feature goes with the spec');
  t.notOk(pool.objects.get('hdr')!.omap.has('migration'), 'the key is gone');
  t.equal(await rv(pool, 'hdr', 'migration_remove'), 0, 'removing twice is fine');

  await rv(pool, 'hdr', 'set_features', bytes((w) => w.u64(0n).u64(0n)));
  t.equal(await rv(pool, 'hdr', 'migration_set', migrationSpec(1, 1, '')), 0);
  t.equal(await rv(pool, 'hdr', 'migration_set', migrationSpec(2, 1, '')), -Errno.EEXIST, 'a destination spec over a set one');
});

t.test('assert_snapc_seq', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const assert = (seq: bigint, state: number) => rv(pool, 'obj', 'assert_snapc_seq', bytes((w) => w.u64(seq).u8(state)));
  t.equal(await assert(1n, 0), 0, 'GT on a missing object');
  t.equal(await assert(1n, 1), -Errno.ERANGE, 'LE on a missing object');
  pool.writeFull('obj', Buffer.from('x'));
  pool.snapsetSeq = 5n;
  t.equal(await assert(6n, 0), 0, '6 > 5');
  t.equal(await assert(5n, 0), -Errno.ERANGE, '5 is not > 5');
  t.equal(await assert(5n, 1), 0, '5 <= 5');
  t.equal(await assert(5n, 2), -Errno.EOPNOTSUPP, 'an unknown assertion');
});

t.test('group directory, group images, image group reference', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const dir = 'rbd_group_directory';
  const add = (name: string, id: string) => rv(pool, dir, 'group_dir_add', bytes((w) => w.string(name).string(id)));
  t.equal(await add('g1', 'a1'), 0);
  t.equal(await add('g2', 'b2'), 0);
  t.equal(await add('g1', 'c3'), -Errno.EEXIST, 'a taken name');
  t.equal(await add('g3', 'a1'), -Errno.EBADF, 'a taken id');
  t.equal(await add('', 'd4'), -Errno.EINVAL, 'an empty name');
  t.same((await call(pool, dir, 'group_dir_list', bytes((w) => w.string('').u64(10n)))).outdata,
    bytes((w) => w.u32(2).string('g1').string('a1').string('g2').string('b2')), 'group_dir_list');
  t.same((await call(pool, dir, 'group_dir_list', bytes((w) => w.string('g1').u64(10n)))).outdata, bytes((w) => w.u32(1).string('g2').string('b2')), 'after g1');
  t.equal(await rv(pool, dir, 'group_dir_rename', bytes((w) => w.string('g1').string('g2').string('a1'))), -Errno.EEXIST, 'rename onto a taken name');
  t.equal(await rv(pool, dir, 'group_dir_rename', bytes((w) => w.string('g1').string('gx').string('a1'))), 0);
  t.same(pool.objects.get(dir)!.omap.get('id_a1'), str('gx'), 'id_ -> the new name');
  t.equal(await rv(pool, dir, 'group_dir_remove', bytes((w) => w.string('gx').string('b2'))), -Errno.ESTALE, 'name and id do not match');
  t.equal(await rv(pool, dir, 'group_dir_remove', bytes((w) => w.string('gx').string('a1'))), 0);

  const ghdr = 'rbd_group_header.b2';
  const spec = (id: string, pool: bigint) => env(1, 1, bytes((w) => w.string(id).i64(pool)));
  t.equal(await rv(pool, ghdr, 'group_image_set', env(1, 1, Buffer.concat([spec('img1', 3n), Buffer.from([1])]))), 0);
  t.same(pool.objects.get(ghdr)!.omap.get('image_0000000000000003_img1'), Buffer.from([1]), 'image_<pool hex16>_<id> -> link state');
  t.equal(await rv(pool, ghdr, 'group_image_set', env(1, 1, Buffer.concat([spec('img0', 3n), Buffer.from([0])]))), 0);
  const none = spec('', -1n);
  t.same((await call(pool, ghdr, 'group_image_list', Buffer.concat([none, bytes((w) => w.u64(10n))]))).outdata,
    bytes((w) => w.u32(2).bytes(env(1, 1, Buffer.concat([spec('img0', 3n), Buffer.from([0])]))).bytes(env(1, 1, Buffer.concat([spec('img1', 3n), Buffer.from([1])])))),
    'group_image_list: GroupImageStatus in key order');
  t.equal(await rv(pool, ghdr, 'group_image_remove', spec('img1', 3n)), 0);

  await header(pool);
  const gspec = (id: string, p: bigint) => env(1, 1, bytes((w) => w.i64(p).string(id)));
  t.same((await call(pool, 'hdr', 'image_group_get')).outdata, gspec('', -1n), 'in no group');
  t.equal(await rv(pool, 'hdr', 'image_group_add', gspec('b2', 3n)), 0);
  t.equal(await rv(pool, 'hdr', 'image_group_add', gspec('b2', 3n)), 0, 'the same group again');
  t.equal(await rv(pool, 'hdr', 'image_group_add', gspec('zz', 3n)), -Errno.EEXIST, 'another group');
  t.same((await call(pool, 'hdr', 'image_group_get')).outdata, gspec('b2', 3n));
  t.same((await call(pool, 'hdr', 'op_features_get')).outdata, bytes((w) => w.u64(4n)), 'op feature group');
  t.equal(await rv(pool, 'hdr', 'image_group_remove', gspec('zz', 3n)), -Errno.EBADF, 'removing from another group');
  t.equal(await rv(pool, 'hdr', 'image_group_remove', gspec('b2', 3n)), 0);
  t.equal(await features(pool), 61n, 'no op features left: RBD_FEATURE_OPERATIONS cleared');
});

t.test('group snapshots', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const ghdr = 'rbd_group_header.b2';
  pool.writeFull(ghdr, Buffer.alloc(0));
  const snap = (id: string, name: string, state: number, images: number) => env(1, 1, bytes((w) => {
    w.string(id).string(name).u8(state).u32(images);
    for (let i = 0; i < images; i++) w.bytes(env(1, 1, bytes((x) => x.i64(3n).string(`img${i}`).u64(BigInt(10 + i)))));
  }));
  t.equal(await rv(pool, ghdr, 'group_snap_set', snap('s1', 'one', 0, 0)), 0);
  t.equal(await rv(pool, ghdr, 'group_snap_set', snap('s1', 'one', 0, 0)), -Errno.EEXIST, 'a new (incomplete) snapshot with a taken id');
  t.equal(await rv(pool, ghdr, 'group_snap_set', snap('s1', 'one', 1, 2)), 0, 'completing it');
  t.equal(await rv(pool, ghdr, 'group_snap_set', snap('s2', 'one', 0, 0)), -Errno.EEXIST, 'a taken name');
  t.equal(await rv(pool, ghdr, 'group_snap_set', snap('', 'x', 0, 0)), -Errno.EINVAL, 'no id');
  t.equal(await rv(pool, ghdr, 'group_snap_set', snap('s2', 'two', 0, 0)), 0);
  t.same((await call(pool, ghdr, 'group_snap_get_by_id', str('s1'))).outdata, snap('s1', 'one', 1, 2), 'get_by_id');
  const list = await call(pool, ghdr, 'group_snap_list', Buffer.concat([snap('', '', 0, 0), bytes((w) => w.u64(10n))]));
  t.same(list.outdata, Buffer.concat([bytes((w) => w.u32(2)), snap('s1', 'one', 1, 2), snap('s2', 'two', 0, 0)]), 'group_snap_list');
  t.equal(await rv(pool, ghdr, 'group_snap_remove', str('s1')), 0);
  t.equal(await rv(pool, ghdr, 'group_snap_get_by_id', str('s1')), -Errno.ENOENT, 'removed');
});

t.test('mirroring: uuid, mode, images, snapshot namespace', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const m = 'rbd_mirroring';
  const mode = (n: number) => rv(pool, m, 'mirror_mode_set', bytes((w) => w.u32(n)));
  t.equal(await mode(1), -Errno.EINVAL, 'enabling needs a uuid');
  t.equal(await rv(pool, m, 'mirror_uuid_set', str('')), -Errno.EINVAL, 'an empty uuid');
  t.equal(await rv(pool, m, 'mirror_uuid_set', str('u-1')), 0);
  t.same(pool.objects.get(m)!.omap.get('mirror_uuid'), Buffer.from('u-1'), 'the uuid is stored as its bytes');
  t.same((await call(pool, m, 'mirror_uuid_get')).outdata, str('u-1'), 'and answered as a string');
  t.equal(await mode(3), -Errno.EINVAL, 'an unknown mode');
  t.equal(await mode(2), 0);
  t.same((await call(pool, m, 'mirror_mode_get')).outdata, bytes((w) => w.u32(2)), 'pool mode');
  t.equal(await rv(pool, m, 'mirror_uuid_set', str('u-2')), -Errno.EINVAL, 'the uuid stays while enabled');

  const image = (gid: string, state: number) => env(2, 1, bytes((w) => w.string(gid).u8(state).u8(1)));
  const set = (id: string, gid: string, state: number) => rv(pool, m, 'mirror_image_set', Buffer.concat([str(id), image(gid, state)]));
  t.equal(await set('i1', 'g1', 0), -Errno.ENOENT, 'a new image that is disabling');
  t.equal(await set('i1', 'g1', 1), 0);
  t.equal(await set('i2', 'g1', 1), -Errno.EEXIST, 'a taken global id');
  t.equal(await set('i1', 'g9', 1), -Errno.EINVAL, 'a new global id for an image');
  t.same((await call(pool, m, 'mirror_image_get', str('i1'))).outdata, image('g1', 1));
  t.same((await call(pool, m, 'mirror_image_get_image_id', str('g1'))).outdata, str('i1'));
  t.same((await call(pool, m, 'mirror_image_list', bytes((w) => w.string('').u64(10n)))).outdata, bytes((w) => w.u32(1).string('i1').string('g1')));
  t.equal(await rv(pool, m, 'mirror_image_status_get', str('g1')), -Errno.ENOENT, 'no statuses without rbd-mirror');
  t.equal(await rv(pool, m, 'mirror_image_remove', str('i1')), -Errno.EBUSY, 'only a disabling image is removed');
  t.equal(await set('i1', 'g1', 0), 0);
  t.equal(await rv(pool, m, 'mirror_image_remove', str('i1')), 0);
  t.equal(await rv(pool, m, 'mirror_image_get_image_id', str('g1')), -Errno.ENOENT, 'the global id goes too');
  t.equal(await mode(0), 0);
  t.same([...pool.objects.get(m)!.omap.keys()], [], 'disabling removes the mode and the uuid');

  await header(pool);
  const ns = (complete: number, peers: string[]) => env(1, 1, bytes((w) => {
    w.u32(3).u8(0).u8(complete).u32(peers.length);
    for (const p of peers) w.string(p);
    w.string('').u64(0xfffffffffffffffen).u64(0n).u32(0);
  }));
  t.equal(await rv(pool, 'hdr', 'snapshot_add', Buffer.concat([str('.mirror.primary'), bytes((w) => w.u64(4n)), ns(0, ['p1', 'p2'])])), 0);
  t.equal(await rv(pool, 'hdr', 'mirror_image_snapshot_set_copy_progress', bytes((w) => w.u64(4n).u8(1).u64(9n))), 0);
  const stored = () => pool.objects.get('hdr')!.omap.get('snapshot_0000000000000004')!;
  t.ok(stored().includes(ns(1, ['p1', 'p2'])), 'complete, last copied object untouched on a primary');
  t.equal(await rv(pool, 'hdr', 'mirror_image_snapshot_unlink_peer', bytes((w) => w.u64(4n).string('p3'))), -Errno.ENOENT, 'a peer not linked');
  t.equal(await rv(pool, 'hdr', 'mirror_image_snapshot_unlink_peer', bytes((w) => w.u64(4n).string('p1'))), 0);
  t.ok(stored().includes(ns(1, ['p2'])), 'p1 unlinked');
  t.equal(await rv(pool, 'hdr', 'snapshot_add', Buffer.concat([str('.mirror.primary.2'), bytes((w) => w.u64(5n)), ns(0, ['p2'])])), 0);
  t.equal(await rv(pool, 'hdr', 'mirror_image_snapshot_unlink_peer', bytes((w) => w.u64(4n).string('p2'))), -85, 'the last peer of a superseded snapshot: ERESTART');
  t.equal(await rv(pool, 'hdr', 'snapshot_add', bytes((w) => w.string('user').u64(6n))), 0);
  t.equal(await rv(pool, 'hdr', 'mirror_image_snapshot_set_copy_progress', bytes((w) => w.u64(6n).u8(1).u64(0n))), -Errno.EINVAL, 'not a mirror snapshot');
});

/** A BitVector<2> with CRCs, by hand: header, data, footer with one CRC per 4096 data bytes. */
function bitVector(size: number, data: Buffer): Buffer {
  const hdr = bytes((w) => w.u8(1).u8(1).u32(8).u64(BigInt(size)));
  const blocks = Math.ceil(data.length / 4096);
  return bytes((w) => {
    w.u32(hdr.length).bytes(hdr).bytes(data).u32(8 + 4 * blocks).u32(crc32c(0, hdr)).u32(blocks);
    for (let b = 0; b < blocks; b++) w.u32(crc32c(0, data.subarray(b * 4096, (b + 1) * 4096)));
  });
}

t.test('object_map_update on a map of several CRC blocks', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  t.equal(await rv(pool, 'om', 'object_map_resize', bytes((w) => w.u64(40_000n).u8(0))), 0, '40 000 objects: 10 000 data bytes, 3 blocks');
  const update = (start: bigint, end: bigint, state: number, current?: number) =>
    rv(pool, 'om', 'object_map_update', bytes((w) => w.u64(start).u64(end).u8(state).optional(current, (x, v) => x.u8(v))));
  t.equal(await update(20_000n, 20_001n, 1), 0, 'one object in the third block');
  t.equal(await update(16_383n, 16_386n, 3), 0, 'a range across the first block boundary');
  t.equal(await update(16_384n, 16_386n, 0, 2), 0, 'objects not in current_state (pending) stay');
  const data = Buffer.alloc(10_000);
  data[5000] = 0x40;
  data[4095] = 0x03;
  data[4096] = 0xf0;
  t.same(pool.objects.get('om')!.data, bitVector(40_000, data), 'the touched blocks and their CRCs rewritten');
  t.equal(await update(39_999n, 40_001n, 1), -Errno.ERANGE, 'past the end');
  pool.objects.get('om')!.data[18 + 9000] ^= 0xff;
  t.equal(await update(36_000n, 36_001n, 1), -Errno.EINVAL, 'a block that fails its CRC');
  t.equal(await update(0n, 1n, 1), 0, 'other blocks are not read');
});
