import { PromiseChains } from './pg-chains';
import { logger, Clock } from '@ts-ceph/common';
import { utimeFromMs } from '@ts-ceph/denc';
import { OSDMap, PoolFlag, formatPg } from '@ts-ceph/maps';
import { CEPH_NOSNAP, GHObject, ObjectStore, Transaction, ghobjectMax, ghobjectMin, ghobjectSortKey } from '@ts-ceph/objectstore';
import { PoolSnaps } from './core/op-context';
import { PG } from './core/pg';
import { addPurged, planTrim, snapsToTrim, trimClone } from './core/snap-trim';
import { loadSnapSet } from './core/snaps';

const log = logger('osd');

/** Named limits of the snap trimmer (docs/LIMITS.md). */
export const snapTrimLimits = {
  /** Objects one collection_list page returns while the trimmer looks for clones. */
  listPageObjects: 1024,
};

/** The pool's snapshot facts for the op engine (pg_pool_t snap_seq/snaps, the OSDMap's removed_snaps_queue). */
export function poolSnapFacts(map: OSDMap, poolId: number): PoolSnaps | undefined {
  const p = map.pools.get(poolId);
  if (!p) return undefined;
  const snaps = p.snaps.map((s) => BigInt(s.snapid)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  return { poolSnapsMode: (p.flags & PoolFlag.POOL_SNAPS) !== 0, snapc: { seq: BigInt(p.snapSeq), snaps }, removed: map.removedSnapsQueue.get(poolId) ?? [] };
}

/** What the trimmer shares with the daemon: the store, the PGs and their op ordering. */
export interface SnapTrimHost {
  store: ObjectStore;
  clock: Clock;
  epoch: () => number;
  pgs: Map<string, PG>;
  pgQueues: PromiseChains;
  objectCommits: Map<string, Promise<void>>;
}

/**
 * The snap trimmer's driver (PrimaryLogPG::SnapTrimmer): when the OSDMap queues removed snaps a PG
 * has not purged, it finds the PG's objects with clones (a scan of the collection: ts-osd keeps no
 * SnapMapper index) and trims each object as an internal write in the PG's op queue, so client ops
 * on the object stay ordered with it. When done, the snaps go into the PG's purged_snaps.
 */
export class SnapTrimmer {
  private readonly running = new Set<string>();

  constructor(private readonly host: SnapTrimHost) {}

  /** A new map: start trimming every PG with removed snaps left to trim. */
  kick(map: OSDMap): void {
    for (const [key, pg] of this.host.pgs) {
      const trim = snapsToTrim(map.removedSnapsQueue.get(pg.pgid.pool), pg.info.purgedSnaps);
      if (trim.length === 0 || this.running.has(key)) continue;
      this.running.add(key);
      void this.trimPg(key, pg, trim)
        .catch((e: Error) => log.dout(0, `snap trim of pg ${formatPg(pg.pgid)} failed: ${e.stack}`))
        .finally(() => this.running.delete(key));
    }
  }

  private async trimPg(key: string, pg: PG, trim: [number, number][]): Promise<void> {
    log.dout(10, `pg ${formatPg(pg.pgid)} trimming snaps ${JSON.stringify(trim)}`);
    for (const head of await this.headsWithClones(pg)) {
      await this.inQueue(key, () => this.trimObject(key, pg, head, trim));
    }
    await this.inQueue(key, async () => {
      const t = new Transaction();
      pg.setPurgedSnaps(addPurged(pg.info.purgedSnaps, trim), t);
      await this.host.store.queueTransaction(t);
    });
    log.dout(10, `pg ${formatPg(pg.pgid)} purged snaps now ${JSON.stringify(pg.info.purgedSnaps)}`);
  }

  /** The heads of every clone in the PG (a clone is its head's ghobject with a snap id below CEPH_NOSNAP). */
  private async headsWithClones(pg: PG): Promise<GHObject[]> {
    const heads = new Map<string, GHObject>();
    let pos = ghobjectMin();
    for (;;) {
      const r = await this.host.store.collectionList(pg.coll, pos, ghobjectMax(), snapTrimLimits.listPageObjects);
      for (const o of r.objects) {
        if (o.snap >= CEPH_NOSNAP) continue;
        const head = { ...o, snap: CEPH_NOSNAP };
        heads.set(ghobjectSortKey(head), head);
      }
      if (r.next.max || r.objects.length === 0) break;
      pos = r.next;
    }
    return [...heads.values()];
  }

  /** Trim every clone of `head` holding a snap in `trim`, one transaction each, each durable before the next. */
  private async trimObject(key: string, pg: PG, head: GHObject, trim: [number, number][]): Promise<void> {
    const objKey = `${key}/${ghobjectSortKey(head)}`;
    const pending = this.host.objectCommits.get(objKey);
    if (pending) await pending;
    const ss = await loadSnapSet(this.host.store, pg.coll, head);
    for (const c of planTrim(ss, trim)) {
      const t = await trimClone(this.host.store, pg, head, c, trim, { epoch: this.host.epoch(), now: utimeFromMs(this.host.clock.wallNow()) });
      if (!t) continue;
      // A write outside the PG core: the head's cached SnapSet goes with it.
      pg.obc.invalidate(t);
      await this.host.store.queueTransaction(t);
    }
  }

  /** Run `fn` in the PG's op order (after the ops queued before it, before the ones queued after). */
  private inQueue(key: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.host.pgQueues.get(key) ?? Promise.resolve();
    const next = prev.then(fn);
    this.host.pgQueues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }
}
