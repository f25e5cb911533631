/**
 * Full OSDs through the monitor core (OSDMonitor::preprocess_full/prepare_full, encode_pending's
 * pool flag pass, OSDMap::check_health's fullness checks): the OSD's state bits, the pools' flags
 * and `ceph health detail` with Ceph's texts.
 */
import t from 'tap';
import { AddrType, CEPH_FEATURES_ALL, EntityAddrvec, makeAddr } from '@ts-ceph/denc';
import { OsdState, PoolFlag } from '@ts-ceph/maps';
import { Decision, handleBoot } from '../src/core/osd/osd-liveness';
import { handleFull } from '../src/core/osd/osd-full';
import { MonFixture } from './lib/mon-fixture';

const uuid = (i: number) => `00000000-0000-0000-0000-00000000000${i + 1}`;
const addrs = (port: number): EntityAddrvec => [makeAddr(AddrType.MSGR2, '127.0.0.1', port, 7), makeAddr(AddrType.LEGACY, '127.0.0.1', port + 1, 7)];

function apply(f: MonFixture, fn: () => Decision): Promise<Decision> {
  return f.mon.pipeline.run(async () => {
    const d = fn();
    if (d.propose) await f.mon.pipeline.propose([f.mon.osd, f.mon.logm]);
    return d;
  });
}

/** Two OSDs up on hosts h0, h1; pool 'p' on the default rule (both), pool 'q' on a rule under h1 only. */
async function cluster(): Promise<MonFixture> {
  const f = await MonFixture.create();
  for (let i = 0; i < 2; i++) {
    t.equal((await f.cmd({ prefix: 'osd new', uuid: uuid(i) })).r, 0);
    await f.cmd({ prefix: 'osd crush create-or-move', id: i, weight: 0.01, args: [`host=h${i}`, 'root=default'] });
    const e = f.mon.osd.epoch;
    const a = addrs(6800 + 10 * i);
    await apply(f, () =>
      handleBoot(f.mon.osd, f.mon.osdLivenessConf, {
        from: i, addrs: a, fsid: f.mon.fsid, clusterFsid: f.mon.fsid, osdFsid: uuid(i), version: e, currentEpoch: e, newestMap: e, mounted: 0, cleanThru: 0, bootEpoch: 0,
        clusterAddrs: a, hbBackAddrs: a, hbFrontAddrs: a, osdFeatures: CEPH_FEATURES_ALL, metadata: new Map(),
      }, f.clock.wallNow()),
    );
  }
  t.equal((await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 8 })).r, 0);
  t.equal((await f.cmd({ prefix: 'osd crush rule create-simple', name: 'h1only', root: 'h1', type: 'osd' })).r, 0);
  t.equal((await f.cmd({ prefix: 'osd pool create', pool: 'q', pg_num: 8, rule: 'h1only' })).r, 0);
  return f;
}

const poolFlags = (f: MonFixture, name: string): number => {
  const m = f.mon.osd.osdmap;
  const id = [...m.poolName].find(([, n]) => n === name)![0];
  return m.pools.get(id)!.flags;
};
const health = async (f: MonFixture): Promise<string> => (await f.cmd({ prefix: 'health', detail: 'detail' })).out;

