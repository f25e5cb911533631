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
import { Transaction } from '@ts-ceph/objectstore';
import { loadObjectStateIn } from '../src/core/object-info';
import { PG_STATE, oidKey } from '../src/core/peering';
import { startRecovery } from '../src/core/peering/recovery';
import { RecoveryCluster, clientOp, losePrimaryCopy, recoveryCluster, recoveryColl, recoveryObj, writeObj } from './lib/cores';

const head = recoveryObj;
const coll = recoveryColl;

/** The primary learns it lacks `obj` (its copy lost, as after a log-based peering) and recovers it. */
async function primaryLacks(c: RecoveryCluster): Promise<void> {
  await losePrimaryCopy(c);
  await startRecovery(c.cores[0]!);
  await c.pump();
}

t.test('a source without the object answers blank; the primary pulls from the next copy', async (t) => {
  const c = await recoveryCluster();
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
  const c = await recoveryCluster();
  // osd.1 keeps its copy of the first write: the second one reaches it, then its store loses it.
  const old = { data: await c.stores[1]!.read(coll, head, 0, 0), attrs: await c.stores[1]!.getattrs(coll, head) };
  await c.cores[0]!.handleOp(clientOp(writeObj('newer data', 8n)));
  await c.pump();
  await c.stores[1]!.queueTransaction(new Transaction().remove(coll, head).write(coll, head, 0, old.data).setattrs(coll, head, old.attrs));
  c.sent.length = 0;
  await primaryLacks(c);
  t.same(c.sent, ['pull 0->1', 'push 1->0 blank', 'pull 0->2', 'push 2->0'], 'osd.1 has an older version: blank');
  t.same((await c.stores[0]!.read(coll, head, 0, 0)).toString(), 'newer data', 'the primary has the newest version, not the older one');
});

t.test('no copy has it: the object is unfound and stays missing', async (t) => {
  const c = await recoveryCluster();
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
  const c = await recoveryCluster();
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
