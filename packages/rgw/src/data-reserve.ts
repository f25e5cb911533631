/**
 * Reserved data set names (docs/formats/rgw.md, "Atomicity"): a small object's PUT must not write
 * its stripe before a pending record names it (else a gateway killed in between leaves a stripe
 * nobody finds), but recording it in series costs a round trip per PUT. So each gateway records
 * names ahead of use, in batches, as pending records of the bucket (`{data, startedMs, reserved}`),
 * and a PUT takes one that is already durable. The stripe's head carries the key it was written
 * for (an xattr), so the collector can tell a published reservation from a dead one.
 *
 * A name is handed out only while its record is younger than `reservationTtlMs`, far below the
 * collector's grace (rgw_gc_obj_min_wait, 2 h by default), so the collector never judges a record
 * whose name a PUT is still to use. Names left unused are cleared when they expire, when their
 * bucket is deleted and when the gateway stops; a gateway that dies leaves records the collector
 * drops (no stripe was written under them).
 *
 * The records of PUTs that are over (published or failed) are cleared the same way: released
 * names wait, and go out in the next record op of the bucket (one omap op both drops the old
 * records and writes the new ones) or, when no record op comes, after `releaseDelayMs`. A record
 * left a little longer changes nothing: the collector judges only records older than its grace,
 * and a published record names a stripe whose intent the index names.
 */
import type { BucketInfo } from './store-types';

/** Named limits of reservations (docs/LIMITS.md, "rgw"). */
export const reserveLimits = {
  /** A reserved name is handed out at most this long after its record was written. */
  reservationTtlMs: 60_000,
  /** Names recorded by one omap op at most. */
  namesPerRecordMax: 64,
  /** Released records wait at most this long for a record op to clear them with. */
  releaseDelayMs: 200,
};

/** How the reserver reaches RADOS (the store's batched pending records) and makes names. */
export interface ReserveIo {
  /** A fresh data set name in `b`. */
  newName(b: BucketInfo): string;
  /** Drop the records `clear`, then record `names` as reserved at `atMs` (one op), durably, before resolving. */
  record(b: BucketInfo, names: string[], atMs: number, clear: string[]): Promise<void>;
  /** Drop the records of `names` (unused). */
  clear(b: BucketInfo, names: string[]): Promise<void>;
  nowMs(): number;
}

interface Waiter {
  resolve(name: string): void;
  reject(e: unknown): void;
}

interface BucketNames {
  bucket: BucketInfo;
  /** A refill is scheduled for the end of this turn of the event loop. */
  scheduled: boolean;
  /** Recorded and unused, oldest first. */
  free: { name: string; atMs: number }[];
  waiters: Waiter[];
  /** PUTs between take() and done(): the concurrency the spare names are sized by. */
  held: number;
  recording: boolean;
  /** Records of PUTs that are over, to clear with the next record op (see release()). */
  released: string[];
  releaseTimer: NodeJS.Timeout | undefined;
}

export class DataSetReserver {
  private readonly buckets = new Map<string, BucketNames>();

  constructor(private readonly io: ReserveIo) {}

  private state(b: BucketInfo): BucketNames {
    let s = this.buckets.get(b.id);
    if (!s) this.buckets.set(b.id, (s = { bucket: b, scheduled: false, free: [], waiters: [], held: 0, recording: false, released: [], releaseTimer: undefined }));
    return s;
  }

  /** A recorded name for one PUT into `b`; call done(b) when that PUT is over. */
  take(b: BucketInfo): Promise<string> {
    const s = this.state(b);
    this.expire(s);
    s.held++;
    const n = s.free.shift();
    const got = n ? Promise.resolve(n.name) : new Promise<string>((resolve, reject) => s.waiters.push({ resolve, reject }));
    // Sized once the requests that arrived together (one poll of the event loop) have all asked.
    if (!s.scheduled) {
      s.scheduled = true;
      setImmediate(() => {
        s.scheduled = false;
        this.refill(s);
      });
    }
    return got;
  }

