/**
 * `ceph pg PGID query` on ts-osd (issue 11, deliver 2): the stock CLI finds the PG's primary in the
 * OSDMap and sends it the command (find_cmd_target's ('pg', pgid) target, librados pg_command),
 * and ts-osd's answer has the key set and value types of a real 16.2.15 ceph-osd's
 * (packages/osd/test/fixtures/ceph-osd-16.2.15-pg-query.json, from the reference cluster), with
 * the PG's state, sets and counts. Also the `tell PGID` form, list_unfound and mark_unfound_lost.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { json } from './mon-lib';
import { bootstrapTsCluster } from './osd-cluster-lib';

const fixture = join(repoRoot(), 'packages', 'osd', 'test', 'fixtures', 'ceph-osd-16.2.15-pg-query.json');

/** Every key path with its JSON type; an array by its first element. */
function skeleton(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [skeleton(v[0])] : [];
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, skeleton(x)]));
  return typeof v;
}

interface Query {
  state: string;
  up: number[];
  acting: number[];
  info: { pgid: string; last_update: string; stats: { state: string; stat_sum: { num_objects: number } } };
  peer_info: { peer: string }[];
  recovery_state: { name: string }[];
}

t.test('2 ts-osd: ceph pg PGID query answered by the primary in Ceph\'s shape', async (t) => {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const c = await bootstrapTsCluster(2);
  t.teardown(() => c.cleanup());
  for (const args of [['osd', 'pool', 'create', 'q', '4'], ['osd', 'pool', 'set', 'q', 'size', '2'], ['osd', 'pool', 'application', 'enable', 'q', 'rados']]) {
    const r = await c.ceph(args);
    t.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  const put = await run('rados', ['-c', c.conf, '-p', 'q', 'put', 'obj', '-'], { input: 'hello', timeoutMs: 60_000 });
  t.equal(put.code, 0, put.stderr);
  const map = json<{ pgid: string; up: number[]; acting_primary: number }>(await c.ceph(['osd', 'map', 'q', 'obj', '-f', 'json']));
  let q: Query | undefined;
  await waitFor(
    async () => {
      const r = await c.ceph(['pg', map.pgid, 'query']);
      q = r.code === 0 ? (JSON.parse(r.stdout) as Query) : undefined;
      return q?.state === 'active+clean' && q.info.stats.stat_sum.num_objects === 1;
    },
    30_000,
    'pg query: active+clean with the object',
    500,
  );
  const got = q!;
  t.equal(got.info.pgid, map.pgid);
  t.same([got.up, got.acting], [map.up, map.up], 'up and acting from the map');
  t.same(got.peer_info.map((p) => p.peer), map.up.filter((o) => o !== map.acting_primary).map(String), 'the replica\'s info');
  t.same(got.recovery_state.map((s) => s.name), ['Started/Primary/Active', 'Started']);
  t.same(skeleton(got), skeleton(JSON.parse(readFileSync(fixture, 'utf8'))), 'keys and types of a real 16.2.15 OSD\'s answer');

  const tell = await c.ceph(['tell', map.pgid, 'query', '-f', 'json']);
  t.equal(tell.code, 0, tell.stderr);
  t.equal((JSON.parse(tell.stdout) as Query).info.pgid, map.pgid, 'ceph tell PGID query');
  const lu = await c.ceph(['pg', map.pgid, 'list_unfound', '-f', 'json']);
  t.same(JSON.parse(lu.stdout), { num_missing: 0, num_unfound: 0, objects: [], state: 'Active', available_might_have_unfound: true, might_have_unfound: [], more: false }, 'list_unfound on a clean PG');
  const ml = await c.ceph(['pg', map.pgid, 'mark_unfound_lost', 'revert']);
  t.same([ml.code, ml.stderr.trim()], [0, 'pg has no unfound objects'], 'mark_unfound_lost is idempotent, as Ceph');
});
