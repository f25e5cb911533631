/**
 * `ceph config show osd.N` and `config show-with-defaults` against ts-osd: the running
 * configuration ts-osd reports to the mgr role (MMgrOpen / MMgrReport config_bl, the same encoding
 * a real ceph-osd sends: mgr-realosd.test.ts), by source as Ceph's DaemonServer prints it: ceph.conf
 * ("file"), the mon's database ("mon", overridden by the file), `ceph tell ... config set`
 * ("override"), and ts-osd's own defaults ("default"), so an operator sees the memory target the
 * OSD really runs with rather than the schema's 4 GiB that `ceph config get` shows.
 */
import t from 'tap';
import { requireBinary, waitFor } from '@ts-ceph/testkit';
import { json } from './mon-lib';
import { bootstrapTsCluster } from './osd-cluster-lib';

interface Shown {
  name: string;
  value: string;
  source: string;
  overrides?: { source: string; value: string }[];
}

t.test('ts-osd: config show by source, one key, and show-with-defaults', async (t) => {
  requireBinary('ceph');
  const c = await bootstrapTsCluster(1);
  t.teardown(() => c.cleanup());
  const show = async (): Promise<Map<string, Shown>> => new Map(json<Shown[]>(await c.ceph(['config', 'show', 'osd.0', '-f', 'json'])).map((o) => [o.name, o]));

  let shown = await show();
  t.same(shown.get('osd_memory_target'), { name: 'osd_memory_target', value: String(160 << 20), source: 'default' }, "ts-osd's own default at the default level");
  t.equal(shown.get('osd_heartbeat_grace')?.source, 'file', 'ceph.conf values are file');
  t.notOk(shown.has('fsid'));
  t.equal((await c.ceph(['config', 'get', 'osd.0', 'osd_memory_target'])).stdout.trim(), '4294967296', "config get is the mon's view (the schema default)");

  for (const args of [
    ['tell', 'osd.0', 'config', 'set', 'osd_memory_target', '268435456'],
    ['config', 'set', 'osd', 'osd_heartbeat_grace', '10'],
    ['config', 'set', 'osd', 'osd_max_backfills', '3'],
  ]) {
    const r = await c.ceph(args);
    t.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  // The next MMgrReport carries the changed config_bl (mgr_stats_period, 5 s).
  await waitFor(async () => (shown = await show()).get('osd_max_backfills')?.value === '3', 30_000, 'the mon value reported', 1_000);
  await waitFor(async () => (shown = await show()).get('osd_memory_target')?.value === '268435456', 30_000, 'the override reported', 1_000);
  t.same(shown.get('osd_memory_target'), { name: 'osd_memory_target', value: '268435456', source: 'override', overrides: [{ source: 'default', value: String(160 << 20) }] });
  t.same(shown.get('osd_heartbeat_grace')?.overrides, [{ source: 'mon', value: '10' }], 'the file value wins over the mon, which shows as overridden');
  t.equal(shown.get('osd_heartbeat_grace')?.source, 'file');
  t.same(shown.get('osd_max_backfills'), { name: 'osd_max_backfills', value: '3', source: 'mon' });

  const text = (await c.ceph(['config', 'show', 'osd.0'])).stdout;
  t.match(text, /\nosd_memory_target +268435456 +override +default\[167772160\] +\n/, 'text: the OVERRIDES column');
  t.match(text, /\nosd_heartbeat_grace +\d+ +file +mon\[10\] +\n/);
  t.equal((await c.ceph(['config', 'show', 'osd.0', 'osd_memory_target'])).stdout, '268435456\n', 'one key');
  t.equal((await c.ceph(['config', 'show', 'osd.0', 'osd_op_queue'])).stdout, 'wpq\n', 'one key at its default');
  const all = json<Shown[]>(await c.ceph(['config', 'show-with-defaults', 'osd.0', '-f', 'json']));
  t.ok(all.length > 1500, `show-with-defaults: ${all.length} options`);
  t.same(all.find((o) => o.name === 'osd_memory_expected_fragmentation'), { name: 'osd_memory_expected_fragmentation', value: '0.150000', source: 'default' }, 'a float as Option::to_str prints it');
  const bad = await c.ceph(['config', 'show', 'osd']);
  t.match(bad.stderr, /invalid daemon name/);
  t.equal(bad.code, 22, 'EINVAL');
});
