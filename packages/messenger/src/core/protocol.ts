import { createHmac, timingSafeEqual } from 'node:crypto';
import { AssertionError, CephError, cephError, Errno } from '@ts-ceph/common/core';
import { EntityAddr, EntityAddrvec, EntityName, EntityNameT, UTime, utimeFromMs } from '@ts-ceph/denc';
import type { AuthConnectionMeta } from '../auth-provider';
import { ConMode } from '../auth-provider';
import { BANNER_PREFIX_BYTES, Banner, encodeBanner, parseBannerPayload, parseBannerPrefix } from './banner';
import { ControlFrame, decodeControl, encodeControl, SHA256_DIGEST_BYTES } from './control';
import { createSessionCiphers } from './crypto';
import { FrameAssembler } from './frame-assembler';
import type { GcmBinding } from './gcm';
import { FrameReader, preambleBytes, RxFrame } from './frame-reader';
import { CEPH_MSG_HEADER2_BYTES, decodeHeader2, encodeHeader2Into } from './header2';
import { msgrLimits } from './limits';
import { CephMessage, messageBytes, MSG_FLAGS_DEFAULT } from './message';
import { Policy } from './policy';
import { Preamble, SEGMENT_ALIGN_DEFAULT, SEGMENT_ALIGN_PAGE } from './preamble';
import { Session } from './session';
import { OUR_PEER_REQUIRED_FEATURES, Tag, tagName } from './tags';

import type { ProtoState, ProtocolOutput, ProtocolEnv } from './protocol-types';

export type { ProtoState, ProtocolOutput, ProtocolEnv };

export const MSG_SEGMENT_ALIGNS = [SEGMENT_ALIGN_DEFAULT, SEGMENT_ALIGN_DEFAULT, SEGMENT_ALIGN_DEFAULT, SEGMENT_ALIGN_PAGE];

/**
 * The msgr2.1 protocol for one connection, sans I/O (STYLE §1): bytes and requests go in, writes and
 * events come out (takeOutputs). The handshake halves live in ClientProtocol and ServerProtocol; this
 * class owns the frame codec, the pre-auth transcript, AUTH_SIGNATURE, and the READY state: messages,
 * acks and keepalives. Any error ends the connection with a 'fault' output; nothing throws out of
 * the public methods.
 */
export abstract class ProtocolV2 {
  state: ProtoState = 'NONE';
  session: Session;
  policy: Policy;
  readonly meta: AuthConnectionMeta;
  /** Set while another connection is taking over this one's session (Ceph's `replacing`). */
  replacing = false;
  peerType: number;
  peerSupportedMsgr2 = 0n;

  protected readonly reader = new FrameReader();
  protected readonly assembler = new FrameAssembler();
  private readonly headerScratch = Buffer.alloc(CEPH_MSG_HEADER2_BYTES);
  private outputs: ProtocolOutput[] = [];
  private bannerLen = -1;
  private bannerDone = false;
  /** Bytes of the transcript before AUTH_SIGNATURE (ProtocolV2::pre_auth). */
  protected preAuth = { enabled: true, rx: [] as Buffer[], tx: [] as Buffer[], rxBytes: 0, txBytes: 0 };
  /** Write budget: the driver reports how many bytes its transport still buffers. */
  private txBacklogBytes = 0;
  private txBacklogBytesMax = 8 << 20;
  private keepalivePending: UTime | undefined;
  /**
   * Most bytes held for the peer (queued + unacked payloads + the transport's write backlog) before
   * it is declared not reading (msgrLimits.outQueueBytesMax; the driver may lower it).
   */
  outQueueBytesMax = msgrLimits.outQueueBytesMax;

  constructor(
    protected readonly env: ProtocolEnv,
    policy: Policy,
    peerType: number,
    session?: Session,
  ) {
    this.policy = policy;
    this.peerType = peerType;
    this.session = session ?? new Session(policy.lossy);
    this.meta = { peerType, selfType: env.myType, authMethod: 0, conMode: ConMode.UNKNOWN };
    this.reader.setAdmission((p) => this.admitFrame(p));
  }

  // ---- public driver interface ----------------------------------------------------------------

