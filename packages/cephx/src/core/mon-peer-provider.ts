import { EntityType, entityTypeName } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { AuthClientProvider, AuthConnectionMeta, AuthMethod, AuthRequest } from '@ts-ceph/messenger/core';
import { CryptoKey, RandomSource } from './crypto';
import { AuthRegistry } from './auth-registry';
import { Authorizer, answerChallenge, buildAuthorizer, verifyAuthorizerReply } from './authorizer';
import { KeyServer } from './keyserver';
import { SECRET_ID_NONE } from './cephx-types';
import { buildServiceTicketBlob } from './protocol';
import { AuthTicket } from './auth-types';

/**
 * How a monitor authenticates to its peers (Monitor::get_authorizer in src/mon/Monitor.cc): it mints
 * its own ticket for {name "mon.", global_id 0}, sealed for another mon with the shared "mon." key
 * (secret_id -1), or for a mgr with the MGR rotating secret, and presents it as an authorizer.
 */
export function buildMonPeerAuthorizer(keyServer: KeyServer, monSecret: CryptoKey, serviceId: number, nowMs: number, rng: RandomSource): Authorizer {
  const parent: AuthTicket = {
    name: { type: EntityType.MON, id: '' },
    globalId: 0n,
    created: { sec: 0, nsec: 0 },
    expires: { sec: 0, nsec: 0 },
    caps: { allowAll: false, caps: Buffer.alloc(0) },
    flags: 0,
  };
  let info;
  if (serviceId === EntityType.MON) info = keyServer.buildSessionAuthInfoWithSecret(serviceId, parent, monSecret, SECRET_ID_NONE, nowMs);
  else if (serviceId === EntityType.MGR) info = keyServer.buildSessionAuthInfo(serviceId, parent, nowMs);
  else throw cephError('EINVAL', `a monitor does not authenticate to ${entityTypeName(serviceId)}`);
  return buildAuthorizer(0n, serviceId, buildServiceTicketBlob(info), info.sessionKey, rng);
}

export interface MonPeerProviderOptions {
  keyServer: KeyServer;
  /** The "mon." key (from the mon keyring). */
  monSecret: CryptoKey;
  registry: AuthRegistry;
  now: () => number;
  /** Where nonces, challenges and session keys come from: `cryptoRandom` in a daemon, a seeded stream in a simulation. */
  rng: RandomSource;
}

/** The AuthClientProvider a monitor uses for its connections to other mons and to the mgr. */
export class CephxMonPeerClientProvider implements AuthClientProvider {
  private readonly rng: RandomSource;

  constructor(private readonly opts: MonPeerProviderOptions) {
    this.rng = opts.rng;
  }

  getAuthRequest(meta: AuthConnectionMeta): AuthRequest {
    if (!this.opts.registry.isSupportedMethod(meta.peerType, AuthMethod.CEPHX)) throw cephError('EACCES', 'cephx is not allowed for this peer');
    const authorizer = buildMonPeerAuthorizer(this.opts.keyServer, this.opts.monSecret, meta.peerType, this.opts.now(), this.rng);
    meta.authMethod = AuthMethod.CEPHX;
    meta.providerState = authorizer;
    return { method: AuthMethod.CEPHX, preferredModes: this.opts.registry.supportedModes(meta.peerType, AuthMethod.CEPHX), payload: authorizer.bl };
  }

  handleAuthReplyMore(meta: AuthConnectionMeta, payload: Buffer): Buffer {
    const a = answerChallenge(meta.providerState as Authorizer, payload);
    meta.providerState = a;
    return a.bl;
  }

  handleAuthDone(meta: AuthConnectionMeta, _globalId: bigint, conMode: number, payload: Buffer): void {
    const a = meta.providerState as Authorizer;
    meta.connectionSecret = verifyAuthorizerReply(a, payload);
    meta.sessionKey = a.sessionKey.secret;
    meta.conMode = conMode;
  }

  handleAuthBadMethod(): boolean {
    return false;
  }
}
