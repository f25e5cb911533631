/**
 * cls_journal on the in-memory class context, against Ceph's own bytes: the corpus samples of
 * cls::journal's types (decoded field by field here; test/unit/corpus.test.ts re-encodes them) and
 * method inputs and outputs built by hand from cls_journal_client.cc's encodings. The errnos and tag
 * expiry are cls_journal.cc's; rbd-journal.test.ts drives the same class with the real rbd CLI. The
 * cls_rbd mirror peer and status methods librbd's `rbd mirror pool ...` calls are checked at the end.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { Reader } from '@ts-ceph/denc';
import { builtinClsRegistry } from '../src/core/cls/index';
import { decodeJournalClient, decodeJournalTag, decodeObjectSetPosition } from '../src/core/cls/journal-types';
import { decodeMirrorPeer } from '../src/core/cls/rbd/mirror-peers';
import { MemPool, bytes, client, clsCaller } from './cls-memory-context';

const me = client(4600);
const env = (body: Buffer, v = 1, compat = 1) => Buffer.concat([bytes((w) => w.u8(v).u8(compat).u32(body.length)), body]);
const str = (s: string) => bytes((w) => w.string(s));
const u8 = (n: number) => Buffer.from([n]);
const u64 = (n: bigint | number) => bytes((w) => w.u64(BigInt(n)));
const u32 = (n: number) => bytes((w) => w.u32(n));
const blob = (b: Buffer) => Buffer.concat([u32(b.length), b]);
const cat = (...b: Buffer[]) => Buffer.concat(b);
/** ObjectPosition and ObjectSetPosition, by hand. */
const pos = (obj: number, tag: number, entry: number) => env(cat(u64(obj), u64(tag), u64(entry)));
const setPos = (...p: Buffer[]) => env(cat(u32(p.length), ...p));
const clientBytes = (id: string, data: Buffer, position: Buffer, state = 0) => env(cat(str(id), blob(data), position, u8(state)));
const corpus = (type: string): Buffer[] => {
  const dir = join(sharedDir(), 'ceph-object-corpus', '16.2.0', 'objects', type);
  return readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
};

t.test('the corpus samples of cls::journal decode to generate_test_instances\' values', async (t) => {
  const clients = corpus('cls::journal::Client').map((b) => decodeJournalClient(new Reader(b)));
  const ones = Buffer.alloc(128, '1');
  t.same(clients.map((c) => [c.id, c.data.equals(ones), c.commitPosition.objectPositions.map((p) => [p.objectNumber, p.tagTid, p.entryTid]), c.state]).sort(), [
    ['', false, [], 0],
    ['id', true, [], 0],
    ['id', true, [[1n, 2n, 120n], [2n, 3n, 121n]], 0],
  ].sort(), 'Client(), Client("id", 128 x "1") and the same with two commit positions');
  const tags = corpus('cls::journal::Tag').map((b) => decodeJournalTag(new Reader(b)));
  t.same(tags.map((x) => [x.tid, x.tagClass, x.data.length]).sort(), [[0n, 0n, 0], [123n, 234n, 128]], 'Tag() and Tag(123, 234, 128 x "1")');
  const sets = corpus('cls::journal::ObjectSetPosition').map((b) => decodeObjectSetPosition(new Reader(b)).objectPositions.length);
  t.same(sets.sort(), [0, 2]);
  const peers = corpus('cls::rbd::MirrorPeer').map((b) => decodeMirrorPeer(new Reader(b)));
  t.same(peers.map((p) => [p.uuid, p.direction, p.siteName, p.clientName, p.mirrorUuid]).sort(), [
    ['', 2, '', '', ''],
    ['uuid-123', 0, 'site A', 'client name', ''],
    ['uuid-234', 1, 'site B', '', 'mirror_uuid'],
    ['uuid-345', 2, 'site C', 'client name', 'mirror_uuid'],
  ], 'MirrorPeer\'s test instances');
});

