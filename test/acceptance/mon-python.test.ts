/**
 * Acceptance 4 (mon issue): Debian's python3-rados (librados 16.2.15, /usr/bin/python3) against
 * ts-mon in its default secure mode: connect, get_fsid, list_pools, create_pool, pool_exists,
 * pool_lookup, mon_command, get_cluster_stats (MStatfs), ioctx.get_stats (MGetPoolStats),
 * self-managed snapshots (MPoolOp), wait_for_latest_osdmap (MMonGetVersion), delete_pool. The same
 * script runs against a fresh real 16.2.15 ceph-mon, and both must report the same (but the fsid).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run, startRealMon } from '@ts-ceph/testkit';
import { startTsMon } from './mon-lib';

const script = String.raw`
import json, sys, rados
out = {}
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=20)
out['fsid'] = c.get_fsid()
out['pools0'] = c.list_pools()
c.create_pool('pyp')
out['exists'] = [c.pool_exists('pyp'), c.pool_exists('nope')]
out['lookup'] = [c.pool_lookup('pyp'), c.pool_lookup('nope')]
out['pools1'] = c.list_pools()
r, o, s = c.mon_command(json.dumps({'prefix': 'osd pool get', 'pool': 'pyp', 'var': 'size', 'format': 'json'}), b'')
out['get_size'] = [r, json.loads(o), s]
r, o, s = c.mon_command(json.dumps({'prefix': 'status', 'format': 'json'}), b'')
out['status'] = [r, json.loads(o)['fsid']]
r, o, s = c.mon_command(json.dumps({'prefix': 'osd pool create', 'pool': 'x', 'pg_num': 'many'}), b'')
out['bad'] = [r, s]
r, o, s = c.mon_command(json.dumps({'prefix': 'no such thing'}), b'')
out['unknown'] = [r, s]
out['stats'] = c.get_cluster_stats()
c.wait_for_latest_osdmap()
io = c.open_ioctx('pyp')
out['pool_stats'] = io.get_stats()
s1 = io.create_self_managed_snap()
s2 = io.create_self_managed_snap()
io.remove_self_managed_snap(s1)
out['snaps'] = [s1, s2]
io.close()
r, o, s = c.mon_command(json.dumps({'prefix': 'osd pool ls', 'detail': 'detail', 'format': 'json'}), b'')
d = [p for p in json.loads(o) if p['pool_name'] == 'pyp'][0]
out['snap_seq'] = [d['snap_seq'], d['removed_snaps']]
c.delete_pool('pyp')
out['pools2'] = c.list_pools()
try:
    c.delete_pool('pyp')
    out['delete_again'] = 'ok'
except rados.ObjectNotFound as e:
    out['delete_again'] = 'ENOENT'
c.shutdown()
print(json.dumps(out))
`;

async function runScript(dir: string, conf: string, keyring: string): Promise<Record<string, unknown>> {
  const f = join(dir, 'client.py');
  writeFileSync(f, script);
  const r = await run('/usr/bin/python3', [f, conf], { env: { ...process.env, CEPH_KEYRING: keyring }, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`client.py failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

t.test('python3-rados against ts-mon, and against a real ceph-mon', async (t) => {
  requireBinary('/usr/bin/python3');
  const [m, real] = await Promise.all([startTsMon(), startRealMon({ mode: 'secure' })]);
  t.teardown(() => Promise.all([m.stop(), real.stop()]));
  const [out, realOut] = await Promise.all([runScript(m.dir, m.conf, m.adminKeyring), runScript(real.dir, real.conf, real.adminKeyring)]);
  t.same({ ...out, fsid: 'F', status: [(out.status as unknown[])[0], 'F'] }, { ...realOut, fsid: 'F', status: [(realOut.status as unknown[])[0], 'F'] }, 'the real mon reports the same');
  t.equal(out.fsid, m.fsid, 'get_fsid');
  t.same(out.pools0, [], 'list_pools: none yet');
  t.same(out.exists, [true, false], 'pool_exists');
  t.same(out.lookup, [1, null], 'pool_lookup');
  t.same(out.pools1, ['pyp'], 'list_pools after create_pool');
  t.same(out.get_size, [0, { pool: 'pyp', pool_id: 1, size: 3 }, ''], 'mon_command osd pool get');
  t.same(out.status, [0, m.fsid], 'mon_command status');
  t.equal((out.bad as unknown[])[0], -22, 'a malformed argument is EINVAL');
  t.match((out.bad as unknown[])[1], /pg_num/, `and names the argument: ${(out.bad as unknown[])[1]}`);
  t.same(out.unknown, [-22, 'command not known'], 'an unknown command');
  t.same(out.stats, { kb: 0, kb_used: 0, kb_avail: 0, num_objects: 0 }, 'get_cluster_stats (MStatfs)');
  t.match(out.pool_stats, { num_bytes: 0, num_objects: 0, num_object_copies: 0 }, 'ioctx.get_stats (MGetPoolStats)');
  const [s1, s2] = out.snaps as number[];
  t.ok(s1! >= 1 && s2 === s1! + 1, `self-managed snap ids ${s1}, ${s2} (MPoolOp)`);
  // pg_pool_t::remove_unmanaged_snap bumps snap_seq too; removed_snaps (pre-octopus) stays empty.
  t.same(out.snap_seq, [s2! + 1, '[]'], 'the pool carries the snap seq');
  t.same(out.pools2, [], 'delete_pool');
  t.equal(out.delete_again, 'ENOENT', 'deleting a missing pool raises ObjectNotFound');
});
