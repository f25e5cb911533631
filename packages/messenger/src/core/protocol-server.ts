import { cephError } from '@ts-ceph/common/core';
import { addrEquals, AddrType, EntityAddr, EntityAddrvec, EntityType, entityTypeName, formatAddr, formatEntityName } from '@ts-ceph/denc';
import type { AuthServerProvider } from '../auth-provider';
import { ControlFrame, MSGR2_REQUIRED_FEATURES } from './control';
import { msgrLimits } from './limits';
import { Policies, Policy } from './policy';
import { ProtocolEnv, ProtocolV2 } from './protocol';
import { CEPH_MSG_CONNECT_LOSSY, Tag } from './tags';

/**
 * Sessions the accepting side knows, by the peer's address vector (AsyncMessenger's conns map):
 * CLIENT_IDENT and SESSION_RECONNECT look here for a session to resume or a race to settle.
 * Synchronous and side-effect free apart from register().
 */
export interface SessionDirectory {
  lookup(peerAddrs: EntityAddrvec): ProtocolV2 | undefined;
  /** accept_conn: this connection now owns the peer's entry. False when another one won a race. */
  register(p: ProtocolV2): boolean;
}

/**
 * The accepting side of the msgr2.1 handshake (ProtocolV2's server methods):
 *   banner → HELLO → AUTH_REQUEST → (AUTH_REPLY_MORE ↔ AUTH_REQUEST_MORE)* → AUTH_DONE
 *   → AUTH_SIGNATURE both ways → CLIENT_IDENT → SERVER_IDENT, or SESSION_RECONNECT → RECONNECT_OK /
 *   SESSION_RESET / SESSION_RETRY / SESSION_RETRY_GLOBAL / WAIT.
 */
export class ServerProtocol extends ProtocolV2 {
  readonly role = 'accept' as const;
  private authRounds = 0;
  private authRetries = 0;

  constructor(
    env: ProtocolEnv,
    private readonly auth: AuthServerProvider,
    /** The peer's address as our socket sees it (sent back in HELLO as peer_addr_for_me). */
    readonly peerSocketAddr: EntityAddr,
    private readonly directory?: SessionDirectory,
  ) {
    // The policy depends on the peer type, which HELLO tells us.
    super(env, Policies.statelessServer(), -1);
  }

  start(_nowMs: number): void {
    this.state = 'BANNER_ACCEPTING';
    this.sendBanner();
  }

  protected onBanner(): void {
    this.state = 'HELLO_ACCEPTING';
    this.writeControl({ tag: Tag.HELLO, entityType: this.env.myType, peerAddr: { ...this.peerSocketAddr, type: AddrType.MSGR2, nonce: 0 } });
  }

  protected onControl(f: ControlFrame): void {
    switch (f.tag) {
      case Tag.HELLO:
        this.requireState(f, 'HELLO_ACCEPTING');
        this.peerType = f.entityType;
        this.meta.peerType = f.entityType;
        this.policy = this.env.policyFor?.(f.entityType) ?? Policies.statelessServer();
        this.session.lossy = this.policy.lossy;
        this.state = 'AUTH_ACCEPTING';
        return;
      case Tag.AUTH_REQUEST: {
        this.requireState(f, 'AUTH_ACCEPTING');
        this.meta.authMethod = f.method;
        const mode = this.auth.pickConMode(this.peerType, f.method, f.preferredModes);
        if (mode === undefined) {
          this.badMethod(-95, `no connection mode in common (client offered ${f.preferredModes})`);
          return;
        }
        this.meta.conMode = mode;
        this.handleAuth(f.payload, false);
        return;
      }
      case Tag.AUTH_REQUEST_MORE:
        this.requireState(f, 'AUTH_ACCEPTING_MORE');
        if (++this.authRounds > msgrLimits.authRoundsMax) throw cephError('EACCES', `more than authRoundsMax ${msgrLimits.authRoundsMax} auth rounds`);
        this.handleAuth(f.payload, true);
        return;
      case Tag.AUTH_SIGNATURE:
        this.requireState(f, 'AUTH_ACCEPTING_SIGN');
        this.verifySignature(f.signature);
        this.state = 'SESSION_ACCEPTING';
        return;
      case Tag.CLIENT_IDENT:
        this.requireState(f, 'SESSION_ACCEPTING');
        this.handleClientIdent(f);
        return;
      case Tag.SESSION_RECONNECT:
        this.requireState(f, 'SESSION_ACCEPTING');
        this.handleReconnect(f);
        return;
      default:
        throw cephError('EPROTO', `unexpected frame tag ${f.tag} on the accepting side`);
    }
  }