t.test('journal header: create, the object-set window, clients and commits', async (t) => {
  const { call, rv } = clsCaller(me, 'journal');
  const pool = new MemPool(builtinClsRegistry());
  const oid = 'journal.abc';
  t.equal(await rv(pool, oid, 'client_register', cat(str(''), blob(Buffer.alloc(0)))), -2, 'no journal yet: ENOENT');
  const create = cat(u8(24), u8(4), bytes((w) => w.i64(-1n)));
  t.equal(await rv(pool, oid, 'create', create), 0);
  t.equal(await rv(pool, oid, 'create', create), -17, 'twice: EEXIST');
  const get = async (m: string) => (await call(pool, oid, m)).outdata.toString('hex');
  t.same([await get('get_order'), await get('get_splay_width'), await get('get_pool_id'), await get('get_minimum_set'), await get('get_active_set'), await get('get_next_tag_tid')],
    ['18', '04', 'ffffffffffffffff', '0000000000000000', '0000000000000000', '0000000000000000']);
  t.equal(await rv(pool, oid, 'set_minimum_set', u64(1)), -22, 'minimum past active: EINVAL');
  t.equal(await rv(pool, oid, 'set_active_set', u64(3)), 0);
  t.equal(await rv(pool, oid, 'set_minimum_set', u64(2)), 0);
  t.equal(await rv(pool, oid, 'set_minimum_set', u64(1)), -116, 'minimum backwards: ESTALE');
  t.equal(await rv(pool, oid, 'set_active_set', u64(1)), -22, 'active before minimum: EINVAL');
  t.equal(await get('get_minimum_set'), '0200000000000000');

  t.equal(await rv(pool, oid, 'client_register', cat(str(''), blob(Buffer.from('abc')))), 0);
  t.equal(await rv(pool, oid, 'client_register', cat(str(''), blob(Buffer.alloc(0)))), -17, 'a taken id: EEXIST');
  t.equal((await call(pool, oid, 'get_client', str(''))).outdata.toString('hex'), clientBytes('', Buffer.from('abc'), setPos()).toString('hex'));
  const five = setPos(pos(0, 1, 5), pos(1, 1, 4), pos(2, 1, 3), pos(3, 1, 2), pos(0, 1, 1));
  t.equal(await rv(pool, oid, 'client_commit', cat(str(''), five)), -22, 'more positions than splay_width: EINVAL');
  const committed = setPos(pos(1, 1, 7), pos(0, 1, 6));
  t.equal(await rv(pool, oid, 'client_commit', cat(str(''), committed)), 0);
  t.equal(await rv(pool, oid, 'client_commit', cat(str('nosuch'), committed)), -2, 'an unknown client: ENOENT');
  t.equal(await rv(pool, oid, 'client_register', cat(str('mirror'), blob(Buffer.alloc(0)))), 0);
  t.equal((await call(pool, oid, 'get_client', str('mirror'))).outdata.toString('hex'), clientBytes('mirror', Buffer.alloc(0), committed).toString('hex'),
    'a new client starts at the oldest registered commit position');
  t.equal(await rv(pool, oid, 'client_update_state', cat(str('mirror'), u8(1))), 0);
  t.equal(await rv(pool, oid, 'client_update_data', cat(str('mirror'), blob(Buffer.from('d')))), 0);
  const list = await call(pool, oid, 'client_list', cat(str(''), u64(256)));
  t.equal(list.outdata.toString('hex'), cat(u32(2), clientBytes('', Buffer.from('abc'), committed), clientBytes('mirror', Buffer.from('d'), committed, 1)).toString('hex'), 'client_list: set<Client> by id');
  t.equal((await call(pool, oid, 'client_list', cat(str(''), u64(1)))).outdata.readUInt32LE(0), 1, 'max_return 1');
  t.equal(await rv(pool, oid, 'client_unregister', str('nosuch')), -2);
  t.equal(await rv(pool, oid, 'client_unregister', str('mirror')), 0);
  t.equal(await rv(pool, oid, 'get_client', str('mirror')), -2, 'gone');
});

