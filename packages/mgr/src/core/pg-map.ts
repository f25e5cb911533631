/**
 * The mgr's PGMap (src/mon/PGMap.cc, src/mgr/ClusterState.cc ingest_pgstats): the last pg_stat_t
 * each primary reported for each PG, each OSD's osd_stat_t and per-pool store usage, from MPGStats.
 * Every PG of every pool in the OSDMap is listed; one no OSD has reported on is "unknown", as a
 * fresh mgr shows it. Pure state: time comes in as arguments.
 */
import { OSDMap, PgT, PgStatT, OsdStatT, StoreStatfsT, ObjectStatSumT, newObjectStatSum, newStoreStatfs, statfsUsedRaw, pgKey } from '@ts-ceph/maps';
import { PgState, pgStateString } from './pg-state';
import { DeltaConf, StatDelta } from './pg-delta';
import { PgStateCounts } from './state-order';

/** What an MPGStats carries, as the PGMap takes it. */
export interface PgStatsReport {
  osdStat: OsdStatT;
  pgStat: [PgT, PgStatT][];
  poolStat: [number, StoreStatfsT][];
}

export interface PgEntry {
  pgid: PgT;
  /** The last report, or undefined while no OSD has reported the PG. */
  stat: PgStatT | undefined;
}

/** The cluster-wide numbers `ceph -s`, `ceph df` and `pg stat` print (PGMapDigest). */
export interface PgSummary {
  numPg: number;
  numPools: number;
  /** State names by count, descending (equal counts in reverse name order, as Ceph's multimap walk). */
  /** `ceph -s`'s order: by count, descending, ties as the mon's num_pg_by_state walk ends. */
  byState: [string, number][];
  /** `pg stat`'s order: the mgr's num_pg_by_state walk. */
  byStateOneline: [string, number][];
  numUnknown: number;
  numActive: number;
  numObjects: number;
  /** The PGs' num_object_copies, num_objects_degraded, _misplaced and _unfound sums (overall_recovery_summary). */
  copies: number;
  degraded: number;
  misplaced: number;
  unfound: number;
  dataBytes: number;
  bytesUsed: number;
  bytesAvail: number;
  bytesTotal: number;
}

/**
 * PGMapDigest::recovery_summary over the whole cluster: degraded and misplaced copies of
 * num_object_copies, unfound objects of num_objects, each only when non-zero.
 */
export function recoverySummary(s: PgSummary): { key: string; n: number; total: number; text: string }[] {
  const out = [];
  const rows: [string, number, number][] = [
    ['degraded', s.degraded, s.copies],
    ['misplaced', s.misplaced, s.copies],
    ['unfound', s.unfound, s.numObjects],
  ];
  for (const [key, n, total] of rows) {
    if (!n || total <= 0) continue;
    out.push({ key, n, total, text: `${n}/${total} objects ${key} (${((n / total) * 100).toFixed(3)}%)` });
  }
  return out;
}

export interface PoolSum {
  numPg: number;
  sum: ObjectStatSumT;
  logSize: number;
  ondiskLogSize: number;
  /** store_statfs_t summed over the OSDs that reported the pool (per-pool omap/data usage). */
  statfs: StoreStatfsT;
}

/** Add every counter of `b` into `a` (object_stat_sum_t::add). */
export function addStatSum(a: ObjectStatSumT, b: ObjectStatSumT): void {
  for (const k of Object.keys(b)) a[k] = (a[k] ?? 0) + (b[k] ?? 0);
}

function addStatfs(a: StoreStatfsT, b: StoreStatfsT): void {
  for (const k of Object.keys(a) as (keyof StoreStatfsT)[]) a[k] += b[k];
}

export class PGMap {
  /** pgid "1.1f" -> the last accepted report. */
  private readonly pgStat = new Map<string, PgStatT>();
  readonly osdStat = new Map<number, OsdStatT>();
  /** "pool:osd" -> that OSD's store usage for the pool. */
  private readonly poolStatfs = new Map<string, StoreStatfsT>();
  /** When we first saw each pool (ms): its unknown PGs count as stuck from then. */
  private readonly poolSeen = new Map<number, number>();
  /** Bumped with every ingested report (PGMap::version). */
  version = 0;
  /** Wall-clock ms of the last ingested report. */
  stamp = 0;
  /** The cluster's smoothed stat delta (pg_sum_delta, stamp_delta) and each pool's (per_pool_sum_delta). */
  readonly sumDelta = new StatDelta();
  readonly poolDeltas = new Map<number, StatDelta>();
  /** num_pg_by_state as the mgr's incrementals built it, with its iteration order (state-order.ts). */
  readonly stateCounts = new PgStateCounts();
  /** Each PG's state as of the last applied tick, and the PGs reported since. */
  private readonly appliedState = new Map<string, bigint>();
  private readonly dirty = new Set<string>();

