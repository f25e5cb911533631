/**
 * JSON dumps of the PG map (pg_stat_t::dump, osd_stat_t::dump, pool_stat_t::dump and
 * PGMap::dump_basic in src/osd/osd_types.cc and src/mon/PGMap.cc): `ceph pg dump -f json` and
 * friends, with Ceph's keys in Ceph's order.
 */
import { Formatter, OSDMap, PgT, PgStatT, OsdStatT, newOsdStat, StoreStatfsT, STATFS_FIELDS, dumpObjectStatSum, dumpPgStatT, formatPg, utimeLocal, ObjectStatSumT, newStoreStatfs, statfsUsedRaw } from '@ts-ceph/maps';
import { utimeFromMs } from '@ts-ceph/denc';
import { PGMap, addStatSum } from './pg-map';
import { pgStateString } from './pg-state';

const ints = (f: Formatter, name: string, v: readonly number[], item = 'osd'): void => {
  f.openArray(name);
  for (const x of v) f.dumpInt(item, x);
  f.close();
};


export function dumpStatfs(f: Formatter, s: StoreStatfsT): void {
  for (const n of STATFS_FIELDS) f.dumpInt(n, s[n]);
}

/** pg_stat_t::dump, preceded by the pgid as PGMap::dump_pg_stats writes it. */
export function dumpPgStat(f: Formatter, pgid: PgT, s: PgStatT): void {
  f.dumpString('pgid', formatPg(pgid));
  dumpPgStatT(f, s, pgStateString(s.state));
}

/** osd_stat_t::dump (with "osd" first, as PGMap::dump_osd_stats writes each entry). */
export function dumpOsdStat(f: Formatter, s: OsdStatT, osd?: number): void {
  const kb = (n: number) => Math.floor(n / 1024);
  if (osd !== undefined) f.dumpInt('osd', osd);
  f.dumpUnsigned('up_from', s.upFrom);
  f.dumpUnsigned('seq', s.seq);
  f.dumpUnsigned('num_pgs', s.numPgs);
  f.dumpUnsigned('num_osds', s.numOsds);
  f.dumpUnsigned('num_per_pool_osds', s.numPerPoolOsds);
  f.dumpUnsigned('num_per_pool_omap_osds', s.numPerPoolOmapOsds);
  f.dumpUnsigned('kb', kb(s.statfs.total));
  f.dumpUnsigned('kb_used', kb(statfsUsedRaw(s.statfs)));
  f.dumpUnsigned('kb_used_data', kb(s.statfs.allocated));
  f.dumpUnsigned('kb_used_omap', kb(s.statfs.omap_allocated));
  f.dumpUnsigned('kb_used_meta', kb(s.statfs.internal_metadata));
  f.dumpUnsigned('kb_avail', kb(s.statfs.available));
  f.openObject('statfs');
  dumpStatfs(f, s.statfs);
  f.close();
  ints(f, 'hb_peers', s.hbPeers);
  f.dumpInt('snap_trim_queue_len', s.snapTrimQueueLen);
  f.dumpInt('num_snap_trimming', s.numSnapTrimming);
  f.dumpUnsigned('num_shards_repaired', s.numShardsRepaired);
  f.openObject('op_queue_age_hist');
  ints(f, 'histogram', s.opQueueAgeHist, 'count');
  f.dumpInt('upper_bound', 2 ** s.opQueueAgeHist.length);
  f.close();
  const ms = (ns: bigint) => Number(ns / 1_000_000n);
  f.openObject('perf_stat');
  f.dumpUnsigned('commit_latency_ms', ms(s.osPerfStat.commitLatencyNs));
  f.dumpUnsigned('apply_latency_ms', ms(s.osPerfStat.applyLatencyNs));
  f.dumpUnsigned('commit_latency_ns', s.osPerfStat.commitLatencyNs);
  f.dumpUnsigned('apply_latency_ns', s.osPerfStat.applyLatencyNs);
  f.close();
  f.openArray('alerts');
  f.close();
  f.openArray('network_ping_times');
  f.close();
}

