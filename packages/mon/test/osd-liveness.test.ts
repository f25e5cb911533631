/**
 * OSD daemon messages through the monitor core (OSDMonitor's preprocess_/prepare_ boot, alive,
 * failure, mark_me_down, mark_me_dead, pgtemp, beacon): what ends up in the committed osdmap and
 * the cluster log, with the rules of src/mon/OSDMonitor.cc (16.2.x). The wire side is exercised by
 * the acceptance test against a real ceph-osd.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { StreamDecoder, Tag, decodeHeader2 } from '@ts-ceph/messenger';
import { MOSDPGCreate2Codec } from '@ts-ceph/messages';
import { AddrType, CEPH_FEATURES_ALL, EntityAddrvec, EntityType, makeAddr, UUID_NIL } from '@ts-ceph/denc';
import { MonCap } from '@ts-ceph/cephx';
import { CEPH_OSD_IN, exists, isIn, isUp, OsdState, pgToUpActingOsds, PoolFlag } from '@ts-ceph/maps';
import { EMPTY_PAST_INTERVALS, newPgHistory } from '../src/core/osd/pg-creates';
import { BootRequest, Decision, handleAlive, handleBeacon, handleBoot, handleFailure, handleMarkMeDead, handleMarkMeDown, handlePgTemp, tickOsdReports } from '../src/core/osd/osd-liveness';
import { MonFixture } from './lib/mon-fixture';
import { MonSession } from '../src/core/session';

const uuid = (i: number) => `00000000-0000-0000-0000-00000000000${i + 1}`;
const addrs = (port: number, nonce: number): EntityAddrvec => [makeAddr(AddrType.MSGR2, '127.0.0.1', port, nonce), makeAddr(AddrType.LEGACY, '127.0.0.1', port + 1, nonce)];

async function cluster(n: number, extraConf = ''): Promise<MonFixture> {
  const f = await MonFixture.create(extraConf);
  for (let i = 0; i < n; i++) {
    const r = await f.cmd({ prefix: 'osd new', uuid: uuid(i) });
    t.equal(r.r, 0, `osd new ${i}`);
    await f.cmd({ prefix: 'osd crush create-or-move', id: i, weight: 0.01, args: [`host=h${i}`, 'root=default'] });
  }
  return f;
}

/** Decide and commit inside the pipeline, as the network handler does. */
function apply(f: MonFixture, fn: () => Decision): Promise<Decision> {
  return f.mon.pipeline.run(async () => {
    let d = fn();
    for (let i = 0; d.retry && i < 3; i++) {
      if (d.propose) await f.mon.pipeline.propose([f.mon.osd]);
      d = fn();
    }
    for (const [p, text] of d.clog) f.mon.clog('cluster', p, text);
    if (d.propose) await f.mon.pipeline.propose([f.mon.osd, f.mon.logm]);
    return d;
  });
}

function boot(f: MonFixture, id: number, nonce: number, extra: Partial<BootRequest> = {}): BootRequest {
  const e = f.mon.osd.epoch;
  return {
    from: id,
    addrs: addrs(6800 + 10 * id, nonce),
    fsid: f.mon.fsid,
    clusterFsid: f.mon.fsid,
    osdFsid: uuid(id),
    version: e,
    currentEpoch: e,
    newestMap: e,
    mounted: 0,
    cleanThru: 0,
    bootEpoch: 0,
    clusterAddrs: addrs(6802 + 10 * id, nonce),
    hbBackAddrs: addrs(6804 + 10 * id, nonce),
    hbFrontAddrs: addrs(6806 + 10 * id, nonce),
    osdFeatures: CEPH_FEATURES_ALL,
    metadata: new Map([
      ['hostname', `h${id}`],
      ['ceph_version', 'ceph version 16.2.15'],
    ]),
    ...extra,
  };
}

const clusterLog = (f: MonFixture) => [...f.mon.logm.summary.tailByChannel.get('cluster')!.values()].map(([, e]) => e.msg);

