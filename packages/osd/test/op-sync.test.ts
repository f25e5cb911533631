/**
 * The op engine's synchronous path (core/obc-cache.ts, core/op-run.ts): with the PG's object
 * contexts a head write the PG has just written runs without reading the store and without a
 * promise, and answers exactly as the store-reading path does. Differential: one script of ops
 * runs on two PGs, one reading the store for every op and one with object contexts kept as
 * rep-ops.ts keeps them (invalidate on queue, put the write's context after); replies, PG logs
 * and the stores' bytes must be the same, and every cached context must equal a fresh load.
 */
import t from 'tap';
import { makeAddr, Reader } from '@ts-ceph/denc';
import { decodeSnapSetT, newSnapSet } from '@ts-ceph/maps';
import { CephOsdFlag, CephOsdOp, CephOsdOpFlag, CephOsdWatchOp, MOSDOp, MOSDOpReply, encodeOmapSetVals, osdOp, osdOpExtent, osdOpRead, osdOpWatch, osdOpWrite, osdOpWriteFull, osdOpXattr } from '@ts-ceph/messages';
import { CEPH_NOSNAP, MemStore, Transaction, ghobject, ghobjectMax, ghobjectMin } from '@ts-ceph/objectstore';
import { OpOutcome, executeOp, opObject } from '../src/core/op-engine';
import { ObjectContextCache, obcCacheLimits, obcKey, takeSnapSet } from '../src/core/obc-cache';
import { SS_ATTR, loadObjectStateIn } from '../src/core/object-info';
import { harness, req, allowAll, testNow, Harness } from './lib/harness';

const snapc = (seq: bigint, snaps: bigint[]): Partial<MOSDOp> => ({ snapSeq: seq, snaps });
const rd = { flags: CephOsdFlag.READ };
const omapSet = (k: string, v: string) => osdOp(CephOsdOp.OMAPSETVALS, { data: encodeOmapSetVals(new Map([[k, Buffer.from(v)]])) });
const assertVer = (v: bigint) => {
  const args = Buffer.alloc(8);
  args.writeBigUInt64LE(v);
  return osdOp(CephOsdOp.ASSERT_VER, { args });
};

/** The script: writes of every synchronous kind, failures, reads, a snapshot clone, delete and re-create. */
const script = (): MOSDOp[] => [
  req('a', [osdOpWriteFull(Buffer.from('hello world'))]),
  req('a', [osdOpWrite(6, Buffer.from('WORLD!'))]),
  req('a', [osdOp(CephOsdOp.STAT)], rd),
  req('a', [osdOpXattr(CephOsdOp.SETXATTR, 'color', Buffer.from('blue')), omapSet('k1', 'v1')]),
  req('a', [osdOpExtent(CephOsdOp.APPEND, 0, 3, Buffer.from('!!!'))]),
  req('a', [assertVer(4n), osdOpWrite(0, Buffer.from('H'))]),
  req('a', [assertVer(1n), osdOpWrite(0, Buffer.from('X'))]),
  req('a', [osdOp(CephOsdOp.CREATE, { flags: CephOsdOpFlag.EXCL })]),
  req('a', [osdOpExtent(CephOsdOp.TRUNCATE, 4, 0)]),
  req('a', [osdOpExtent(CephOsdOp.ZERO, 1, 2)]),
  req('a', [osdOpRead(0, 0)], rd),
  req('a', [osdOpWatch(CephOsdWatchOp.WATCH, 77n, 0, 30)]),
  req('a', [osdOpWrite(2, Buffer.from('snapped'))], snapc(4n, [4n])),
  req('a', [osdOpWrite(3, Buffer.from('again'))], snapc(4n, [4n])),
  req('a', [osdOpRead(0, 0)], { ...rd, snapid: 4n }),
  req('a', [osdOp(CephOsdOp.DELETE)], snapc(4n, [4n])),
  req('a', [osdOpWriteFull(Buffer.from('back'))], snapc(4n, [4n])),
  req('b', [osdOpRead(0, 0)], rd),
  req('b', [osdOp(CephOsdOp.DELETE)]),
  req('b', [osdOpWriteFull(Buffer.from('bee'))]),
  req('b', [osdOp(CephOsdOp.DELETE)]),
  req('b', [osdOpWrite(5, Buffer.from('late'))]),
  req('b', [osdOpXattr(CephOsdOp.RMXATTR, 'none'), osdOpWrite(0, Buffer.from('x'))]),
  req('b', [osdOp(CephOsdOp.OMAPCLEAR), osdOp(CephOsdOp.SETALLOCHINT, { args: Buffer.alloc(20) })]),
];

const tids = new Map<Harness, bigint>();
/** One op as the primary runs it: with object contexts, invalidated on queue and refilled after (rep-ops.ts). */
async function runOne(h: Harness, m: MOSDOp, obc: ObjectContextCache | undefined): Promise<{ reply: MOSDOpReply; sync: boolean }> {
  const tid = (tids.get(h) ?? 0n) + 1n;
  tids.set(h, tid);
  m.reqid = { ...m.reqid, tid };
  const o = executeOp(h.store, h.pg, m, { epoch: 9, now: testNow, pool: h.pool, session: allowAll, origin: { name: m.reqid.name, addr: makeAddr(2, '127.0.0.1', 40000, 77) }, obc });
  const sync = !(o instanceof Promise);
  const out: OpOutcome = await o;
  if (out.t) {
    obc?.invalidate(out.t);
    await h.store.queueTransaction(out.t);
    if (out.obc) obc!.put(out.obc.key, out.obc.entry);
  }
  return { reply: out.reply, sync };
}

