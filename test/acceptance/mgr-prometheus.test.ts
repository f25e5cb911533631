/**
 * The prometheus module against the tools Ceph's monitoring is made of (issue 11, acceptance 3):
 * `ceph mgr module enable prometheus` with the port from `ceph config set mgr
 * mgr/prometheus/server_port`; every metric name Debian's ceph-prometheus-alerts rules and
 * ceph-grafana-dashboards use that applies to our daemons is on /metrics; `promtool check rules`
 * accepts the rules; a real `prometheus` scrapes us and, once the OSD is killed, fires the
 * rules' CephOSDDown alert (a test copy of the rules with `for:` shortened). `module disable` stops
 * the server.
 */
import t from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { startTsOsdCluster, TsOsdCluster } from './osd-lib';
import { json } from './mon-lib';

const ALERTS = '/etc/prometheus/ceph/ceph_default_alerts.yml';
const DASHBOARDS = '/etc/grafana/dashboards/ceph-dashboard';

/**
 * Names in the rules and dashboards that are not metrics, or that cannot apply to a ts-ceph
 * cluster today; the package README (packages/mgr/README.md) lists the same with the same reasons.
 */
const NOT_APPLICABLE: [RegExp, string][] = [
  [/^ceph_daemon$/, 'a label name, not a metric'],
  [/^ceph_default$/, "the rules' `type` label value"],
  [/^ceph_hosts$/, 'a Grafana template variable'],
  [/^ceph_mds_/, 'no MDS: CephFS is not served'],
  [/^ceph_rgw_|^ceph_data_sync_from_zone_/, 'RGW perf counters: ts-rgw does not report to a mgr'],
  [/^ceph_rbd_/, 'per-image RBD stats need OSD perf queries (rbd_stats_pools), not implemented'],
  [/^ceph_objecter_/, 'client-side objecter perf counters of MDS/RGW daemons'],
  [/^ceph_bluefs_|^ceph_bluestore_/, 'BlueStore perf counters: ts-osd runs its own object store'],
];

/** OSD perf counters and daemon health metrics arrive with the OSD's MMgrReport (every mgr_stats_period). */
const FROM_OSD_REPORTS = /^ceph_osd_(op_|recovery_ops|numpg|stat_bytes)|^ceph_daemon_health_metrics$/;

/** Every ceph_* name the rules and dashboards mention. */
function referencedNames(): Set<string> {
  const texts = [readFileSync(ALERTS, 'utf8'), ...readdirSync(DASHBOARDS).map((f) => readFileSync(join(DASHBOARDS, f), 'utf8'))];
  const out = new Set<string>();
  for (const s of texts) for (const m of s.matchAll(/\bceph_[a-z0-9_]+/g)) out.add(m[0]);
  return out;
}

/** Sample names with at least one value on a /metrics page. */
function sampleNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

let c: TsOsdCluster;
let prom: ChildProcess | undefined;
let port = 0;

t.before(async () => {
  for (const b of ['prometheus', 'promtool']) requireBinary(b);
  c = await startTsOsdCluster();
  port = await freePort();
});
t.teardown(async () => {
  if (prom && prom.exitCode === null) prom.kill('SIGKILL');
  await c?.stop();
});

