import { MOSDOp, MOSDOpReply } from '@ts-ceph/messages';
import { GHObject, Transaction } from '@ts-ceph/objectstore/interface';
import { OpEnv } from '../op-engine';
import { PeerMessage } from './messages';

/** A client op handed to the PG core; `env` is the op engine's environment but for the epoch. */
export interface ClientOp {
  req: MOSDOp;
  env: Omit<OpEnv, 'epoch'>;
}

/**
 * A write the primary makes itself (PrimaryLogPG::simple_opc_create + simple_opc_submit): a snap
 * trim, a watch timeout. It waits behind the ops on its object like a client write, then goes to
 * every replica as a RepOp (rep-ops.ts); no client is answered.
 */
export interface InternalOp {
  oid: GHObject;
  /**
   * Build the write when it runs (the object's earlier writes are in the store): a transaction
   * whose log entries the builder appended to the PG's log at `epoch`, or undefined for nothing.
   */
  build(epoch: number): Promise<Transaction | undefined>;
  /**
   * Run as an `effects` output: `ok` once the write is durable on every copy (or nothing was
   * written); not ok when the interval changed first (the write may or may not survive peering).
   */
  done(ok: boolean): void;
}

/** Either kind of op that waits on an object in the PG's core. */
export type PgOp = ClientOp | InternalOp;
export const isInternal = (op: PgOp): op is InternalOp => 'build' in op;

/** Why the core refused an internal op: not the primary, or not active (peering, recovering, peered only). */
export type InternalRefusal = 'not_primary' | 'not_active';

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
