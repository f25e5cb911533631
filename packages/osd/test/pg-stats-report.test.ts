/**
 * What ts-osd reports in MPGStats, from a PG on a MemStore: the PG's object, clone and byte counts
 * from its collection (recounted when its last_update moves), active+clean with the up/acting sets
 * of the map, the PG log size and version, and the store's statfs as osd_stat_t and per-pool usage.
 * PGs this OSD is not the acting primary of are left out.
 */
import t from 'tap';
import { buildSimple, cloneOSDMap, OsdState, pgToUpActingOsds } from '@ts-ceph/maps';
import { osdOpWriteFull } from '@ts-ceph/messages';
import { PgStatsReporter } from '../src/pg-stats-report';
import { harness, req } from './lib/harness';

t.test('MPGStats from a PG with two objects', async (t) => {
  const h = await harness();
  const m = buildSimple({ numOsd: 1, now: { sec: 1_700_000_000, nsec: 0 }, defaultPool: true, pgBits: 3 });
  m.epoch = 9;
  m.osdState[0] = OsdState.EXISTS | OsdState.UP;
  m.osdWeight[0] = 0x10000;
  t.same(pgToUpActingOsds(m, { pool: 1, seed: 3 }).acting, [0], 'osd.0 is the acting primary of 1.3');
  const pgs = new Map([['1.3', h.pg]]);
  const r = new PgStatsReporter({ id: 0, store: h.store, pgs });
  await h.run(req('a', [osdOpWriteFull(Buffer.alloc(1000, 1))]));
  await h.run(req('b', [osdOpWriteFull(Buffer.alloc(24, 2))]));
  const now = { sec: 1_700_000_100, nsec: 0 };
  let s = await r.build(m.fsid, m, 7, now);
  t.equal(s.pgStat.length, 1);
  const [pgid, st] = s.pgStat[0]!;
  t.same(pgid, { pool: 1, seed: 3 });
  t.same([st.stats.sum.num_objects, st.stats.sum.num_bytes, st.stats.sum.num_object_clones], [2, 1024, 0], 'objects and bytes from the collection, the pgmeta object left out');
  t.equal(st.state, (1n << 1n) | (1n << 2n), 'active+clean');
  t.same([st.up, st.acting, st.upPrimary, st.actingPrimary, st.reportedEpoch], [[0], [0], 0, 0, 9]);
  t.same([st.version, st.logSize], [h.pg.info.lastUpdate, 2], 'version and log size from the PG');
  t.same(s.poolStat.map(([p, fs]) => [p, fs.data_stored]), [[1, 1024]], 'per-pool usage');
  t.same([s.osdStat.upFrom, s.osdStat.numPgs, s.osdStat.seq], [7, 1, (7n << 32n) + 1n]);
  t.ok(s.osdStat.statfs.total > 0, 'statfs from the store');

  await h.run(req('c', [osdOpWriteFull(Buffer.alloc(10, 3))]));
  s = await r.build(m.fsid, m, 7, now);
  t.same([s.pgStat[0]![1].stats.sum.num_objects, s.pgStat[0]![1].reportedSeq], [3, 2n], 'recounted after a write; the report sequence grows');

  // The next epoch's map, a new object as the daemon gets it (an epoch's map is never changed).
  const down = cloneOSDMap(m);
  down.epoch++;
  down.osdState[0] = OsdState.EXISTS;
  s = await r.build(down.fsid, down, 7, now);
  t.same(s.pgStat, [], 'no PGs while not their acting primary');
});