  abstract readonly role: 'connect' | 'accept';

  /** Begin the handshake (the banner goes out at once, as Ceph does). */
  abstract start(nowMs: number): void;

  /** Bytes from the transport. */
  receive(data: Buffer, nowMs: number): void {
    if (this.state === 'CLOSED' || this.state === 'STANDBY') return;
    this.guard(() => {
      this.reader.push(data);
      while (this.state !== 'CLOSED' && this.state !== 'STANDBY') {
        if (!this.bannerDone) {
          if (!this.readBanner()) break;
          continue;
        }
        const f = this.reader.next();
        if (!f) break;
        if (this.preAuth.enabled) this.recordPreAuth('rx', f.raw);
        this.handleFrame(f, nowMs);
      }
      this.flush();
    });
  }

  /**
   * Where the transport may read the next bytes to (the rest of a large frame, filled in place:
   * FrameReader.readTarget), or undefined. The bytes are then passed to receive() as usual.
   */
  readTarget(): Buffer | undefined {
    return this.state === 'CLOSED' || this.state === 'STANDBY' ? undefined : this.reader.readTarget();
  }

  /**
   * Queue a message; it goes out when the session is READY (or after a reconnect). A message that
   * would take what we hold for the peer over outQueueBytesMax faults a READY connection (the peer is
   * not reading): a lossy one drops it with the connection, a lossless one refuses it with EAGAIN.
   */
  send(msg: CephMessage): void {
    // A closed lossless connection keeps queueing: the session is resumed by the next connection.
    if (this.state === 'CLOSED' && this.session.lossy) throw cephError('ENOTCONN', 'connection closed');
    const held = this.heldBytes() + messageBytes(msg);
    if (held > this.outQueueBytesMax) {
      const wasReady = this.state === 'READY';
      if (wasReady) this.fault(this.notReading(held));
      if (wasReady && this.session.lossy) return;
      throw cephError('EAGAIN', `outgoing queue full: ${held} bytes for the peer over outQueueBytesMax ${this.outQueueBytesMax}`);
    }
    this.session.enqueue(msg, this.outQueueBytesMax);
    this.guard(() => this.flush());
  }

  /** What we hold for the peer: queued and unacknowledged payloads plus the unsent write backlog. */
  heldBytes(): number {
    return this.session.heldBytes + this.txBacklogBytes;
  }

  /** Queue a KEEPALIVE2 stamped with `wallMs`. */
  sendKeepalive(wallMs: number): void {
    if (this.state === 'CLOSED') return;
    this.keepalivePending = utimeFromMs(wallMs);
    this.guard(() => this.flush());
  }

  /** The transport's write buffer changed (after writes, on 'drain'): send more if there is room. */
  setTxBacklog(bytes: number, maxBytes?: number): void {
    this.txBacklogBytes = bytes;
    if (maxBytes !== undefined) this.txBacklogBytesMax = maxBytes;
    if (this.state === 'READY') this.guard(() => this.flush());
  }

  /**
   * The transport no longer references the buffers of a 'write' output (its write completed):
   * they may be reused for later frames. Optional for a driver; never throws.
   */
  writeDone(data: readonly Buffer[]): void {
    this.assembler.release(data);
  }

  /** The transport failed or closed under us. */
  transportFailed(error: CephError): void {
    this.fault(error);
  }

  /** mark_down: close for good, dropping queued messages. */
  close(): void {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.session.discardAll();
  }

  /** Retire this instance after another connection took over its session (the session lives on). */
  detach(): void {
    this.state = 'CLOSED';
  }

  takeOutputs(): ProtocolOutput[] {
    const o = this.outputs;
    this.outputs = [];
    return o;
  }

  get peerAddrs(): EntityAddrvec | undefined {
    return this.session.peerAddrs;
  }

  get peerName(): EntityNameT | undefined {
    return this.session.peerName;
  }

  get secure(): boolean {
    return this.assembler.secure;
  }

  /** Which AES-GCM secure mode uses on this connection: 'native' or 'node' (undefined in crc mode). */
  get secureImpl(): 'native' | 'node' | undefined {
    return this.assembler.cipherImpl;
  }

  // ---- for the role subclasses ------------------------------------------------------------------

