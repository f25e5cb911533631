import { AssertionError, CephError, cephError, logger, TimerHandle } from '@ts-ceph/common';
import { addrIp, addrPort, EntityAddr, EntityAddrvec, EntityNameT, formatAddr, utimeToMs } from '@ts-ceph/denc';
import { CephMessage, messageDataBytes } from './core/message';
import { Policy } from './core/policy';
import { asCephError, ProtocolOutput, ProtocolV2 } from './core/protocol';
import { ClientProtocol } from './core/protocol-client';
import type { Messenger } from './messenger';
import { Transport } from './transport';

const log = logger('ms');

export type ConnectionState = 'connecting' | 'ready' | 'backoff' | 'standby' | 'closed';

/**
 * One logical connection to a peer (AsyncConnection): the driver that feeds a sans-I/O protocol from
 * a Transport, runs its timers, and outlives TCP connections when the session is lossless (a new
 * transport and protocol take over the same Session after a fault). Dispatchers see this object.
 */
export class Connection {
  state: ConnectionState = 'connecting';
  protocol: ProtocolV2 | undefined;
  transport: Transport | undefined;
  /** Wall-clock ms of the last KEEPALIVE2_ACK (and KEEPALIVE2) from the peer. */
  lastKeepaliveAckMs = 0;
  lastKeepaliveMs = 0;
  /** Why the connection failed last (a CephError), for callers that want the reason. */
  lastError: CephError | undefined;
  private handshakeTimer: TimerHandle | undefined;
  private backoffTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  /** Monotonic ms of the last byte read or written (AsyncConnection::last_active). */
  private lastActiveMs = 0;
  private backoffMs = 0;
  private closing = false;
  /** The peer's IP address of the last transport (kept for the summary log after it is torn down). */
  private remoteIp = '?';
  /** User data a dispatcher may hang on the connection (Ceph's priv, e.g. a MonSession). */
  priv: unknown;

  constructor(
    readonly messenger: Messenger,
    private readonly dialType: number,
    private readonly dialPolicy: Policy,
    /** Outgoing: the address we dial. Accepted: undefined. */
    readonly targetAddr: EntityAddr | undefined,
  ) {}

  /** The peer's entity type (for an accepted connection, known after its HELLO). */
  get peerType(): number {
    return this.protocol && this.protocol.peerType >= 0 ? this.protocol.peerType : this.dialType;
  }

  get policy(): Policy {
    return this.protocol?.policy ?? this.dialPolicy;
  }

  get isOutgoing(): boolean {
    return this.targetAddr !== undefined;
  }

  get isConnected(): boolean {
    return this.state === 'ready';
  }

  get peerAddrs(): EntityAddrvec | undefined {
    return this.protocol?.peerAddrs;
  }

  get peerName(): EntityNameT | undefined {
    return this.protocol?.peerName;
  }

  /** Connection features (ours & the peer's), valid once ready. */
  get features(): bigint {
    return this.protocol?.session.features ?? 0n;
  }

  get peerGlobalId(): bigint | undefined {
    return this.protocol?.meta.peerGlobalId;
  }

  describe(): string {
    const peer = this.targetAddr ? formatAddr(this.targetAddr) : this.transport ? `${this.transport.remote.ip}:${this.transport.remote.port}` : '?';
    return `conn(${peer} ${this.state}${this.protocol?.secure ? ' secure' : ''})`;
  }

  /** Queue a message (dropped with a log line if the connection is closed, as Ceph does). */
  send(msg: CephMessage): void {
    // A lossy protocol that just faulted (its 'fault' not yet pumped) counts as closed too: a
    // dispatcher answering the message that ended the connection must not get ENOTCONN thrown at it.
    const gone = this.protocol?.state === 'CLOSED' && this.protocol.session.lossy;
    if (this.state === 'closed' || !this.protocol || gone) {
      log.dout(10, `${this.describe()} closed: dropping message type ${msg.type}`);
      return;
    }
    log.dout(20, () => `${this.describe()} --> type ${msg.type} tid ${msg.tid} ${msg.front.length}+${msg.middle.length}+${messageDataBytes(msg)}`);
    this.protocol.send(msg);
    this.pump();
    if (this.state === 'standby' && !this.policy.server && this.isOutgoing) this.reconnectNow();
  }

