/**
 * The mgr role with real clients (issue 11, acceptance 1 and 4): ts-mon runs the mgr, two ts-osd
 * report to it (MMgrOpen, MMgrReport, MPGStats), and the stock `ceph`, `rados` and python3-rados
 * read the result: `ceph -s` names the active mgr and shows every PG active+clean with the objects
 * `rados bench` wrote; `ceph df`, `rados df`, `ceph osd df`, `ceph pg dump -f json` and `ceph pg
 * stat` agree with `rados ls`; a librados service daemon shows in `ceph service dump` and `ceph -s`.
 */
import t from 'tap';
import { hostname } from 'node:os';
import { json } from './mon-lib';
import { startTsMgrCluster, waitActiveClean, TsMgrCluster } from './mgr-lib';
import { waitFor } from '@ts-ceph/testkit';

interface StatusJSON {
  pgmap: { pgs_by_state: { state_name: string; count: number }[]; num_pgs: number; num_objects: number; data_bytes: number; bytes_total: number };
  mgrmap: { available: boolean };
  servicemap: { services: Record<string, { daemons: Record<string, unknown> }> };
}

interface PgDumpJSON {
  pg_ready: boolean;
  pg_map: { pg_stats: { pgid: string; state: string; acting_primary: number; stat_sum: { num_objects: number; num_bytes: number } }[]; osd_stats: { osd: number; kb: number; kb_used: number }[] };
}

t.setTimeout(240_000);

let c: TsMgrCluster;
t.before(async () => {
  c = await startTsMgrCluster({ osds: 2, pools: [['p', 16], ['q', 8]] });
});
t.teardown(() => c?.stop());

t.test('the active mgr is in the MgrMap and ceph -s', async (t) => {
  const stat = json<{ available: boolean; active_name: string }>(await c.mon.ceph(['mgr', 'stat']));
  t.same([stat.available, stat.active_name], [true, 'a']);
  const dump = json<{ active_name: string; active_addrs: { addrvec: { type: string }[] }; available_modules: { name: string }[] }>(await c.mon.ceph(['mgr', 'dump', '-f', 'json']));
  t.equal(dump.active_addrs.addrvec[0]?.type, 'v2', 'the mgr has a msgr2 address');
  t.ok(dump.available_modules.some((m) => m.name === 'prometheus'), 'available modules as a 16.2.15 mgr reports them');
  const s = await c.mon.ceph(['-s']);
  // The age is in the unit Ceph picks for it (s, m, h): a slow start on a loaded machine passes a minute.
  t.match(s.stdout, /\n {4}mgr: a\(active, since \d+[smhd]\)\n/);
  t.match(s.stdout, /pgs: {5}24 active\+clean\n/);
});

