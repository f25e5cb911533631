import { Clock, EventSummary, TimerHandle } from '@ts-ceph/common';
import type { Connection } from './connection';
import { HandshakeAdmission, HandshakeStage } from './core/admission';
import { msgrLimits, msgrTimeouts } from './core/limits';
import type { ProtoState } from './core/protocol';
import { ParkingLot } from './parking';

/**
 * The driver of the handshake admission policy (core/admission.ts) for a messenger's accepted
 * connections: carries out its evictions (parking the sockets, see ParkingLot), runs the one timer
 * of the HELLO deadlines, and counts every eviction and expiry in the messenger's summary line.
 */
export class HandshakeGate {
  private readonly admission: HandshakeAdmission<Connection>;
  private readonly parking: ParkingLot;
  private helloTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    limits: { handshakeConnectionsMax: number; handshakesPerAddrMax: number; helloTimeoutMs: number },
    private readonly summary: EventSummary,
  ) {
    this.admission = new HandshakeAdmission(limits);
    this.parking = new ParkingLot(clock, msgrLimits.parkedConnectionsMax, msgrTimeouts.parkedHoldMs);
  }

  /** Connections in their handshake. */
  get size(): number {
    return this.admission.size;
  }

  get parkedCount(): number {
    return this.parking.size;
  }

  /** A connection from `ip` was accepted: false when it must be closed (every slot authenticated). */
  admit(c: Connection, ip: string): boolean {
    const decision = this.admission.admit(c, ip, this.clock.now());
    for (const e of decision.evict) {
      this.summary.note(`evicted handshakes (${e.limit} limit)`, e.addr);
      this.park(e.key);
    }
    if (!decision.admitted) {
      this.summary.note('refused connections (every handshake slot authenticated)', ip);
      return false;
    }
    this.armHelloTimer();
    return true;
  }

  /** The connection's protocol moved on (after each batch of bytes). */
  progressed(c: Connection, state: ProtoState): void {
    const stage: HandshakeStage | undefined =
      state === 'AUTH_ACCEPTING' || state === 'AUTH_ACCEPTING_MORE' ? 'hello' : state === 'AUTH_ACCEPTING_SIGN' || state === 'SESSION_ACCEPTING' ? 'authenticated' : undefined;
    if (stage) this.admission.progressed(c, stage);
  }

  /** The handshake is over (READY, failed, closed). */
  finished(c: Connection): void {
    this.admission.finished(c);
  }

  shutdown(): void {
    this.stopped = true;
    this.helloTimer?.cancel();
    this.parking.clear();
  }

  private park(c: Connection): void {
    const t = c.detachTransport();
    if (t) this.parking.park(t);
  }

  /** One timer for the HELLO deadlines of every accepted connection, at the earliest of them. */
  private armHelloTimer(): void {
    if (this.helloTimer || this.stopped) return;
    const at = this.admission.nextDeadlineMs();
    if (at === undefined) return;
    this.helloTimer = this.clock.setTimeout(() => {
      this.helloTimer = undefined;
      for (const c of this.admission.expired(this.clock.now())) {
        this.summary.note('handshakes without a HELLO in time', c.peerIp());
        this.park(c);
      }
      this.armHelloTimer();
    }, Math.max(0, at - this.clock.now()));
  }
}