t.test('boot marks the OSD up and in with its addrs, uuid, features and metadata', async (t) => {
  const f = await cluster(1);
  const c = f.mon.osdLivenessConf;
  const e0 = f.mon.osd.epoch;
  t.ok(f.mon.osd.osdmap.osdState[0]! & OsdState.NEW, 'osd new leaves it NEW');
  const b = boot(f, 0, 1234);
  let d = await apply(f, () => handleBoot(f.mon.osd, c, b, f.clock.wallNow()));
  t.same([d.propose, d.sendFrom], [true, e0 + 1], 'proposes, then sends maps from the epoch after the one it has');
  const m = f.mon.osd.osdmap;
  t.equal(m.epoch, e0 + 1);
  t.ok(isUp(m, 0) && isIn(m, 0), 'up and in');
  t.equal(m.osdWeight[0], CEPH_OSD_IN);
  t.equal(m.osdState[0]! & OsdState.NEW, 0, 'no longer new');
  t.equal(m.osdInfo[0]!.upFrom, e0 + 1, 'up_from is the new epoch');
  t.same(m.osdAddrs.client[0], b.addrs);
  t.same(m.osdAddrs.cluster[0], b.clusterAddrs);
  t.same(m.osdAddrs.hbBack[0], b.hbBackAddrs);
  t.same(m.osdAddrs.hbFront[0], b.hbFrontAddrs);
  t.equal(m.osdUuid[0], uuid(0));
  t.equal(m.osdXinfo[0]!.features, CEPH_FEATURES_ALL);
  t.same([...f.mon.osd.osdMetadata(0)!.entries()], [...b.metadata.entries()].sort());
  t.ok(clusterLog(f).includes('osd.0 [v2:127.0.0.1:6800/1234,v1:127.0.0.1:6801/1234] boot'), 'cluster log as Ceph words it');
  const r = await f.cmd({ prefix: 'osd metadata', id: 0, format: 'json' });
  t.same(JSON.parse(r.out), { id: 0, ceph_version: 'ceph version 16.2.15', hostname: 'h0' });

  d = await apply(f, () => handleBoot(f.mon.osd, c, b, f.clock.wallNow()));
  t.same([d.propose, d.sendFrom], [false, b.currentEpoch + 1], 'a duplicate boot only gets the maps');

  const clash = boot(f, 0, 99, { osdFsid: uuid(7) });
  d = await apply(f, () => handleBoot(f.mon.osd, c, clash, f.clock.wallNow()));
  t.same([d.propose, d.sendFrom], [false, undefined], 'another uuid for the same id is ignored');
  d = await apply(f, () => handleBoot(f.mon.osd, c, boot(f, 0, 5, { clusterFsid: UUID_NIL }), f.clock.wallNow()));
  t.equal(d.propose, false, 'another cluster fsid is ignored');
  d = await apply(f, () => handleBoot(f.mon.osd, c, boot(f, 0, 5, { osdFeatures: 0n }), f.clock.wallNow()));
  t.match(d.clog[0]![1], /disallowing boot of OSD osd.0 .* because the osd lacks CEPH_FEATURE_SERVER_LUMINOUS/);

  // A new instance (kill -9, restart) while the map still shows the old one up: down first, then up.
  const again = boot(f, 0, 5678, { bootEpoch: e0 + 1 });
  const before = f.mon.osd.epoch;
  d = await apply(f, () => handleBoot(f.mon.osd, c, again, f.clock.wallNow()));
  t.equal(f.mon.osd.epoch, before + 2, 'one epoch marks the old instance down, the next the new one up');
  t.ok(isUp(f.mon.osd.osdmap, 0));
  t.equal(f.mon.osd.osdmap.osdInfo[0]!.downAt, before + 1);
  t.equal(f.mon.osd.osdmap.osdAddrs.client[0]![0]!.nonce, 5678);

  await f.restart();
  t.ok(isUp(f.mon.osd.osdmap, 0), 'survives a restart');
  t.equal(f.mon.osd.osdMetadata(0)!.get('hostname'), 'h0');
});

