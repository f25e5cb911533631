import { Reader, Writer, featureBit } from '@ts-ceph/denc';
import { Formatter } from '../format/formatter';

/**
 * object_stat_sum_t, object_stat_collection_t, store_statfs_t and pool_stat_t (src/osd/osd_types.h):
 * the per-PG / per-pool usage counters the mgr and `ceph df` report.
 */

/**
 * object_stat_sum_t fields in struct order. Since v20 Ceph appends the raw struct (little-endian, these
 * 28 × s64, 4 × s32, 8 × s64: 304 bytes), which is this order; older versions list them one by one in
 * the same order, with the tail fields appearing at the versions noted.
 */
const SUM_FIELDS: readonly [name: string, bytes: 4 | 8, sinceV: number][] = [
  ['num_bytes', 8, 0],
  ['num_objects', 8, 0],
  ['num_object_clones', 8, 0],
  ['num_object_copies', 8, 0],
  ['num_objects_missing_on_primary', 8, 0],
  ['num_objects_degraded', 8, 0],
  ['num_objects_unfound', 8, 0],
  ['num_rd', 8, 0],
  ['num_rd_kb', 8, 0],
  ['num_wr', 8, 0],
  ['num_wr_kb', 8, 0],
  ['num_scrub_errors', 8, 0],
  ['num_objects_recovered', 8, 0],
  ['num_bytes_recovered', 8, 0],
  ['num_keys_recovered', 8, 0],
  ['num_shallow_scrub_errors', 8, 0],
  ['num_deep_scrub_errors', 8, 0],
  ['num_objects_dirty', 8, 0],
  ['num_whiteouts', 8, 0],
  ['num_objects_omap', 8, 0],
  ['num_objects_hit_set_archive', 8, 0],
  ['num_objects_misplaced', 8, 0],
  ['num_bytes_hit_set_archive', 8, 0],
  ['num_flush', 8, 0],
  ['num_flush_kb', 8, 0],
  ['num_evict', 8, 0],
  ['num_evict_kb', 8, 0],
  ['num_promote', 8, 0],
  ['num_flush_mode_high', 4, 0],
  ['num_flush_mode_low', 4, 0],
  ['num_evict_mode_some', 4, 0],
  ['num_evict_mode_full', 4, 0],
  ['num_objects_pinned', 8, 0],
  ['num_objects_missing', 8, 0],
  ['num_legacy_snapsets', 8, 16],
  ['num_large_omap_objects', 8, 17],
  ['num_objects_manifest', 8, 18],
  ['num_omap_bytes', 8, 19],
  ['num_omap_keys', 8, 19],
  ['num_objects_repaired', 8, 20],
];

/** The order object_stat_sum_t::dump writes (and its JSON names, which differ for rd/wr). */
const SUM_DUMP: readonly [json: string, field: string][] = [
  ['num_bytes', 'num_bytes'],
  ['num_objects', 'num_objects'],
  ['num_object_clones', 'num_object_clones'],
  ['num_object_copies', 'num_object_copies'],
  ['num_objects_missing_on_primary', 'num_objects_missing_on_primary'],
  ['num_objects_missing', 'num_objects_missing'],
  ['num_objects_degraded', 'num_objects_degraded'],
  ['num_objects_misplaced', 'num_objects_misplaced'],
  ['num_objects_unfound', 'num_objects_unfound'],
  ['num_objects_dirty', 'num_objects_dirty'],
  ['num_whiteouts', 'num_whiteouts'],
  ['num_read', 'num_rd'],
  ['num_read_kb', 'num_rd_kb'],
  ['num_write', 'num_wr'],
  ['num_write_kb', 'num_wr_kb'],
  ['num_scrub_errors', 'num_scrub_errors'],
  ['num_shallow_scrub_errors', 'num_shallow_scrub_errors'],
  ['num_deep_scrub_errors', 'num_deep_scrub_errors'],
  ['num_objects_recovered', 'num_objects_recovered'],
  ['num_bytes_recovered', 'num_bytes_recovered'],
  ['num_keys_recovered', 'num_keys_recovered'],
  ['num_objects_omap', 'num_objects_omap'],
  ['num_objects_hit_set_archive', 'num_objects_hit_set_archive'],
  ['num_bytes_hit_set_archive', 'num_bytes_hit_set_archive'],
  ['num_flush', 'num_flush'],
  ['num_flush_kb', 'num_flush_kb'],
  ['num_evict', 'num_evict'],
  ['num_evict_kb', 'num_evict_kb'],
  ['num_promote', 'num_promote'],
  ['num_flush_mode_high', 'num_flush_mode_high'],
  ['num_flush_mode_low', 'num_flush_mode_low'],
  ['num_evict_mode_some', 'num_evict_mode_some'],
  ['num_evict_mode_full', 'num_evict_mode_full'],
  ['num_objects_pinned', 'num_objects_pinned'],
  ['num_legacy_snapsets', 'num_legacy_snapsets'],
  ['num_large_omap_objects', 'num_large_omap_objects'],
  ['num_objects_manifest', 'num_objects_manifest'],
  ['num_omap_bytes', 'num_omap_bytes'],
  ['num_omap_keys', 'num_omap_keys'],
  ['num_objects_repaired', 'num_objects_repaired'],
];

