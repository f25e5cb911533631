import { PG } from '../pg';
import { StoreReader } from '../op-context';
import { PeerMessage, evFrom } from './messages';
import { PeeringPG } from './peering-pg';
import { handlePull, handlePush, handlePushReply, recoveryTick, startRecovery } from './recovery';
import { applyRepOp, dispatch, dropInternal, handleOp, handleRepOpReply, kickWaiting, resendRepOps, submitInternal } from './rep-ops';
import { ClientOp, InternalOp, InternalRefusal, PeeringConf } from './types';
import { PgMapping } from './past-intervals';
import { handleInfoAck, handleInfoShare, notePurged, resendInfoShare } from './purged-snaps';
import { IntervalSet } from '@ts-ceph/maps';
import { ScrubState, handleRepairPush, handleRepairReply, handleScrubMap, handleScrubReq, newScrubState, pushRepair, restoreScrubState, scrubStateBits, scrubTick } from './scrub';
import { oidKey } from './log-merge';
import { scrubLs } from './scrub-ls';
import { decodeOid } from './txn-codec';
import { handleRemove, noteStray, notifyPrimary, purgeStrays } from './strays';
import { backfillDone } from './pg-temp';

/**
 * A replicated PG on one OSD: peering (peering-pg.ts) with the replicated write path (rep-ops.ts)
 * and log-based recovery (recovery.ts) wired in. The driver feeds it maps, peer messages, client
 * ops, commits and ticks, awaiting each in turn, and carries out `take()`'s outputs.
 */
export class ReplicatedPG extends PeeringPG {
  /** Scrub and repair on the primary (scrub.ts). */
  readonly scrub: ScrubState = newScrubState();
  /** The driver's clock at the last scrubTick, seconds: stamps a scrub that ends on a message. */
  scrubNow = 0;

  constructor(whoami: number, pg: PG, store: StoreReader, conf: PeeringConf) {
    super(whoami, pg, store, conf);
    if (pg.info.scrub) restoreScrubState(this.scrub, pg.info.scrub);
    this.hooks = {
      onActive: async (p) => {
        if (!p.rep.peeredOnly) for (const op of p.waitingForActive.splice(0)) await dispatch(p, op);
        await startRecovery(p);
      },
      onMessage: (p, from, msg) => {
        const r = onReplicationMessage(p, from, msg);
        return r === false ? this.onScrubMessage(from, msg) : r;
      },
      onTick: async (p) => {
        notifyPrimary(p);
        if (p.phase !== 'active') return;
        if (p.maybeWriteable()) for (const op of p.waitingForActive.splice(0)) await dispatch(p, op);
        resendRepOps(p);
        resendInfoShare(p);
        await recoveryTick(p);
        purgeStrays(p);
        if (backfillDone(p)) p.out.push({ kind: 'pg_temp', want: [] });
      },
    };
  }

  /** `ceph pg scrub|deep-scrub|repair`: scrub at the next scrubTick once active+clean. */
  requestScrub(o: { deep: boolean; repair: boolean }): void {
    this.scrub.pending = { deep: o.deep || o.repair, repair: o.repair };
  }

  /** The driver's scrub timer, with its clock (seconds): scheduled scrubs and chunk resends. */
  async scrubTick(now: number): Promise<void> {
    this.scrubNow = now;
    await scrubTick(this, this.scrub, now);
  }

  override state(): bigint {
    return super.state() | scrubStateBits(this.scrub);
  }

  private async onScrubMessage(from: number, msg: PeerMessage): Promise<boolean> {
    const done = (key: string): Promise<void> => handleRepairReply(this, this.scrub, this.whoami, key, this.scrubNow);
    switch (msg.type) {
      case 'scrub_req':
        await handleScrubReq(this, from, msg);
        return true;
      case 'scrub_map':
        await handleScrubMap(this, this.scrub, from, msg, this.scrubNow);
        return true;
      case 'repair_pull':
        await pushRepair(this, decodeOid(msg.oid), msg.to, done);
        return true;
      case 'repair_push':
        handleRepairPush(this, msg, done);
        return true;
      case 'repair_reply':
        await handleRepairReply(this, this.scrub, from, oidKey(decodeOid(msg.oid)), this.scrubNow);
        return true;
      default:
        return false;
    }
  }

  /** The answer to a `kick` output (rep-ops.ts kickAfterTake), once the outputs before it are carried out. */
  kickWaiting(): Promise<void> {
    return kickWaiting(this);
  }

  /**
   * A new map: an interval change drops the internal writes in flight or waiting (on_change), which
   * their callers hear as not done.
   */
  override async advanceMap(m: PgMapping): Promise<void> {
    const rep = this.rep;
    const interval = this.intervalStart;
    await super.advanceMap(m);
    if (this.intervalStart !== interval) dropInternal(this, rep);
  }

  /** An internal write (snap trim, watch timeout) on the primary; refused unless active (rep-ops.ts). */
  submitInternal(op: InternalOp): Promise<InternalRefusal | undefined> {
    return submitInternal(this, op);
  }

  /**
   * Whether the snap trimmer may run (PrimaryLogPG::SnapTrimmer's is_primary, is_active, is_clean):
   * an active primary that may write, with no copy lacking an object.
   */
  canTrim(): boolean {
    if (!this.isPrimary || this.phase !== 'active' || this.rep.peeredOnly || this.ownMissing.size) return false;
    for (const m of this.peerMissing.values()) if (m.size) return false;
    return this.rep.recovering.size === 0;
  }

  /** The trimmer of `interval` finished `snaps` on every copy: record and share purged_snaps (purged-snaps.ts). */
  notePurged(interval: number, snaps: IntervalSet): boolean {
    return notePurged(this, interval, snaps);
  }

  /** A client MOSDOp on this PG. */
  handleOp(op: ClientOp): Promise<void> | void {
    op.env.scrubLs ??= (arg) => scrubLs(this.scrub, this.intervalStart, arg);
    return handleOp(this, op);
  }
}

/**
 * The replication and recovery messages; false for the others. Synchronous where the handler is
 * (a RepOp, and a RepOp reply that wakes no waiting op): the write path's messages cost no promise.
 */
function onReplicationMessage(p: PeeringPG, from: number, msg: PeerMessage): Promise<boolean> | boolean {
  switch (msg.type) {
    case 'repop':
      applyRepOp(p, from, msg);
      return true;
    case 'repop_reply':
      return handled(handleRepOpReply(p, from, evFrom(msg.version)));
    case 'push':
      return handled(handlePush(p, from, msg));
    case 'push_reply':
      return handlePushReply(p, from, msg.oid).then(() => true);
    case 'pull':
      return handlePull(p, from, msg).then(() => true);
    case 'stray':
      noteStray(p, from);
      return true;
    case 'remove':
      handleRemove(p, from);
      return true;
    case 'info':
      handleInfoShare(p, from, msg);
      return true;
    case 'info_ack':
      handleInfoAck(p, from, msg);
      return true;
    default:
      return false;
  }
}

/** true once `r` (a handler's result: nothing, or a promise) is done. */
function handled(r: Promise<void> | void): Promise<boolean> | boolean {
  return r ? r.then(() => true) : true;
}