  protected abstract onBanner(peer: Banner): void;
  protected abstract onControl(f: ControlFrame, nowMs: number): void;

  protected emit(o: ProtocolOutput): void {
    this.outputs.push(o);
  }

  /**
   * An accepted connection that is not READY yet may be one of thousands a flood opens, so its lines
   * go to debug level 5 at least (the driver logs a summary line with counts per address instead).
   */
  protected log(level: number, text: string): void {
    this.env.log?.(this.role === 'accept' && this.state !== 'READY' ? Math.max(level, 5) : level, text);
  }

  protected writeRaw(data: Buffer[], release = false): void {
    if (this.preAuth.enabled) this.recordPreAuth('tx', data);
    let bytes = 0;
    for (const b of data) bytes += b.length;
    this.txBacklogBytes += bytes;
    this.emit({ kind: 'write', data, bytes, release });
  }

  /** A frame from the assembler, with whether its buffer goes back to the assembler's pool. */
  private writeFrame(data: Buffer[]): void {
    this.writeRaw(data, this.assembler.lastPooled);
  }

  protected writeControl(f: ControlFrame): void {
    this.writeFrame(this.assembler.assemble(f.tag, [encodeControl(f)], [SEGMENT_ALIGN_DEFAULT]));
  }

  protected sendBanner(): void {
    this.writeRaw([encodeBanner()]);
  }

  /** Fail the connection: logged reason out, state CLOSED (or STANDBY for a lossless server session). */
  protected fault(error: CephError, wait = false): void {
    if (this.state === 'CLOSED' || this.state === 'STANDBY') return;
    this.log(1, `fault: ${error.message}`);
    // The transport goes with the connection; what it had buffered no longer counts as held.
    this.txBacklogBytes = 0;
    if (this.session.lossy) {
      this.session.discardAll();
      this.state = 'CLOSED';
    } else {
      this.session.requeueSent();
      // An accepted lossless session waits for its peer to reconnect (Ceph's STANDBY); a connecting
      // side's protocol instance is done and the driver starts a new one over the same session.
      this.state = this.role === 'accept' && this.state === 'READY' ? 'STANDBY' : 'CLOSED';
    }
    this.emit({ kind: 'fault', error, wait });
  }

  protected requireState(f: ControlFrame | { tag: number }, ...allowed: ProtoState[]): void {
    if (!allowed.includes(this.state)) throw cephError('EPROTO', `${tagName(f.tag)} frame in state ${this.state}`);
  }

  /** The HMAC-SHA256 that AUTH_SIGNATURE carries: over everything one side received before it. */
  protected signature(bufs: Buffer[]): Buffer {
    const key = this.meta.sessionKey;
    if (!key || key.length === 0) return Buffer.alloc(SHA256_DIGEST_BYTES);
    const h = createHmac('sha256', key);
    for (const b of bufs) h.update(b);
    return h.digest();
  }

  /** Send our AUTH_SIGNATURE (over the received transcript) and stop recording it. */
  protected sendSignature(): void {
    const sig = this.signature(this.preAuth.rx);
    this.preAuth.enabled = false;
    this.reader.keepRaw = false;
    this.preAuth.rx = [];
    this.writeControl({ tag: Tag.AUTH_SIGNATURE, signature: sig });
  }

