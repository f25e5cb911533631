import { randomBytes } from 'node:crypto';
import { AssertionError, CephError, cephError, Clock, EventSummary, logger, realClock } from '@ts-ceph/common';
import { AddrType, EntityAddr, EntityAddrvec, EntityName, formatAddr, formatEntityName, makeAddr, addrIp, entityTypeName } from '@ts-ceph/denc';
import type { AuthClientProvider, AuthServerProvider } from './auth-provider';
import { Connection } from './connection';
import { CephMessage } from './core/message';
import { Policies, Policy } from './core/policy';
import { msgrLimits, msgrTimeouts } from './core/limits';
import { asCephError, ProtocolEnv, ProtoState, ProtocolV2 } from './core/protocol';
import { ServerProtocol, SessionDirectory } from './core/protocol-server';
import { MessageRegistry, messageTypes } from './message-registry';
import { GcmImpl, installNativeCrc32c, nativeGcmBinding } from './native-gcm';
import { HandshakeGate } from './handshake-gate';
import { TcpTransportFactory } from './tcp-transport';
import { Listener, Transport, TransportFactory } from './transport';

const log = logger('ms');

/** What a daemon or client plugs into a messenger (Ceph's Dispatcher). */
export interface Dispatcher {
  /** A message arrived; `payload` is its decoded body if its type is registered. */
  msDispatch(con: Connection, msg: CephMessage, payload: unknown): void;
  /** An outgoing connection completed its handshake (`reconnected`: a lossless session resumed). */
  msHandleConnect?(con: Connection, reconnected: boolean): void;
  /** An incoming connection completed its handshake. */
  msHandleAccept?(con: Connection): void;
  /** A connection died (lossy fault, handshake or auth failure); `error` says why. */
  msHandleReset?(con: Connection, error: CephError): void;
  /** The peer reset our lossless session: what we had queued for it is gone. */
  msHandleRemoteReset?(con: Connection): void;
  /** Accepting side: a peer's credentials were refused (bad key, bad ticket); see AuthFailure. */
  msHandleAuthFailure?(failure: AuthFailure): void;
}

/** One refused credential on an accepted connection, for the daemon's counts and health checks. */
export interface AuthFailure {
  /** Who the peer claimed to be, when the auth provider got that far (a bad ticket hides it). */
  entity: EntityName | undefined;
  /** The peer's source IP address. */
  addr: string;
  /** Negative errno the provider refused with (-EACCES ...). */
  result: number;
  reason: string;
}

export interface MessengerOptions {
  /** Our entity type (EntityType.CLIENT, MON, OSD ...). */
  entityType: number;
  /** Nonce of our addresses (random by default, as librados clients use). */
  nonce?: number;
  authClient?: AuthClientProvider | ((peerType: number) => AuthClientProvider);
  authServer?: AuthServerProvider;
  clock?: Clock;
  transports?: TransportFactory;
  registry?: MessageRegistry;
  /**
   * Policy per peer entity type; `defaultPolicy` for the rest. Without either, outgoing connections
   * are lossy clients and accepted ones stateless servers.
   */
  policies?: Map<number, Policy>;
  defaultPolicy?: Policy;
  /**
   * ms_connection_ready_timeout: a handshake (TCP connect included) must finish within this; applies
   * to accepted connections too (default msgrTimeouts.connectionReadyTimeoutMs, 10 s).
   */
  connectTimeoutMs?: number;
  /** ms_initial_backoff / ms_max_backoff for lossless reconnects. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * ms_connection_idle_timeout: a READY connection with no traffic for this long faults (default
   * msgrTimeouts.connectionIdleTimeoutMs, 900 s; 0 turns it off).
   */
  idleTimeoutMs?: number;
  /**
   * Accepted connections still in their handshake at once (msgrLimits.handshakeConnectionsMax); a
   * newcomer over it evicts the oldest unauthenticated one (core/admission.ts).
   */
  handshakeConnectionsMax?: number;
  /** The same from one source IP address (msgrLimits.handshakesPerAddrMax). */
  handshakesPerAddrMax?: number;
  /** Accept to a valid banner and HELLO (msgrTimeouts.helloTimeoutMs). */
  helloTimeoutMs?: number;
  /** Bytes held for one peer before it counts as not reading (msgrLimits.outQueueBytesMax). */
  outQueueBytesMax?: number;
  /**
   * AES-128-GCM for secure mode: 'native' (the addon's long-lived contexts, native/gcm.cc) when it is
   * built, else node:crypto; 'node' forces node:crypto. Same bytes on the wire either way.
   */
  gcm?: GcmImpl;
}