  /** Register new pools and forget removed ones and PGs beyond a pool's pg_num (PGMapUpdater). */
  notePools(m: OSDMap, now: number): void {
    for (const id of m.pools.keys()) if (!this.poolSeen.has(id)) this.poolSeen.set(id, now);
    for (const id of [...this.poolSeen.keys()]) if (!m.pools.has(id)) this.poolSeen.delete(id);
    for (const k of [...this.pgStat.keys()]) {
      const [pool, seed] = k.split('.') as [string, string];
      const p = m.pools.get(Number(pool));
      if (!p || parseInt(seed, 16) >= p.pgNum) this.pgStat.delete(k);
    }
    for (const k of [...this.poolStatfs.keys()]) if (!m.pools.has(Number(k.split(':')[0]))) this.poolStatfs.delete(k);
  }

  poolFirstSeen(pool: number): number | undefined {
    return this.poolSeen.get(pool);
  }

  /**
   * ClusterState::ingest_pgstats: take the OSD's statistics; a PG of a pool we do not know is
   * dropped, and a report older (by epoch, then sequence) than the one we hold is ignored.
   */
  ingest(osd: number, r: PgStatsReport, m: OSDMap, now: number): void {
    this.osdStat.set(osd, r.osdStat);
    for (const [pgid, st] of r.pgStat) {
      const p = m.pools.get(pgid.pool);
      if (!p || pgid.seed >= p.pgNum) continue;
      const key = pgKey(pgid);
      const old = this.pgStat.get(key);
      if (old && (old.reportedEpoch > st.reportedEpoch || (old.reportedEpoch === st.reportedEpoch && old.reportedSeq > st.reportedSeq))) continue;
      this.pgStat.set(key, st);
      this.dirty.add(key);
    }
    for (const [pool, s] of r.poolStat) if (m.pools.has(pool)) this.poolStatfs.set(`${pool}:${osd}`, s);
    this.version++;
    this.stamp = now;
  }

  /** An OSD that is gone from the map (or down, when a newer primary will report) loses its usage. */
  forgetOsd(osd: number): void {
    this.osdStat.delete(osd);
    for (const k of [...this.poolStatfs.keys()]) if (k.endsWith(`:${osd}`)) this.poolStatfs.delete(k);
  }

  get(pgid: PgT): PgStatT | undefined {
    return this.pgStat.get(pgKey(pgid));
  }

  /** Every PG of every pool, in pool then seed order. */
  *pgs(m: OSDMap): Generator<PgEntry> {
    for (const id of [...m.pools.keys()].sort((a, b) => a - b)) {
      const p = m.pools.get(id)!;
      for (let s = 0; s < p.pgNum; s++) {
        const pgid = { pool: id, seed: s };
        yield { pgid, stat: this.pgStat.get(pgKey(pgid)) };
      }
    }
  }

  /** The OSDs' summed store usage (osd_sum.statfs), only over OSDs that exist in the map. */
  osdSum(m: OSDMap): { statfs: StoreStatfsT; numOsds: number } {
    const statfs = newStoreStatfs();
    let numOsds = 0;
    for (const [osd, s] of this.osdStat) {
      if (osd >= m.maxOsd) continue;
      addStatfs(statfs, s.statfs);
      numOsds++;
    }
    return { statfs, numOsds };
  }

