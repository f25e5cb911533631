import { Writer, EntityName, EntityType, entityTypeName, formatEntityName, utimeFromMs, utimeToMs } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { CryptoKey, RandomSource } from './crypto';
import { AuthCapsInfo, AuthTicket, EntityAuth, ExpiringCryptoKey, RotatingSecrets, encodeRotatingSecrets } from './auth-types';
import { KeyStore, SessionAuthInfo, initTicketTimestamps, utimeFromSeconds } from './protocol';
import { KeyRing } from './keyring';
import { encodeEncrypt } from './envelope';
import {
  KeyServerData,
  KeyServerIncremental,
  applyKeyServerIncremental,
  decodeRotating,
  emptyKeyServerData,
  encodeRotating,
} from './keyserver-data';

/**
 * KeyServer (src/auth/cephx/CephxKeyServer.cc): the mon's view of who exists (KeyServerData.secrets
 * plus the mon's own keyring as "extra secrets") and of the rotating service secrets that seal
 * tickets. Pure state: time comes in as `nowMs`, randomness from the RandomSource; the monitor
 * persists KeyServerData (and the incrementals) through its own store.
 */

/** KEY_ROTATE_NUM (src/auth/Auth.h): previous, current and next secret of each service. */
export const KEY_ROTATE_NUM = 3;

/** The services that get rotating secrets, in the order Ceph rotates them. */
export const ROTATING_SERVICES = [EntityType.AUTH, EntityType.MON, EntityType.OSD, EntityType.MDS, EntityType.MGR] as const;

export interface KeyServerConfig {
  /** auth_mon_ticket_ttl: lifetime of auth (mon session) tickets and of the AUTH rotating secrets, seconds. */
  authMonTicketTtl: number;
  /** auth_service_ticket_ttl: lifetime of service tickets and service rotating secrets, seconds. */
  authServiceTicketTtl: number;
}

/** Ceph 16.2.15's defaults (ceph-conf -D). */
export const DEFAULT_KEYSERVER_CONFIG: KeyServerConfig = { authMonTicketTtl: 259200, authServiceTicketTtl: 3600 };

function newestId(r: RotatingSecrets): bigint | undefined {
  let m: bigint | undefined;
  for (const id of r.secrets.keys()) if (m === undefined || id > m) m = id;
  return m;
}

