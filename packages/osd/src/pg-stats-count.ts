/**
 * A PG's object, clone and byte counts for its pg_stat_t, kept up to date from its log. Ceph adds
 * each op's delta_stats to the PG's stats as it goes (PrimaryLogPG::finish_ctx); a full count lists
 * the collection and stats every object, which under a steady write load (last_update moving at
 * every report) made each report cost a listing and a stat per object the OSD holds. Here the
 * full count is the fallback, and a PG whose log still reaches back to the last count only
 * re-stats the objects its newer entries name.
 *
 * A full count is taken again whenever the log alone may not tell every change: a new interval
 * (recovery and backfill move objects without log entries of their own), a PG that is not
 * active+clean now or was not at the last count, a pool with snapshots (clones come and go with
 * snap trimming), a log trimmed past the last count, and every `fullEveryReports`-th report.
 */
import { CEPH_NOSNAP, GHObject, ghobjectMax, ghobjectMin } from '@ts-ceph/objectstore/interface';
import { ObjectStore } from '@ts-ceph/objectstore';
import { EversionT, newObjectStatSum, ObjectStatSumT } from '@ts-ceph/maps';
import { PG, evCmp, evKeyName } from './core/pg';
import { MissingSet, oidKey } from './core/peering/log-merge';

export const pgStatsCountLimits = {
  /** Objects listed per collection_list call while counting a PG. */
  listPageMax: 1024,
  /** A full count at least this often (in counts of the PG), as a check on the incremental one. */
  fullEveryReports: 20,
};

interface ObjectCount {
  size: number;
  allocated: number;
  clone: boolean;
}

/** A PG's objects with running totals, so an incremental count costs what changed, not the PG. */
class Tally {
  readonly objects = new Map<string, ObjectCount>();
  n = 0;
  clones = 0;
  bytes = 0;
  allocated = 0;

  set(k: string, o: ObjectCount | undefined): void {
    const was = this.objects.get(k);
    if (was) this.add(was, -1);
    if (o) {
      this.objects.set(k, o);
      this.add(o, 1);
    } else this.objects.delete(k);
  }

  private add(o: ObjectCount, sign: 1 | -1): void {
    this.n += sign;
    if (o.clone) this.clones += sign;
    this.bytes += sign * o.size;
    this.allocated += sign * o.allocated;
  }

  /**
   * The sums as of `at`. Objects our copy still lacks (`missing`) count as the authoritative log
   * has them, as Ceph's primary's num_objects does (its info.stats come with the merged log): one
   * more for each it lacks outright, one less for each delete not applied here yet.
   */
  counted(at: string, missing: MissingSet | undefined): Counted {
    let n = this.n;
    for (const [k, m] of missing ?? []) {
      const have = this.objects.has(k);
      if (!m.gone && !have) n++;
      else if (m.gone && have) n--;
    }
    const sum = newObjectStatSum();
    sum.num_objects = n;
    sum.num_object_clones = this.clones;
    sum.num_bytes = this.bytes;
    // num_object_copies is the primary's to work out from its peering state (core/peering/calc-stats.ts).
    sum.num_object_copies = n;
    return { at, sum, allocated: this.allocated };
  }
}

export interface Counted {
  /** The PG's last_update the count is for. */
  at: string;
  sum: ObjectStatSumT;
  allocated: number;
}

interface Kept {
  counted: Counted;
  tally: Tally;
  version: EversionT;
  interval: number;
  clean: boolean;
  sinceFull: number;
  /** The size of our copy's missing set at the count. */
  missing: number;
}

/** What the caller knows of the PG beyond the PG itself. */
export interface CountContext {
  /** The PG is active+clean now (no recovery or backfill under way). */
  clean: boolean;
  /** Its pool has (or had) snapshots: snap_seq > 0. */
  snaps: boolean;
  /**
   * The objects our copy lacks (the peering core's own missing set): recovery writes them without
   * a log entry of ours, so a change in it means a new count.
   */
  missing?: MissingSet;
}

export class PgObjectCounter {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly store: ObjectStore) {}

  async count(key: string, pg: PG, ctx: CountContext): Promise<Counted> {
    // The count is of the PG as of this last_update: writes logged while it lists and stats (it
    // waits on the store) are newer than `version` and the next count stats them again. Taking the
    // version after the awaits instead skipped them for good once the writes stopped.
    const version = pg.info.lastUpdate;
    const at = evKeyName(version);
    const old = this.kept.get(key);
    const missing = ctx.missing?.size ?? 0;
    // The same last_update and missing set is the same count only while the PG is clean, and was at
    // that count: recovery and backfill move objects without log entries (a count taken while they
    // ran may have listed the collection before their last objects landed), so until the PG is
    // clean every report counts again. (A CI run's `rados df` stayed 163 objects short, the writes
    // made while a returning primary was down, for the 30 s the test waited.)
    if (old && old.counted.at === at && old.missing === missing && old.clean && ctx.clean) return old.counted;
    const interval = pg.info.history?.sameIntervalSince ?? 0;
    const incremental = old !== undefined && old.clean && ctx.clean && !ctx.snaps && old.interval === interval && old.sinceFull < pgStatsCountLimits.fullEveryReports && evCmp(old.version, pg.info.logTail) >= 0;
    const tally = incremental ? old.tally : new Tally();
    if (incremental) await this.restatNewer(pg, old.version, tally);
    else await this.listAll(pg, tally);
    const counted = tally.counted(at, ctx.missing);
    this.kept.set(key, { counted, tally, version, interval, clean: ctx.clean, sinceFull: incremental ? old.sinceFull + 1 : 0, missing });
    return counted;
  }

  /** Every object of the PG's collection (the pgmeta object left out). */
  private async listAll(pg: PG, tally: Tally): Promise<void> {
    let start = ghobjectMin();
    for (;;) {
      const page = await this.store.collectionList(pg.coll, start, ghobjectMax(), pgStatsCountLimits.listPageMax);
      for (const o of page.objects) if (o.name !== '') tally.set(oidKey(o), await this.countOf(pg, o));
      if (page.next.max || page.objects.length === 0) break;
      start = page.next;
    }
  }

  /** Stat again the objects named by the log entries after `since` (each once). */
  private async restatNewer(pg: PG, since: EversionT, tally: Tally): Promise<void> {
    const changed = new Map<string, GHObject>();
    for (let i = pg.entries.length - 1; i >= 0; i--) {
      const e = pg.entries[i]!;
      if (evCmp(e.version, since) <= 0) break;
      if (e.soid.name !== '') changed.set(oidKey(e.soid), e.soid);
    }
    for (const [k, o] of changed) tally.set(k, (await this.store.exists(pg.coll, o)) ? await this.countOf(pg, o) : undefined);
  }

  private async countOf(pg: PG, o: GHObject): Promise<ObjectCount> {
    const st = await this.store.stat(pg.coll, o);
    return { size: st.size, allocated: st.allocated, clone: o.snap !== CEPH_NOSNAP };
  }
}
