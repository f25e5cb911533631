import { Reader, Writer, EntityName, EntityType, formatEntityName, DencError } from '@ts-ceph/denc';
import { CephError, Errno } from '@ts-ceph/common/core';
import { CryptoKey, RandomSource, randomU64, u64Equals } from './crypto';
import { AuthCapsInfo, capsText } from './auth-types';
import {
  CEPHX_GET_AUTH_SESSION_KEY,
  CEPHX_GET_PRINCIPAL_SESSION_KEY,
  CEPHX_GET_ROTATING_KEY,
  CephXAuthenticate,
  CephXServiceTicketInfo,
  decodeCephXAuthenticate,
  decodeCephXRequestHeader,
  decodeCephXServiceTicketRequest,
  encodeCephXResponseHeader,
  encodeCephXServerChallenge,
} from './cephx-types';
import { SessionAuthInfo, buildServiceTicketReply, calcClientServerChallenge, decodeTicket, utimeFromSeconds, initTicketTimestamps } from './protocol';
import { verifyAuthorizer } from './authorizer';
import { encodeEncrypt } from './envelope';
import { KeyServer } from './keyserver';

/**
 * The monitor's per-session cephx handler (src/auth/cephx/CephxServiceHandler.cc and
 * AuthServiceHandler.{h,cc}): the server challenge, then GET_AUTH_SESSION_KEY (proof check,
 * global_id reclaim rules, auth ticket + optional service tickets + connection secret), and on an
 * established session GET_PRINCIPAL_SESSION_KEY (service tickets against the auth ticket) and
 * GET_ROTATING_KEY (the rotating secrets of a daemon's own service type).
 */

/** global_id_status_t (AuthServiceHandler.h): how far a session has proven its global_id. */
export const GlobalIdStatus = {
  NONE: 'none',
  /** fresh client (global_id was 0); waiting for CephXAuthenticate */
  NEW_PENDING: 'new_pending',
  /** connected client, new enough to reclaim its global_id correctly */
  NEW_OK: 'new_ok',
  /** connected client that may omit old_ticket on reconnect (CephXAuthenticate v1/v2) */
  NEW_NOT_EXPOSED: 'new_not_exposed',
  /** reconnecting client (global_id != 0); waiting for CephXAuthenticate */
  RECLAIM_PENDING: 'reclaim_pending',
  /** reconnected client that proved its global_id with a valid old ticket */
  RECLAIM_OK: 'reclaim_ok',
  /** reconnected legacy client allowed without proof (auth_allow_insecure_global_id_reclaim) */
  RECLAIM_INSECURE: 'reclaim_insecure',
} as const;
export type GlobalIdStatus = (typeof GlobalIdStatus)[keyof typeof GlobalIdStatus];

export interface ServiceHandlerOptions {
  /**
   * auth_allow_insecure_global_id_reclaim. Ceph 16.2.15's compiled default is true (with a health
   * warning); the CVE-2021-20288 fix is to run with false, which is our default.
   */
  allowInsecureGlobalIdReclaim?: boolean;
  /** The mon's own entity name, for tickets sealed with secret_id -1. */
  selfName?: EntityName;
}

/** Outcome of one request, as Ceph's handle_request return value plus the reply bytes. */
export interface ServiceHandlerResult {
  /** 1: authenticated (GET_AUTH_SESSION_KEY done); 0: handled; negative errno: refused. */
  status: number;
  /** Reply payload (AUTH_REPLY_MORE / AUTH_DONE / MAuthReply result_bl); may be partial on error. */
  reply: Buffer;
  /** Set with status 1: the auth session key, the connection secret, the peer's mon caps. */
  sessionKey?: CryptoKey;
  connectionSecret?: Buffer;
  caps?: AuthCapsInfo;
  reason?: string;
}

class Refusal extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
  }
}

function refuse(errno: number, message: string): never {
  throw new Refusal(errno, message);
}

