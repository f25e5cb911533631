/**
 * The prometheus collector against Ceph's own module: the installed 16.2.15
 * src/pybind/mgr/prometheus/module.py (/usr/share/ceph/mgr) runs its collect() under
 * /usr/bin/python3 (only the C++ ceph_module stubbed) on a fixture cluster served through
 * MgrModule.get(); our collector scrapes the same cluster through a MgrClusterView. Every sample
 * (name, labels, value) and each sampled family's HELP and TYPE must be the same.
 */
import t from 'tap';
import { run } from '@ts-ceph/testkit';
import type { MgrClusterView, ViewOsd, ViewPool, ViewPerfCounter } from '../src/modules/cluster-view';
import { PrometheusCollector } from '../src/modules/prometheus/collect';

const HARNESS = String.raw`
import sys, types, json
cm = types.ModuleType('ceph_module')
for n in ['BaseMgrModule', 'BaseMgrStandbyModule', 'BasePyOSDMap', 'BasePyOSDMapIncremental', 'BasePyCRUSH']:
    setattr(cm, n, type(n, (object,), {'__init__': lambda self, *a, **k: None}))
sys.modules['ceph_module'] = cm
sys.path.insert(0, '/usr/share/ceph/mgr')
import prometheus.module as pm
fx = json.loads(sys.stdin.read())
class Log(object):
    def __getattr__(self, n): return lambda *a, **k: None
class M(pm.Module):
    def __init__(self):
        self.metrics = self._setup_static_metrics()
        self.rbd_stats = {'pools': {}, 'pools_refresh_time': 0, 'counters_info': {}}
        self.store = {}
        self.health_history = pm.HealthHistory(self)
    log = Log()
    release_name = 'pacific'
    def get_store(self, k, default=None): return self.store.get(k, default)
    def set_store(self, k, v): self.store[k] = v
    def get(self, what):
        v = fx[what]
        return {'json': json.dumps(v)} if what in ('health', 'mon_status') else v
    def list_servers(self): return fx['servers']
    def get_metadata(self, t, i): return fx['metadata'].get(t + '.' + i)
    def get_all_perf_counters(self, *a, **k): return fx['perf_counters']
    def get_daemon_health_metrics(self): return fx['daemon_health_metrics']
    def get_localized_module_option(self, k, default=None): return '' if k == 'rbd_stats_pools' else default
m = M()
m.collect()
print(m.collect())
`;

