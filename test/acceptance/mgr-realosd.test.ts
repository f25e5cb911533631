/**
 * Two real Debian ceph-osd (16.2.15) under ts-mon report to its mgr role (issue 11, acceptance 2):
 * MMgrOpen, MMgrReport and MPGStats from the real daemons build the PG map, so `ceph -s` shows their
 * pool's PGs active+clean, `pg dump` holds each OSD's osd_stat_t and the PGs each is primary of, and
 * `ceph df`/`rados df` count what the stock rados CLI wrote. The pool is size 1 from its creation
 * (osd_pool_default_size = 1): a later size change needs a second up_thru round from the mon,
 * which is the peering path's business, not the mgr's. Fails, never skips, without the binaries.
 */
import t from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { json, startTsMon, TsMon } from './mon-lib';

t.setTimeout(240_000);

/** cluster.sh's [osd] section: BlueStore on a 1 GiB file, few threads, small caches. */
function osdSection(base: string): string {
  const dir = join(base, 'osd.$id');
  return `
[osd]
osd_data = ${dir}
keyring = ${dir}/keyring
log_file = ${dir}/osd.log
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = ${1 << 30}
bluestore_fsck_on_mkfs = false
bluestore_fsck_on_mount = false
bluestore_fsck_on_umount = false
osd_memory_target = ${1 << 30}
osd_memory_cache_min = ${128 << 20}
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1
`;
}