t.test('noup keeps an OSD down; alive raises up_thru', async (t) => {
  const f = await cluster(1);
  const c = f.mon.osdLivenessConf;
  await f.cmd({ prefix: 'osd set', key: 'noup' });
  let d = await apply(f, () => handleBoot(f.mon.osd, c, boot(f, 0, 1), f.clock.wallNow()));
  t.same([d.propose, isUp(f.mon.osd.osdmap, 0)], [false, false], 'noup');
  await f.cmd({ prefix: 'osd unset', key: 'noup' });
  const b = boot(f, 0, 1);
  await apply(f, () => handleBoot(f.mon.osd, c, b, f.clock.wallNow()));
  const e = f.mon.osd.epoch;
  d = await apply(f, () => handleAlive(f.mon.osd, 0, b.addrs, e, e));
  t.same([d.propose, d.sendFrom], [true, e]);
  t.equal(f.mon.osd.osdmap.osdInfo[0]!.upThru, e);
  d = await apply(f, () => handleAlive(f.mon.osd, 0, b.addrs, e, e));
  t.same([d.propose, d.sendFrom], [false, e], 'already there: just the maps');
  d = await apply(f, () => handleAlive(f.mon.osd, 0, addrs(1, 1), e + 1, e + 1));
  t.same([d.propose, d.sendFrom], [false, undefined], 'from another instance: ignored');
});

t.test('failure reports: immediate, min reporters from distinct hosts after the grace, cancel', async (t) => {
  const f = await cluster(3, 'mon_osd_min_down_reporters = 2\n');
  const c = f.mon.osdLivenessConf;
  const tr = f.mon.osdReports;
  const b = [0, 1, 2].map((i) => boot(f, i, 100 + i));
  for (const x of b) await apply(f, () => handleBoot(f.mon.osd, c, { ...x, version: f.mon.osd.epoch }, f.clock.wallNow()));
  const e = f.mon.osd.epoch;
  const report = (reporter: number, target: number, flags: { failed?: boolean; immediate?: boolean; failedFor?: number } = {}) =>
    apply(f, () =>
      handleFailure(
        f.mon.osd,
        c,
        tr,
        { reporter, reporterAddrs: b[reporter]!.addrs, fsid: f.mon.fsid, target, targetAddrs: b[target]!.addrs, epoch: e, failed: flags.failed ?? true, immediate: flags.immediate ?? false, failedForSec: flags.failedFor ?? 21 },
        f.clock.wallNow(),
      ),
    );
  let d = await report(1, 2);
  t.equal(d.propose, false, 'one reporter is not enough');
  d = await report(1, 2, { failed: false });
  t.notOk(tr.failures.has(2), 'cancelled');
  await report(1, 2, { failedFor: 5 });
  d = await report(0, 2, { failedFor: 5 });
  t.equal(d.propose, false, 'two reporters, but not failed for the grace yet');
  f.clock.advance(20_000);
  await f.mon.tick();
  t.notOk(isUp(f.mon.osd.osdmap, 2), 'the tick marks it down once the grace has passed');
  t.match(clusterLog(f).join('\n'), /osd\.2 failed \(root=default,host=h2\) \(2 reporters from different host after 2\d\.\d{6} >= grace 20\.000000\)/);

  d = await report(0, 1, { immediate: true, failedFor: 0 });
  t.equal(d.propose, true);
  t.notOk(isUp(f.mon.osd.osdmap, 1), 'immediate: down at once');
  t.equal(f.mon.osd.osdmap.osdXinfo[1]!.deadEpoch, f.mon.osd.epoch, 'and dead as of that epoch');
  t.ok(clusterLog(f).includes('osd.1 failed (root=default,host=h1) (connection refused reported by osd.0)'));
  d = await report(0, 1, { immediate: true });
  t.same([d.propose, d.sendFrom], [false, e + 1], 'a report about an OSD already down gets the newer maps');
});

