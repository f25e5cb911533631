import { CephError, cephError, logger, TimerHandle } from '@ts-ceph/common';
import { addrIp, addrPort, EntityAddr, EntityAddrvec, EntityNameT, formatAddr, utimeToMs } from '@ts-ceph/denc';
import { CephMessage } from './core/message';
import { Policy } from './core/policy';
import { ProtocolOutput, ProtocolV2 } from './core/protocol';
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
  private backoffMs = 0;
  private closing = false;
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
    if (this.state === 'closed' || !this.protocol) {
      log.dout(10, `${this.describe()} closed: dropping message type ${msg.type}`);
      return;
    }
    log.dout(20, () => `${this.describe()} --> type ${msg.type} tid ${msg.tid} ${msg.front.length}+${msg.middle.length}+${msg.data.length}`);
    this.protocol.send(msg);
    this.pump();
    if (this.state === 'standby' && !this.policy.server && this.isOutgoing) this.reconnectNow();
  }

  sendKeepalive(): void {
    if (!this.protocol || this.state === 'closed') return;
    this.protocol.sendKeepalive(this.messenger.clock.wallNow());
    this.pump();
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
    this.state = 'connecting';
    const m = this.messenger;
    const session = this.protocol?.session;
    if (session && session.serverCookie) session.connectSeq++;
    const proto = new ClientProtocol(m.env, m.authClientFor(this.dialType), target, this.dialType, this.dialPolicy, session);
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
    this.protocol = proto;
    this.messenger.owners.set(proto, this);
    t.setHandlers({
      onData: (d) => {
        if (this.protocol !== proto) return;
        proto.receive(d, this.messenger.clock.wallNow());
        this.pump();
      },
      onDrain: () => {
        if (this.protocol !== proto) return;
        proto.setTxBacklog(t.bufferedBytes, t.highWaterBytes);
        this.pump();
      },
      onClose: (err) => {
        if (this.protocol !== proto) return;
        proto.transportFailed(err ?? cephError('ECONNRESET', 'peer closed the connection'));
        this.pump();
      },
    });
    proto.setTxBacklog(t.bufferedBytes, t.highWaterBytes);
    if (proto.state === 'NONE') proto.start(this.messenger.clock.wallNow());
    this.pump();
  }

  armHandshakeTimer(proto: ProtocolV2): void {
    this.handshakeTimer?.cancel();
    this.handshakeTimer = this.messenger.clock.setTimeout(() => {
      if (this.protocol === proto && this.state === 'connecting') {
        proto.transportFailed(cephError('ETIMEDOUT', `handshake not complete after ${this.messenger.opts.connectTimeoutMs} ms`));
        this.pump();
      }
    }, this.messenger.opts.connectTimeoutMs);
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
          this.transport.write(o.data);
          proto.setTxBacklog(this.transport.bufferedBytes);
        }
        return;
      case 'ready':
        this.handshakeTimer?.cancel();
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
    }
  }

  /** After a fault: die (lossy), wait for the peer (server standby), or reconnect with backoff. */
  failed(error: CephError, wait: boolean): void {
    if (this.state === 'closed') return;
    this.lastError = error;
    this.handshakeTimer?.cancel();
    this.teardownTransport();
    const proto = this.protocol;
    const lossy = !proto || proto.session.lossy;
    log.dout(1, `${this.describe()} fault: ${error.message}`);
    if (this.closing || lossy) {
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
    this.backoffTimer = this.messenger.clock.setTimeout(() => this.reconnectNow(), this.backoffMs);
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
  }
}