t.test('MOSDFull sets the OSD state bit, the served pools get FULL, health says so; clearing undoes it', async (t) => {
  const f = await cluster();
  const e0 = f.mon.osd.epoch;
  let d = await apply(f, () => handleFull(f.mon.osd, 0, addrs(6800), e0, OsdState.FULL));
  t.same([d.propose, d.sendFrom], [true, e0], 'proposes and replies with the maps after commit');
  const m = f.mon.osd.osdmap;
  t.equal(m.epoch, e0 + 1, 'state and pool flags in one epoch');
  t.equal(m.osdState[0]! & (OsdState.FULL | OsdState.NEARFULL | OsdState.BACKFILLFULL), OsdState.FULL);
  t.ok(m.osdState[0]! & OsdState.UP, 'the other state bits are untouched');
  t.ok(poolFlags(f, 'p') & PoolFlag.FULL, "pool 'p' (default rule reaches osd.0) is full");
  t.equal(poolFlags(f, 'q') & PoolFlag.FULL, 0, "pool 'q' (rule under h1) is not");
  let h = await health(f);
  t.match(h, /^HEALTH_ERR .*1 full osd\(s\); 1 pool\(s\) full/);
  t.match(h, /\[ERR\] OSD_FULL: 1 full osd\(s\)\n    osd\.0 is full\n/);
  t.match(h, /\[WRN\] POOL_FULL: 1 pool\(s\) full\n    pool 'p' is full \(no space\)\n/);

  d = await apply(f, () => handleFull(f.mon.osd, 0, addrs(6800), e0 + 1, OsdState.FULL));
  t.same([d.propose, d.sendFrom], [false, e0 + 1], 'the same state again: just the maps');

  await apply(f, () => handleFull(f.mon.osd, 1, addrs(6810), e0 + 1, OsdState.NEARFULL));
  await apply(f, () => handleFull(f.mon.osd, 0, addrs(6800), e0 + 1, OsdState.BACKFILLFULL));
  t.equal(poolFlags(f, 'p') & (PoolFlag.FULL | PoolFlag.BACKFILLFULL | PoolFlag.NEARFULL), PoolFlag.BACKFILLFULL, "'p': backfillfull wins over nearfull");
  t.equal(poolFlags(f, 'q') & (PoolFlag.FULL | PoolFlag.BACKFILLFULL | PoolFlag.NEARFULL), PoolFlag.NEARFULL, "'q': nearfull (osd.1)");
  h = await health(f);
  t.match(h, /\[WRN\] OSD_BACKFILLFULL: 1 backfillfull osd\(s\)\n    osd\.0 is backfill full\n/);
  t.match(h, /\[WRN\] OSD_NEARFULL: 1 nearfull osd\(s\)\n    osd\.1 is near full\n/);
  t.match(h, /\[WRN\] POOL_BACKFILLFULL: 1 pool\(s\) backfillfull\n    pool 'p' is backfillfull\n/);
  t.match(h, /\[WRN\] POOL_NEARFULL: 1 pool\(s\) nearfull\n    pool 'q' is nearfull\n/);
  t.notMatch(h, /OSD_FULL|POOL_FULL/);

  await apply(f, () => handleFull(f.mon.osd, 0, addrs(6800), e0 + 3, 0));
  await apply(f, () => handleFull(f.mon.osd, 1, addrs(6810), e0 + 4, 0));
  t.equal(f.mon.osd.osdmap.osdState[0]! & (OsdState.FULL | OsdState.NEARFULL | OsdState.BACKFILLFULL), 0);
  t.equal(poolFlags(f, 'p') & (PoolFlag.FULL | PoolFlag.BACKFILLFULL | PoolFlag.NEARFULL), 0);
  t.equal(poolFlags(f, 'q') & (PoolFlag.FULL | PoolFlag.BACKFILLFULL | PoolFlag.NEARFULL), 0);
  t.notMatch(await health(f), /FULL/);
});

t.test('MOSDFull from another instance or a nonexistent OSD is ignored', async (t) => {
  const f = await cluster();
  const e0 = f.mon.osd.epoch;
  t.same(await apply(f, () => handleFull(f.mon.osd, 0, addrs(7000), e0, OsdState.FULL)), { propose: false, clog: [] }, 'up, other addrs');
  t.same(await apply(f, () => handleFull(f.mon.osd, 5, addrs(6800), e0, OsdState.FULL)), { propose: false, clog: [] }, 'no such OSD');
  t.equal(f.mon.osd.epoch, e0);
});

t.test('ratios out of order: OSD_OUT_OF_ORDER_FULL with the corrections the OSD makes', async (t) => {
  const f = await cluster();
  t.equal((await f.cmd({ prefix: 'osd set-nearfull-ratio', ratio: 0.92 })).r, 0);
  const h = await health(f);
  t.match(h, /\[ERR\] OSD_OUT_OF_ORDER_FULL: full ratio\(s\) out of order\n    backfillfull_ratio \(0\.9\) < nearfull_ratio \(0\.92\), increased\n/);
  t.equal((await f.cmd({ prefix: 'osd set-full-ratio', ratio: 0.98 })).r, 0);
  t.match(await health(f), /    osd_failsafe_full_ratio \(0\.97\) < full_ratio \(0\.98\), increased\n/);
});