/** object_stat_sum_t: field name (Ceph's) -> signed counter. */
export type ObjectStatSumT = Record<string, number>;

/**
 * Every counter at 0, in SUM_FIELDS order, copied rather than rebuilt: every pg_info_t encode
 * makes one, and a spread of this object (0.2 µs) is a hundred times cheaper than fromEntries.
 * Built by fromEntries on purpose: V8 keeps it in fast mode, where forty keyed stores in a loop
 * leave a dictionary whose spread is as slow again, and a frozen one copies slower. Never handed
 * out, so never written.
 */
const ZERO_SUM: ObjectStatSumT = Object.fromEntries(SUM_FIELDS.map(([n]) => [n, 0]));

export function newObjectStatSum(): ObjectStatSumT {
  return { ...ZERO_SUM };
}

export function decodeObjectStatSumT(r: Reader, field = 'object_stat_sum_t'): ObjectStatSumT {
  return r.envelope(field, 20, (_r, v) => {
    const s = newObjectStatSum();
    for (const [name, bytes, since] of SUM_FIELDS) {
      if (v < since) continue;
      s[name] = bytes === 8 ? r.i64n(name) : r.i32(name);
    }
    if (v < 16) s.num_legacy_snapsets = s.num_object_clones!;
    return s;
  });
}

export function encodeObjectStatSumT(w: Writer, s: ObjectStatSumT): void {
  w.envelope(20, 14, () => {
    for (const [name, bytes] of SUM_FIELDS) bytes === 8 ? w.i64(s[name] ?? 0) : w.i32(s[name] ?? 0);
  });
}

export function dumpObjectStatSum(f: Formatter, s: ObjectStatSumT): void {
  for (const [json, name] of SUM_DUMP) f.dumpInt(json, s[name] ?? 0);
}

/** object_stat_collection_t: the sum plus an obsolete per-category map (always encoded empty). */
export interface ObjectStatCollectionT {
  sum: ObjectStatSumT;
}

export function decodeObjectStatCollectionT(r: Reader, field = 'object_stat_collection_t'): ObjectStatCollectionT {
  return r.envelopeLegacy(field, 2, 2, 2, () => {
    const sum = decodeObjectStatSumT(r, 'sum');
    r.pairs('cat_sum', (rr) => rr.string('cat'), (rr) => decodeObjectStatSumT(rr, 'sum'), 10);
    return { sum };
  });
}

export function encodeObjectStatCollectionT(w: Writer, c: ObjectStatCollectionT): void {
  w.envelope(2, 2, () => {
    encodeObjectStatSumT(w, c.sum);
    w.u32(0);
  });
}