t.test('journal tags: ordered tids, classes, expiry once every client has committed past them', async (t) => {
  const { call, rv } = clsCaller(me, 'journal');
  const pool = new MemPool(builtinClsRegistry());
  const oid = 'journal.t';
  t.equal(await rv(pool, oid, 'create', cat(u8(24), u8(2), bytes((w) => w.i64(-1n)))), 0);
  t.equal(await rv(pool, oid, 'client_register', cat(str(''), blob(Buffer.alloc(0)))), 0);
  const newClass = 0xffff_ffff_ffff_ffffn;
  const tag = (tid: number, cls: bigint | number, data: string) => cat(u64(tid), u64(cls), blob(Buffer.from(data)));
  t.equal(await rv(pool, oid, 'tag_create', tag(1, newClass, 'x')), -116, 'tid 1 before 0: ESTALE');
  t.equal(await rv(pool, oid, 'tag_create', tag(0, newClass, 'd0')), 0);
  t.equal(await rv(pool, oid, 'tag_create', tag(0, newClass, 'd0')), -17, 'tid 0 again: EEXIST');
  t.equal(await rv(pool, oid, 'tag_create', tag(1, 1, 'x')), -22, 'class 1 not allocated yet: EINVAL');
  t.equal(await rv(pool, oid, 'tag_create', tag(1, 0, 'd1')), 0);
  t.equal(await rv(pool, oid, 'tag_create', tag(2, newClass, 'c1')), 0, 'a second class');
  t.equal((await call(pool, oid, 'get_tag', u64(2))).outdata.toString('hex'), env(cat(u64(2), u64(1), blob(Buffer.from('c1')))).toString('hex'), 'tag 2 got class 1');
  t.equal((await call(pool, oid, 'get_next_tag_tid')).outdata.toString('hex'), u64(3).toString('hex'));
  const tagKeys = () => [...pool.objects.get(oid)!.omap.keys()].filter((k) => k.startsWith('tag_')).sort();
  t.equal(await rv(pool, oid, 'tag_create', tag(3, 0, 'd3')), 0);
  t.same(tagKeys().length, 4, 'no client has committed: nothing expires');
  t.equal(await rv(pool, oid, 'client_commit', cat(str(''), setPos(pos(0, 3, 9)))), 0);
  t.equal(await rv(pool, oid, 'tag_create', tag(4, 0, 'd4')), 0);
  // The walk stops at tag 3 (the oldest committed): class 0's newest tag up to there is 3, class 1's
  // is 2; tags 0 and 1 of class 0 are older than 3 and go, tag 2 stays as class 1's newest.
  t.same(tagKeys(), ['tag_0000000000000002', 'tag_0000000000000003', 'tag_0000000000000004']);
  const tagList = (after: number, max: number, cls?: number) =>
    cat(u64(after), u64(max), str(''), cls === undefined ? u8(0) : cat(u8(1), u64(cls)));
  const tids = async (input: Buffer): Promise<bigint[]> => {
    const r = new Reader((await call(pool, oid, 'tag_list', input)).outdata);
    return r.list('tags', (x) => decodeJournalTag(x).tid);
  };
  t.same(await tids(tagList(0, 256)), [2n, 3n, 4n]);
  t.same(await tids(tagList(0, 256, 0)), [3n, 4n], 'class 0 only');
  t.same(await tids(tagList(3, 256)), [4n], 'after tid 3');
  t.same(await tids(tagList(0, 1)), [2n], 'max_return 1');
  t.equal(await rv(pool, oid, 'tag_list', cat(u64(0), u64(1), str('nosuch'), u8(0))), -2, 'an unknown client: ENOENT');
});

t.test('journal data objects: guard_append and append keep each object under its soft size', async (t) => {
  const { rv } = clsCaller(me, 'journal');
  const pool = new MemPool(builtinClsRegistry());
  const oid = 'journal_data.1.abc.0';
  t.equal(await rv(pool, oid, 'guard_append', u64(16)), 0, 'a missing object has room');
  t.equal(await rv(pool, oid, 'append', cat(u64(16), blob(Buffer.alloc(10, 1)))), 0);
  t.equal(await rv(pool, oid, 'append', cat(u64(16), blob(Buffer.alloc(10, 2)))), 0, 'under the soft size: the whole entry goes in');
  t.same(pool.objects.get(oid)!.data, Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(10, 2)]), 'appended at the end, unpadded');
  t.equal(await rv(pool, oid, 'append', cat(u64(16), blob(Buffer.alloc(1)))), -75, 'full: EOVERFLOW');
  t.equal(await rv(pool, oid, 'guard_append', u64(20)), -75);
  t.equal(await rv(pool, oid, 'guard_append', u64(21)), 0);
});

