/**
 * A pull the source cannot serve (core/peering/recovery.ts, ReplicatedBackend::handle_pull and
 * _failed_pull): a replica that lacks the object, or holds another version than the one asked for,
 * answers with a blank push (version 0'0); the primary takes it as "no source here", pulls from
 * another copy, and with none left marks the object unfound. A blank push must never be applied as
 * "the object does not exist": that deleted the object on the primary and, through its pushes, on
 * the replicas lacking it.
 * Three cores on MemStores, a test-driven network; copies lost behind the cores' backs.
 */
import t from 'tap';
import { CEPH_NOSNAP } from '@ts-ceph/maps';
import { MOSDOp, osdOpWriteFull } from '@ts-ceph/messages';
import { MemStore, Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { loadObjectStateIn } from '../src/core/object-info';
import { PG_STATE, PeerWire, PgMapping, ReplicatedPG, encodePeerWire, oidKey } from '../src/core/peering';
import { startRecovery } from '../src/core/peering/recovery';
import { req } from './lib/harness';
import { clientOp, pumpCores, threeCores } from './lib/cores';

const mapping = (epoch: number, acting: number[]): PgMapping => ({ epoch, up: acting, upPrimary: acting[0]!, acting, primary: acting[0]!, size: 3, minSize: 2, upOsds: new Set([0, 1, 2]) });
const head = ghobject({ pool: 1, name: 'obj', hash: 0x1234abcb, snap: CEPH_NOSNAP });
const coll = collPG(1, 3);
const write = (data: string): MOSDOp => req('obj', [osdOpWriteFull(Buffer.from(data))], { reqid: { name: { type: 8, num: 4100 }, tid: 7n, inc: 0 } });

/** Three active copies of PG 1.3 holding `obj` = "the data", and the means to drive them. */
async function written(): Promise<{ cores: ReplicatedPG[]; stores: MemStore[]; sent: string[]; hold: Set<number>; pump: () => Promise<void> }> {
  const { cores, stores } = await threeCores();
  const net: { from: number; to: number; b: PeerWire }[] = [];
  const commits: { osd: number; token: number }[] = [];
  const kicks: number[] = [];
  const sent: string[] = [];
  const hold = new Set<number>();
  const collect = (osd: number): void => {
    for (const o of cores[osd]!.take()) {
      if (o.kind === 'send') {
        net.push({ from: osd, to: o.to, b: encodePeerWire(o.msg) });
        if (o.msg.type === 'push' || o.msg.type === 'pull') sent.push(`${o.msg.type} ${osd}->${o.to}${o.msg.type === 'push' && o.msg.version[0] === 0 && o.msg.version[1] === 0 ? ' blank' : ''}`);
      } else if (o.kind === 'txn') {
        void stores[osd]!.queueTransaction(o.t);
        commits.push({ osd, token: o.token });
      } else if (o.kind === 'kick') kicks.push(osd);
      else if (o.kind === 'effects') for (const f of o.run) f();
    }
  };
  const pump = async (): Promise<void> => {
    for (let osd = 0; osd < 3; osd++) collect(osd);
    await pumpCores(cores, { net, kicks, commits }, hold, collect);
  };
  for (let osd = 0; osd < 3; osd++) await cores[osd]!.init([mapping(5, [0, 1, 2])]);
  await pump();
  await cores[0]!.handleOp(clientOp(write('the data')));
  await pump();
  sent.length = 0;
  return { cores, stores, sent, hold, pump };
}

/** The primary learns it lacks `obj` (its copy lost, as after a log-based peering) and recovers it. */
async function primaryLacks(c: Awaited<ReturnType<typeof written>>): Promise<void> {
  const need = (await loadObjectStateIn(c.stores[2]!, coll, head)).oi.version;
  await c.stores[0]!.queueTransaction(new Transaction().remove(coll, head));
  c.cores[0]!.ownMissing.set(oidKey(head), { oid: head, need, gone: false });
  await startRecovery(c.cores[0]!);
  await c.pump();
}

t.test('a source without the object answers blank; the primary pulls from the next copy', async (t) => {
  const c = await written();
  t.equal(c.cores[0]!.phase, 'active');
  // osd.1's copy is gone although its missing set does not say so (a lost copy).
  await c.stores[1]!.queueTransaction(new Transaction().remove(coll, head));
  await primaryLacks(c);
  t.same(c.sent, ['pull 0->1', 'push 1->0 blank', 'pull 0->2', 'push 2->0'], 'osd.1 cannot serve it; osd.2 does');
  t.same((await c.stores[0]!.read(coll, head, 0, 0)).toString(), 'the data', 'the primary has the object back');
  t.same((await c.stores[2]!.read(coll, head, 0, 0)).toString(), 'the data', "osd.2's copy is untouched");
  t.equal(c.cores[0]!.ownMissing.size, 0);
  t.equal(c.cores[0]!.rep.unfound.size, 0, 'nothing unfound');
});

t.test('a source holding another version answers blank too', async (t) => {
  const c = await written();
  // osd.1 keeps its copy of the first write: the second one reaches it, then its store loses it.
  const old = { data: await c.stores[1]!.read(coll, head, 0, 0), attrs: await c.stores[1]!.getattrs(coll, head) };
  await c.cores[0]!.handleOp(clientOp({ ...write('newer data'), reqid: { name: { type: 8, num: 4100 }, tid: 8n, inc: 0 } }));
  await c.pump();
  await c.stores[1]!.queueTransaction(new Transaction().remove(coll, head).write(coll, head, 0, old.data).setattrs(coll, head, old.attrs));
  c.sent.length = 0;
  await primaryLacks(c);
  t.same(c.sent, ['pull 0->1', 'push 1->0 blank', 'pull 0->2', 'push 2->0'], 'osd.1 has an older version: blank');
  t.same((await c.stores[0]!.read(coll, head, 0, 0)).toString(), 'newer data', 'the primary has the newest version, not the older one');
});

t.test('no copy has it: the object is unfound and stays missing', async (t) => {
  const c = await written();
  await c.stores[1]!.queueTransaction(new Transaction().remove(coll, head));
  await c.stores[2]!.queueTransaction(new Transaction().remove(coll, head));
  await primaryLacks(c);
  t.same(c.sent, ['pull 0->1', 'push 1->0 blank', 'pull 0->2', 'push 2->0 blank'], 'both copies answer blank');
  t.ok(c.cores[0]!.rep.unfound.has(oidKey(head)), 'the object is unfound');
  t.ok(c.cores[0]!.ownMissing.has(oidKey(head)), 'and still missing on the primary');
  t.ok((c.cores[0]!.state() & PG_STATE.RECOVERY_UNFOUND) !== 0n, 'recovery_unfound');
  await c.cores[0]!.tick();
  await c.pump();
  t.same(c.sent.slice(4), [], 'a tick does not ask the copies that answered blank again');
});

t.test('a delete the primary lacks is applied on its own copy, once, through ticks while it commits', async (t) => {
  const c = await written();
  const need = (await loadObjectStateIn(c.stores[0]!, coll, head)).oi.version;
  // The authoritative log ends with a delete our copy has not applied (it still holds the object).
  c.cores[0]!.ownMissing.set(oidKey(head), { oid: head, need, gone: true });
  c.hold.add(0);
  // Transactions the primary queued since the last pump (the pump hands them to the store; with
  // osd.0 held, their commit notices wait).
  const queued = (): number => c.cores[0]!.out.filter((o) => o.kind === 'txn').length;
  await startRecovery(c.cores[0]!);
  t.equal(queued(), 1, 'one delete queued, nothing pulled');
  await c.pump();
  // Ticks while the delete is not yet durable resend nothing and start nothing again (a tick used
  // to finish the op at once, which let a waiting op start it again, and again, without end).
  let again = 0;
  for (let i = 0; i < 3; i++) {
    await c.cores[0]!.tick();
    again += queued();
    await c.pump();
  }
  t.equal(again, 0, 'the ticks queue no second delete');
  t.same(c.sent, [], 'and send no pull');
  c.hold.delete(0);
  await c.pump();
  t.notOk(await c.stores[0]!.exists(coll, head), 'the object is gone from the primary');
  t.ok(await c.stores[1]!.exists(coll, head), "the replicas' copies are not touched (their missing sets do not name it)");
  t.equal(c.cores[0]!.ownMissing.size, 0);
  t.equal(c.cores[0]!.rep.recovering.size, 0, 'recovery finished');
});
