/**
 * The seam between the messenger and an authentication protocol (cephx, none), after Ceph's
 * src/auth/AuthClient.h and AuthServer.h. The msgr2 handshake state machine calls these synchronously
 * while it processes AUTH_* frames; they do no I/O. packages/cephx implements them; the messenger
 * ships an AUTH_NONE implementation for its own tests.
 *
 * Errors: a provider throws a CephError (from @ts-ceph/common), typically EACCES for a bad key or
 * ticket, EINVAL for a malformed payload; the handshake turns it into AUTH_BAD_METHOD (server) or a
 * failed connection with the error as the reason (client).
 */
import type { EntityName } from '@ts-ceph/denc';

/** CEPH_AUTH_* (src/include/ceph_fs.h). */
export const AuthMethod = { UNKNOWN: 0, NONE: 1, CEPHX: 2, GSS: 4 } as const;

/** CEPH_CON_MODE_* (src/include/msgr.h): what protects the frames after the handshake. */
export const ConMode = { UNKNOWN: 0, CRC: 1, SECURE: 2 } as const;

/**
 * Per-connection authentication state (Ceph's AuthConnectionMeta), owned by the connection and
 * filled in by the provider.
 */
export interface AuthConnectionMeta {
  /** Entity type of the peer (EntityType.MON, OSD, CLIENT ...), as announced in HELLO. */
  peerType: number;
  /** Our own entity type. */
  selfType: number;
  authMethod: number;
  /** The mode the server picked (ConMode). */
  conMode: number;
  /**
   * Session key agreed by the protocol; the messenger uses it to sign the handshake (AUTH_SIGNATURE:
   * HMAC-SHA256 over every byte received so far) before secure mode starts.
   */
  sessionKey?: Buffer;
  /** Secret that keys secure mode (msgr2.1: AES-128-GCM key + rx/tx nonces), from the protocol. */
  connectionSecret?: Buffer;

  /** Server side, set by the provider on success: who the peer is and what it may do. */
  peerName?: EntityName;
  peerGlobalId?: bigint;
  /** The peer's capabilities for this service (e.g. the OSD cap string), and whether it has allow-all. */
  peerCaps?: { allowAll: boolean; text: string };

  /** Scratch space the provider keeps between rounds of one handshake (challenges, nonces). */
  providerState?: unknown;

  /**
   * Wall-clock milliseconds at which the frame being handled arrived, set by the protocol before it
   * calls the provider (the protocol cores read no clock): a provider without a clock of its own
   * checks ticket expiry against it.
   */
  nowMs?: number;
}

export interface AuthRequest {
  method: number;
  /** Connection modes we accept, most preferred first. */
  preferredModes: number[];
  payload: Buffer;
}

/** Client side: builds AUTH_REQUEST / AUTH_REQUEST_MORE and consumes AUTH_REPLY_MORE / AUTH_DONE. */
export interface AuthClientProvider {
  getAuthRequest(meta: AuthConnectionMeta): AuthRequest;
  /** AUTH_REPLY_MORE payload in, AUTH_REQUEST_MORE payload out. */
  handleAuthReplyMore(meta: AuthConnectionMeta, payload: Buffer): Buffer;
  /** AUTH_DONE: the provider must set meta.sessionKey and, for secure mode, meta.connectionSecret. */
  handleAuthDone(meta: AuthConnectionMeta, globalId: bigint, conMode: number, payload: Buffer): void;
  /**
   * AUTH_BAD_METHOD: the server refused `method` with `result` (negative errno). Return true to retry
   * with getAuthRequest (e.g. after switching method), false to give up.
   */
  handleAuthBadMethod(meta: AuthConnectionMeta, method: number, result: number, allowedMethods: number[], allowedModes: number[]): boolean;
}

export type AuthServerResult =
  /** Authenticated: send AUTH_DONE with this payload. meta.sessionKey etc. are set. */
  | { kind: 'done'; globalId: bigint; payload: Buffer }
  /** Another round: send AUTH_REPLY_MORE with this payload. */
  | { kind: 'more'; payload: Buffer }
  /** Refused: send AUTH_BAD_METHOD with this (negative) errno and close if the peer gives up. */
  | { kind: 'error'; result: number; reason: string };

/** Server side: answers AUTH_REQUEST / AUTH_REQUEST_MORE. */
export interface AuthServerProvider {
  /** Methods and connection modes we accept from a peer of this type, most preferred first. */
  supportedMethods(peerType: number): { methods: number[]; modes: number[] };
  /** The mode to use, chosen from the client's preferences (undefined: none acceptable). */
  pickConMode(peerType: number, method: number, preferredModes: number[]): number | undefined;
  handleAuthRequest(meta: AuthConnectionMeta, more: boolean, method: number, payload: Buffer): AuthServerResult;
}
