/**
 * The pg commands' pure core: `pg PGID query|list_unfound|mark_unfound_lost` and the `tell PGID`
 * forms are parsed as OSD::asok_command does, and `query`'s JSON has the key set and value types of
 * a real 16.2.15 ceph-osd's answer (test/fixtures/ceph-osd-16.2.15-pg-query.json, `ceph pg 2.6
 * query` on the reference cluster: a size-2 PG, active+clean, one object).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Errno } from '@ts-ceph/common';
import { JsonFormatter, newPgInfo, newPgStat } from '@ts-ceph/maps';
import { OsdConfig } from '../src/core/tell/osd-config';
import { OpTracker } from '../src/core/tell/op-tracker';
import { OsdPerfCounters } from '../src/core/tell/perf';
import { TellHost, runTell } from '../src/core/tell/tell';
import { PgQueryView, dumpListUnfound, dumpPgQuery } from '../src/core/tell/pg-command';

const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'ceph-osd-16.2.15-pg-query.json');

const host: TellHost = {
  status: () => ({ clusterFsid: 'c', osdFsid: 'o', whoami: 0, state: 'active', oldestMap: 1, newestMap: 1, numPgs: 1 }),
  config: new OsdConfig([], () => undefined),
  tracker: new OpTracker(),
  perf: new OsdPerfCounters(),
  mappedPools: () => [],
  flushPgStats: () => 0n,
  nowMs: () => 0,
};
const tell = (cmd: object) => runTell([JSON.stringify(cmd)], host);

t.test('pg commands are parsed as OSD::asok_command parses them', async (t) => {
  t.same(tell({ prefix: 'pg', pgid: '2.1a', cmd: 'query' }), { pg: { pgid: { pool: 2, seed: 0x1a }, command: 'query', pretty: true } }, 'old form: the cmd names the command');
  t.same(tell({ prefix: 'query', pgid: '3.0', format: 'json' }), { pg: { pgid: { pool: 3, seed: 0 }, command: 'query', pretty: false } }, 'tell PGID form');
  t.same(tell({ prefix: 'pg', pgid: '2.6', cmd: 'mark_unfound_lost', mulcmd: 'revert' }), { pg: { pgid: { pool: 2, seed: 6 }, command: 'mark_unfound_lost', mulcmd: 'revert', pretty: true } });
  const err = (o: ReturnType<typeof tell>) => ('reply' in o ? [o.reply.r, o.reply.rs] : o);
  t.same(err(tell({ prefix: 'pg', pgid: '2.6', cmd: 'bogus' })), [-Errno.EINVAL, 'invalid command json'], 'a cmd outside every pg choice');
  t.same(err(tell({ prefix: 'pg', pgid: '2.6', cmd: 'mark_unfound_lost', mulcmd: 'keep' })), [-Errno.EINVAL, 'invalid command json'], 'mulcmd is revert|delete');
  t.same(err(tell({ prefix: 'query' })), [-Errno.EINVAL, 'no pgid specified']);
  t.same(err(tell({ prefix: 'query', pgid: 'x.y' })), [-Errno.EINVAL, "couldn't parse pgid 'x.y'"]);
});

/** Every key path with its JSON type; an array by its first element. */
function skeleton(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [skeleton(v[0])] : [];
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, skeleton(x)]));
  return typeof v;
}

t.test('query has the keys and value types of a real 16.2.15 OSD', async (t) => {
  const info = newPgInfo({ pgid: { pool: 2, seed: 6 }, shard: -1 });
  info.stats = { ...newPgStat(), up: [0, 1], acting: [0, 1] };
  const at = { sec: 1_765_000_000, nsec: 0 };
  const view: PgQueryView = {
    state: 'active+clean',
    epoch: 15,
    up: [0, 1],
    acting: [0, 1],
    actingRecoveryBackfill: [1, 0],
    info,
    peers: [{ osd: 1, info: newPgInfo({ pgid: { pool: 2, seed: 6 }, shard: -1 }) }],
    recoveryState: [{ name: 'Started/Primary/Active', enterTime: at, recovering: [], backfillTargets: [] }, { name: 'Started', enterTime: at }],
    scrubber: { epochStart: 0, active: false },
    snapTrimq: '[]',
    snapTrimqLen: 0,
  };
  const f = new JsonFormatter(true);
  dumpPgQuery(f, view);
  const ours = JSON.parse(f.toString()) as { acting_recovery_backfill: string[] };
  const real = JSON.parse(readFileSync(fixture, 'utf8')) as unknown;
  t.same(skeleton(ours), skeleton(real));
  t.same(ours.acting_recovery_backfill, ['0', '1'], 'shards sorted, as strings');
});

t.test('list_unfound prints the missing objects as PrimaryLogPG does', async (t) => {
  const f = new JsonFormatter(false);
  dumpListUnfound(f, { numMissing: 2, unfound: [{ oid: 'a', need: "5'3", have: "0'0" }, { oid: 'b', need: "5'4", have: "0'0" }], stateName: 'Active' }, 1);
  t.same(JSON.parse(f.toString()), {
    num_missing: 2,
    num_unfound: 2,
    objects: [{ oid: { oid: 'a' }, need: "5'3", have: "0'0", locations: [] }],
    state: 'Active',
    available_might_have_unfound: true,
    might_have_unfound: [],
    more: true,
  });
  const empty = new JsonFormatter(true);
  dumpListUnfound(empty, { numMissing: 0, unfound: [], stateName: 'Active' }, 256);
  // The real OSD's answer for a clean PG (`ceph pg 2.6 list_unfound` on the reference cluster).
  t.equal(empty.toString(), '{\n    "num_missing": 0,\n    "num_unfound": 0,\n    "objects": [],\n    "state": "Active",\n    "available_might_have_unfound": true,\n    "might_have_unfound": [],\n    "more": false\n}\n');
});
