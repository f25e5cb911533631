import { Reader, EntityName, EntityType, decodeEntityName, formatEntityName } from '@ts-ceph/denc';
import { Errno, errnoName } from '@ts-ceph/common/core';
import { AuthConnectionMeta, AuthMethod, AuthServerProvider, AuthServerResult } from '@ts-ceph/messenger/core';
import { RandomSource } from './crypto';
import { AuthRegistry, connectionSecretLength } from './auth-registry';
import { AUTH_MODE_AUTHORIZER, AUTH_MODE_AUTHORIZER_MAX, AUTH_MODE_MON, AUTH_MODE_MON_MAX, AuthorizerChallengeState, verifyAuthorizer } from './authorizer';
import { CephxServiceHandler, GlobalIdStatus, ServiceHandlerOptions } from './service-handler';
import { KeyServer } from './keyserver';
import { KeyStore } from './protocol';
import { KeyRing } from './keyring';
import { capsText } from './auth-types';
import { MonCap } from './caps/moncap';

/**
 * The monitor's AuthServerProvider (Monitor::handle_auth_request in src/mon/Monitor.cc). Clients and
 * daemons authenticate with AUTH_MODE_MON: AUTH_REQUEST carries {u8 mode, EntityName, le64
 * global_id}, we answer AUTH_REPLY_MORE with the server challenge, they send GET_AUTH_SESSION_KEY in
 * AUTH_REQUEST_MORE, and AUTH_DONE carries the tickets and the encrypted connection secret. Other
 * monitors present an AUTH_MODE_AUTHORIZER sealed with the shared "mon." key, with a challenge
 * round. The per-connection CephxServiceHandler stays in meta.providerState so the mon can serve the
 * session's later MAuth requests (ticket renewal, rotating keys) with `monAuthSession(meta)`.
 */
export interface MonServerProviderOptions extends ServiceHandlerOptions {
  keyServer: KeyServer;
  /** The mon's own keyring (with "mon."): the KeyStore for mon-to-mon authorizers. */
  monKeyring: KeyRing;
  registry: AuthRegistry;
  /**
   * AuthMonitor::_assign_global_id: a fresh global_id, or undefined when none can be handed out now
   * (the client gets EBUSY and retries).
   */
  allocateGlobalId: () => bigint | undefined;
  /** Wall-clock milliseconds since the epoch (tickets carry absolute times). */
  now: () => number;
  /** Where nonces, challenges and session keys come from: `cryptoRandom` in a daemon, a seeded stream in a simulation. */
  rng: RandomSource;
  /** False until the mon has formed its first quorum (Ceph answers EBUSY before that). */
  ready?: () => boolean;
}

/** What the provider keeps per connection (AuthConnectionMeta.providerState). */
export interface MonAuthSession {
  mode: number;
  handler?: CephxServiceHandler;
  challenge?: AuthorizerChallengeState;
  /** Set once authenticated: the peer's mon caps. */
  monCaps?: MonCap;
}

/** The mon-side auth state of a connection, if this provider authenticated it. */
export function monAuthSession(meta: AuthConnectionMeta): MonAuthSession | undefined {
  const s = meta.providerState as MonAuthSession | undefined;
  return s && typeof s === 'object' && 'mode' in s ? s : undefined;
}

const DAEMON_TYPES: readonly number[] = [EntityType.MON, EntityType.OSD, EntityType.MDS, EntityType.MGR];

function refuse(errno: number, reason: string): AuthServerResult {
  return { kind: 'error', result: -errno, reason };
}

export class CephxMonServerProvider implements AuthServerProvider {
  private readonly rng: RandomSource;
  private readonly monKeys: KeyStore;

  constructor(private readonly opts: MonServerProviderOptions) {
    this.rng = opts.rng;
    // Mon-to-mon tickets are sealed with the "mon." key from our keyring or the auth database.
    this.monKeys = {
      getSecret: (n: EntityName) => opts.monKeyring.getSecret(n) ?? opts.keyServer.getSecret(n),
      getServiceSecret: () => undefined,
    };
  }

  supportedMethods(peerType: number): { methods: number[]; modes: number[] } {
    return this.opts.registry.supported(peerType);
  }

  pickConMode(peerType: number, method: number, preferredModes: number[]): number | undefined {
    return this.opts.registry.pickMode(peerType, method, preferredModes);
  }

  handleAuthRequest(meta: AuthConnectionMeta, more: boolean, method: number, payload: Buffer): AuthServerResult {
    if (payload.length === 0) return refuse(Errno.EACCES, 'empty auth payload');
    let s = monAuthSession(meta);
    if (!more) {
      // A new AUTH_REQUEST (the messenger allows one only after AUTH_BAD_METHOD, authRetriesMax times)
      // starts over, as Monitor::handle_auth_request does: a client configured with
      // auth_client_required = "none, cephx" retries with cephx after "none" was refused.
      s = { mode: payload[0]! };
      meta.providerState = s;
    } else if (!s) {
      return refuse(Errno.EACCES, 'AUTH_REQUEST_MORE without a session');
    }
    if (s.mode >= AUTH_MODE_AUTHORIZER && s.mode <= AUTH_MODE_AUTHORIZER_MAX) return this.handleAuthorizer(meta, s, more, method, payload);
    if (s.mode < AUTH_MODE_MON || s.mode > AUTH_MODE_MON_MAX) return refuse(Errno.EACCES, `unrecognized auth mode ${s.mode}`);
    if (this.opts.ready && !this.opts.ready()) return refuse(Errno.EBUSY, "haven't formed initial quorum");
    return more ? this.continueMon(meta, s, payload) : this.startMon(meta, s, method, payload);
  }

