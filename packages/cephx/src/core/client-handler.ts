import { Reader, Writer, EntityName, EntityType, entityTypeName, utimeToMs } from '@ts-ceph/denc';
import { CephError, Errno, cephError } from '@ts-ceph/common/core';
import { CryptoKey, RandomSource, randomU64 } from './crypto';
import { RotatingSecrets, decodeRotatingSecrets } from './auth-types';
import {
  CEPHX_GET_AUTH_SESSION_KEY,
  CEPHX_GET_PRINCIPAL_SESSION_KEY,
  CEPHX_GET_ROTATING_KEY,
  CephXTicketBlob,
  decodeCephXResponseHeader,
  decodeCephXServerChallenge,
  emptyTicketBlob,
  encodeCephXAuthenticate,
  encodeCephXRequestHeader,
  encodeCephXServiceTicketRequest,
} from './cephx-types';
import { ReceivedTicket, calcClientServerChallenge, verifyServiceTicketReply } from './protocol';
import { Authorizer, buildAuthorizer } from './authorizer';
import { decodeDecrypt } from './envelope';

/**
 * The principal's side of cephx (src/auth/cephx/CephxClientHandler.cc and the CephXTicketManager of
 * CephxProtocol.cc): the tickets we hold per service, the requests to the mon
 * (GET_AUTH_SESSION_KEY, GET_PRINCIPAL_SESSION_KEY, GET_ROTATING_KEY) and the handling of their
 * replies. Time is passed in (`nowMs`, wall clock), never read.
 */

/** CephXTicketHandler: one service's ticket, session key and validity window. */
export interface TicketHandler {
  serviceId: number;
  sessionKey: CryptoKey;
  ticket: CephXTicketBlob;
  /** 0 when the ticket has no known expiry. */
  renewAfterMs: number;
  expiresMs: number;
  haveKeyFlag: boolean;
}

export type ClientResponse =
  /** The server challenge arrived, or tickets are still missing: build another request. */
  | { kind: 'again' }
  | { kind: 'done' };

export interface ClientHandlerOptions {
  name: EntityName;
  /** The principal's own key (from its keyring). */
  secret: CryptoKey;
  /** Services we want tickets for (bit mask of entity types; AUTH is always added). */
  want: number;
  rng: RandomSource;
}

export class CephxClientHandler {
  readonly name: EntityName;
  readonly secret: CryptoKey;
  readonly rng: RandomSource;
  want: number;
  have = 0;
  need = 0;
  globalId = 0n;
  tickets = new Map<number, TicketHandler>();
  /** Set by a GET_ROTATING_KEY reply (daemons: the rotating secrets of their own service type). */
  rotatingSecrets?: RotatingSecrets;
  private starting = true;
  private serverChallenge = 0n;

  constructor(opts: ClientHandlerOptions) {
    if (opts.secret.isEmpty()) throw cephError('EINVAL', 'cephx client needs a non-empty secret');
    this.name = { ...opts.name };
    this.secret = opts.secret;
    this.rng = opts.rng;
    this.want = opts.want | EntityType.AUTH;
  }

  /** A copy with the same tickets (MonClient hands each hunting connection a clone). */
  clone(): CephxClientHandler {
    const c = new CephxClientHandler({ name: this.name, secret: this.secret, want: this.want, rng: this.rng });
    c.have = this.have;
    c.need = this.need;
    c.globalId = this.globalId;
    for (const [k, t] of this.tickets) c.tickets.set(k, { ...t });
    c.rotatingSecrets = this.rotatingSecrets;
    return c;
  }

  /** CephxClientHandler::reset: start over with a server challenge; tickets are kept for reclaim. */
  reset(): void {
    this.starting = true;
    this.serverChallenge = 0n;
  }

  private handler(serviceId: number): TicketHandler {
    let t = this.tickets.get(serviceId);
    if (!t) {
      t = { serviceId, sessionKey: CryptoKey.empty(), ticket: emptyTicketBlob(), renewAfterMs: 0, expiresMs: 0, haveKeyFlag: false };
      this.tickets.set(serviceId, t);
    }
    return t;
  }

