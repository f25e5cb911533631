import { SnapSetT, newSnapSet } from '@ts-ceph/maps';
import { CEPH_NOSNAP, GHObject, OP, Transaction } from '@ts-ceph/objectstore/interface';
import { ObjectState } from './op-context';

/** Named limits of the object context cache (docs/LIMITS.md). */
export const obcCacheLimits = {
  /** osd_pg_object_context_cache_count: head object contexts one PG keeps, least recently used out first. */
  entriesPerPgMax: 64,
};

/**
 * One head object's context as a write leaves it (ObjectContext: obs and the SnapSet): what the op
 * engine would otherwise read back from the store (the `_` and `snapset` xattrs) for the next op.
 */
export interface ObcEntry {
  oid: GHObject;
  state: ObjectState;
  snapset: SnapSetT;
}

/**
 * The key of a head object in its PG's cache (a clone, or any snap but the head, is never cached):
 * cheaper to build than the full ghobject string, and unique for the objects one collection holds.
 */
export function obcKey(o: GHObject): string | undefined {
  return o.snap === CEPH_NOSNAP ? `${o.pool}\u0000${o.hash}\u0000${o.nspace}\u0000${o.key}\u0000${o.name}` : undefined;
}

/**
 * PrimaryLogPG's object_contexts: the object info and SnapSet of recently used head objects, so a
 * write to an object the PG has just written runs without reading the store (and without a
 * promise: core/op-engine.ts takes a synchronous path then). Pure bookkeeping, no I/O.
 *
 * Its truth rests on one rule: every transaction for the PG's collection passes `invalidate`
 * before the store gets it (PeeringPG.queue: client writes, RepOps, recovery, and the primary's
 * internal writes: watch timeouts, snap trims), and the primary puts a write's resulting context back only after that (rep-ops.ts),
 * so an entry is never older than what the store would answer. A load that started before an
 * invalidation may not fill the cache (`generation`). A new interval starts empty.
 */
export class ObjectContextCache {
  private readonly entries = new Map<string, ObcEntry>();
  /** Bumped by every invalidation: a load begun under an older generation may be stale. */
  generation = 0;

  get size(): number {
    return this.entries.size;
  }

  /** The entry for `key`, now the most recently used; the caller must not modify it (see `takeSnapSet`). */
  get(key: string): ObcEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /** Keep `e` (a load's answer, or the state a queued write leaves), evicting the least recently used. */
  put(key: string, e: ObcEntry): void {
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > obcCacheLimits.entriesPerPgMax) this.entries.delete(this.entries.keys().next().value!);
  }

  /** A load begun at `generation` answered `e`: kept only if nothing was invalidated meanwhile. */
  fill(key: string, generation: number, e: ObcEntry): void {
    if (generation === this.generation) this.put(key, e);
  }

  /** Drop the contexts of every object `t` touches (before the store sees `t`). */
  invalidate(t: Transaction): void {
    if (this.entries.size === 0) return;
    this.generation++;
    let last: GHObject | undefined;
    for (const op of t.ops) {
      if (op.op === OP.RMCOLL || op.op === OP.COLL_MOVE_RENAME) return this.clear();
      if (!('oid' in op) || op.oid === last) continue;
      last = op.oid;
      this.drop(op.oid);
      if ('noid' in op) this.drop(op.noid);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  private drop(o: GHObject): void {
    const k = obcKey(o);
    if (k !== undefined) this.entries.delete(k);
  }
}

/** A private copy of a cached SnapSet: make_writeable and the snap ops change theirs in place. */
export function takeSnapSet(s: SnapSetT): SnapSetT {
  if (s.clones.length === 0 && s.snaps.length === 0 && s.cloneOverlap.length === 0 && s.cloneSize.length === 0 && s.cloneSnaps.length === 0) return { ...newSnapSet(), seq: s.seq };
  return {
    seq: s.seq,
    snaps: [...s.snaps],
    clones: [...s.clones],
    cloneOverlap: s.cloneOverlap.map(([c, r]) => [c, r]),
    cloneSize: s.cloneSize.map(([c, n]) => [c, n]),
    cloneSnaps: s.cloneSnaps.map(([c, v]) => [c, [...v]]),
  };
}
