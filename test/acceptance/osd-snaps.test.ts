/**
 * Snapshots through ts-mon + one ts-osd with the real 16.2.15 clients. Pool snaps with the rados CLI:
 * `mksnap`, an overwrite, `-s SNAP get` (the old bytes), `listsnaps` (rados.cc's table: the clone,
 * its snaps, size and overlap, then the head), `rollback`, `rmsnap` and then the snap trimmer
 * removing the clone (`listsnaps` shows only the head). Self-managed snaps with python3-rados:
 * create_self_managed_snap, set_self_managed_snap_write, a write, set_read at the snap,
 * rollback_self_managed_snap, remove_self_managed_snap. Fails, never skips, when anything is missing.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, waitFor } from '@ts-ceph/testkit';
import { startTsOsdCluster } from './osd-lib';

const selfManaged = String.raw`
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=20)
io = c.open_ioctx(sys.argv[3])
out = {}
io.write_full('o', b'before snap')
s = io.create_self_managed_snap()
out['snap'] = s
io.set_self_managed_snap_write([s])
io.write_full('o', b'after')
io.set_read(s)
out['at_snap'] = io.read('o').decode()
io.set_read(rados.LIBRADOS_SNAP_HEAD)
out['head'] = io.read('o').decode()
io.rollback_self_managed_snap('o', s)
out['rolled_back'] = io.read('o').decode()
s2 = io.create_self_managed_snap()
io.set_self_managed_snap_write([s2, s])
io.remove_object('o')
io.set_read(s2)
out['after_delete_at_s2'] = io.read('o').decode()
io.set_read(rados.LIBRADOS_SNAP_HEAD)
try:
    io.read('o')
    out['head_after_delete'] = 'exists'
except rados.ObjectNotFound:
    out['head_after_delete'] = 'ENOENT'
io.remove_self_managed_snap(s)
io.remove_self_managed_snap(s2)
c.shutdown()
print(json.dumps(out))
`;

t.test('pool and self-managed snapshots against ts-osd', async (t) => {
  requireBinary('/usr/bin/python3');
  const c = await startTsOsdCluster({ pgNum: 8 });
  t.teardown(() => c.stop());
  const dir = c.mon.dir;
  const fail = (what: string, r: { code: number | null; stdout: string; stderr: string }): string => `${what} (${r.code}): ${r.stdout}${r.stderr}\n--- osd log\n${c.osdLog()}`;
  const v1 = join(dir, 'v1');
  const v2 = join(dir, 'v2');
  writeFileSync(v1, 'first version of obj');
  writeFileSync(v2, 'second');

  let r = await c.rados(['put', 'obj', v1]);
  t.equal(r.code, 0, fail('put', r));
  r = await c.rados(['mksnap', 's1']);
  t.match(r.stdout, /created pool p snap s1/, fail('mksnap', r));
  r = await c.rados(['put', 'obj', v2]);
  t.equal(r.code, 0, fail('overwrite', r));

  const out = join(dir, 'out');
  r = await c.rados(['-s', 's1', 'get', 'obj', out]);
  t.equal(r.code, 0, fail('get at s1', r));
  t.equal(readFileSync(out, 'utf8'), 'first version of obj', 'the old bytes at s1');
  r = await c.rados(['get', 'obj', out]);
  t.equal(readFileSync(out, 'utf8'), 'second', 'the head has the new bytes');

  r = await c.rados(['listsnaps', 'obj']);
  t.equal(r.code, 0, fail('listsnaps', r));
  t.equal(r.stdout.trimEnd(), 'obj:\ncloneid\tsnaps\tsize\toverlap\n1\t1\t20\t[]\nhead\t-\t6', 'rados.cc listsnaps table');

  r = await c.rados(['rollback', 'obj', 's1']);
  t.match(r.stdout, /rolled back pool p to snapshot s1/, fail('rollback', r));
  r = await c.rados(['get', 'obj', out]);
  t.equal(readFileSync(out, 'utf8'), 'first version of obj', 'rolled back');

  r = await c.rados(['rmsnap', 's1']);
  t.match(r.stdout, /removed pool p snap s1/, fail('rmsnap', r));
  let last = '';
  await waitFor(
    async () => {
      last = (await c.rados(['listsnaps', 'obj'])).stdout.trimEnd();
      return last === 'obj:\ncloneid\tsnaps\tsize\toverlap\nhead\t-\t20';
    },
    30_000,
    'the clone of s1 trimmed',
    500,
  ).catch((e: Error) => t.fail(`${e.message}: listsnaps shows ${JSON.stringify(last)}\n${c.osdLog()}`));
  t.match(c.osdLog(400), /purged snaps now \[\[1,1\]\]/, 'the PG recorded snap 1 as purged');

  // Self-managed snaps live in a pool of their own (a pool is in one snap mode).
  for (const args of [['osd', 'pool', 'create', 'um', '8'], ['osd', 'pool', 'set', 'um', 'size', '1', '--yes-i-really-mean-it']]) {
    const x = await c.mon.ceph(args);
    t.equal(x.code, 0, fail(args.join(' '), x));
  }
  await waitFor(() => /created pg 2\.7\b/.test(c.osdLog(400)), 30_000, 'PGs of um created', 250);
  r = await c.python(selfManaged, ['um']);
  t.equal(r.code, 0, fail('python self-managed snaps', r));
  const py = JSON.parse(r.stdout) as Record<string, unknown>;
  t.same(py, { snap: py.snap, at_snap: 'before snap', head: 'after', rolled_back: 'before snap', after_delete_at_s2: 'before snap', head_after_delete: 'ENOENT' });
  t.ok(typeof py.snap === 'number' && py.snap > 0, 'a snap id from the monitor');
});
