/**
 * Stray copies (core/peering/strays.ts): a copy outside the up and acting sets notifies its
 * primary; it deletes itself only when its current primary says so while it is still a stray; the
 * driver's removal deletes every object and the collection (pg-remove.ts). A client op that reaches
 * a PG which is not its primary yet waits when it was sent with a newer map (rep-ops.ts handleOp).
 */
import t from 'tap';
import { MemStore, Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { PG } from '../src/core/pg';
import { ClientOp, PgMapping, ReplicatedPG, defaultPeeringConf } from '../src/core/peering';
import { req } from './lib/harness';
import { clientOp } from './lib/cores';
import { removePgCollection } from '../src/pg-remove';

const mapping = (epoch: number, acting: number[], over: Partial<PgMapping> = {}): PgMapping => ({ epoch, up: acting, upPrimary: acting[0] ?? -1, acting, primary: acting[0] ?? -1, size: 3, minSize: 2, upOsds: new Set([0, 1, 2, 3]), ...over });

async function strayCore(): Promise<{ core: ReplicatedPG; store: MemStore }> {
  const store = new MemStore();
  await store.mkfs();
  await store.mount();
  const coll = collPG(1, 0);
  const pg = PG.fresh(coll, { pool: 1, seed: 0 }, 1);
  const t0 = new Transaction().createCollection(coll, 0);
  pg.initTransaction(t0);
  for (let i = 0; i < 300; i++) t0.write(coll, ghobject({ name: `o${i}`, pool: 1 }), 0, Buffer.from('x'));
  await store.queueTransaction(t0);
  // osd.3 holds the PG; the map has it in neither up nor acting: [0, 1, 2] with osd.0 primary.
  const core = new ReplicatedPG(3, pg, store, defaultPeeringConf);
  await core.init([mapping(5, [0, 1, 2])]);
  return { core, store };
}

t.test('a stray notifies its primary, at the interval start and on each tick', async (t) => {
  const { core } = await strayCore();
  t.equal(core.phase, 'stray');
  const sent = (): string[] => core.take().flatMap((o) => (o.kind === 'send' ? [`${o.msg.type}->${o.to}`] : []));
  t.same(sent(), ['stray->0']);
  await core.tick();
  t.same(sent(), ['stray->0'], 'again on the tick');
});

t.test('remove: only from the current primary, only while still a stray', async (t) => {
  const { core } = await strayCore();
  core.take();
  await core.handle(1, { type: 'remove', pgid: [1, 0], interval: core.intervalStart });
  t.same(core.take(), [], 'a replica that is not the primary is ignored');
  await core.handle(0, { type: 'remove', pgid: [1, 0], interval: core.intervalStart - 1 });
  t.same(core.take(), [], 'a message of another interval is dropped');
  await core.handle(0, { type: 'remove', pgid: [1, 0], interval: core.intervalStart });
  t.same(core.take(), [{ kind: 'remove_pg' }], 'the primary purges the stray');
  t.ok(core.removing);
  await core.tick();
  t.same(core.take(), [], 'a removing stray no longer notifies');
  await core.advanceMap(mapping(6, [0, 1, 3]));
  t.notOk(core.removing, 'a new interval that makes it a member again cancels the removal');
  t.equal(core.phase, 'replica_activating');
});

t.test('the removal deletes every object, then the collection', async (t) => {
  const { core, store } = await strayCore();
  t.equal(await removePgCollection(store, core.pg.coll), 301, 'the 300 objects and the PG meta object');
  t.notOk(await store.collectionExists(core.pg.coll));
  t.equal(await removePgCollection(store, core.pg.coll), 0, 'nothing left');
});

t.test('an op sent with a map the PG has not reached waits for it; a misdirected one is dropped', async (t) => {
  const { core } = await strayCore();
  core.take();
  const op = (epoch: number): ClientOp => {
    const r = req('o1', [], { osdmapEpoch: epoch, pgid: { pgid: { pool: 1, seed: 0 }, shard: -1 } });
    return clientOp(r);
  };
  const newer = op(6);
  await core.handleOp(op(5));
  await core.handleOp(newer);
  t.same(core.waitingForMap, [newer], 'the op of epoch 6 waits; the one of epoch 5, misdirected, is dropped');
  t.same(core.takeWaitingForMap(), [], 'nothing is due while the PG is at epoch 5');
  // Epoch 6 makes osd.3 the primary: the client, whose map said so, will not resend.
  await core.advanceMap(mapping(6, [3, 0, 1]));
  const due = core.takeWaitingForMap();
  t.same(due, [newer], 'due once the PG has the map it was sent with');
  t.same(core.waitingForMap, []);
  for (const o of due) await core.handleOp(o);
  t.same(core.waitingForActive, [newer], 'and handled as the primary: it waits for the PG to be active');
});