t.test('process_failures: reports about an OSD the committed map has down are forgotten, so its re-boot sticks', async (t) => {
  const f = await cluster(3, 'mon_osd_min_down_reporters = 2\n');
  const c = f.mon.osdLivenessConf;
  const tr = f.mon.osdReports;
  const b = [0, 1, 2].map((i) => boot(f, i, 100 + i));
  for (const x of b) await apply(f, () => handleBoot(f.mon.osd, c, { ...x, version: f.mon.osd.epoch }, f.clock.wallNow()));
  const e = f.mon.osd.epoch;
  for (const reporter of [0, 1]) {
    await apply(f, () =>
      handleFailure(f.mon.osd, c, tr, { reporter, reporterAddrs: b[reporter]!.addrs, fsid: f.mon.fsid, target: 2, targetAddrs: b[2]!.addrs, epoch: e, failed: true, immediate: false, failedForSec: 25 }, f.clock.wallNow()),
    );
  }
  t.notOk(isUp(f.mon.osd.osdmap, 2), 'two reporters past the grace: down');
  t.notOk(tr.failures.has(2), 'the reports went with the commit, not at the next tick');
  // The OSD was only hung: it boots again before the monitor's next tick.
  await apply(f, () => handleBoot(f.mon.osd, c, { ...boot(f, 2, 102), version: f.mon.osd.epoch }, f.clock.wallNow()));
  t.ok(isUp(f.mon.osd.osdmap, 2), 'up again');
  f.clock.advance(1000);
  await f.mon.tick();
  t.ok(isUp(f.mon.osd.osdmap, 2), 'the tick does not mark it down again on the old reports');
});

t.test('mark me down (and dead), mark me dead, min up ratio', async (t) => {
  const f = await cluster(2);
  const c = f.mon.osdLivenessConf;
  const b = [0, 1].map((i) => boot(f, i, 10 + i));
  for (const x of b) await apply(f, () => handleBoot(f.mon.osd, c, { ...x, version: f.mon.osd.epoch }, f.clock.wallNow()));
  const e = f.mon.osd.epoch;
  let d = await apply(f, () => handleMarkMeDown(f.mon.osd, c, { fromOsd: true, fsid: f.mon.fsid, target: 0, targetAddrs: b[0]!.addrs, epoch: e, downAndDead: true }));
  t.equal(d.propose, true);
  t.notOk(isUp(f.mon.osd.osdmap, 0));
  t.ok(isIn(f.mon.osd.osdmap, 0), 'still in');
  t.equal(f.mon.osd.osdmap.osdXinfo[0]!.deadEpoch, e);
  t.ok(clusterLog(f).includes('osd.0 marked itself down and dead'));
  d = await apply(f, () => handleMarkMeDown(f.mon.osd, c, { fromOsd: true, fsid: f.mon.fsid, target: 0, targetAddrs: b[0]!.addrs, epoch: e, downAndDead: false }));
  t.same([d.propose, d.sendFrom], [false, e + 1], 'already down: the caller only acks');
  d = await apply(f, () => handleMarkMeDead(f.mon.osd, true, 0, e + 1));
  t.equal(f.mon.osd.osdmap.osdXinfo[0]!.deadEpoch, e + 1);
  t.ok(clusterLog(f).includes(`osd.0 marked itself dead as of e${e + 1}`));
  d = await apply(f, () => handleMarkMeDead(f.mon.osd, true, 1, e));
  t.same([d.propose, d.sendFrom], [false, e + 1], 'mark me dead from an up OSD is ignored');
  // 1 of 2 up = 0.5; marking it down would leave 0 < mon_osd_min_up_ratio 0.3.
  f.mon.osdLivenessConf.minUpRatio = () => 0.6;
  d = await apply(f, () => handleMarkMeDown(f.mon.osd, c, { fromOsd: true, fsid: f.mon.fsid, target: 1, targetAddrs: b[1]!.addrs, epoch: e, downAndDead: false }));
  t.same([d.propose, isUp(f.mon.osd.osdmap, 1)], [false, true], 'can_mark_down: not below the min up ratio');
});

