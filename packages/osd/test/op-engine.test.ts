/**
 * The op engine on a MemStore: write/writefull/read/stat/delete as a 16.2 OSD answers them (ACK|ONDISK,
 * write versions epoch'N with user_version N, reads v0'0 with the object's user version), caps
 * enforced (-EPERM), misdirected ops -ENXIO, unknown op codes -EOPNOTSUPP, ENOENT with the PG's floor.
 */
import t from 'tap';
import { OSDCap } from '@ts-ceph/cephx';
import { CephOsdFlag, CephOsdOp, MOSDOp, osdOp, osdOpExtent, osdOpRead, osdOpWrite, osdOpWriteFull, statReply, BLKIN_TRACE_NONE } from '@ts-ceph/messages';
import { CEPH_NOSNAP, MemStore, Transaction, collPG } from '@ts-ceph/objectstore';
import { Reader } from '@ts-ceph/denc';
import { decodeOSDSuperblockHead } from '@ts-ceph/messages';
import { executeOp, OpSession, PgState } from '../src/core/op-engine';
import { encodeOSDSuperblock } from '../src/core/superblock';
import { decodeObjectInfo, encodeObjectInfo } from '../src/core/object-info';

function req(oid: string, ops: MOSDOp['ops'], over: Partial<MOSDOp> = {}): MOSDOp {
  return {
    pgid: { pgid: { pool: 1, seed: 3 }, shard: -1 },
    hash: 0x1234abcb,
    osdmapEpoch: 9,
    flags: CephOsdFlag.WRITE | CephOsdFlag.ONDISK,
    reqid: { name: { type: 0, num: 0n }, tid: 0n, inc: 0 },
    trace: BLKIN_TRACE_NONE,
    clientInc: 0,
    mtime: { sec: 1700000000, nsec: 5 },
    oloc: { pool: 1, key: '', nspace: '', hash: -1n },
    oid,
    ops,
    snapid: CEPH_NOSNAP,
    snapSeq: 0n,
    snaps: [],
    retryAttempt: 0,
    features: 0n,
    ...over,
  } as MOSDOp;
}

async function setup(): Promise<{ store: MemStore; pg: PgState }> {
  const store = new MemStore();
  await store.mkfs();
  await store.mount();
  const coll = collPG(1, 3);
  await store.queueTransaction(new Transaction().createCollection(coll, 3));
  return { store, pg: { pool: 1, seed: 3, coll, lastUpdate: { epoch: 0, version: 0n }, lastUserVersion: 0n } };
}

const all: OpSession = { allowAll: true, cap: undefined };
const now = { sec: 1700000100, nsec: 7 };

t.test('writefull, write, read, stat, delete', async (t) => {
  const { store, pg } = await setup();
  const tgt = { pg, pool: { name: 'p' }, epoch: 9, now };
  let r = await executeOp(store, req('obj', [osdOpWriteFull(Buffer.from('hello world'))]), all, tgt);
  t.equal(r.result, 0);
  t.equal(Number(r.flags) & (CephOsdFlag.ACK | CephOsdFlag.ONDISK), CephOsdFlag.ACK | CephOsdFlag.ONDISK, 'ack|ondisk');
  t.same([r.replayVersion, r.userVersion, r.badReplayVersion], [{ epoch: 9, version: 1n }, 1n, { epoch: 9, version: 1n }]);
  t.equal(r.ops[0]!.data.length, 0, 'no out data for writes');
  r = await executeOp(store, req('obj', [osdOpWrite(6, Buffer.from('WORLD!'))]), all, tgt);
  t.same([r.result, r.replayVersion, r.userVersion], [0, { epoch: 9, version: 2n }, 2n]);
  r = await executeOp(store, req('obj', [osdOpRead(0, 0)], { flags: CephOsdFlag.READ }), all, tgt);
  t.same([r.result, r.ops[0]!.data.toString(), r.replayVersion, r.userVersion], [0, 'hello WORLD!', { epoch: 0, version: 0n }, 2n]);
  r = await executeOp(store, req('obj', [osdOpRead(100, 10)], { flags: CephOsdFlag.READ }), all, tgt);
  t.same([r.result, r.ops[0]!.data.length], [0, 0], 'read past the end is empty');
  r = await executeOp(store, req('obj', [osdOp(CephOsdOp.STAT)], { flags: CephOsdFlag.READ }), all, tgt);
  t.same(statReply(r.ops[0]!), { size: 12n, mtime: now });
  r = await executeOp(store, req('obj', [osdOp(CephOsdOp.DELETE)]), all, tgt);
  t.same([r.result, r.replayVersion.version], [0, 3n]);
  r = await executeOp(store, req('obj', [osdOpRead(0, 0)], { flags: CephOsdFlag.READ }), all, tgt);
  t.equal(r.result, -2, 'ENOENT after delete');
  r = await executeOp(store, req('obj', [osdOp(CephOsdOp.DELETE)]), all, tgt);
  t.same([r.result, r.userVersion, r.badReplayVersion], [-2, 3n, { epoch: 9, version: 3n }], 'delete of a missing object: ENOENT with the PG floor');
});

