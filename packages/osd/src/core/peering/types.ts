import { MOSDOp, MOSDOpReply } from '@ts-ceph/messages';
import { Transaction } from '@ts-ceph/objectstore/interface';
import { OpEnv } from '../op-engine';
import { PeerMessage } from './messages';

/** A client op handed to the PG core; `env` is the op engine's environment but for the epoch. */
export interface ClientOp {
  req: MOSDOp;
  env: Omit<OpEnv, 'epoch'>;
}

/** What the core asks its driver to do, in order. */
export type PeeringOutput =
  | { kind: 'send'; to: number; msg: PeerMessage }
  /** Queue `t`; call `committed(token)` once it is durable. */
  | { kind: 'txn'; t: Transaction; token: number }
  | { kind: 'reply'; op: ClientOp; reply: MOSDOpReply }
  /** do_osd_op_effects once the op is done (watch connects, notifies): the driver runs them in order. */
  | { kind: 'effects'; run: (() => void)[] }
  /** MOSDAlive: ask the monitor to record our up_thru at `epoch` or later. */
  | { kind: 'up_thru'; epoch: number }
  /** The primary told this stray to delete its copy (strays.ts): remove the PG's collection. */
  | { kind: 'remove_pg' }
  /** MOSDPGTemp: ask the monitor for this acting set as the PG's pg_temp ([] removes it; pg-temp.ts). */
  | { kind: 'pg_temp'; want: number[] }
  /**
   * Ops wait only for this call's transactions to reach the store (an object written earlier in
   * the same call): once the outputs before this one are carried out, call `kickWaiting()`.
   */
  | { kind: 'kick' };

/** The named config inputs of peering and recovery (Ceph's option names). */
export interface PeeringConf {
  /** osd_recovery_max_active: objects a primary recovers at once per PG. */
  osdRecoveryMaxActive: number;
  /** osd_max_backfills: backfill targets a PG pushes to at once (recovery.ts). */
  osdMaxBackfills: number;
  /** osd_scrub_chunk_max: objects one scrub chunk compares (writes to them wait meanwhile). */
  osdScrubChunkMax: number;
  /** osd_scrub_min_interval, seconds: a PG is scrubbed once its last scrub is this old. */
  osdScrubMinInterval: number;
  /** osd_deep_scrub_interval, seconds: a scheduled scrub is deep once the last deep one is this old. */
  osdDeepScrubInterval: number;
  /** osd_scrub_sleep, seconds between a scrub's chunks (Ceph's default 0: none). */
  osdScrubSleep?: number;
  /**
   * Planted bugs for the simulation's mutation test only (test/sim): `ackBeforeReplica` answers a
   * write once the primary's own copy is durable; `skipPastIntervals` leaves the newest N
   * intervals out of the prior set; `scrubSkipDataDigest` compares no data digests in deep scrub.
   * Each breaks a guarantee the simulation checks.
   */
  bug?: { ackBeforeReplica?: boolean; skipPastIntervals?: number; scrubSkipDataDigest?: boolean };
  /**
   * The driver's monitor takes no MOSDPGTemp (the simulation's): the up primary is backfilled
   * itself instead of asking for a pg_temp (pg-temp.ts).
   */
  noPgTemp?: boolean;
}

export const defaultPeeringConf: PeeringConf = {
  osdRecoveryMaxActive: 3,
  osdMaxBackfills: 1,
  osdScrubChunkMax: 25,
  osdScrubMinInterval: 86400,
  osdDeepScrubInterval: 604800,
};

/** Named limits of peering (docs/LIMITS.md). */
export const peeringLimits = {
  /** Peer messages held while an earlier interval's transactions are flushed; more are dropped (resent). */
  deferredMax: 1024,
  /**
   * Longest wait, in ticks, between resends of an activating primary's log to the replicas that
   * have not answered: the waits double from one tick up to this (a replica busy merging a long
   * log under load would otherwise get the whole log again every tick).
   */
  activateResendTicksMax: 8,
};
