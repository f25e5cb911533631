import { Writer, EntityName, EntityType, encodeEntityName, entityTypeName } from '@ts-ceph/denc';
import { CephError, Errno, cephError } from '@ts-ceph/common/core';
import { AuthClientProvider, AuthConnectionMeta, AuthMethod, AuthRequest } from '@ts-ceph/messenger/core';
import { CryptoKey, RandomSource } from './crypto';
import { AuthRegistry } from './auth-registry';
import { AUTH_MODE_MON, Authorizer, answerChallenge, verifyAuthorizerReply } from './authorizer';
import { CephxClientHandler } from './client-handler';
import { RotatingSecrets } from './auth-types';

/**
 * The AuthClientProvider of anything that talks to the cluster (MonClient::get_auth_request and
 * friends in src/mon/MonClient.cc, MonConnection::get_auth_request ...):
 *  - to a monitor: AUTH_REQUEST {u8 AUTH_MODE_MON, EntityName, le64 global_id} (22 bytes for
 *    client.admin), the server challenge in AUTH_REPLY_MORE is answered with GET_AUTH_SESSION_KEY,
 *    and AUTH_DONE yields the tickets, the session key and the connection secret. Each connection
 *    works on a clone of the long-lived ticket state; the first to finish becomes the state (as
 *    MonClient swaps in the winning MonConnection's auth), so tickets persist for reclaim and for
 *    authorizers.
 *  - to anything else (OSD, MGR, MDS): an authorizer built from the service ticket, the answer to
 *    the service's challenge, and the check of its reply.
 * After the mon session is up, MonClient keeps tickets fresh over MAuth messages with
 * buildRenewalRequest / buildRotatingRequest / handleMAuthReply.
 */
export interface ClientProviderOptions {
  name: EntityName;
  /** Our key (from the keyring). */
  secret: CryptoKey;
  /** Service tickets to obtain with the mon session (mask of EntityType; default mon|osd|mgr). */
  want?: number;
  registry: AuthRegistry;
  /** Wall-clock milliseconds since the epoch. */
  now: () => number;
  /** Where nonces, challenges and session keys come from: `cryptoRandom` in a daemon, a seeded stream in a simulation. */
  rng: RandomSource;
}

interface MonConnState {
  kind: 'mon';
  handler: CephxClientHandler;
}

interface AuthorizerState {
  kind: 'authorizer';
  authorizer: Authorizer;
}

export class CephxClientProvider implements AuthClientProvider {
  /** The ticket state of the current (or last) mon session. */
  handler: CephxClientHandler;
  private readonly rng: RandomSource;

  constructor(private readonly opts: ClientProviderOptions) {
    this.rng = opts.rng;
    const want = opts.want ?? EntityType.MON | EntityType.OSD | EntityType.MGR;
    this.handler = new CephxClientHandler({ name: opts.name, secret: opts.secret, want, rng: this.rng });
  }

  get globalId(): bigint {
    return this.handler.globalId;
  }

  /** Rotating secrets received by GET_ROTATING_KEY (daemons). */
  get rotatingSecrets(): RotatingSecrets | undefined {
    return this.handler.rotatingSecrets;
  }

  getAuthRequest(meta: AuthConnectionMeta): AuthRequest {
    const { methods } = this.opts.registry.supported(meta.peerType);
    if (!methods.includes(AuthMethod.CEPHX)) throw cephError('EACCES', 'cephx is not among our auth methods for this peer');
    const preferredModes = this.opts.registry.supportedModes(meta.peerType, AuthMethod.CEPHX);
    if (!preferredModes.length) throw cephError('EACCES', 'no connection modes allowed for this peer');
    meta.authMethod = AuthMethod.CEPHX;
    if (meta.peerType === EntityType.MON) {
      const handler = this.handler.clone();
      handler.reset();
      meta.providerState = { kind: 'mon', handler } satisfies MonConnState;
      const w = new Writer();
      w.u8(AUTH_MODE_MON);
      encodeEntityName(w, this.opts.name);
      w.u64(handler.globalId);
      return { method: AuthMethod.CEPHX, preferredModes, payload: w.finish() };
    }
    const authorizer = this.handler.buildAuthorizer(meta.peerType);
    if (!authorizer) throw cephError('EACCES', `no ${entityTypeName(meta.peerType)} ticket to build an authorizer from`);
    meta.providerState = { kind: 'authorizer', authorizer } satisfies AuthorizerState;
    return { method: AuthMethod.CEPHX, preferredModes, payload: authorizer.bl };
  }

