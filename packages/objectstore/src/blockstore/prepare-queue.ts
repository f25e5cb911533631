import { Transaction } from '../transaction';
import { TxnDone } from './commit';

/** What the prepare queue asks of the store. */
export interface PrepareHost {
  /** Start loading the onodes the cache lacks; undefined when it has them all. */
  prefetch(ts: Transaction[]): Promise<unknown> | undefined;
  /**
   * Prepare and install the transactions as one, or fail them through `done`: undefined when that
   * happened synchronously, else a promise that settles when it has (state had to be fetched).
   */
  prepare(ts: Transaction[], done: TxnDone): Promise<void> | undefined;
  /** Every queued transaction is prepared: the commit batch may close. */
  allPrepared(): void;
}

interface Queued {
  ts: Transaction[];
  done: TxnDone;
  /** The onode loads prefetch started for it (cleared once waited for). */
  loads: Promise<unknown> | undefined;
  /** The turn gate it waits for. */
  turn: number;
}

/**
 * The store's queue of transactions between queueTransaction and install: they are prepared one
 * at a time in queue order (so install, commit and acknowledgement order are queue order too),
 * each synchronously when its state is in memory, so a queued transaction costs no promise of the
 * store's. Only a transaction whose onodes are being loaded, or whose prepare had to fetch state,
 * holds the queue behind a promise.
 *
 * The transactions queued in one turn of the event loop are prepared after that turn's socket
 * writes (the messenger's setImmediate flush, registered first: ours is registered from a
 * microtask). The client waits for the replicas, so their RepOps go first (a primary sends them
 * before it queues its own copy, as PrimaryLogPG::issue_repop does, and this order keeps a
 * lone commit's synchronous journal write behind the sends even when a caller queues first).
 * Reads still see every queued transaction: they wait for whenPrepared().
 */
export class PrepareQueue {
  private readonly entries: Queued[] = [];
  /** Turn gates registered so far, and the last one opened. */
  private turn = 0;
  private openTurn = 0;
  private gateRegistered = false;
  /** A transaction holds the queue behind a promise (loads or a prepare that fetches). */
  private busy = false;
  private queued = 0;
  private prepared = 0;
  /** Readers waiting for the transactions queued before them, in queue order. */
  private readonly waiters: { upto: number; resolve: () => void }[] = [];

  constructor(private readonly host: PrepareHost) {}

  push(ts: Transaction[], done: TxnDone): void {
    const loads = this.host.prefetch(ts);
    if (!this.gateRegistered) {
      this.gateRegistered = true;
      this.turn++;
      queueMicrotask(this.registerGate);
    }
    this.entries.push({ ts, done, loads, turn: this.turn });
    this.queued++;
  }

  /** Settles when every transaction queued before the call is prepared; undefined if they are. */
  whenPrepared(): Promise<void> | undefined {
    if (this.prepared === this.queued) return undefined;
    const upto = this.queued;
    return new Promise<void>((resolve) => this.waiters.push({ upto, resolve }));
  }

  private readonly registerGate = (): void => void setImmediate(this.openGate);
  private readonly openGate = (): void => {
    this.gateRegistered = false;
    this.openTurn = this.turn;
    this.run();
  };

  /** Prepare queued transactions in order while they need nothing they must wait for. */
  private run(): void {
    while (!this.busy && this.entries.length) {
      const e = this.entries[0]!;
      // Its gate opens later and runs the queue then.
      if (e.turn > this.openTurn) return;
      if (e.loads) {
        const loads = e.loads;
        e.loads = undefined;
        this.hold(loads, false);
        return;
      }
      this.entries.shift();
      const slow = this.host.prepare(e.ts, e.done);
      if (slow) return this.hold(slow, true);
      this.onePrepared();
    }
    if (!this.busy && !this.entries.length) this.host.allPrepared();
  }

  private hold(p: Promise<unknown>, prepare: boolean): void {
    this.busy = true;
    const resume = (): void => {
      this.busy = false;
      if (prepare) this.onePrepared();
      this.run();
    };
    p.then(resume, resume);
  }

  private onePrepared(): void {
    this.prepared++;
    while (this.waiters.length && this.waiters[0]!.upto <= this.prepared) this.waiters.shift()!.resolve();
  }
}
