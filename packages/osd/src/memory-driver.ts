/**
 * The OSD's memory target loop (BlueStore's MempoolThread with cache autotuning): every
 * memoryTuneIntervalMs it measures the process's anonymous resident memory, moves the cache total
 * toward what keeps it at osd_memory_target (core/memory-target.ts decides), resizes the store's
 * onode and read caches to their shares, and lets go of the I/O buffers a burst took. The options
 * are read again each time, so `ceph config set osd osd_memory_target ...` and `ceph tell osd.N
 * config set` take effect without a restart (Ceph's FLAG_RUNTIME), except LevelDB's block cache,
 * which is sized once, at mount.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Clock, TimerHandle } from '@ts-ceph/common';
import { NativeStore, NativeStoreOptions, ObjectStore, releaseFreeMemory } from '@ts-ceph/objectstore';
import { CacheBudget, cacheBytesMax, MemoryTargetConf, memoryTargetConf, osdMemoryDefaults, splitCache, tuneCacheBytes } from './core/memory-target';

/** How often the loop runs, ms (Ceph's bluestore_cache_autotune_interval is 5 s). */
export const memoryTuneIntervalMs = 5_000;
/**
 * V8 heap and array buffer bytes grown since the last full collection that start one. V8 starts
 * one for memory outside its heap only past ~64 MiB of growth; Buffers promoted to the old
 * generation (messages that lived through two scavenges under load) wait for it with their memory
 * allocated: 25 MiB of a ts-osd's array buffers after a 4 KiB write workload were such garbage
 * (bench/memory-profile.md, h-rss2).
 */
export const memoryGcSlackBytes = 8 * 1024 * 1024;

type GcFunction = (opts?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown;
let gcFn: GcFunction | undefined | null = null;

/**
 * V8's full collection as a function: the global `gc` of a daemon started with --expose-gc, else
 * the one a new context gets once the flag is set (Node documents setFlagsFromString for flags
 * like this one). Undefined when neither works.
 */
export function fullGc(): GcFunction | undefined {
  if (gcFn !== null) return gcFn;
  const g = (globalThis as { gc?: GcFunction }).gc;
  if (typeof g === 'function') return (gcFn = g);
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    gcFn = typeof f === 'function' ? (f as GcFunction) : undefined;
  } catch {
    gcFn = undefined;
  }
  return gcFn;
}

export type MemoryOption = keyof typeof osdMemoryDefaults;

/** The anonymous resident memory of this process (RssAnon of /proc/self/status), or its RSS. */
export function anonResidentBytes(): number {
  try {
    const m = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: the whole resident set is the nearest measure.
  }
  return process.memoryUsage.rss();
}

/**
 * The store options the caches start with: the conf's explicit bounds (ts_bluestore_cache_onodes,
 * ts_bluestore_cache_data_bytes) win, the rest is the target's maximum cache total, shared out.
 */
export function startingCacheOptions(c: MemoryTargetConf, explicit: Pick<NativeStoreOptions, 'onodeCacheEntries' | 'readCacheBytes'>): Pick<NativeStoreOptions, 'onodeCacheEntries' | 'readCacheBytes' | 'kvCacheBytes'> {
  const b = splitCache(cacheBytesMax(c));
  return { onodeCacheEntries: explicit.onodeCacheEntries ?? b.onodeCacheEntries, readCacheBytes: explicit.readCacheBytes ?? b.readCacheBytes, kvCacheBytes: b.kvCacheBytes };
}

export interface MemoryDriverHost {
  clock: Clock;
  store: ObjectStore;
  /** An option's current value (the OSD's runtime config), undefined when nothing sets it. */
  option(name: MemoryOption): string | undefined;
  /** Bounds fixed by the conf (ts_bluestore_cache_*): the loop leaves those caches alone. */
  fixed: Pick<NativeStoreOptions, 'onodeCacheEntries' | 'readCacheBytes'>;
  /** The measure (anonResidentBytes; tests pass their own). */
  measure?(): number;
  /** Return malloc's free memory to the system (releaseFreeMemory; tests pass their own). */
  release?(): boolean | undefined;
  /** The V8 heap and array buffers in use (process.memoryUsage; tests pass their own). */
  usage?(): { heapUsed: number; arrayBuffers: number };
  /** Start a full collection (fullGc's, asynchronous; tests pass their own). */
  collect?(): void;
}

export class MemoryDriver {
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** The cache total last applied, and its shares. */
  budget: CacheBudget;
  /** The memory measured at the last tune. */
  lastMappedBytes = 0;
  /** Full collections started. */
  collections = 0;
  /** Heap and array buffers in use after the last full collection (the next one's baseline). */
  private liveBytes = 0;
  private collected = true;

  constructor(private readonly host: MemoryDriverHost) {
    this.budget = splitCache(cacheBytesMax(this.conf()));
  }

  conf(): MemoryTargetConf {
    return memoryTargetConf((n) => this.host.option(n));
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /**
   * One round: return the I/O slabs and malloc's free memory a burst left (a burst's Buffers and
   * LevelDB blocks free chunks between live ones, which glibc keeps resident until malloc_trim:
   * ~20 MiB per OSD after a 4 KiB write workload), then measure, tune and apply. The timer calls
   * it; tests call it directly.
   */
  tune(): CacheBudget {
    const store = this.host.store;
    if (store instanceof NativeStore) store.trimBuffers();
    // The addon is loaded where a NativeStore is (a MemStore OSD may run without it).
    if (this.host.release) this.host.release();
    else if (store instanceof NativeStore) releaseFreeMemory();
    this.lastMappedBytes = (this.host.measure ?? anonResidentBytes)();
    this.budget = splitCache(tuneCacheBytes(this.budget.cacheBytes, this.conf(), this.lastMappedBytes));
    if (store instanceof NativeStore) {
      const { fixed } = this.host;
      store.resizeCaches({ onodeCacheEntries: fixed.onodeCacheEntries ?? this.budget.onodeCacheEntries, readCacheBytes: fixed.readCacheBytes ?? this.budget.readCacheBytes });
    }
    this.collectIfGrown();
    return this.budget;
  }

  /**
   * A full collection when the process is over osd_memory_target and the heap and array buffers
   * grew by memoryGcSlackBytes since the last one: asynchronous (V8 marks concurrently), so the op path sees no long pause, and what it
   * frees goes back to the system at the next round's release.
   */
  private collectIfGrown(): void {
    const u = (this.host.usage ?? process.memoryUsage)();
    const inUse = u.heapUsed + u.arrayBuffers;
    if (this.collected) {
      this.liveBytes = inUse;
      this.collected = false;
      return;
    }
    // Only over the target: forced collections every other round halved fio's 4 KiB random reads
    // (bench/memory-profile.md, h-rss2), so below it V8 keeps its own pace.
    if (this.lastMappedBytes <= this.conf().targetBytes || inUse <= this.liveBytes + memoryGcSlackBytes) return;
    if (this.host.collect) this.host.collect();
    else fullGc()?.({ type: 'major', execution: 'async' });
    this.collections++;
    this.collected = true;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.host.clock.setTimeout(() => {
      this.tune();
      this.schedule();
    }, memoryTuneIntervalMs);
  }
}
