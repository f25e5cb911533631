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
 */
import type { BucketInfo } from './store-types';

/** Named limits of reservations (docs/LIMITS.md, "rgw"). */
export const reserveLimits = {
  /** A reserved name is handed out at most this long after its record was written. */
  reservationTtlMs: 60_000,
  /** Names recorded by one omap op at most. */
  namesPerRecordMax: 64,
};

/** How the reserver reaches RADOS (the store's batched pending records) and makes names. */
export interface ReserveIo {
  /** A fresh data set name in `b`. */
  newName(b: BucketInfo): string;
  /** Record `names` as reserved at `atMs`, durably, before resolving. */
  record(b: BucketInfo, names: string[], atMs: number): Promise<void>;
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
}

export class DataSetReserver {
  private readonly buckets = new Map<string, BucketNames>();

  constructor(private readonly io: ReserveIo) {}

  /** A recorded name for one PUT into `b`; call done(b) when that PUT is over. */
  take(b: BucketInfo): Promise<string> {
    let s = this.buckets.get(b.id);
    if (!s) this.buckets.set(b.id, (s = { bucket: b, scheduled: false, free: [], waiters: [], held: 0, recording: false }));
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

  /** Drop every unused name of `b` (its bucket goes). */
  async forget(b: BucketInfo): Promise<void> {
    const s = this.buckets.get(b.id);
    if (!s) return;
    const names = s.free.splice(0).map((n) => n.name);
    if (!s.held) this.buckets.delete(b.id);
    if (names.length) await this.io.clear(b, names);
  }

  /** Drop every unused name (the gateway stops); failures are left to the collector. */
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
   * Keep as many spare names as PUTs are under way in the bucket (the next ones then find theirs
   * recorded), plus one per waiting PUT; one record op at a time per bucket.
   */
  private refill(s: BucketNames): void {
    if (s.recording) return;
    const want = Math.min(reserveLimits.namesPerRecordMax, s.held + s.waiters.length - s.free.length);
    if (want <= 0) return;
    s.recording = true;
    const names = Array.from({ length: want }, () => this.io.newName(s.bucket));
    const atMs = this.io.nowMs();
    this.io.record(s.bucket, names, atMs).then(
      () => {
        s.recording = false;
        for (const name of names) {
          const w = s.waiters.shift();
          if (w) w.resolve(name);
          else s.free.push({ name, atMs });
        }
        this.refill(s);
      },
      (e: unknown) => {
        s.recording = false;
        // Every PUT waiting for a name fails with it (each answers its own error).
        for (const w of s.waiters.splice(0)) w.reject(e);
      },
    );
  }
}
