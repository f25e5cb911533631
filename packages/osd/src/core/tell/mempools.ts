/**
 * `ceph tell osd.N dump_mempools` and `ceph tell osd.N heap stats`: where an OSD's memory is.
 * dump_mempools has mempool::dump's shape (src/common/mempool.cc: {"mempool": {"by_pool": {NAME:
 * {"items", "bytes"}}, "total": {...}}}) with every pool name of a 16.2 ceph-osd
 * (src/include/mempool.h), so tools that read a real OSD's reply read ours; the pools we have no
 * counterpart for stay at zero. `heap stats` answers in its status text as ceph-osd does, with
 * the V8 heap and the process's resident memory in place of tcmalloc's counters. Pure: the driver
 * measures (memory-report.ts), this file formats.
 */
import { JsonFormatter } from '@ts-ceph/maps';
import type { CacheBudget } from '../memory-target';

/** The pools of mempool.h in Ceph's order (DEFINE_MEMORY_POOLS_HELPER). */
export const mempoolNames = [
  'bloom_filter',
  'bluestore_alloc',
  'bluestore_cache_data',
  'bluestore_cache_onode',
  'bluestore_cache_meta',
  'bluestore_cache_other',
  'bluestore_Buffer',
  'bluestore_Extent',
  'bluestore_Blob',
  'bluestore_SharedBlob',
  'bluestore_inline_bl',
  'bluestore_fsck',
  'bluestore_txc',
  'bluestore_writing_deferred',
  'bluestore_writing',
  'bluefs',
  'bluefs_file_reader',
  'bluefs_file_writer',
  'buffer_anon',
  'buffer_meta',
  'osd',
  'osd_mapbl',
  'osd_pglog',
  'osdmap',
  'osdmap_mapping',
  'pgmap',
  'mds_co',
  'unittest_1',
  'unittest_2',
] as const;

export type MempoolName = (typeof mempoolNames)[number];

export interface MempoolStat {
  items: number;
  /** Bytes held (measured where we own the buffers, else estimated; docs in memory-report.ts). */
  bytes: number;
}

/** One V8 heap space (v8.getHeapSpaceStatistics). */
export interface HeapSpaceStat {
  name: string;
  usedBytes: number;
  sizeBytes: number;
}

export interface MemoryReport {
  pools: Partial<Record<MempoolName, MempoolStat>>;
  /** process.memoryUsage(): resident set, V8 heap, memory outside it. */
  rssBytes: number;
  heapTotalBytes: number;
  heapUsedBytes: number;
  /** V8's heap size limit (--max-old-space-size and the young generation). */
  heapLimitBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** RssAnon: the resident memory that is not file pages (what osd_memory_target is held to). */
  anonResidentBytes: number;
  /** The store's cache bounds and its I/O slabs (a native store only). */
  caches?: { onodesMax: number; dataBytesMax: number; kvCacheBytesMax: number; kvWriteBufferBytesMax: number; ioSlabBytes: number };
  /** The osd_memory_target loop's cache total and shares (core/memory-target.ts). */
  budget?: CacheBudget;
  spaces: HeapSpaceStat[];
}

/** mempool::dump into `f` (the caller's formatter holds the outer "mempools" object). */
export function dumpMempools(f: JsonFormatter, r: MemoryReport): void {
  let items = 0;
  let bytes = 0;
  f.openObject('mempool');
  f.openObject('by_pool');
  for (const name of mempoolNames) {
    const p = r.pools[name] ?? { items: 0, bytes: 0 };
    items += p.items;
    bytes += p.bytes;
    f.openObject(name);
    f.dumpUnsigned('items', p.items);
    f.dumpUnsigned('bytes', p.bytes);
    f.close();
  }
  f.close();
  f.openObject('total');
  f.dumpUnsigned('items', items);
  f.dumpUnsigned('bytes', bytes);
  f.close();
  f.close();
}

const mib = (n: number): string => (n / 1048576).toFixed(1).padStart(8) + ' MiB';

/**
 * The text of `heap stats` (ceph-osd prints tcmalloc's MallocExtension stats under the line
 * "osd.N tcmalloc heap stats:---..."; ours names what Node and V8 report instead).
 */
export function heapStatsText(entity: string, r: MemoryReport): string {
  const lines = [`${entity} heap stats:------------------------------------------------`];
  lines.push(`RSS:      ${mib(r.rssBytes)} resident (VmRSS)`);
  lines.push(`HEAP:     ${mib(r.heapUsedBytes)} used of ${mib(r.heapTotalBytes).trim()} (V8 heap, limit ${mib(r.heapLimitBytes).trim()})`);
  for (const s of r.spaces) if (s.sizeBytes > 0) lines.push(`  ${s.name.padEnd(24)}${mib(s.usedBytes)} used of ${mib(s.sizeBytes).trim()}`);
  lines.push(`EXTERNAL: ${mib(r.externalBytes)} outside the V8 heap (array buffers ${mib(r.arrayBuffersBytes).trim()})`);
  lines.push(`OTHER:    ${mib(Math.max(0, r.rssBytes - r.heapTotalBytes - r.externalBytes))} code, LevelDB, malloc arenas, thread stacks`);
  lines.push(`ANON:     ${mib(r.anonResidentBytes)} resident, not file pages (RssAnon; the node binary's pages are the rest)`);
  if (r.budget) {
    const b = r.budget;
    lines.push(`TARGET:   ${mib(b.cacheBytes)} for caches (osd_memory_target): read ${mib(b.readCacheBytes).trim()}, ${b.onodeCacheEntries} onodes, LevelDB ${mib(b.kvCacheBytes).trim()}`);
  }
  if (r.caches) {
    const c = r.caches;
    lines.push(`CACHES:   read cache max ${mib(c.dataBytesMax).trim()}, onodes max ${c.onodesMax}, LevelDB block cache ${mib(c.kvCacheBytesMax).trim()} + write buffer ${mib(c.kvWriteBufferBytesMax).trim()}, I/O slabs ${mib(c.ioSlabBytes).trim()}`);
  }
  return lines.join('\n') + '\n';
}
