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

/**
 * Rounds in a row without a full collection of V8's own before the loop starts one (2: ten
 * seconds). Under a QD32 write load V8 ran one every 1-4 s, with gaps past one round (5 s) after
 * one of ours had reset its pace.
 */
export const memoryGcQuietRounds = 2;

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
  /**
   * Whether V8 ran a full collection since the last call (majorGcWatch's; tests pass their own).
   * The first call says whether one ran since the watch was made.
   */
  majorGcRan?(): boolean;
}

/**
 * Whether V8 has run a full (mark-compact) collection since the last call: an object held only by
 * a WeakRef, made anew at each call. Scavenges leave a WeakRef's target alone; a full collection
 * clears it, V8's own as well as ours.
 */
export function majorGcWatch(): () => boolean {
  let ref = new WeakRef({});
  return () => {
    const ran = ref.deref() === undefined;
    ref = new WeakRef({});
    return ran;
  };
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
  /** Rounds in a row in which V8 ran no full collection. */
  private quietRounds = 0;
  private readonly majorGcRan: () => boolean;

  constructor(private readonly host: MemoryDriverHost) {
    this.budget = splitCache(cacheBytesMax(this.conf()));
    this.majorGcRan = host.majorGcRan ? () => host.majorGcRan!() : majorGcWatch();
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
   * A full collection when the process is over osd_memory_target, the heap and array buffers grew
   * by memoryGcSlackBytes since the last one, and V8 ran none of its own for memoryGcQuietRounds
   * rounds. What it frees goes back to the system at the next round's release.
   *
   * Under load V8 runs full collections by itself, which free the promoted Buffers as well; ours
   * is for the quiet after a burst, when nothing allocates and nothing collects. Ours is no
   * gentler than V8's: the gc extension runs it atomically (an 80 ms pause under a QD32 write
   * load), and each one threw away the optimized code of 120-460 functions ("reason: weak
   * objects") that TurboFan then compiled again, seconds of compile time per collection
   * (bench/osd-profile.md, "Recompile storms").
   */
  private collectIfGrown(): void {
    const u = (this.host.usage ?? process.memoryUsage)();
    const inUse = u.heapUsed + u.arrayBuffers;
    const v8Collected = this.majorGcRan();
    if (this.collected || v8Collected) {
      // After a full collection (ours or V8's): what is in use now is the baseline.
      this.liveBytes = inUse;
      this.collected = false;
      this.quietRounds = 0;
      return;
    }
    this.quietRounds++;
    // Only over the target: forced collections every other round halved fio's 4 KiB random reads
    // (bench/memory-profile.md, h-rss2), so below it V8 keeps its own pace.
    if (this.lastMappedBytes <= this.conf().targetBytes || inUse <= this.liveBytes + memoryGcSlackBytes) return;
    if (this.quietRounds < memoryGcQuietRounds) return;
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
