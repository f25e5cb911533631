/**
 * Acceptance 5 (mgr issue): admin sockets through the stock CLI. `ceph daemon mon.a ...` against
 * ts-mon and a real 16.2.15 ceph-mon with the same conf (admin_socket under the test's run dir):
 * version, git_version, config get/set answers and errors alike, an owner-only socket (ts-mon runs
 * with umask 077, issue 14; a real mon's follows its umask, 0755 here), and the
 * mon and cluster perf loggers with the real schema; `ceph daemon osd.0 ...` and `ceph
 * --admin-daemon PATH ...` against ts-osd at Ceph's default path ($run_dir/$cluster-$name.asok).
 */
import t from 'tap';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startRealMon } from '@ts-ceph/testkit';
import { json, normalized, startTsMon } from './mon-lib';
import { startTsOsdCluster } from './osd-lib';

const sameCommands: string[][] = [
  ['version'],
  ['git_version'],
  ['version', '-f', 'json'],
  ['config', 'get', 'mon_osd_down_out_interval'],
  ['config', 'set', 'mon_osd_down_out_interval', 'soon'],
  ['config', 'set', 'debug_mon', '5'],
  ['config', 'get', 'debug_mon'],
  ['config', 'unset', 'mon_osd_down_out_interval'],
  ['config', 'get', 'mon_osd_down_out_interval'],
  ['config', 'get', 'no_such_option'],
  ['config', 'set', 'no_such_option', '1'],
  ['ops'],
];

t.test('ceph daemon mon.a: ts-mon answers as a real 16.2.15 ceph-mon', async (t) => {
  const [real, ours] = await Promise.all([startRealMon({ mode: 'crc' }), startTsMon({ mode: 'crc' })]);
  t.teardown(() => Promise.all([real.stop(), ours.stop()]));
  const daemon = (m: typeof real, args: string[]) => m.ceph(['daemon', 'mon.a', ...args]);
  for (const args of sameCommands) {
    const [a, b] = await Promise.all([daemon(real, args), daemon(ours, args)]);
    t.same(normalized(b, ours), normalized(a, real), `ceph daemon mon.a ${args.join(' ')}`);
  }
  // A real mon says "(not observed, change may require restart)" for an option none of its parts
  // watches; ts-mon reads each option when it uses it, so the change just applies.
  t.same(json(await daemon(ours, ['config', 'set', 'mon_osd_down_out_interval', '60'])), { success: "mon_osd_down_out_interval = '60' " });
  t.same(json(await daemon(ours, ['config', 'get', 'mon_osd_down_out_interval'])), { mon_osd_down_out_interval: '60' });
  t.same(json(await daemon(ours, ['config', 'set', 'mon_osd_down_out_interval', '60'])), { success: '' }, 'no change, nothing reported');
  await daemon(ours, ['config', 'unset', 'mon_osd_down_out_interval']);
  t.same(json(await daemon(ours, ['config', 'get', 'mon_osd_down_out_interval'])), { mon_osd_down_out_interval: '600' }, 'unset restores the default');
  const mode = (dir: string) => statSync(join(dir, 'run', 'mon.a.asok')).mode & 0o7777;
  t.equal(mode(ours.dir) & 0o077, 0, `the socket is owner-only (${mode(ours.dir).toString(8)}; a real mon's follows its umask: ${mode(real.dir).toString(8)})`);

  const show = json<Record<string, string>>(await daemon(ours, ['config', 'show']));
  t.equal(show.run_dir, join(ours.dir, 'run'));
  t.equal(show.admin_socket, join(ours.dir, 'run', 'mon.a.asok'));
  t.equal(show.mon_allow_pool_delete, 'true');

  type Perf = Record<string, Record<string, unknown>>;
  const [schemaA, schemaB] = await Promise.all([daemon(real, ['perf', 'schema']), daemon(ours, ['perf', 'schema'])]);
  for (const logger of ['mon', 'cluster']) t.same(json<Perf>(schemaB)[logger], json<Perf>(schemaA)[logger], `perf schema ${logger}`);
  const [dumpA, dumpB] = await Promise.all([daemon(real, ['perf', 'dump']), daemon(ours, ['perf', 'dump'])]);
  for (const logger of ['mon', 'cluster']) t.same(Object.keys(json<Perf>(dumpB)[logger]!), Object.keys(json<Perf>(dumpA)[logger]!), `perf dump ${logger} counters`);
  t.equal(json<Perf>(dumpB).cluster!.num_mon, 1);

  const status = json<{ name: string; state: string; monmap: { fsid: string } }>(await daemon(ours, ['mon_status']));
  t.match(status, { name: 'a', state: 'leader', monmap: { fsid: ours.fsid } });
  const sessions = json<unknown[]>(await daemon(ours, ['sessions']));
  t.ok(Array.isArray(sessions), 'sessions is a list');
});

t.test('ceph daemon osd.0 and --admin-daemon against ts-osd', async (t) => {
  const c = await startTsOsdCluster();
  t.teardown(() => c.stop());
  const put = await c.rados(['put', 'obj', '-'], { input: 'hello' });
  t.equal(put.code, 0, put.stderr);
  const perf = json<{ osd: Record<string, number> }>(await c.mon.ceph(['daemon', 'osd.0', 'perf', 'dump']));
  t.ok(perf.osd.op_w >= 1, `op_w counts the write (${perf.osd.op_w})`);
  const schema = json<{ osd: Record<string, { metric_type: string }> }>(await c.mon.ceph(['daemon', 'osd.0', 'perf', 'schema']));
  t.equal(schema.osd.op_w?.metric_type, 'counter');
  const status = json<{ whoami: number; state: string; osd_fsid: string }>(await c.mon.ceph(['daemon', 'osd.0', 'status']));
  t.match(status, { whoami: 0, state: 'active', osd_fsid: c.uuid });
  const path = join(c.mon.dir, 'run', 'ceph-osd.0.asok');
  const v = json<{ version: string }>(await c.mon.ceph(['--admin-daemon', path, 'version']));
  t.equal(v.version, '16.2.15');
  const set = await c.mon.ceph(['daemon', 'osd.0', 'config', 'set', 'osd_max_backfills', '3']);
  t.equal(set.code, 0, set.stderr);
  t.same(json(await c.mon.ceph(['daemon', 'osd.0', 'config', 'get', 'osd_max_backfills'])), { osd_max_backfills: '3' });
  // The same handlers answer `ceph tell`: the value set through the socket is what tell reads.
  t.same(json(await c.mon.ceph(['tell', 'osd.0', 'config', 'get', 'osd_max_backfills'])), { osd_max_backfills: '3' });
  const ops = json<{ ops: unknown[]; num_ops: number }>(await c.mon.ceph(['daemon', 'osd.0', 'dump_ops_in_flight']));
  t.equal(ops.num_ops, 0);
  const bad = await c.mon.ceph(['daemon', 'osd.0', 'config', 'get', 'no_such_option']);
  t.equal(bad.stdout, "ERROR: (2) No such file or directory\nerror getting 'no_such_option': (2) No such file or directory\n");
});
