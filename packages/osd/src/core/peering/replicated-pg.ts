import { PG } from '../pg';
import { StoreReader } from '../op-context';
import { PeerMessage } from './messages';
import { PeeringPG } from './peering-pg';
import { handlePull, handlePush, handlePushReply, recoveryTick, startRecovery } from './recovery';
import { applyRepOp, dispatch, handleOp, handleRepOpReply, resendRepOps } from './rep-ops';
import { ClientOp, PeeringConf } from './types';

/**
 * A replicated PG on one OSD: peering (peering-pg.ts) with the replicated write path (rep-ops.ts)
 * and log-based recovery (recovery.ts) wired in. The driver feeds it maps, peer messages, client
 * ops, commits and ticks, awaiting each in turn, and carries out `take()`'s outputs.
 */
export class ReplicatedPG extends PeeringPG {
  constructor(whoami: number, pg: PG, store: StoreReader, conf: PeeringConf) {
    super(whoami, pg, store, conf);
    this.hooks = {
      onActive: async (p) => {
        if (!p.rep.peeredOnly) for (const op of p.waitingForActive.splice(0)) await dispatch(p, op);
        await startRecovery(p);
      },
      onMessage: (p, from, msg) => onReplicationMessage(p, from, msg),
      onTick: async (p) => {
        if (p.phase !== 'active') return;
        resendRepOps(p);
        await recoveryTick(p);
      },
    };
  }

  /** A client MOSDOp on this PG. */
  handleOp(op: ClientOp): Promise<void> {
    return handleOp(this, op);
  }
}

async function onReplicationMessage(p: PeeringPG, from: number, msg: PeerMessage): Promise<boolean> {
  switch (msg.type) {
    case 'repop':
      applyRepOp(p, from, msg);
      return true;
    case 'repop_reply':
      await handleRepOpReply(p, from, msg.tid);
      return true;
    case 'push':
      handlePush(p, from, msg);
      return true;
    case 'push_reply':
      await handlePushReply(p, from, msg.oid);
      return true;
    case 'pull':
      await handlePull(p, from, msg);
      return true;
    default:
      return false;
  }
}
