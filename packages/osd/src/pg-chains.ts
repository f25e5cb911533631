/**
 * Each PG's chain: every call into a PG's core (client ops, peer messages, commit notices, maps,
 * ticks) runs one at a time in arrival order, as Ceph's per-PG lock and op queue order them.
 *
 * Why not a promise chain per PG (`prev.then(f).catch(...)`): that costs two promises per call
 * plus the async function's own, and a microtask hop before every call even when the call is
 * synchronous. Per 4 KiB write at size 3 an OSD makes four to six such calls (the client op, its
 * commit, each RepOp reply; a replica's RepOp and commit): bench/osd-profile.md "Promises per
 * write" counted the chain's links as the largest single origin of promises. Here a call that
 * returns nothing costs no promise, one that returns a promise costs one `then`, and calls queued
 * while one runs follow it in the same microtask.
 */

import { logger } from '@ts-ceph/common';

const log = logger('osd');

/** Named limits of the PG chains (docs/LIMITS.md). */
export const pgChainLimits = {
  /** Run slots a busy chain keeps before it drops them (a chain never idle would otherwise grow). */
  compactSlots: 1024,
};

/** What a failed call's error goes to, with the chain's key (one handler can serve every PG). */
export type ChainFail = (e: unknown, key: string) => void;

/** One call in a PG's chain: `f`, then `done` (also after a failure, which goes to `fail`). */
interface ChainTask {
  f: () => Promise<unknown> | void;
  fail: ChainFail;
  done: (() => void) | undefined;
}

/** One lane of a chain: its tasks in order, with the index of the next one to run. */
class Lane {
  readonly tasks: (ChainTask | undefined)[] = [];
  head = 0;

  /** The next task, or undefined (and the lane emptied) when none is left. */
  next(): ChainTask | undefined {
    if (this.head >= this.tasks.length) {
      this.tasks.length = 0;
      this.head = 0;
      return undefined;
    }
    const t = this.tasks[this.head]!;
    this.tasks[this.head++] = undefined;
    // A lane busy for long never empties: drop the run slots behind it now and then.
    if (this.head >= pgChainLimits.compactSlots) {
      this.tasks.splice(0, this.head);
      this.head = 0;
    }
    return t;
  }
}

/**
 * A PG's calls in two lanes: the urgent one (commit notices, RepOp replies) runs before the
 * ordinary one (client ops, maps, ticks), each in its own arrival order. Ceph's op queue serves
 * MOSDRepOpReply (CEPH_MSG_PRIO_HIGH, above osd_op_queue_cut_off) from its strict-priority queue
 * ahead of client ops, and a store commit reaches the PG from the store's finisher, not from the
 * op queue: behind a deep client queue (hundreds of writes queued per PG under librbd's
 * writearound), the completions of the writes in flight would otherwise wait for every client op
 * queued before them, and each write's latency would be that queue's twice over.
 */
class Chain {
  constructor(readonly key: string) {}
  readonly urgent = new Lane();
  readonly normal = new Lane();
  running = false;

  next(): ChainTask | undefined {
    return this.urgent.next() ?? this.normal.next();
  }
}

export class PgChains {
  private readonly chains = new Map<string, Chain>();

  /**
   * Run `f` in `key`'s chain after everything queued before it; a throw or rejection goes to
   * `fail` and the chain goes on; `done` runs after either. Never runs `f` synchronously: the
   * first call of an idle chain starts in a microtask, as the promise chain did.
   */
  enqueue(key: string, f: () => Promise<unknown> | void, fail: ChainFail, done?: () => void): void {
    this.add(key, 'normal', { f, fail, done });
  }

  /**
   * As `enqueue`, ahead of the ordinary calls queued and not yet started (after the call running
   * now, and after the urgent calls queued before it): the completions of what is in flight.
   */
  enqueueUrgent(key: string, f: () => Promise<unknown> | void, fail: ChainFail): void {
    this.add(key, 'urgent', { f, fail, done: undefined });
  }

  private add(key: string, lane: 'urgent' | 'normal', task: ChainTask): void {
    let c = this.chains.get(key);
    if (!c) this.chains.set(key, (c = new Chain(key)));
    c[lane].tasks.push(task);
    if (c.running) return;
    c.running = true;
    const chain = c;
    queueMicrotask(() => this.pump(chain));
  }

  /** A promise that settles once everything queued in `key`'s chain so far has run; undefined when idle. */
  get(key: string): Promise<void> | undefined {
    const c = this.chains.get(key);
    if (!c || !c.running) return undefined;
    return new Promise<void>((resolve) => this.enqueue(key, () => resolve(), () => resolve()));
  }

  /** One promise per busy chain, settling once what it holds now has run (shutdown, tests). */
  values(): Promise<void>[] {
    const out: Promise<void>[] = [];
    for (const key of this.chains.keys()) {
      const p = this.get(key);
      if (p) out.push(p);
    }
    return out;
  }

  private pump(c: Chain): void {
    for (let t = c.next(); t; t = c.next()) {
      let r: Promise<unknown> | void;
      try {
        r = t.f();
      } catch (e) {
        finish(c, t, e, true);
        continue;
      }
      if (r) {
        r.then(
          () => this.resume(c, t, undefined, false),
          (e: unknown) => this.resume(c, t, e, true),
        );
        return;
      }
      finish(c, t, undefined, false);
    }
    c.running = false;
  }

  private resume(c: Chain, t: ChainTask, e: unknown, failed: boolean): void {
    finish(c, t, e, failed);
    this.pump(c);
  }
}

function finish(c: Chain, t: ChainTask, e: unknown, failed: boolean): void {
  // A throwing handler must not stop the chain (every later call of the PG would hang).
  try {
    if (failed) t.fail(e, c.key);
    t.done?.();
  } catch (e2) {
    log.dout(0, `pg chain: a failure handler threw: ${(e2 as Error).stack}`);
  }
}