  haveKey(serviceId: number, nowMs: number): boolean {
    const t = this.tickets.get(serviceId);
    if (!t) return false;
    if (t.haveKeyFlag) t.haveKeyFlag = nowMs < t.expiresMs;
    return t.haveKeyFlag;
  }

  needKey(serviceId: number, nowMs: number): boolean {
    const t = this.tickets.get(serviceId);
    if (!t || !t.haveKeyFlag) return true;
    return t.expiresMs !== 0 && nowMs >= t.renewAfterMs;
  }

  /** CephXTicketManager::validate_tickets over `want`: recompute have and need. */
  validateTickets(nowMs: number): void {
    this.need = 0;
    for (let i = 1; i <= this.want; i *= 2) {
      if (!(this.want & i)) continue;
      if (this.needKey(i, nowMs)) this.need |= i;
      if (this.haveKey(i, nowMs)) this.have |= i;
      else this.have &= ~i;
    }
  }

  /** Tickets to fetch, except that MGR alone is not worth a round trip (CephxClientHandler::_need_tickets). */
  needTickets(nowMs: number): boolean {
    this.validateTickets(nowMs);
    return this.need !== 0 && this.need !== EntityType.MGR;
  }

  /** The session key and ticket of `serviceId`, if we hold a valid one. */
  ticketFor(serviceId: number): TicketHandler | undefined {
    const t = this.tickets.get(serviceId);
    return t && t.haveKeyFlag ? t : undefined;
  }

  /** CephxClientHandler::build_request (after prepare_build_request). */
  buildRequest(nowMs: number): Buffer {
    this.validateTickets(nowMs);
    const auth = this.handler(EntityType.AUTH);
    const w = new Writer();
    if (this.need & EntityType.AUTH) {
      encodeCephXRequestHeader(w, { requestType: CEPHX_GET_AUTH_SESSION_KEY });
      const clientChallenge = randomU64(this.rng);
      const key = calcClientServerChallenge(this.secret, this.serverChallenge, clientChallenge);
      // The previous auth ticket proves our global_id on reconnect; other_keys asks for the rest.
      encodeCephXAuthenticate(w, { clientChallenge, key, oldTicket: auth.ticket, otherKeys: this.need, oldTicketMayBeOmitted: false });
      return w.finish();
    }
    if (this.need && this.need !== EntityType.MGR) {
      encodeCephXRequestHeader(w, { requestType: CEPHX_GET_PRINCIPAL_SESSION_KEY });
      const a = this.buildAuthorizer(EntityType.AUTH);
      if (!a) throw cephError('EINVAL', 'no auth ticket to request service tickets with');
      w.bytes(a.bl);
      encodeCephXServiceTicketRequest(w, { keys: this.need });
    }
    return w.finish();
  }

  /** CephxClientHandler::build_rotating_request. */
  buildRotatingRequest(): Buffer {
    const w = new Writer();
    encodeCephXRequestHeader(w, { requestType: CEPHX_GET_ROTATING_KEY });
    return w.finish();
  }

  /** An authorizer for `serviceId` from the ticket we hold (undefined if we have none). */
  buildAuthorizer(serviceId: number): Authorizer | undefined {
    const t = this.tickets.get(serviceId);
    if (!t || t.sessionKey.isEmpty()) return undefined;
    return buildAuthorizer(this.globalId, serviceId, t.ticket, t.sessionKey, this.rng);
  }

  private storeTickets(received: ReceivedTicket[], nowMs: number): void {
    for (const rt of received) {
      const t = this.handler(rt.serviceId);
      t.sessionKey = rt.sessionKey;
      t.ticket = rt.ticket;
      const validityMs = utimeToMs(rt.validity);
      if (validityMs !== 0) {
        t.expiresMs = nowMs + validityMs;
        t.renewAfterMs = t.expiresMs - (rt.validity.sec / 4) * 1000;
      }
      t.haveKeyFlag = true;
    }
  }

