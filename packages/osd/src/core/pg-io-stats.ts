/**
 * Client I/O per PG as pg_stat_t counts it (object_stat_sum_t's num_rd, num_rd_kb, num_wr,
 * num_wr_kb): PrimaryLogPG::do_osd_ops adds to ctx->delta_stats for some ops of a client's vector
 * (the tables below, from its cases): a read one read and the bytes it returned rounded up to KiB
 * (shift_round_up(len, 10)), a write one write and, for the data writes, the bytes it carries
 * (write_update_size_and_usage). Others (set-alloc-hint, create, delete, call) count nothing, so
 * `rados bench`'s [set-alloc-hint, write] is one write. The mgr turns the deltas between reports into the `io:` rates of
 * `ceph -s` and `osd pool stats`. Counted once the reply went out, only for ops that succeeded
 * (a failed write's delta_stats are thrown away with its transaction). Kept in memory: a restart
 * starts the counts at zero again, which the mgr reads as no I/O for that period.
 */
import { CephOsdOp as Op, MOSDOp, MOSDOpReply, opDataBytes } from '@ts-ceph/messages';

/** Reads counted with the bytes they return. */
const readsWithBytes = new Set<number>([Op.READ, Op.SYNC_READ, Op.SPARSE_READ, Op.MAPEXT, Op.GETXATTR, Op.GETXATTRS, Op.OMAPGETKEYS, Op.OMAPGETVALS, Op.OMAPGETHEADER, Op.OMAPGETVALSBYKEYS]);
const reads = new Set<number>([Op.STAT, Op.ISDIRTY, Op.CMPXATTR, Op.LIST_WATCHERS, Op.LIST_SNAPS, Op.OMAP_CMP]);
/** Writes counted with the bytes they carry. */
const writesWithBytes = new Set<number>([Op.WRITE, Op.WRITEFULL, Op.APPEND, Op.WRITESAME, Op.OMAPSETVALS]);
const writes = new Set<number>([Op.ZERO, Op.TRUNCATE, Op.SETXATTR, Op.RMXATTR, Op.OMAPSETHEADER, Op.OMAPCLEAR, Op.OMAPRMKEYS, Op.OMAPRMKEYRANGE, Op.COPY_FROM, Op.COPY_FROM2, Op.UNDIRTY]);

export interface PgIoSum {
  num_rd: number;
  num_rd_kb: number;
  num_wr: number;
  num_wr_kb: number;
}

const kb = (bytes: number): number => Math.ceil(bytes / 1024);

export class PgIoStats {
  private readonly byPg = new Map<string, PgIoSum>();

  /** One answered client op on the PG `key`. */
  count(key: string, req: MOSDOp, reply: MOSDOpReply): void {
    if (reply.result < 0) return;
    let s = this.byPg.get(key);
    if (!s) this.byPg.set(key, (s = { num_rd: 0, num_rd_kb: 0, num_wr: 0, num_wr_kb: 0 }));
    req.ops.forEach((o, i) => {
      if (writesWithBytes.has(o.op) || writes.has(o.op)) {
        s.num_wr++;
        if (writesWithBytes.has(o.op)) s.num_wr_kb += kb(o.data.length);
      } else if (readsWithBytes.has(o.op) || reads.has(o.op)) {
        s.num_rd++;
        const replyOp = reply.ops[i];
        if (readsWithBytes.has(o.op)) s.num_rd_kb += kb(replyOp ? opDataBytes(replyOp) : 0);
      }
    });
  }

  get(key: string): Readonly<PgIoSum> | undefined {
    return this.byPg.get(key);
  }
}
