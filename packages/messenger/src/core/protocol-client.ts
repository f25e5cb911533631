import { CephError, cephError, Errno, strerror, errnoName } from '@ts-ceph/common/core';
import { AddrType, addrEquals, addrIp, EntityAddr, makeAddr } from '@ts-ceph/denc';
import type { AuthClientProvider } from '../auth-provider';
import { ControlFrame, MSGR2_REQUIRED_FEATURES } from './control';
import { msgrLimits } from './limits';
import { Policy } from './policy';
import { ProtocolEnv, ProtocolV2 } from './protocol';
import { Session } from './session';
import { CEPH_MSG_CONNECT_LOSSY, Tag } from './tags';

/**
 * The connecting side of the msgr2.1 handshake (ProtocolV2's client methods):
 *   banner → HELLO → AUTH_REQUEST [→ AUTH_REPLY_MORE → AUTH_REQUEST_MORE]* → AUTH_DONE
 *   → AUTH_SIGNATURE both ways → CLIENT_IDENT → SERVER_IDENT   (new session)
 *                              → SESSION_RECONNECT → SESSION_RECONNECT_OK (resumed lossless session)
 * with SESSION_RESET / SESSION_RETRY / SESSION_RETRY_GLOBAL / WAIT / IDENT_MISSING_FEATURES as the
 * server's other answers.
 */
export class ClientProtocol extends ProtocolV2 {
  readonly role = 'connect' as const;
  private authRounds = 0;
  private authRetries = 0;
  private reconnectRounds = 0;
  /** The connection modes our last AUTH_REQUEST offered: the server must pick one of them. */
  private offeredModes: number[] = [];

  constructor(
    env: ProtocolEnv,
    private readonly auth: AuthClientProvider,
    readonly targetAddr: EntityAddr,
    peerType: number,
    policy: Policy,
    session?: Session,
  ) {
    super(env, policy, peerType, session);
  }

  start(_nowMs: number): void {
    this.state = 'BANNER_CONNECTING';
    this.session.globalSeq = this.env.nextGlobalSeq();
    this.sendBanner();
  }

  protected onBanner(): void {
    this.state = 'HELLO_CONNECTING';
    this.writeControl({ tag: Tag.HELLO, entityType: this.env.myType, peerAddr: this.targetAddr });
  }

