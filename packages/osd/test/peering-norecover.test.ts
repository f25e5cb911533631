/**
 * `ceph osd set norecover` / `nobackfill` (OSD::activate_map pausing the recovery queue,
 * PrimaryLogPG::start_recovery_ops deferring backfill): with the flag in the map, no recovery op
 * starts on its own; a client op on a missing object still has that object recovered first; once
 * a map without the flag arrives, the recovery tick starts what waited. Three cores on MemStores.
 */
import t from 'tap';
import { CephOsdFlag, osdOpRead } from '@ts-ceph/messages';
import { PG_STATE, pgStateString } from '../src/core/peering';
import { startRecovery } from '../src/core/peering/recovery';
import { req } from './lib/harness';
import { activeMapping, clientOp, losePrimaryCopy, recoveryCluster, recoveryColl, recoveryObj } from './lib/cores';

const head = recoveryObj;
const coll = recoveryColl;

t.test('norecover holds recovery back, but not for a client op; unset, recovery goes on', async (t) => {
  const c = await recoveryCluster();
  const primary = c.cores[0]!;
  // Map 6 sets norecover (no new interval); the primary's copy of obj is lost.
  for (const core of c.cores) await core.advanceMap(activeMapping(6, { noRecover: true }));
  await c.pump();
  t.equal(primary.phase, 'active', 'a flag change starts no interval');
  await losePrimaryCopy(c);
  await startRecovery(primary);
  await primary.tick();
  await c.pump();
  t.same(c.sent, [], 'no pull while norecover is set, through a tick');
  t.match(pgStateString(primary.state()), /recovery_wait/, 'the PG waits for recovery');
  t.equal(primary.state() & PG_STATE.CLEAN, 0n, 'and is not clean');

  // A read of the object: it is recovered first, flag or not.
  await primary.handleOp(clientOp(req('obj', [osdOpRead(0, 0)], { flags: CephOsdFlag.READ, reqid: { name: { type: 8, num: 4100 }, tid: 20n, inc: 0 } })));
  await c.pump();
  t.same(c.sent, ['pull 0->1', 'push 1->0'], 'the object a client op waits for is pulled');
  t.same((await c.stores[0]!.read(coll, head, 0, 0)).toString(), 'the data');

  // The copy lost again, with no op waiting on it this time: it waits for the flag to go.
  await losePrimaryCopy(c);
  c.sent.length = 0;
  await primary.tick();
  await c.pump();
  t.same(c.sent, [], 'still nothing on its own');
  for (const core of c.cores) await core.advanceMap(activeMapping(7));
  await primary.tick();
  await c.pump();
  t.same(c.sent, ['pull 0->1', 'push 1->0'], 'unset: the tick starts the recovery');
  t.equal(primary.ownMissing.size, 0);
  t.same((await c.stores[0]!.read(coll, head, 0, 0)).toString(), 'the data', 'recovered');
  t.not(primary.state() & PG_STATE.CLEAN, 0n, 'clean');
});
