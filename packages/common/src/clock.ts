/**
 * Time behind an interface, so protocol drivers can run under a simulated clock (STYLE §9).
 * `now()` is monotonic milliseconds; `wallNow()` is wall-clock milliseconds since the epoch.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A manually advanced clock for deterministic tests and whole-cluster simulation. */
export class SimClock implements Clock {
  private t = 0;
  private readonly epoch: number;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  constructor(epochMs = 1_700_000_000_000) {
    this.epoch = epochMs;
  }
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.epoch + this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  /** Advance time by `ms`, firing due timers in (deadline, creation) order. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => x.live);
      let next: (typeof this.timers)[number] | undefined;
      for (const x of this.timers) if (x.at <= until && (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x;
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.fn();
    }
    this.t = until;
  }
}
