/**
 * Talking to ts-osd as an operator does: the stock 16.2.15 `ceph tell osd.0 ...` (which first fetches
 * the OSD's command descriptions and validates its words against them) and python3-rados'
 * `osd_command`, with the outputs and error texts a real 16.2.15 ceph-osd gives (captured from one
 * run by ../shared/ceph-ref/cluster.sh); a client with `allow r` OSD caps refused (EACCES); and a
 * client whose osdmap is older than the OSD's getting the newer epochs from the OSD.
 */
import t, { Test } from 'tap';
import { join } from 'node:path';
import { startTsOsdCluster, TsOsdCluster } from './osd-lib';

let c: TsOsdCluster;

t.before(async () => {
  c = await startTsOsdCluster();
});
t.teardown(async () => c?.stop());

const tell = (args: string[], extra: string[] = []) => c.mon.ceph([...extra, 'tell', 'osd.0', ...args]);

async function tellJson(t: Test, args: string[]): Promise<Record<string, unknown>> {
  const r = await tell(args);
  t.equal(r.code, 0, `tell ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

t.test('version, status, config, ops, perf and flush_pg_stats', async (t) => {
  t.same(await tellJson(t, ['version']), { version: '16.2.15', release: 'pacific', release_type: 'stable' });
  const fsid = (await c.mon.ceph(['fsid'])).stdout.trim();
  const st = await tellJson(t, ['status']);
  t.same(Object.keys(st), ['cluster_fsid', 'osd_fsid', 'whoami', 'state', 'oldest_map', 'cluster_osdmap_trim_lower_bound', 'newest_map', 'num_pgs']);
  t.match(st, { cluster_fsid: fsid, osd_fsid: c.uuid, whoami: 0, state: 'active', num_pgs: 8 });
  t.ok((st.newest_map as number) >= (st.oldest_map as number) && (st.newest_map as number) > 1, 'map epochs');
  t.same(await tellJson(t, ['config', 'get', 'osd_max_object_size']), { osd_max_object_size: '134217728' });
  t.same(await tellJson(t, ['config', 'set', 'debug_osd', '5']), { success: '' });
  t.same(await tellJson(t, ['config', 'get', 'debug_osd']), { debug_osd: '5/5' });
  t.same(await tellJson(t, ['config', 'set', 'osd_max_object_size', '4M']), { success: "osd_max_object_size = '4194304' " });
  t.same(await tellJson(t, ['config', 'unset', 'osd_max_object_size']), {});
  t.same(await tellJson(t, ['config', 'set', 'debug_osd', '10']), { success: '' });
  let r = await tell(['config', 'get', 'nonexistent_opt']);
  t.same([r.code, r.stderr.trim()], [2, "Error ENOENT: error getting 'nonexistent_opt': (2) No such file or directory"]);
  r = await tell(['config', 'set', 'osd_bench_duration', '1.5']);
  t.same([r.code, r.stderr.trim()], [22, "Error EINVAL: error setting 'osd_bench_duration' to '1.5': (22) Invalid argument"]);
  const show = await tellJson(t, ['config', 'show']);
  t.ok(Object.keys(show).length > 1000, 'config show lists every option');
  t.equal(show.osd_max_object_size, '134217728');
  t.same(await tellJson(t, ['dump_ops_in_flight']), { ops: [], num_ops: 0 });
  t.same(await tellJson(t, ['dump_blocked_ops']), { ops: [], complaint_time: 30, num_blocked_ops: 0 });
  t.equal((await c.rados(['put', 'tell-o', '-'], { input: 'hello' })).code, 0);
  t.equal((await c.rados(['get', 'tell-o', '-'])).stdout, 'hello');
  const perf = (await tellJson(t, ['perf', 'dump'])) as { osd: Record<string, unknown> };
  t.match(perf.osd, { op_wip: 0, op_w: Number, op_r: Number, op_w_in_bytes: Number, op_latency: { avgcount: Number, sum: Number, avgtime: Number } });
  t.ok((perf.osd.op_w as number) >= 1 && (perf.osd.op_r as number) >= 1 && (perf.osd.op_w_in_bytes as number) >= 5, 'the put and the get are counted');
  const seq = await tell(['flush_pg_stats']);
  t.match(seq.stdout.trim(), /^\d+$/, 'flush_pg_stats prints a sequence number');
  t.same(await tellJson(t, ['get_mapped_pools']), [1] as unknown as Record<string, unknown>);
});

t.test('bench and its limits as Ceph', async (t) => {
  const b = await tellJson(t, ['bench', '4194304', '65536']);
  t.same(Object.keys(b), ['bytes_written', 'blocksize', 'elapsed_sec', 'bytes_per_sec', 'iops']);
  t.match(b, { bytes_written: 4194304, blocksize: 65536 });
  t.ok((b.elapsed_sec as number) > 0 && (b.iops as number) > 0, 'rates');
  let r = await tell(['bench', '100000000', '4096']);
  t.same(
    [r.code, r.stderr.trim()],
    [22, "Error EINVAL: 'count' values greater than 12288000 for a block size of 4 KiB, assuming 100 IOPS, for 30 seconds, can cause ill effects on osd.  Please adjust 'osd_bench_small_size_max_iops' with a higher value if you wish to use a higher 'count'."],
  );
  r = await tell(['bench', '1073741824', '134217728']);
  t.same([r.code, r.stderr.trim()], [22, "Error EINVAL: block 'size' values are capped at 64 MiB. If you wish to use a higher value, please adjust 'osd_bench_max_block_size'"]);
});

t.test('unknown commands and bad arguments are refused by the CLI against our descriptions', async (t) => {
  let r = await tell(['bogus']);
  const lines = (r.stdout + r.stderr).trim().split('\n');
  t.equal(r.code, 22);
  t.equal(lines[0], 'no valid command found; 10 closest matches:');
  t.equal(lines[lines.length - 1], 'Error EINVAL: invalid command');
  r = await tell(['config', 'get']);
  t.equal(r.code, 22);
  t.match(r.stderr, 'Invalid command: missing required parameter var(<string>)');
  t.match(r.stderr, 'config get <var> :  config get <field>: get the config value');
});

t.test('a client without allow * OSD caps gets EACCES', async (t) => {
  const kr = join(c.mon.dir, 'client.ro.keyring');
  const a = await c.mon.ceph(['auth', 'get-or-create', 'client.ro', 'mon', 'allow r', 'osd', 'allow r', '-o', kr]);
  t.equal(a.code, 0, a.stderr);
  const r = await tell(['version'], ['-n', 'client.ro', '-k', kr]);
  t.same([r.code, r.stderr.trim()], [13, 'Error EACCES: problem getting command descriptions from osd.0']);
});

t.test('python3-rados osd_command', async (t) => {
  const r = await c.python(`
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1]); c.connect()
out = {}
r, o, s = c.osd_command(0, json.dumps({'prefix': 'bench', 'count': 1048576, 'size': 4096}), b'')
out['bench'] = [r, json.loads(o), s]
out['bogus'] = list(c.osd_command(0, json.dumps({'prefix': 'bogus'}), b''))
out['badjson'] = list(c.osd_command(0, 'notjson', b''))
out['badarg'] = list(c.osd_command(0, json.dumps({'prefix': 'bench', 'count': 'x'}), b''))
out['compact'] = list(c.osd_command(0, json.dumps({'prefix': 'version', 'format': 'json'}), b''))
print(json.dumps(out, default=lambda b: b.decode()))
c.shutdown()
`);
  t.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout) as Record<string, [number, unknown, string]>;
  t.match(o.bench, [0, { bytes_written: 1048576, blocksize: 4096 }, '']);
  t.same(o.bogus, [-22, '', 'unknown command prefix bogus']);
  t.same(o.badjson, [-22, '', 'invalid json']);
  t.same(o.badarg, [-22, '', 'invalid command json']);
  t.same(o.compact, [0, '{"version":"16.2.15","release":"pacific","release_type":"stable"}', '']);
});

t.test('a client with an older osdmap gets the newer epochs from the OSD', async (t) => {
  const r = await c.python(`
import json, sys, time, subprocess, rados
c = rados.Rados(conffile=sys.argv[1]); c.connect()
io = c.open_ioctx(sys.argv[2])
io.write_full('share-1', b'a')
# Another client changes the osdmap; this one's Objecter keeps its epoch until it needs a newer one.
r, o, s = c.mon_command(json.dumps({'prefix': 'osd pool create', 'pool': 'share-pool', 'pg_num': 1}), b'')
assert r == 0, s
time.sleep(3)
io.write_full('share-2', b'b')
io.write_full('share-3', b'c')
print(c.get_instance_id())
c.shutdown()
`);
  t.equal(r.code, 0, r.stderr);
  const client = `client.${r.stdout.trim()}`;
  const log = c.osdLog(100000);
  const shares = log.split('\n').filter((l) => l.includes('send_incremental_map') && l.includes(` to ${client} `));
  t.equal(shares.length, 1, `one map share to ${client}:\n${shares.join('\n')}`);
  t.match(shares[0], /send_incremental_map (\d+) -> (\d+) to client\.\d+ \((\d+ incrementals|full map)\)/);
});
