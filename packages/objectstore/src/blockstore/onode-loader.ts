import { Transaction } from '../transaction';
import { CollT, GHObject } from '../types';
import { MetaKV } from './meta-kv';
import { cacheKey, cacheKeySortKey, Onode } from './onode';
import { OnodeCache } from './onode-cache';
import * as R from './reads';

/**
 * Onodes into the cache from LevelDB: one lookup, a synchronous peek, and the prefetch of a queued
 * transaction's objects.
 */
export class OnodeLoader {
  /** Lookups started by prefetch() and not yet in the cache. */
  private readonly loading = new Map<string, Promise<void>>();
  /**
   * Cache keys by object: the prefetch of a queued transaction and its prepare (and the OSD's reads
   * of the same op) name one GHObject, so its key is built once. Weak: the entry goes with the op.
   */
  private readonly keys = new WeakMap<GHObject, { cid: CollT; key: string }>();

  constructor(private readonly host: { readonly db: MetaKV; readonly cache: OnodeCache }) {}

  /**
   * The onode from the cache, else from LevelDB. An object changed since LevelDB was last brought
   * up to date is always in the cache (only entries LevelDB has are evicted, onode-cache.ts).
   */
  async lookup(cid: CollT, oid: GHObject, key = cacheKey(cid, oid)): Promise<Onode | undefined> {
    const c = this.host.cache.get(key);
    if (c !== undefined) return c ?? undefined;
    const sortKey = this.sortKeyUnlessAbsent(cid, key);
    if (sortKey === undefined) return undefined;
    this.host.cache.beginLoad(key);
    let loaded: Onode | null;
    try {
      loaded = await R.loadOnode(this.host.db, cid, sortKey);
    } finally {
      this.host.cache.endLoad(key);
    }
    // A transaction may have installed a newer state while we read the database.
    const now = this.host.cache.get(key);
    if (now !== undefined) return now ?? undefined;
    this.host.cache.setLoaded(key, loaded);
    return loaded ?? undefined;
  }
  peek(cid: CollT, key: string): Onode | null | undefined {
    const c = this.host.cache.get(key);
    if (c !== undefined) return c;
    return this.sortKeyUnlessAbsent(cid, key) === undefined ? null : undefined;
  }
  /**
   * The object's sort key, or undefined when LevelDB says at once (on this thread, no promise)
   * that it has no such object: the common case of a write to a new object, cached as absent.
   */
  private sortKeyUnlessAbsent(cid: CollT, key: string): string | undefined {
    const sortKey = cacheKeySortKey(key);
    if (!R.onodeAbsent(this.host.db, cid, sortKey)) return sortKey;
    this.host.cache.setLoaded(key, null);
    return undefined;
  }

  /**
   * Start the LevelDB lookups of the transaction's objects that the cache does not know, now, in
   * parallel with the transactions ahead of it. Prepares run one at a time, so a lookup each
   * (every write to a new object misses) would hold the queue for a LevelDB round trip per
   * transaction, and a group commit would gather only the few prepared during one flush. A miss is
   * cached as absent (null): a transaction installed meanwhile wins, as in lookup().
   */
  prefetch(ts: Transaction[]): Promise<unknown> | undefined {
    let loads: Promise<void>[] | undefined;
    let lastOid: GHObject | undefined;
    let lastCid: CollT | undefined;
    for (const t of ts) {
      for (const op of t.ops) {
        // A transaction's ops come in runs on one object (a write, then its attributes).
        if (!('oid' in op) || (op.oid === lastOid && op.cid === lastCid)) continue;
        lastOid = op.oid;
        lastCid = op.cid;
        const key = this.keyOf(op.cid, op.oid);
        if (this.host.cache.has(key)) continue;
        let load = this.loading.get(key);
        if (!load) {
          const sortKey = this.sortKeyUnlessAbsent(op.cid, key);
          if (sortKey === undefined) continue;
          this.host.cache.beginLoad(key);
          load = R.loadOnode(this.host.db, op.cid, sortKey).then(
            (o) => {
              if (!this.host.cache.has(key)) this.host.cache.setLoaded(key, o ?? null);
            },
            () => undefined,
          );
          this.loading.set(key, load);
          void load.then(() => {
            this.loading.delete(key);
            this.host.cache.endLoad(key);
          });
        }
        (loads ??= []).push(load);
      }
    }
    return loads && Promise.all(loads);
  }

  keyOf(cid: CollT, oid: GHObject): string {
    const m = this.keys.get(oid);
    if (m && m.cid === cid) return m.key;
    const key = cacheKey(cid, oid);
    this.keys.set(oid, { cid, key });
    return key;
  }
}
