/**
 * cls_rbd's namespace methods (namespace_add/remove/list, dir_state_assert/set) and its format-1
 * snapshot methods (snap_list/add/remove/rename on a `<name>.rbd` header). The header bytes are
 * golden: a format-1 image made by librbd 16.2.15 on the real reference cluster (RBD_FORCE_ALLOW_V1=1,
 * 8 MiB, order 22, block name rb.0.107f.6b8b4567), and what its OSD left after `rbd snap create
 * v1img@s1` (snap id 6), `@second` (7) and `rbd snap rm v1img@second`, dumped with `rados get`.
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { builtinClsRegistry } from '../src/core/cls/index';
import { MemPool, bytes, client, clsCaller } from './cls-memory-context';

const me = client(4301);
const { call, rv } = clsCaller(me, 'rbd');
const str = (s: string) => bytes((w) => w.string(s));

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** The 112-byte rbd_obj_header_ondisk as created (no snapshots), from the reference cluster. */
const created = hex(`
  3c3c3c205261646f7320426c6f636b2044657669636520496d616765203e3e3e0a 00000000000000
  72622e302e313037662e3662386234353637 000000000000
  52424400 3030312e30303500 16000000
  0000800000000000 0000000000000000 00000000 00000000 0000000000000000`);
/** After snap_add("s1", 6) and snap_add("second", 7): newest first, names in the same order. */
const twoSnaps = hex(`${created.subarray(0, 88).toString('hex')}
  0700000000000000 02000000 00000000 0a00000000000000
  0700000000000000 0000800000000000 0600000000000000 0000800000000000
  7365636f6e6400 733100`);
/** After snap_remove("second"): snap_seq stays 7. */
const oneSnap = hex(`${created.subarray(0, 88).toString('hex')}
  0700000000000000 01000000 00000000 0300000000000000
  0600000000000000 0000800000000000 733100`);

const snapAdd = (name: string, id: bigint) => bytes((w) => w.string(name).u64(id));

t.test('the golden header is 112 bytes of rbd_obj_header_ondisk', async (t) => {
  t.equal(created.length, 112);
  t.equal(created.subarray(40, 58).toString(), 'rb.0.107f.6b8b4567', 'block_name at 40');
  t.equal(created[76], 22, 'order at 76');
  t.equal(created.readBigUInt64LE(80), 8n << 20n, 'image_size at 80');
});

t.test('format 1: snap_add, snap_list, snap_remove give the reference bytes', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  pool.writeFull('v1img.rbd', created);
  t.same((await call(pool, 'v1img.rbd', 'snap_list')).outdata, bytes((w) => w.u64(0n).u32(0)), 'no snapshots');
  t.equal(await rv(pool, 'v1img.rbd', 'snap_add', snapAdd('s1', 6n)), 0);
  t.equal(await rv(pool, 'v1img.rbd', 'snap_add', snapAdd('second', 7n)), 0);
  t.same(pool.objects.get('v1img.rbd')!.data, twoSnaps, 'the header as the real OSD left it');
  const listed = bytes((w) => w.u64(7n).u32(2).u64(7n).u64(8n << 20n).string('second').u64(6n).u64(8n << 20n).string('s1'));
  t.same((await call(pool, 'v1img.rbd', 'snap_list')).outdata, listed, 'snap_list: seq, count, then id, size, name each');
  t.equal(await rv(pool, 'v1img.rbd', 'snap_add', snapAdd('second', 8n)), -Errno.EEXIST, 'a taken name');
  t.equal(await rv(pool, 'v1img.rbd', 'snap_add', snapAdd('old', 5n)), -Errno.ESTALE, 'an id below snap_seq');
  t.equal(await rv(pool, 'v1img.rbd', 'snap_remove', str('nope')), -Errno.ENOENT);
  t.equal(await rv(pool, 'v1img.rbd', 'snap_remove', str('second')), 0);
  t.same(pool.objects.get('v1img.rbd')!.data, oneSnap, 'the header after the removal, as the real OSD left it');
});

