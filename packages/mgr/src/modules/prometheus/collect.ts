/**
 * Module.collect of Ceph's prometheus module (src/pybind/mgr/prometheus/module.py): one scrape
 * builds a fresh registry from the cluster view, family by family, in the module's order. The
 * only state kept between scrapes is the health history, so a check that cleared stays exported
 * as ceph_health_detail{...} 0 (HealthHistory; Ceph keeps it in the mgr store, we keep it for the
 * life of the process).
 */
import { Registry } from 'prom-client';
import type { MgrClusterView, ViewOsd } from '../cluster-view';
import { CephMetric, CephMetricType, promethize } from './metric';
import * as N from './names';

interface HealthEvent {
  severity: string;
  active: boolean;
}

/** A metric family under construction: `m(name)` creates it on first use. */
class Families {
  readonly registry = new Registry();
  private readonly byPath = new Map<string, CephMetric>();

  def(type: CephMetricType, path: string, help: string, labels: readonly string[] = []): CephMetric {
    const m = new CephMetric(type, promethize(path), help, labels, this.registry);
    this.byPath.set(path, m);
    return m;
  }

  m(path: string): CephMetric {
    const m = this.byPath.get(path);
    if (!m) throw new Error(`metric ${path} is not defined`);
    return m;
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }
}

/** _setup_static_metrics, in the module's order. */
function staticFamilies(): Families {
  const f = new Families();
  f.def('untyped', 'health_status', 'Cluster health status');
  f.def('gauge', 'mon_quorum_status', 'Monitors in quorum', ['ceph_daemon']);
  f.def('untyped', 'mon_metadata', 'MON Metadata', N.MON_METADATA);
  f.def('gauge', 'mgr_metadata', 'MGR metadata', N.MGR_METADATA);
  f.def('gauge', 'mgr_status', 'MGR status (0=standby, 1=active)', ['ceph_daemon']);
  f.def('gauge', 'mgr_module_status', 'MGR module status (0=disabled, 1=enabled, 2=auto-enabled)', ['name']);
  f.def('gauge', 'mgr_module_can_run', 'MGR module runnable state i.e. can it run (0=no, 1=yes)', ['name']);
  f.def('untyped', 'osd_metadata', 'OSD Metadata', N.OSD_METADATA);
  f.def('untyped', 'disk_occupation', 'Associate Ceph daemon with disk used', N.DISK_OCCUPATION);
  // Metric.group_by rebuilds this family from disk_occupation: its help and type, and only the
  // grouping labels (device, instance) and the joined one (ceph_daemon).
  f.def('untyped', 'disk_occupation_human', 'Associate Ceph daemon with disk used', ['ceph_daemon', 'device', 'instance']);
  f.def('untyped', 'pool_metadata', 'POOL Metadata', N.POOL_METADATA);
  f.def('gauge', 'pg_total', 'PG Total Count per Pool', ['pool_id']);
  f.def('gauge', 'health_detail', 'healthcheck status by type (0=inactive, 1=active)', N.HEALTHCHECK_DETAIL);
  // get_pool_repaired_objects replaces the static family (label pool_id, never set) by one labelled
  // `poolid` with " Count" in its help: the samples Ceph exports are those.
  f.def('counter', 'pool_objects_repaired', 'Number of objects repaired in a pool Count', ['poolid']);
  f.def('gauge', 'daemon_health_metrics', 'Health metrics for Ceph daemons', ['type', 'ceph_daemon']);
  for (const flag of N.OSD_FLAGS) f.def('untyped', `osd_flag_${flag}`, `OSD Flag ${flag}`);
  for (const s of N.OSD_STATUS) f.def('untyped', `osd_${s}`, `OSD status ${s}`, ['ceph_daemon']);
  for (const s of N.OSD_STATS) f.def('gauge', `osd_${s}`, `OSD stat ${s}`, ['ceph_daemon']);
  for (const s of N.OSD_POOL_STATS) f.def('gauge', `pool_${s}`, `OSD pool stats: ${s}`, ['pool_id']);
  for (const s of N.PG_STATES) f.def('gauge', `pg_${s}`, `PG ${s} per pool`, ['pool_id']);
  for (const s of N.DF_CLUSTER) f.def('gauge', `cluster_${s}`, `DF ${s}`);
  for (const s of N.DF_POOL) f.def(N.DF_POOL_COUNTERS.has(s) ? 'counter' : 'gauge', `pool_${s}`, `DF pool ${s}`, ['pool_id']);
  for (const s of N.NUM_OBJECTS) f.def('gauge', `num_objects_${s}`, `Number of ${s} objects`);
  for (const [name, desc] of N.HEALTH_CHECKS) f.def('gauge', `healthcheck_${name.toLowerCase()}`, desc);
  return f;
}