export class CephxServiceHandler {
  entityName: EntityName = { type: 0, id: '' };
  globalId = 0n;
  globalIdStatus: GlobalIdStatus = GlobalIdStatus.NONE;
  private serverChallenge = 0n;
  /** Set once GET_AUTH_SESSION_KEY succeeded: the peer proved it holds the entity's key. */
  private authenticated = false;
  private readonly allowInsecureReclaim: boolean;
  private readonly selfName: EntityName;

  constructor(
    private readonly keyServer: KeyServer,
    private readonly rng: RandomSource,
    opts: ServiceHandlerOptions = {},
  ) {
    this.allowInsecureReclaim = opts.allowInsecureGlobalIdReclaim ?? false;
    this.selfName = opts.selfName ?? { type: EntityType.MON, id: '' };
  }

  /** AuthServiceHandler::start_session: remember who claims to connect and issue the server challenge. */
  startSession(entityName: EntityName, globalId: bigint, isNewGlobalId: boolean): Buffer {
    this.entityName = { ...entityName };
    this.globalId = globalId;
    this.globalIdStatus = isNewGlobalId ? GlobalIdStatus.NEW_PENDING : GlobalIdStatus.RECLAIM_PENDING;
    this.serverChallenge = randomU64(this.rng, true);
    const w = new Writer();
    encodeCephXServerChallenge(w, { serverChallenge: this.serverChallenge });
    return w.finish();
  }

  /**
   * Handle one cephx request. `connectionSecretBytes` is the secret length the connection needs (64
   * for msgr2 secure mode, 0 for crc) or undefined when the request came in an MAuth message (no
   * connection secret is negotiated then).
   */
  handleRequest(payload: Uint8Array, connectionSecretBytes: number | undefined, nowMs: number): ServiceHandlerResult {
    const r = new Reader(payload);
    let requestType: number;
    try {
      requestType = decodeCephXRequestHeader(r).requestType;
    } catch (e) {
      return { status: -Errno.EPERM, reply: Buffer.alloc(0), reason: `cannot decode CephXRequestHeader: ${(e as Error).message}` };
    }
    const w = new Writer();
    try {
      switch (requestType) {
        case CEPHX_GET_AUTH_SESSION_KEY:
          return this.getAuthSessionKey(r, w, connectionSecretBytes, nowMs);
        case CEPHX_GET_PRINCIPAL_SESSION_KEY:
          this.requireAuthenticated(requestType);
          return this.getPrincipalSessionKey(r, w, nowMs);
        case CEPHX_GET_ROTATING_KEY: {
          this.requireAuthenticated(requestType);
          encodeCephXResponseHeader(w, { requestType, status: 0 });
          const enc = this.keyServer.getRotatingEncrypted(this.entityName);
          if (!enc) refuse(Errno.EACCES, `no rotating secrets for ${formatEntityName(this.entityName)}`);
          w.bytes(enc);
          return { status: 0, reply: w.finish() };
        }
        default:
          return { status: -Errno.EINVAL, reply: Buffer.alloc(0), reason: `unknown cephx request type ${requestType}` };
      }
    } catch (e) {
      if (e instanceof Refusal) return { status: -e.errno, reply: w.finish(), reason: e.message };
      if (e instanceof DencError) return { status: -Errno.EPERM, reply: Buffer.alloc(0), reason: e.message };
      if (e instanceof CephError) return { status: -Errno.EACCES, reply: Buffer.alloc(0), reason: e.message };
      throw e;
    }
  }

  /**
   * Service tickets and rotating secrets only for a session that has authenticated: Ceph answers
   * them whenever they come, so a handshake could skip GET_AUTH_SESSION_KEY and ask for them in its
   * first AUTH_REQUEST_MORE under a name it never proved.
   */
  private requireAuthenticated(requestType: number): void {
    if (!this.authenticated) refuse(Errno.EACCES, `cephx request 0x${requestType.toString(16)} before ${formatEntityName(this.entityName)} authenticated`);
  }