t.test('pg_temp from the acting primary; beacons; no beacon for the report timeout', async (t) => {
  const f = await cluster(2, 'mon_osd_report_timeout = 60\nosd_pool_default_size = 2\n');
  const c = f.mon.osdLivenessConf;
  const b = [0, 1].map((i) => boot(f, i, 20 + i));
  for (const x of b) await apply(f, () => handleBoot(f.mon.osd, c, { ...x, version: f.mon.osd.epoch }, f.clock.wallNow()));
  t.equal((await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 8 })).r, 0);
  const m = f.mon.osd.osdmap;
  const pool = f.mon.osd.lookupPool('p');
  const pg = { pool, seed: 0 };
  const primary = pgToUpActingOsds(m, pg).actingPrimary;
  t.ok(primary === 0 || primary === 1, `pg ${pool}.0 primary osd.${primary}`);
  const other = 1 - primary;
  let d = await apply(f, () => handlePgTemp(f.mon.osd, other, b[other]!.addrs, m.epoch, [[pg, [other, primary]]], false));
  t.equal(d.propose, false, 'not from the acting primary: ignored');
  d = await apply(f, () => handlePgTemp(f.mon.osd, primary, b[primary]!.addrs, m.epoch, [[pg, [other, primary]]], false));
  t.same([d.propose, d.sendFrom], [true, m.epoch]);
  t.same(f.mon.osd.osdmap.pgTemp.get(pg), [other, primary]);
  t.equal(pgToUpActingOsds(f.mon.osd.osdmap, pg).actingPrimary, other, 'acting follows pg_temp');
  d = await apply(f, () => handlePgTemp(f.mon.osd, other, b[other]!.addrs, f.mon.osd.epoch, [[pg, []]], false));
  t.equal(d.propose, true, 'the new acting primary clears it');
  t.notOk(f.mon.osd.osdmap.pgTemp.has(pg));

  const stamp = { sec: Math.floor(f.clock.wallNow() / 1000), nsec: 0 };
  d = await apply(f, () => handleBeacon(f.mon.osd, f.mon.osdReports, 0, b[0]!.addrs, f.mon.osd.epoch, stamp, 300, f.clock.wallNow()));
  t.equal(d.propose, true, 'a newer last_purged_snaps_scrub goes into the map');
  t.same(f.mon.osd.osdmap.osdXinfo[0]!.lastPurgedSnapsScrub, stamp);
  d = await apply(f, () => handleBeacon(f.mon.osd, f.mon.osdReports, 0, b[0]!.addrs, f.mon.osd.epoch, stamp, 300, f.clock.wallNow()));
  t.equal(d.propose, false);
  d = await apply(f, () => handleBeacon(f.mon.osd, f.mon.osdReports, 0, addrs(1, 1), f.mon.osd.epoch, stamp, 300, f.clock.wallNow()));
  t.same([d.propose, d.sendFrom], [false, undefined], 'from another instance: ignored');
  await f.mon.tick();
  f.clock.advance(45_000);
  handleBeacon(f.mon.osd, f.mon.osdReports, 0, b[0]!.addrs, f.mon.osd.epoch, stamp, 300, f.clock.wallNow());
  f.clock.advance(30_000);
  await f.mon.tick();
  t.ok(isUp(f.mon.osd.osdmap, 0), 'osd.0 sent a beacon 30 s ago');
  f.clock.advance(500_000);
  await f.mon.tick();
  t.ok(isUp(f.mon.osd.osdmap, 0), 'nor is 530 s too long with a 300 s beacon interval (2 × 300 > 60)');
  d = await apply(f, () => handleBeacon(f.mon.osd, f.mon.osdReports, 1, b[1]!.addrs, 9, stamp, 300, f.clock.wallNow()));
  t.same([d.propose, d.sendFrom], [false, 10], 'a beacon from an OSD marked down gets the newer maps');
  t.notOk(isUp(f.mon.osd.osdmap, 1), 'osd.1 sent none for 75 s > mon_osd_report_timeout 60');
  t.ok(clusterLog(f).some((l) => /^osd\.1 marked down after no beacon for 75\.0+ seconds$/.test(l)), 'logged as Ceph does');
  t.ok(exists(f.mon.osd.osdmap, 1));
  t.equal(tickOsdReports(f.mon.osd, c, f.mon.osdReports, f.clock.wallNow()).length, 0, 'nothing more to do');
});

