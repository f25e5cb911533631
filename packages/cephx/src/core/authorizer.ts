import { Reader, Writer, EntityName, utimeToMs } from '@ts-ceph/denc';
import { CryptoKey, RandomSource, randomU64, u64Equals } from './crypto';
import {
  CephXAuthorize,
  CephXAuthorizeReply,
  CephXServiceTicketInfo,
  CephXTicketBlob,
  SECRET_ID_NONE,
  decodeCephXAuthorize,
  decodeCephXAuthorizeChallenge,
  decodeCephXAuthorizeReply,
  decodeCephXServiceTicketInfo,
  decodeCephXTicketBlob,
  encodeCephXAuthorize,
  encodeCephXAuthorizeChallenge,
  encodeCephXAuthorizeReply,
  encodeCephXTicketBlob,
} from './cephx-types';
import { decodeDecrypt, decodeDecryptBl, encodeEncrypt, encodeEncryptBl, cephxCryptError } from './envelope';
import { KeyStore } from './protocol';

/**
 * Authorizers (CephXTicketHandler::build_authorizer, cephx_verify_authorizer,
 * CephXAuthorizer::{add_challenge,verify_reply} in CephxProtocol.cc): how a principal that holds a
 * service ticket proves itself to that service.
 *
 * Wire form: u8 authorizer_v (1 = AUTH_MODE_AUTHORIZER), le64 global_id, le32 service_id,
 * CephXTicketBlob, then {CephXAuthorize}^session_key as a length-prefixed envelope. Replay protection
 * is the challenge round: the service answers a fresh authorizer with {CephXAuthorizeChallenge}^
 * session_key (bare ciphertext) and accepts only an authorizer whose CephXAuthorize carries that
 * challenge + 1, which only the holder of the session key can produce.
 */

/** AUTH_MODE_* (src/auth/Auth.h): the first payload byte says which kind of auth request it is. */
export const AUTH_MODE_NONE = 0;
export const AUTH_MODE_AUTHORIZER = 1;
export const AUTH_MODE_AUTHORIZER_MAX = 9;
export const AUTH_MODE_MON = 10;
export const AUTH_MODE_MON_MAX = 19;

/** The client half of an authorizer exchange. Keep it until the reply is verified. */
export interface Authorizer {
  serviceId: number;
  sessionKey: CryptoKey;
  nonce: bigint;
  /** The bytes to send now (AUTH_REQUEST payload, or the answer to a challenge). */
  bl: Buffer;
  /** Everything before the encrypted CephXAuthorize, reused when answering a challenge. */
  baseBl: Buffer;
}

export function buildAuthorizer(globalId: bigint, serviceId: number, ticket: CephXTicketBlob, sessionKey: CryptoKey, rng: RandomSource): Authorizer {
  const base = new Writer();
  base.u8(AUTH_MODE_AUTHORIZER).u64(globalId).u32(serviceId);
  encodeCephXTicketBlob(base, ticket);
  const baseBl = base.finish();
  const nonce = randomU64(rng);
  const w = new Writer();
  w.bytes(baseBl);
  encodeEncrypt(w, sessionKey, { nonce, haveChallenge: false, serverChallengePlusOne: 0n }, encodeCephXAuthorize);
  return { serviceId, sessionKey, nonce, bl: w.finish(), baseBl };
}

/**
 * CephXAuthorizer::add_challenge: rebuild the authorizer answering the service's challenge (an empty
 * challenge rebuilds it without one). Throws CEPHX_CRYPT_ERR if the challenge does not decrypt.
 */
export function answerChallenge(a: Authorizer, challenge: Uint8Array): Authorizer {
  const msg: CephXAuthorize = { nonce: a.nonce, haveChallenge: false, serverChallengePlusOne: 0n };
  if (challenge.length) {
    const ch = decodeDecryptBl(a.sessionKey, challenge, (r) => decodeCephXAuthorizeChallenge(r), 'CephXAuthorizeChallenge');
    msg.haveChallenge = true;
    msg.serverChallengePlusOne = BigInt.asUintN(64, ch.serverChallenge + 1n);
  }
  const w = new Writer();
  w.bytes(a.baseBl);
  encodeEncrypt(w, a.sessionKey, msg, encodeCephXAuthorize);
  return { ...a, bl: w.finish() };
}

/** CephXAuthorizer::verify_reply: check nonce + 1 and return the connection secret (maybe empty). */
export function verifyAuthorizerReply(a: Authorizer, reply: Uint8Array): Buffer {
  const r = new Reader(reply);
  const rep = decodeDecrypt(r, a.sessionKey, (r) => decodeCephXAuthorizeReply(r), 'CephXAuthorizeReply');
  if (!u64Equals(rep.noncePlusOne, BigInt.asUintN(64, a.nonce + 1n))) throw cephxCryptError('authorizer reply has a bad nonce');
  return rep.connectionSecret;
}