t.test('module enable serves /metrics on the configured port', async (t) => {
  let r = await c.mon.ceph(['config', 'set', 'mgr', 'mgr/prometheus/server_addr', '127.0.0.1']);
  t.equal(r.code, 0, r.stderr);
  r = await c.mon.ceph(['config', 'set', 'mgr', 'mgr/prometheus/server_port', String(port)]);
  t.equal(r.code, 0, r.stderr);
  r = await c.mon.ceph(['mgr', 'module', 'enable', 'nosuchmodule']);
  t.equal(r.code, 2, 'an unknown module needs --force');
  t.match(r.stderr, "all mgr daemons do not support module 'nosuchmodule', pass --force to force enablement");
  r = await c.mon.ceph(['mgr', 'module', 'enable', 'prometheus']);
  t.equal(r.code, 0, r.stderr);
  const ls = json<{ enabled_modules: string[] }>(await c.mon.ceph(['mgr', 'module', 'ls', '-f', 'json']));
  t.ok(ls.enabled_modules.includes('prometheus'), 'mgr module ls lists it enabled');
  const page = await waitFor(async () => (await get(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.body, 10_000, '/metrics');
  t.match(page, '# HELP ceph_health_status Cluster health status\n# TYPE ceph_health_status untyped\n');
  t.match(page, /\nceph_osd_up\{ceph_daemon="osd\.0"\} 1\n/);
  t.match(page, /\nceph_mon_quorum_status\{ceph_daemon="mon\.a"\} 1\n/);
  t.match(page, /\nprocess_resident_memory_bytes \d+/, "the hosting process's own metrics");
});

t.test('every metric the alert rules and dashboards use that applies to us is exported', async (t) => {
  // The OSD's perf counters come with its next MMgrReport after the mgr's MMgrConfigure.
  const page = await waitFor(async () => {
    const body = (await get(`http://127.0.0.1:${port}/metrics`)).body;
    return /\nceph_osd_op_w\{ceph_daemon="osd\.0"\} \d/.test(body) ? body : undefined;
  }, 20_000, 'OSD perf counters on /metrics');
  const names = sampleNames(page);
  t.match(page, '# TYPE ceph_osd_op_r_latency_sum counter\n');
  t.match(page, /\nceph_daemon_health_metrics\{type="SLOW_OPS",ceph_daemon="osd\.0"\} 0(\.0)?\n/);
  const missing: string[] = [];
  let checked = 0;
  let fromOsd = 0;
  for (const n of referencedNames()) {
    if (NOT_APPLICABLE.some(([re]) => re.test(n))) continue;
    if (FROM_OSD_REPORTS.test(n)) fromOsd++;
    checked++;
    if (!names.has(n)) missing.push(n);
  }
  t.same(missing, [], `${checked} names checked`);
  t.ok(checked > 30, `the rules and dashboards name ${checked} applicable metrics`);
  t.ok(fromOsd >= 10, `${fromOsd} of them come from the OSD's perf counters and health metrics`);
});

t.test('promtool accepts the rules', async (t) => {
  const r = await run('promtool', ['check', 'rules', ALERTS]);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /SUCCESS: \d+ rules found/);
});

t.test('prometheus scrapes us and fires CephOSDDown when the OSD is killed', async (t) => {
  const dir = join(c.mon.dir, 'prometheus');
  mkdirSync(dir);
  // The test copy: every `for:` at 1s so an alert fires within a few evaluations.
  writeFileSync(join(dir, 'rules.yml'), readFileSync(ALERTS, 'utf8').replace(/for: "[^"]+"/g, 'for: "1s"'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - rules.yml\nscrape_configs:\n  - job_name: ceph\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
  );
  const webPort = await freePort();
  prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let promLog = '';
  prom.stderr!.on('data', (d: Buffer) => (promLog = (promLog + d.toString()).slice(-4000)));
  const api = (p: string) => get(`http://127.0.0.1:${webPort}/api/v1/${p}`).then((r) => JSON.parse(r.body) as { data: Record<string, unknown> });
  type Target = { health: string; lastError: string };
  await waitFor(async () => ((await api('targets').catch(() => undefined))?.data.activeTargets as Target[] | undefined)?.[0]?.health === 'up', 30_000, `target up\n${promLog}`, 500);
  type Alert = { labels: { alertname: string }; state: string };
  const alerts = async () => ((await api('alerts')).data.alerts as Alert[]).filter((a) => a.labels.alertname === 'CephOSDDown');
  t.same(await alerts(), [], 'no CephOSDDown while the OSD is up');
  // `kill` (SIGTERM): the OSD tells the mon it goes down (MOSDMarkMeDown). A kill -9 of the only
  // OSD would wait for the beacon timeout (twice osd_beacon_report_interval, 10 minutes), as no
  // peer is left to report it.
  c.osd.kill('SIGTERM');
  const firing = await waitFor(async () => (await alerts()).find((a) => a.state === 'firing'), 60_000, 'CephOSDDown firing', 500).catch(async (e: Error) => {
    const health = (await c.mon.ceph(['health', 'detail'])).stdout;
    const ours = (await get(`http://127.0.0.1:${port}/metrics`)).body.split('\n').filter((l) => l.startsWith('ceph_health') || l.startsWith('ceph_osd_up'));
    throw new Error(`${e.message}\nhealth: ${health}\nmetrics: ${ours.join('\n')}\nalerts: ${JSON.stringify(await alerts())}\n${promLog}`);
  });
  t.equal(firing.labels.alertname, 'CephOSDDown');
  const page = (await get(`http://127.0.0.1:${port}/metrics`)).body;
  t.match(page, /\nceph_health_detail\{name="OSD_DOWN",severity="HEALTH_WARN"\} 1\n/);
  t.match(page, /\nceph_osd_up\{ceph_daemon="osd\.0"\} 0\n/);
});

t.test('module disable stops the server', async (t) => {
  const r = await c.mon.ceph(['mgr', 'module', 'disable', 'prometheus']);
  t.equal(r.code, 0, r.stderr);
  await waitFor(async () => (await get(`http://127.0.0.1:${port}/metrics`).then(() => false, () => true)) || undefined, 10_000, 'server stopped');
  t.pass('connection refused after disable');
});