type ResolvedOptions = Required<
  Pick<
    MessengerOptions,
    'connectTimeoutMs' | 'initialBackoffMs' | 'maxBackoffMs' | 'idleTimeoutMs' | 'handshakeConnectionsMax' | 'handshakesPerAddrMax' | 'helloTimeoutMs' | 'outQueueBytesMax'
  >
>;

/**
 * A msgr2.1 messenger (AsyncMessenger): owns our addresses, the listener, the connections and the
 * session directory, and delivers messages to dispatchers. Protocol logic lives in the sans-I/O
 * cores; this is the I/O and bookkeeping around them.
 */
export class Messenger {
  readonly clock: Clock;
  readonly transports: TransportFactory;
  readonly registry: MessageRegistry;
  readonly opts: ResolvedOptions;
  readonly entityType: number;
  readonly nonce: number;
  private myAddrs: EntityAddrvec = [];
  private myGid = -1n;
  private globalSeq = 0;
  private readonly dispatchers: Dispatcher[] = [];
  private readonly conns = new Set<Connection>();
  /** Accepted connections that have not finished their handshake, and which of them to evict. */
  private readonly gate: HandshakeGate;
  /** One log line per interval for refused, evicted and failed handshakes and auth failures. */
  readonly summary: EventSummary;
  /** Session directory: peer address → the connection that owns the session with it. */
  private readonly byPeer = new Map<string, Connection>();
  readonly owners = new WeakMap<ProtocolV2, Connection>();
  private listener: Listener | undefined;
  private stopped = false;
  readonly env: ProtocolEnv;
  readonly directory: SessionDirectory;

  constructor(private readonly options: MessengerOptions) {
    this.clock = options.clock ?? realClock;
    this.transports = options.transports ?? new TcpTransportFactory();
    this.registry = options.registry ?? messageTypes;
    this.entityType = options.entityType;
    this.nonce = options.nonce ?? randomBytes(4).readUInt32LE(0);
    this.opts = {
      connectTimeoutMs: options.connectTimeoutMs ?? msgrTimeouts.connectionReadyTimeoutMs,
      initialBackoffMs: options.initialBackoffMs ?? 200,
      maxBackoffMs: options.maxBackoffMs ?? 15_000,
      idleTimeoutMs: options.idleTimeoutMs ?? msgrTimeouts.connectionIdleTimeoutMs,
      handshakeConnectionsMax: options.handshakeConnectionsMax ?? msgrLimits.handshakeConnectionsMax,
      handshakesPerAddrMax: options.handshakesPerAddrMax ?? msgrLimits.handshakesPerAddrMax,
      helloTimeoutMs: options.helloTimeoutMs ?? msgrTimeouts.helloTimeoutMs,
      outQueueBytesMax: options.outQueueBytesMax ?? msgrLimits.outQueueBytesMax,
    };
    this.summary = new EventSummary({
      clock: this.clock,
      intervalMs: msgrTimeouts.summaryIntervalMs,
      keysMax: msgrLimits.summaryKeysMax,
      title: 'ms summary',
      write: (line) => log.dout(0, line),
    });
    this.gate = new HandshakeGate(this.clock, this.opts, this.summary);
    this.env = {
      myType: this.entityType,
      myAddrs: () => this.myAddrs,
      learnedAddr: (a) => this.learnedAddr(a),
      myGid: () => this.myGid,
      nextGlobalSeq: (atLeast = 0) => (this.globalSeq = Math.max(this.globalSeq, atLeast) + 1),
      randomCookie: () => randomBytes(8).readBigUInt64LE(0) || 1n,
      // Accepted connections: a messenger with no policy for the peer type serves it statelessly.
      policyFor: (t) => this.options.policies?.get(t) ?? this.options.defaultPolicy ?? Policies.statelessServer(),
      log: (level, text) => log.dout(level, text),
      gcm: options.gcm === 'node' ? undefined : nativeGcmBinding(),
    };
    installNativeCrc32c();
    this.directory = {
      lookup: (addrs) => {
        for (const a of addrs) {
          const c = this.byPeer.get(addrKey(a));
          if (c?.protocol) return c.protocol;
        }
        return undefined;
      },
      register: (p) => {
        const c = this.owners.get(p);
        if (c) this.remember(c, p.peerAddrs);
        return true;
      },
    };
  }