  done(b: BucketInfo): void {
    const s = this.buckets.get(b.id);
    if (s) s.held = Math.max(0, s.held - 1);
  }

  /**
   * Clear the pending records `names` of `b` (a PUT is over) with the bucket's next record op, or
   * after releaseDelayMs; a failure is left to the collector.
   */
  release(b: BucketInfo, names: string[]): void {
    const s = this.state(b);
    s.released.push(...names);
    this.armRelease(s);
  }

  private armRelease(s: BucketNames): void {
    if (!s.released.length || s.releaseTimer) return;
    s.releaseTimer = setTimeout(() => {
      s.releaseTimer = undefined;
      void this.flushReleased(s);
    }, reserveLimits.releaseDelayMs).unref();
  }

  private flushReleased(s: BucketNames): Promise<void> {
    if (s.releaseTimer) clearTimeout(s.releaseTimer);
    s.releaseTimer = undefined;
    // A record op in flight takes them when it ends (refill), or the next release's timer does.
    if (s.recording || !s.released.length) return Promise.resolve();
    return this.io.clear(s.bucket, s.released.splice(0)).catch(() => undefined);
  }

  /** Drop every unused name of `b` (its bucket goes). */
  async forget(b: BucketInfo): Promise<void> {
    const s = this.buckets.get(b.id);
    if (!s) return;
    const names = [...s.released.splice(0), ...s.free.splice(0).map((n) => n.name)];
    if (s.releaseTimer) clearTimeout(s.releaseTimer);
    s.releaseTimer = undefined;
    if (!s.held) this.buckets.delete(b.id);
    if (names.length) await this.io.clear(b, names);
  }

  /** Drop every unused name and released record (the gateway stops); failures are left to the collector. */
  async close(): Promise<void> {
    await Promise.all([...this.buckets.values()].map((s) => this.forget(s.bucket).catch(() => undefined)));
  }

  /** Unused names, for tests and status. */
  spare(b: BucketInfo): number {
    return this.buckets.get(b.id)?.free.length ?? 0;
  }

  private expire(s: BucketNames): void {
    const now = this.io.nowMs();
    let n = 0;
    while (n < s.free.length && now - s.free[n]!.atMs >= reserveLimits.reservationTtlMs) n++;
    if (!n) return;
    const names = s.free.splice(0, n).map((x) => x.name);
    // Past their use-by time: cleared in the background, and the collector drops them if this fails.
    this.io.clear(s.bucket, names).catch(() => undefined);
  }

  /**
   * When fewer spare names are left than PUTs are under way in the bucket (plus one per waiting
   * PUT), record twice that many, so a steady stream of PUTs costs a record op per that many PUTs,
   * not one per PUT; one record op at a time per bucket, carrying the released records' clear.
   */
  private refill(s: BucketNames): void {
    if (s.recording) return;
    const need = s.held + s.waiters.length;
    if (s.free.length >= need) {
      if (s.released.length >= reserveLimits.namesPerRecordMax) void this.flushReleased(s);
      return;
    }
    const want = Math.min(reserveLimits.namesPerRecordMax, 2 * need - s.free.length);
    s.recording = true;
    const names = Array.from({ length: want }, () => this.io.newName(s.bucket));
    const atMs = this.io.nowMs();
    const clear = s.released.splice(0);
    this.io.record(s.bucket, names, atMs, clear).then(
      () => {
        s.recording = false;
        for (const name of names) {
          const w = s.waiters.shift();
          if (w) w.resolve(name);
          else s.free.push({ name, atMs });
        }
        this.refill(s);
        // Released while this op was in flight, with no record op to carry them: the timer will.
        this.armRelease(s);
      },
      (e: unknown) => {
        s.recording = false;
        // The clears go again later; every PUT waiting for a name fails with it (each answers its own error).
        s.released.push(...clear);
        this.armRelease(s);
        for (const w of s.waiters.splice(0)) w.reject(e);
      },
    );
  }
}