export class PrometheusCollector {
  private readonly history = new Map<string, HealthEvent>();

  /** One scrape: the text exposition of every family, plus `extra` registries (process metrics). */
  async collect(view: MgrClusterView, extra: Registry[] = []): Promise<string> {
    const f = staticFamilies();
    this.health(view, f);
    df(view, f);
    poolStats(view, f);
    osdStats(view, f);
    quorum(view, f);
    mgrStatus(view, f);
    osdMetadataAndStatus(view, f);
    pgStatus(view, f);
    numObjects(view, f);
    for (const [daemon, ms] of view.daemonHealthMetrics()) for (const h of ms) f.m('daemon_health_metrics').put(h.value, [h.type, daemon]);
    perfCounters(view, f);
    return Registry.merge([f.registry, ...extra]).metrics();
  }

  /** get_health + HealthHistory.check */
  private health(view: MgrClusterView, f: Families): void {
    const h = view.health();
    f.m('health_status').put(N.healthStatusNumber(h.status));
    for (const [name] of N.HEALTH_CHECKS) {
      const c = h.checks.get(name);
      // "42 slow ops, oldest one blocked for 12 sec, ...": the first word is the count.
      const first = c ? (c.summary.split(' ')[0] ?? '') : '0';
      if (/^\d+$/.test(first)) f.m(`healthcheck_${name.toLowerCase()}`).put(Number(first));
    }
    for (const [name, e] of this.history) if (e.active && !h.checks.has(name)) e.active = false;
    for (const [name, c] of h.checks) {
      const e = this.history.get(name);
      if (!e) this.history.set(name, { severity: c.severity, active: true });
      else e.active = true;
    }
    for (const [name, e] of this.history) f.m('health_detail').put(e.active ? 1 : 0, [name, e.severity]);
  }
}

function df(view: MgrClusterView, f: Families): void {
  const d = view.df();
  f.m('cluster_total_bytes').put(d.totalBytes);
  f.m('cluster_total_used_bytes').put(d.totalUsedBytes);
  f.m('cluster_total_used_raw_bytes').put(d.totalUsedRawBytes);
  for (const p of view.pools()) {
    const s = p.stats;
    const vals: Record<(typeof N.DF_POOL)[number], number> = {
      max_avail: s.maxAvail, avail_raw: s.availRaw, stored: s.stored, stored_raw: s.storedRaw, objects: s.objects, dirty: s.dirty,
      quota_bytes: s.quotaBytes, quota_objects: s.quotaObjects, rd: s.rd, rd_bytes: s.rdBytes, wr: s.wr, wr_bytes: s.wrBytes,
      compress_bytes_used: s.compressBytesUsed, compress_under_bytes: s.compressUnderBytes, bytes_used: s.bytesUsed, percent_used: s.percentUsed,
    };
    for (const k of N.DF_POOL) f.m(`pool_${k}`).put(vals[k], [p.id]);
    f.m('pool_objects_repaired').put(s.objectsRepaired, [p.id]);
  }
}

