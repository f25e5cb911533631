/**
 * Hostile but well-formed op arguments found by the OSD fuzz test (test/acceptance/osd-fuzz.test.ts):
 * each must be answered with a result or an errno quickly, without stalling the OSD.
 */
import t from 'tap';
import { CEPH_OSD_OP_UNION_BYTES, CephOsdOp, osdOp, osdOpRead, osdOpWriteFull } from '@ts-ceph/messages';
import { CEPH_NOSNAP, ghobject, Transaction } from '@ts-ceph/objectstore';
import { opReqid } from '../src/core/op-engine';
import { PgLogOp } from '../src/core/pg';
import { harness, req } from './lib/harness';

function writesame(offset: bigint, length: bigint, pattern: Buffer) {
  const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
  args.writeBigUInt64LE(offset, 0);
  args.writeBigUInt64LE(length, 8);
  args.writeBigUInt64LE(BigInt(pattern.length), 16);
  return osdOp(CephOsdOp.WRITESAME, { args, data: pattern });
}

t.test('writesame of a 1-byte pattern to 64 MiB is one fill, not 64 Mi buffers', async (t) => {
  const h = await harness();
  const len = 64 * 1024 * 1024;
  const t0 = performance.now();
  const w = await h.run(req('ws', [writesame(0n, BigInt(len), Buffer.from('z'))]));
  const ms = performance.now() - t0;
  t.equal(w.result, 0, 'writesame succeeds');
  t.ok(ms < 5000, `took ${ms.toFixed(0)} ms (concatenating 64 Mi one-byte buffers took about a minute)`);
  const r = await h.run(req('ws', [osdOpRead(len - 3, 10)], { flags: 0x10 }));
  t.equal(r.ops[0]!.data.toString(), 'zzz', 'the pattern reaches the last byte');
});

t.test('writesame past osd_max_object_size is EFBIG, a zero data length EINVAL', async (t) => {
  const h = await harness();
  t.equal((await h.run(req('ws2', [writesame(0n, 2n ** 64n - 1n, Buffer.from('z'))]))).result, -27);
  t.equal((await h.run(req('ws2', [writesame(2n ** 63n, 1n, Buffer.from('z'))]))).result, -27);
  t.equal((await h.run(req('ws2', [writesame(0n, 4n, Buffer.alloc(0))]))).result, -22);
});

t.test('a client_inc over 2^31 is the reqid inc cast to s32 (MOSDOp::get_reqid), and the write commits', async (t) => {
  const h = await harness();
  const m = req('inc', [osdOpWriteFull(Buffer.from('x'))], { clientInc: 0xff000000, reqid: { name: { type: 0, num: 0 }, tid: 0n, inc: 0 } });
  m.reqid = opReqid(m, { type: 8, num: 4100 }, 77n);
  t.equal(m.reqid.inc, -16777216);
  t.equal((await h.run(m)).result, 0);
  t.equal(h.pg.findRequest(m.reqid)?.version.version, h.pg.info.lastUpdate.version, 'logged under its reqid');
});

t.test('a log entry that cannot be encoded leaves the PG as it was', async (t) => {
  const h = await harness();
  const before = { ...h.pg.info.lastUpdate };
  const reqid = { name: { type: 8, num: 4100 }, tid: 5n, inc: 0xff000000 };
  const entry = {
    op: PgLogOp.MODIFY,
    soid: ghobject({ pool: 1, nspace: '', key: '', name: 'o', hash: 1, snap: CEPH_NOSNAP }),
    version: { epoch: 9, version: before.version + 1n },
    priorVersion: { epoch: 0, version: 0n },
    reqid,
    mtime: { sec: 0, nsec: 0 },
    returnCode: 0,
    userVersion: 1n,
    opReturns: [],
  };
  t.throws(() => h.pg.append(entry, new Transaction(), 9));
  t.same(h.pg.info.lastUpdate, before, 'last_update unchanged');
  t.equal(h.pg.findRequest(reqid), undefined, 'no entry for the reqid');
});