function sortedIds(r: RotatingSecrets): bigint[] {
  return [...r.secrets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** RotatingSecrets::need_new_secrets(now): fewer than three, or the current one has expired. */
export function rotatingNeedsNewSecrets(r: RotatingSecrets, nowMs?: number): boolean {
  if (r.secrets.size < KEY_ROTATE_NUM) return true;
  if (nowMs === undefined) return false;
  const current = r.secrets.get(sortedIds(r)[1]!)!;
  return utimeToMs(current.expiration) <= nowMs;
}

/** RotatingSecrets::add: the next id, dropping the oldest beyond KEY_ROTATE_NUM. */
export function rotatingAdd(r: RotatingSecrets, k: ExpiringCryptoKey): bigint {
  r.maxVer += 1n;
  r.secrets.set(r.maxVer, k);
  while (r.secrets.size > KEY_ROTATE_NUM) r.secrets.delete(sortedIds(r)[0]!);
  return r.maxVer;
}

export class KeyServer implements KeyStore {
  data: KeyServerData = emptyKeyServerData();
  /** The mon's own keyring (mon. and the bootstrap client.admin), consulted after data.secrets. */
  readonly extraSecrets: KeyRing;
  readonly config: KeyServerConfig;
  readonly rng: RandomSource;

  constructor(opts: { extraSecrets?: KeyRing; config?: Partial<KeyServerConfig>; rng: RandomSource }) {
    this.extraSecrets = opts.extraSecrets ?? new KeyRing();
    this.config = { ...DEFAULT_KEYSERVER_CONFIG, ...opts.config };
    this.rng = opts.rng;
  }

  generateSecret(nowMs: number): CryptoKey {
    return CryptoKey.generate(this.rng, nowMs);
  }

  contains(name: EntityName): boolean {
    return this.data.secrets.has(formatEntityName(name));
  }

  getAuth(name: EntityName): EntityAuth | undefined {
    return this.data.secrets.get(formatEntityName(name))?.auth ?? this.extraSecrets.get(name);
  }

  getSecret(name: EntityName): CryptoKey | undefined {
    return this.getAuth(name)?.key;
  }

  /** KeyServerData::get_caps: undefined if the entity is unknown; empty caps if it has none for `service`. */
  getCaps(name: EntityName, service: string): AuthCapsInfo | undefined {
    const e = this.data.secrets.get(formatEntityName(name));
    if (e) return { allowAll: false, caps: e.auth.caps.get(service) ?? Buffer.alloc(0) };
    return this.extraSecrets.getCaps(name, service);
  }

  getServiceCaps(name: EntityName, serviceId: number): AuthCapsInfo | undefined {
    return this.getCaps(name, entityTypeName(serviceId));
  }

  addAuth(name: EntityName, auth: EntityAuth): void {
    this.data.secrets.set(formatEntityName(name), { name: { ...name }, auth });
  }

  removeSecret(name: EntityName): void {
    this.data.secrets.delete(formatEntityName(name));
  }

  applyIncremental(inc: KeyServerIncremental): void {
    applyKeyServerIncremental(this.data, inc);
  }

  /** KeyStore: the rotating secret `secretId` of `serviceId`. */
  getServiceSecret(serviceId: number, secretId: bigint): CryptoKey | undefined {
    return this.data.rotatingSecrets.get(serviceId)?.secrets.get(secretId)?.key;
  }

  /**
   * KeyServerData::get_service_secret: the secret to seal new tickets with (the second-oldest,
   * "current", unless it has expired, then the next) and the ticket ttl in seconds, capped so no
   * ticket outlives the newest secret.
   */
  getActiveServiceSecret(serviceId: number, nowMs: number): { secret: CryptoKey; secretId: bigint; ttl: number } | undefined {
    const r = this.data.rotatingSecrets.get(serviceId);
    if (!r || r.secrets.size === 0) return undefined;
    const ids = sortedIds(r);
    let i = ids.length > 1 ? 1 : 0;
    if (utimeToMs(r.secrets.get(ids[i]!)!.expiration) < nowMs && i + 1 < ids.length) i++;
    const secretId = ids[i]!;
    const confTtl = serviceId === EntityType.AUTH ? this.config.authMonTicketTtl : this.config.authServiceTicketTtl;
    const newest = r.secrets.get(ids[ids.length - 1]!)!;
    const ttl = Math.min(confTtl, (utimeToMs(newest.expiration) - nowMs) / 1000);
    return { secret: r.secrets.get(secretId)!.key, secretId, ttl };
  }

  /**
   * KeyServer::_check_rotating_secrets: top up every service to three secrets, each expiring one ttl
   * after the previous; returns true (and bumps rotating_ver) if anything was added. The first secret
   * of a service expires at now + ttl, the following ones at max(now + ttl, previous) + ttl.
   */
  rotate(nowMs: number): boolean {
    let added = 0;
    for (const svc of ROTATING_SERVICES) {
      let r = this.data.rotatingSecrets.get(svc);
      if (!r) this.data.rotatingSecrets.set(svc, (r = { secrets: new Map(), maxVer: 0n }));
      const ttlMs = (svc === EntityType.AUTH ? this.config.authMonTicketTtl : this.config.authServiceTicketTtl) * 1000;
      while (rotatingNeedsNewSecrets(r, nowMs)) {
        let expMs = nowMs;
        if (r.secrets.size) expMs = Math.max(nowMs + ttlMs, utimeToMs(r.secrets.get(newestId(r)!)!.expiration));
        rotatingAdd(r, { key: this.generateSecret(nowMs), expiration: utimeFromMs(expMs + ttlMs) });
        added++;
      }
    }
    if (added) this.data.rotatingVer += 1n;
    return added > 0;
  }

  /** KeyServer::updated_rotating: rotate, and if the rotating set is newer than `haveVer`, its encoding. */
  updatedRotating(nowMs: number, haveVer: bigint): { rotatingBl: Buffer; rotatingVer: bigint } | undefined {
    this.rotate(nowMs);
    if (this.data.rotatingVer <= haveVer) return undefined;
    return { rotatingBl: encodeRotating(this.data), rotatingVer: this.data.rotatingVer };
  }

  /** The incremental that publishes the current rotating set (AUTH_INC_SET_ROTATING). */
  rotatingIncremental(): KeyServerIncremental {
    return { op: 3, rotatingBl: encodeRotating(this.data) };
  }

  decodeRotating(bl: Uint8Array): void {
    const r = decodeRotating(bl);
    this.data.rotatingVer = r.rotatingVer;
    this.data.rotatingSecrets = r.rotatingSecrets;
  }

  /**
   * KeyServer::get_rotating_encrypted: the rotating secrets of the entity's own service type,
   * encrypted with the entity's key (the GET_ROTATING_KEY reply body, length-prefixed).
   */
  getRotatingEncrypted(name: EntityName): Buffer | undefined {
    const e = this.data.secrets.get(formatEntityName(name));
    if (!e) return undefined;
    const r = this.data.rotatingSecrets.get(name.type);
    if (!r) return undefined;
    const w = new Writer();
    encodeEncrypt(w, e.auth.key, r, encodeRotatingSecrets);
    return w.finish();
  }

  /**
   * KeyServer::build_session_auth_info: a service ticket for `serviceId` derived from the client's
   * auth ticket, sealed with the service's current rotating secret. Throws EACCES when the service has
   * no secret yet and EINVAL when the entity is unknown.
   */
  buildSessionAuthInfo(serviceId: number, parent: AuthTicket, nowMs: number): SessionAuthInfo {
    const s = this.getActiveServiceSecret(serviceId, nowMs);
    if (!s) throw cephError('EACCES', `no rotating secret for service ${entityTypeName(serviceId)}`);
    return this.sessionAuthInfo(serviceId, parent, s.secret, s.secretId, s.ttl, nowMs);
  }

  /** The variant with an explicit secret (mon-to-mon tickets sealed with the mon key, secret_id -1). */
  buildSessionAuthInfoWithSecret(serviceId: number, parent: AuthTicket, secret: CryptoKey, secretId: bigint, nowMs: number): SessionAuthInfo {
    return this.sessionAuthInfo(serviceId, parent, secret, secretId, this.config.authServiceTicketTtl, nowMs);
  }

  private sessionAuthInfo(serviceId: number, parent: AuthTicket, secret: CryptoKey, secretId: bigint, ttl: number, nowMs: number): SessionAuthInfo {
    let ticket = initTicketTimestamps(parent, nowMs, ttl);
    // mon keys are stored externally and mon caps travel in the auth ticket, so mon tickets carry none
    if (serviceId !== EntityType.MON) {
      const caps = this.getCaps(ticket.name, entityTypeName(serviceId));
      if (!caps) throw cephError('EINVAL', `no such entity ${formatEntityName(ticket.name)}`);
      ticket = { ...ticket, caps };
    }
    return { serviceId, secretId, ticket, sessionKey: this.generateSecret(nowMs), serviceSecret: secret, validity: utimeFromSeconds(ttl) };
  }
}