t.test('caps, misdirected, unsupported', async (t) => {
  const { store, pg } = await setup();
  const tgt = { pg, pool: { name: 'p' }, epoch: 9, now };
  const ro: OpSession = { allowAll: false, cap: OSDCap.parse('allow r pool=p') };
  let r = await executeOp(store, req('o', [osdOpWriteFull(Buffer.from('x'))]), ro, tgt);
  t.equal(r.result, -1, 'EPERM without w');
  t.equal(await store.exists(pg.coll, { pool: 1, nspace: '', key: '', name: 'o', snap: CEPH_NOSNAP, hash: 0x1234abcb, generation: 0xffffffffffffffffn, shard: -1 }), false);
  const other: OpSession = { allowAll: false, cap: OSDCap.parse('allow rw pool=q') };
  r = await executeOp(store, req('o', [osdOpRead(0, 0)]), other, tgt);
  t.equal(r.result, -1, 'EPERM for another pool');
  const rw: OpSession = { allowAll: false, cap: OSDCap.parse('allow rw pool=p') };
  r = await executeOp(store, req('o', [osdOpWriteFull(Buffer.from('x'))]), rw, tgt);
  t.equal(r.result, 0, 'rw may write');
  r = await executeOp(store, req('o', [osdOpRead(0, 0)], { pgid: { pgid: { pool: 1, seed: 4 }, shard: -1 } }), rw, tgt);
  t.equal(r.result, -6, 'ENXIO for a PG we do not serve');
  r = await executeOp(store, req('o', [osdOpRead(0, 0)]), rw, { ...tgt, pg: undefined });
  t.equal(r.result, -6, 'ENXIO without the PG');
  r = await executeOp(store, req('o', [osdOp(CephOsdOp.PGNLS)]), rw, tgt);
  t.equal(r.result, -95, 'EOPNOTSUPP');
  r = await executeOp(store, req('o', [osdOp(0x1fff)]), all, tgt);
  t.equal(r.result, -95, 'unknown op code');
  r = await executeOp(store, req('o', [osdOpExtent(CephOsdOp.WRITE, 0, 5, Buffer.from('ab'))]), all, tgt);
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

t.test('object info round trip', (t) => {
  const oi = { epoch: 12, version: 34n, userVersion: 56n, mtime: { sec: 1700000000, nsec: 123 } };
  const b = encodeObjectInfo(oi);
  t.equal(b.length, 29);
  t.same(b.subarray(0, 5), Buffer.from([1, 12, 0, 0, 0]), 'u8 v1, u32 epoch');
  t.same(decodeObjectInfo(b), oi);
  t.throws(() => decodeObjectInfo(Buffer.from([2, ...b.subarray(1)])), 'v2 refused');
  t.end();
});
