/**
 * Acceptance 5 (mon issue): pools, auth and config survive a clean restart of ts-mon and a kill -9
 * right after the CLI got its answers (a reply is sent only once the change is synced to the store).
 */
import t, { Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, startTsMon, TsMon } from './mon-lib';

interface Snapshot {
  pools: string;
  osdEpoch: number;
  auth: string;
  config: string;
  keys: string;
}

async function snapshot(t: Test, m: TsMon): Promise<Snapshot> {
  const pools = await m.ceph(['osd', 'pool', 'ls', 'detail']);
  const dump = await m.ceph(['osd', 'dump', '-f', 'json']);
  const auth = await m.ceph(['auth', 'ls']);
  const config = await m.ceph(['config', 'dump']);
  const keys = await m.ceph(['config-key', 'dump']);
  for (const r of [pools, dump, auth, config, keys]) t.equal(r.code, 0, r.stderr.trim() || 'read ok');
  return { pools: pools.stdout, osdEpoch: json<{ epoch: number }>(dump).epoch, auth: auth.stdout, config: config.stdout, keys: keys.stdout };
}

t.test('state survives restart and kill -9', async (t) => {
  const m = await startTsMon();
  t.teardown(m.stop);
  const must = async (args: string[]) => {
    const r = await m.ceph(args);
    t.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.stderr.trim()}`);
    return r;
  };
  await must(['osd', 'pool', 'create', 'p', '16']);
  await must(['osd', 'pool', 'set', 'p', 'size', '2']);
  await must(['osd', 'pool', 'application', 'enable', 'p', 'rbd']);
  const app = await must(['auth', 'get-or-create', 'client.app', 'mon', 'allow r', 'osd', 'allow rw pool=p']);
  const appKeyring = join(m.dir, 'app.keyring');
  writeFileSync(appKeyring, app.stdout, { mode: 0o600 });
  await must(['config', 'set', 'osd', 'osd_max_backfills', '2']);
  await must(['config-key', 'set', 'k1', 'v1']);
  const before = await snapshot(t, m);
  t.match(before.pools, /pool 1 'p' replicated size 2 min_size 1 .* application rbd/);

  await m.halt();
  await m.restart();
  t.same(await snapshot(t, m), before, 'a clean restart keeps everything');
  let r = await m.ceph(['-n', 'client.app', '-k', appKeyring, 'osd', 'pool', 'ls']);
  t.same([r.code, r.stdout], [0, 'p\n'], 'client.app still authenticates with its key');

  // Changes acknowledged just before a kill -9 are there after it.
  await must(['osd', 'pool', 'create', 'q', '8']);
  await must(['osd', 'pool', 'delete', 'p', 'p', '--yes-i-really-really-mean-it']);
  await must(['auth', 'get-or-create', 'client.b', 'mon', 'allow r']);
  await must(['config', 'set', 'global', 'mon_max_pg_per_osd', '300']);
  await must(['config-key', 'set', 'k2', 'v2']);
  const beforeKill = await snapshot(t, m);
  await m.kill9();
  await m.restart();
  const after = await snapshot(t, m);
  t.same(after, beforeKill, 'kill -9 loses nothing that was acknowledged');
  t.match(after.pools, /^pool 2 'q' replicated size 3 min_size 2 /, 'pool q, and p is gone');
  t.match(after.auth, /client\.b\n\tkey: AQ/);
  r = await m.ceph(['config', 'get', 'osd.3', 'mon_max_pg_per_osd']);
  t.equal(r.stdout, '300\n');
  r = await m.ceph(['config-key', 'get', 'k2']);
  t.equal(r.stdout, 'v2');

  // The maps keep moving forward from where they were: a new change gets the next epoch.
  await must(['osd', 'pool', 'create', 'z', '8']);
  const last = await m.ceph(['osd', 'dump', '-f', 'json']);
  t.equal(json<{ epoch: number }>(last).epoch, beforeKill.osdEpoch + 1, 'the next osdmap epoch follows the last one before the kill');
  r = await m.ceph(['osd', 'getmap', String(beforeKill.osdEpoch), '-o', join(m.dir, 'old.map')]);
  t.same([r.code, r.stderr], [0, `got osdmap epoch ${beforeKill.osdEpoch}\n`], 'older epochs are still served');
});