t.test('after rados bench every view counts the objects written', async (t) => {
  // 64 KiB objects: 4 MiB ones filled the two 1 GiB devices (ENOSPC) once the bench ran fast.
  const bench = await c.rados(['-p', 'p', 'bench', '5', 'write', '-b', '65536', '--no-cleanup', '-t', '4']);
  t.equal(bench.code, 0, bench.stderr);
  await c.rados(['-p', 'q', 'put', 'small', '-'], 'hello world');
  const names = (await c.rados(['-p', 'p', 'ls'])).stdout.split('\n').filter(Boolean);
  t.ok(names.length > 1, `rados bench wrote ${names.length} objects`);
  const total = names.length + 1;
  let status: StatusJSON | undefined;
  await waitFor(async () => (status = json<StatusJSON>(await c.mon.ceph(['-s', '-f', 'json']))).pgmap.num_objects === total, 20_000, `ceph -s counts ${total} objects`, 500);
  t.same(status!.pgmap.pgs_by_state, [{ state_name: 'active+clean', count: 24 }]);
  t.equal(status!.mgrmap.available, true);

  const df = json<{ pools: { name: string; stats: { objects: number; stored: number } }[] }>(await c.mon.ceph(['df', '-f', 'json']));
  t.same(df.pools.map((p) => [p.name, p.stats.objects]), [['p', names.length], ['q', 1]], 'ceph df pool objects');
  t.equal(df.pools[1]!.stats.stored, 11, 'ceph df stored bytes of q');

  const rdf = json<{ pools: { name: string; num_objects: number }[] }>(await c.rados(['df', '-f', 'json']));
  t.same(rdf.pools.map((p) => [p.name, p.num_objects]), [['p', names.length], ['q', 1]], 'rados df objects');

  const dump = json<PgDumpJSON>(await c.mon.ceph(['pg', 'dump', '-f', 'json']));
  t.equal(dump.pg_ready, true);
  t.equal(dump.pg_map.pg_stats.length, 24);
  t.ok(dump.pg_map.pg_stats.every((p) => p.state === 'active+clean'));
  t.equal(dump.pg_map.pg_stats.reduce((a, p) => a + p.stat_sum.num_objects, 0), total, 'pg dump object counts');
  t.same([...new Set(dump.pg_map.pg_stats.map((p) => p.acting_primary))].sort(), [0, 1], 'both OSDs report the PGs they are primary of');
  t.same(dump.pg_map.osd_stats.map((o) => o.osd), [0, 1]);
  const bytes = dump.pg_map.pg_stats.reduce((a, p) => a + p.stat_sum.num_bytes, 0);

  const pgstat = await waitActiveClean(c.mon, 24);
  t.equal(pgstat.pg_summary.num_bytes, bytes, 'pg stat bytes = the PGs\' bytes');
  t.equal(pgstat.pg_summary.total_bytes, 2 * 2 ** 30, 'two 1 GiB devices');
  const plain = await c.mon.ceph(['pg', 'stat']);
  // ts-osd counts client I/O, so right after the bench the line may end with its rates, as Ceph's does.
  t.match(plain.stdout, /^24 pgs: 24 active\+clean; \d+(\.\d+)? [KMG]iB data, \d+(\.\d+)? [KMG]iB used, \d+(\.\d+)? [KMG]iB \/ 2 GiB avail(; (\d+(\.\d+)? [KMG]?i?B\/s (rd|wr), )+\d+ op\/s)?\n$/);

  const pgMap = json<{ pgid: string; up: number[]; acting: number[] }>(await c.mon.ceph(['pg', 'map', '1.3', '-f', 'json']));
  t.same([pgMap.pgid, pgMap.up.length, pgMap.acting], ['1.3', 1, pgMap.up], 'pg map: one OSD up and acting');
  t.equal(dump.pg_map.pg_stats.find((p) => p.pgid === '1.3')?.acting_primary, pgMap.up[0], 'and that OSD reports the PG');

  const osdDf = json<{ nodes: { id: number; pgs: number; kb: number; kb_used: number }[] }>(await c.mon.ceph(['osd', 'df', '-f', 'json']));
  t.same(osdDf.nodes.map((n) => n.id), [0, 1]);
  t.equal(osdDf.nodes.reduce((a, n) => a + n.pgs, 0), 24, 'osd df PGs');
  t.ok(osdDf.nodes.every((n) => n.kb === 1 << 20 && n.kb_used > 0), 'osd df sizes and usage');
});

t.test('a python3-rados service daemon shows in the service map', async (t) => {
  const script = `
import rados, sys, time, subprocess, json
r = rados.Rados(conffile=sys.argv[1])
r.connect()
r.service_daemon_register('mysvc', 'd1', {'mykey': 'v1', 'daemon_type': 'portal'})
r.service_daemon_update({'state': 'running'})
deadline = time.time() + 30
out = {}
while time.time() < deadline:
    out = json.loads(subprocess.run(['ceph', '-c', sys.argv[1], 'service', 'dump', '-f', 'json'], capture_output=True, text=True).stdout)
    if 'mysvc' in out['services']:
        break
    time.sleep(0.5)
print(json.dumps(out))
print(subprocess.run(['ceph', '-c', sys.argv[1], '-s'], capture_output=True, text=True).stdout)
r.shutdown()
`;
  const r = await c.python(script);
  t.equal(r.code, 0, r.stderr);
  const [first, ...rest] = r.stdout.split('\n');
  const dump = JSON.parse(first!) as { epoch: number; services: Record<string, { daemons: Record<string, { metadata: Record<string, string> } | string> }> };
  const d = dump.services.mysvc?.daemons.d1 as { metadata: Record<string, string> } | undefined;
  // librados adds its own system metadata (hostname, os, ...) to ours.
  t.same([d?.metadata.mykey, d?.metadata.daemon_type, d?.metadata.hostname], ['v1', 'portal', hostname()], 'the daemon and its metadata');
  t.ok(dump.epoch >= 1);
  t.match(rest.join('\n'), /\n {4}mysvc: 1 portal active \(1 hosts\)\n/, 'ceph -s services: line');
});