  summary(m: OSDMap): PgSummary {
    const byState = new Map<string, number>();
    const s: PgSummary = { numPg: 0, numPools: m.pools.size, byState: [], byStateOneline: [], numUnknown: 0, numActive: 0, numObjects: 0, copies: 0, degraded: 0, misplaced: 0, unfound: 0, dataBytes: 0, bytesUsed: 0, bytesAvail: 0, bytesTotal: 0 };
    for (const { stat } of this.pgs(m)) {
      s.numPg++;
      const name = stat ? pgStateString(stat.state) : 'unknown';
      byState.set(name, (byState.get(name) ?? 0) + 1);
      if (!stat || stat.state === 0n) s.numUnknown++;
      if (stat && stat.state & PgState.ACTIVE) s.numActive++;
      s.numObjects += stat?.stats.sum.num_objects ?? 0;
      s.dataBytes += stat?.stats.sum.num_bytes ?? 0;
      s.copies += stat?.stats.sum.num_object_copies ?? 0;
      s.degraded += stat?.stats.sum.num_objects_degraded ?? 0;
      s.misplaced += stat?.stats.sum.num_objects_misplaced ?? 0;
      s.unfound += stat?.stats.sum.num_objects_unfound ?? 0;
    }
    const osd = this.osdSum(m).statfs;
    s.bytesTotal = osd.total;
    s.bytesAvail = osd.available;
    s.bytesUsed = statfsUsedRaw(osd);
    // Ceph's order where the incrementals have seen the state; a state newer than the last tick after them.
    const rank = (order: bigint[]): ((a: [string, number], b: [string, number]) => number) => {
      const at = new Map(order.map((st, i) => [pgStateString(st), i]));
      return (a, b) => (at.get(a[0]) ?? order.length) - (at.get(b[0]) ?? order.length);
    };
    s.byStateOneline = [...byState.entries()].sort(rank(this.stateCounts.mgrOrder()));
    s.byState = [...byState.entries()].sort((a, b) => b[1] - a[1] || rank(this.stateCounts.statusOrder())(a, b));
    return s;
  }

  /** pool_stat_t per pool: the PGs' sums (PGMap::pg_pool_sum). */
  poolSum(m: OSDMap, pool: number): PoolSum {
    const p = m.pools.get(pool);
    const out: PoolSum = { numPg: p?.pgNum ?? 0, sum: newObjectStatSum(), logSize: 0, ondiskLogSize: 0, statfs: newStoreStatfs() };
    if (!p) return out;
    for (let seed = 0; seed < p.pgNum; seed++) {
      const st = this.pgStat.get(pgKey({ pool, seed }));
      if (!st) continue;
      addStatSum(out.sum, st.stats.sum);
      out.logSize += st.logSize;
      out.ondiskLogSize += st.ondiskLogSize;
    }
    for (const [k, s] of this.poolStatfs) if (k.startsWith(`${pool}:`)) addStatfs(out.statfs, s);
    return out;
  }

  /**
   * ClusterState::update_delta_stats at a mgr tick: the cluster's and each pool's sums into their
   * smoothed deltas (PGMap::update_global_delta, update_pool_deltas); removed pools are dropped.
   */
  updateDeltas(m: OSDMap, nowMs: number, conf: DeltaConf): void {
    this.applyStates(m);
    const total = newObjectStatSum();
    for (const id of m.pools.keys()) {
      const sum = this.poolSum(m, id).sum;
      addStatSum(total, sum);
      let d = this.poolDeltas.get(id);
      if (!d) this.poolDeltas.set(id, (d = new StatDelta()));
      d.update(nowMs, sum, conf);
    }
    for (const id of [...this.poolDeltas.keys()]) if (!m.pools.has(id)) this.poolDeltas.delete(id);
    this.sumDelta.update(nowMs, total, conf);
  }

  /**
   * PGMap::apply_incremental's effect on num_pg_by_state at a tick: the PGs reported since the last
   * tick and the new ones (unknown until reported), in pgid order, each its old state out
   * (stat_pg_sub) and its new one in (stat_pg_add); then the PGs gone with their pool or pg_num.
   */
  private applyStates(m: OSDMap): void {
    const seen = new Set<string>();
    for (const { pgid, stat } of this.pgs(m)) {
      const key = pgKey(pgid);
      seen.add(key);
      const old = this.appliedState.get(key);
      if (old !== undefined && !this.dirty.has(key)) continue;
      const now = stat?.state ?? 0n;
      if (old !== undefined) this.stateCounts.sub(old);
      this.stateCounts.add(now);
      this.appliedState.set(key, now);
    }
    this.dirty.clear();
    for (const [key, old] of [...this.appliedState]) {
      if (seen.has(key)) continue;
      this.stateCounts.sub(old);
      this.appliedState.delete(key);
    }
  }

  /** PGs each OSD is in the acting set of (the PGS column of `osd df`), from the reports. */
  pgsPerOsd(m: OSDMap): Map<number, number> {
    const n = new Map<number, number>();
    for (const { stat } of this.pgs(m)) for (const o of stat?.acting ?? []) n.set(o, (n.get(o) ?? 0) + 1);
    return n;
  }
}