  sendKeepalive(): void {
    if (!this.protocol || this.state === 'closed') return;
    this.protocol.sendKeepalive(this.messenger.clock.wallNow());
    this.pump();
  }

  /**
   * Take the transport away (handlers and all) and mark the connection down: the messenger parks
   * the socket of an evicted handshake instead of closing it (see ParkingLot).
   */
  detachTransport(): Transport | undefined {
    const t = this.transport;
    this.transport = undefined;
    this.markDown();
    return t;
  }

  /** mark_down: close now, drop what is queued, no reset callback. */
  markDown(): void {
    if (this.state === 'closed') return;
    this.closing = true;
    this.protocol?.close();
    this.teardownTransport();
    this.cancelTimers();
    this.state = 'closed';
    this.messenger.forget(this);
  }

  // ---- driver internals (used by Messenger) ---------------------------------------------------

  /** Dial the target and run a client handshake on a fresh protocol over the existing session. */
  startConnect(): void {
    const target = this.targetAddr!;
    this.touch();
    this.state = 'connecting';
    const m = this.messenger;
    const session = this.protocol?.session;
    if (session && session.serverCookie) session.connectSeq++;
    const proto = new ClientProtocol(m.env, m.authClientFor(this.dialType), target, this.dialType, this.dialPolicy, session);
    proto.outQueueBytesMax = m.opts.outQueueBytesMax;
    this.protocol = proto;
    m.owners.set(proto, this);
    this.armHandshakeTimer(proto);
    m.transports.connect({ ip: addrIp(target), port: addrPort(target) }, m.opts.connectTimeoutMs).then(
      (t) => {
        if (this.protocol !== proto || this.state === 'closed') return t.destroy();
        this.attach(t, proto);
      },
      (e: CephError) => {
        if (this.protocol !== proto) return;
        proto.transportFailed(e);
        this.pump();
      },
    );
  }

  attach(t: Transport, proto: ProtocolV2): void {
    this.transport = t;
    this.remoteIp = t.remote.ip.replace(/^::ffff:/, '');
    this.protocol = proto;
    this.messenger.owners.set(proto, this);
    proto.outQueueBytesMax = this.messenger.opts.outQueueBytesMax;
    this.touch();
    // Transport events run straight from the event loop: nothing may escape them (an uncaught
    // exception ends the daemon), so each is guarded.
    t.setHandlers({
      onData: (d) =>
        this.guarded('data', () => {
          if (this.protocol !== proto) return;
          this.touch();
          proto.receive(d, this.messenger.clock.wallNow());
          this.pump();
          if (!this.isOutgoing && this.state === 'connecting') this.messenger.handshakeProgress(this, proto.state);
        }),
      readTarget: () => (this.protocol === proto ? proto.readTarget() : undefined),
      onDrain: () =>
        this.guarded('drain', () => {
          if (this.protocol !== proto) return;
          this.touch();
          proto.setTxBacklog(t.bufferedBytes, t.highWaterBytes);
          this.pump();
        }),
      onClose: (err) =>
        this.guarded('close', () => {
          if (this.protocol !== proto) return;
          proto.transportFailed(err ?? cephError('ECONNRESET', 'peer closed the connection'));
          this.pump();
        }),
    });
    proto.setTxBacklog(t.bufferedBytes, t.highWaterBytes);
    if (proto.state === 'NONE') proto.start(this.messenger.clock.wallNow());
    this.pump();
  }

  /** ms_connection_ready_timeout: the handshake (and the TCP connect) must be done in time. */
  armHandshakeTimer(proto: ProtocolV2): void {
    this.handshakeTimer?.cancel();
    this.handshakeTimer = this.messenger.clock.setTimeout(
      () =>
        this.guarded('handshake timer', () => {
          if (this.protocol === proto && this.state === 'connecting') {
            proto.transportFailed(cephError('ETIMEDOUT', `handshake not complete after ${this.messenger.opts.connectTimeoutMs} ms`));
            this.pump();
          }
        }),
      this.messenger.opts.connectTimeoutMs,
    );
  }

