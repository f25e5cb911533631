import type { CephError } from '@ts-ceph/common/core';
import type { EntityAddr, EntityAddrvec, EntityName, UTime } from '@ts-ceph/denc';
import type { GcmBinding } from './gcm';
import type { CephMessage } from './message';
import type { Policy } from './policy';
import type { ProtocolV2 } from './protocol';

/** ProtocolV2's states (src/msg/async/ProtocolV2.h), plus STANDBY for a faulted lossless server session. */
export type ProtoState =
  | 'NONE'
  | 'BANNER_CONNECTING'
  | 'HELLO_CONNECTING'
  | 'AUTH_CONNECTING'
  | 'AUTH_CONNECTING_SIGN'
  | 'SESSION_CONNECTING'
  | 'SESSION_RECONNECTING'
  | 'BANNER_ACCEPTING'
  | 'HELLO_ACCEPTING'
  | 'AUTH_ACCEPTING'
  | 'AUTH_ACCEPTING_MORE'
  | 'AUTH_ACCEPTING_SIGN'
  | 'SESSION_ACCEPTING'
  | 'READY'
  | 'STANDBY'
  | 'CLOSED';

/** What the protocol asks its driver to do, or tells it. */
export type ProtocolOutput =
  /**
   * Bytes for the transport. `release`: the buffers come from the assembler's pool of large frame
   * buffers; the driver passes them back with writeDone() once written (other writes need no
   * completion callback at all).
   */
  | { kind: 'write'; data: Buffer[]; bytes: number; release: boolean }
  /** Handshake complete: messages flow. `reconnected`: an existing lossless session resumed. */
  | { kind: 'ready'; reconnected: boolean }
  | { kind: 'message'; msg: CephMessage }
  | { kind: 'keepalive'; stamp: UTime }
  | { kind: 'keepaliveAck'; stamp: UTime }
  /** The peer reset our session (SESSION_RESET full, or a new client cookie): queued messages were dropped. */
  | { kind: 'remoteReset'; dropped: number }
  /** Accepting side: this connection took over `existing`'s session; the driver moves the old connection's identity here. */
  | { kind: 'takeover'; existing: ProtocolV2 }
  /** Accepting side: `existing` (a lossy connection from the same peer) is obsolete; the driver shuts it down. */
  | { kind: 'evict'; existing: ProtocolV2 }
  /**
   * The connection is over (protocol error, auth failure, peer refused us, transport gone). `wait`: the
   * peer told us to back off (WAIT). The session may live on (lossless): the driver decides.
   */
  | { kind: 'fault'; error: CephError; wait: boolean }
  /**
   * Accepting side: the auth provider refused the peer's credentials (bad key, bad ticket). `entity`
   * is who the peer claimed to be when the provider got that far. The handshake goes on (the peer
   * may retry, authRetriesMax times); the driver counts these for the operator.
   */
  | { kind: 'authFailed'; entity: EntityName | undefined; result: number; reason: string };

/** The messenger-wide facts and services a connection's protocol needs. All synchronous, no I/O. */
export interface ProtocolEnv {
  /** Our entity type (EntityType.CLIENT, MON ...). */
  myType: number;
  /** Our addresses (a client learns its own from the first HELLO). */
  myAddrs(): EntityAddrvec;
  /** Client side: the peer told us how it sees us and we had no address yet. */
  learnedAddr?(peerAddrForMe: EntityAddr): void;
  /** messenger->get_myname().num(): our global id, -1 before we have one. */
  myGid(): bigint;
  /** messenger->get_global_seq(old): a messenger-wide counter, moved past `atLeast`. */
  nextGlobalSeq(atLeast?: number): number;
  /** A random non-zero u64 (session cookies). */
  randomCookie(): bigint;
  /** Accepting side: the policy for a peer of this type. */
  policyFor?(peerType: number): Policy;
  log?(level: number, text: string): void;
  /** The native AES-GCM for secure mode (src/native-gcm.ts); node:crypto when absent. */
  gcm?: GcmBinding;
}
