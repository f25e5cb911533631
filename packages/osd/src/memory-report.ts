/**
 * The OSD's memory, measured for `dump_mempools` and `heap stats` (core/tell/mempools.ts formats
 * it), and the store cache options read from ceph.conf. bench/memory-profile.md has what these
 * numbers looked like after the size-3 benches and what each cut bought.
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { CephConf, cephError } from '@ts-ceph/common';
import { NativeStore, NativeStoreOptions, ObjectStore } from '@ts-ceph/objectstore';
import type { PG } from './core/pg';
import type { MemoryReport, MempoolName, MempoolStat } from './core/tell/mempools';
import type { CacheBudget } from './core/memory-target';
import { anonResidentBytes } from './memory-driver';

/**
 * Bytes per cached onode (a 4 KiB object's, heap and buffers: onode-cache.ts), PG log entry and
 * PG log dup (bench/memory-profile.md): the report multiplies counts by these, since V8 cannot
 * say what one object graph retains without a heap snapshot.
 */
export const memoryEstimates = {
  onodeBytes: 3072,
  pgLogEntryBytes: 700,
  pgLogDupBytes: 250,
};

/**
 * ts_bluestore_cache_onodes (objects) and ts_bluestore_cache_data_bytes (bytes) from the conf:
 * the bounds of the store's onode and read caches (unset: the store's defaults).
 */
export function storeCacheOptionsFrom(conf: CephConf, entity: string): Pick<NativeStoreOptions, 'onodeCacheEntries' | 'readCacheBytes'> {
  const num = (name: string): number | undefined => {
    const v = conf.get(name, entity);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw cephError('EINVAL', `${name} = ${v}: not a non-negative integer`);
    return n;
  };
  const onodes = num('ts_bluestore_cache_onodes');
  const data = num('ts_bluestore_cache_data_bytes');
  return { ...(onodes !== undefined ? { onodeCacheEntries: onodes } : {}), ...(data !== undefined ? { readCacheBytes: data } : {}) };
}

export interface MemorySources {
  store: ObjectStore;
  pgs: Iterable<PG>;
  /** The memory target loop's current cache budget (memory-driver.ts). */
  budget?: CacheBudget;
}

/** Measure now. */
export function osdMemoryReport(src: MemorySources): MemoryReport {
  const pools: Partial<Record<MempoolName, MempoolStat>> = {};
  const u = process.memoryUsage();
  let dataBytes = 0;
  let caches: MemoryReport['caches'];
  if (src.store instanceof NativeStore) {
    const c = src.store.cacheStats();
    dataBytes = c.dataBytes;
    pools.bluestore_cache_onode = { items: c.onodes, bytes: c.onodes * memoryEstimates.onodeBytes };
    pools.bluestore_cache_data = { items: c.dataBytes / 4096, bytes: c.dataBytes };
    pools.bluestore_alloc = { items: 1, bytes: c.allocatorBytes };
    caches = { onodesMax: c.onodesMax, dataBytesMax: c.dataBytesMax, kvCacheBytesMax: c.kvCacheBytesMax, kvWriteBufferBytesMax: c.kvWriteBufferBytesMax, ioSlabBytes: c.ioSlabBytes };
  }
  let entries = 0;
  let dups = 0;
  for (const pg of src.pgs) {
    entries += pg.entries.length;
    dups += pg.dups.length;
  }
  pools.osd_pglog = { items: entries + dups, bytes: entries * memoryEstimates.pgLogEntryBytes + dups * memoryEstimates.pgLogDupBytes };
  // Every Buffer but the read cache's: messages in flight, onodes' values, LevelDB values, and the
  // store's aligned I/O slabs (node Buffer memory, in arrayBuffers), which Ceph counts in
  // buffer_anon too.
  pools.buffer_anon = { items: 0, bytes: Math.max(0, u.arrayBuffers - dataBytes) };
  return {
    pools,
    rssBytes: u.rss,
    heapTotalBytes: u.heapTotal,
    heapUsedBytes: u.heapUsed,
    heapLimitBytes: getHeapStatistics().heap_size_limit,
    externalBytes: u.external,
    arrayBuffersBytes: u.arrayBuffers,
    anonResidentBytes: anonResidentBytes(),
    ...(caches ? { caches } : {}),
    ...(src.budget ? { budget: src.budget } : {}),
    spaces: getHeapSpaceStatistics().map((s) => ({ name: s.space_name, usedBytes: s.space_used_size, sizeBytes: s.space_size })),
  };
}
