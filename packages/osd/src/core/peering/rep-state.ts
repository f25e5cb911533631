import { EversionT } from '@ts-ceph/maps';
import { MOSDOpReply } from '@ts-ceph/messages';
import { MissingItem } from './log-merge';
import { Listing, PeerBody, PeerRepOp } from './messages';
import { ClientOp, InternalOp, PgOp } from './types';

/** A write in flight on the primary (PrimaryLogPG's RepGather): done when every copy is durable. */
export interface RepGather {
  tid: number;
  /** The client op answered once every copy is durable; undefined for an internal write. */
  op: ClientOp | undefined;
  reply: MOSDOpReply | undefined;
  /** The internal write this is (a snap trim, a watch timeout): told `done` like a reply. */
  internal?: InternalOp;
  key: string;
  /** The op's newest log entry and the log head it followed. */
  version: EversionT;
  msg: PeerBody & { type: 'repop' };
  /** Replicas that have not answered yet. */
  waiting: Set<number>;
  local: boolean;
  replied: boolean;
  effects: (() => void)[];
  /** Ticks seen while in flight: a RepOp is resent only after it waited a whole tick. */
  ticks: number;
  /**
   * Answers that must not overtake this write (waiting_for_ondisk): a later op on the same object
   * that wrote nothing (an error, a resent write found in the log) is answered right after it.
   */
  after: { op: ClientOp; reply: MOSDOpReply; effects: (() => void)[] | undefined }[];
}

/** The writes in flight on one object (ObjectContext::RWState with writers only): count and newest. */
export interface ObjectWrites {
  n: number;
  last: RepGather;
}

/** One object being recovered (a pull into the primary, then pushes to the replicas lacking it). */
export interface RecoveryOp {
  key: string;
  item: MissingItem;
  pullFrom: number | undefined;
  pushTo: Set<number>;
  /** Our own copy's transaction (a missing delete applied here) is queued: nothing to resend. */
  applying?: boolean;
}

/** Per-interval replication and recovery state; a new interval starts from a fresh one. */
export interface RepState {
  /** Active with fewer than min_size copies: Ceph's `peered` (recovers, serves no I/O). */
  peeredOnly: boolean;
  activatingReplica: boolean;
  /** Replica: the newest log version durable here (what RepOpReplies may claim). */
  durable: EversionT;
  tid: number;
  inflight: Map<number, RepGather>;
  /** Primary: the writes in flight in version order (repop_queue); they are answered in this order. */
  repopQueue: RepGather[];
  /**
   * Objects with writes in flight: later writes go ahead (pipelined, each sent to the replicas at
   * once), reads wait until every one of them is durable on every copy (Ceph's object write lock).
   */
  writing: Map<string, ObjectWrites>;
  /**
   * Objects written in this call into the core, whose transaction the driver has not yet handed to
   * the store (it does when it takes the outputs): the next op on one must wait, as its reads would
   * not see the write. Cleared by take().
   */
  unapplied: Set<string>;
  /**
   * Objects whose waiting ops found them unapplied: they may run as soon as the driver has handed
   * this call's transactions to the store (a `kick` output), not only at the write's commit.
   */
  kickAfterTake: Set<string>;
  /** Objects held whole (a scrub chunk): every op on them waits. */
  busy: Set<string>;
  objWaiting: Map<string, PgOp[]>;
  recovering: Map<string, RecoveryOp>;
  /** Objects no reachable copy has (recovery_unfound). */
  unfound: Set<string>;
  /** Primary: peers that answered a pull of the object with a blank push (no source for it). */
  pullFailed: Map<string, Set<number>>;
  /** Replica: RepOps that arrived before their predecessor, by the log head they follow. */
  repBuffer: Map<string, { from: number; msg: PeerRepOp }>;
  /** Replica: acknowledgements owed once `durable` reaches their version, in log order from `acksOwedHead`. */
  acksOwed: { to: number; tid: number; version: EversionT }[];
  /** Replica: the first owed ack not yet sent (those before it are done, kept until compaction). */
  acksOwedHead: number;
  /**
   * Primary: the newest version each replica acknowledged in this interval. A replica applies
   * RepOps in log order and acknowledges a version only once its log is durable up to it, so one
   * acknowledgement answers for every earlier RepOp too (a lost or coalesced one included).
   */
  acked: Map<number, EversionT>;
  /** Primary: replicas that acknowledged something since the last tick (alive and applying: no resend). */
  heard: Set<number>;
  /** Primary: our log does not overlap the authoritative one (we asked for its listing). */
  fullLog: boolean;
  /** Primary: replicas backfilled from `listing` in this interval. */
  backfillTargets: Set<number>;
  listing: Listing;
  /**
   * Primary: recovery ops started (pulls and pushes of one object each) since the driver last
   * took the count for the `recovery_ops` perf counter (l_osd_rop).
   */
  recoveryOpsStarted: number;
  /** Primary: OSDs outside the up and acting sets that hold a copy (stray_set, strays.ts). */
  strays: Set<number>;
  /**
   * Primary: the last pg_info_t share (share_pg_info, after a snap trim moved purged_snaps) and
   * the replicas that have not acknowledged it yet (resent on the tick).
   */
  infoShare: { seq: number; waiting: Set<number> };
}

export function newRepState(): RepState {
  return {
    peeredOnly: false,
    activatingReplica: false,
    durable: { epoch: 0, version: 0n },
    tid: 0,
    inflight: new Map(),
    repopQueue: [],
    writing: new Map(),
    unapplied: new Set(),
    kickAfterTake: new Set(),
    busy: new Set(),
    objWaiting: new Map(),
    recovering: new Map(),
    unfound: new Set(),
    pullFailed: new Map(),
    repBuffer: new Map(),
    acksOwed: [],
    acksOwedHead: 0,
    acked: new Map(),
    heard: new Set(),
    fullLog: false,
    backfillTargets: new Set(),
    listing: [],
    recoveryOpsStarted: 0,
    strays: new Set(),
    infoShare: { seq: 0, waiting: new Set() },
  };
}