  /**
   * ms_connection_idle_timeout (AsyncConnection::tick): a READY connection with no byte read or
   * written for this long faults with ETIMEDOUT, so peers that vanished without a FIN (or went
   * quiet on purpose) do not hold a connection forever. One timer per connection, re-armed for the
   * remaining time when there was activity.
   */
  private armIdleTimer(proto: ProtocolV2, delayMs: number): void {
    const timeoutMs = this.messenger.opts.idleTimeoutMs;
    this.idleTimer?.cancel();
    if (!(timeoutMs > 0)) return;
    this.idleTimer = this.messenger.clock.setTimeout(
      () =>
        this.guarded('idle timer', () => {
          if (this.protocol !== proto || this.state !== 'ready') return;
          const idleMs = this.messenger.clock.now() - this.lastActiveMs;
          // As Ceph: a fault once idle for strictly more than the timeout.
          if (idleMs <= timeoutMs) return this.armIdleTimer(proto, timeoutMs - idleMs + 1);
          log.dout(1, `${this.describe()} idle (${idleMs} ms) for more than ${timeoutMs} ms, fault`);
          proto.transportFailed(cephError('ETIMEDOUT', `idle (${idleMs} ms) for more than ${timeoutMs} ms`));
          this.pump();
        }),
      delayMs,
    );
  }

  private touch(): void {
    this.lastActiveMs = this.messenger.clock.now();
  }

