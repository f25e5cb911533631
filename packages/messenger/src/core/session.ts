import { cephError } from '@ts-ceph/common/core';
import type { EntityAddrvec, EntityNameT } from '@ts-ceph/denc';
import { CephMessage, messageBytes } from './message';
import { msgrLimits } from './limits';
import { CEPH_MSG_PRIO_HIGHEST } from './tags';

/**
 * What outlives one TCP connection (ProtocolV2's session fields): cookies, connect/global seqs, the
 * message sequence numbers in both directions, the outgoing queue and, for a lossless session, the
 * messages sent but not yet acknowledged. A reconnecting lossless peer resumes this state: the sender
 * requeues what the receiver has not seen (requeueSent + discardRequeuedUpTo) and the receiver drops
 * anything at or below inSeq, so nothing is lost or delivered twice.
 */
export class Session {
  lossy: boolean;
  clientCookie = 0n;
  serverCookie = 0n;
  connectSeq = 0;
  /** Our global_seq for the current connection attempt (client side). */
  globalSeq = 0;
  peerGlobalSeq = 0;
  /** Highest seq received and delivered. */
  inSeq = 0;
  /** Highest seq assigned to an outgoing message. */
  outSeq = 0;
  /** Messages received since we last told the peer (lossless: an ACK frame is due). */
  ackLeft = 0;
  /** Server side: the peer's msg_seq from SESSION_RECONNECT (how far it got). */
  messageSeq = 0;
  features = 0n;
  peerName: EntityNameT | undefined;
  peerAddrs: EntityAddrvec | undefined;

  /** priority -> FIFO; we always send from the highest priority first (Ceph's out_queue). */
  private readonly outQueue = new Map<number, CephMessage[]>();
  private queued = 0;
  private queuedPayloadBytes = 0;
  private sentPayloadBytes = 0;
  /** Lossless only: sent, not yet acked, oldest first. */
  readonly sent: CephMessage[] = [];

  constructor(lossy: boolean) {
    this.lossy = lossy;
  }

  get queuedCount(): number {
    return this.queued;
  }

  /** Payload bytes (front + middle + data) of the queued and the sent-but-unacked messages. */
  get heldBytes(): number {
    return this.queuedPayloadBytes + this.sentPayloadBytes;
  }

  hasQueued(): boolean {
    return this.queued > 0;
  }

  /** Queue `m`; a lossless session refuses it (EAGAIN) beyond `bytesMax` held bytes. */
  enqueue(m: CephMessage, bytesMax: number = msgrLimits.outQueueBytesMax): void {
    if (this.queued + this.sent.length >= msgrLimits.outQueueMessagesMax) {
      throw cephError('EAGAIN', `outgoing queue full (outQueueMessagesMax ${msgrLimits.outQueueMessagesMax})`);
    }
    const bytes = messageBytes(m);
    if (!this.lossy && this.heldBytes + bytes > bytesMax) {
      // A lossless session outlives its connection: while the peer is away (or not reading) its
      // queue must not grow without bound.
      throw cephError('EAGAIN', `outgoing queue full: ${this.heldBytes} bytes held (outQueueBytesMax ${bytesMax})`);
    }
    const q = this.outQueue.get(m.priority);
    if (q) q.push(m);
    else this.outQueue.set(m.priority, [m]);
    this.queued++;
    this.queuedPayloadBytes += bytes;
  }

  /** _get_next_outgoing: the oldest message of the highest priority. */
  dequeue(): CephMessage | undefined {
    let best = -1;
    for (const p of this.outQueue.keys()) if (p > best) best = p;
    if (best < 0) return undefined;
    const q = this.outQueue.get(best)!;
    const m = q.shift()!;
    if (q.length === 0) this.outQueue.delete(best);
    this.queued--;
    this.queuedPayloadBytes -= messageBytes(m);
    return m;
  }

  /** Assign the next seq and remember the message until acked (lossless). */
  stampOutgoing(m: CephMessage): void {
    m.seq = ++this.outSeq;
    if (!this.lossy) {
      this.sent.push(m);
      this.sentPayloadBytes += messageBytes(m);
    }
  }

  /** handle_message_ack: drop sent messages up to `seq`. */
  handleAck(seq: number): void {
    if (this.lossy) return;
    while (this.sent.length && this.sent[0]!.seq! <= seq) this.sentPayloadBytes -= messageBytes(this.sent.shift()!);
  }

  /** requeue_sent: after a fault, unacked messages go back to the front at the highest priority. */
  requeueSent(): void {
    if (!this.sent.length) return;
    const rq = this.outQueue.get(CEPH_MSG_PRIO_HIGHEST) ?? [];
    this.outQueue.set(CEPH_MSG_PRIO_HIGHEST, [...this.sent, ...rq]);
    this.queued += this.sent.length;
    this.queuedPayloadBytes += this.sentPayloadBytes;
    this.sentPayloadBytes = 0;
    this.outSeq -= this.sent.length;
    this.sent.length = 0;
  }

  /**
   * discard_requeued_up_to: the peer already has everything up to `seq`; drop those requeued
   * messages and move outSeq past them so the survivors keep their numbers.
   */
  discardRequeuedUpTo(seq: number): void {
    const rq = this.outQueue.get(CEPH_MSG_PRIO_HIGHEST);
    if (!rq) return;
    while (rq.length) {
      const s = rq[0]!.seq ?? 0;
      if (s === 0 || s > seq) break;
      this.queuedPayloadBytes -= messageBytes(rq.shift()!);
      this.queued--;
      this.outSeq++;
    }
    if (!rq.length) this.outQueue.delete(CEPH_MSG_PRIO_HIGHEST);
  }

  /** Drop every queued and unacked message (a session reset, or a closed lossy connection). */
  discardAll(): CephMessage[] {
    const dropped = [...this.sent];
    for (const q of this.outQueue.values()) dropped.push(...q);
    this.outQueue.clear();
    this.sent.length = 0;
    this.queued = 0;
    this.queuedPayloadBytes = 0;
    this.sentPayloadBytes = 0;
    return dropped;
  }

  /** reset_session: start over as a brand-new session. */
  reset(): CephMessage[] {
    const dropped = this.discardAll();
    this.outSeq = 0;
    this.inSeq = 0;
    this.clientCookie = 0n;
    this.serverCookie = 0n;
    this.connectSeq = 0;
    this.peerGlobalSeq = 0;
    this.messageSeq = 0;
    this.ackLeft = 0;
    return dropped;
  }
}
