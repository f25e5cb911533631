import { Reader, Writer, EntityName, UTime, utimeFromMs } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { CryptoKey } from './crypto';
import { AuthTicket } from './auth-types';
import {
  CephXTicketBlob,
  CephXServiceTicket,
  CephXServiceTicketInfo,
  SECRET_ID_NONE,
  encodeCephXChallengeBlob,
  encodeCephXServiceTicket,
  decodeCephXServiceTicket,
  encodeCephXServiceTicketInfo,
  decodeCephXServiceTicketInfo,
  encodeCephXTicketBlob,
  decodeCephXTicketBlob,
} from './cephx-types';
import { encodeEncrypt, encodeEncryptBl, decodeDecrypt, decodeDecryptBl, cephxCryptError } from './envelope';

/**
 * The cephx computations both sides share (src/auth/cephx/CephxProtocol.cc): the challenge proof,
 * service tickets and the ticket replies that carry them.
 */

/** Largest number of tickets one reply may carry (there are five service types). */
export const ticketsPerReplyMax = 32;

/** Where a service finds the secrets that seal tickets (Ceph's KeyStore). */
export interface KeyStore {
  /** An entity's own key (e.g. "mon." for the mon-to-mon tickets sealed with secret_id -1). */
  getSecret(name: EntityName): CryptoKey | undefined;
  /** The rotating secret `secretId` of service type `serviceId`. */
  getServiceSecret(serviceId: number, secretId: bigint): CryptoKey | undefined;
}

/**
 * cephx_calc_client_server_challenge: encrypt {server_challenge, client_challenge} with the
 * principal's key in the length-prefixed envelope, then XOR the result's le64 words. The words start
 * at the le32 length prefix, so the last 4 ciphertext bytes are not part of the proof.
 */
export function calcClientServerChallenge(secret: CryptoKey, serverChallenge: bigint, clientChallenge: bigint): bigint {
  const w = new Writer();
  encodeEncrypt(w, secret, { serverChallenge, clientChallenge }, encodeCephXChallengeBlob);
  const enc = w.finish();
  let k = 0n;
  for (let pos = 0; pos + 8 <= enc.length; pos += 8) k ^= enc.readBigUInt64LE(pos);
  return k;
}

/** CephXSessionAuthInfo: what the server needs to issue one service ticket. */
export interface SessionAuthInfo {
  serviceId: number;
  secretId: bigint;
  ticket: AuthTicket;
  sessionKey: CryptoKey;
  serviceSecret: CryptoKey;
  validity: UTime;
}

/** utime_t::set_from_double: whole seconds, then the fraction in nanoseconds. */
export function utimeFromSeconds(seconds: number): UTime {
  const sec = Math.trunc(seconds);
  return { sec, nsec: Math.trunc((seconds - sec) * 1e9) };
}

/** AuthTicket::init_timestamps: created = now, expires = now + ttl (renew_after is not encoded). */
export function initTicketTimestamps(t: AuthTicket, nowMs: number, ttlSeconds: number): AuthTicket {
  return { ...t, created: utimeFromMs(nowMs), expires: utimeFromMs(nowMs + ttlSeconds * 1000) };
}

/** cephx_build_service_ticket_blob: seal {ticket, session key} with the service secret. */
export function buildServiceTicketBlob(info: SessionAuthInfo): CephXTicketBlob {
  if (info.serviceSecret.isEmpty()) throw cephError('EINVAL', 'cannot build a service ticket: invalid (empty) service key');
  const ticketInfo: CephXServiceTicketInfo = { ticket: info.ticket, sessionKey: info.sessionKey };
  return { secretId: info.secretId, blob: encodeEncryptBl(info.serviceSecret, ticketInfo, encodeCephXServiceTicketInfo) };
}

/**
 * cephx_build_service_ticket_reply: u8 v=1, le32 count, then per ticket: le32 service_id, u8 v=1,
 * {session key, validity}^principal_secret, u8 ticket_enc, and the encoded CephXTicketBlob as a
 * bufferlist, itself encrypted with `ticketEncKey` when ticket_enc (a reclaiming client gets its new
 * auth ticket sealed with the old session key).
 */