  private handleAuth(payload: Buffer, more: boolean): void {
    let r;
    try {
      r = this.auth.handleAuthRequest(this.meta, more, this.meta.authMethod, payload);
    } catch (e) {
      const err = e as { errno?: number; message?: string };
      r = { kind: 'error' as const, result: -(err.errno ?? 13), reason: err.message ?? String(e) };
    }
    if (r.kind === 'done') {
      this.checkAuthenticatedType();
      this.state = 'AUTH_ACCEPTING_SIGN';
      this.meta.peerGlobalId = r.globalId;
      this.writeControl({ tag: Tag.AUTH_DONE, globalId: r.globalId, conMode: this.meta.conMode, payload: r.payload });
      // finish_auth: secure mode starts with our AUTH_SIGNATURE.
      this.startCrypto(true);
      this.sendSignature();
    } else if (r.kind === 'more') {
      this.state = 'AUTH_ACCEPTING_MORE';
      this.writeControl({ tag: Tag.AUTH_REPLY_MORE, payload: r.payload });
    } else if (r.result === -16) {
      // -EBUSY: kick the client; it will come back.
      throw cephError('EBUSY', `auth provider busy: ${r.reason}`);
    } else {
      // A refused credential (not a method or mode mismatch, which a well-behaved client meets while
      // negotiating): reported for the operator's counts before the peer may retry.
      if (r.result !== -95) this.emit({ kind: 'authFailed', entity: this.meta.peerName, result: r.result, reason: r.reason });
      this.badMethod(r.result, r.reason);
    }
  }

  /**
   * HELLO's entity type picks the connection policy (a daemon type gets a lossless, registered
   * session), so a peer announcing a daemon type must have authenticated as that type: a client
   * claiming to be an OSD would otherwise get an OSD's session semantics. A daemon may still present
   * itself as a client (`ceph --name osd.0 ...` does).
   */
  private checkAuthenticatedType(): void {
    const name = this.meta.peerName;
    if (!name || !DAEMON_TYPES.includes(this.peerType) || name.type === this.peerType) return;
    throw cephError('EACCES', `peer announced itself as ${entityTypeName(this.peerType)} but authenticated as ${formatEntityName(name)}`);
  }

  /**
   * Only the peer that owns a session may resume, take over or evict it: an authenticated entity
   * claiming another one's addresses (CLIENT_IDENT / SESSION_RECONNECT carry them unchecked) would
   * otherwise receive the messages queued for it. Ceph 16 does not check this.
   */
  private checkSamePeer(existing: ProtocolV2): void {
    const mine = this.meta.peerName;
    if (!mine) return;
    const theirs = existing.role === 'accept' ? existing.meta.peerName : undefined;
    const same = theirs ? theirs.type === mine.type && theirs.id === mine.id : existing.role !== 'connect' || existing.peerType < 0 || existing.peerType === mine.type;
    if (!same) {
      const who = theirs ? formatEntityName(theirs) : entityTypeName(existing.peerType);
      throw cephError('EACCES', `${formatEntityName(mine)} claims the addresses of ${who}'s session`);
    }
  }

