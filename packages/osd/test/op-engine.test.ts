/**
 * The op engine on a MemStore: write/writefull/read/stat/delete as a 16.2 OSD answers them (ACK|ONDISK,
 * write versions epoch'N with user_version N, reads v0'0 with the object's user version), caps
 * enforced (-EPERM), misdirected ops -ENXIO, unknown op codes -EOPNOTSUPP, ENOENT with the PG's floor.
 */
import t from 'tap';
import { OSDCap } from '@ts-ceph/cephx';
import { opExtent, pgnlsReply, sparseReadReply, CephOsdFlag, CephOsdOp, MOSDOp, osdOp, osdOpExtent, osdOpRead, osdOpWrite, osdOpWriteFull, statReply, BLKIN_TRACE_NONE } from '@ts-ceph/messages';
import { CEPH_NOSNAP } from '@ts-ceph/objectstore';
import { Reader, Writer } from '@ts-ceph/denc';
import { encodeHobjectT } from '@ts-ceph/maps';
import { decodeOSDSuperblockHead } from '@ts-ceph/messages';
import { OpSession } from '../src/core/op-engine';
import { harness, req, allowAll as all, testNow as now } from './lib/harness';
import { encodeOSDSuperblock } from '../src/core/superblock';
import { decodeObjectInfo, encodeObjectInfo, newObjectInfo } from '../src/core/object-info';
import { pgHobjEnd } from '../src/core/pg-list';

t.test('writefull, write, read, stat, delete', async (t) => {
  const h = await harness();
  const { store, pg } = h;
  let r = await h.run(req('obj', [osdOpWriteFull(Buffer.from('hello world'))]), all);
  t.equal(r.result, 0);
  t.equal(Number(r.flags) & (CephOsdFlag.ACK | CephOsdFlag.ONDISK), CephOsdFlag.ACK | CephOsdFlag.ONDISK, 'ack|ondisk');
  t.same([r.replayVersion, r.userVersion, r.badReplayVersion], [{ epoch: 9, version: 1n }, 1n, { epoch: 9, version: 1n }]);
  t.equal(r.ops[0]!.data.length, 0, 'no out data for writes');
  r = await h.run(req('obj', [osdOpWrite(6, Buffer.from('WORLD!'))]), all);
  t.same([r.result, r.replayVersion, r.userVersion], [0, { epoch: 9, version: 2n }, 2n]);
  r = await h.run(req('obj', [osdOpRead(0, 0)], { flags: CephOsdFlag.READ }), all);
  t.same([r.result, r.ops[0]!.data.toString(), r.replayVersion, r.userVersion], [0, 'hello WORLD!', { epoch: 0, version: 0n }, 2n]);
  r = await h.run(req('obj', [osdOpRead(100, 10)], { flags: CephOsdFlag.READ }), all);
  t.same([r.result, r.ops[0]!.data.length], [0, 0], 'read past the end is empty');
  r = await h.run(req('obj', [osdOp(CephOsdOp.STAT)], { flags: CephOsdFlag.READ }), all);
  t.same(statReply(r.ops[0]!), { size: 12n, mtime: { sec: 1700000000, nsec: 5 } }, 'the client mtime');
  r = await h.run(req('obj', [osdOp(CephOsdOp.DELETE)]), all);
  t.same([r.result, r.replayVersion.version], [0, 3n]);
  r = await h.run(req('obj', [osdOpRead(0, 0)], { flags: CephOsdFlag.READ }), all);
  t.equal(r.result, -2, 'ENOENT after delete');
  r = await h.run(req('obj', [osdOp(CephOsdOp.DELETE)]), all);
  t.same([r.result, r.userVersion, r.badReplayVersion], [-2, 3n, { epoch: 9, version: 3n }], 'delete of a missing object: ENOENT with the PG floor');
});