/** get_pool_stats: recovery rates per pool, 0 when idle. */
function poolStats(view: MgrClusterView, f: Families): void {
  for (const p of view.pools()) for (const s of N.OSD_POOL_STATS) f.m(`pool_${s}`).put(p.recoveryRate.get(s) ?? 0, [p.id]);
}

function osdStats(view: MgrClusterView, f: Families): void {
  for (const o of view.osds()) {
    if (!o.metadata) continue;
    f.m('osd_apply_latency_ms').put(o.applyLatencyMs, [`osd.${o.id}`]);
    f.m('osd_commit_latency_ms').put(o.commitLatencyMs, [`osd.${o.id}`]);
  }
}

function quorum(view: MgrClusterView, f: Families): void {
  for (const m of view.mons()) {
    f.m('mon_metadata').put(1, [`mon.${m.name}`, m.hostname, m.publicAddr.slice(0, m.publicAddr.lastIndexOf(':')), m.rank, m.cephVersion]);
    f.m('mon_quorum_status').put(m.inQuorum ? 1 : 0, [`mon.${m.name}`]);
  }
}

function mgrStatus(view: MgrClusterView, f: Families): void {
  const m = view.mgr();
  for (const name of [...m.standbys, m.activeName].filter(Boolean)) {
    const host = name === m.activeName ? m.activeHost : '';
    const version = name === m.activeName ? m.activeVersion : '';
    f.m('mgr_metadata').put(1, [`mgr.${name}`, host, version]);
    f.m('mgr_status').put(name === m.activeName ? 1 : 0, [`mgr.${name}`]);
  }
  for (const [name, canRun] of m.available) {
    const state = m.alwaysOn.includes(name) ? 2 : m.modules.includes(name) ? 1 : 0;
    f.m('mgr_module_status').put(state, [name]);
    f.m('mgr_module_can_run').put(canRun ? 1 : 0, [name]);
  }
}

/** The device node the OSD's metadata names for its object store (None for unknown stores). */
function devNodes(md: Map<string, string>): { dev: string | undefined; db: string; wal: string } {
  const store = md.get('osd_objectstore') ?? '';
  let dev: string | undefined;
  let db = '';
  let wal = '';
  if (store === 'filestore') {
    dev = md.get('backend_filestore_dev_node');
    wal = md.get('osd_journal') ?? '';
  } else if (store === 'bluestore') {
    dev = md.get('bluestore_bdev_dev_node');
    wal = md.get('bluefs_wal_dev_node') ?? '';
    db = md.get('bluefs_db_dev_node') ?? '';
  } else if (store === 'tsstore') {
    // ts-osd's native store reports its block device the way BlueStore does, under its own name.
    dev = md.get('tsstore_bdev_dev_node');
  }
  return { dev: dev === 'unknown' ? undefined : dev, db, wal };
}

function osdMetadataAndStatus(view: MgrClusterView, f: Families): void {
  const flags = view.osdFlags();
  for (const flag of N.OSD_FLAGS) f.m(`osd_flag_${flag}`).put(flags.includes(flag) ? 1 : 0);
  const occupation: [string, string, string, string, string, string, string][] = [];
  for (const o of view.osds()) {
    const row = osdRow(o);
    if (!row) continue;
    f.m('osd_metadata').put(1, row.metadata);
    f.m('osd_weight').put(o.weight, [`osd.${o.id}`]);
    f.m('osd_up').put(o.up ? 1 : 0, [`osd.${o.id}`]);
    f.m('osd_in').put(o.in ? 1 : 0, [`osd.${o.id}`]);
    if (row.occupation) {
      f.m('disk_occupation').put(1, row.occupation);
      occupation.push(row.occupation);
    }
  }
  // disk_occupation_human: grouped by (device, instance), the daemons joined with ", ".
  const groups = new Map<string, [string, string, string]>();
  for (const r of occupation) {
    const key = `${r[1]}\0${r[4]}`;
    const g = groups.get(key);
    if (g) g[0] = `${g[0]}, ${r[0]}`;
    else groups.set(key, [r[0], r[1], r[4]]);
  }
  for (const g of groups.values()) f.m('disk_occupation_human').put(1, g);
  for (const p of view.pools()) {
    const type = p.type === 1 ? 'replicated' : p.type === 3 ? 'erasure' : 'unknown';
    const desc = p.type === 1 ? `replica:${p.size}` : p.type === 3 ? (p.ecKM ? `ec:${p.ecKM}` : 'ec:unknown') : 'unknown';
    f.m('pool_metadata').put(1, [p.id, p.name, type, desc, p.compressionMode || 'none']);
  }
}