export function dumpObjectStatCollection(f: Formatter, c: ObjectStatCollectionT): void {
  f.openObject('stat_sum');
  dumpObjectStatSum(f, c.sum);
  f.close();
}

/** store_statfs_t: DENC_START(1,1), ten 64-bit counters. */
export const STATFS_FIELDS = [
  'total',
  'available',
  'internally_reserved',
  'allocated',
  'data_stored',
  'data_compressed',
  'data_compressed_allocated',
  'data_compressed_original',
  'omap_allocated',
  'internal_metadata',
] as const;

export type StoreStatfsT = Record<(typeof STATFS_FIELDS)[number], number>;

export function newStoreStatfs(): StoreStatfsT {
  return Object.fromEntries(STATFS_FIELDS.map((n) => [n, 0])) as StoreStatfsT;
}

export function decodeStoreStatfsT(r: Reader, field = 'store_statfs_t'): StoreStatfsT {
  return r.envelope(field, 1, () => {
    const s = newStoreStatfs();
    for (const n of STATFS_FIELDS) s[n] = r.i64n(n);
    return s;
  });
}

export function encodeStoreStatfsT(w: Writer, s: StoreStatfsT): void {
  w.envelope(1, 1, () => {
    for (const n of STATFS_FIELDS) w.i64(s[n]);
  });
}

/** pool_stat_t: a pool's summed object stats and store usage. */
export interface PoolStatT {
  stats: ObjectStatCollectionT;
  storeStats: StoreStatfsT;
  logSize: number;
  ondiskLogSize: number;
  up: number;
  acting: number;
  numStoreStats: number;
}

export function decodePoolStatT(r: Reader, field = 'pool_stat_t'): PoolStatT {
  return r.envelopeLegacy(field, 7, 5, 5, (_r, v) => {
    const p: PoolStatT = { stats: { sum: newObjectStatSum() }, storeStats: newStoreStatfs(), logSize: 0, ondiskLogSize: 0, up: 0, acting: 0, numStoreStats: 0 };
    if (v >= 4) {
      p.stats = decodeObjectStatCollectionT(r, 'stats');
      p.logSize = r.i64n('log_size');
      p.ondiskLogSize = r.i64n('ondisk_log_size');
      if (v >= 6) {
        p.up = r.i32('up');
        p.acting = r.i32('acting');
      }
      if (v >= 7) {
        p.storeStats = decodeStoreStatfsT(r, 'store_stats');
        p.numStoreStats = r.i32('num_store_stats');
      }
    } else {
      const s = p.stats.sum;
      s.num_bytes = r.i64n('num_bytes');
      r.u64('num_kb');
      s.num_objects = r.i64n('num_objects');
      s.num_object_clones = r.i64n('num_object_clones');
      s.num_object_copies = r.i64n('num_object_copies');
      s.num_objects_missing_on_primary = r.i64n('num_objects_missing_on_primary');
      s.num_objects_degraded = r.i64n('num_objects_degraded');
      p.logSize = r.i64n('log_size');
      p.ondiskLogSize = r.i64n('ondisk_log_size');
      if (v >= 2) {
        s.num_rd = r.i64n('num_rd');
        s.num_rd_kb = r.i64n('num_rd_kb');
        s.num_wr = r.i64n('num_wr');
        s.num_wr_kb = r.i64n('num_wr_kb');
      }
      if (v >= 3) s.num_objects_unfound = r.i64n('num_objects_unfound');
    }
    return p;
  });
}

export function encodePoolStatT(w: Writer, p: PoolStatT): void {
  if ((w.features & featureBit('OSDENC')) === 0n) {
    w.u8(4);
    encodeObjectStatCollectionT(w, p.stats);
    w.i64(p.logSize).i64(p.ondiskLogSize);
    return;
  }
  w.envelope(7, 5, () => {
    encodeObjectStatCollectionT(w, p.stats);
    w.i64(p.logSize).i64(p.ondiskLogSize).i32(p.up).i32(p.acting);
    encodeStoreStatfsT(w, p.storeStats);
    w.i32(p.numStoreStats);
  });
}