t.test('down for mon_osd_down_out_interval: marked out (AUTOOUT, weight kept); a boot marks it back in', async (t) => {
  const f = await cluster(4, 'mon_osd_down_out_interval = 120\n');
  const c = f.mon.osdLivenessConf;
  const b = [0, 1, 2, 3].map((i) => boot(f, i, 30 + i));
  for (const x of b) await apply(f, () => handleBoot(f.mon.osd, c, { ...x, version: f.mon.osd.epoch }, f.clock.wallNow()));
  await apply(f, () => handleMarkMeDown(f.mon.osd, c, { fromOsd: true, fsid: f.mon.fsid, target: 3, targetAddrs: b[3]!.addrs, epoch: f.mon.osd.epoch, downAndDead: false }));
  await f.mon.tick();
  f.clock.advance(119_000);
  await f.mon.tick();
  t.ok(isIn(f.mon.osd.osdmap, 3), 'not yet');
  f.clock.advance(2_000);
  await f.mon.tick();
  const m = f.mon.osd.osdmap;
  t.notOk(isIn(m, 3), 'out after the interval');
  t.ok(m.osdState[3]! & OsdState.AUTOOUT, 'AUTOOUT');
  t.equal(m.osdXinfo[3]!.oldWeight, CEPH_OSD_IN, 'the weight to restore');
  t.ok(clusterLog(f).includes('Marking osd.3 out (has been down for 121 seconds)'));
  // can_mark_out looks at the map before the change: 3 of 4 in (0.75) lets osd.2 go out too, then
  // 2 of 4 (0.5 < mon_osd_min_in_ratio 0.75) keeps osd.1 in.
  for (const id of [2, 1]) {
    await apply(f, () => handleMarkMeDown(f.mon.osd, c, { fromOsd: true, fsid: f.mon.fsid, target: id, targetAddrs: b[id]!.addrs, epoch: f.mon.osd.epoch, downAndDead: false }));
    await f.mon.tick();
    f.clock.advance(200_000);
    await f.mon.tick();
  }
  t.notOk(isIn(f.mon.osd.osdmap, 2), 'osd.2 out');
  t.ok(isIn(f.mon.osd.osdmap, 1), 'min in ratio keeps osd.1 in');
  await apply(f, () => handleBoot(f.mon.osd, c, { ...boot(f, 3, 99), bootEpoch: 5 }, f.clock.wallNow()));
  t.ok(isUp(f.mon.osd.osdmap, 3) && isIn(f.mon.osd.osdmap, 3), 'mon_osd_auto_mark_auto_out_in: back in on boot');
  t.equal(f.mon.osd.osdmap.osdState[3]! & OsdState.AUTOOUT, 0);
});

t.test("caps: 'allow profile osd' may send OSD messages, 'allow r' may not", async (t) => {
  const s = (caps: string) => new MonSession(1, { type: EntityType.OSD, id: '0' }, { type: EntityType.OSD, num: 0 }, addrs(1, 1), MonCap.parse(caps), 1n, CEPH_FEATURES_ALL);
  t.ok(s('allow profile osd').isCapable('osd', false, false, true));
  t.notOk(s('allow r').isCapable('osd', false, false, true));
  t.notOk(s('profile bootstrap-osd').isCapable('osd', false, false, true));
});

