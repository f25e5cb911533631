import { Reader, Writer, UTime, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { CryptoKey, decodeCryptoKey, encodeCryptoKey } from './crypto';
import { AuthTicket, decodeAuthTicket, encodeAuthTicket } from './auth-types';

/**
 * The cephx protocol structures (src/auth/cephx/CephxProtocol.h). Like the Auth.h types they carry a
 * bare u8 struct_v (no compat, no length); a few have no version at all (the headers and
 * CephXChallengeBlob).
 */

/** Request types (CEPHX_*), carried in CephXRequestHeader / CephXResponseHeader. */
export const CEPHX_GET_AUTH_SESSION_KEY = 0x0100;
export const CEPHX_GET_PRINCIPAL_SESSION_KEY = 0x0200;
export const CEPHX_GET_ROTATING_KEY = 0x0400;

/** AUTH_ENC_MAGIC: the first field of every encrypted cephx blob, proving the right key was used. */
export const AUTH_ENC_MAGIC = 0xff009cad8826aa55n;

/** First round of the mon handshake: the server's random, non-zero u64. */
export interface CephXServerChallenge {
  serverChallenge: bigint;
}

export function decodeCephXServerChallenge(r: Reader, field = 'CephXServerChallenge'): CephXServerChallenge {
  return r.within(field, () => {
    r.u8('struct_v');
    return { serverChallenge: r.u64('server_challenge') };
  });
}

export function encodeCephXServerChallenge(w: Writer, c: CephXServerChallenge): void {
  w.u8(1).u64(c.serverChallenge);
}

export interface CephXRequestHeader {
  requestType: number;
}

export function decodeCephXRequestHeader(r: Reader, field = 'CephXRequestHeader'): CephXRequestHeader {
  return r.within(field, () => ({ requestType: r.u16('request_type') }));
}

export function encodeCephXRequestHeader(w: Writer, h: CephXRequestHeader): void {
  w.u16(h.requestType);
}

/** status is 0 or a negative errno. */
export interface CephXResponseHeader {
  requestType: number;
  status: number;
}

export function decodeCephXResponseHeader(r: Reader, field = 'CephXResponseHeader'): CephXResponseHeader {
  return r.within(field, () => ({ requestType: r.u16('request_type'), status: r.i32('status') }));
}

export function encodeCephXResponseHeader(w: Writer, h: CephXResponseHeader): void {
  w.u16(h.requestType).i32(h.status);
}

/**
 * A ticket as the client holds it: opaque `blob` (a CephXServiceTicketInfo encrypted with the
 * service's rotating secret `secretId`, or with the service's own key when secretId is u64 -1).
 */
export interface CephXTicketBlob {
  secretId: bigint;
  blob: Buffer;
}

export const SECRET_ID_NONE = 0xffff_ffff_ffff_ffffn;

export function decodeCephXTicketBlob(r: Reader, field = 'CephXTicketBlob'): CephXTicketBlob {
  return r.within(field, () => {
    r.u8('struct_v');
    return { secretId: r.u64('secret_id'), blob: Buffer.from(r.blob('blob')) };
  });
}

export function encodeCephXTicketBlob(w: Writer, t: CephXTicketBlob): void {
  w.u8(1).u64(t.secretId).blob(t.blob);
}

export function emptyTicketBlob(): CephXTicketBlob {
  return { secretId: 0n, blob: Buffer.alloc(0) };
}

/**
 * The client's answer to the server challenge. `key` is the proof
 * (cephx_calc_client_server_challenge), `oldTicket` the auth ticket of a previous session (needed to
 * reclaim a global_id), `otherKeys` the service types whose tickets the client also wants. v3 clients
 * promise to always send old_ticket on reconnect; `oldTicketMayBeOmitted` is true for v1/v2 senders.
 */
export interface CephXAuthenticate {
  clientChallenge: bigint;
  key: bigint;
  oldTicket: CephXTicketBlob;
  otherKeys: number;
  oldTicketMayBeOmitted: boolean;
  /** The version it was decoded with (16.2.0 clients sent 2); we send 3. */
  structV?: number;
}

export function decodeCephXAuthenticate(r: Reader, field = 'CephXAuthenticate'): CephXAuthenticate {
  return r.within(field, () => {
    const v = r.u8('struct_v');
    const clientChallenge = r.u64('client_challenge');
    const key = r.u64('key');
    const oldTicket = decodeCephXTicketBlob(r, 'old_ticket');
    const otherKeys = v >= 2 ? r.u32('other_keys') : 0;
    return { clientChallenge, key, oldTicket, otherKeys, oldTicketMayBeOmitted: v < 3, structV: v };
  });
}

export function encodeCephXAuthenticate(w: Writer, a: CephXAuthenticate): void {
  const v = a.structV ?? 3;
  w.u8(v).u64(a.clientChallenge).u64(a.key);
  encodeCephXTicketBlob(w, a.oldTicket);
  if (v >= 2) w.u32(a.otherKeys);
}

/** What the proof encrypts: both challenges, no version byte. */
export interface CephXChallengeBlob {
  serverChallenge: bigint;
  clientChallenge: bigint;
}

export function decodeCephXChallengeBlob(r: Reader, field = 'CephXChallengeBlob'): CephXChallengeBlob {
  return r.within(field, () => ({ serverChallenge: r.u64('server_challenge'), clientChallenge: r.u64('client_challenge') }));
}

export function encodeCephXChallengeBlob(w: Writer, b: CephXChallengeBlob): void {
  w.u64(b.serverChallenge).u64(b.clientChallenge);
}

/** GET_PRINCIPAL_SESSION_KEY body after the authorizer: the wanted service types (bit mask). */
export interface CephXServiceTicketRequest {
  keys: number;
}

export function decodeCephXServiceTicketRequest(r: Reader, field = 'CephXServiceTicketRequest'): CephXServiceTicketRequest {
  return r.within(field, () => {
    r.u8('struct_v');
    return { keys: r.u32('keys') };
  });
}

export function encodeCephXServiceTicketRequest(w: Writer, q: CephXServiceTicketRequest): void {
  w.u8(1).u32(q.keys);
}

/**
 * The service's reply to an authorizer: nonce + 1 proves it could read the authorizer; v2 carries
 * the connection secret (msgr2 secure mode key material), present only when non-empty.
 */
export interface CephXAuthorizeReply {
  noncePlusOne: bigint;
  connectionSecret: Buffer;
}

export function decodeCephXAuthorizeReply(r: Reader, field = 'CephXAuthorizeReply'): CephXAuthorizeReply {
  return r.within(field, () => {
    const v = r.u8('struct_v');
    const noncePlusOne = r.u64('nonce_plus_one');
    const connectionSecret = v >= 2 ? Buffer.from(r.blob('connection_secret')) : Buffer.alloc(0);
    return { noncePlusOne, connectionSecret };
  });
}

export function encodeCephXAuthorizeReply(w: Writer, a: CephXAuthorizeReply): void {
  const v = a.connectionSecret.length ? 2 : 1;
  w.u8(v).u64(a.noncePlusOne);
  if (v >= 2) w.blob(a.connectionSecret);
}

/** The encrypted part of an authorizer: a nonce and, after a challenge round, the answer to it. */
export interface CephXAuthorize {
  nonce: bigint;
  haveChallenge: boolean;
  serverChallengePlusOne: bigint;
}

export function decodeCephXAuthorize(r: Reader, field = 'CephXAuthorize'): CephXAuthorize {
  return r.within(field, () => {
    const v = r.u8('struct_v');
    const nonce = r.u64('nonce');
    if (v < 2) return { nonce, haveChallenge: false, serverChallengePlusOne: 0n };
    return { nonce, haveChallenge: r.bool('have_challenge'), serverChallengePlusOne: r.u64('server_challenge_plus_one') };
  });
}

export function encodeCephXAuthorize(w: Writer, a: CephXAuthorize): void {
  w.u8(2).u64(a.nonce).bool(a.haveChallenge).u64(a.serverChallengePlusOne);
}

/** The service's challenge to an authorizer (replay protection), encrypted with the session key. */
export interface CephXAuthorizeChallenge {
  serverChallenge: bigint;
}

export function decodeCephXAuthorizeChallenge(r: Reader, field = 'CephXAuthorizeChallenge'): CephXAuthorizeChallenge {
  return r.within(field, () => {
    r.u8('struct_v');
    return { serverChallenge: r.u64('server_challenge') };
  });
}

export function encodeCephXAuthorizeChallenge(w: Writer, c: CephXAuthorizeChallenge): void {
  w.u8(1).u64(c.serverChallenge);
}

/** "A": the session key and its validity (seconds as utime_t), encrypted for the principal. */
export interface CephXServiceTicket {
  sessionKey: CryptoKey;
  validity: UTime;
}

export function decodeCephXServiceTicket(r: Reader, field = 'CephXServiceTicket'): CephXServiceTicket {
  return r.within(field, () => {
    r.u8('struct_v');
    return { sessionKey: decodeCryptoKey(r, 'session_key'), validity: decodeUTime(r, 'validity') };
  });
}

export function encodeCephXServiceTicket(w: Writer, t: CephXServiceTicket): void {
  w.u8(1);
  encodeCryptoKey(w, t.sessionKey);
  encodeUTime(w, t.validity);
}

/** "B": the ticket and session key, encrypted for the service (the content of CephXTicketBlob.blob). */
export interface CephXServiceTicketInfo {
  ticket: AuthTicket;
  sessionKey: CryptoKey;
}

export function decodeCephXServiceTicketInfo(r: Reader, field = 'CephXServiceTicketInfo'): CephXServiceTicketInfo {
  return r.within(field, () => {
    r.u8('struct_v');
    return { ticket: decodeAuthTicket(r, 'ticket'), sessionKey: decodeCryptoKey(r, 'session_key') };
  });
}

export function encodeCephXServiceTicketInfo(w: Writer, t: CephXServiceTicketInfo): void {
  w.u8(1);
  encodeAuthTicket(w, t.ticket);
  encodeCryptoKey(w, t.sessionKey);
}
