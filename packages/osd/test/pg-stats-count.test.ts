/**
 * A PG's object and byte counts kept from its log (pg-stats-count.ts) agree with a full count of
 * its collection after creates, overwrites that grow and shrink objects, and deletes; and a PG
 * whose log no longer reaches back to the last count, or that was not clean, is counted in full.
 */
import t from 'tap';
import { CephOsdOp, osdOp, osdOpWrite, osdOpWriteFull } from '@ts-ceph/messages';
import { PgObjectCounter } from '../src/pg-stats-count';
import { harness, req } from './lib/harness';

const clean = { clean: true, snaps: false };

t.test('the count from the log equals a full count of the collection', async (t) => {
  const h = await harness();
  const kept = new PgObjectCounter(h.store);
  for (const [name, n] of [['a', 1000], ['b', 24], ['c', 10]] as const) await h.run(req(name, [osdOpWriteFull(Buffer.alloc(n, 1))]));
  let c = await kept.count('1.3', h.pg, clean);
  t.same([c.sum.num_objects, c.sum.num_bytes], [3, 1034], 'first count: the whole collection');

  await h.run(req('a', [osdOpWriteFull(Buffer.alloc(5, 2))]));
  await h.run(req('b', [osdOpWrite(4096, Buffer.alloc(100, 3))]));
  await h.run(req('c', [osdOp(CephOsdOp.DELETE)]));
  await h.run(req('d', [osdOpWriteFull(Buffer.alloc(7, 4))]));
  c = await kept.count('1.3', h.pg, clean);
  const full = await new PgObjectCounter(h.store).count('1.3', h.pg, clean);
  t.same([c.sum.num_objects, c.sum.num_bytes, c.allocated], [full.sum.num_objects, full.sum.num_bytes, full.allocated], 'incremental count = full count');
  t.same([c.sum.num_objects, c.sum.num_bytes], [3, 5 + 4196 + 7], 'a shrunk, b grew, c gone, d new');
  t.equal(await kept.count('1.3', h.pg, clean), c, 'no new log entry: the same count');
});

t.test('a change the log does not show is found by the next full count', async (t) => {
  const h = await harness();
  const kept = new PgObjectCounter(h.store);
  await h.run(req('a', [osdOpWriteFull(Buffer.alloc(10, 1))]));
  await kept.count('1.3', h.pg, { clean: false, snaps: false });
  // An object arriving without a log entry of its own (as recovery or backfill bring them).
  const { Transaction, ghobject } = await import('@ts-ceph/objectstore');
  await h.store.queueTransaction(new Transaction().write(h.pg.coll, ghobject({ pool: 1, name: 'pushed', hash: 0x1234abcb }), 0, Buffer.alloc(20, 5)));
  await h.run(req('b', [osdOpWriteFull(Buffer.alloc(30, 1))]));
  const c = await kept.count('1.3', h.pg, clean);
  t.same([c.sum.num_objects, c.sum.num_bytes], [3, 60], 'not clean at the last count: counted in full, the pushed object included');
});

t.test('while a PG is not clean, and when it turns clean, it is counted again with no new log entry', async (t) => {
  const h = await harness();
  const kept = new PgObjectCounter(h.store);
  const recovering = { clean: false, snaps: false };
  await h.run(req('a', [osdOpWriteFull(Buffer.alloc(10, 1))]));
  t.equal((await kept.count('1.3', h.pg, recovering)).sum.num_objects, 1, 'counted while recovering');
  // Recovered objects land after that count, with no log entry of their own.
  const { Transaction, ghobject } = await import('@ts-ceph/objectstore');
  await h.store.queueTransaction(new Transaction().write(h.pg.coll, ghobject({ pool: 1, name: 'recovered', hash: 0x1234abcb }), 0, Buffer.alloc(20, 5)));
  t.equal((await kept.count('1.3', h.pg, recovering)).sum.num_objects, 2, 'still recovering, same last_update: counted again');
  await h.store.queueTransaction(new Transaction().write(h.pg.coll, ghobject({ pool: 1, name: 'last', hash: 0x1234abcc }), 0, Buffer.alloc(40, 5)));
  const c = await kept.count('1.3', h.pg, clean);
  t.same([c.sum.num_objects, c.sum.num_bytes], [3, 70], 'clean now: counted again, the last recovered object included');
  t.equal(await kept.count('1.3', h.pg, clean), c, 'and kept while nothing changes');
});

t.test('writes logged while a count waits on the store are counted by the next one', async (t) => {
  const h = await harness();
  const kept = new PgObjectCounter(h.store);
  await h.run(req('a', [osdOpWriteFull(Buffer.alloc(10, 1))]));
  await kept.count('1.3', h.pg, clean);
  await h.run(req('b', [osdOpWriteFull(Buffer.alloc(20, 1))]));
  // The next count stats b; while it waits, two more writes land (a client under load).
  const stat = h.store.stat.bind(h.store);
  let landed = false;
  h.store.stat = async (c, o) => {
    if (!landed) {
      landed = true;
      await h.run(req('c', [osdOpWriteFull(Buffer.alloc(30, 1))]));
      await h.run(req('d', [osdOpWriteFull(Buffer.alloc(40, 1))]));
    }
    return stat(c, o);
  };
  const during = await kept.count('1.3', h.pg, clean);
  t.ok(landed, 'the writes landed during the count');
  t.equal(during.sum.num_objects, 2, 'that count is of the PG as it was when it began');
  // No write after these: the next count is the last one the mgr gets until the PG changes again.
  const after = await kept.count('1.3', h.pg, clean);
  t.same([after.sum.num_objects, after.sum.num_bytes], [4, 100], 'the next count has them');
  t.equal(await kept.count('1.3', h.pg, clean), after, 'and keeps them');
});
