import { Reader, EntityName, EntityType } from '@ts-ceph/denc';
import { Errno } from '@ts-ceph/common/core';
import { AuthConnectionMeta, AuthMethod, AuthServerProvider, AuthServerResult } from '@ts-ceph/messenger/core';
import { CryptoKey, RandomSource } from './crypto';
import { RotatingSecrets, capsText } from './auth-types';
import { AuthRegistry, connectionSecretLength } from './auth-registry';
import { AUTH_MODE_AUTHORIZER, AUTH_MODE_AUTHORIZER_MAX, AuthorizerChallengeState, verifyAuthorizer } from './authorizer';
import { KeyStore } from './protocol';
import { KeyRing } from './keyring';
import { rotatingNeedsNewSecrets } from './keyserver';
import { MonCap } from './caps/moncap';
import { OSDCap } from './caps/osdcap';
import { MgrCap } from './caps/mgrcap';

/**
 * RotatingKeyRing (src/auth/RotatingKeyRing.cc): what a daemon (OSD, MDS, MGR) verifies tickets
 * with: the rotating secrets of its own service type (fetched with GET_ROTATING_KEY) plus its keyring.
 */
export class RotatingKeyRing implements KeyStore {
  secrets: RotatingSecrets = { secrets: new Map(), maxVer: 0n };

  constructor(
    readonly serviceId: number,
    readonly keyring: KeyRing,
  ) {}

  setSecrets(s: RotatingSecrets): void {
    this.secrets = s;
  }

  getSecret(name: EntityName): CryptoKey | undefined {
    return this.keyring.getSecret(name);
  }

  getServiceSecret(serviceId: number, secretId: bigint): CryptoKey | undefined {
    if (serviceId !== this.serviceId) return undefined;
    return this.secrets.secrets.get(secretId)?.key;
  }

  /**
   * RotatingKeyRing::need_new_secrets (MonClient::_check_auth_rotating asks it with a cutoff of
   * now - min(30 s, auth_service_ticket_ttl / 4)).
   */
  needNewSecrets(cutoffMs?: number): boolean {
    return rotatingNeedsNewSecrets(this.secrets, cutoffMs);
  }
}

/** Per-connection state of the service provider. */
interface ServiceAuthState {
  challenge?: AuthorizerChallengeState;
}

/**
 * The AuthServerProvider of an OSD, MGR or MDS (MonClient::handle_auth_request, which daemons use as
 * their AuthServer): peers present an authorizer (AUTH_MODE_AUTHORIZER) with a ticket for our
 * service, sealed with one of our rotating secrets; the first round always gets a challenge (replay
 * protection), the second must answer it; AUTH_DONE carries {nonce + 1, connection secret}.
 * On success meta.peerName/peerGlobalId/peerCaps are set; caps that do not parse (OSDCap for an OSD,
 * MgrCap for a MGR) refuse the connection as Ceph's ms_handle_authentication does.
 */
export interface ServiceServerProviderOptions {
  keys: RotatingKeyRing;
  registry: AuthRegistry;
  /** Where nonces, challenges and session keys come from: `cryptoRandom` in a daemon, a seeded stream in a simulation. */
  rng: RandomSource;
  /** Validate the peer's cap text for this service; throws to refuse. Defaults by keys.serviceId. */
  parseCaps?: (text: string) => unknown;
  /**
   * Wall-clock milliseconds, to refuse expired tickets. Without it the time the messenger stamped on
   * the AUTH frame (meta.nowMs) is used.
   */
  now?: () => number;
}

function defaultCapParser(serviceId: number): (text: string) => unknown {
  if (serviceId === EntityType.OSD) return OSDCap.parse;
  if (serviceId === EntityType.MGR) return MgrCap.parse;
  if (serviceId === EntityType.MON) return MonCap.parse;
  return () => undefined;
}

export class CephxServiceServerProvider implements AuthServerProvider {
  private readonly rng: RandomSource;
  private readonly parseCaps: (text: string) => unknown;

  constructor(private readonly opts: ServiceServerProviderOptions) {
    this.rng = opts.rng;
    this.parseCaps = opts.parseCaps ?? defaultCapParser(opts.keys.serviceId);
  }

  supportedMethods(peerType: number): { methods: number[]; modes: number[] } {
    return this.opts.registry.supported(peerType);
  }

  pickConMode(peerType: number, method: number, preferredModes: number[]): number | undefined {
    return this.opts.registry.pickMode(peerType, method, preferredModes);
  }

  handleAuthRequest(meta: AuthConnectionMeta, more: boolean, method: number, payload: Buffer): AuthServerResult {
    const refuse = (errno: number, reason: string): AuthServerResult => ({ kind: 'error', result: -errno, reason });
    if (payload.length === 0) return refuse(Errno.EACCES, 'empty authorizer');
    const mode = payload[0]!;
    if (mode < AUTH_MODE_AUTHORIZER || mode > AUTH_MODE_AUTHORIZER_MAX) return refuse(Errno.EACCES, `auth mode ${mode} is not an authorizer`);
    if (method !== AuthMethod.CEPHX || !this.opts.registry.isSupportedMethod(meta.peerType, method)) {
      return refuse(Errno.EOPNOTSUPP, `no authorize handler for method ${method}`);
    }
    let st = meta.providerState as ServiceAuthState | undefined;
    if (!st || typeof st !== 'object') meta.providerState = st = {};
    const hadChallenge = st.challenge !== undefined;
    st.challenge ??= {};
    try {
      const nowMs = this.opts.now?.() ?? meta.nowMs;
      const v = verifyAuthorizer(this.opts.keys, new Reader(payload), connectionSecretLength(meta.conMode), st.challenge, this.rng, nowMs);
      if (v.kind === 'challenge') {
        if (!more && !hadChallenge) return { kind: 'more', payload: v.reply };
        st.challenge = undefined;
        return refuse(Errno.EACCES, 'authorizer did not answer the challenge (replay?)');
      }
      const t = v.ticketInfo.ticket;
      // The ticket must be for us: a service id of another type would have its secret looked up
      // in our plain keyring (secret_id -1), where any "<type>." entry would do.
      if (v.serviceId !== this.opts.keys.serviceId) {
        st.challenge = undefined;
        return refuse(Errno.EACCES, `authorizer for service ${v.serviceId}, we are service ${this.opts.keys.serviceId}`);
      }
      const text = capsText(t.caps);
      if (!t.caps.allowAll && text !== '') this.parseCaps(text);
      meta.sessionKey = v.ticketInfo.sessionKey.secret;
      meta.connectionSecret = v.connectionSecret;
      meta.peerName = t.name;
      meta.peerGlobalId = t.globalId;
      meta.peerCaps = { allowAll: t.caps.allowAll, text };
      return { kind: 'done', globalId: t.globalId, payload: v.reply };
    } catch (e) {
      st.challenge = undefined;
      return refuse(Errno.EACCES, `bad authorizer: ${(e as Error).message}`);
    }
  }
}