  protected onControl(f: ControlFrame): void {
    switch (f.tag) {
      case Tag.HELLO: {
        this.requireState(f, 'HELLO_CONNECTING');
        if (f.entityType !== this.peerType) {
          throw cephError('ECONNREFUSED', `connection peer type does not match what peer advertises ${this.peerType} != ${f.entityType}`);
        }
        const mine = this.env.myAddrs();
        if ((mine.length === 0 || addrIp(mine[0]!) === '' || isBlankIp(mine[0]!)) && this.env.learnedAddr) this.env.learnedAddr(f.peerAddr);
        this.state = 'AUTH_CONNECTING';
        this.sendAuthRequest();
        return;
      }
      case Tag.AUTH_BAD_METHOD: {
        this.requireState(f, 'AUTH_CONNECTING');
        this.log(1, `auth bad method ${f.method} result ${f.result} allowed methods ${f.allowedMethods} modes ${f.allowedModes}`);
        if (++this.authRetries > msgrLimits.authRetriesMax) throw cephError('EACCES', `gave up after ${msgrLimits.authRetriesMax} AUTH_BAD_METHOD answers`);
        if (!this.auth.handleAuthBadMethod(this.meta, f.method, f.result, f.allowedMethods, f.allowedModes)) {
          const errno = f.result < 0 ? -f.result : Errno.EACCES;
          throw new CephError(errnoName(errno), errno, `authentication refused by the server: ${strerror(errno)} (method ${f.method})`);
        }
        this.sendAuthRequest();
        return;
      }
      case Tag.AUTH_REPLY_MORE: {
        this.requireState(f, 'AUTH_CONNECTING');
        if (++this.authRounds > msgrLimits.authRoundsMax) throw cephError('EACCES', `more than authRoundsMax ${msgrLimits.authRoundsMax} auth rounds`);
        const reply = this.auth.handleAuthReplyMore(this.meta, f.payload);
        this.writeControl({ tag: Tag.AUTH_REQUEST_MORE, payload: reply });
        return;
      }
      case Tag.AUTH_DONE: {
        this.requireState(f, 'AUTH_CONNECTING');
        // The server picks from our preferences; anything else is a peer (or a tamperer) trying to
        // choose for us, e.g. crc where we asked for secure only.
        if (!this.offeredModes.includes(f.conMode)) {
          throw cephError('EACCES', `server chose connection mode ${f.conMode}, which we did not offer (${this.offeredModes.join(',')})`);
        }
        this.auth.handleAuthDone(this.meta, f.globalId, f.conMode, f.payload);
        this.meta.conMode = f.conMode;
        this.startCrypto(false);
        this.state = 'AUTH_CONNECTING_SIGN';
        this.sendSignature();
        return;
      }
      case Tag.AUTH_SIGNATURE:
        this.requireState(f, 'AUTH_CONNECTING_SIGN');
        this.verifySignature(f.signature);
        if (!this.session.serverCookie) {
          this.state = 'SESSION_CONNECTING';
          this.sendClientIdent();
        } else {
          this.state = 'SESSION_RECONNECTING';
          this.sendReconnect();
        }
        return;
      case Tag.IDENT_MISSING_FEATURES:
        this.requireState(f, 'SESSION_CONNECTING');
        throw cephError('EOPNOTSUPP', `server requires features we lack: 0x${f.features.toString(16)}`);
      case Tag.SESSION_RESET: {
        this.requireState(f, 'SESSION_RECONNECTING');
        this.log(1, `received session reset full=${f.full}`);
        if (f.full) {
          const dropped = this.session.reset();
          this.emit({ kind: 'remoteReset', dropped: dropped.length });
        } else {
          this.session.serverCookie = 0n;
          this.session.connectSeq = 0;
          this.session.inSeq = 0;
        }
        this.state = 'SESSION_CONNECTING';
        this.sendClientIdent();
        return;
      }
      case Tag.SESSION_RETRY:
        this.requireState(f, 'SESSION_RECONNECTING');
        this.countReconnect();
        this.session.connectSeq = f.connectSeq + 1;
        this.sendReconnect();
        return;
      case Tag.SESSION_RETRY_GLOBAL:
        this.requireState(f, 'SESSION_RECONNECTING');
        this.countReconnect();
        this.session.globalSeq = this.env.nextGlobalSeq(f.globalSeq);
        this.sendReconnect();
        return;
      case Tag.WAIT:
        this.requireState(f, 'SESSION_CONNECTING', 'SESSION_RECONNECTING');
        this.fault(cephError('EAGAIN', 'peer asked us to wait (connection race)'), true);
        return;
      case Tag.SESSION_RECONNECT_OK:
        this.requireState(f, 'SESSION_RECONNECTING');
        this.session.discardRequeuedUpTo(f.msgSeq);
        this.ready(true);
        return;
      case Tag.SERVER_IDENT: {
        this.requireState(f, 'SESSION_CONNECTING');
        if (!f.addrs.some((a) => addrEquals(a, this.targetAddr))) {
          throw cephError('ECONNREFUSED', `peer identifies as ${f.addrs.length} address(es) not including the one we dialled`);
        }
        const s = this.session;
        s.serverCookie = f.cookie;
        s.peerAddrs = f.addrs;
        s.peerName = { type: this.peerType, num: Number(f.gid) };
        s.features = f.supportedFeatures & this.policy.featuresSupported;
        s.peerGlobalSeq = f.globalSeq;
        // The server decides whether the session is lossy.
        s.lossy = (f.flags & CEPH_MSG_CONNECT_LOSSY) !== 0n;
        this.policy = { ...this.policy, lossy: s.lossy };
        this.ready(false);
        return;
      }
      default:
        throw cephError('EPROTO', `unexpected ${f.tag} frame on the connecting side`);
    }
  }

  private sendAuthRequest(): void {
    const req = this.auth.getAuthRequest(this.meta);
    this.meta.authMethod = req.method;
    this.offeredModes = [...req.preferredModes];
    this.writeControl({ tag: Tag.AUTH_REQUEST, method: req.method, preferredModes: req.preferredModes, payload: req.payload });
  }

  private sendClientIdent(): void {
    const s = this.session;
    if (!s.lossy && !s.clientCookie) s.clientCookie = this.env.randomCookie();
    this.writeControl({
      tag: Tag.CLIENT_IDENT,
      addrs: this.env.myAddrs(),
      targetAddr: this.targetAddr,
      gid: this.env.myGid(),
      globalSeq: s.globalSeq,
      supportedFeatures: this.policy.featuresSupported,
      requiredFeatures: this.policy.featuresRequired | MSGR2_REQUIRED_FEATURES,
      flags: s.lossy ? CEPH_MSG_CONNECT_LOSSY : 0n,
      cookie: s.clientCookie,
    });
  }

  private sendReconnect(): void {
    const s = this.session;
    this.writeControl({
      tag: Tag.SESSION_RECONNECT,
      addrs: this.env.myAddrs(),
      clientCookie: s.clientCookie,
      serverCookie: s.serverCookie,
      globalSeq: s.globalSeq,
      connectSeq: s.connectSeq,
      msgSeq: s.inSeq,
    });
  }

  private countReconnect(): void {
    if (++this.reconnectRounds > msgrLimits.reconnectRoundsMax) {
      throw cephError('EPROTO', `more than reconnectRoundsMax ${msgrLimits.reconnectRoundsMax} reconnect retries`);
    }
  }
}

/** entity_addr_t::is_blank_ip: no address family, or the any-address. */
export function isBlankIp(a: EntityAddr): boolean {
  const ip = addrIp(a);
  return ip === '' || ip === '0.0.0.0' || ip === '::';
}

/** A client's own address before it learns one: type ANY, no ip, port 0, our nonce. */
export function blankClientAddr(nonce: number): EntityAddr {
  const a = makeAddr(AddrType.ANY, '', 0, nonce);
  return a;
}
