import { Clock, TimerHandle } from '@ts-ceph/common';
import { Transport } from './transport';

/**
 * Where evicted and HELLO-less handshakes go instead of being closed at once: the socket is kept
 * open but unread (a paused transport costs a file descriptor and the kernel's receive buffer, no
 * protocol state), and closed after `holdMs` or when more than `max` are parked (oldest first).
 *
 * Why not close: a flood reopens each connection as soon as it is closed, so closing evicted
 * handshakes turns a flood of N idle connections into an accept loop as fast as the CPU allows,
 * which slows every legitimate client of the daemon. Held, N connections cost N sockets and churn
 * at N per holdMs. (Ceph's AsyncMessenger never closes an idle accepted connection at all.)
 */
export class ParkingLot {
  /** Parked transports by when they are due to close; a Map keeps them oldest first. */
  private readonly parked = new Map<Transport, number>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly holdMs: number,
  ) {}

  get size(): number {
    return this.parked.size;
  }

  park(t: Transport): void {
    if (t.closed) return;
    t.setHandlers({ onData: () => {}, onDrain: () => {}, onClose: () => void this.parked.delete(t) });
    t.pause();
    this.parked.set(t, this.clock.now() + this.holdMs);
    while (this.parked.size > this.max) this.closeOldest();
    this.arm();
  }

  /** Close everything (messenger shutdown). */
  clear(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (const t of [...this.parked.keys()]) t.destroy();
    this.parked.clear();
  }

  private closeOldest(): void {
    const first = this.parked.keys().next();
    if (first.done) return;
    this.parked.delete(first.value);
    first.value.destroy();
  }

  private arm(): void {
    if (this.timer) return;
    const first = this.parked.values().next();
    if (first.done) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        const now = this.clock.now();
        for (const [t, due] of this.parked) {
          if (due > now) break;
          this.parked.delete(t);
          t.destroy();
        }
        this.arm();
      },
      Math.max(0, first.value - this.clock.now()),
    );
  }
}