/** The labels of one OSD, or undefined where the module skips it (no address, not in CRUSH, no metadata). */
function osdRow(o: ViewOsd): { metadata: string[]; occupation: [string, string, string, string, string, string, string] | undefined } | undefined {
  const pAddr = o.publicAddr.slice(0, Math.max(0, o.publicAddr.lastIndexOf(':'))) || o.publicAddr;
  const cAddr = o.clusterAddr.slice(0, Math.max(0, o.clusterAddr.lastIndexOf(':'))) || o.clusterAddr;
  if (pAddr === '-' || cAddr === '-' || o.deviceClass === undefined || !o.metadata) return undefined;
  const md = o.metadata;
  const host = md.get('hostname') ?? '';
  const metadata = [md.get('back_iface') ?? '', `osd.${o.id}`, cAddr, o.deviceClass, md.get('front_iface') ?? '', host, md.get('osd_objectstore') ?? '', pAddr, md.get('ceph_version') ?? ''];
  const { dev, db, wal } = devNodes(md);
  const occupation: [string, string, string, string, string, string, string] | undefined =
    dev && md.get('hostname') ? [`osd.${o.id}`, dev, db, wal, host, md.get('devices') || 'N/A', md.get('device_ids') || 'N/A'] : undefined;
  return { metadata, occupation };
}

/** get_pg_status: each pool's PGs counted under every state word of their state, and in total. */
function pgStatus(view: MgrClusterView, f: Families): void {
  for (const p of view.pools()) {
    if (!p.pgStates.size) continue;
    const num = new Map<string, number>(N.PG_STATES.map((s) => [s, 0]));
    let total = 0;
    for (const [name, count] of p.pgStates) {
      for (const s of name.split('+')) num.set(s, (num.get(s) ?? 0) + count);
      total += count;
    }
    for (const [s, n] of num) if (f.has(`pg_${s}`)) f.m(`pg_${s}`).put(n, [p.id]);
    f.m('pg_total').put(total, [p.id]);
  }
}

function numObjects(view: MgrClusterView, f: Families): void {
  const n = view.numObjects();
  f.m('num_objects_degraded').put(n.degraded);
  f.m('num_objects_misplaced').put(n.misplaced);
  f.m('num_objects_unfound').put(n.unfound);
}

/** The daemons' perf counters: histograms skipped, long-running averages as _sum/_count pairs. */
function perfCounters(view: MgrClusterView, f: Families): void {
  for (const [daemon, counters] of view.perfCounters()) {
    const rgw = daemon.startsWith('rgw.');
    const label = rgw ? 'instance_id' : 'ceph_daemon';
    const who = rgw ? daemon.slice(4) : daemon;
    for (const [path, c] of counters) {
      const type = N.statTypeName(c.type);
      if (!type || type === 'histogram') continue;
      const value = c.type & N.PerfType.TIME ? c.value / 1e9 : c.value;
      const get = (p: string, t: CephMetricType, help: string): CephMetric => (f.has(p) ? f.m(p) : f.def(t, p, help, [label]));
      if (c.type & N.PerfType.LONGRUNAVG) {
        get(`${path}_sum`, type, `${c.description} Total`).put(value, [who]);
        get(`${path}_count`, 'counter', `${c.description} Count`).put(c.count, [who]);
      } else get(path, type, c.description).put(value, [who]);
    }
  }
}
