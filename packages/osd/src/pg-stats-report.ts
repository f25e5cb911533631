/**
 * What ts-osd tells the mgr about its PGs and itself (OSD::collect_pg_stats + OSDService's
 * osd_stat_t, sent as MPGStats): a pg_stat_t for each PG it is primary of (pools of size 1, so an
 * existing PG is active+clean), object and byte counts from the PG's collection (recounted only
 * when the PG's last_update moved, from its log entries when it can: pg-stats-count.ts), and the store's statfs as osd_stat_t and per-pool usage.
 */
import { ObjectStore } from '@ts-ceph/objectstore';
import { UTime, Uuid } from '@ts-ceph/denc';
import { OSDMap, ObjectStatSumT, PgT, PgStatT, OsdStatT, StoreStatfsT, newPgStat, newOsdStat, newStoreStatfs, pgKey, HbInterfaces } from '@ts-ceph/maps';
import type { MPGStats } from '@ts-ceph/messages';
import { PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import { PG } from './core/pg';
import { Counted, PgObjectCounter } from './pg-stats-count';
import type { PeeringPG, ScrubState } from './core/peering';
import { CalcStatsInput, calcStatsInputOf, updateCalcStats } from './core/peering/calc-stats';
import { PgIoStats } from './core/pg-io-stats';
import { upActingOf } from './pg-mappings';

/** PG_STATE_ACTIVE | PG_STATE_CLEAN (src/osd/osd_types.h). */
const ACTIVE = 1n << 1n;
const ACTIVE_CLEAN = ACTIVE | (1n << 2n);
/** PG_STATE_DEGRADED, PG_STATE_UNDERSIZED, PG_STATE_PEERED (src/osd/osd_types.h). */
const DEGRADED = 1n << 10n;
const UNDERSIZED = 1n << 23n;
const PEERED = 1n << 25n;

export interface PgStatsSource {
  id: number;
  store: ObjectStore;
  pgs: ReadonlyMap<string, PG>;
  /** The PG's state bits as its replicated core has them (pg_stat_t::state); undefined: not known. */
  pgState?: (key: string) => bigint | undefined;
  /** The PG's peering core: its missing sets and backfill targets for the object copy counts. */
  core?: (key: string) => PeeringPG | undefined;
  /** The PG's scrubber (core/peering/scrub.ts): its stamps and error counts; undefined: none yet. */
  scrubState?: (key: string) => ScrubState | undefined;
  /** Client reads and writes per PG (num_rd, num_rd_kb, num_wr, num_wr_kb). */
  pgIo?: PgIoStats;
  /** Our heartbeat peers and the ping times to them (osd_stat_t's hb_peers and hb_pingtime). */
  heartbeat?: () => { peers: number[]; pingtimes: [number, HbInterfaces][] };
}

export class PgStatsReporter {
  private readonly counter: PgObjectCounter;
  /** When each PG was first reported active (its last_change and last_became_active). */
  private readonly activeSince = new Map<string, UTime>();
  private reports = 0n;

  constructor(private readonly src: PgStatsSource) {
    this.counter = new PgObjectCounter(src.store);
  }

  /** Object, clone and byte counts of one PG (pg-stats-count.ts: from its log since the last count). */
  private count(pg: PG, m: OSDMap): Promise<Counted> {
    const key = pgKey(pg.pgid);
    const state = this.src.pgState?.(key);
    const core = this.src.core?.(key);
    return this.counter.count(key, pg, { clean: state === undefined || state === ACTIVE_CLEAN, snaps: (m.pools.get(pg.pgid.pool)?.snapSeq ?? 0) > 0, missing: core?.isPrimary ? core.ownMissing : undefined });
  }

  private pgStat(pgid: PgT, pg: PG, c: Counted, m: OSDMap, now: UTime): PgStatT {
    const key = pgKey(pgid);
    const since = this.activeSince.get(key) ?? now;
    this.activeSince.set(key, since);
    const map = upActingOf(m, pgid);
    const s = newPgStat();
    s.version = pg.info.lastUpdate;
    s.reportedSeq = this.reports;
    s.reportedEpoch = m.epoch;
    s.state = this.src.pgState?.(key) ?? ACTIVE_CLEAN;
    const sum: ObjectStatSumT = { ...c.sum, ...this.src.pgIo?.get(key) };
    copyCounts(sum, this.calcInput(key, map, m.pools.get(pgid.pool)?.size ?? 1, sum.num_objects ?? 0, s.state));
    // prepare_stats_for_publish: the PG is degraded exactly when some copy of an object is.
    s.state = sum.num_objects_degraded ? s.state | DEGRADED : s.state & ~DEGRADED;
    // The last_* stamps say when the PG was last seen in that condition: now, when it is in it.
    s.lastFresh = now;
    s.lastUnstale = now;
    if (s.state & ACTIVE) s.lastActive = now;
    if (s.state & (ACTIVE | PEERED)) s.lastPeered = now;
    if ((s.state & ACTIVE_CLEAN) === ACTIVE_CLEAN) s.lastClean = now;
    if (!(s.state & DEGRADED)) s.lastUndegraded = now;
    if (!(s.state & UNDERSIZED)) s.lastFullsized = now;
    s.lastChange = since;
    s.lastBecameActive = since;
    s.lastBecamePeered = since;
    s.logStart = pg.info.logTail;
    s.ondiskLogStart = pg.info.logTail;
    s.created = pg.info.epochCreated;
    s.lastEpochClean = m.epoch;
    s.lastScrubStamp = since;
    s.lastDeepScrubStamp = since;
    s.lastCleanScrubStamp = since;
    s.stats = { sum };
    const sc = this.src.scrubState?.(key);
    if (sc) scrubStats(s, sc);
    s.logSize = pg.entries.length;
    s.ondiskLogSize = pg.entries.length;
    s.up = map.up;
    s.acting = map.acting;
    s.upPrimary = map.upPrimary;
    s.actingPrimary = map.actingPrimary;
    s.mappingEpoch = m.epoch;
    return s;
  }

  /** What update_calc_stats reads: from the PG's peering core, or (none) every copy taken as complete. */
  private calcInput(key: string, map: { up: number[]; acting: number[] }, size: number, numObjects: number, state: bigint): CalcStatsInput {
    const core = this.src.core?.(key);
    const fromCore = core && calcStatsInputOf(core, numObjects, state);
    if (fromCore) return fromCore;
    const peers = [...new Set([...map.up, ...map.acting])].filter((o) => o !== this.src.id).map((osd) => ({ osd, missing: 0, numObjects }));
    return { size, up: map.up, acting: map.acting, primary: this.src.id, numObjects, state, primaryMissing: 0, peers, backfillTargets: new Set(), missingLocs: [], unfound: 0 };
  }

  /** The pg_stat_t of one PG as the next report would have it. */
  async statOf(pg: PG, m: OSDMap, now: UTime): Promise<PgStatT> {
    return this.pgStat(pg.pgid, pg, await this.count(pg, m), m, now);
  }

  /** One MPGStats: the PGs we are acting primary of in `m`, our statfs, per-pool usage. */
  async build(fsid: Uuid, m: OSDMap, upFrom: number, now: UTime): Promise<MPGStats> {
    this.reports++;
    const pgStat: [PgT, PgStatT][] = [];
    const pools = new Map<number, StoreStatfsT>();
    for (const pg of this.src.pgs.values()) {
      const pool = m.pools.get(pg.pgid.pool);
      if (!pool || pg.pgid.seed >= pool.pgNum || upActingOf(m, pg.pgid).actingPrimary !== this.src.id) continue;
      const c = await this.count(pg, m);
      pgStat.push([pg.pgid, this.pgStat(pg.pgid, pg, c, m, now)]);
      let ps = pools.get(pg.pgid.pool);
      if (!ps) pools.set(pg.pgid.pool, (ps = newStoreStatfs()));
      ps.data_stored += c.sum.num_bytes ?? 0;
      ps.allocated += c.allocated;
    }
    pgStat.sort((a, b) => a[0].pool - b[0].pool || a[0].seed - b[0].seed);
    return { paxos: PAXOS_HEAD_DEFAULT, fsid, osdStat: await this.osdStat(upFrom), pgStat, epoch: m.epoch, poolStat: [...pools].sort((a, b) => a[0] - b[0]) };
  }

  private async osdStat(upFrom: number): Promise<OsdStatT> {
    const fs = await this.src.store.statfs();
    const s = newOsdStat();
    s.statfs = { ...newStoreStatfs(), total: fs.total, available: fs.available, allocated: fs.allocated, data_stored: fs.stored, omap_allocated: fs.omapAllocated, internal_metadata: fs.internalMetadata };
    s.upFrom = upFrom;
    s.seq = (BigInt(upFrom) << 32n) + this.reports;
    s.numPgs = this.src.pgs.size;
    const hb = this.src.heartbeat?.();
    if (hb) {
      s.hbPeers = [...hb.peers].sort((a, b) => a - b);
      s.hbPingtime = hb.pingtimes;
    }
    s.numOsds = 1;
    s.numPerPoolOsds = 1;
    s.numPerPoolOmapOsds = 1;
    return s;
  }
}

/** update_calc_stats' counts into the PG's stat sum. */
function copyCounts(sum: ObjectStatSumT, input: CalcStatsInput): void {
  const r = updateCalcStats(input);
  sum.num_object_copies = r.copies;
  sum.num_objects_degraded = r.degraded;
  sum.num_objects_misplaced = r.misplaced;
  sum.num_objects_missing_on_primary = r.missingOnPrimary;
  sum.num_objects_unfound = r.unfound;
}

const utimeOf = (sec: number): UTime => ({ sec: Math.floor(sec), nsec: Math.floor((sec % 1) * 1e9) });

/**
 * The scrubber's part of pg_stat_t: last_scrub / last_deep_scrub (the PG's last_update when they
 * began), their stamps and last_clean_scrub_stamp (left at the PG's first report until it is
 * scrubbed), and num_scrub_errors split into shallow and deep (what OSD_SCRUB_ERRORS sums).
 */
function scrubStats(s: PgStatT, sc: ScrubState): void {
  s.lastScrub = { ...sc.lastScrub };
  s.lastDeepScrub = { ...sc.lastDeepScrub };
  if (sc.lastScrubStamp) s.lastScrubStamp = utimeOf(sc.lastScrubStamp);
  if (sc.lastDeepScrubStamp) s.lastDeepScrubStamp = utimeOf(sc.lastDeepScrubStamp);
  if (sc.lastCleanScrubStamp) s.lastCleanScrubStamp = utimeOf(sc.lastCleanScrubStamp);
  const sum = s.stats.sum;
  sum.num_scrub_errors = sc.numScrubErrors;
  sum.num_deep_scrub_errors = sc.numDeepScrubErrors;
  sum.num_shallow_scrub_errors = sc.numScrubErrors - sc.numDeepScrubErrors;
}
