import { Onode } from './onode';

/**
 * The default of the onode cache's bound (ts_bluestore_cache_onodes): objects whose metadata stays
 * in memory once LevelDB has it. A 4 KiB object's onode (record, two xattrs, one extent-map shard)
 * holds about 3 KiB (1.9 KiB of V8 heap and 0.9 KiB of buffers, measured with 4000 of them), so
 * 2048 are ~6 MiB per OSD; BlueStore bounds its onode cache too, by a share of
 * bluestore_cache_size (bluestore_cache_meta_ratio). The size-3 benches' working sets (16 fio
 * objects, a 128 MiB image's 32) fit many times over; rados bench's new objects are not re-read.
 */
export const onodeCacheEntriesDefault = 2048;
/** Entries looked at per trim for clean ones to drop (dirty or loading ones are passed over). */
export const onodeTrimScanMax = 1024;

/**
 * The native store's onode cache: object metadata by cache key (onode.ts cacheKey), null for an
 * object known absent, least recently used first (a Map keeps insertion order; a hit moves the
 * key to the end).
 *
 * LevelDB is written after the journal commit, lazily (commit.ts), so until then an object's
 * newest metadata exists only here: an entry is dirty from its transaction's publish until the
 * pipeline has written that transaction's keys to LevelDB (applied(seq)), and only clean entries
 * are ever evicted. An entry being loaded from LevelDB is not evicted either (beginLoad/endLoad):
 * a load that started before a publish must not come back to an empty slot and install the older
 * state it read. Eviction drops memory only; a later lookup reads the same state from LevelDB.
 */
export class OnodeCache {
  private readonly entries = new Map<string, Onode | null>();
  /** Cache key -> the publish sequence of its last unapplied transaction. */
  private readonly dirty = new Map<string, number>();
  /** Cache key -> loads from LevelDB in flight. */
  private readonly loading = new Map<string, number>();
  private publishSeq = 0;
  private appliedSeq = 0;
  evictions = 0;

  constructor(public entriesMax = onodeCacheEntriesDefault) {}

  get size(): number {
    return this.entries.size;
  }
  get dirtyCount(): number {
    return this.dirty.size;
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The entry (undefined: not cached), now the most recently used. */
  get(key: string): Onode | null | undefined {
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  /** A state read from LevelDB (or known absent there): clean. */
  setLoaded(key: string, v: Onode | null): void {
    this.entries.set(key, v);
    this.trim();
  }

  /** The next publish sequence: a transaction's, stamped on every object it publishes. */
  nextSeq(): number {
    return ++this.publishSeq;
  }

  /** A transaction's new state of an object: dirty until applied(seq). */
  publish(key: string, v: Onode | null, seq: number): void {
    this.entries.delete(key);
    this.entries.set(key, v);
    this.dirty.set(key, seq);
  }

  /** LevelDB has the keys of every transaction with publish sequence <= seq. */
  applied(seq: number): void {
    if (seq <= this.appliedSeq) return;
    this.appliedSeq = seq;
    for (const [key, s] of this.dirty) if (s <= seq) this.dirty.delete(key);
    this.trim();
  }

  beginLoad(key: string): void {
    this.loading.set(key, (this.loading.get(key) ?? 0) + 1);
  }
  endLoad(key: string): void {
    const n = (this.loading.get(key) ?? 1) - 1;
    if (n > 0) this.loading.set(key, n);
    else this.loading.delete(key);
  }

  /** Drop least recently used clean entries until the cache is within entriesMax (or the scan ends). */
  trim(): void {
    let over = this.entries.size - this.entriesMax;
    if (over <= 0) return;
    let scanned = 0;
    for (const key of this.entries.keys()) {
      if (over <= 0 || scanned++ >= onodeTrimScanMax) break;
      if (this.dirty.has(key) || this.loading.has(key)) continue;
      this.entries.delete(key);
      this.evictions++;
      over--;
    }
  }

  clear(): void {
    this.entries.clear();
    this.dirty.clear();
    this.loading.clear();
  }
}