  private verifyReply(r: Reader, secret: CryptoKey, nowMs: number): void {
    const oldKey = (svc: number) => this.tickets.get(svc)?.sessionKey;
    this.storeTickets(verifyServiceTicketReply(r, secret, oldKey), nowMs);
  }

  /**
   * CephxClientHandler::handle_response. `result` is the server's status (MAuthReply.result; 0 in
   * msgr2). With `wantConnectionSecret` (msgr2 AUTH_DONE) the connection secret is decrypted and
   * returned. Throws CephError: EACCES when a reply does not verify, EPERM when it is malformed.
   */
  handleResponse(result: number, payload: Uint8Array, nowMs: number): ClientResponse & { sessionKey?: CryptoKey; connectionSecret?: Buffer } {
    if (result < 0) throw new CephError('CEPHX_REFUSED', -result, `the monitor refused cephx: error ${result}`);
    const r = new Reader(payload);
    try {
      if (this.starting) {
        this.serverChallenge = decodeCephXServerChallenge(r).serverChallenge;
        this.starting = false;
        const auth = this.tickets.get(EntityType.AUTH);
        if (auth) auth.haveKeyFlag = false;
        return { kind: 'again' };
      }
      const header = decodeCephXResponseHeader(r);
      switch (header.requestType) {
        case CEPHX_GET_AUTH_SESSION_KEY:
          return this.handleAuthSessionKey(r, nowMs);
        case CEPHX_GET_PRINCIPAL_SESSION_KEY: {
          const auth = this.tickets.get(EntityType.AUTH);
          if (!auth || auth.sessionKey.isEmpty()) throw cephError('EACCES', 'service tickets arrived without an auth session');
          this.verifyReply(r, auth.sessionKey, nowMs);
          return this.needTickets(nowMs) ? { kind: 'again' } : { kind: 'done' };
        }
        case CEPHX_GET_ROTATING_KEY:
          this.rotatingSecrets = decodeDecrypt(r, this.secret, (r) => decodeRotatingSecrets(r), 'RotatingSecrets');
          return { kind: 'done' };
        default:
          throw cephError('EINVAL', `unknown cephx response type ${header.requestType}`);
      }
    } catch (e) {
      if (e instanceof CephError && e.code !== 'DENC_SHORT' && e.code !== 'DENC_MALFORMED' && e.code !== 'DENC_LIMIT') throw e;
      throw new CephError('EPERM', Errno.EPERM, `malformed cephx reply: ${(e as Error).message}`, { cause: e });
    }
  }

  private handleAuthSessionKey(r: Reader, nowMs: number): ClientResponse & { sessionKey?: CryptoKey; connectionSecret?: Buffer } {
    this.verifyReply(r, this.secret, nowMs);
    const auth = this.handler(EntityType.AUTH);
    let connectionSecret: Buffer | undefined;
    if (r.remaining() > 0) {
      const cbl = r.blob('connection_bl');
      const extra = r.blob('extra_tickets');
      if (cbl.length) {
        connectionSecret = decodeDecrypt(new Reader(cbl), auth.sessionKey, (r) => Buffer.from(r.blob('connection_secret')), 'connection secret');
      }
      // Like Ceph, extra tickets that fail to verify are dropped, not fatal: we can ask again later.
      if (extra.length) {
        try {
          this.verifyReply(new Reader(extra), auth.sessionKey, nowMs);
        } catch {
          /* see above */
        }
      }
    }
    const again = this.needTickets(nowMs);
    return { kind: again ? 'again' : 'done', sessionKey: auth.sessionKey, connectionSecret };
  }
}

/** Service type bit masks as names, for messages ("mon, osd, mgr"). */
export function serviceMaskNames(mask: number): string {
  const out: string[] = [];
  for (let i = 1; i <= mask; i *= 2) if (mask & i) out.push(entityTypeName(i));
  return out.join(', ');
}
