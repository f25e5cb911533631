/**
 * The monitor as the mgr modules see the cluster (@ts-ceph/mgr's MgrClusterView): health, the
 * monmap and quorum, OSDs with their boot metadata and statfs, pools with their PG states and
 * usage, the MgrMap, from the maps the monitor keeps and the mgr role's PGMap (OSD reports). Rates,
 * latencies and perf counters are still zero or empty (the PGMap keeps no deltas yet).
 */
import { getItemClass } from '@ts-ceph/crush';
import { addrvecLegacyStr, crushOf, exists, isIn, isUp, osdMapFlagSet, weightf, POOL_OPTS, OSDMap, statfsUsedRaw } from '@ts-ceph/maps';
import { PGMap, pgStateString } from '@ts-ceph/mgr/core';
import type { MgrClusterView, ViewHealth, ViewMon, ViewOsd, ViewPool, ViewDf, ViewMgr, ViewPerfCounter } from '@ts-ceph/mgr';
import type { Monitor } from './monitor';
import { healthName } from './core/health/health-check';
import { CEPH_VERSION_STRING } from './core/mon/cluster-view';
import { HOSTED_MGR_MODULES } from './core/mgr/mgr-monitor';
import { hostname } from 'node:os';

/** PerfCountersBuilder::PRIO_USEFUL: the lowest priority get_all_perf_counters returns by default. */
const PRIO_USEFUL = 5;
const PERFCOUNTER_HISTOGRAM = 0x10;
/** daemon_metric names (src/mgr/DaemonHealthMetric.h) by their u8 value. */
const DAEMON_METRIC_NAMES: readonly string[] = ['SLOW_OPS', 'PENDING_CREATING_PGS'];

const COMPRESSION_MODE_KEY = POOL_OPTS.find((o) => o.name === 'compression_mode')?.key ?? -1;

export class MonMgrView implements MgrClusterView {
  constructor(private readonly mon: Monitor) {}

  private now(): number {
    return this.mon.opts.clock.wallNow();
  }

  fsid(): string {
    return this.mon.fsid;
  }

  health(): ViewHealth {
    const now = this.now();
    const checks = new Map<string, { severity: string; summary: string; count: number; detail: string[] }>();
    for (const [code, c] of this.mon.health.allChecks(now)) checks.set(code, { severity: healthName(c.severity), summary: c.summary, count: c.count, detail: c.detail });
    return { status: healthName(this.mon.health.status(now)), checks };
  }

  mons(): ViewMon[] {
    const mm = this.mon.monmap.monmap;
    return mm.ranks.map((name, rank) => ({
      name,
      rank,
      publicAddr: addrvecLegacyStr(mm.monInfo.get(name)?.publicAddrs ?? []),
      // One monitor: the quorum is this mon alone.
      inQuorum: name === this.mon.opts.name,
      hostname: name === this.mon.opts.name ? hostname() : '',
      cephVersion: name === this.mon.opts.name ? CEPH_VERSION_STRING : '',
    }));
  }

  osds(): ViewOsd[] {
    const m = this.mon.osd.osdmap;
    const cw = crushOf(m);
    const pgsPerOsd = this.mon.mgrCore.pgmap.pgsPerOsd(m);
    const out: ViewOsd[] = [];
    for (let i = 0; i < m.maxOsd; i++) {
      if (!exists(m, i)) continue;
      const pub = m.osdAddrs.client[i] ?? [];
      const cl = m.osdAddrs.cluster[i] ?? [];
      const st = this.mon.mgrCore.pgmap.osdStat.get(i)?.statfs;
      const perf = this.mon.mgrCore.pgmap.osdStat.get(i)?.osPerfStat;
      out.push({
        id: i,
        up: isUp(m, i),
        in: isIn(m, i),
        weight: weightf(m, i),
        publicAddr: pub.length ? addrvecLegacyStr(pub) : '-',
        clusterAddr: cl.length ? addrvecLegacyStr(cl) : '-',
        deviceClass: cw.nameMap.has(i) ? (getItemClass(cw, i) ?? '') : undefined,
        metadata: this.mon.osd.osdMetadata(i),
        statBytes: st?.total ?? 0,
        statBytesUsed: st ? statfsUsedRaw(st) : 0,
        numPg: pgsPerOsd.get(i) ?? 0,
        // objectstore_perf_stat_t dumps its nanoseconds as whole milliseconds.
        applyLatencyMs: Number((perf?.applyLatencyNs ?? 0n) / 1_000_000n),
        commitLatencyMs: Number((perf?.commitLatencyNs ?? 0n) / 1_000_000n),
      });
    }
    return out;
  }

  osdFlags(): string[] {
    return osdMapFlagSet(this.mon.osd.osdmap.flags);
  }

