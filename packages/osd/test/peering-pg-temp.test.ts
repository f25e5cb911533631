/**
 * pg_temp (core/peering/pg-temp.ts): an up primary that would have to be backfilled asks for a
 * temporary acting set of complete copies, the up members outside it are activated as backfill
 * targets, and the pg_temp goes once they hold everything; a primary that log recovery can bring
 * up to date asks for nothing.
 */
import t from 'tap';
import { MemStore, Transaction, collPG } from '@ts-ceph/objectstore';
import { PG, PgInfo, encodeInfo } from '../src/core/pg';
import { PgMapping, ReplicatedPG, defaultPeeringConf } from '../src/core/peering';
import { backfillDone, wantActing } from '../src/core/peering/pg-temp';

const all = new Set([0, 1, 2, 3]);
const mapping = (epoch: number, up: number[], acting = up): PgMapping => ({ epoch, up, upPrimary: up[0]!, acting, primary: acting[0]!, size: 3, minSize: 2, upOsds: all });
const ev = (epoch: number, version: number) => ({ epoch, version: BigInt(version) });
/** A complete copy at 5'10 whose log was trimmed to 5'3 (a copy behind 5'3 must be backfilled). */
const full = (): PgInfo => ({
  pgid: { pool: 1, seed: 0 },
  lastUpdate: ev(5, 10),
  lastComplete: ev(5, 10),
  lastUserVersion: 10n,
  logTail: ev(5, 3),
  epochCreated: 1,
  lastEpochStarted: 5,
  history: { lastEpochStarted: 5, lastEpochClean: 5, sameIntervalSince: 5 },
});
const empty = (): PgInfo => ({ ...PG.fresh(collPG(1, 0), { pool: 1, seed: 0 }, 1).info });

t.test('wantActing: the up primary when log recovery can bring it up to date, else complete copies', async (t) => {
  const infos = new Map([[3, empty()], [1, full()], [2, full()], [0, full()]]);
  t.same(wantActing(mapping(6, [3, 1, 2]), infos, 1), [1, 2, 0], 'osd.3 needs backfill: osd.1 leads, osd.0 keeps the set at size');
  const recoverable = { ...full(), lastUpdate: ev(5, 4) };
  t.same(wantActing(mapping(6, [3, 1, 2]), new Map([...infos, [3, recoverable]]), 1), [3, 1, 2], 'osd.3 reaches the log tail: the up set itself');
  t.same(wantActing(mapping(6, [3, 1, 2]), new Map([...infos, [0, { ...full(), incomplete: true }]]), 1), [1, 2], 'a copy in the middle of a backfill is not complete');
});

async function primary(whoami = 3): Promise<ReplicatedPG> {
  const store = new MemStore();
  await store.mkfs();
  await store.mount();
  const coll = collPG(1, 0);
  const pg = PG.fresh(coll, { pool: 1, seed: 0 }, 1);
  const t0 = new Transaction().createCollection(coll, 0);
  pg.initTransaction(t0);
  await store.queueTransaction(t0);
  // osd.3 comes (back) into the up set as its primary with an empty copy; [1, 2, 0] held the PG.
  const core = new ReplicatedPG(whoami, pg, store, defaultPeeringConf);
  await core.init([mapping(5, [1, 2, 0]), mapping(6, [3, 1, 2])]);
  return core;
}

t.test('the up primary that needs backfill asks for a pg_temp and waits for the map', async (t) => {
  const core = await primary();
  const sent = core.take().flatMap((o) => (o.kind === 'send' ? [`${o.msg.type}->${o.to}`] : []));
  t.same(sent.sort(), ['query->0', 'query->1', 'query->2'], 'the prior set: the up set and the last interval');
  for (const o of [1, 2, 0]) await core.handle(o, { type: 'notify', pgid: [1, 0], interval: 6, info: encodeInfo(full()) });
  t.equal(core.phase, 'wait_acting_change');
  t.same(core.take().filter((o) => o.kind === 'pg_temp'), [{ kind: 'pg_temp', want: [1, 2, 0] }], 'MOSDPGTemp for [1, 2, 0]');
  await core.tick();
  t.same(core.take().filter((o) => o.kind === 'pg_temp'), [{ kind: 'pg_temp', want: [1, 2, 0] }], 'asked again on the tick');
  t.same(core.state() & 0x1000n, 0x1000n, 'peering meanwhile');
  await core.advanceMap(mapping(7, [3, 1, 2], [1, 2, 0]));
  t.equal(core.phase, 'replica_activating', 'with the pg_temp osd.3 is a backfill target: it takes activation from osd.1');
});

t.test('the pg_temp goes once every up member holds everything', async (t) => {
  // osd.1, primary of the pg_temp interval, with what its replicas and targets reported at activation.
  const core = await primary(1);
  core.mapping = mapping(7, [1, 2, 3], [1, 2, 0]);
  core.phase = 'active';
  core.peerMissing = new Map([[2, new Map()], [0, new Map()], [3, new Map([['x', { oid: { name: 'x' }, need: ev(5, 9), gone: false } as never]])]]);
  t.notOk(backfillDone(core), 'osd.3 still lacks an object');
  core.peerMissing.set(3, new Map());
  t.ok(backfillDone(core), 'osd.3 complete: remove the pg_temp');
  core.mapping = mapping(8, [1, 2, 3]);
  t.notOk(backfillDone(core), 'no pg_temp: nothing to remove');
});
