/**
 * Stored OSDMaps and the epochs an OSD missed (core/map-store.ts, osd-map-store.ts, pg-driver.ts's
 * onMaps): every epoch a map message steps through reaches peering; the maps survive a restart in
 * the meta collection (osdmap.N / inc_osdmap.N with the superblock's oldest/newest) and are trimmed
 * to what the PGs still need; a PG whose OSD was down while an interval went read-write without it,
 * and whose members are down now, stays `down` when it learns those epochs, after a restart too.
 */
import t from 'tap';
import { CEPH_FEATURES_ALL, Uuid } from '@ts-ceph/denc';
import { SimClock } from '@ts-ceph/common';
import { OSDMap, OsdState, buildSimple, cloneOSDMap, encodeIncremental, encodeOSDMap, newIncremental, pgKey, pgToUpActingOsds } from '@ts-ceph/maps';
import { MemStore, collMeta } from '@ts-ceph/objectstore';
import { applyMapMessage } from '../src/core/osd-service';
import { incOsdmapObject, mapStoreLimits, osdmapObject, trimPlan } from '../src/core/map-store';
import { OsdMapStore } from '../src/osd-map-store';
import { PgDriver } from '../src/pg-driver';
import { PgChains } from '../src/pg-chains';
import { defaultPeeringConf } from '../src/core/peering';

const uuid = '01234567-89ab-cdef-0123-456789abcdef' as Uuid;

/** Epoch 1 of a 3-OSD cluster, pool 1 with 8 PGs of size 3, min_size 1, every OSD up. */
function firstMap(): OSDMap {
  const m = buildSimple({ numOsd: 3, now: { sec: 0, nsec: 0 }, defaultPool: true, pgBits: 0, pgpBits: 0, conf: { osdCrushChooseleafType: 0 } });
  for (let i = 0; i < 3; i++) {
    m.osdState[i] = OsdState.EXISTS | OsdState.UP;
    m.osdWeight[i] = 0x10000;
  }
  const p = m.pools.get(1)!;
  p.size = 3;
  p.minSize = 1;
  p.pgNum = p.pgpNum = p.pgNumPending = p.pgNumTarget = p.pgpNumTarget = 8;
  m.epoch = 1;
  return m;
}

/** The next epoch with `up` as the up OSDs; every up OSD's up_thru reaches it (each interval may go read-write). */
function next(prev: OSDMap, up: number[]): OSDMap {
  const m = cloneOSDMap(prev);
  m.epoch = prev.epoch + 1;
  for (let i = 0; i < 3; i++) {
    m.osdState[i] = up.includes(i) ? OsdState.EXISTS | OsdState.UP : OsdState.EXISTS;
    if (up.includes(i)) m.osdInfo[i]!.upThru = m.epoch;
  }
  return m;
}

/** osd.0 up at e1, down at e2 while osd.2 fails (e3: osd.1 alone serves) then osd.1 fails (e4), back with osd.2 at e5. */
function history(): OSDMap[] {
  const e1 = firstMap();
  const e2 = next(e1, [1, 2]);
  const e3 = next(e2, [1]);
  const e4 = next(e3, []);
  const e5 = next(e4, [0, 2]);
  return [e1, e2, e3, e4, e5];
}

async function newStore(): Promise<MemStore> {
  const s = new MemStore();
  await s.mkfs();
  await s.mount();
  return s;
}

function driverFor(store: MemStore, maps: () => OSDMap | undefined): { d: PgDriver; settle(): Promise<void> } {
  const pgQueues = new PgChains();
  const peers = { send: () => undefined, onMessage: () => undefined, markDown: () => undefined };
  const d = new PgDriver({ id: 0, clock: new SimClock(), store, osdmap: maps, peers, sendMon: () => undefined, conf: defaultPeeringConf, pgs: new Map(), pgQueues, noteCommit: () => undefined, osdUuid: uuid });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) {
      await Promise.all([...pgQueues.values()]);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { d, settle };
}

t.test('trimPlan keeps what the PGs need and at most storedMapsMax', (t) => {
  const lim = { storedMapsMax: 10, cachedMapsMax: 4, trimPerTxnMax: 3, recentMapsMin: 1 };
  t.same(trimPlan(1, 8, 5, lim), [1, 2, 3], 'below the oldest needed epoch, three per transaction');
  t.same(trimPlan(4, 8, 5, lim), [4]);
  t.same(trimPlan(5, 8, 5, lim), [], 'nothing a PG needs');
  t.same(trimPlan(1, 30, 2, lim), [1, 2, 3], 'past the bound the oldest go though a PG needs them');
  t.same(trimPlan(18, 30, 2, lim), [18, 19, 20]);
  t.same(trimPlan(21, 30, 2, lim), []);
  t.same(trimPlan(0, 0, Infinity, lim), [], 'nothing stored');
  const recent = { ...lim, recentMapsMin: 4 };
  t.same(trimPlan(1, 8, Infinity, recent), [1, 2, 3], 'with no PG, the newest recentMapsMin stay');
  t.same(trimPlan(4, 8, Infinity, recent), [4]);
  t.same(trimPlan(5, 8, Infinity, recent), [], 'epochs 5..8 kept for a PG still being created');
  t.same(trimPlan(5, 8, 7, recent), [], 'a PG needing only 7 does not shrink the recent window');
  t.end();
});