async function realOsd(m: TsMon, id: number): Promise<ChildProcess> {
  const dir = join(m.dir, `osd.${id}`);
  const uuid = randomUUID();
  const key = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
  const r = await m.ceph(['osd', 'new', uuid, String(id), '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) });
  if (r.code !== 0) throw new Error(`osd new ${id}: ${r.stderr}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'keyring'), `[osd.${id}]\n\tkey = ${key}\n`, { mode: 0o600 });
  const mk = await run('ceph-osd', ['-c', m.conf, '-i', String(id), '--mkfs', '--osd-uuid', uuid, '--no-mon-config'], { timeoutMs: 60_000 });
  if (mk.code !== 0) throw new Error(`ceph-osd --mkfs ${id}: ${mk.stderr}`);
  const child = spawn('ceph-osd', ['-c', m.conf, '-i', String(id), '-f'], { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`ceph-osd ${id} exited ${child.exitCode}`);
      return json<{ osds: { osd: number; up: number }[] }>(await m.ceph(['osd', 'dump', '-f', 'json'])).osds.find((o) => o.osd === id)?.up === 1;
    },
    60_000,
    `osd.${id} up`,
    250,
  );
  return child;
}

t.test('real ceph-osd PGs active+clean through the mgr role', async (t) => {
  for (const b of ['ceph', 'rados', 'ceph-osd', 'ceph-authtool']) requireBinary(b);
  const m = await startTsMon({ extraConf: 'mgr_stats_period = 1\nosd_pool_default_size = 1\nosd_pool_default_min_size = 1\nmon_allow_pool_size_one = true' });
  const osds: ChildProcess[] = [];
  t.teardown(async () => {
    for (const o of osds) if (o.exitCode === null && o.signalCode === null) o.kill('SIGKILL');
    await m.stop();
  });
  appendFileSync(m.conf, osdSection(m.dir));
  osds.push(await realOsd(m, 0), await realOsd(m, 1));
  for (const args of [
    ['osd', 'pool', 'create', 'p', '8'],
    ['osd', 'pool', 'application', 'enable', 'p', 'rados'],
  ]) {
    const r = await m.ceph(args);
    t.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  let status = '';
  await waitFor(async () => /pgs: {5}8 active\+clean\n/.test((status = (await m.ceph(['-s'])).stdout)), 90_000, 'ceph -s: 8 active+clean', 500).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${status}\n${(await m.ceph(['osd', 'dump'])).stdout}`);
  });
  t.pass('ceph -s: 8 active+clean, from the real OSDs\' MPGStats');

  for (let i = 0; i < 4; i++) {
    const r = await run('rados', ['-c', m.conf, '-p', 'p', 'put', `o${i}`, '-'], { input: 'x'.repeat(100 * (i + 1)), timeoutMs: 30_000 });
    t.equal(r.code, 0, r.stderr);
  }
  await waitFor(async () => json<{ pgmap: { num_objects: number } }>(await m.ceph(['-s', '-f', 'json'])).pgmap.num_objects === 4, 30_000, 'ceph -s counts 4 objects', 500);
  const dump = json<{ pg_map: { pg_stats: { state: string; acting_primary: number; stat_sum: { num_objects: number; num_bytes: number } }[]; osd_stats: { osd: number; kb: number }[] } }>(await m.ceph(['pg', 'dump', '-f', 'json']));
  t.ok(dump.pg_map.pg_stats.every((p) => p.state === 'active+clean'));
  t.same([...new Set(dump.pg_map.pg_stats.map((p) => p.acting_primary))].sort(), [0, 1], 'both real OSDs report the PGs they are primary of');
  t.same(dump.pg_map.osd_stats.map((o) => [o.osd, o.kb]), [[0, 1 << 20], [1, 1 << 20]], 'and their osd_stat_t (1 GiB BlueStore each)');
  t.equal(dump.pg_map.pg_stats.reduce((a, p) => a + p.stat_sum.num_bytes, 0), 1000, 'bytes written');
  const df = json<{ pools: { name: string; stats: { objects: number } }[] }>(await m.ceph(['df', '-f', 'json']));
  t.same(df.pools.map((p) => [p.name, p.stats.objects]), [['p', 4]], 'ceph df');
  const rdf = json<{ pools: { name: string; num_objects: number }[] }>(await run('rados', ['-c', m.conf, 'df', '-f', 'json']));
  t.same(rdf.pools.map((p) => [p.name, p.num_objects]), [['p', 4]], 'rados df');
  const perf = json<{ osdstats: { osd_perf_infos: { id: number }[] } }>(await m.ceph(['osd', 'perf', '-f', 'json']));
  t.same(perf.osdstats.osd_perf_infos.map((o) => o.id), [1, 0], 'osd perf lists both');

  // `config show`: the running configuration a real ceph-osd sent in MMgrOpen's config_bl and
  // config_defaults_bl (md_config_t's encodings), as DaemonServer prints it.
  const shown = json<{ name: string; value: string; source: string }[]>(await m.ceph(['config', 'show', 'osd.0', '-f', 'json']));
  const by = new Map(shown.map((o) => [o.name, o]));
  t.same(by.get('osd_memory_target'), { name: 'osd_memory_target', value: String(1 << 30), source: 'file' }, 'config show: osd_memory_target from ceph.conf');
  t.equal(by.get('osd_objectstore')?.value, 'bluestore');
  t.notOk(by.has('fsid'), 'fsid is not in config_bl');
  const text = await m.ceph(['config', 'show', 'osd.1']);
  t.match(text.stdout, /^NAME +VALUE +SOURCE +OVERRIDES +IGNORES *\n/, 'the text table\'s heading');
  t.match(text.stdout, /\nosd_op_num_shards +2 +file +\n/, 'a row of it');
  t.equal((await m.ceph(['config', 'show', 'osd.0', 'osd_op_num_shards'])).stdout, '2\n', 'one key: its running value');
  t.equal((await m.ceph(['config', 'show', 'osd.0', 'osd_max_backfills'])).stdout, '1\n', 'one key set nowhere: its default from config_defaults_bl');
  const withDefaults = json<{ name: string; value: string; source: string }[]>(await m.ceph(['config', 'show-with-defaults', 'osd.0', '-f', 'json']));
  t.ok(withDefaults.length > 1500, `show-with-defaults lists the whole schema (${withDefaults.length} options)`);
  t.same(withDefaults.find((o) => o.name === 'osd_max_backfills'), { name: 'osd_max_backfills', value: '1', source: 'default' });
  const missing = await m.ceph(['config', 'show', 'osd.7']);
  t.match(missing.stderr, /no config state for daemon osd\.7/);
  t.equal(missing.code, 2, 'ENOENT');
});
