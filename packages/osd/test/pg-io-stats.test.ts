/**
 * pg_stat_t's client I/O counts as PrimaryLogPG::do_osd_ops makes them: rados bench's
 * [set-alloc-hint, write 4 MiB] is one write of 4096 KiB; a read counts the bytes it returned,
 * rounded up to KiB; stat is a read without bytes; a failed op counts nothing.
 */
import t from 'tap';
import { CephOsdOp, MOSDOp, MOSDOpReply } from '@ts-ceph/messages';
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