  addDispatcher(d: Dispatcher): void {
    this.dispatchers.push(d);
  }

  get addrs(): EntityAddrvec {
    return this.myAddrs;
  }

  /**
   * Speak for addresses bound by another messenger (a daemon's MonClient announces the daemon's
   * public addrs in CLIENT_IDENT, as Ceph's OSD does by sharing one messenger).
   */
  setAddrs(addrs: EntityAddrvec): void {
    this.myAddrs = addrs;
  }

  /** Our global id once auth gave us one (CLIENT_IDENT's gid). */
  setMyGid(gid: bigint): void {
    this.myGid = gid;
  }

  policyFor(peerType: number): Policy {
    return this.options.policies?.get(peerType) ?? this.options.defaultPolicy ?? Policies.lossyClient();
  }

  authClientFor(peerType: number): AuthClientProvider {
    const a = this.options.authClient;
    if (!a) throw cephError('EINVAL', 'messenger has no auth client provider');
    return typeof a === 'function' ? a(peerType) : a;
  }

  /** Listen on ip:port (port 0 picks a free port); our address becomes v2:ip:port/nonce. */
  async bind(ip: string, port: number): Promise<EntityAddrvec> {
    if (!this.options.authServer) throw cephError('EINVAL', 'messenger has no auth server provider');
    this.listener = await this.transports.listen({ ip, port }, (t) => this.accept(t));
    this.myAddrs = [makeAddr(AddrType.MSGR2, ip, this.listener.local.port, this.nonce)];
    log.dout(1, `bound to ${formatAddr(this.myAddrs[0]!)}`);
    return this.myAddrs;
  }

  /** connect_to: the existing connection to `addr`, or a new one. */
  connectTo(addr: EntityAddr, peerType: number, policy?: Policy): Connection {
    if (this.stopped) throw cephError('ESHUTDOWN', 'messenger is shut down');
    for (const c of this.conns) {
      if (c.targetAddr && addrKey(c.targetAddr) === addrKey(addr) && c.state !== 'closed' && c.peerType === peerType) return c;
    }
    const c = new Connection(this, peerType, policy ?? this.policyFor(peerType), addr);
    this.conns.add(c);
    c.startConnect();
    return c;
  }

  /** Stop listening and close every connection. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.gate.shutdown();
    for (const c of [...this.conns]) c.markDown();
    this.summary.flush();
    await this.listener?.close();
    this.listener = undefined;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Accepted connections still in their handshake. */
  get handshakingCount(): number {
    return this.gate.size;
  }

  // ---- used by Connection ------------------------------------------------------------------------

  forget(c: Connection): void {
    this.conns.delete(c);
    this.gate.finished(c);
    for (const [k, v] of this.byPeer) if (v === c) this.byPeer.delete(k);
  }

  registerReady(c: Connection): void {
    this.conns.add(c);
    this.gate.finished(c);
    const p = c.protocol;
    if (!p) return;
    if (c.isOutgoing || !p.session.lossy || p.policy.registerLossyClients) this.remember(c, p.peerAddrs);
  }

  deliverMessage(c: Connection, msg: CephMessage): void {
    let payload: unknown;
    try {
      payload = this.registry.decode(msg, c.features);
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      // Ceph's decode_message failure: fault the connection with the reason.
      const err = asCephError(e);
      c.protocol?.transportFailed(cephError('EBADMSG', `decode of ${this.registry.name(msg.type)} failed: ${err.message}`, { cause: e }));
      c.pump();
      return;
    }
    this.callDispatchers(c, `dispatch of ${this.registry.name(msg.type)}`, true, (d) => d.msDispatch(c, msg, payload));
  }

  deliverConnect(c: Connection, reconnected: boolean): void {
    this.callDispatchers(c, 'connect', true, (d) => {
      if (c.isOutgoing) d.msHandleConnect?.(c, reconnected);
      else d.msHandleAccept?.(c);
    });
  }

  deliverReset(c: Connection, error: CephError): void {
    this.callDispatchers(c, 'reset', false, (d) => d.msHandleReset?.(c, error));
  }