  pools(): ViewPool[] {
    const m = this.mon.osd.osdmap;
    const byPool = poolStates(this.mon.mgrCore.pgmap, m);
    const sum = this.mon.mgrCore.pgmap.summary(m);
    const out: ViewPool[] = [];
    for (const [id, p] of m.pools) {
      const b = byPool.get(id);
      const profile = p.type === 3 ? m.erasureCodeProfiles.get(p.erasureCodeProfile) : undefined;
      const mode = p.opts.get(COMPRESSION_MODE_KEY);
      const stored = b?.numBytes ?? 0;
      const used = stored * Math.max(1, p.size);
      const maxAvail = Math.floor(sum.bytesAvail / Math.max(1, p.size));
      out.push({
        id,
        name: m.poolName.get(id) ?? '',
        type: p.type,
        size: p.size,
        ecKM: profile && profile.has('k') && profile.has('m') ? `${profile.get('k')}+${profile.get('m')}` : undefined,
        compressionMode: mode && mode.type === 0 ? mode.v : 'none',
        pgNum: p.pgNum,
        stats: {
          maxAvail,
          availRaw: sum.bytesAvail,
          stored,
          storedRaw: used,
          objects: b?.numObjects ?? 0,
          dirty: 0,
          quotaBytes: Number(p.quotaMaxBytes),
          quotaObjects: Number(p.quotaMaxObjects),
          rd: 0,
          rdBytes: 0,
          wr: 0,
          wrBytes: 0,
          compressBytesUsed: 0,
          compressUnderBytes: 0,
          bytesUsed: used,
          // PGMap::dump_object_stat_sum: used / (used + avail), a fraction.
          percentUsed: used + sum.bytesAvail > 0 ? Math.fround(used / (used + sum.bytesAvail)) : 0,
          objectsRepaired: 0,
        },
        pgStates: b?.states ?? new Map(),
        recoveryRate: new Map(),
      });
    }
    return out;
  }

  df(): ViewDf {
    const s = this.mon.mgrCore.pgmap.summary(this.mon.osd.osdmap);
    return { totalBytes: s.bytesTotal, totalUsedBytes: s.bytesUsed, totalUsedRawBytes: s.bytesUsed };
  }

  mgr(): ViewMgr {
    const m = this.mon.mgr.mgrmap;
    const available = new Map(m.availableModules.map((x) => [x.name, x.canRun]));
    for (const x of HOSTED_MGR_MODULES) if (!available.has(x)) available.set(x, true);
    return {
      // This process hosts the mgr role: until the MgrMap names an active mgr, it is us.
      activeName: m.activeName || this.mon.opts.name,
      activeHost: hostname(),
      activeVersion: CEPH_VERSION_STRING,
      standbys: [...m.standbys.values()].map((s) => s.name),
      modules: m.modules,
      alwaysOn: m.alwaysOnModules.get(16) ?? [],
      available,
    };
  }

  numObjects(): { degraded: number; misplaced: number; unfound: number } {
    return { degraded: 0, misplaced: 0, unfound: 0 };
  }

  /**
   * get_all_perf_counters(prio_limit=PRIO_USEFUL): each reporting daemon's counters at priority 5
   * or more, histograms left out; a long-running average gives its sum and avgcount.
   */
  perfCounters(): Map<string, Map<string, ViewPerfCounter>> {
    const out = new Map<string, Map<string, ViewPerfCounter>>();
    for (const d of [...this.mon.mgrCore.daemons.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      const counters = new Map<string, ViewPerfCounter>();
      for (const [path, t] of [...d.perf.types].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const v = d.perf.values.get(path);
        if (!v || t.priority < PRIO_USEFUL || t.type & PERFCOUNTER_HISTOGRAM) continue;
        counters.set(path, { type: t.type, description: t.description, value: Number(v[0] ?? 0n), count: Number(v[1] ?? 0n) });
      }
      if (counters.size) out.set(d.key, counters);
    }
    return out;
  }

  /** get_daemon_health_metrics: each daemon's metrics by daemon_metric name, n1 as the value. */
  daemonHealthMetrics(): Map<string, { type: string; value: number }[]> {
    const out = new Map<string, { type: string; value: number }[]>();
    for (const d of this.mon.mgrCore.daemons.values()) {
      const ms = d.healthMetrics.filter((h) => DAEMON_METRIC_NAMES[h.type] !== undefined).map((h) => ({ type: DAEMON_METRIC_NAMES[h.type]!, value: Number(h.value & 0xffffffffn) }));
      if (ms.length) out.set(d.key, ms);
    }
    return out;
  }
}

/** Per pool: PGs by state name, objects and bytes (pg_summary's by_pool and the pool stat sums). */
function poolStates(pm: PGMap, m: OSDMap): Map<number, { states: Map<string, number>; numObjects: number; numBytes: number }> {
  const out = new Map<number, { states: Map<string, number>; numObjects: number; numBytes: number }>();
  for (const id of m.pools.keys()) out.set(id, { states: new Map(), numObjects: 0, numBytes: 0 });
  for (const { pgid, stat } of pm.pgs(m)) {
    const p = out.get(pgid.pool);
    if (!p) continue;
    const name = stat ? pgStateString(stat.state) : 'unknown';
    p.states.set(name, (p.states.get(name) ?? 0) + 1);
    p.numObjects += stat?.stats.sum.num_objects ?? 0;
    p.numBytes += stat?.stats.sum.num_bytes ?? 0;
  }
  return out;
}