t.test('sparse-read: the extents that hold data and their bytes, the reply extent length set to them', async (t) => {
  const h = await harness();
  const data = Buffer.alloc(20000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  t.equal((await h.run(req('sp', [osdOpWriteFull(data)]), all)).result, 0);
  const r = await h.run(req('sp', [osdOpExtent(CephOsdOp.SPARSE_READ, 5000, 10000)], { flags: CephOsdFlag.READ }), all);
  t.equal(r.result, 0);
  const got = sparseReadReply(r.ops[0]!);
  t.same(got.extents, [[5000n, 10000n]]);
  t.ok(got.data.equals(data.subarray(5000, 15000)), 'the bytes of the range');
  t.equal(opExtent(r.ops[0]!).length, 10000n, 'extent length = bytes returned');
  const past = await h.run(req('sp', [osdOpExtent(CephOsdOp.SPARSE_READ, 30000, 100)], { flags: CephOsdFlag.READ }), all);
  t.same([past.result, sparseReadReply(past.ops[0]!).extents, opExtent(past.ops[0]!).length], [0, [], 0n], 'past the end: no extent');
});

t.test('caps, misdirected, unsupported', async (t) => {
  const h = await harness();
  const { store, pg } = h;
  const ro: OpSession = { allowAll: false, cap: OSDCap.parse('allow r pool=p') };
  let r = await h.run(req('o', [osdOpWriteFull(Buffer.from('x'))]), ro);
  t.equal(r.result, -1, 'EPERM without w');
  t.equal(await store.exists(pg.coll, { pool: 1, nspace: '', key: '', name: 'o', snap: CEPH_NOSNAP, hash: 0x1234abcb, generation: 0xffffffffffffffffn, shard: -1 }), false);
  const other: OpSession = { allowAll: false, cap: OSDCap.parse('allow rw pool=q') };
  r = await h.run(req('o', [osdOpRead(0, 0)]), other);
  t.equal(r.result, -1, 'EPERM for another pool');
  const rw: OpSession = { allowAll: false, cap: OSDCap.parse('allow rw pool=p') };
  r = await h.run(req('o', [osdOpWriteFull(Buffer.from('x'))]), rw);
  t.equal(r.result, 0, 'rw may write');
  r = await h.run(req('o', [osdOpRead(0, 0)], { pgid: { pgid: { pool: 1, seed: 4 }, shard: -1 } }), rw);
  t.equal(r.result, -6, 'ENXIO for a PG we do not serve');
  r = await h.run(req('o', [osdOpRead(0, 0)]), rw, { pg: undefined });
  t.equal(r.result, -6, 'ENXIO without the PG');
  r = await h.run(req('o', [osdOp(CephOsdOp.PGLS)]), rw);
  t.equal(r.result, -22, 'the old pgls without a cursor: EINVAL (as pgnls)');
  r = await h.run(req('', [osdOp(CephOsdOp.PGNLS)]), rw);
  t.equal(r.result, -22, 'pgnls without a cursor: EINVAL');
  r = await h.run(req('o', [osdOp(0x1fff)]), all);
  t.equal(r.result, -95, 'unknown op code');
  r = await h.run(req('o', [osdOpExtent(CephOsdOp.WRITE, 0, 5, Buffer.from('ab'))]), all);
  t.equal(r.result, -22, 'write length mismatch');
});

t.test('the MOSDBoot superblock decodes as the mon reads it', (t) => {
  const sb = { clusterFsid: '11111111-2222-3333-4444-555555555555', whoami: 3, currentEpoch: 7, oldestMap: 1, newestMap: 7, mounted: 5, cleanThru: 6, osdFsid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' };
  const raw = encodeOSDSuperblock(sb as never);
  const r = new Reader(raw);
  const h = decodeOSDSuperblockHead(r);
  t.same({ ...h, raw: undefined }, { ...sb, raw: undefined });
  t.equal(r.off, raw.length, 'whole encoding consumed');
  t.same([raw[0], raw[1]], [9, 5], 'struct_v 9, compat 5');
  t.end();
});

t.test('object info round trip (object_info_t)', (t) => {
  const oi = newObjectInfo();
  oi.version = { epoch: 12, version: 34n };
  oi.userVersion = 56n;
  oi.size = 4096;
  oi.mtime = { sec: 1700000000, nsec: 123 };
  const soid = { pool: 1, nspace: 'ns', key: '', name: 'obj', snap: CEPH_NOSNAP, hash: 0x1234, generation: 0xffffffffffffffffn, shard: -1 };
  const b = encodeObjectInfo(oi, soid);
  t.same([b[0], b[1]], [17, 8], 'object_info_t v17 compat 8');
  t.same(decodeObjectInfo(b), oi);
  for (let i = 0; i < b.length; i++) t.throws(() => decodeObjectInfo(b.subarray(0, i)), `cut at ${i}`);
  t.end();
});

t.test('pgnls lists the PG, then answers 1 with the next PG start', async (t) => {
  const h = await harness();
  const { store, pg } = h;
  for (const [n, hash] of [['a', 0x1234abcb], ['b', 0x2234abcb], ['c', 0x3234abcb]] as const) {
    const r = await h.run(req(n, [osdOpWriteFull(Buffer.from(n))], { hash }), all);
    t.equal(r.result, 0);
  }
  const w = new Writer();
  encodeHobjectT(w, { oid: '', key: '', snap: CEPH_NOSNAP, hash: 0x3, max: false, nspace: '', pool: 1 });
  const args = Buffer.alloc(28);
  args.writeBigUInt64LE(2n, 0);
  let r = await h.run(req('', [osdOp(CephOsdOp.PGNLS, { args, data: w.finish() })], { flags: CephOsdFlag.READ }), all);
  t.equal(r.result, 0, 'more to come');
  let resp = pgnlsReply(r.ops[0]!);
  const first = resp.entries.map((e) => e.oid);
  t.same(first, ['b', 'a'], 'two entries, in the bitwise (reversed hash) order');
  const w2 = new Writer();
  encodeHobjectT(w2, resp.handle);
  r = await h.run(req('', [osdOp(CephOsdOp.PGNLS, { args, data: w2.finish() })], { flags: CephOsdFlag.READ }), all);
  resp = pgnlsReply(r.ops[0]!);
  t.same([r.result, resp.entries.map((e) => e.oid)], [1, ['c']], 'end of the PG');
  t.same([resp.handle.hash, resp.handle.pool, resp.handle.max], [0x7, 1, false], 'handle: where pg 1.3 of 8 ends (pg 1.7 starts, bitwise order)');
  t.same([r.replayVersion, r.userVersion], [{ epoch: 9, version: 3n }, 3n], 'the PG versions');
});

t.test('pg_t::get_hobj_end', (t) => {
  t.same(pgHobjEnd(1, 0, 8).hash, 0x4, '1.0 of 8 ends where 1.4 starts');
  t.same(pgHobjEnd(1, 3, 8).hash, 0x7, '1.3 → 1.7');
  t.ok(pgHobjEnd(1, 7, 8).max, '1.7 is last in bitwise order: max');
  t.ok(pgHobjEnd(1, 0, 1).max, 'one PG: max');
  t.same(pgHobjEnd(1, 2, 6).hash, 0x1, '1.2 of 6 has not split (no 1.6): split bits 2, ends where 1.1 starts');
  t.same(pgHobjEnd(1, 1, 6).hash, 0x5, '1.1 of 6 has split into 1.5: split bits 3, ends where 1.5 starts');
  t.end();
});