/** The cluster both sides scrape, in the shapes MgrModule.get() returns. */
const OSD_MD = (id: number, host: string) => ({ hostname: host, ceph_version: 'ceph version 16.2.15 (618f) pacific (stable)', osd_objectstore: 'bluestore', bluestore_bdev_dev_node: `/dev/sd${'bc'[id]}`, bluefs_db_dev_node: '', front_iface: 'eth0', back_iface: 'eth1', devices: `sd${'bc'[id]}` });
const FIXTURE = {
  health: { status: 'HEALTH_WARN', checks: { OSD_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 osds down', count: 1 } }, SLOW_OPS: { severity: 'HEALTH_WARN', summary: { message: '3 slow ops, oldest one blocked for 31 sec, osd.1 has slow ops', count: 3 } } } },
  mon_status: { monmap: { mons: [{ name: 'a', rank: 0, public_addr: '10.0.0.1:6789/0' }, { name: 'b', rank: 1, public_addr: '10.0.0.2:6789/0' }] }, quorum: [0] },
  servers: [
    { hostname: 'h1', services: [{ type: 'mon', id: 'a', ceph_version: 'v16a' }, { type: 'osd', id: '0', ceph_version: 'ceph version 16.2.15 (618f) pacific (stable)' }, { type: 'mgr', id: 'a', ceph_version: 'v16m' }] },
    { hostname: 'h2', services: [{ type: 'mon', id: 'b', ceph_version: 'v16b' }, { type: 'osd', id: '1', ceph_version: 'ceph version 16.2.15 (618f) pacific (stable)' }] },
  ],
  metadata: { 'osd.0': OSD_MD(0, 'h1'), 'osd.1': OSD_MD(1, 'h2') },
  osd_map: {
    flags: 'noout,sortbitwise',
    osds: [
      { osd: 0, up: 1, in: 1, weight: 1.0, public_addr: '10.0.0.1:6800/11', cluster_addr: '10.1.0.1:6801/11' },
      { osd: 1, up: 0, in: 1, weight: 0.5, public_addr: '10.0.0.2:6800/12', cluster_addr: '10.1.0.2:6801/12' },
      { osd: 2, up: 0, in: 0, weight: 0, public_addr: '-', cluster_addr: '-' },
    ],
    pools: [
      { pool: 1, pool_name: 'rbd', type: 1, size: 3, options: {} },
      { pool: 2, pool_name: 'ec', type: 3, size: 3, erasure_code_profile: 'p', options: { compression_mode: 'aggressive' } },
    ],
    erasure_code_profiles: { p: { k: '2', m: '1' } },
  },
  osd_map_crush: { devices: [{ id: 0, name: 'osd.0', class: 'hdd' }, { id: 1, name: 'osd.1', class: 'ssd' }] },
  df: {
    stats: { total_bytes: 3000, total_used_bytes: 300, total_used_raw_bytes: 310 },
    pools: [1, 2].map((id) => ({ id, stats: { max_avail: 100 * id, avail_raw: 300 * id, stored: 10 * id, stored_raw: 30 * id, objects: 4 * id, dirty: 0, quota_bytes: 0, quota_objects: 7, rd: 5, rd_bytes: 500, wr: 6, wr_bytes: 600, compress_bytes_used: 0, compress_under_bytes: 0, bytes_used: 30 * id, percent_used: 0.25 * id } })),
  },
  osd_pool_stats: { pool_stats: [{ pool_id: 1, recovery_rate: { recovering_objects_per_sec: 3 } }, { pool_id: 2, recovery_rate: {} }] },
  fs_map: { standbys: [], filesystems: [] },
  osd_stats: { osd_stats: [0, 1].map((osd) => ({ osd, perf_stat: { apply_latency_ms: 2 + osd, commit_latency_ms: 4 + osd } })) },
  mgr_map: { active_name: 'a', standbys: [], available_modules: [{ name: 'prometheus', can_run: true }, { name: 'crash', can_run: true }, { name: 'zabbix', can_run: false }], always_on_modules: { pacific: ['crash'] }, modules: ['prometheus'] },
  pg_summary: { by_pool: { '1': { 'active+clean': 6, 'active+undersized+degraded': 2 }, '2': { unknown: 4 } }, pg_stats_sum: { stat_sum: { num_objects_degraded: 9, num_objects_misplaced: 1, num_objects_unfound: 0 } } },
  pg_dump: { pool_stats: [{ poolid: 1, stat_sum: { num_objects_repaired: 2 } }, { poolid: 2, stat_sum: { num_objects_repaired: 0 } }] },
  perf_counters: {
    'osd.0': { 'osd.op_r': { type: 10, description: 'Client read operations', value: 42, count: 0 }, 'osd.op_r_latency': { type: 5, description: 'Latency of read operation (including queue time)', value: 3_000_000_000, count: 12 }, 'osd.numpg': { type: 2, description: 'Placement groups', value: 8, count: 0 }, 'osd.op_r_lat_hist': { type: 0x12, description: 'histogram', value: 0, count: 0 } },
    'osd.1': {
      'osd.op_w': { type: 10, description: 'Client write operations', value: 17, count: 0 },
      'osd.op_w_latency': { type: 5, description: 'Latency of write operation (including queue time)', value: 250_000_000, count: 17 },
      'osd.op_w_in_bytes': { type: 10, description: 'Client data written', value: 69632, count: 0 },
      'osd.recovery_ops': { type: 10, description: 'Started recovery operations', value: 3, count: 0 },
      'osd.stat_bytes': { type: 2, description: 'OSD size', value: 4294967296, count: 0 },
      'osd.stat_bytes_used': { type: 2, description: 'Used space', value: 1048576, count: 0 },
    },
  },
  daemon_health_metrics: { 'osd.0': [{ type: 'SLOW_OPS', value: 0 }, { type: 'PENDING_CREATING_PGS', value: 1 }], 'osd.1': [{ type: 'SLOW_OPS', value: 3 }, { type: 'PENDING_CREATING_PGS', value: 0 }] },
};

/** The same cluster as our view. */
function fixtureView(): MgrClusterView {
  const f = FIXTURE;
  const checks = new Map(Object.entries(f.health.checks).map(([k, c]) => [k, { severity: c.severity, summary: c.summary.message, count: c.summary.count, detail: [] as string[] }]));
  const osds: ViewOsd[] = f.osd_map.osds.map((o) => {
    const dev = f.osd_map_crush.devices.find((d) => d.id === o.osd);
    const md = (f.metadata as Record<string, Record<string, string>>)[`osd.${o.osd}`];
    const perf = f.osd_stats.osd_stats.find((s) => s.osd === o.osd)?.perf_stat;
    return { id: o.osd, up: !!o.up, in: !!o.in, weight: o.weight, publicAddr: o.public_addr, clusterAddr: o.cluster_addr, deviceClass: dev?.class, metadata: md ? new Map(Object.entries(md)) : undefined, statBytes: 0, statBytesUsed: 0, numPg: 0, applyLatencyMs: perf?.apply_latency_ms ?? 0, commitLatencyMs: perf?.commit_latency_ms ?? 0 };
  });
  const pools: ViewPool[] = f.osd_map.pools.map((p) => {
    const s = f.df.pools.find((x) => x.id === p.pool)!.stats;
    const rate = f.osd_pool_stats.pool_stats.find((x) => x.pool_id === p.pool)!.recovery_rate as Record<string, number>;
    const prof = p.erasure_code_profile ? (f.osd_map.erasure_code_profiles as Record<string, { k: string; m: string }>)[p.erasure_code_profile] : undefined;
    const byPool = (f.pg_summary.by_pool as Record<string, Record<string, number>>)[String(p.pool)] ?? {};
    return {
      id: p.pool, name: p.pool_name, type: p.type, size: p.size, ecKM: prof ? `${prof.k}+${prof.m}` : undefined, compressionMode: (p.options as Record<string, string>).compression_mode ?? 'none', pgNum: 0,
      stats: { maxAvail: s.max_avail, availRaw: s.avail_raw, stored: s.stored, storedRaw: s.stored_raw, objects: s.objects, dirty: s.dirty, quotaBytes: s.quota_bytes, quotaObjects: s.quota_objects, rd: s.rd, rdBytes: s.rd_bytes, wr: s.wr, wrBytes: s.wr_bytes, compressBytesUsed: s.compress_bytes_used, compressUnderBytes: s.compress_under_bytes, bytesUsed: s.bytes_used, percentUsed: s.percent_used, objectsRepaired: f.pg_dump.pool_stats.find((x) => x.poolid === p.pool)!.stat_sum.num_objects_repaired },
      pgStates: new Map(Object.entries(byPool)), recoveryRate: new Map(Object.entries(rate)),
    };
  });
  const perf = new Map(Object.entries(f.perf_counters).map(([d, cs]) => [d, new Map(Object.entries(cs as Record<string, ViewPerfCounter>))]));
  return {
    fsid: () => 'f',
    health: () => ({ status: f.health.status, checks }),
    mons: () => f.mon_status.monmap.mons.map((m) => ({ name: m.name, rank: m.rank, publicAddr: m.public_addr.replace(/\/\d+$/, ''), inQuorum: f.mon_status.quorum.includes(m.rank), hostname: m.name === 'a' ? 'h1' : 'h2', cephVersion: m.name === 'a' ? 'v16a' : 'v16b' })),
    osds: () => osds,
    osdFlags: () => f.osd_map.flags.split(','),
    pools: () => pools,
    df: () => ({ totalBytes: f.df.stats.total_bytes, totalUsedBytes: f.df.stats.total_used_bytes, totalUsedRawBytes: f.df.stats.total_used_raw_bytes }),
    mgr: () => ({ activeName: 'a', activeHost: 'h1', activeVersion: 'v16m', standbys: [], modules: f.mgr_map.modules, alwaysOn: f.mgr_map.always_on_modules.pacific, available: new Map(f.mgr_map.available_modules.map((x) => [x.name, x.can_run])) }),
    numObjects: () => ({ degraded: 9, misplaced: 1, unfound: 0 }),
    perfCounters: () => perf,
    daemonHealthMetrics: () => new Map(Object.entries(f.daemon_health_metrics)),
  };
}

interface Exposition {
  /** "name{a="1",b="2"}" (labels sorted) -> value */
  samples: Map<string, number>;
  /** family name -> "HELP text|TYPE", for families with samples */
  families: Map<string, string>;
}

function parse(text: string): Exposition {
  const samples = new Map<string, number>();
  const families = new Map<string, string>();
  let help = '';
  let type = '';
  for (const line of text.split('\n')) {
    let m = /^# HELP (\S+) (.*)$/.exec(line);
    if (m) help = m[2]!;
    m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) type = m[2]!;
    m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}="${x[2]}"`).sort();
    samples.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
    families.set(m[1]!, `${help}|${type}`);
  }
  return { samples, families };
}

t.test("the collector exports what Ceph's prometheus module exports", async (t) => {
  const py = await run('/usr/bin/python3', ['-c', HARNESS], { input: JSON.stringify(FIXTURE), timeoutMs: 60_000 });
  t.equal(py.code, 0, py.stderr);
  const want = parse(py.stdout);
  const got = parse(await new PrometheusCollector().collect(fixtureView()));
  // Ceph's module times its own collection (ceph_prometheus_collect_duration_seconds_*); we do not.
  for (const k of [...want.samples.keys()]) if (k.startsWith('ceph_prometheus_collect_duration')) want.samples.delete(k);
  t.ok(want.samples.size > 150, `Ceph's module exported ${want.samples.size} samples`);
  t.same([...got.samples.keys()].filter((k) => !want.samples.has(k)).sort(), [], 'no sample Ceph does not export');
  t.same([...want.samples.keys()].filter((k) => !got.samples.has(k)).sort(), [], 'every sample Ceph exports');
  for (const [k, v] of want.samples) if (got.samples.has(k)) t.equal(got.samples.get(k), v, k);
  for (const [name, ht] of got.families) if (want.families.has(name)) t.equal(ht, want.families.get(name), `${name} HELP and TYPE`);
});