  /**
   * Run an event-loop callback (socket event, timer) so that nothing escapes it: a CephError or any
   * other exception fails this connection with the reason; only an AssertionError (our bug, STYLE
   * §12) is let through.
   */
  private guarded(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      const err = asCephError(e);
      log.dout(0, `${this.describe()} ${what}: ${err.message}`);
      // Let the protocol fault as usual (requeue, state), then fail the connection directly: pumping
      // again could run into the same exception.
      const p = this.protocol;
      if (p) {
        p.transportFailed(err);
        p.takeOutputs();
      }
      this.failed(err, false);
    }
  }

  /** Run the protocol's outputs: writes to the transport, events to the dispatchers. */
  pump(outputs?: ProtocolOutput[]): void {
    const proto = this.protocol;
    if (!proto) return;
    // A dispatcher reacting to an event (ready, message) may send, which calls pump again: the
    // outer loop picks those outputs up after the current batch, so writes keep their order.
    if (this.pumping && !outputs) return;
    this.pumping = true;
    try {
      this.pumpLoop(proto, outputs);
    } finally {
      this.pumping = false;
    }
  }

  private pumping = false;

  private pumpLoop(proto: ProtocolV2, outputs?: ProtocolOutput[]): void {
    for (;;) {
      const batch = outputs ?? proto.takeOutputs();
      outputs = undefined;
      if (!batch.length) return;
      for (let i = 0; i < batch.length; i++) {
        const o = batch[i]!;
        if (o.kind === 'takeover') {
          // Another connection object owns this peer's session: hand it our socket and the rest.
          const owner = this.messenger.owners.get(o.existing);
          if (owner && owner !== this) {
            this.messenger.forget(this);
            owner.adopt(this, batch.slice(i + 1));
            this.state = 'closed';
            return;
          }
          continue;
        }
        this.handle(o, proto);
      }
    }
  }

  /** Take over `from`'s transport and protocol (reuse_connection), keeping our identity. */
  private adopt(from: Connection, rest: ProtocolOutput[]): void {
    this.teardownTransport();
    this.cancelTimers();
    const t = from.transport!;
    const proto = from.protocol!;
    from.transport = undefined;
    from.protocol = undefined;
    this.state = 'connecting';
    this.attach(t, proto);
    this.pump(rest);
  }

  private handle(o: ProtocolOutput, proto: ProtocolV2): void {
    const m = this.messenger;
    switch (o.kind) {
      case 'write':
        if (this.transport && !this.transport.closed) {
          this.touch();
          const data = o.data;
          if (o.release) this.transport.write(data, () => this.guarded('write done', () => proto.writeDone(data)));
          else this.transport.write(data);
          proto.setTxBacklog(this.transport.bufferedBytes);
        }
        return;
      case 'ready':
        this.handshakeTimer?.cancel();
        this.armIdleTimer(proto, m.opts.idleTimeoutMs);
        this.state = 'ready';
        this.backoffMs = 0;
        m.registerReady(this);
        m.deliverConnect(this, o.reconnected);
        return;
      case 'message':
        log.dout(20, () => `${this.describe()} <== type ${o.msg.type} seq ${o.msg.seq} tid ${o.msg.tid} ${o.msg.front.length}+${o.msg.middle.length}+${o.msg.data.length}`);
        m.deliverMessage(this, o.msg);
        return;
      case 'keepalive':
        this.lastKeepaliveMs = utimeToMs(o.stamp);
        return;
      case 'keepaliveAck':
        this.lastKeepaliveAckMs = m.clock.wallNow();
        return;
      case 'remoteReset':
        m.deliverRemoteReset(this);
        return;
      case 'evict': {
        const owner = m.owners.get(o.existing);
        if (owner && owner !== this) owner.failed(cephError('ECONNRESET', 'replaced by a new connection from the same peer'), false);
        return;
      }
      case 'fault':
        this.failed(o.error, o.wait);
        return;
      case 'takeover':
        return;
      case 'authFailed':
        m.noteAuthFailure(this, o.entity, o.result, o.reason);
        return;
    }
  }

  /** After a fault: die (lossy), wait for the peer (server standby), or reconnect with backoff. */
  failed(error: CephError, wait: boolean): void {
    if (this.state === 'closed') return;
    this.lastError = error;
    this.handshakeTimer?.cancel();
    this.idleTimer?.cancel();
    this.teardownTransport();
    const proto = this.protocol;
    const lossy = !proto || proto.session.lossy;
    // An accepted connection that never became READY has no session worth keeping (Ceph's _fault:
    // "is accepting, no messages"): it goes away instead of waiting in standby forever. Such
    // failures are what a flood produces, so they are counted in the summary line, not logged each.
    const deadAccept = !this.isOutgoing && proto?.state !== 'STANDBY';
    const handshakeOnly = deadAccept && this.state === 'connecting';
    log.dout(handshakeOnly ? 5 : 1, `${this.describe()} fault: ${error.message}`);
    if (handshakeOnly) this.messenger.noteHandshakeFailure(this.peerIp(), error);
    if (this.closing || lossy || deadAccept) {
      this.state = 'closed';
      proto?.close();
      this.messenger.forget(this);
      this.messenger.deliverReset(this, error);
      return;
    }
    if (this.policy.server || !this.isOutgoing) {
      this.state = 'standby';
      return;
    }
    const o = this.messenger.opts;
    this.backoffMs = wait ? o.maxBackoffMs : this.backoffMs ? Math.min(this.backoffMs * 2, o.maxBackoffMs) : o.initialBackoffMs;
    this.state = 'backoff';
    this.backoffTimer = this.messenger.clock.setTimeout(() => this.guarded('reconnect', () => this.reconnectNow()), this.backoffMs);
  }

  /** The peer's IP address as the socket sees it ('?' once the transport is gone). */
  peerIp(): string {
    return this.remoteIp;
  }

  private reconnectNow(): void {
    if (this.state === 'closed' || this.state === 'ready' || this.state === 'connecting') return;
    this.backoffTimer?.cancel();
    this.startConnect();
  }

  private teardownTransport(): void {
    const t = this.transport;
    this.transport = undefined;
    if (t && !t.closed) t.destroy();
  }

  private cancelTimers(): void {
    this.handshakeTimer?.cancel();
    this.backoffTimer?.cancel();
    this.idleTimer?.cancel();
  }
}
