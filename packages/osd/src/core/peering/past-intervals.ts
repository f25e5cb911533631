/**
 * Intervals and the prior set (src/osd/osd_types.h PastIntervals, pg_interval_t;
 * src/osd/PeeringState.cc build_prior / PriorSet). An interval is a run of OSDMap epochs in which a
 * PG's up set, acting set, primary, size and min_size stay the same; a new one starts peering.
 */
import type { EntityAddr } from '@ts-ceph/denc';

/** What one OSDMap epoch says about one PG (the driver computes it with pgToUpActingOsds). */
export interface PgMapping {
  epoch: number;
  up: number[];
  upPrimary: number;
  acting: number[];
  primary: number;
  size: number;
  minSize: number;
  /** The OSDs up in this map. */
  upOsds: ReadonlySet<number>;
  /**
   * osd_info_t::up_thru of each OSD, when the map carries it: an interval whose primary's up_thru
   * is below its first epoch never went read-write. Without it every interval that had min_size
   * OSDs counts as one that may have (safe, sometimes `down` where Ceph would not be).
   */
  upThru?: ReadonlyMap<number, number>;
  /**
   * OSDMap::is_blocklisted of this epoch's map: a client address it fences gets -EBLOCKLISTED for
   * every op (PrimaryLogPG::do_op). Absent when the map blocklists nobody.
   */
  isBlocklisted?: (addr: EntityAddr) => boolean;
  /**
   * CEPH_OSDMAP_NORECOVER (OSD::activate_map pauses the recovery queue): no recovery or backfill
   * op starts, but one a client op waits for; those in flight finish.
   */
  noRecover?: boolean;
  /** CEPH_OSDMAP_NOBACKFILL: no push to a backfill target starts, but one a client op waits for. */
  noBackfill?: boolean;
}

/** pg_interval_t, the parts peering reads. */
export interface PastInterval {
  first: number;
  last: number;
  acting: number[];
  primary: number;
  maybeWentRw: boolean;
}

const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** PastIntervals::is_new_interval: does `cur` start a new interval after `prev`? */
export function isNewInterval(prev: PgMapping, cur: PgMapping): boolean {
  return prev.primary !== cur.primary || prev.upPrimary !== cur.upPrimary || !sameList(prev.acting, cur.acting) || !sameList(prev.up, cur.up) || prev.size !== cur.size || prev.minSize !== cur.minSize;
}

/**
 * PastIntervals::check_new_interval's record of the interval that ended: [first, last] with the
 * acting set of `prev`. It may have gone read-write when it had a primary and min_size OSDs, and
 * (when up_thru is known) the primary's up_thru reached its first epoch.
 */
export function closeInterval(prev: PgMapping, first: number, last: number): PastInterval {
  let rw = prev.primary >= 0 && prev.acting.length > 0 && prev.acting.length >= prev.minSize;
  if (rw && prev.upThru) rw = (prev.upThru.get(prev.primary) ?? 0) >= first;
  return { first, last, acting: [...prev.acting], primary: prev.primary, maybeWentRw: rw };
}

/** PriorSet: whom peering must hear from, and whether the PG is down. */
export interface PriorSet {
  /** OSDs to query: up members of the current acting/up sets and of each relevant past interval. */
  probe: number[];
  /** Members of relevant past intervals that are down now. */
  down: number[];
  /** Some interval that may have gone read-write has no member up: its writes may be lost (pg_down). */
  pgDown: boolean;
}

/**
 * PeeringState::build_prior: intervals that end before last_epoch_started cannot hold writes the
 * activation at last_epoch_started did not see; every later one that may have gone read-write
 * needs at least one member we can hear from. `skip` drops intervals on purpose: the planted bug
 * of the simulation's mutation test (never set outside it).
 */
export function buildPrior(intervals: readonly PastInterval[], lastEpochStarted: number, cur: PgMapping, self: number, skip = 0): PriorSet {
  const probe = new Set<number>();
  const down = new Set<number>();
  let pgDown = false;
  for (const o of [...cur.acting, ...cur.up]) if (o >= 0 && o !== self && cur.upOsds.has(o)) probe.add(o);
  const relevant = intervals.filter((i) => i.maybeWentRw && i.last >= lastEpochStarted);
  for (const i of relevant.slice(0, Math.max(0, relevant.length - skip))) {
    let anyUp = false;
    for (const o of i.acting) {
      if (cur.upOsds.has(o)) {
        anyUp = true;
        if (o !== self) probe.add(o);
      } else down.add(o);
    }
    if (!anyUp) pgDown = true;
  }
  return { probe: [...probe].sort((a, b) => a - b), down: [...down].sort((a, b) => a - b), pgDown };
}