/** The plaintext head of an authorizer (what anyone can read without keys). */
export interface AuthorizerHead {
  authorizerV: number;
  globalId: bigint;
  serviceId: number;
  ticket: CephXTicketBlob;
}

export function decodeAuthorizerHead(r: Reader): AuthorizerHead {
  return r.within('authorizer', () => ({
    authorizerV: r.u8('authorizer_v'),
    globalId: r.u64('global_id'),
    serviceId: r.u32('service_id'),
    ticket: decodeCephXTicketBlob(r, 'ticket'),
  }));
}

/**
 * How long after its `expires` a ticket is still accepted, for clock skew between the mon that issued
 * it and the service checking it (mons warn at mon_clock_drift_allowed = 0.05 s already).
 */
export const ticketExpiryGraceMs = 60_000;

/**
 * Refuse a ticket past its expiry (plus ticketExpiryGraceMs). Ceph 16 does not look at `expires` on
 * the service side and relies on the sealing secret rotating out, which can take up to two more
 * ttls; a ticket that leaked with its session key stays usable that long. A zero `expires` (never
 * set) is not checked.
 */
export function checkTicketNotExpired(ticket: { expires: { sec: number; nsec: number }; name: EntityName }, nowMs: number | undefined, what: string): void {
  if (nowMs === undefined) return;
  const expiresMs = utimeToMs(ticket.expires);
  if (expiresMs === 0 || nowMs <= expiresMs + ticketExpiryGraceMs) return;
  throw cephxCryptError(`${what} expired ${Math.round((nowMs - expiresMs) / 1000)} s ago`);
}

/** Per-connection challenge state a service keeps between the two authorizer rounds. */
export interface AuthorizerChallengeState {
  serverChallenge?: bigint;
}

export type VerifyAuthorizerResult =
  | { kind: 'ok'; ticketInfo: CephXServiceTicketInfo; reply: Buffer; connectionSecret: Buffer; globalId: bigint; serviceId: number }
  | { kind: 'challenge'; reply: Buffer };

/**
 * cephx_verify_authorizer: open the ticket with the service's secret, check the declared global_id,
 * decrypt CephXAuthorize with the ticket's session key, run the challenge round when `challenge` is
 * given, and build {nonce + 1, connection secret}^session_key. With `nowMs` (wall clock) an expired
 * ticket is refused too. Every refusal throws a CephError with EACCES (DencError for a malformed
 * authorizer).
 */
export function verifyAuthorizer(
  keys: KeyStore,
  r: Reader,
  connectionSecretBytes: number,
  challenge: AuthorizerChallengeState | undefined,
  rng: RandomSource,
  nowMs?: number,
): VerifyAuthorizerResult {
  const head = decodeAuthorizerHead(r);
  const secretName: EntityName = { type: head.serviceId, id: '' };
  const secret = head.ticket.secretId === SECRET_ID_NONE ? keys.getSecret(secretName) : keys.getServiceSecret(head.serviceId, head.ticket.secretId);
  if (!secret || secret.isEmpty()) {
    throw cephxCryptError(`no secret for service ${head.serviceId} secret_id ${head.ticket.secretId}`);
  }
  const ticketInfo = decodeDecryptBl(secret, head.ticket.blob, (r) => decodeCephXServiceTicketInfo(r), 'CephXServiceTicketInfo');
  if (ticketInfo.ticket.globalId !== head.globalId) {
    throw cephxCryptError(`authorizer declares global_id ${head.globalId} but its ticket is for ${ticketInfo.ticket.globalId}`);
  }
  checkTicketNotExpired(ticketInfo.ticket, nowMs, `ticket for service ${head.serviceId}`);
  const msg = decodeDecrypt(r, ticketInfo.sessionKey, (r) => decodeCephXAuthorize(r), 'CephXAuthorize');
  if (challenge) {
    if (!msg.haveChallenge || challenge.serverChallenge === undefined) {
      const serverChallenge = randomU64(rng);
      challenge.serverChallenge = serverChallenge;
      return { kind: 'challenge', reply: encodeEncryptBl(ticketInfo.sessionKey, { serverChallenge }, encodeCephXAuthorizeChallenge) };
    }
    if (!u64Equals(BigInt.asUintN(64, challenge.serverChallenge + 1n), msg.serverChallengePlusOne)) {
      throw cephxCryptError('authorizer answered the wrong challenge (replay?)');
    }
  }
  const connectionSecret = connectionSecretBytes ? rng.bytes(connectionSecretBytes) : Buffer.alloc(0);
  const reply: CephXAuthorizeReply = { noncePlusOne: BigInt.asUintN(64, msg.nonce + 1n), connectionSecret };
  const w = new Writer();
  encodeEncrypt(w, ticketInfo.sessionKey, reply, encodeCephXAuthorizeReply);
  return { kind: 'ok', ticketInfo, reply: w.finish(), connectionSecret, globalId: head.globalId, serviceId: head.serviceId };
}
