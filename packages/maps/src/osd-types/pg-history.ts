import { Reader, Writer, UTime, UTIME_ZERO, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { EversionT, PgShardT, EVERSION_ZERO, decodeEversionT, encodeEversionT, decodePgShardT, encodePgShardT } from '../types/pg';
import { mapsLimits } from '../limits';

/**
 * A PG's history across OSDMap epochs (src/osd/osd_types.h/.cc): pg_history_t, PastIntervals (its
 * compact representation, the only one since luminous), and the cache-tier hit-set history.
 */

/** A std::chrono duration as Ceph encodes it: s32 seconds + s32 nanoseconds. */
export interface SpanT {
  sec: number;
  nsec: number;
}

/** pg_history_t: ENCODE_START(10, 4), decoded with DECODE_START_LEGACY_COMPAT_LEN(10, 4, 4). All epochs u32. */
export interface PgHistoryT {
  /** Epoch the PG was created (its pool, or a split). */
  epochCreated: number;
  epochPoolCreated: number;
  /** Lower bound on the last epoch the PG was started (active) anywhere. */
  lastEpochStarted: number;
  /** First epoch of the interval in which last_epoch_started was reached. */
  lastIntervalStarted: number;
  lastEpochClean: number;
  lastIntervalClean: number;
  lastEpochSplit: number;
  lastEpochMarkedFull: number;
  /** The up set has been the same since this epoch. */
  sameUpSince: number;
  /** The up and acting sets have been the same since this epoch (the current interval's start). */
  sameIntervalSince: number;
  samePrimarySince: number;
  lastScrub: EversionT;
  lastDeepScrub: EversionT;
  lastScrubStamp: UTime;
  lastDeepScrubStamp: UTime;
  lastCleanScrubStamp: UTime;
  /** Upper bound of how long the previous interval's primary may still serve reads (a duration). */
  priorReadableUntilUb: SpanT;
}

export function newPgHistory(): PgHistoryT {
  return {
    epochCreated: 0,
    epochPoolCreated: 0,
    lastEpochStarted: 0,
    lastIntervalStarted: 0,
    lastEpochClean: 0,
    lastIntervalClean: 0,
    lastEpochSplit: 0,
    lastEpochMarkedFull: 0,
    sameUpSince: 0,
    sameIntervalSince: 0,
    samePrimarySince: 0,
    lastScrub: { ...EVERSION_ZERO },
    lastDeepScrub: { ...EVERSION_ZERO },
    lastScrubStamp: { ...UTIME_ZERO },
    lastDeepScrubStamp: { ...UTIME_ZERO },
    lastCleanScrubStamp: { ...UTIME_ZERO },
    priorReadableUntilUb: { sec: 0, nsec: 0 },
  };
}

/** pg_history_t(created, stamp): a PG created at `epoch`, as the mon sends it in MOSDPGCreate2. */
export function pgHistoryCreated(epoch: number, stamp: UTime): PgHistoryT {
  const h = newPgHistory();
  h.epochCreated = h.epochPoolCreated = epoch;
  h.sameIntervalSince = h.sameUpSince = h.samePrimarySince = epoch;
  h.lastScrubStamp = h.lastDeepScrubStamp = h.lastCleanScrubStamp = stamp;
  return h;
}

function decodeHistoryBody(r: Reader, v: number): PgHistoryT {
  const h = newPgHistory();
  h.epochCreated = r.u32('epoch_created');
  h.lastEpochStarted = r.u32('last_epoch_started');
  h.lastEpochClean = v >= 3 ? r.u32('last_epoch_clean') : h.lastEpochStarted;
  h.lastEpochSplit = r.u32('last_epoch_split');
  h.sameIntervalSince = r.u32('same_interval_since');
  h.sameUpSince = r.u32('same_up_since');
  h.samePrimarySince = r.u32('same_primary_since');
  if (v >= 2) {
    h.lastScrub = decodeEversionT(r, 'last_scrub');
    h.lastScrubStamp = decodeUTime(r, 'last_scrub_stamp');
  }
  if (v >= 5) {
    h.lastDeepScrub = decodeEversionT(r, 'last_deep_scrub');
    h.lastDeepScrubStamp = decodeUTime(r, 'last_deep_scrub_stamp');
  }
  if (v >= 6) h.lastCleanScrubStamp = decodeUTime(r, 'last_clean_scrub_stamp');
  if (v >= 7) h.lastEpochMarkedFull = r.u32('last_epoch_marked_full');
  if (v >= 8) {
    h.lastIntervalStarted = r.u32('last_interval_started');
    h.lastIntervalClean = r.u32('last_interval_clean');
  } else {
    // Ceph's best guesses for an old sender.
    h.lastIntervalStarted = h.lastEpochStarted >= h.sameIntervalSince ? h.sameIntervalSince : h.lastEpochStarted;
    h.lastIntervalClean = h.lastEpochClean >= h.sameIntervalSince ? h.sameIntervalSince : h.lastEpochClean;
  }
  h.epochPoolCreated = v >= 9 ? r.u32('epoch_pool_created') : h.epochCreated;
  if (v >= 10) h.priorReadableUntilUb = { sec: r.i32('sec'), nsec: r.i32('nsec') };
  return h;
}

export function decodePgHistoryT(r: Reader, field = 'pg_history_t'): PgHistoryT {
  return r.envelopeLegacy(field, 10, 4, 4, (_r, v) => decodeHistoryBody(r, v));
}

export function encodePgHistoryT(w: Writer, h: PgHistoryT): void {
  w.envelope(10, 4, () => {
    w.u32(h.epochCreated).u32(h.lastEpochStarted).u32(h.lastEpochClean).u32(h.lastEpochSplit);
    w.u32(h.sameIntervalSince).u32(h.sameUpSince).u32(h.samePrimarySince);
    encodeEversionT(w, h.lastScrub);
    encodeUTime(w, h.lastScrubStamp);
    encodeEversionT(w, h.lastDeepScrub);
    encodeUTime(w, h.lastDeepScrubStamp);
    encodeUTime(w, h.lastCleanScrubStamp);
    w.u32(h.lastEpochMarkedFull).u32(h.lastIntervalStarted).u32(h.lastIntervalClean).u32(h.epochPoolCreated);
    w.i32(h.priorReadableUntilUb.sec).i32(h.priorReadableUntilUb.nsec);
  });
}

/** compact_interval_t: ENCODE_START(1, 1) { u32 first, u32 last, set<pg_shard_t> acting }. */
export interface CompactIntervalT {
  first: number;
  /** Inclusive. */
  last: number;
  acting: PgShardT[];
}

const SHARD_BYTES = 6 + 5;

function shardSet(r: Reader, field: string): PgShardT[] {
  const v = r.list(field, (rr) => decodePgShardT(rr, 'shard'), SHARD_BYTES);
  if (v.length > mapsLimits.osdsPerMapMax) r.fail('DENC_LIMIT', `${v.length} shards over limit`, field);
  return v;
}

export function decodeCompactIntervalT(r: Reader, field = 'compact_interval_t'): CompactIntervalT {
  return r.envelope(field, 1, () => ({ first: r.u32('first'), last: r.u32('last'), acting: shardSet(r, 'acting') }));
}

export function encodeCompactIntervalT(w: Writer, c: CompactIntervalT): void {
  w.envelope(1, 1, () => {
    w.u32(c.first).u32(c.last).list(c.acting, encodePgShardT);
  });
}

/**
 * PastIntervals: ENCODE_START(1, 1) { u8 type: 0 (empty) or 2 (pi_compact_rep: ENCODE_START(1, 1)
 * { u32 first, u32 last, set<pg_shard_t> all_participants, list<compact_interval_t> intervals }) }.
 * Type 1 (pi_simple_rep) was removed after luminous and is refused, as Ceph aborts on it.
 */
export interface PastIntervalsT {
  /** undefined: no past intervals (type 0). */
  compact: { first: number; last: number; allParticipants: PgShardT[]; intervals: CompactIntervalT[] } | undefined;
}

export function decodePastIntervals(r: Reader, field = 'PastIntervals'): PastIntervalsT {
  return r.envelope(field, 1, () => {
    const type = r.u8('type');
    if (type === 0) return { compact: undefined };
    if (type !== 2) r.fail('DENC_MALFORMED', `PastIntervals type ${type} is not supported (only 0 and 2 exist since luminous)`, 'type');
    return {
      compact: r.envelope('pi_compact_rep', 1, () => ({
        first: r.u32('first'),
        last: r.u32('last'),
        allParticipants: shardSet(r, 'all_participants'),
        intervals: r.list('intervals', (rr) => decodeCompactIntervalT(rr, 'interval'), 6 + 12),
      })),
    };
  });
}

export function encodePastIntervals(w: Writer, p: PastIntervalsT): void {
  w.envelope(1, 1, () => {
    const c = p.compact;
    if (!c) return void w.u8(0);
    w.u8(2).envelope(1, 1, () => {
      w.u32(c.first).u32(c.last).list(c.allParticipants, encodePgShardT).list(c.intervals, encodeCompactIntervalT);
    });
  });
}

/** pg_hit_set_info_t: ENCODE_START(2, 1) { utime begin, utime end, eversion_t version, bool using_gmt (v2) }. */
export interface PgHitSetInfoT {
  begin: UTime;
  end: UTime;
  /** The version at which this HitSet object was written. */
  version: EversionT;
  usingGmt: boolean;
}

export function newPgHitSetInfo(): PgHitSetInfoT {
  return { begin: { ...UTIME_ZERO }, end: { ...UTIME_ZERO }, version: { ...EVERSION_ZERO }, usingGmt: true };
}

export function decodePgHitSetInfoT(r: Reader, field = 'pg_hit_set_info_t'): PgHitSetInfoT {
  return r.envelope(field, 2, (_r, v) => ({ begin: decodeUTime(r, 'begin'), end: decodeUTime(r, 'end'), version: decodeEversionT(r, 'version'), usingGmt: v >= 2 ? r.bool('using_gmt') : false }));
}

export function encodePgHitSetInfoT(w: Writer, i: PgHitSetInfoT): void {
  w.envelope(2, 1, () => {
    encodeUTime(w, i.begin);
    encodeUTime(w, i.end);
    encodeEversionT(w, i.version);
    w.bool(i.usingGmt);
  });
}

/**
 * pg_hit_set_history_t: ENCODE_START(1, 1) { eversion_t current_last_update, utime (unused, zero),
 * pg_hit_set_info_t (unused, default), list<pg_hit_set_info_t> history }.
 */
export interface PgHitSetHistoryT {
  currentLastUpdate: EversionT;
  /** Archived sets, oldest first. */
  history: PgHitSetInfoT[];
}

export function decodePgHitSetHistoryT(r: Reader, field = 'pg_hit_set_history_t'): PgHitSetHistoryT {
  return r.envelope(field, 1, () => {
    const currentLastUpdate = decodeEversionT(r, 'current_last_update');
    decodeUTime(r, 'dummy_stamp');
    decodePgHitSetInfoT(r, 'dummy_info');
    return { currentLastUpdate, history: r.list('history', (rr) => decodePgHitSetInfoT(rr, 'info'), 6) };
  });
}

export function encodePgHitSetHistoryT(w: Writer, h: PgHitSetHistoryT): void {
  w.envelope(1, 1, () => {
    encodeEversionT(w, h.currentLastUpdate);
    encodeUTime(w, UTIME_ZERO);
    encodePgHitSetInfoT(w, newPgHitSetInfo());
    w.list(h.history, encodePgHitSetInfoT);
  });
}