/** Every object of the PG's collection: attrs, data and omap, as comparable values. */
async function dump(store: MemStore, h: Harness): Promise<unknown[]> {
  const { objects } = await store.collectionList(h.pg.coll, ghobjectMin(), ghobjectMax(), 1000);
  const out: unknown[] = [];
  for (const o of objects) {
    const attrs = [...(await store.getattrs(h.pg.coll, o))].map(([k, v]) => [k, v.toString('hex')]);
    const omap = await store.omapGet(h.pg.coll, o);
    out.push([o.name, String(o.snap), attrs, (await store.read(h.pg.coll, o, 0, 0)).toString('hex'), [...omap.values].map(([k, v]) => [k, v.toString('hex')])]);
  }
  return out;
}

t.test('the same replies, logs and bytes with object contexts as without; cached contexts equal fresh loads', async (t) => {
  const plain = await harness();
  const cached = await harness();
  const obc = new ObjectContextCache();
  let syncWrites = 0;
  const twin = script();
  for (const [i, m] of script().entries()) {
    const a = await runOne(plain, m, undefined);
    const b = await runOne(cached, twin[i]!, obc);
    t.same(b.reply, a.reply, `${m.oid} ${m.ops.map((o) => o.op.toString(16)).join(',')}: the same reply`);
    t.equal(a.sync && m.ops.length > 0 && !(m.flags & CephOsdFlag.READ), false, 'the store-reading path never answers a write synchronously');
    if (b.sync && !(m.flags & CephOsdFlag.READ)) syncWrites++;
    const head = opObject(m);
    const e = obc.get(obcKey(head)!);
    if (!e) continue;
    const fresh = await loadObjectStateIn(cached.store, cached.pg.coll, head);
    t.same(e.state, fresh, `${m.oid}: the cached object info is the stored one`);
    const raw = fresh.exists ? await cached.store.getattr(cached.pg.coll, head, SS_ATTR).catch(() => undefined) : undefined;
    t.same(e.snapset, raw ? decodeSnapSetT(new Reader(raw)) : newSnapSet(), `${m.oid}: the cached SnapSet is the stored one`);
  }
  t.ok(syncWrites >= 14, `most writes ran synchronously (${syncWrites})`);
  t.same(cached.pg.entries, plain.pg.entries, 'the same PG log');
  t.same(await dump(cached.store, cached), await dump(plain.store, plain), 'the same objects, attrs, data and omap');
});

t.test('a write outside the op engine (a queued transaction) drops the context; a load racing it does not fill', async (t) => {
  const h = await harness();
  const obc = new ObjectContextCache();
  await runOne(h, req('w', [osdOpWriteFull(Buffer.from('one'))]), obc);
  const head = opObject(req('w', []));
  const key = obcKey(head)!;
  t.ok(obc.get(key), 'the write left its context');
  t.equal((await runOne(h, req('w', [osdOpWrite(0, Buffer.from('two'))]), obc)).sync, true, 'the next write is synchronous');
  // A snap trim, a watch timeout, a recovery push: any transaction touching the object.
  obc.invalidate(new Transaction().setattr(h.pg.coll, ghobject({ ...head }), 'x', Buffer.from('y')));
  t.equal(obc.get(key), undefined, 'gone');
  t.equal((await runOne(h, req('w', [osdOpWrite(0, Buffer.from('three'))]), obc)).sync, false, 'the next write reads the store');
  const gen = obc.generation;
  obc.invalidate(new Transaction().touch(h.pg.coll, ghobject({ ...head, name: 'other' })));
  obc.fill('late', gen, { oid: head, state: { exists: false, oi: (await loadObjectStateIn(h.store, h.pg.coll, head)).oi }, snapset: newSnapSet() });
  t.equal(obc.get('late'), undefined, 'a load begun before an invalidation is not kept');
  obc.invalidate(new Transaction().removeCollection(h.pg.coll));
  t.equal(obc.size, 0, 'removing the collection clears every context');
  t.equal(obcKey({ ...head, snap: 4n }), undefined, 'clones are never cached');
});

t.test('bounded by osd_pg_object_context_cache_count, least recently used out first; SnapSets copied', async (t) => {
  const obc = new ObjectContextCache();
  const e = (name: string) => ({ oid: ghobject({ pool: 1, name, snap: CEPH_NOSNAP }), state: { exists: false, oi: {} as never }, snapset: newSnapSet() });
  for (let i = 0; i < obcCacheLimits.entriesPerPgMax; i++) obc.put(`k${i}`, e(`o${i}`));
  t.ok(obc.get('k0'), 'k0 used again');
  obc.put('new', e('new'));
  t.equal(obc.size, obcCacheLimits.entriesPerPgMax);
  t.ok(obc.get('k0'), 'the recently used one stays');
  t.equal(obc.get('k1'), undefined, 'the least recently used went');
  const ss = { seq: 7n, snaps: [], clones: [4n], cloneOverlap: [[4n, [[0, 10]]]], cloneSize: [[4n, 10]], cloneSnaps: [[4n, [4n]]] } as ReturnType<typeof newSnapSet>;
  const copy = takeSnapSet(ss);
  copy.clones.push(7n);
  copy.cloneSnaps[0]![1].push(3n);
  copy.cloneOverlap[0]![1] = [];
  t.same(ss, { seq: 7n, snaps: [], clones: [4n], cloneOverlap: [[4n, [[0, 10]]]], cloneSize: [[4n, 10]], cloneSnaps: [[4n, [4n]]] }, 'the cached SnapSet unchanged');
});
