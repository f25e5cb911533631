import { Reader, Writer, UTime, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { EversionT, SpgT, EVERSION_ZERO, decodeEversionT, encodeEversionT, decodePgT, encodePgT } from '../types/pg';
import { HobjectT, POOL_MIN, hobjectMax, decodeHobjectT, encodeHobjectT } from '../types/hobject';
import { IntervalSet, decodeIntervalSet, encodeIntervalSet } from '../types/interval-set';
import { PgStatT, newPgStat, decodePgStatT, encodePgStatT } from './pg-stat';
import { PgHistoryT, PgHitSetHistoryT, newPgHistory, decodePgHistoryT, encodePgHistoryT, decodePgHitSetHistoryT, encodePgHitSetHistoryT } from './pg-history';

/**
 * pg_info_t and pg_fast_info_t (src/osd/osd_types.h/.cc): the summary of a PG an OSD persists next to
 * its log and exchanges while peering.
 */

/**
 * pg_info_t: ENCODE_START(32, 26) { pg_t, last_update, last_complete, log_tail, hobject_t (old
 * last_backfill, written empty), pg_stat_t stats, pg_history_t, interval_set purged_snaps, u32
 * last_epoch_started, u64 last_user_version, pg_hit_set_history_t, s8 shard, hobject_t last_backfill,
 * bool (was last_backfill_bitwise, written true), u32 last_interval_started (v32) }.
 */
export interface PgInfoT {
  pgid: SpgT;
  /** The newest log entry's version. */
  lastUpdate: EversionT;
  /** Every object is complete up to this version (last_update when nothing is missing). */
  lastComplete: EversionT;
  /** The version before the oldest log entry. */
  logTail: EversionT;
  /** u32: the last epoch this PG went active here. */
  lastEpochStarted: number;
  /** u32: the first epoch of the interval that went active. */
  lastIntervalStarted: number;
  /** u64: the last user version handed out (object versions clients see). */
  lastUserVersion: bigint;
  /** Objects up to here are backfilled (the maximum object when complete). */
  lastBackfill: HobjectT;
  /** Snaps whose clones are purged from this PG. */
  purgedSnaps: IntervalSet;
  stats: PgStatT;
  history: PgHistoryT;
  hitSet: PgHitSetHistoryT;
}

/** pg_info_t(pgid): Ceph's initial values (everything zero, last_backfill the maximum object). */
export function newPgInfo(pgid: SpgT): PgInfoT {
  return {
    pgid,
    lastUpdate: { ...EVERSION_ZERO },
    lastComplete: { ...EVERSION_ZERO },
    logTail: { ...EVERSION_ZERO },
    lastEpochStarted: 0,
    lastIntervalStarted: 0,
    lastUserVersion: 0n,
    lastBackfill: hobjectMax(),
    purgedSnaps: [],
    stats: newPgStat(),
    history: newPgHistory(),
    hitSet: { currentLastUpdate: { ...EVERSION_ZERO }, history: [] },
  };
}

/** The empty hobject_t Ceph writes where the pre-luminous last_backfill was. */
const EMPTY_HOBJECT: HobjectT = { oid: '', key: '', snap: 0n, hash: 0, max: false, nspace: '', pool: POOL_MIN };

export function decodePgInfoT(r: Reader, field = 'pg_info_t'): PgInfoT {
  return r.envelope(field, 32, (_r, v) => {
    const pgid = decodePgT(r, 'pgid');
    const i = newPgInfo({ pgid, shard: -1 });
    i.lastUpdate = decodeEversionT(r, 'last_update');
    i.lastComplete = decodeEversionT(r, 'last_complete');
    i.logTail = decodeEversionT(r, 'log_tail');
    decodeHobjectT(r, 'old_last_backfill');
    i.stats = decodePgStatT(r, 'stats');
    i.history = decodePgHistoryT(r, 'history');
    i.purgedSnaps = decodeIntervalSet(r, 'purged_snaps');
    i.lastEpochStarted = r.u32('last_epoch_started');
    i.lastUserVersion = r.u64('last_user_version');
    i.hitSet = decodePgHitSetHistoryT(r, 'hit_set');
    i.pgid = { pgid, shard: r.i8('shard') };
    i.lastBackfill = decodeHobjectT(r, 'last_backfill');
    r.bool('last_backfill_bitwise');
    i.lastIntervalStarted = v >= 32 ? r.u32('last_interval_started') : i.lastEpochStarted;
    return i;
  });
}

export function encodePgInfoT(w: Writer, i: PgInfoT): void {
  w.envelope(32, 26, () => {
    encodePgT(w, i.pgid.pgid);
    encodeEversionT(w, i.lastUpdate);
    encodeEversionT(w, i.lastComplete);
    encodeEversionT(w, i.logTail);
    encodeHobjectT(w, EMPTY_HOBJECT);
    encodePgStatT(w, i.stats);
    encodePgHistoryT(w, i.history);
    encodeIntervalSet(w, i.purgedSnaps);
    w.u32(i.lastEpochStarted).u64(i.lastUserVersion);
    encodePgHitSetHistoryT(w, i.hitSet);
    w.i8(i.pgid.shard);
    encodeHobjectT(w, i.lastBackfill);
    w.bool(true).u32(i.lastIntervalStarted);
  });
}

/** The stat_sum counters pg_fast_info_t carries, in wire order. */
const FAST_SUMS = ['num_bytes', 'num_objects', 'num_object_copies', 'num_rd', 'num_rd_kb', 'num_wr', 'num_wr_kb', 'num_objects_dirty'] as const;

/**
 * pg_fast_info_t: ENCODE_START(1, 1): the fields of pg_info_t that change on every write, stored
 * separately so a write need not re-encode the whole info.
 */
export interface PgFastInfoT {
  lastUpdate: EversionT;
  lastComplete: EversionT;
  lastUserVersion: bigint;
  statsVersion: EversionT;
  reportedSeq: bigint;
  lastFresh: UTime;
  lastActive: UTime;
  lastPeered: UTime;
  lastClean: UTime;
  lastUnstale: UTime;
  lastUndegraded: UTime;
  lastFullsized: UTime;
  /** s64 log entries. */
  logSize: number;
  /** The stat_sum counters named in FAST_SUMS (s64 each). */
  sums: Record<(typeof FAST_SUMS)[number], number>;
}

/** pg_fast_info_t::populate_from(info). */
export function pgFastInfoOf(i: PgInfoT): PgFastInfoT {
  const s = i.stats;
  return {
    lastUpdate: i.lastUpdate,
    lastComplete: i.lastComplete,
    lastUserVersion: i.lastUserVersion,
    statsVersion: s.version,
    reportedSeq: s.reportedSeq,
    lastFresh: s.lastFresh,
    lastActive: s.lastActive,
    lastPeered: s.lastPeered,
    lastClean: s.lastClean,
    lastUnstale: s.lastUnstale,
    lastUndegraded: s.lastUndegraded,
    lastFullsized: s.lastFullsized,
    logSize: s.logSize,
    sums: Object.fromEntries(FAST_SUMS.map((n) => [n, s.stats.sum[n] ?? 0])) as PgFastInfoT['sums'],
  };
}

const STAMPS = ['lastFresh', 'lastActive', 'lastPeered', 'lastClean', 'lastUnstale', 'lastUndegraded', 'lastFullsized'] as const;

export function decodePgFastInfoT(r: Reader, field = 'pg_fast_info_t'): PgFastInfoT {
  return r.envelope(field, 1, () => {
    const f = pgFastInfoOf(newPgInfo({ pgid: { pool: 0, seed: 0 }, shard: -1 }));
    f.lastUpdate = decodeEversionT(r, 'last_update');
    f.lastComplete = decodeEversionT(r, 'last_complete');
    f.lastUserVersion = r.u64('last_user_version');
    f.statsVersion = decodeEversionT(r, 'stats.version');
    f.reportedSeq = r.u64('reported_seq');
    for (const k of STAMPS) f[k] = decodeUTime(r, k);
    f.logSize = r.i64n('log_size');
    for (const n of FAST_SUMS) f.sums[n] = r.i64n(n);
    return f;
  });
}

export function encodePgFastInfoT(w: Writer, f: PgFastInfoT): void {
  w.envelope(1, 1, () => {
    encodeEversionT(w, f.lastUpdate);
    encodeEversionT(w, f.lastComplete);
    w.u64(f.lastUserVersion);
    encodeEversionT(w, f.statsVersion);
    w.u64(f.reportedSeq);
    for (const k of STAMPS) encodeUTime(w, f[k]);
    w.i64(f.logSize);
    for (const n of FAST_SUMS) w.i64(f.sums[n]);
  });
}

/** pg_fast_info_t::try_apply_to: copy the fast fields into `i`, unless they are older than it. */
export function applyPgFastInfo(f: PgFastInfoT, i: PgInfoT): boolean {
  if (f.lastUpdate.epoch < i.lastUpdate.epoch || (f.lastUpdate.epoch === i.lastUpdate.epoch && f.lastUpdate.version <= i.lastUpdate.version)) return false;
  i.lastUpdate = f.lastUpdate;
  i.lastComplete = f.lastComplete;
  i.lastUserVersion = f.lastUserVersion;
  const s = i.stats;
  s.version = f.statsVersion;
  s.reportedSeq = f.reportedSeq;
  for (const k of STAMPS) s[k] = f[k];
  s.logSize = f.logSize;
  for (const n of FAST_SUMS) s.stats.sum[n] = f.sums[n];
  return true;
}