  handleAuthReplyMore(meta: AuthConnectionMeta, payload: Buffer): Buffer {
    const st = meta.providerState as MonConnState | AuthorizerState | undefined;
    if (st?.kind === 'mon') {
      const r = st.handler.handleResponse(0, payload, this.opts.now());
      if (r.kind !== 'again') throw cephError('EPROTO', 'the monitor sent AUTH_REPLY_MORE after we were done');
      return st.handler.buildRequest(this.opts.now());
    }
    if (st?.kind === 'authorizer') {
      st.authorizer = answerChallenge(st.authorizer, payload);
      return st.authorizer.bl;
    }
    throw cephError('EPROTO', 'AUTH_REPLY_MORE without an auth request');
  }

  handleAuthDone(meta: AuthConnectionMeta, globalId: bigint, conMode: number, payload: Buffer): void {
    const st = meta.providerState as MonConnState | AuthorizerState | undefined;
    if (st?.kind === 'mon') {
      st.handler.globalId = globalId;
      const r = st.handler.handleResponse(0, payload, this.opts.now());
      // MonConnection::handle_auth_done fails the connection unless the tickets are complete.
      if (r.kind !== 'done') throw cephError('EACCES', 'the monitor did not hand out the tickets we need');
      if (!r.sessionKey) throw cephError('EACCES', 'no session key in AUTH_DONE');
      meta.sessionKey = r.sessionKey.secret;
      meta.connectionSecret = r.connectionSecret ?? Buffer.alloc(0);
      meta.conMode = conMode;
      this.handler = st.handler;
      return;
    }
    if (st?.kind === 'authorizer') {
      meta.connectionSecret = verifyAuthorizerReply(st.authorizer, payload);
      meta.sessionKey = st.authorizer.sessionKey.secret;
      meta.conMode = conMode;
      return;
    }
    throw cephError('EPROTO', 'AUTH_DONE without an auth request');
  }

  handleAuthBadMethod(meta: AuthConnectionMeta, method: number, _result: number, allowedMethods: number[], _allowedModes: number[]): boolean {
    // We only speak cephx: retrying makes sense only if the server allows it after all.
    return method !== AuthMethod.CEPHX && allowedMethods.includes(AuthMethod.CEPHX) && this.opts.registry.isSupportedMethod(meta.peerType, AuthMethod.CEPHX);
  }

  // ---- MAuth on an established mon session ----

  /** Do we need new service tickets (MonClient::_check_auth_tickets)? */
  needTickets(): boolean {
    return this.handler.needTickets(this.opts.now());
  }

  /** The MAuth payload renewing tickets (GET_AUTH_SESSION_KEY if the auth ticket is due, else GET_PRINCIPAL_SESSION_KEY). */
  buildRenewalRequest(): Buffer {
    return this.handler.buildRequest(this.opts.now());
  }

  /** The MAuth payload asking for our service's rotating secrets (daemons). */
  buildRotatingRequest(): Buffer {
    return this.handler.buildRotatingRequest();
  }

  /**
   * MonConnection::authenticate for an MAuthReply (protocol, result, global_id, result_bl). Returns
   * 'again' if another MAuth round is needed. Throws CephError when refused or unverifiable.
   */
  handleMAuthReply(result: number, globalId: bigint, payload: Buffer): 'again' | 'done' {
    if (globalId !== 0n && globalId !== this.handler.globalId) {
      this.handler.reset();
      this.handler.globalId = globalId;
    }
    try {
      return this.handler.handleResponse(result, payload, this.opts.now()).kind;
    } catch (e) {
      if (e instanceof CephError) throw e;
      throw new CephError('EACCES', Errno.EACCES, (e as Error).message, { cause: e });
    }
  }
}