  /** _auth_bad_method: tell the client what we accept; it may retry with another method. */
  private badMethod(result: number, reason: string): void {
    this.log(1, `auth bad method ${this.meta.authMethod}: ${reason}`);
    if (++this.authRetries > msgrLimits.authRetriesMax) throw cephError('EACCES', `refused ${msgrLimits.authRetriesMax} auth attempts: ${reason}`);
    const { methods, modes } = this.auth.supportedMethods(this.peerType);
    this.state = 'AUTH_ACCEPTING';
    this.writeControl({ tag: Tag.AUTH_BAD_METHOD, method: this.meta.authMethod, result, allowedMethods: methods, allowedModes: modes });
  }

  private handleClientIdent(f: Extract<ControlFrame, { tag: typeof Tag.CLIENT_IDENT }>): void {
    if (f.addrs.length === 0 || f.addrs[0]!.type === AddrType.NONE) throw cephError('EPROTO', 'client_ident.addrs is empty');
    if (!this.env.myAddrs().some((a) => addrEquals(a, f.targetAddr))) {
      throw cephError('EPROTO', `peer is trying to reach ${formatAddr(f.targetAddr)} which is not us`);
    }
    const s = this.session;
    s.peerAddrs = f.addrs;
    s.peerName = { type: this.peerType, num: Number(f.gid) };
    s.clientCookie = f.cookie;
    const missing = (this.policy.featuresRequired | MSGR2_REQUIRED_FEATURES) & ~f.supportedFeatures;
    if (missing) {
      this.log(1, `peer missing required features ${missing.toString(16)}`);
      this.writeControl({ tag: Tag.IDENT_MISSING_FEATURES, features: missing });
      return;
    }
    s.features = f.supportedFeatures & this.policy.featuresSupported;
    s.peerGlobalSeq = f.globalSeq;
    if (this.policy.server && this.policy.lossy && !this.policy.registerLossyClients) {
      this.sendServerIdent();
      return;
    }
    const existing = this.directory?.lookup(f.addrs);
    if (existing && existing !== this) this.handleExisting(existing, f.cookie);
    else this.sendServerIdent();
  }

  /** handle_existing_connection: a session with this peer already exists (or a race is on). */
  private handleExisting(existing: ProtocolV2, cookie: bigint): void {
    const ex = existing.session;
    if (existing.state === 'CLOSED') return this.sendServerIdent();
    this.checkSamePeer(existing);
    if (existing.replacing) return this.writeControl({ tag: Tag.WAIT });
    if (ex.peerGlobalSeq > this.session.peerGlobalSeq) throw cephError('ECONNABORTED', 'stale connection: the peer has a newer one');
    if (existing.policy.lossy) {
      existing.close();
      this.emit({ kind: 'evict', existing });
      return this.sendServerIdent();
    }
    if (ex.serverCookie && ex.clientCookie && ex.clientCookie !== cookie) {
      // The peer restarted: its new client cookie replaces the old session.
      if (this.policy.resetcheck) {
        const dropped = ex.reset();
        this.emit({ kind: 'remoteReset', dropped: dropped.length });
      }
      return this.reuse(existing, false);
    }
    if (ex.clientCookie === cookie) return this.reuse(existing, false); // ident interrupted before SERVER_IDENT
    if (existing.state === 'READY' || existing.state === 'STANDBY') return this.reuse(existing, false);
    // Both sides connecting at once: the lower address wins unless the existing one is a server.
    if (compareAddr(this.session.peerAddrs, this.env.myAddrs()) < 0 || existing.policy.server) return this.reuse(existing, false);
    this.writeControl({ tag: Tag.WAIT });
  }