t.test('format 1: snap_rename, the snapshot limit, malformed headers', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  pool.writeFull('h.rbd', created);
  await rv(pool, 'h.rbd', 'snap_add', snapAdd('a', 1n));
  await rv(pool, 'h.rbd', 'snap_add', snapAdd('bb', 2n));
  const rename = (id: bigint, name: string) => bytes((w) => w.u64(id).string(name));
  t.equal(await rv(pool, 'h.rbd', 'snap_rename', rename(1n, 'bb')), -Errno.EEXIST, 'onto a taken name');
  t.equal(await rv(pool, 'h.rbd', 'snap_rename', rename(9n, 'c')), -Errno.ENOENT, 'an unknown id');
  t.equal(await rv(pool, 'h.rbd', 'snap_rename', rename(1n, 'longer')), 0);
  const data = pool.objects.get('h.rbd')!.data;
  t.equal(data.readBigUInt64LE(104), 10n, 'snap_names_len follows the new name');
  t.same(data.subarray(112 + 32), Buffer.from('bb\0longer\0'), 'names in snapshot order');

  // snap_limit is the format-2 omap key; cls_rbd reads it for format-1 headers too.
  pool.objects.get('h.rbd')!.omap.set('snap_limit', bytes((w) => w.u64(2n)));
  t.equal(await rv(pool, 'h.rbd', 'snap_add', snapAdd('c', 3n)), -Errno.EDQUOT, 'at the limit');

  pool.writeFull('short.rbd', created.subarray(0, 100));
  t.equal(await rv(pool, 'short.rbd', 'snap_list'), -Errno.EINVAL, 'shorter than the fixed header');
  const cut = Buffer.from(twoSnaps.subarray(0, twoSnaps.length - 3));
  pool.writeFull('cut.rbd', cut);
  t.equal(await rv(pool, 'cut.rbd', 'snap_list'), -Errno.EIO, 'the snapshot area cut short');
  t.equal(await rv(pool, 'missing.rbd', 'snap_list'), -Errno.ENOENT);
  t.equal(await rv(pool, 'h.rbd', 'snap_add', Buffer.from([1, 0, 0, 0])), -Errno.EINVAL, 'undecodable input');
});

t.test('namespace_add, namespace_list, namespace_remove on rbd_namespace', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const list = (after = '', max = 1024n) => call(pool, 'rbd_namespace', 'namespace_list', bytes((w) => w.string(after).u64(max)));
  t.equal((await list()).rval, -Errno.ENOENT, 'no rbd_namespace yet (librbd lists nothing)');
  t.equal(await rv(pool, 'rbd_namespace', 'namespace_remove', str('ns1')), -Errno.ENOENT, 'removing an unknown one');
  t.equal(await rv(pool, 'rbd_namespace', 'namespace_add', str('ns2')), 0);
  t.equal(await rv(pool, 'rbd_namespace', 'namespace_add', str('ns1')), 0);
  t.equal(await rv(pool, 'rbd_namespace', 'namespace_add', str('ns1')), -Errno.EEXIST);
  t.same([...pool.objects.get('rbd_namespace')!.omap], [['name_ns2', Buffer.alloc(0)], ['name_ns1', Buffer.alloc(0)]], 'one empty value per namespace (as on the reference cluster)');
  const two = bytes((w) => w.u32(2).string('ns1').string('ns2'));
  t.same((await list()).outdata, two, 'list<string> in key order');
  t.same((await list('ns1')).outdata, bytes((w) => w.u32(1).string('ns2')), 'after start_after');
  t.same((await list('', 1n)).outdata, bytes((w) => w.u32(1).string('ns1')), 'at most max_return');
  t.equal(await rv(pool, 'rbd_namespace', 'namespace_remove', str('ns1')), 0);
  t.same((await list()).outdata, bytes((w) => w.u32(1).string('ns2')));
});

t.test('dir_state_set and dir_state_assert on a namespace rbd_directory', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const state = (s: number) => Buffer.from([s]);
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_assert', state(0)), -Errno.ENOENT, 'no directory: no namespace');
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_set', state(1)), -Errno.ENOENT, 'ADD_DISABLED needs the directory');
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_set', state(0)), 0, 'READY creates it');
  t.same(pool.objects.get('rbd_directory')!.omap.get('state'), Buffer.from([0]), 'state: one byte, as on the reference cluster');
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_assert', state(0)), 0);
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_assert', state(1)), -Errno.ENOENT, 'another state is ENOENT too');
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_set', state(2)), -Errno.EINVAL, 'no such state');
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_assert', Buffer.alloc(0)), -Errno.EINVAL, 'no input');

  t.equal(await rv(pool, 'rbd_directory', 'dir_add_image', bytes((w) => w.string('img').string('abc123'))), 0);
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_set', state(1)), -Errno.EBUSY, 'a directory with images stays open');
  t.equal(await rv(pool, 'rbd_directory', 'dir_remove_image', bytes((w) => w.string('img').string('abc123'))), 0);
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_set', state(1)), 0, 'an empty one closes');
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_assert', state(0)), -Errno.ENOENT, 'no longer READY');

  pool.objects.get('rbd_directory')!.omap.set('state', Buffer.alloc(0));
  t.equal(await rv(pool, 'rbd_directory', 'dir_state_assert', state(0)), -Errno.EIO, 'a stored state that does not decode');
});