/** pool_stat_t::dump body. */
function dumpPoolStat(f: Formatter, sum: ObjectStatSumT, statfs: StoreStatfsT, logSize: number, ondiskLogSize: number, up: number, numStoreStats: number): void {
  f.openObject('stat_sum');
  dumpObjectStatSum(f, sum);
  f.close();
  f.openObject('store_stats');
  dumpStatfs(f, statfs);
  f.close();
  f.dumpInt('log_size', logSize);
  f.dumpInt('ondisk_log_size', ondiskLogSize);
  f.dumpInt('up', up);
  f.dumpInt('acting', up);
  f.dumpInt('num_store_stats', numStoreStats);
}

export function dumpPgStats(f: Formatter, pm: PGMap, m: OSDMap, brief: boolean): void {
  f.openArray('pg_stats');
  for (const { pgid, stat } of pm.pgs(m)) {
    if (!stat) continue;
    f.openObject('pg_stat');
    if (brief) {
      f.dumpString('pgid', formatPg(pgid));
      f.dumpString('state', pgStateString(stat.state));
      ints(f, 'up', stat.up);
      f.dumpInt('up_primary', stat.upPrimary);
      ints(f, 'acting', stat.acting);
      f.dumpInt('acting_primary', stat.actingPrimary);
    } else dumpPgStat(f, pgid, stat);
    f.close();
  }
  f.close();
}

export function dumpPoolStats(f: Formatter, pm: PGMap, m: OSDMap): void {
  f.openArray('pool_stats');
  for (const id of [...m.pools.keys()].sort((a, b) => a - b)) {
    const s = pm.poolSum(m, id);
    const size = m.pools.get(id)!.size;
    f.openObject('pool_stat');
    f.dumpInt('poolid', id);
    f.dumpInt('num_pg', s.numPg);
    dumpPoolStat(f, s.sum, s.statfs, s.logSize, s.ondiskLogSize, s.numPg * size, 0);
    f.close();
  }
  f.close();
}

export function dumpOsdStats(f: Formatter, pm: PGMap): void {
  f.openArray('osd_stats');
  for (const [osd, s] of [...pm.osdStat].sort((a, b) => a[0] - b[0])) {
    f.openObject('osd_stat');
    dumpOsdStat(f, s, osd);
    f.close();
  }
  f.close();
}

/** PGMap::dump_basic: the `pg_map` object of `ceph pg dump -f json`. */
export function dumpPgMap(f: Formatter, pm: PGMap, m: OSDMap, now: number): void {
  f.openObject('pg_map');
  f.dumpInt('version', pm.version);
  f.dumpStream('stamp', utimeLocal(utimeFromMs(pm.stamp || now)));
  f.dumpUnsigned('last_osdmap_epoch', 0);
  f.dumpUnsigned('last_pg_scan', 0);
  const sum: ObjectStatSumT = {};
  let logSize = 0;
  let ondisk = 0;
  let up = 0;
  for (const { stat } of pm.pgs(m)) {
    if (!stat) continue;
    addStatSum(sum, stat.stats.sum);
    logSize += stat.logSize;
    ondisk += stat.ondiskLogSize;
    up += stat.up.length;
  }
  f.openObject('pg_stats_sum');
  dumpPoolStat(f, sum, newStoreStatfs(), logSize, ondisk, up, 0);
  f.close();
  const os = pm.osdSum(m);
  // osd_sum: the OSDs' stats added up (osd_stat_t::add), up_from and seq left zero.
  const osdSum: OsdStatT = { ...newOsdStat(), statfs: os.statfs, numOsds: os.numOsds, numPerPoolOsds: os.numOsds, numPerPoolOmapOsds: os.numOsds, numPgs: [...pm.osdStat.values()].reduce((a, s) => a + s.numPgs, 0) };
  f.openObject('osd_stats_sum');
  dumpOsdStat(f, osdSum);
  f.close();
  f.openObject('pg_stats_delta');
  dumpPoolStat(f, pm.poolSum(m, -1).sum, newStoreStatfs(), 0, 0, 0, 0);
  f.dumpString('stamp_delta', '0.000000');
  f.close();
  dumpPgStats(f, pm, m, false);
  dumpPoolStats(f, pm, m);
  dumpOsdStats(f, pm);
  f.openArray('pool_statfs');
  f.close();
  f.close();
}
