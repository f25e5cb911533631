/**
 * JSON dumps of a PG's summary types (pg_stat_t::dump, pg_history_t::dump, pg_info_t::dump in
 * src/osd/osd_types.cc), with Ceph's keys in Ceph's order. The mgr's `pg dump` and the OSD's
 * `pg PGID query` both print them, so they live beside the types.
 */
import { UTime } from '@ts-ceph/denc';
import { Formatter } from '../format/formatter';
import { utimeLocal } from '../format/text';
import { formatEversion, formatPg } from '../types/pg';
import { dumpObjectStatSum } from '../types/stats';
import { PgStatT } from './pg-stat';
import { PgHistoryT } from './pg-history';
import { PgInfoT } from './pg-info';

const ints = (f: Formatter, name: string, v: readonly number[], item = 'osd'): void => {
  f.openArray(name);
  for (const x of v) f.dumpInt(item, x);
  f.close();
};

const stamp = (f: Formatter, name: string, t: UTime): void => f.dumpStream(name, utimeLocal(t));

/** pg_stat_t::dump; `state` is pg_state_string of s.state (the caller's table of names). */
export function dumpPgStatT(f: Formatter, s: PgStatT, state: string): void {
  f.dumpStream('version', formatEversion(s.version));
  f.dumpUnsigned('reported_seq', s.reportedSeq);
  f.dumpUnsigned('reported_epoch', s.reportedEpoch);
  f.dumpString('state', state);
  for (const [k, t] of [['last_fresh', s.lastFresh], ['last_change', s.lastChange], ['last_active', s.lastActive], ['last_peered', s.lastPeered], ['last_clean', s.lastClean], ['last_became_active', s.lastBecameActive], ['last_became_peered', s.lastBecamePeered], ['last_unstale', s.lastUnstale], ['last_undegraded', s.lastUndegraded], ['last_fullsized', s.lastFullsized]] as const) stamp(f, k, t);
  f.dumpUnsigned('mapping_epoch', s.mappingEpoch);
  f.dumpStream('log_start', formatEversion(s.logStart));
  f.dumpStream('ondisk_log_start', formatEversion(s.ondiskLogStart));
  f.dumpUnsigned('created', s.created);
  f.dumpUnsigned('last_epoch_clean', s.lastEpochClean);
  f.dumpStream('parent', formatPg(s.parent));
  f.dumpUnsigned('parent_split_bits', s.parentSplitBits);
  f.dumpStream('last_scrub', formatEversion(s.lastScrub));
  stamp(f, 'last_scrub_stamp', s.lastScrubStamp);
  f.dumpStream('last_deep_scrub', formatEversion(s.lastDeepScrub));
  stamp(f, 'last_deep_scrub_stamp', s.lastDeepScrubStamp);
  stamp(f, 'last_clean_scrub_stamp', s.lastCleanScrubStamp);
  f.dumpInt('log_size', s.logSize);
  f.dumpInt('ondisk_log_size', s.ondiskLogSize);
  for (const [k, v] of [['stats_invalid', s.statsInvalid], ['dirty_stats_invalid', s.dirtyStatsInvalid], ['omap_stats_invalid', s.omapStatsInvalid], ['hitset_stats_invalid', s.hitsetStatsInvalid], ['hitset_bytes_stats_invalid', s.hitsetBytesStatsInvalid], ['pin_stats_invalid', s.pinStatsInvalid], ['manifest_stats_invalid', s.manifestStatsInvalid]] as const) f.dumpBool(k, v);
  f.dumpUnsigned('snaptrimq_len', s.snaptrimqLen);
  f.openObject('stat_sum');
  dumpObjectStatSum(f, s.stats.sum);
  f.close();
  ints(f, 'up', s.up);
  ints(f, 'acting', s.acting);
  f.openArray('avail_no_missing');
  for (const x of s.availNoMissing) f.dumpString('shard', String(x.osd));
  f.close();
  f.openArray('object_location_counts');
  f.close();
  ints(f, 'blocked_by', s.blockedBy);
  f.dumpInt('up_primary', s.upPrimary);
  f.dumpInt('acting_primary', s.actingPrimary);
  f.openArray('purged_snaps');
  for (const [start, len] of s.purgedSnaps) {
    f.openObject('interval');
    f.dumpUnsigned('start', start);
    f.dumpUnsigned('length', len);
    f.close();
  }
  f.close();
}

/** pg_history_t::dump (prior_readable_until_ub as seconds, a double). */
export function dumpPgHistoryT(f: Formatter, h: PgHistoryT): void {
  f.dumpInt('epoch_created', h.epochCreated);
  f.dumpInt('epoch_pool_created', h.epochPoolCreated);
  f.dumpInt('last_epoch_started', h.lastEpochStarted);
  f.dumpInt('last_interval_started', h.lastIntervalStarted);
  f.dumpInt('last_epoch_clean', h.lastEpochClean);
  f.dumpInt('last_interval_clean', h.lastIntervalClean);
  f.dumpInt('last_epoch_split', h.lastEpochSplit);
  f.dumpInt('last_epoch_marked_full', h.lastEpochMarkedFull);
  f.dumpInt('same_up_since', h.sameUpSince);
  f.dumpInt('same_interval_since', h.sameIntervalSince);
  f.dumpInt('same_primary_since', h.samePrimarySince);
  f.dumpStream('last_scrub', formatEversion(h.lastScrub));
  stamp(f, 'last_scrub_stamp', h.lastScrubStamp);
  f.dumpStream('last_deep_scrub', formatEversion(h.lastDeepScrub));
  stamp(f, 'last_deep_scrub_stamp', h.lastDeepScrubStamp);
  stamp(f, 'last_clean_scrub_stamp', h.lastCleanScrubStamp);
  f.dumpFloat('prior_readable_until_ub', h.priorReadableUntilUb.sec + h.priorReadableUntilUb.nsec / 1e9);
}

/**
 * pg_info_t::dump. last_backfill prints as hobject_t's operator<<: "MAX" for a complete copy, "MIN"
 * for one whose backfill has not begun (the two values ts-osd keeps).
 */
export function dumpPgInfoT(f: Formatter, i: PgInfoT, state: string): void {
  f.dumpStream('pgid', formatPg(i.pgid.pgid));
  f.dumpStream('last_update', formatEversion(i.lastUpdate));
  f.dumpStream('last_complete', formatEversion(i.lastComplete));
  f.dumpStream('log_tail', formatEversion(i.logTail));
  f.dumpInt('last_user_version', i.lastUserVersion);
  f.dumpStream('last_backfill', i.lastBackfill.max ? 'MAX' : 'MIN');
  f.openArray('purged_snaps');
  for (const [start, len] of i.purgedSnaps) {
    f.openObject('purged_snap_interval');
    f.dumpStream('start', start.toString(16));
    f.dumpStream('length', len.toString(16));
    f.close();
  }
  f.close();
  f.openObject('history');
  dumpPgHistoryT(f, i.history);
  f.close();
  f.openObject('stats');
  dumpPgStatT(f, i.stats, state);
  f.close();
  f.dumpInt('empty', i.lastUpdate.version === 0n ? 1 : 0);
  f.dumpInt('dne', i.history.epochCreated === 0 ? 1 : 0);
  f.dumpInt('incomplete', i.lastBackfill.max ? 0 : 1);
  f.dumpInt('last_epoch_started', i.lastEpochStarted);
  f.openObject('hit_set_history');
  f.dumpStream('current_last_update', formatEversion(i.hitSet.currentLastUpdate));
  f.openArray('history');
  f.close();
  f.close();
}
