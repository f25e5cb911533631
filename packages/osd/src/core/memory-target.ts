/**
 * osd_memory_target: how much memory an OSD's caches may take, with the semantics of BlueStore's
 * cache autotuner (src/os/bluestore/BlueStore.cc MempoolThread::_update_cache_settings and
 * src/common/PriorityCache.cc Manager::tune_memory). The caches may hold up to
 * (1 - osd_memory_expected_fragmentation) * osd_memory_target - osd_memory_base, never less than
 * osd_memory_cache_min; within that range the tuner moves them toward what keeps the process's
 * memory at the target. Pure: the driver (memory-driver.ts) measures and applies.
 *
 * What "the process's memory" is: Ceph measures tcmalloc's mapped heap, which leaves out the
 * executable's pages and thread stacks. We use the anonymous resident memory (RssAnon): V8's heap,
 * malloc's arenas (LevelDB, Buffers) and the I/O slabs, without /usr/bin/node's ~45 MiB of shared
 * file pages, which no cache setting moves.
 */

const MiB = 1024 * 1024;

/**
 * ts-osd's defaults for the memory options (Ceph's are 4 GiB, 768 MiB and 128 MiB, for BlueStore
 * on a host with memory to spare). Ours suit a small host with several OSDs: an OSD after a write
 * workload holds ~65 MiB of anonymous memory outside its caches (bench/memory-profile.md, h-rss2),
 * so 160 MiB leaves 72 MiB to the caches, most of it the read cache, which only reads fill (it
 * held 64 MiB before). The floor keeps an OSD's share of a small working set cached when malloc's
 * free memory (not returned without malloc_trim) puts the process over the target: with a floor
 * of 8 MiB the tuner shrank the read cache under fio's 4 KiB random reads and halved their IOPS.
 */
export const osdMemoryDefaults = {
  osd_memory_target: 160 * MiB,
  osd_memory_base: 64 * MiB,
  osd_memory_cache_min: 32 * MiB,
  osd_memory_expected_fragmentation: 0.15,
};

/**
 * How the cache memory is shared (BlueStore's kv / meta / data ratios play this part): LevelDB's
 * block cache (sized once, at mount), the onode cache and the read cache. Onodes come first in
 * BlueStore's priorities; here their share is small because rados bench's new objects are never
 * read again and a 4 KiB object's onode costs ~3 KiB (memory-report.ts's estimate).
 */
export const cacheShares = { kv: 0.05, onode: 0.08 };
/** Bytes per cached onode the onode share is divided by (memoryEstimates.onodeBytes). */
export const onodeCacheEntryBytes = 3072;
/** Fewest onodes kept whatever the budget: a PG's head objects and the ones a client is writing. */
export const onodeCacheEntriesMin = 128;

export interface MemoryTargetConf {
  targetBytes: number;
  baseBytes: number;
  cacheMinBytes: number;
  fragmentation: number;
}

export interface CacheBudget {
  /** The total the caches were given. */
  cacheBytes: number;
  readCacheBytes: number;
  onodeCacheEntries: number;
  kvCacheBytes: number;
}

/** The largest cache total the target allows (MempoolThread::_update_cache_settings). */
export function cacheBytesMax(c: MemoryTargetConf): number {
  const ltarget = Math.floor((1 - c.fragmentation) * c.targetBytes);
  return ltarget > c.baseBytes + c.cacheMinBytes ? ltarget - c.baseBytes : c.cacheMinBytes;
}

/** A cache total shared among the caches. */
export function splitCache(cacheBytes: number): CacheBudget {
  const kvCacheBytes = Math.floor(cacheBytes * cacheShares.kv);
  const onodeBytes = Math.floor(cacheBytes * cacheShares.onode);
  return {
    cacheBytes,
    kvCacheBytes,
    onodeCacheEntries: Math.max(onodeCacheEntriesMin, Math.floor(onodeBytes / onodeCacheEntryBytes)),
    readCacheBytes: Math.max(0, cacheBytes - kvCacheBytes - onodeBytes),
  };
}

/**
 * PriorityCache's Manager::tune_memory: the next cache total from the current one and the memory
 * measured. Below the target it moves toward the maximum by the share of the target still free;
 * above it, toward the minimum by the share it is over ("approach the min/max slowly, but bounce
 * away quickly").
 */
export function tuneCacheBytes(current: number, c: MemoryTargetConf, mappedBytes: number): number {
  const max = cacheBytesMax(c);
  const min = Math.min(c.cacheMinBytes, max);
  let size = Math.min(max, Math.max(min, current));
  if (mappedBytes < c.targetBytes) size += (1 - mappedBytes / c.targetBytes) * (max - size);
  else size -= (1 - c.targetBytes / mappedBytes) * (size - min);
  return Math.floor(size);
}

const sizeMult: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A number, or a size with Ceph's suffixes as ceph.conf may give it ("512M", "1GiB"). */
function optionNumber(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const m = /^\s*(\d+)\s*([kKmMgGtT]?)(i?[bB])?\s*$/.exec(v);
  if (m) return Number(m[1]) * sizeMult[m[2]!.toLowerCase()]!;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The four options from `get(name)` (the OSD's runtime config: a `config set`, ceph.conf, the
 * mon's config, else osdMemoryDefaults), as numbers; a value that is not one is left at the default.
 */
export function memoryTargetConf(get: (name: keyof typeof osdMemoryDefaults) => string | undefined): MemoryTargetConf {
  const num = (name: keyof typeof osdMemoryDefaults): number => {
    const v = optionNumber(get(name));
    return v !== undefined && v >= 0 ? v : osdMemoryDefaults[name];
  };
  return {
    targetBytes: num('osd_memory_target'),
    baseBytes: num('osd_memory_base'),
    cacheMinBytes: num('osd_memory_cache_min'),
    fragmentation: Math.min(1, num('osd_memory_expected_fragmentation')),
  };
}