t.test('cls_rbd mirror peers and the status summary on rbd_mirroring', async (t) => {
  const { call, rv } = clsCaller(me, 'rbd');
  const pool = new MemPool(builtinClsRegistry());
  const oid = 'rbd_mirroring';
  const peer = (uuid: string, dir: number, site: string, clientName: string, mirrorUuid = '') =>
    env(cat(str(uuid), str(site), str(clientName), bytes((w) => w.i64(-1n)), u8(dir), str(mirrorUuid), u64(0)), 2, 1);
  t.equal(await rv(pool, oid, 'mirror_peer_add', peer('p1', 2, 'site-a', 'client.a')), -22, 'mirroring disabled: EINVAL');
  t.equal(await rv(pool, oid, 'mirror_uuid_set', str('own-uuid')), 0);
  t.equal(await rv(pool, oid, 'mirror_mode_set', u32(1)), 0);
  t.equal(await rv(pool, oid, 'mirror_peer_add', peer('p1', 2, 'site-a', '')), -22, 'an rx-tx peer without a client: EINVAL');
  t.equal(await rv(pool, oid, 'mirror_peer_add', peer('p1', 1, 'site-a', '')), -22, 'TX-only: EINVAL');
  t.equal(await rv(pool, oid, 'mirror_peer_add', peer('own-uuid', 2, 'site-a', 'client.a')), -22, 'the pool\'s own uuid: EINVAL');
  t.equal(await rv(pool, oid, 'mirror_peer_add', peer('p1', 2, 'site-a', 'client.a')), 0);
  t.equal(await rv(pool, oid, 'mirror_peer_add', peer('p1', 2, 'site-b', 'client.b')), -116, 'the same uuid: ESTALE');
  t.equal(await rv(pool, oid, 'mirror_peer_add', peer('p2', 2, 'site-a', 'client.b')), -17, 'the same site: EEXIST');
  t.equal(await rv(pool, oid, 'mirror_peer_set_cluster', cat(str('nosuch'), str('x'))), -2);
  t.equal(await rv(pool, oid, 'mirror_peer_set_client', cat(str('p1'), str('client.z'))), 0);
  t.equal(await rv(pool, oid, 'mirror_peer_set_direction', cat(str('p1'), u8(0))), 0);
  t.equal((await call(pool, oid, 'mirror_peer_list')).outdata.toString('hex'), cat(u32(1), peer('p1', 0, 'site-a', 'client.z')).toString('hex'));
  t.equal(await rv(pool, oid, 'mirror_mode_set', u32(0)), -16, 'peers remain: EBUSY');
  t.equal(await rv(pool, oid, 'mirror_peer_remove', str('p1')), 0);
  t.equal(await rv(pool, oid, 'mirror_peer_remove', str('p1')), 0, 'removing it again succeeds');
  const image = env(cat(str('gid-1'), u8(1), u8(0)), 2, 1);
  t.equal(await rv(pool, oid, 'mirror_image_set', cat(str('img1'), image)), 0);
  t.equal((await call(pool, oid, 'mirror_image_status_get_summary', u32(0))).outdata.toString('hex'), cat(u32(1), u8(0), u32(1)).toString('hex'), 'one image, unknown');
  t.equal((await call(pool, oid, 'mirror_image_status_list', cat(str(''), u64(64)))).outdata.toString('hex'), cat(u32(1), str('img1'), image, u32(0)).toString('hex'), 'the image, no statuses');
  t.equal(await rv(pool, oid, 'mirror_image_instance_get', str('gid-1')), -2, 'no rbd-mirror instance: ENOENT');
  t.equal((await call(pool, oid, 'mirror_instances_list')).outdata.toString('hex'), u32(0).toString('hex'));
});
