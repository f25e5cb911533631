import { logger, Clock } from '@ts-ceph/common';
import { utimeFromMs } from '@ts-ceph/denc';
import { OSDMap, PoolFlag, formatPg } from '@ts-ceph/maps';
import { CEPH_NOSNAP, GHObject, ObjectStore, ghobjectMax, ghobjectMin, ghobjectSortKey } from '@ts-ceph/objectstore';
import { PoolSnaps } from './core/op-context';
import { PG } from './core/pg';
import { snapsToTrim, trimNextClone } from './core/snap-trim';
import { InternalOp, InternalRefusal, ReplicatedPG } from './core/peering';

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

/** What the trimmer needs of the daemon: the store, the PG cores and a way into their chains. */
export interface SnapTrimHost {
  store: ObjectStore;
  clock: Clock;
  /** The PG cores this OSD holds, by key (pg-driver.ts). */
  cores(): ReadonlyMap<string, ReplicatedPG>;
  /** An internal write through the PG's core, in its chain (PgDriver.submitInternal). */
  submit(key: string, op: InternalOp): Promise<InternalRefusal | 'no_pg' | undefined>;
  /** Run `f` on the PG's core in its chain, its outputs carried out after (PgDriver.call). */
  call<T>(key: string, f: (core: ReplicatedPG) => T): Promise<T | undefined>;
}

/** How one trim of an object ended: trimmed a clone, nothing left to trim, or not run. */
type TrimStep = 'trimmed' | 'nothing' | 'dropped' | InternalRefusal | 'no_pg';

/**
 * The snap trimmer's driver (PrimaryLogPG::SnapTrimmer): when the OSDMap queues removed snaps a PG
 * has not purged, the PG's active primary finds its objects with clones (a scan of the collection:
 * ts-osd keeps no SnapMapper index) and trims each clone as an internal write through the PG's
 * core (rep-ops.ts submitInternal): ordered with the client ops on its object, and sent to every
 * replica as a RepOp, so every copy trims the same clones. Each trim is durable on every copy
 * before the next; when all are, the snaps go into the PG's purged_snaps, shared with the
 * replicas (core/peering/purged-snaps.ts). Replicas never trim on their own. A PG that is not
 * active and clean, or one whose interval changes meanwhile, is tried again at the next kick
 * (every map and the daemon's tick); trims already done are found done (trimClone is idempotent).
 */
export class SnapTrimmer {
  private readonly running = new Set<string>();

  constructor(private readonly host: SnapTrimHost) {}

  /** A new map, or the daemon's tick: start trimming every PG with removed snaps left to trim. */
  kick(map: OSDMap | undefined): void {
    if (!map) return;
    for (const [key, core] of this.host.cores()) {
      if (this.running.has(key) || !core.canTrim()) continue;
      const trim = snapsToTrim(map.removedSnapsQueue.get(core.pg.pgid.pool), core.pg.info.purgedSnaps);
      if (trim.length === 0) continue;
      this.running.add(key);
      void this.trimPg(key, core, trim)
        .catch((e: Error) => log.dout(0, `snap trim of pg ${formatPg(core.pg.pgid)} failed: ${e.stack}`))
        .finally(() => this.running.delete(key));
    }
  }

  private async trimPg(key: string, core: ReplicatedPG, trim: [number, number][]): Promise<void> {
    const pg = core.pg;
    const interval = core.intervalStart;
    log.dout(10, `pg ${formatPg(pg.pgid)} trimming snaps ${JSON.stringify(trim)}`);
    for (const head of await this.headsWithClones(pg)) {
      for (;;) {
        const step = await this.trimOnce(key, core, head, trim);
        if (step === 'nothing') break;
        if (step !== 'trimmed') return log.dout(10, `pg ${formatPg(pg.pgid)} snap trim stopped (${step}), again later`);
      }
    }
    if (!(await this.host.call(key, (c) => c === core && c.notePurged(interval, trim)))) return log.dout(10, `pg ${formatPg(pg.pgid)} changed interval: snap trim again later`);
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

  /** Trim the next clone of `head` holding a snap in `trim`, as an internal write durable on every copy. */
  private trimOnce(key: string, core: ReplicatedPG, head: GHObject, trim: [number, number][]): Promise<TrimStep> {
    return new Promise((resolve) => {
      let wrote = false;
      const op: InternalOp = {
        oid: head,
        build: async (epoch) => {
          const t = await trimNextClone(this.host.store, core.pg, head, trim, { epoch, now: utimeFromMs(this.host.clock.wallNow()) });
          wrote = t !== undefined;
          return t;
        },
        done: (ok) => resolve(!ok ? 'dropped' : wrote ? 'trimmed' : 'nothing'),
      };
      void this.host.submit(key, op).then((refused) => {
        if (refused) resolve(refused);
      });
    });
  }
}
