/**
 * Our Objecter and IoCtx (packages/rados) against two clusters: ts-mon + ts-osd, and the real Ceph
 * 16.2.15 reference cluster (../shared/ceph-ref/cluster.sh up 1). On each, what we write the stock
 * `rados` CLI reads back and the other way round (data, xattrs, omap, listing in namespaces),
 * compound ops are atomic with Ceph's errnos, cls calls work, watch/notify delivers in both
 * directions, pools are created through the mon; an op on a paused cluster times out with
 * ETIMEDOUT and a held op is sent once the pause is lifted.
 */
import t, { Test } from 'tap';
import { Rados, ReadOp } from '@ts-ceph/rados';
import { RunResult } from '@ts-ceph/testkit';
import { startOsd, startTsOsdCluster } from './osd-lib';
import { compoundChecks, connect, dataChecks, listChecks, poolChecks, rejectsErrno, startCephRef, Target, watchChecks, xattrOmapChecks } from './rados-objecter-lib';

async function pauseChecks(t: Test, rados: Rados, pool: string, ceph: (args: string[]) => Promise<RunResult>): Promise<void> {
  const io = rados.ioctx(pool);
  const r = await ceph(['osd', 'pause']);
  t.equal(r.code, 0, `osd pause: ${r.stderr}`);
  await rados.waitForLatestMap();
  const stat = new ReadOp().stat().ops;
  await rejectsErrno(t, rados.objecter.submit({ pool: io.poolId, oid: 'paused', nspace: '', key: '', locHash: -1, flags: 0 }, stat, false, { timeoutMs: 1500 }), 'ETIMEDOUT', 'an op while the cluster is paused');
  const held = io.writeFull('paused', Buffer.from('after the pause'));
  const u = await ceph(['osd', 'unpause']);
  t.equal(u.code, 0, `osd unpause: ${u.stderr}`);
  await held;
  t.equal((await io.read('paused')).toString(), 'after the pause', 'the held write was sent once unpaused');
}

async function suite(t: Test, c: Target, ceph: (args: string[]) => Promise<RunResult>): Promise<void> {
  const rados = await connect(c);
  const other = await connect(c);
  t.teardown(async () => {
    await other.shutdown();
    await rados.shutdown();
  });
  const io = rados.ioctx(c.pool);
  await t.test('data', (t) => dataChecks(t, c, io));
  await t.test('xattrs and omap', (t) => xattrOmapChecks(t, c, io));
  await t.test('compound ops and cls', (t) => compoundChecks(t, c, io));
  await t.test('listing', (t) => listChecks(t, c, rados, c.pool));
  await t.test('watch and notify', (t) => watchChecks(t, c, rados, other, c.pool));
  await t.test('pools', (t) => poolChecks(t, rados, c.pool));
  await t.test('pause, timeout and resend', (t) => pauseChecks(t, rados, c.pool, ceph));
}

t.test('ts-osd', async (t) => {
  const c = await startTsOsdCluster();
  t.teardown(() => c.stop());
  const target: Target = { conf: c.mon.conf, keyring: c.mon.adminKeyring, pool: c.pool, cli: (args, input) => c.rados(args, { input, extra: ['-k', c.mon.adminKeyring] }) };
  await suite(t, target, (args) => c.mon.ceph(args));
});

t.test('Ceph 16.2.15 reference cluster', async (t) => {
  const c = await startCephRef();
  t.teardown(() => c.down());
  await suite(t, c, (args) => c.ceph(args));
});

t.test('ts-osd killed and restarted under load: ops resent, the watch re-registered', async (t) => {
  const c = await startTsOsdCluster({ pool: 'r' });
  let osd = c.osd;
  t.teardown(async () => {
    if (osd.exitCode === null && osd.signalCode === null) osd.kill('SIGKILL');
    await c.stop();
  });
  const rados = await Rados.connect({ conf: c.mon.conf, keyring: c.mon.adminKeyring, timeoutMs: 30_000 });
  const other = await Rados.connect({ conf: c.mon.conf, keyring: c.mon.adminKeyring, timeoutMs: 30_000 });
  t.teardown(async () => {
    await other.shutdown();
    await rados.shutdown();
  });
  const io = rados.ioctx('r');
  await io.writeFull('w', Buffer.from('watched'));
  const seen: string[] = [];
  await io.watch('w', { onNotify: (ev) => void seen.push(ev.payload.toString()) });
  const epoch = rados.objecter.osdmap!.epoch;
  const dead = new Promise<void>((res) => osd.once('exit', () => res()));
  osd.kill('SIGKILL');
  await dead;
  // Written while the OSD is gone: the session resets, the ops wait and go again once it is back.
  const writes = Array.from({ length: 20 }, (_, i) => io.writeFull(`during-${i}`, Buffer.from(`v${i}`)));
  osd = await startOsd(c.mon, c.dir);
  await Promise.all(writes);
  t.ok(rados.objecter.osdmap!.epoch > epoch, `the restart reached us as a new map (e${epoch} -> e${rados.objecter.osdmap!.epoch})`);
  const back = await Promise.all(Array.from({ length: 20 }, (_, i) => io.read(`during-${i}`)));
  t.same(back.map(String), Array.from({ length: 20 }, (_, i) => `v${i}`), 'every write made while the OSD was down is there');
  t.equal((await c.rados(['get', 'during-7', '-'], { extra: ['-k', c.mon.adminKeyring] })).stdout, 'v7', 'and rados get reads it');
  // The watch comes back through RECONNECT/WATCH; give the OSD's new map a moment to reach it.
  let res = await other.ioctx('r').notify('w', Buffer.from('after restart'), 5);
  for (let i = 0; i < 20 && res.acks.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    res = await other.ioctx('r').notify('w', Buffer.from('after restart'), 5);
  }
  t.equal(res.acks.length, 1, 'the re-registered watch acks a notify');
  t.ok(seen.includes('after restart'), 'and its callback ran');
});
