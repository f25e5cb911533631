/**
 * Differential (pool and self-managed snapshots, the monitor's side): python3-rados (create_snap,
 * list_snaps, lookup_snap, remove_snap, create/remove_self_managed_snap: MPoolOp), `ceph osd pool
 * mksnap/rmsnap` and `rados mksnap/lssnap/rmsnap` against a fresh real 16.2.15 ceph-mon and a fresh
 * ts-mon. Snap ids, errors, each pool's snap_seq/snap_epoch/snaps, removed_snaps_queue and the
 * incremental's new_removed_snaps must agree; no OSD is needed, as all of it is in the OSDMap.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealMon, requireBinary, run } from '@ts-ceph/testkit';
import { normalize, realAndOurs } from './mon-lib';

const script = String.raw`
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=20)
out = {}
def err(f):
    try:
        f()
        return 'ok'
    except Exception as e:
        return type(e).__name__
def cmd(**kw):
    r, o, s = c.mon_command(json.dumps(kw), b'')
    return [r, s]
def dump():
    r, o, s = c.mon_command(json.dumps({'prefix': 'osd dump', 'format': 'json'}), b'')
    d = json.loads(o)
    keys = ('pool_name', 'flags_names', 'snap_mode', 'snap_seq', 'snap_epoch', 'removed_snaps', 'last_change')
    pools = [dict([(k, p[k]) for k in keys] + [('snaps', [[s['snapid'], s['name']] for s in p['pool_snaps']])]) for p in d['pools']]
    return [d['epoch'], pools, d['removed_snaps_queue'], d['new_removed_snaps'], d['new_purged_snaps']]
c.create_pool('ps')
c.create_pool('um')
io = c.open_ioctx('ps')
io.create_snap('s1')
io.create_snap('s2')
out['dup'] = err(lambda: io.create_snap('s1'))
out['list'] = [[s.snap_id, s.name] for s in io.list_snaps()]
out['lookup'] = [io.lookup_snap('s2').snap_id, err(lambda: io.lookup_snap('nope'))]
io.remove_snap('s1')
out['rm_again'] = err(lambda: io.remove_snap('s1'))
out['d1'] = dump()
out['um_on_ps'] = err(lambda: io.create_self_managed_snap())
io2 = c.open_ioctx('um')
a = io2.create_self_managed_snap()
b = io2.create_self_managed_snap()
out['um'] = [a, b]
io2.remove_self_managed_snap(a)
out['um_rm_again'] = err(lambda: io2.remove_self_managed_snap(a))
out['um_rm_future'] = err(lambda: io2.remove_self_managed_snap(100))
out['ps_on_um'] = err(lambda: io2.create_snap('x'))
out['d2'] = dump()
out['cli'] = [cmd(prefix='osd pool mksnap', pool='um', snap='x'), cmd(prefix='osd pool rmsnap', pool='um', snap='x'),
              cmd(prefix='osd pool mksnap', pool='ps', snap='s3'), cmd(prefix='osd pool mksnap', pool='ps', snap='s3'),
              cmd(prefix='osd pool rmsnap', pool='ps', snap='s3'), cmd(prefix='osd pool rmsnap', pool='ps', snap='s3'),
              cmd(prefix='osd pool mksnap', pool='nope', snap='s3')]
out['d3'] = dump()
c.shutdown()
print(json.dumps(out))
`;

async function python(m: RealMon): Promise<Record<string, unknown>> {
  const f = join(m.dir, 'snaps.py');
  writeFileSync(f, script);
  const r = await run('/usr/bin/python3', [f, m.conf], { env: { ...process.env, CEPH_KEYRING: m.adminKeyring }, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`snaps.py failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function radosCli(m: RealMon, args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await run('rados', ['-c', m.conf, '-k', m.adminKeyring, ...args], { timeoutMs: 60_000 });
  // lssnap prints each snap's local creation time.
  const out = normalize(r.stdout + r.stderr, m).replace(/\d{4}\.\d\d\.\d\d \d\d:\d\d:\d\d/g, 'TIME');
  return { code: r.code, out };
}

t.test('snapshots: real ceph-mon and ts-mon answer alike', async (t) => {
  requireBinary('/usr/bin/python3');
  requireBinary('rados');
  const { real, ours } = await realAndOurs(t, 'mon_warn_on_too_few_osds = false');
  const [a, b] = await Promise.all([python(real), python(ours)]);
  t.same(b, a, 'python3-rados snapshot calls and the maps they leave');
  t.same(b.list, [[1, 's1'], [2, 's2']], 'pool snaps are listed from the osdmap');
  t.same(b.um, [2, 3], 'self-managed snap ids come from the mon');
  t.same([b.um_on_ps, b.ps_on_um], ['InvalidArgumentError', 'InvalidArgumentError'], 'pool and self-managed snaps exclude each other');
  for (const args of [
    ['-p', 'ps', 'mksnap', 'r1'],
    ['-p', 'ps', 'mksnap', 'r1'],
    ['-p', 'ps', 'lssnap'],
    ['-p', 'ps', 'rmsnap', 'r1'],
    ['-p', 'ps', 'rmsnap', 'r1'],
    ['-p', 'um', 'mksnap', 'r1'],
    ['-p', 'um', 'lssnap'],
  ]) {
    const [x, y] = [await radosCli(real, args), await radosCli(ours, args)];
    t.same(y, x, `rados ${args.join(' ')}`);
  }
});
