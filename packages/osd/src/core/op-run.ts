import { CephError, Errno } from '@ts-ceph/common/core';
import { DencError } from '@ts-ceph/denc';
import { CephOsdOp, CephOsdOpFlag, MOSDOpReply, CEPH_OSD_OP_MODE_WR } from '@ts-ceph/messages';
import { OpContext } from './op-context';
import { opHandlers } from './ops';

/** What do_osd_ops leaves: the vector's result and each op's rval and out data. */
export interface OpsRan {
  result: number;
  outs: MOSDOpReply['ops'];
}

export const isWrite = (op: number): boolean => (op & CEPH_OSD_OP_MODE_WR) !== 0;

/** Ops that write but are not user-visible modifications (do_osd_ops: no user_version bump). */
const notUserModify = new Set<number>([CephOsdOp.WATCH, CephOsdOp.COPY_FROM, CephOsdOp.COPY_FROM2, CephOsdOp.CACHE_PIN, CephOsdOp.CACHE_UNPIN, CephOsdOp.SET_REDIRECT, CephOsdOp.TIER_PROMOTE, CephOsdOp.UNDIRTY]);

/** An exception from a handler becomes the op's errno, never silence (bad input: EINVAL). */
export function errnoOf(e: unknown, log: ((level: number, msg: string) => void) | undefined): number {
  if (e instanceof CephError) return e.errno > 0 ? -e.errno : e.errno || -Errno.EIO;
  if (e instanceof DencError) return -Errno.EINVAL;
  log?.(0, `op handler failed: ${(e as Error).stack ?? String(e)}`);
  return -Errno.EIO;
}

interface RunState {
  i: number;
  result: number;
  readonly outs: MOSDOpReply['ops'];
}

/**
 * do_osd_ops' loop: each op in turn; the first failure without FAILOK ends the vector. The result is
 * the last op's, which may be positive (a matching cmpxattr gives 1, and a read-only vector returns it
 * to the client as rados_read_op_operate's value); FAILOK turns a failure into 0.
 *
 * Synchronous for as long as the handlers are (writes, setxattr, omap updates and assertions read
 * nothing from the store): a vector of such ops costs no promise. The first handler that reads the
 * store returns a promise, and the rest of the vector continues after it.
 */
export function runOps(ctx: OpContext, log: ((level: number, msg: string) => void) | undefined): OpsRan | Promise<OpsRan> {
  const st: RunState = { i: 0, result: 0, outs: ctx.req.ops.map((o) => ({ ...o, data: Buffer.alloc(0), rval: 0 })) };
  return runFrom(ctx, st, log);
}

function runFrom(ctx: OpContext, st: RunState, log: ((level: number, msg: string) => void) | undefined): OpsRan | Promise<OpsRan> {
  const ops = ctx.req.ops;
  while (st.i < ops.length) {
    const op = ops[st.i]!;
    if (isWrite(op.op) && !notUserModify.has(op.op)) ctx.userModify = true;
    const h = opHandlers.get(op.op);
    let r: number | Promise<number>;
    try {
      r = h ? h(ctx, op, st.outs[st.i]!) : -Errno.EOPNOTSUPP;
    } catch (e) {
      r = errnoOf(e, log);
    }
    if (typeof r !== 'number') {
      return r.then(
        (v) => (settle(ctx, st, v) ? { result: st.result, outs: st.outs } : runFrom(ctx, st, log)),
        (e: unknown) => (settle(ctx, st, errnoOf(e, log)) ? { result: st.result, outs: st.outs } : runFrom(ctx, st, log)),
      );
    }
    if (settle(ctx, st, r)) break;
  }
  return { result: st.result, outs: st.outs };
}

/** One op's rval into the reply; true when it ends the vector (a failure without FAILOK). */
function settle(ctx: OpContext, st: RunState, r: number): boolean {
  const op = ctx.req.ops[st.i]!;
  const out = st.outs[st.i]!;
  out.rval = r;
  st.result = r;
  if (r < 0) {
    out.data = Buffer.alloc(0);
    if (!(op.flags & CephOsdOpFlag.FAILOK)) return true;
    st.result = 0;
  }
  ctx.processedSubops++;
  st.i++;
  return false;
}
