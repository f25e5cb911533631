/**
 * The OSD's fullness (OSDService::recalc_full_state, need_fullness_update), the failsafe refusal in
 * the op engine (every write but a delete gets ENOSPC) and the PG log taking
 * back an entry whose transaction the store refused.
 */
import t from 'tap';
import { OsdState, PgLogOp } from '@ts-ceph/maps';
import { CephOsdOp, CephOsdFlag, osdOp, osdOpExtent, osdOpWriteFull, osdOpXattr } from '@ts-ceph/messages';
import { FullState, fullStateBits, needFullnessUpdate, recalcFullState, usedRatio } from '../src/core/full-state';
import { executeOp } from '../src/core/op-engine';
import { Transaction } from '@ts-ceph/objectstore';
import { harness, req } from './lib/harness';

const map = { epoch: 5, nearfullRatio: 0.85, backfillfullRatio: 0.9, fullRatio: 0.95 };

t.test('recalc_full_state: thresholds are strict, the map ratios are ordered, the failsafe is at least full', async (t) => {
  const s = (r: number, m: typeof map | undefined = map, fs = 0.97) => recalcFullState(m, fs, r);
  t.equal(s(0.85), FullState.NONE);
  t.equal(s(0.851), FullState.NEARFULL);
  t.equal(s(0.901), FullState.BACKFILLFULL);
  t.equal(s(0.951), FullState.FULL);
  t.equal(s(0.971), FullState.FAILSAFE);
  t.equal(recalcFullState(undefined, 0.97, 0.99), FullState.NONE, 'no map: never full');
  t.equal(s(0.93, { ...map, backfillfullRatio: 0.5, nearfullRatio: 0.92 }), FullState.BACKFILLFULL, 'backfillfull raised to nearfull');
  t.equal(s(0.975, { ...map, fullRatio: 0.98 }), FullState.BACKFILLFULL, 'failsafe raised to a higher full ratio');
  t.equal(s(0.96, map, 97), FullState.FULL, 'a percentage failsafe is divided by 100');
  t.equal(s(0.96, { ...map, fullRatio: 0 }), FullState.FULL, 'a zero full ratio is raised to backfillfull');
  t.equal(s(0.96, { ...map, fullRatio: 0, backfillfullRatio: 0, nearfullRatio: 0 }), FullState.NONE, 'all zero: the failsafe for all three');
  t.equal(usedRatio({ total: 1000, available: 250 }), 0.75);
});

t.test('the MOSDFull bits and need_fullness_update', async (t) => {
  t.equal(fullStateBits(FullState.FAILSAFE), OsdState.FULL);
  t.equal(fullStateBits(FullState.BACKFILLFULL), OsdState.BACKFILLFULL);
  t.equal(fullStateBits(FullState.NONE), 0);
  const m = { maxOsd: 1, osdState: [OsdState.EXISTS | OsdState.UP | OsdState.NEARFULL] } as never;
  t.equal(needFullnessUpdate(m, 0, FullState.NEARFULL), false);
  t.equal(needFullnessUpdate(m, 0, FullState.FULL), true);
  t.equal(needFullnessUpdate(m, 0, FullState.NONE), true);
});

t.test('failsafe: writes that may take space get ENOSPC, deletes go through', async (t) => {
  const h = await harness();
  t.equal((await h.run(req('a', [osdOpWriteFull(Buffer.from('hello'))]))).result, 0);
  const run = async (name: string, ops: Parameters<typeof req>[1], flags?: number) => {
    const m = req(name, ops, flags === undefined ? {} : { flags: CephOsdFlag.WRITE | flags });
    m.reqid = { ...m.reqid, tid: BigInt(Math.floor(Math.random() * 1e9)) };
    const out = await executeOp(h.store, h.pg, m, { epoch: 9, now: { sec: 1, nsec: 0 }, pool: h.pool, session: { allowAll: true, cap: undefined as never }, origin: { name: m.reqid.name, addr: undefined as never }, failsafeFull: true });
    if (out.t) await h.store.queueTransaction(out.t);
    return out.reply.result;
  };
  t.equal(await run('b', [osdOpWriteFull(Buffer.from('x'))]), -28, 'a new object: ENOSPC');
  t.equal(await run('a', [osdOpXattr(CephOsdOp.SETXATTR, 'k', Buffer.from('v'))]), -28, 'an xattr: ENOSPC');
  t.equal(await run('a', [osdOpExtent(CephOsdOp.TRUNCATE, 2, 0)]), -28, 'even a truncate: only deletes pass');
  t.equal(await run('a', [osdOp(CephOsdOp.DELETE)], CephOsdFlag.FULL_FORCE), 0, 'a delete passes');
  t.equal((await h.run(req('a', [osdOp(CephOsdOp.STAT)]))).result, -2, 'the object is gone');
});

t.test('a refused transaction: the entry leaves the in-memory log and the info goes back', async (t) => {
  const h = await harness();
  t.equal((await h.run(req('a', [osdOpWriteFull(Buffer.from('one'))]))).result, 0);
  const prev = { ...h.pg.info };
  const n = h.pg.entries.length;
  const m = req('a', [osdOpWriteFull(Buffer.from('two'))]);
  m.reqid = { ...m.reqid, tid: 424242n };
  const out = await executeOp(h.store, h.pg, m, { epoch: 9, now: { sec: 1, nsec: 0 }, pool: h.pool, session: { allowAll: true, cap: undefined as never }, origin: { name: m.reqid.name, addr: undefined as never } });
  t.equal(out.entry?.op, PgLogOp.MODIFY);
  t.equal(h.pg.entries.length, n + 1);
  t.ok(h.pg.findRequest(m.reqid), 'known as a dup before the refusal');
  h.pg.forget(out.entry!, prev);
  t.equal(h.pg.entries.length, n);
  t.same(h.pg.info, prev, 'last_update and last_user_version as the store has them');
  t.equal(h.pg.findRequest(m.reqid), undefined, 'a resent op executes again');
  // The next write gets the version the refused one had: it was never stored.
  const again = await executeOp(h.store, h.pg, m, { epoch: 9, now: { sec: 1, nsec: 0 }, pool: h.pool, session: { allowAll: true, cap: undefined as never }, origin: { name: m.reqid.name, addr: undefined as never } });
  t.same(again.entry?.version, out.entry?.version);
  await h.store.queueTransaction(again.t ?? new Transaction());
});