t.test('creating PGs: pg_create2 contents per primary, MOSDPGCreated clears CREATING', async (t) => {
  const f = await cluster(2, 'osd_pool_default_size = 1\nmon_allow_pool_size_one = true\n');
  const c = f.mon.osdLivenessConf;
  const b = [0, 1].map((i) => boot(f, i, 40 + i));
  for (const x of b) await apply(f, () => handleBoot(f.mon.osd, c, { ...x, version: f.mon.osd.epoch }, f.clock.wallNow()));
  t.equal((await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 8 })).r, 0);
  const pool = f.mon.osd.lookupPool('p');
  const createdIn = f.mon.osd.epoch;
  const pc = f.mon.osd.pgCreates;
  t.equal(pc.createdEpoch(f.mon.osd, pool), createdIn, 'the creation epoch is stored');
  const lists = [0, 1].map((i) => pc.createsFor(f.mon.osd, i));
  t.equal(lists[0]!.length + lists[1]!.length, 8, 'every PG goes to exactly one primary');
  for (const [i, l] of lists.entries()) for (const x of l) t.equal(pgToUpActingOsds(f.mon.osd.osdmap, x.spg.pgid).actingPrimary, i);
  t.ok(lists.flat().every((x) => x.created === createdIn && x.spg.shard === -1));
  // Three reported, stored with the next osdmap proposal, still known after a restart.
  const all = lists.flat();
  for (const x of all.slice(0, 3)) await apply(f, () => ({ propose: pc.noteCreated(f.mon.osd, x.spg.pgid), clog: [] }));
  t.equal((await f.cmd({ prefix: 'osd set', key: 'noscrub' })).r, 0);
  await f.restart();
  const pc2 = f.mon.osd.pgCreates;
  t.equal(pc2.createsFor(f.mon.osd, 0).length + pc2.createsFor(f.mon.osd, 1).length, 5, 'after a restart only the 5 not reported are asked for');
  let proposals = 0;
  for (const x of all.slice(3)) {
    await apply(f, () => {
      const d = { propose: pc2.noteCreated(f.mon.osd, x.spg.pgid), clog: [] };
      if (d.propose) proposals++;
      return d;
    });
  }
  t.equal(proposals, 1, 'one proposal, when the last PG is reported');
  t.equal(f.mon.osd.osdmap.pools.get(pool)!.flags & PoolFlag.CREATING, 0, 'CREATING cleared');
  t.same([pc2.createsFor(f.mon.osd, 0), pc2.createsFor(f.mon.osd, 1)], [[], []], 'nothing left to create');
  t.notOk(f.mon.osd.storeGet('osd_pg_creating', `${pool}_created`), 'the created set is erased with the pool done');
});

t.test('pg_history_t and PastIntervals of a new PG are what a real 16.2.15 mon sends', async (t) => {
  const d = new StreamDecoder();
  d.push(readFileSync(join(sharedDir(), 'ceph-traces', 'daemons', 'streams', 'pcap-osd0-boot-mon.01.s2c.bin')));
  let n = 0;
  for (const it of d.drain()) {
    if (it.kind !== 'frame' || it.frame.tag !== Tag.MESSAGE) continue;
    const h = decodeHeader2(it.frame.segments[0]!);
    if (h.type !== MOSDPGCreate2Codec.type) continue;
    const e = Buffer.alloc(0);
    const p = MOSDPGCreate2Codec.decode({ ...h, front: it.frame.segments[1]!, middle: e, data: e }, 0n);
    for (const [i, [, v]] of p.pgs.entries()) {
      const x = p.pgExtra[i]![1];
      t.ok(newPgHistory(v.created, v.stamp).equals(x.history) && EMPTY_PAST_INTERVALS.equals(x.pastIntervals), `pg ${i} of e${p.epoch}`);
      n++;
    }
  }
  t.ok(n >= 8);
});