  private handleAuthorizer(meta: AuthConnectionMeta, s: MonAuthSession, more: boolean, method: number, payload: Buffer): AuthServerResult {
    if (method !== AuthMethod.CEPHX || !this.opts.registry.isSupportedMethod(meta.peerType, method)) {
      return refuse(Errno.EOPNOTSUPP, `auth method ${method} not supported for authorizers`);
    }
    const hadChallenge = s.challenge !== undefined;
    s.challenge ??= {};
    try {
      const v = verifyAuthorizer(this.monKeys, new Reader(payload), connectionSecretLength(meta.conMode), s.challenge, this.rng, this.opts.now());
      if (v.kind === 'challenge') {
        if (!more && !hadChallenge) return { kind: 'more', payload: v.reply };
        s.challenge = undefined;
        return refuse(Errno.EACCES, 'authorizer did not answer the challenge (replay?)');
      }
      const t = v.ticketInfo.ticket;
      // Only monitors present authorizers to a monitor, with a ticket sealed with the shared "mon."
      // key. The secret is looked up by the service id the peer declares, so without this check a
      // ticket sealed with any "<type>." entity's key from the auth database would be taken, with
      // whatever name and caps its holder wrote into it.
      if (v.serviceId !== EntityType.MON || t.name.type !== EntityType.MON) {
        s.challenge = undefined;
        return refuse(Errno.EACCES, `authorizer for service ${v.serviceId} from ${formatEntityName(t.name)}: only monitors authenticate to a monitor with an authorizer`);
      }
      meta.sessionKey = v.ticketInfo.sessionKey.secret;
      meta.connectionSecret = v.connectionSecret;
      meta.peerName = t.name;
      meta.peerGlobalId = t.globalId;
      meta.peerCaps = { allowAll: t.caps.allowAll, text: capsText(t.caps) };
      return { kind: 'done', globalId: t.globalId, payload: v.reply };
    } catch (e) {
      s.challenge = undefined;
      return refuse(Errno.EACCES, `bad authorizer: ${(e as Error).message}`);
    }
  }

  private startMon(meta: AuthConnectionMeta, s: MonAuthSession, method: number, payload: Buffer): AuthServerResult {
    if (method !== AuthMethod.CEPHX) return refuse(Errno.EOPNOTSUPP, `auth method ${method} not supported`);
    let name: EntityName;
    let globalId: bigint;
    try {
      const r = new Reader(payload);
      r.u8('mode');
      name = decodeEntityName(r, 'entity_name');
      globalId = r.u64('global_id');
    } catch (e) {
      return refuse(Errno.EACCES, `malformed auth request: ${(e as Error).message}`);
    }
    if (!this.opts.registry.monAcceptsMethod(name.type, method)) {
      const which = DAEMON_TYPES.includes(name.type) ? 'auth_cluster_required' : 'auth_service_required';
      return refuse(Errno.EOPNOTSUPP, `${formatEntityName(name)}: method ${method} not in ${which}`);
    }
    let isNew = false;
    if (globalId === 0n) {
      const id = this.opts.allocateGlobalId();
      if (id === undefined || id === 0n) return refuse(Errno.EBUSY, 'failed to assign global_id');
      globalId = id;
      isNew = true;
    }
    s.handler = new CephxServiceHandler(this.opts.keyServer, this.rng, this.opts);
    meta.peerName = name;
    meta.peerGlobalId = globalId;
    return { kind: 'more', payload: s.handler.startSession(name, globalId, isNew) };
  }

  private continueMon(meta: AuthConnectionMeta, s: MonAuthSession, payload: Buffer): AuthServerResult {
    if (!s.handler) return refuse(Errno.EACCES, 'no auth session');
    const res = s.handler.handleRequest(payload, connectionSecretLength(meta.conMode), this.opts.now());
    if (res.status < 0) return refuse(-res.status, res.reason ?? errnoName(res.status));
    if (res.status === 0) return { kind: 'more', payload: res.reply };
    // Monitor::ms_handle_authentication: the mon caps must parse, or the session is refused.
    const caps = res.caps!;
    const text = capsText(caps);
    try {
      s.monCaps = caps.allowAll ? MonCap.allowAll() : MonCap.parse(text);
    } catch (e) {
      return refuse(Errno.EACCES, `unparseable caps '${text}' for ${formatEntityName(s.handler.entityName)}: ${(e as Error).message}`);
    }
    meta.sessionKey = res.sessionKey!.secret;
    meta.connectionSecret = res.connectionSecret ?? Buffer.alloc(0);
    meta.peerName = s.handler.entityName;
    meta.peerGlobalId = s.handler.globalId;
    meta.peerCaps = { allowAll: caps.allowAll, text };
    return { kind: 'done', globalId: s.handler.globalId, payload: res.reply };
  }
}

/** Whether a session may do more than fetch the monmap (auth_expose_insecure_global_id_reclaim). */
export function sessionMayOmitOldTicket(s: MonAuthSession): boolean {
  return s.handler?.globalIdStatus === GlobalIdStatus.NEW_NOT_EXPOSED;
}
