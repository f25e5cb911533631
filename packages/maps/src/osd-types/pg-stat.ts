import { Reader, Writer, UTime, UTIME_ZERO, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { EversionT, PgT, PgShardT, EVERSION_ZERO, decodeEversionT, encodeEversionT, decodePgT, encodePgT, decodePgShardT, encodePgShardT } from '../types/pg';
import { ObjectStatCollectionT, newObjectStatSum, decodeObjectStatCollectionT, encodeObjectStatCollectionT } from '../types/stats';
import { IntervalSet, decodeIntervalSet, encodeIntervalSet } from '../types/interval-set';
import { mapsLimits } from '../limits';

/**
 * pg_stat_t (src/osd/osd_types.h/.cc): what a primary reports about one PG to the mgr (MPGStats) and
 * keeps inside its pg_info_t. ENCODE_START(26, 22); decoded with DECODE_START(26), so a sender older
 * than v22 (pre-luminous) is refused.
 */
export interface PgStatT {
  /** The PG's last_update when this was reported. */
  version: EversionT;
  /** u64 report sequence number. */
  reportedSeq: bigint;
  /** u32 epoch of the report. */
  reportedEpoch: number;
  /** u64 PG_STATE_* bits (the low 32 first on the wire, the high 32 later, for old peers). */
  state: bigint;
  lastFresh: UTime;
  lastChange: UTime;
  lastActive: UTime;
  lastPeered: UTime;
  lastClean: UTime;
  lastUnstale: UTime;
  lastUndegraded: UTime;
  lastFullsized: UTime;
  logStart: EversionT;
  ondiskLogStart: EversionT;
  /** u32 epochs. */
  created: number;
  lastEpochClean: number;
  /** The PG this one split from, and how many bits of its seed it kept. */
  parent: PgT;
  parentSplitBits: number;
  lastScrub: EversionT;
  lastDeepScrub: EversionT;
  lastScrubStamp: UTime;
  lastDeepScrubStamp: UTime;
  lastCleanScrubStamp: UTime;
  stats: ObjectStatCollectionT;
  /** s64 entries in the PG log. */
  logSize: number;
  ondiskLogSize: number;
  up: number[];
  acting: number[];
  availNoMissing: PgShardT[];
  /** (set of shards holding an object, s32 object count). */
  objectLocationCounts: [PgShardT[], number][];
  mappingEpoch: number;
  /** OSDs the PG is blocked on (peering). */
  blockedBy: number[];
  /** Snaps recently purged (interval_set<snapid_t>). */
  purgedSnaps: IntervalSet;
  lastBecameActive: UTime;
  lastBecamePeered: UTime;
  /** s32, -1 when unknown. */
  upPrimary: number;
  actingPrimary: number;
  /** u32 snaps waiting to be trimmed. */
  snaptrimqLen: number;
  statsInvalid: boolean;
  dirtyStatsInvalid: boolean;
  omapStatsInvalid: boolean;
  hitsetStatsInvalid: boolean;
  hitsetBytesStatsInvalid: boolean;
  pinStatsInvalid: boolean;
  manifestStatsInvalid: boolean;
}

const t0 = (): UTime => ({ ...UTIME_ZERO });
const ev0 = (): EversionT => ({ ...EVERSION_ZERO });

/** pg_stat_t(): zeroes, primaries -1, parent pg 0.0. */
export function newPgStat(): PgStatT {
  return {
    version: ev0(),
    reportedSeq: 0n,
    reportedEpoch: 0,
    state: 0n,
    lastFresh: t0(),
    lastChange: t0(),
    lastActive: t0(),
    lastPeered: t0(),
    lastClean: t0(),
    lastUnstale: t0(),
    lastUndegraded: t0(),
    lastFullsized: t0(),
    logStart: ev0(),
    ondiskLogStart: ev0(),
    created: 0,
    lastEpochClean: 0,
    parent: { pool: 0, seed: 0 },
    parentSplitBits: 0,
    lastScrub: ev0(),
    lastDeepScrub: ev0(),
    lastScrubStamp: t0(),
    lastDeepScrubStamp: t0(),
    lastCleanScrubStamp: t0(),
    stats: { sum: newObjectStatSum() },
    logSize: 0,
    ondiskLogSize: 0,
    up: [],
    acting: [],
    availNoMissing: [],
    objectLocationCounts: [],
    mappingEpoch: 0,
    blockedBy: [],
    purgedSnaps: [],
    lastBecameActive: t0(),
    lastBecamePeered: t0(),
    upPrimary: -1,
    actingPrimary: -1,
    snaptrimqLen: 0,
    statsInvalid: false,
    dirtyStatsInvalid: false,
    omapStatsInvalid: false,
    hitsetStatsInvalid: false,
    hitsetBytesStatsInvalid: false,
    pinStatsInvalid: false,
    manifestStatsInvalid: false,
  };
}

function osdList(r: Reader, field: string): number[] {
  const v = r.list(field, (rr) => rr.i32('osd'), 4);
  if (v.length > mapsLimits.osdsPerPgMappingMax) r.fail('DENC_LIMIT', `${v.length} OSDs over limit ${mapsLimits.osdsPerPgMappingMax}`, field);
  return v;
}

const i32s = (w: Writer, v: readonly number[]) => w.list(v, (ww, x) => ww.i32(x));

function decodeBody(r: Reader, v: number): PgStatT {
  const s = newPgStat();
  s.version = decodeEversionT(r, 'version');
  s.reportedSeq = r.u64('reported_seq');
  s.reportedEpoch = r.u32('reported_epoch');
  const stateLo = r.u32('state');
  s.state = BigInt(stateLo);
  s.logStart = decodeEversionT(r, 'log_start');
  s.ondiskLogStart = decodeEversionT(r, 'ondisk_log_start');
  s.created = r.u32('created');
  s.lastEpochClean = r.u32('last_epoch_clean');
  s.parent = decodePgT(r, 'parent');
  s.parentSplitBits = r.u32('parent_split_bits');
  s.lastScrub = decodeEversionT(r, 'last_scrub');
  s.lastScrubStamp = decodeUTime(r, 'last_scrub_stamp');
  s.stats = decodeObjectStatCollectionT(r, 'stats');
  s.logSize = r.i64n('log_size');
  s.ondiskLogSize = r.i64n('ondisk_log_size');
  s.up = osdList(r, 'up');
  s.acting = osdList(r, 'acting');
  s.lastFresh = decodeUTime(r, 'last_fresh');
  s.lastChange = decodeUTime(r, 'last_change');
  s.lastActive = decodeUTime(r, 'last_active');
  s.lastClean = decodeUTime(r, 'last_clean');
  s.lastUnstale = decodeUTime(r, 'last_unstale');
  s.mappingEpoch = r.u32('mapping_epoch');
  s.lastDeepScrub = decodeEversionT(r, 'last_deep_scrub');
  s.lastDeepScrubStamp = decodeUTime(r, 'last_deep_scrub_stamp');
  s.statsInvalid = r.bool('stats_invalid');
  s.lastCleanScrubStamp = decodeUTime(r, 'last_clean_scrub_stamp');
  s.lastBecameActive = decodeUTime(r, 'last_became_active');
  s.dirtyStatsInvalid = r.bool('dirty_stats_invalid');
  s.upPrimary = r.i32('up_primary');
  s.actingPrimary = r.i32('acting_primary');
  s.omapStatsInvalid = r.bool('omap_stats_invalid');
  s.hitsetStatsInvalid = r.bool('hitset_stats_invalid');
  s.blockedBy = osdList(r, 'blocked_by');
  s.lastUndegraded = decodeUTime(r, 'last_undegraded');
  s.lastFullsized = decodeUTime(r, 'last_fullsized');
  s.hitsetBytesStatsInvalid = r.bool('hitset_bytes_stats_invalid');
  s.lastPeered = decodeUTime(r, 'last_peered');
  s.lastBecamePeered = decodeUTime(r, 'last_became_peered');
  s.pinStatsInvalid = r.bool('pin_stats_invalid');
  s.manifestStatsInvalid = true;
  if (v >= 23) {
    s.snaptrimqLen = r.u32('snaptrimq_len');
    if (v >= 24) {
      s.state = BigInt(stateLo) | (BigInt(r.u32('top_state')) << 32n);
      s.purgedSnaps = decodeIntervalSet(r, 'purged_snaps');
    }
    if (v >= 25) s.manifestStatsInvalid = r.bool('manifest_stats_invalid');
    if (v >= 26) {
      s.availNoMissing = r.list('avail_no_missing', (rr) => decodePgShardT(rr, 'shard'), 11);
      s.objectLocationCounts = r.pairs('object_location_counts', (rr) => rr.list('shards', (r3) => decodePgShardT(r3, 'shard'), 11), (rr) => rr.i32('count'), 8);
    }
  }
  return s;
}

export function decodePgStatT(r: Reader, field = 'pg_stat_t'): PgStatT {
  return r.envelope(field, 26, (_r, v) => {
    if (v < 22) r.fail('DENC_INCOMPAT', `pg_stat_t v${v} is older than compat 22`);
    return decodeBody(r, v);
  });
}

export function encodePgStatT(w: Writer, s: PgStatT): void {
  w.envelope(26, 22, () => {
    encodeEversionT(w, s.version);
    w.u64(s.reportedSeq).u32(s.reportedEpoch).u32(Number(BigInt.asUintN(32, s.state)));
    encodeEversionT(w, s.logStart);
    encodeEversionT(w, s.ondiskLogStart);
    w.u32(s.created).u32(s.lastEpochClean);
    encodePgT(w, s.parent);
    w.u32(s.parentSplitBits);
    encodeEversionT(w, s.lastScrub);
    encodeUTime(w, s.lastScrubStamp);
    encodeObjectStatCollectionT(w, s.stats);
    w.i64(s.logSize).i64(s.ondiskLogSize);
    i32s(w, s.up);
    i32s(w, s.acting);
    for (const t of [s.lastFresh, s.lastChange, s.lastActive, s.lastClean, s.lastUnstale]) encodeUTime(w, t);
    w.u32(s.mappingEpoch);
    encodeEversionT(w, s.lastDeepScrub);
    encodeUTime(w, s.lastDeepScrubStamp);
    w.bool(s.statsInvalid);
    encodeUTime(w, s.lastCleanScrubStamp);
    encodeUTime(w, s.lastBecameActive);
    w.bool(s.dirtyStatsInvalid).i32(s.upPrimary).i32(s.actingPrimary).bool(s.omapStatsInvalid).bool(s.hitsetStatsInvalid);
    i32s(w, s.blockedBy);
    encodeUTime(w, s.lastUndegraded);
    encodeUTime(w, s.lastFullsized);
    w.bool(s.hitsetBytesStatsInvalid);
    encodeUTime(w, s.lastPeered);
    encodeUTime(w, s.lastBecamePeered);
    w.bool(s.pinStatsInvalid).u32(s.snaptrimqLen).u32(Number(BigInt.asUintN(32, s.state >> 32n)));
    encodeIntervalSet(w, s.purgedSnaps);
    w.bool(s.manifestStatsInvalid);
    w.list(s.availNoMissing, encodePgShardT);
    w.pairs(s.objectLocationCounts, (ww, k) => ww.list(k, encodePgShardT), (ww, n) => ww.i32(n));
  });
}
