/**
 * The one health path from the mgr's PGMap (src/mon/PGMap.cc get_health_checks): crafted PG maps
 * through `pgHealth`, the expected texts written out by hand from Ceph's format strings.
 */
import t from 'tap';
import { buildSimple, newOsdStat, newPgStat, OSDMap, PgStatT } from '@ts-ceph/maps';
import { PGMap, PgState } from '@ts-ceph/mgr/core';
import { PgHealthConf, pgHealth } from '../src/core/mgrstat/pg-stats';

const T0 = 1_700_000_000_000;
const CONF: PgHealthConf = {
  warnTooFewOsds: true,
  poolDefaultSize: 2,
  stuckThresholdSec: 60,
  warnPoolNoApp: false,
  maxDetail: 50,
  warnNotScrubbedRatio: 0.5,
  warnNotDeepScrubbedRatio: 0.75,
  osdScrubMaxIntervalSec: 7 * 86400,
  osdDeepScrubIntervalSec: 7 * 86400,
  reporterSubtreeLevel: 'host',
  warnSlowPingTimeMs: 0,
  warnSlowPingRatio: 0.05,
  heartbeatGraceSec: 20,
  warnNumRepaired: 10,
};

function setup(): { m: OSDMap; pm: PGMap; pool: number; pgNum: number } {
  const m = buildSimple({ numOsd: 2, now: { sec: T0 / 1000, nsec: 0 }, defaultPool: true, pgBits: 1 });
  m.epoch = 5;
  const pm = new PGMap();
  pm.notePools(m, T0);
  const pool = [...m.pools.keys()][0]!;
  return { m, pm, pool, pgNum: m.pools.get(pool)!.pgNum };
}

const utime = (ms: number) => ({ sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 });

function stat(state: bigint, at: number, acting: number[]): PgStatT {
  const s = newPgStat();
  s.state = state;
  s.reportedEpoch = 5;
  s.reportedSeq = 1n;
  s.acting = acting;
  for (const k of ['lastChange', 'lastActive', 'lastPeered', 'lastFullsized', 'lastUnstale', 'lastScrubStamp', 'lastDeepScrubStamp'] as const) s[k] = utime(at);
  return s;
}

t.test('unknown PGs: still moving, then stuck inactive since their pool appeared', async (t) => {
  const { m, pm, pool, pgNum } = setup();
  t.notOk(pgHealth(pm, m, T0 + 30_000, CONF).has('PG_AVAILABILITY'), 'not stuck before mon_pg_stuck_threshold');
  const c = pgHealth(pm, m, T0 + 180_000, CONF).get('PG_AVAILABILITY');
  t.equal(c?.summary, `Reduced data availability: ${pgNum} pgs inactive`);
  t.equal(c?.count, pgNum);
  t.equal(c?.detail[0], `pg ${pool}.0 is stuck inactive for 3m, current state unknown, last acting []`);
});

t.test('reported states: degraded with object counts, damage, scrub errors', async (t) => {
  const { m, pm, pool, pgNum } = setup();
  const now = T0 + 600_000;
  const pgs: [{ pool: number; seed: number }, PgStatT][] = [];
  for (let seed = 0; seed < pgNum; seed++) pgs.push([{ pool, seed }, stat(PgState.ACTIVE | PgState.CLEAN, now, [0])]);
  const deg = stat(PgState.ACTIVE | PgState.UNDERSIZED | PgState.DEGRADED, T0, [1]);
  deg.stats.sum.num_objects_degraded = 5;
  deg.stats.sum.num_object_copies = 20;
  pgs[0] = [{ pool, seed: 0 }, deg];
  const bad = stat(PgState.ACTIVE | PgState.CLEAN | PgState.INCONSISTENT, now, [0]);
  bad.stats.sum.num_scrub_errors = 3;
  pgs[1] = [{ pool, seed: 1 }, bad];
  pm.ingest(0, { osdStat: newOsdStat(), pgStat: pgs, poolStat: [] }, m, now);
  const checks = pgHealth(pm, m, now, CONF);
  t.same(checks.get('PG_DEGRADED'), {
    severity: 1,
    summary: 'Degraded data redundancy: 5/20 objects degraded (25.000%), 1 pg degraded, 1 pg undersized',
    count: 2,
    // One detail line per PG: the later response (undersized) replaces the earlier one, as Ceph's map does.
    detail: [`pg ${pool}.0 is stuck undersized for 10m, current state active+undersized+degraded, last acting [1]`],
  });
  t.same(checks.get('PG_DAMAGED'), { severity: 0, summary: 'Possible data damage: 1 pg inconsistent', count: 1, detail: [`pg ${pool}.1 is active+clean+inconsistent, acting [0]`] });
  t.same(checks.get('OSD_SCRUB_ERRORS'), { severity: 0, summary: '3 scrub errors', count: 3, detail: [] });
  t.notOk(checks.has('PG_AVAILABILITY'));
  // build_simple's OSDs do not exist yet (state 0), so get_num_osds is 0.
  t.same(checks.get('TOO_FEW_OSDS'), { severity: 1, summary: 'OSD count 0 < osd_pool_default_size 2', count: 2, detail: [] });
});

t.test('OSD_SLOW_PING_TIME_BACK/FRONT and OSD_TOO_MANY_REPAIRS from osd_stat_t', async (t) => {
  const { m, pm } = setup();
  const now = T0 + 10_000;
  const s = newOsdStat();
  s.numShardsRepaired = 11n;
  const z: [number, number, number] = [0, 0, 0];
  s.hbPingtime = [
    [1, { lastUpdate: T0 / 1000, backPingtime: [1_500_000, 1_200_000, 1_000_000], backMin: z, backMax: z, backLast: 0, frontPingtime: [900, 900, 900], frontMin: z, frontMax: z, frontLast: 0 }],
  ];
  const s1 = newOsdStat();
  s1.hbPingtime = [
    [0, { lastUpdate: T0 / 1000, backPingtime: [1_000_001, 1_100_000, 1_200_000], backMin: z, backMax: z, backLast: 0, frontPingtime: [2_000_000, 3, 1], frontMin: z, frontMax: z, frontLast: 0 }],
  ];
  pm.ingest(0, { osdStat: s, pgStat: [], poolStat: [] }, m, now);
  pm.ingest(1, { osdStat: s1, pgStat: [], poolStat: [] }, m, now);
  const checks = pgHealth(pm, m, now, CONF);
  t.same(checks.get('OSD_SLOW_PING_TIME_BACK'), {
    severity: 1,
    summary: 'Slow OSD heartbeats on back (longest 1500.000ms)',
    count: 2,
    detail: ['Slow OSD heartbeats on back from osd.0 [localrack] (down) to osd.1 [localrack] (down) 1500.000 msec', 'Slow OSD heartbeats on back from osd.1 [localrack] (down) to osd.0 [localrack] (down) 1200.000 msec possibly improving'],
  });
  t.same(checks.get('OSD_SLOW_PING_TIME_FRONT')?.detail, ['Slow OSD heartbeats on front from osd.1 [localrack] (down) to osd.0 [localrack] (down) 2000.000 msec']);
  t.same(checks.get('OSD_TOO_MANY_REPAIRS'), { severity: 1, summary: 'Too many repaired reads on 1 OSDs', count: 1, detail: ['osd.0 had 11 reads repaired'] });
  const stale = pgHealth(pm, m, T0 + 20 * 60_000 + 2000, CONF);
  t.notOk(stale.has('OSD_SLOW_PING_TIME_BACK'), 'ping times older than osd_heartbeat_grace minutes are ignored');
});