  deliverRemoteReset(c: Connection): void {
    this.callDispatchers(c, 'remote reset', false, (d) => d.msHandleRemoteReset?.(c));
  }

  /**
   * Call every dispatcher; one that throws is logged and (for a message or a connect) fails this
   * connection with EIO, as a message that cannot be handled is the peer's problem, not the daemon's:
   * nothing a peer sends may end the process. AssertionErrors (our bugs) still propagate.
   */
  private callDispatchers(c: Connection, what: string, faultOnError: boolean, fn: (d: Dispatcher) => void): void {
    for (const d of this.dispatchers) {
      try {
        fn(d);
      } catch (e) {
        if (e instanceof AssertionError) throw e;
        const err = asCephError(e);
        log.dout(0, `${c.describe()} dispatcher failed on ${what}: ${err.message}`);
        if (faultOnError) {
          c.protocol?.transportFailed(cephError('EIO', `dispatcher failed on ${what}: ${err.message}`, { cause: e }));
          c.pump();
          return;
        }
      }
    }
  }

  // ---- internals -----------------------------------------------------------------------------------

  /**
   * The listener's callback, straight from the event loop: a failure drops this connection only.
   * Admission (core/admission.ts) may evict older unauthenticated handshakes to make room; each
   * eviction, refusal and failure is counted in the summary line, never logged one by one, since a
   * flood of them is exactly what a hostile peer sends.
   */
  private accept(t: Transport): void {
    let c: Connection | undefined;
    try {
      if (this.stopped) return t.destroy();
      const ip = t.remote.ip.replace(/^::ffff:/, '');
      c = new Connection(this, -1, Policies.statelessServer(), undefined);
      if (!this.gate.admit(c, ip)) return t.destroy();
      const proto = new ServerProtocol(this.env, this.options.authServer!, makeAddr(AddrType.MSGR2, ip, t.remote.port, 0), this.directory);
      this.conns.add(c);
      c.armHandshakeTimer(proto);
      c.attach(t, proto);
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      log.dout(0, `accepting from ${t.remote.ip}:${t.remote.port} failed: ${asCephError(e).message}`);
      c?.markDown();
      t.destroy();
    }
  }

  /** Connection: an accepted connection's protocol moved on (after each batch of bytes). */
  handshakeProgress(c: Connection, state: ProtoState): void {
    this.gate.progressed(c, state);
  }

  /** Connection: the auth provider refused a peer's credentials. */
  noteAuthFailure(c: Connection, entity: EntityName | undefined, result: number, reason: string): void {
    const addr = c.peerIp();
    this.summary.note('auth failures', `${entity ? formatEntityName(entity) : 'unknown entity'} from ${addr}`);
    log.dout(10, `auth failure from ${addr}: ${reason}`);
    const failure: AuthFailure = { entity, addr, result, reason };
    this.callDispatchers(c, 'auth failure', false, (d) => d.msHandleAuthFailure?.(failure));
  }

  /** Connection: an accepted connection failed before READY (timeout, protocol error, peer gone). */
  noteHandshakeFailure(ip: string, error: CephError): void {
    this.summary.note(`failed handshakes (${error.code})`, ip);
  }

  /** Parked sockets of evicted handshakes (held open, unread, until msgrTimeouts.parkedHoldMs). */
  get parkedCount(): number {
    return this.gate.parkedCount;
  }

  private remember(c: Connection, addrs: EntityAddrvec | undefined): void {
    for (const a of addrs ?? []) this.byPeer.set(addrKey(a), c);
    if (c.targetAddr) this.byPeer.set(addrKey(c.targetAddr), c);
  }

  private learnedAddr(peerAddrForMe: EntityAddr): void {
    if (this.myAddrs.length && addrIp(this.myAddrs[0]!) !== '') return;
    // AsyncMessenger::learned_addr: keep the peer's idea of our ip, with our nonce, no port.
    const ip = addrIp(peerAddrForMe);
    this.myAddrs = [makeAddr(AddrType.ANY, ip, 0, this.nonce)];
    log.dout(1, `learned my addr ${formatAddr(this.myAddrs[0]!)} (${entityTypeName(this.entityType)})`);
  }
}

/** Session directory key: the address without its type (ip:port/nonce). */
function addrKey(a: EntityAddr): string {
  return `${a.family}/${a.sa.subarray(0, 22).toString('hex')}/${a.nonce}`;
}