  private getAuthSessionKey(r: Reader, w: Writer, connectionSecretBytes: number | undefined, nowMs: number): ServiceHandlerResult {
    const who = formatEntityName(this.entityName);
    let req: CephXAuthenticate;
    try {
      req = decodeCephXAuthenticate(r);
    } catch (e) {
      refuse(Errno.EPERM, `cannot decode CephXAuthenticate: ${(e as Error).message}`);
    }
    const secret = this.keyServer.getSecret(this.entityName);
    if (!secret) refuse(Errno.EACCES, `couldn't find entity name: ${who}`);
    if (this.serverChallenge === 0n) refuse(Errno.EACCES, 'no server challenge issued');
    const expected = calcClientServerChallenge(secret, this.serverChallenge, req.clientChallenge);
    if (!u64Equals(req.key, expected)) refuse(Errno.EACCES, `${who}: wrong proof of the server challenge (bad key?)`);
    const eauth = this.keyServer.getAuth(this.entityName);
    if (!eauth) refuse(Errno.EACCES, `no auth entry for ${who}`);
    const oldSessionKey = this.verifyOldTicket(req);
    const active = this.keyServer.getActiveServiceSecret(EntityType.AUTH, nowMs);
    if (!active) refuse(Errno.EIO, 'could not get service secret for auth subsystem');
    const ticket = initTicketTimestamps(
      { name: this.entityName, globalId: this.globalId, created: { sec: 0, nsec: 0 }, expires: { sec: 0, nsec: 0 }, caps: { allowAll: false, caps: Buffer.alloc(0) }, flags: 0 },
      nowMs,
      active.ttl,
    );
    const sessionKey = this.keyServer.generateSecret(nowMs);
    const info: SessionAuthInfo = {
      serviceId: EntityType.AUTH,
      secretId: active.secretId,
      ticket,
      sessionKey,
      serviceSecret: active.secret,
      validity: utimeFromSeconds(active.ttl),
    };
    encodeCephXResponseHeader(w, { requestType: CEPHX_GET_AUTH_SESSION_KEY, status: 0 });
    buildServiceTicketReply(w, eauth.key, [info], oldSessionKey);
    const caps = this.keyServer.getServiceCaps(this.entityName, EntityType.MON);
    if (!caps) refuse(Errno.EACCES, `could not get mon caps for ${who}`);
    if (capsText(caps) === '') refuse(Errno.EACCES, `mon caps null for ${who}`);
    let connectionSecret: Buffer | undefined;
    if (req.otherKeys) {
      // nautilus+ client: connection secret and the wanted service tickets in the same reply
      const cbl = new Writer();
      if (connectionSecretBytes !== undefined) {
        connectionSecret = connectionSecretBytes ? this.rng.bytes(connectionSecretBytes) : Buffer.alloc(0);
        encodeEncrypt(cbl, sessionKey, connectionSecret, (w, s) => w.blob(s));
      }
      w.blob(cbl.finish());
      const infos: SessionAuthInfo[] = [];
      for (let svc = 1; svc <= req.otherKeys && svc <= 0x80000000; svc *= 2) {
        if (!(req.otherKeys & svc) || svc === EntityType.AUTH) continue;
        try {
          infos.push(this.keyServer.buildSessionAuthInfo(svc, ticket, nowMs));
        } catch {
          // Ceph hands out what it can; a service without rotating secrets is simply left out.
        }
      }
      const extra = new Writer();
      if (infos.length) buildServiceTicketReply(extra, sessionKey, infos);
      w.blob(extra.finish());
    }
    this.authenticated = true;
    return { status: 1, reply: w.finish(), sessionKey, connectionSecret, caps };
  }