t.test('a map message yields every epoch it steps through', (t) => {
  const [e1, e2, e3] = history();
  const enc = (m: OSDMap): Buffer => encodeOSDMap(m, CEPH_FEATURES_ALL);
  const inc = newIncremental(3);
  inc.fsid = e2!.fsid;
  inc.newState.set(2, OsdState.UP);
  const r = applyMapMessage(e1, { maps: new Map([[2, enc(e2!)]]), incrementalMaps: new Map([[3, encodeIncremental(inc, CEPH_FEATURES_ALL)]]) });
  t.same(r.maps.map((m) => m.epoch), [2, 3], 'the full map that follows ours, then the incremental');
  t.equal(r.maps[1]!.osdState[2]! & OsdState.UP, 0, 'the incremental applied (osd.2 down at e3)');
  t.equal(r.missingFrom, undefined);
  const jump = applyMapMessage(e1, { maps: new Map([[3, enc(e3!)], [2, enc(e2!)]]), incrementalMaps: new Map() });
  t.same(jump.maps.map((m) => m.epoch), [2, 3], 'consecutive full maps are each stepped through');
  const gap = applyMapMessage(undefined, { maps: new Map([[3, enc(e3!)], [1, enc(e1!)]]), incrementalMaps: new Map() });
  t.same(gap.maps.map((m) => m.epoch), [3], 'without a map of ours only the newest full map counts');
  t.end();
});

t.test('stored maps survive a restart and are trimmed', async (t) => {
  const store = await newStore();
  const maps = history();
  const a = new OsdMapStore(store, 0, uuid);
  t.equal(await a.load(), undefined, 'a new store has no maps');
  a.put(maps.slice(0, 3), new Map([[2, Buffer.from('inc2')]]), 1);
  a.put(maps.slice(2), new Map(), 1);
  await a.flush();
  t.ok(await store.exists(collMeta(), osdmapObject(4)), 'osdmap.4 in the meta collection');
  t.same(await store.read(collMeta(), incOsdmapObject(2), 0, 0), Buffer.from('inc2'), 'inc_osdmap.2 holds the raw incremental');
  // recentMapsMin 1: the trimming of epochs no PG needs, without the recent window that keeps 50.
  const b = new OsdMapStore(store, 0, uuid, { ...mapStoreLimits, recentMapsMin: 1 });
  const newest = await b.load();
  t.equal(newest?.epoch, 5, 'the superblock names the newest');
  t.same([b.oldest, b.newest], [1, 5]);
  t.same((await b.range(2, 4)).map((m) => m.osdState.slice(0, 3)), maps.slice(1, 4).map((m) => m.osdState.slice(0, 3)), 'each epoch reads back as stored');
  b.put([next(maps[4]!, [0, 1, 2])], new Map(), 4);
  await b.flush();
  t.same([b.oldest, b.newest], [4, 6], 'epochs below the oldest needed one are trimmed');
  t.notOk(await store.exists(collMeta(), osdmapObject(3)), 'osdmap.3 removed');
  t.notOk(await store.exists(collMeta(), incOsdmapObject(2)), 'inc_osdmap.2 removed');
  t.equal(await b.get(2), undefined);
  t.end();
});

/** A PG whose primary at e5 is osd.0 (every PG holds every OSD: size 3 on 3 OSDs). */
function primaryPg(m: OSDMap): number {
  for (let seed = 0; seed < 8; seed++) if (pgToUpActingOsds(m, { pool: 1, seed }).actingPrimary === 0) return seed;
  throw new Error('no PG with osd.0 primary');
}

t.test('the epochs missed while down reach peering: the PG stays down', async (t) => {
  const maps = history();
  const key = pgKey({ pool: 1, seed: primaryPg(maps[4]!) });
  const store = await newStore();
  let cur: OSDMap | undefined = maps[0];
  const a = driverFor(store, () => cur);
  await a.d.maps.load();
  a.d.onMaps([maps[0]!], new Map());
  await a.settle();
  t.ok(a.d.cores.has(key), 'the PG is created on the first map');
  // One message from the monitor carries e2..e5: each epoch is an interval of its own.
  cur = maps[4];
  a.d.onMaps(maps.slice(1), new Map());
  await a.settle();
  const core = a.d.cores.get(key)!;
  t.same(core.past.map((i) => [i.first, i.last, i.acting.length]), [[1, 1, 3], [2, 2, 2], [3, 3, 1], [4, 4, 0]], 'one past interval per epoch');
  t.equal(core.phase, 'down', 'e3 went read-write on osd.1 alone, which is down: pg down');
  t.same(core.prior.down, [1]);
  await a.d.maps.flush();

  // Restart: the stored e1 plus the missed epochs from the monitor replay the same intervals.
  const store2 = await newStore();
  const b0 = driverFor(store2, () => maps[0]);
  await b0.d.maps.load();
  b0.d.onMaps([maps[0]!], new Map());
  await b0.settle();
  await b0.d.maps.flush();
  const b = driverFor(store2, () => maps[4]);
  t.equal((await b.d.maps.load())?.epoch, 1, 'osd.0 stored e1 before going down');
  await b.d.load();
  b.d.onMaps(maps.slice(1), new Map());
  await b.settle();
  t.equal(b.d.cores.get(key)?.phase, 'down', 'after a restart too');

  // Without the missed epochs (only the newest map) the PG would have gone active on osd.2's copy.
  const store3 = await newStore();
  const c0 = driverFor(store3, () => maps[0]);
  c0.d.onMaps([maps[0]!], new Map());
  await c0.settle();
  const c = driverFor(store3, () => maps[4]);
  await c.d.load();
  c.d.onMaps([maps[4]!], new Map());
  await c.settle();
  t.not(c.d.cores.get(key)?.phase, 'down', 'the control: one map hides the interval');
  t.end();
});
