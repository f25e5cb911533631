/**
 * pg_stat_t's client I/O counts as PrimaryLogPG::do_osd_ops makes them: rados bench's
 * [set-alloc-hint, write 4 MiB] is one write of 4096 KiB; a read counts the bytes it returned,
 * rounded up to KiB; stat is a read without bytes; a failed op counts nothing.
 */
import t from 'tap';
import { CephOsdOp, MOSDOp, MOSDOpReply, OSDOp, setOpDataParts } from '@ts-ceph/messages';
import { PgIoStats } from '../src/core/pg-io-stats';

const op = (code: number, len = 0) => ({ op: code, flags: 0, args: Buffer.alloc(28), data: Buffer.alloc(len), rval: 0 });
const req = (ops: ReturnType<typeof op>[]) => ({ ops }) as unknown as MOSDOp;
const reply = (result: number, ops: ReturnType<typeof op>[]) => ({ result, ops }) as unknown as MOSDOpReply;

t.test('client ops counted per PG as Ceph counts them', async (t) => {
  const s = new PgIoStats();
  s.count('1.0', req([op(CephOsdOp.SETALLOCHINT), op(CephOsdOp.WRITE, 4 << 20)]), reply(0, [op(CephOsdOp.SETALLOCHINT), op(CephOsdOp.WRITE)]));
  t.same(s.get('1.0'), { num_rd: 0, num_rd_kb: 0, num_wr: 1, num_wr_kb: 4096 }, 'set-alloc-hint counts nothing');
  s.count('1.0', req([op(CephOsdOp.READ), op(CephOsdOp.STAT)]), reply(0, [op(CephOsdOp.READ, 1025), op(CephOsdOp.STAT, 16)]));
  t.same(s.get('1.0'), { num_rd: 2, num_rd_kb: 2, num_wr: 1, num_wr_kb: 4096 }, 'read bytes rounded up to KiB; stat counts no bytes');
  s.count('1.0', req([op(CephOsdOp.WRITEFULL, 10)]), reply(-28, [op(CephOsdOp.WRITEFULL)]));
  t.same(s.get('1.0')?.num_wr, 1, 'a failed op counts nothing');
  s.count('1.1', req([op(CephOsdOp.SETXATTR, 100), op(CephOsdOp.OMAPSETVALS, 3000)]), reply(0, [op(CephOsdOp.SETXATTR), op(CephOsdOp.OMAPSETVALS)]));
  t.same(s.get('1.1'), { num_rd: 0, num_rd_kb: 0, num_wr: 2, num_wr_kb: 3 }, 'setxattr counts no bytes; omap-set-vals its payload');
  t.equal(s.get('2.0'), undefined);
});

t.test('a sparse-read reply made of parts counts their bytes without joining them', async (t) => {
  const s = new PgIoStats();
  const out: OSDOp = op(CephOsdOp.SPARSE_READ);
  const big = Buffer.alloc(1 << 20);
  setOpDataParts(out, [Buffer.alloc(28), big]);
  s.count('1.0', req([op(CephOsdOp.SPARSE_READ)]), { result: 0, ops: [out] } as unknown as MOSDOpReply);
  t.same(s.get('1.0'), { num_rd: 1, num_rd_kb: 1025, num_wr: 0, num_wr_kb: 0 }, '28 + 1 MiB bytes, rounded up to KiB');
  t.same(out.dataParts?.length, 2, 'the parts are still there: nothing read data, which would have joined them');
  t.ok(out.data.subarray(28).equals(big), 'data joins them for a reader that wants one buffer');
});