  /**
   * CephxServiceHandler::verify_old_ticket: the global_id reclaim rules (CVE-2021-20288). A new
   * global_id must not come with a ticket; a reclaimed one must come with a valid auth ticket for that
   * same global_id, except for legacy clients when insecure reclaim is allowed. Returns the old
   * session key when the new ticket must be sealed with it.
   */
  private verifyOldTicket(req: CephXAuthenticate): CryptoKey | undefined {
    if (this.globalIdStatus === GlobalIdStatus.NEW_PENDING) {
      if (req.oldTicket.blob.length) refuse(Errno.EINVAL, 'superfluous ticket presented with a new global_id');
      this.globalIdStatus = req.oldTicketMayBeOmitted ? GlobalIdStatus.NEW_NOT_EXPOSED : GlobalIdStatus.NEW_OK;
      return undefined;
    }
    const insecureOk = this.allowInsecureReclaim && req.oldTicketMayBeOmitted;
    if (!req.oldTicket.blob.length) {
      if (insecureOk) return void (this.globalIdStatus = GlobalIdStatus.RECLAIM_INSECURE);
      refuse(Errno.EACCES, `attempt to reclaim global_id ${this.globalId} without presenting ticket`);
    }
    let old: CephXServiceTicketInfo;
    try {
      old = decodeTicket(this.keyServer, EntityType.AUTH, this.selfName, req.oldTicket);
    } catch {
      if (insecureOk) return void (this.globalIdStatus = GlobalIdStatus.RECLAIM_INSECURE);
      refuse(Errno.EACCES, `attempt to reclaim global_id ${this.globalId} using bad ticket`);
    }
    if (old.ticket.globalId !== this.globalId) {
      if (insecureOk) return void (this.globalIdStatus = GlobalIdStatus.RECLAIM_INSECURE);
      refuse(Errno.EACCES, `attempt to reclaim global_id ${this.globalId} using mismatching ticket (for ${old.ticket.globalId})`);
    }
    this.globalIdStatus = GlobalIdStatus.RECLAIM_OK;
    return old.sessionKey;
  }

  private getPrincipalSessionKey(r: Reader, w: Writer, nowMs: number): ServiceHandlerResult {
    // The authorizer is for the AUTH service and needs no challenge: the mon session is established.
    let auth;
    try {
      auth = verifyAuthorizer(this.keyServer, r, 0, undefined, this.rng, nowMs);
    } catch (e) {
      if (e instanceof DencError) throw e;
      refuse(Errno.EACCES, `bad authorizer: ${(e as Error).message}`);
    }
    if (auth.kind !== 'ok') refuse(Errno.EACCES, 'unexpected authorizer challenge');
    // The authorizer must be this session's own auth ticket (CephxClientHandler always builds it from
    // the AUTH ticket): not another service's ticket, not another entity's.
    const t = auth.ticketInfo.ticket;
    if (auth.serviceId !== EntityType.AUTH) refuse(Errno.EACCES, `service tickets requested with a ticket for service ${auth.serviceId}, not auth`);
    if (t.globalId !== this.globalId || t.name.type !== this.entityName.type || t.name.id !== this.entityName.id) {
      refuse(Errno.EACCES, `service tickets requested with the ticket of ${formatEntityName(t.name)} (global_id ${t.globalId}) on the session of ${formatEntityName(this.entityName)} (global_id ${this.globalId})`);
    }
    let keys: number;
    try {
      keys = decodeCephXServiceTicketRequest(r).keys;
    } catch (e) {
      refuse(Errno.EPERM, `cannot decode CephXServiceTicketRequest: ${(e as Error).message}`);
    }
    const infos: SessionAuthInfo[] = [];
    let serviceErr = 0;
    for (let svc = 1; svc <= keys && svc <= 0x80000000; svc *= 2) {
      if (!(keys & svc) || svc === EntityType.AUTH) continue;
      try {
        infos.push(this.keyServer.buildSessionAuthInfo(svc, auth.ticketInfo.ticket, nowMs));
      } catch (e) {
        // tolerate a missing service key (Ceph: for upgrades without MGR rotating keys)
        serviceErr = e instanceof CephError ? -e.errno : -Errno.EACCES;
      }
    }
    const status = infos.length === 0 && serviceErr ? serviceErr : 0;
    encodeCephXResponseHeader(w, { requestType: CEPHX_GET_PRINCIPAL_SESSION_KEY, status });
    buildServiceTicketReply(w, auth.ticketInfo.sessionKey, infos);
    return { status, reply: w.finish() };
  }
}