  /** Check the peer's AUTH_SIGNATURE against what we sent (handle_auth_signature). */
  protected verifySignature(sig: Buffer): void {
    const want = this.signature(this.preAuth.tx);
    this.preAuth.tx = [];
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) {
      throw cephError('EACCES', 'pre-auth signature mismatch: the peer did not see the bytes we sent');
    }
  }

  /** Switch both directions to secure mode if the auth provider chose it (create_handler_pair). */
  protected startCrypto(crossed: boolean): void {
    if (this.meta.conMode !== ConMode.SECURE) return;
    if (!this.meta.connectionSecret) throw cephError('EACCES', 'secure mode chosen but the auth provider gave no connection secret');
    const c = createSessionCiphers(this.meta.connectionSecret, crossed, this.env.gcm);
    this.reader.setCipher(c.rx);
    this.assembler.setCipher(c.tx);
  }

  protected ready(reconnected: boolean): void {
    this.state = 'READY';
    this.log(1, `ready peer=${this.peerType}.${this.session.peerName?.num ?? '?'} in_seq=${this.session.inSeq} out_seq=${this.session.outSeq}`);
    this.emit({ kind: 'ready', reconnected });
  }

  // ---- internals --------------------------------------------------------------------------------

  private notReading(held: number): CephError {
    return cephError('ECONNABORTED', `peer is not reading: ${held} bytes held for it, over outQueueBytesMax ${this.outQueueBytesMax}`);
  }

  /**
   * The reader's admission check (on each preamble, before the body is buffered): until the session
   * is READY only handshake-sized control frames are taken; a MESSAGE frame there is a protocol error
   * we report on its first bytes instead of after buffering up to messageFrameBytesMax.
   */
  private admitFrame(p: Preamble): void {
    if (this.state === 'READY') return;
    if (p.tag === Tag.MESSAGE) throw cephError('EPROTO', `MESSAGE frame in state ${this.state} (before the handshake completed)`);
    const total = preambleBytes(p);
    if (total > msgrLimits.handshakeFrameBytesMax) {
      throw cephError('EMSGSIZE', `${tagName(p.tag)} frame of ${total} bytes in state ${this.state} over handshakeFrameBytesMax ${msgrLimits.handshakeFrameBytesMax}`);
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fault(asCephError(e));
    }
  }

  private recordPreAuth(dir: 'rx' | 'tx', bufs: Buffer[]): void {
    for (const b of bufs) {
      this.preAuth[dir].push(b);
      if (dir === 'rx') this.preAuth.rxBytes += b.length;
      else this.preAuth.txBytes += b.length;
    }
    if (this.preAuth.rxBytes > msgrLimits.preAuthBytesMax || this.preAuth.txBytes > msgrLimits.preAuthBytesMax) {
      throw cephError('EMSGSIZE', `handshake transcript over preAuthBytesMax ${msgrLimits.preAuthBytesMax}`);
    }
  }

  private readBanner(): boolean {
    const q = this.reader.queue;
    if (this.bannerLen < 0) {
      if (q.length < BANNER_PREFIX_BYTES) return false;
      this.bannerLen = parseBannerPrefix(q.peek(BANNER_PREFIX_BYTES));
    }
    if (q.length < BANNER_PREFIX_BYTES + this.bannerLen) return false;
    const raw = q.take(BANNER_PREFIX_BYTES + this.bannerLen);
    this.recordPreAuth('rx', [raw]);
    this.bannerDone = true;
    const peer = parseBannerPayload(raw.subarray(BANNER_PREFIX_BYTES));
    this.log(1, `peer banner supported=${peer.supported.toString(16)} required=${peer.required.toString(16)}`);
    // _handle_peer_banner_payload: each side must support what the other requires.
    if ((peer.supported & OUR_PEER_REQUIRED_FEATURES) !== OUR_PEER_REQUIRED_FEATURES) {
      throw cephError('EPROTO', `peer does not support msgr2.1 (supported=0x${peer.supported.toString(16)}); we require REVISION_1`);
    }
    const ours = 1n; // CEPH_MSGR2_SUPPORTED_FEATURES
    if ((peer.required & ~ours) !== 0n) {
      throw cephError('EPROTO', `peer requires msgr2 features 0x${peer.required.toString(16)} we do not support`);
    }
    this.peerSupportedMsgr2 = peer.supported;
    this.onBanner(peer);
    return true;
  }

  private handleFrame(f: RxFrame, nowMs: number): void {
    this.meta.nowMs = nowMs;
    if (f.aborted) {
      this.log(5, `dropping aborted ${tagName(f.tag)} frame`);
      return;
    }
    if (f.tag === Tag.MESSAGE) {
      this.handleMessage(f);
      return;
    }
    // handle_frame_payload decodes the last segment of a control frame.
    const ctl = decodeControl(f.tag, f.segments[f.segments.length - 1]!);
    switch (ctl.tag) {
      case Tag.KEEPALIVE2:
        this.requireState(ctl, 'READY');
        this.writeControl({ tag: Tag.KEEPALIVE2_ACK, timestamp: ctl.timestamp });
        this.emit({ kind: 'keepalive', stamp: ctl.timestamp });
        return;
      case Tag.KEEPALIVE2_ACK:
        this.requireState(ctl, 'READY');
        this.emit({ kind: 'keepaliveAck', stamp: ctl.timestamp });
        return;
      case Tag.ACK:
        this.requireState(ctl, 'READY');
        this.session.handleAck(ctl.seq);
        return;
      default:
        this.onControl(ctl, nowMs);
    }
  }

  private handleMessage(f: RxFrame): void {
    this.requireState({ tag: Tag.MESSAGE }, 'READY');
    const h = decodeHeader2(f.segments[0]!);
    const empty = EMPTY;
    const msg: CephMessage = {
      type: h.type,
      version: h.version,
      compatVersion: h.compatVersion,
      priority: h.priority,
      tid: h.tid,
      dataOff: h.dataOff,
      front: f.segments[1] ?? empty,
      middle: f.segments[2] ?? empty,
      data: f.segments[3] ?? empty,
      seq: h.seq,
      flags: h.flags,
      reserved: h.reserved,
      dataPrePaddingLen: h.dataPrePaddingLen,
      src: this.session.peerName ? { ...this.session.peerName } : undefined,
    };
    const s = this.session;
    // Old or duplicate (a replay after reconnect we already have): drop, as Ceph does.
    if (h.seq <= s.inSeq) {
      this.log(0, `got old message ${h.seq} <= ${s.inSeq}, discarding`);
      return;
    }
    if (h.seq > s.inSeq + 1) this.log(0, `missed message? skipped from seq ${s.inSeq} to ${h.seq}`);
    s.inSeq = h.seq;
    if (!s.lossy) s.ackLeft++;
    this.emit({ kind: 'message', msg });
    s.handleAck(h.ackSeq);
  }

  /** Write queued messages (write_event): keepalive first, then messages, then a standalone ACK. */
  protected flush(): void {
    const held = this.heldBytes();
    if (held > this.outQueueBytesMax) throw this.notReading(held);
    if (this.state !== 'READY') return;
    if (this.keepalivePending) {
      this.writeControl({ tag: Tag.KEEPALIVE2, timestamp: this.keepalivePending });
      this.keepalivePending = undefined;
    }
    const s = this.session;
    while (this.txBacklogBytes < this.txBacklogBytesMax) {
      const m = s.dequeue();
      if (!m) break;
      s.stampOutgoing(m);
      s.ackLeft = 0;
      // The header is encoded into one scratch buffer per connection: the assembler copies or
      // seals it and keeps no reference to it.
      const header = encodeHeader2Into(this.headerScratch, {
        seq: m.seq!,
        tid: m.tid,
        type: m.type,
        priority: m.priority,
        version: m.version,
        dataPrePaddingLen: 0,
        dataOff: m.dataOff,
        ackSeq: s.inSeq,
        flags: m.flags ?? MSG_FLAGS_DEFAULT,
        compatVersion: m.compatVersion || m.version,
        reserved: m.reserved ?? 0,
      });
      this.writeFrame(this.assembler.assemble(Tag.MESSAGE, [header, m.front, m.middle, m.dataParts ?? m.data], MSG_SEGMENT_ALIGNS));
    }
    if (s.ackLeft > 0 && !s.lossy) {
      this.writeControl({ tag: Tag.ACK, seq: s.inSeq });
      s.ackLeft = 0;
    }
  }
}

/** A missing segment of a received message (zero length: one shared instance is safe). */
const EMPTY = Buffer.alloc(0);

/** Turn anything thrown inside the protocol into a CephError with a reason (never crash the driver). */
export function asCephError(e: unknown): CephError {
  if (e instanceof CephError) return e;
  // Our own bugs stop loudly (STYLE §12); everything else is the peer's bad input.
  if (e instanceof AssertionError) throw e;
  if (e instanceof Error) return new CephError('EPROTO', Errno.EPROTO, `${e.name}: ${e.message}`, { cause: e });
  return new CephError('EPROTO', Errno.EPROTO, String(e));
}