  /** handle_reconnect: a lossless peer wants its session back. */
  private handleReconnect(f: Extract<ControlFrame, { tag: typeof Tag.SESSION_RECONNECT }>): void {
    this.session.peerAddrs = f.addrs;
    this.session.peerGlobalSeq = f.globalSeq;
    const existing = this.directory?.lookup(f.addrs);
    if (!existing || existing === this || existing.state === 'CLOSED') {
      this.log(0, 'no existing connection exists, resetting client');
      return this.writeControl({ tag: Tag.SESSION_RESET, full: true });
    }
    this.checkSamePeer(existing);
    const ex = existing.session;
    if (existing.replacing) return this.writeControl({ tag: Tag.SESSION_RETRY_GLOBAL, globalSeq: ex.peerGlobalSeq });
    if (ex.clientCookie !== f.clientCookie) return this.writeControl({ tag: Tag.SESSION_RESET, full: existing.policy.resetcheck });
    if (ex.serverCookie === 0n) return this.writeControl({ tag: Tag.SESSION_RESET, full: false });
    if (ex.peerGlobalSeq > f.globalSeq) return this.writeControl({ tag: Tag.SESSION_RETRY_GLOBAL, globalSeq: ex.peerGlobalSeq });
    if (ex.connectSeq > f.connectSeq) return this.writeControl({ tag: Tag.SESSION_RETRY, connectSeq: ex.connectSeq });
    if (ex.connectSeq === f.connectSeq && compareAddr(existing.peerAddrs, this.env.myAddrs()) > 0 && !existing.policy.server) {
      return this.writeControl({ tag: Tag.WAIT }); // reconnect race: the existing connection wins
    }
    ex.connectSeq = f.connectSeq;
    ex.messageSeq = f.msgSeq;
    ex.peerGlobalSeq = f.globalSeq;
    this.reuse(existing, true);
  }

  /** reuse_connection: take the existing session over onto this socket. */
  private reuse(existing: ProtocolV2, reconnecting: boolean): void {
    const ex = existing.session;
    ex.requeueSent();
    if (!reconnecting) {
      ex.clientCookie = this.session.clientCookie;
      ex.peerName = this.session.peerName;
      ex.features = this.session.features;
      ex.peerAddrs = this.session.peerAddrs;
    }
    ex.peerGlobalSeq = this.session.peerGlobalSeq;
    this.session = ex;
    this.policy = existing.policy;
    existing.detach();
    this.emit({ kind: 'takeover', existing });
    if (reconnecting) this.sendReconnectOk();
    else this.sendServerIdent();
  }

  private sendServerIdent(): void {
    const s = this.session;
    s.discardRequeuedUpTo(0);
    s.inSeq = 0;
    if (!this.policy.lossy) s.serverCookie = this.env.randomCookie();
    if (this.directory && !this.directory.register(this)) throw cephError('EBUSY', 'lost a connection race for this peer');
    this.writeControl({
      tag: Tag.SERVER_IDENT,
      addrs: this.env.myAddrs(),
      gid: this.env.myGid(),
      globalSeq: this.env.nextGlobalSeq(),
      supportedFeatures: this.policy.featuresSupported,
      requiredFeatures: this.policy.featuresRequired | MSGR2_REQUIRED_FEATURES,
      flags: this.policy.lossy ? CEPH_MSG_CONNECT_LOSSY : 0n,
      cookie: s.serverCookie,
    });
    this.ready(false);
  }

  private sendReconnectOk(): void {
    const s = this.session;
    s.discardRequeuedUpTo(s.messageSeq);
    if (this.directory && !this.directory.register(this)) throw cephError('EBUSY', 'lost a connection race for this peer');
    this.writeControl({ tag: Tag.SESSION_RECONNECT_OK, msgSeq: s.inSeq });
    this.ready(true);
  }
}

const DAEMON_TYPES: readonly number[] = [EntityType.MON, EntityType.OSD, EntityType.MDS, EntityType.MGR];

/** entity_addrvec_t::msgr2_addr() comparison for race resolution (memcmp order of the address bytes). */
function compareAddr(a: EntityAddrvec | undefined, b: EntityAddrvec): number {
  const pick = (v: EntityAddrvec | undefined) => v?.find((x) => x.type === AddrType.MSGR2 || x.type === AddrType.ANY) ?? v?.[0];
  const x = pick(a);
  const y = pick(b);
  if (!x || !y) return 0;
  return Buffer.compare(Buffer.concat([u32(x.type), u32(x.nonce), u16(x.family), x.sa]), Buffer.concat([u32(y.type), u32(y.nonce), u16(y.family), y.sa]));
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
