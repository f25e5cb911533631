import { Prng } from '@ts-ceph/testkit';

/**
 * The simulation's time and network (STYLE §9): one queue of events ordered by (time, sequence),
 * each awaited to completion before the next, so a seed replays exactly. Time is simulated
 * milliseconds; nothing reads a real clock.
 */
export class Sched {
  now = 0;
  private seq = 0;
  private q: { at: number; seq: number; fn: () => Promise<void> | void }[] = [];
  readonly trace: string[] = [];
  /** Invariant violations and failures found so far (the run stops at the first). */
  readonly errors: string[] = [];

  fail(msg: string): void {
    this.log(`VIOLATION ${msg}`);
    this.errors.push(msg);
  }

  at(delay: number, fn: () => Promise<void> | void): void {
    const e = { at: this.now + Math.max(0, delay), seq: this.seq++, fn };
    // Insert in order (the queue stays short: a few hundred events).
    let i = this.q.length;
    while (i > 0 && (this.q[i - 1]!.at > e.at || (this.q[i - 1]!.at === e.at && this.q[i - 1]!.seq > e.seq))) i--;
    this.q.splice(i, 0, e);
  }

  log(s: string): void {
    this.trace.push(`${String(this.now).padStart(6)} ${s}`);
  }

  /** Run events until `until` (simulated ms) or until `stop()` says so. */
  async run(until: number, stop?: () => boolean): Promise<void> {
    while (this.q.length && this.q[0]!.at <= until) {
      const e = this.q.shift()!;
      this.now = e.at;
      await e.fn();
      if (this.errors.length || stop?.()) return;
    }
    this.now = Math.max(this.now, until);
  }
}

/** Network faults chosen by the seed. */
export interface NetFaults {
  dropRate: number;
  dupRate: number;
  delayMin: number;
  delayMax: number;
}

/**
 * A lossy network between endpoints (OSD ids; clients are 1000+): each message is dropped,
 * duplicated and delayed as the seed says, so messages also arrive out of order; a partition cuts
 * both directions between two endpoints.
 */
export class SimNet {
  faults: NetFaults = { dropRate: 0, dupRate: 0, delayMin: 1, delayMax: 5 };
  private readonly cut = new Set<string>();
  private readonly handlers = new Map<number, (from: number, payload: Buffer) => Promise<void>>();

  constructor(
    private readonly s: Sched,
    private readonly rng: Prng,
  ) {}

  attach(id: number, h: ((from: number, payload: Buffer) => Promise<void>) | undefined): void {
    if (h) this.handlers.set(id, h);
    else this.handlers.delete(id);
  }

  partition(a: number, b: number, on: boolean): void {
    const k = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (on) this.cut.add(k);
    else this.cut.delete(k);
  }
  healAll(): void {
    this.cut.clear();
  }
  isCut(a: number, b: number): boolean {
    return this.cut.has(a < b ? `${a}-${b}` : `${b}-${a}`);
  }

  send(from: number, to: number, payload: Buffer): void {
    const f = this.faults;
    if (this.isCut(from, to) || this.rng.next() < f.dropRate) return;
    const copies = this.rng.next() < f.dupRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.s.at(this.rng.intIn(f.delayMin, f.delayMax), async () => {
        if (this.isCut(from, to)) return;
        await this.handlers.get(to)?.(from, payload);
      });
    }
  }
}
