/**
 * The MOSDOp a client sends for an op at its current target (Objecter::_prepare_osd_op), pure: the
 * time and our features are inputs. The reqid stays empty, as librados leaves it: the OSD names the
 * request after the message's source and tid, which stay the same on every resend, so a resent
 * write that was already applied is recognised as a duplicate.
 */
import { UTime } from '@ts-ceph/denc';
import { CEPH_NOSNAP, ObjectLocatorT } from '@ts-ceph/maps';
import { BLKIN_TRACE_NONE, CephOsdFlag, MOSDOp, OSDOp } from '@ts-ceph/messages';
import { OpTarget, TargetState } from './target';

/** A snapshot context for writes (self-managed snapshots): seq and the snaps, newest first. */
export interface SnapContext {
  seq: bigint;
  snaps: bigint[];
}

export interface OpMessageInput {
  target: OpTarget;
  state: TargetState;
  ops: OSDOp[];
  /** CEPH_OSD_FLAG_* of the message (READ/WRITE, ONDISK ...). */
  flags: number;
  /** Sends before this one (MOSDOp retry_attempt). */
  attempt: number;
  /** The client's OSDMap epoch. */
  epoch: number;
  mtime: UTime;
  features: bigint;
  snapid?: bigint;
  snapc?: SnapContext;
}

/** The flags librados sets besides READ/WRITE: ONDISK and KNOWN_REDIR (the captured ops carry both). */
export function messageFlags(write: boolean, extra = 0): number {
  return (write ? CephOsdFlag.WRITE : CephOsdFlag.READ) | CephOsdFlag.ONDISK | CephOsdFlag.KNOWN_REDIR | extra;
}

export function targetLocator(t: OpTarget): ObjectLocatorT {
  return { pool: t.pool, key: t.key, nspace: t.nspace, hash: t.locHash };
}

export function buildMOSDOp(i: OpMessageInput): MOSDOp {
  return {
    pgid: i.state.actualPgid,
    hash: i.state.rawPg.seed,
    osdmapEpoch: i.epoch,
    flags: i.flags >>> 0,
    reqid: { name: { type: 0, num: 0 }, tid: 0n, inc: 0 },
    trace: BLKIN_TRACE_NONE,
    clientInc: 0,
    mtime: i.mtime,
    oloc: targetLocator(i.target),
    oid: i.target.oid,
    ops: i.ops,
    snapid: i.snapid ?? CEPH_NOSNAP,
    snapSeq: i.snapc?.seq ?? 0n,
    snaps: i.snapc?.snaps ?? [],
    retryAttempt: i.attempt,
    features: i.features,
  };
}
