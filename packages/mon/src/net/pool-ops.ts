/**
 * MPoolOp at the mon: pool create/delete and pool/unmanaged snapshots (src/mon/OSDMonitor.cc
 * preprocess_pool_op/prepare_pool_op), caps checked as enforce_pool_op_caps does, replied after
 * the commit with the osdmap epoch that carries the change.
 */
import { Errno, logger } from '@ts-ceph/common';
import { EntityName, Writer } from '@ts-ceph/denc';
import { messageTypes } from '@ts-ceph/messenger';
import { CEPH_MSG_POOLOP, MPoolOp, MPoolOpReplyCodec, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import { AuthCapsInfo, OSDCap, capsText } from '@ts-ceph/cephx';
import { MonSession } from '../core/session';
import { handlePoolOp, PoolOp } from '../core/osd/pool-op';
import type { OSDMonitor } from '../core/osd/osd-monitor';
import type { ProposalPipeline } from '../pipeline';
import type { MonHandler } from './handler';

const log = logger('mon');

/** What the pool op handler uses of the monitor. */
export interface PoolOpContext {
  readonly fsid: string;
  readonly osd: OSDMonitor;
  readonly pipeline: ProposalPipeline;
  /** The key server's caps of `entity` for `service` (the osd caps for unmanaged snaps). */
  getCaps(entity: EntityName, service: string): AuthCapsInfo | undefined;
  /** Wall clock in ms, for the pool's create/snap stamps. */
  now(): number;
}

/** enforce_pool_op_caps: unmanaged snaps need osd write on the pool (or the mon cap); the rest mon osd 'w'. */
function poolOpPermitted(ctx: PoolOpContext, s: MonSession, m: MPoolOp): boolean {
  if (m.op === PoolOp.CREATE_UNMANAGED_SNAP || m.op === PoolOp.DELETE_UNMANAGED_SNAP) {
    const poolName = ctx.osd.osdmap.poolName.get(m.pool) ?? '';
    if (s.isCapable('osd', false, true, false, 'osd pool op unmanaged-snap', new Map([['pool', poolName]]))) return true;
    const caps = ctx.getCaps(s.entityName, 'osd');
    if (!caps) return false;
    if (caps.allowAll) return true;
    try {
      const text = capsText(caps);
      return OSDCap.parse(text).isCapable({ pool: poolName, write: true });
    } catch {
      return false;
    }
  }
  return s.isCapable('osd', false, true, false);
}

const onPoolOp: MonHandler<PoolOpContext> = (ctx, con, s, msg, payload) => {
  const m = payload as MPoolOp;
  const osd = ctx.osd;
  const reply = (code: number, epoch: number, data?: Buffer) =>
    con.send(messageTypes.build(MPoolOpReplyCodec, { paxos: { ...PAXOS_HEAD_DEFAULT, version: osd.lastCommitted }, fsid: ctx.fsid, replyCode: code, epoch, responseData: data }, { tid: msg.tid }));
  if (!poolOpPermitted(ctx, s, m)) return reply(-Errno.EPERM, osd.epoch);
  if (m.fsid !== ctx.fsid) return reply(-Errno.EINVAL, osd.epoch);
  void ctx.pipeline
    .run(async () => {
      const r = handlePoolOp(osd, { pool: m.pool, name: m.name, op: m.op, snapid: m.snapid, crushRule: m.crushRule, now: ctx.now() });
      if (!r.propose) return reply(r.code, osd.epoch);
      const epoch = osd.pending.epoch;
      await ctx.pipeline.propose([osd]);
      let data: Buffer | undefined;
      if (r.snapid !== undefined) data = new Writer().u64(r.snapid).finish();
      reply(r.code, epoch, data);
    })
    .catch((e: unknown) => {
      log.error(`pool op failed: ${(e as Error).message}`);
      reply(-Errno.EIO, osd.epoch);
    });
};

export const poolOpHandlers: Record<number, MonHandler<PoolOpContext>> = {
  [CEPH_MSG_POOLOP]: onPoolOp,
};