export function buildServiceTicketReply(
  w: Writer,
  principalSecret: CryptoKey,
  infos: readonly SessionAuthInfo[],
  ticketEncKey?: CryptoKey,
): void {
  w.u8(1).u32(infos.length);
  for (const info of infos) {
    w.u32(info.serviceId).u8(1);
    const a: CephXServiceTicket = { sessionKey: info.sessionKey, validity: info.validity };
    encodeEncrypt(w, principalSecret, a, encodeCephXServiceTicket);
    const ticketBl = new Writer();
    encodeCephXTicketBlob(ticketBl, buildServiceTicketBlob(info));
    w.bool(ticketEncKey !== undefined);
    if (ticketEncKey) encodeEncrypt(w, ticketEncKey, ticketBl.finish(), (w, b) => w.blob(b));
    else w.blob(ticketBl.finish());
  }
}

/** One ticket as the principal learns it from a reply. */
export interface ReceivedTicket {
  serviceId: number;
  sessionKey: CryptoKey;
  /** Seconds the ticket is valid for (zero: no expiry known). */
  validity: UTime;
  ticket: CephXTicketBlob;
}

/**
 * CephXTicketManager::verify_service_ticket_reply: decrypt every "A" with `secret`. An encrypted
 * ticket is opened with `oldSessionKey(serviceId)` (the session key of the ticket being renewed).
 * Throws CEPHX_CRYPT_ERR (EACCES) if a part does not decrypt, DencError if the reply is malformed.
 */
export function verifyServiceTicketReply(
  r: Reader,
  secret: CryptoKey,
  oldSessionKey: (serviceId: number) => CryptoKey | undefined,
): ReceivedTicket[] {
  return r.within('service_ticket_reply', () => {
    r.u8('service_ticket_reply_v');
    const n = r.u32('num');
    if (n > ticketsPerReplyMax) r.fail('DENC_LIMIT', `${n} tickets exceed ticketsPerReplyMax ${ticketsPerReplyMax}`, 'num');
    const out: ReceivedTicket[] = [];
    for (let i = 0; i < n; i++) {
      const serviceId = r.u32('service_id');
      r.u8('service_ticket_v');
      const a = decodeDecrypt(r, secret, (r) => decodeCephXServiceTicket(r), 'CephXServiceTicket');
      const enc = r.u8('ticket_enc') !== 0;
      let ticketBl: Buffer;
      if (enc) {
        const key = oldSessionKey(serviceId);
        if (!key || key.isEmpty()) throw cephxCryptError(`encrypted ticket for service ${serviceId} but no previous session key`);
        ticketBl = decodeDecrypt(r, key, (r) => Buffer.from(r.blob('service_ticket_bl')), 'service ticket');
      } else {
        ticketBl = Buffer.from(r.blob('service_ticket_bl'));
      }
      const ticket = decodeCephXTicketBlob(new Reader(ticketBl), 'ticket');
      out.push({ serviceId, sessionKey: a.sessionKey, validity: a.validity, ticket });
    }
    return out;
  });
}

/**
 * cephx_decode_ticket: open a ticket blob with the service's secret (its rotating secret, or for
 * secret_id -1 the key of `selfName`). Returns undefined when the secret is unknown.
 */
export function decodeTicket(keys: KeyStore, serviceId: number, selfName: EntityName, blob: CephXTicketBlob): CephXServiceTicketInfo {
  if (blob.blob.length === 0) throw cephxCryptError('empty ticket');
  const secret = blob.secretId === SECRET_ID_NONE ? keys.getSecret(selfName) : keys.getServiceSecret(serviceId, blob.secretId);
  if (!secret) throw cephxCryptError(`no secret for service ${serviceId} secret_id ${blob.secretId}`);
  return decodeDecryptBl(secret, blob.blob, (r) => decodeCephXServiceTicketInfo(r), 'CephXServiceTicketInfo');
}
