/**
 * The PG-statistics health checks with the texts of src/mon/PGMap.cc get_health_checks and
 * src/mgr/DaemonHealthMetricCollector.cc, the expected strings written out by hand.
 */
import t from 'tap';
import { HealthCheckMap } from '../src/core/health/health-check';
import { PgHealthConf, PgHealthPool, PgHealthStat, pgScrubHealth, pgStateHealth, slowOpsHealth } from '../src/core/mgrstat/pg-health';

const NOW = Date.UTC(2024, 0, 10, 12, 0, 0);
const MIN = 60_000;
const DAY = 86_400_000;
const CONF: PgHealthConf = { stuckThresholdSec: 60, maxDetail: 50, warnNotScrubbedRatio: 0.5, warnNotDeepScrubbedRatio: 0.75, osdScrubMaxIntervalSec: 7 * 86400, osdDeepScrubIntervalSec: 7 * 86400 };
const POOLS = new Map<number, PgHealthPool>([[1, { name: 'rbd', minSize: 2, scrubMaxIntervalSec: 0, deepScrubIntervalSec: 0 }]]);

function pg(seed: number, state: string, extra: Partial<PgHealthStat> = {}): PgHealthStat {
  return { pool: 1, seed, state, acting: [0, 1], lastChange: 0, lastActive: NOW, lastPeered: NOW, lastFullsized: NOW, lastUnstale: NOW, lastScrubStamp: NOW, lastDeepScrubStamp: NOW, numObjectsUnfound: 0, ...extra };
}

t.test('state checks: immediate, stuck and inverted', async (t) => {
  const checks: HealthCheckMap = new Map();
  const pgs = [
    pg(0x1a, 'active+clean'),
    pg(2, 'active+undersized+degraded', { lastFullsized: NOW - 5 * MIN, acting: [1] }),
    pg(3, 'peering', { lastActive: NOW - 3 * MIN, lastPeered: NOW - 3 * MIN }),
    pg(4, 'incomplete', { lastActive: 0, acting: [] }),
    pg(5, 'active+recovery_toofull+degraded'),
    pg(6, 'active+clean+inconsistent', { numObjectsUnfound: 2 }),
    pg(7, 'activating', { lastActive: NOW - 30_000 }),
  ];
  pgStateHealth(pgs, POOLS, { objects: 3, copies: 40 }, CONF, NOW, checks);
  t.same([...checks.keys()], ['PG_AVAILABILITY', 'PG_DEGRADED', 'PG_DAMAGED', 'PG_RECOVERY_FULL']);
  t.same(checks.get('PG_AVAILABILITY'), {
    severity: 1,
    summary: 'Reduced data availability: 2 pgs inactive, 1 pg peering, 1 pg incomplete',
    count: 4,
    detail: [
      'pg 1.3 is stuck peering for 3m, current state peering, last acting [0,1]',
      "pg 1.4 is incomplete, acting [] (reducing pool rbd min_size from 2 may help; search ceph.com/docs for 'incomplete')",
    ],
  });
  t.same(checks.get('PG_DEGRADED'), {
    severity: 1,
    summary: 'Degraded data redundancy: 3/40 objects degraded (7.500%), 2 pgs degraded, 1 pg undersized',
    count: 3,
    detail: ['pg 1.2 is stuck undersized for 5m, current state active+undersized+degraded, last acting [1]', 'pg 1.5 is active+recovery_toofull+degraded, acting [0,1]'],
  });
  t.same(checks.get('PG_DAMAGED'), { severity: 0, summary: 'Possible data damage: 1 pg inconsistent', count: 1, detail: ['pg 1.6 is active+clean+inconsistent, acting [0,1], 2 unfound'] });
  t.same(checks.get('PG_RECOVERY_FULL'), { severity: 0, summary: 'Full OSDs blocking recovery: 1 pg recovery_toofull', count: 1, detail: ['pg 1.5 is active+recovery_toofull+degraded, acting [0,1]'] });
});

t.test('never active: stuck since forever', async (t) => {
  const checks: HealthCheckMap = new Map();
  pgStateHealth([pg(0, 'unknown', { lastActive: 0, acting: [] })], POOLS, { objects: 0, copies: 0 }, CONF, NOW, checks);
  t.same(checks.get('PG_AVAILABILITY')?.detail, ['pg 1.0 is stuck inactive since forever, current state unknown, last acting []']);
});

t.test('scrub stamps', async (t) => {
  const checks: HealthCheckMap = new Map();
  // Scrub: 7 d * 1.5 = 10.5 d; deep: 7 d * 1.75 = 12.25 d.
  pgScrubHealth([pg(0, 'active+clean', { lastScrubStamp: NOW - 11 * DAY, lastDeepScrubStamp: NOW - 12 * DAY }), pg(1, 'active+clean', { lastScrubStamp: NOW - 10 * DAY, lastDeepScrubStamp: NOW - 13 * DAY })], POOLS, CONF, NOW, checks);
  t.same(checks.get('PG_NOT_SCRUBBED'), { severity: 1, summary: '1 pgs not scrubbed in time', count: 1, detail: ['pg 1.0 not scrubbed since 2023-12-30T12:00:00.000000+0000'] });
  t.same(checks.get('PG_NOT_DEEP_SCRUBBED'), { severity: 1, summary: '1 pgs not deep-scrubbed in time', count: 1, detail: ['pg 1.1 not deep-scrubbed since 2023-12-28T12:00:00.000000+0000'] });
  const few: HealthCheckMap = new Map();
  pgScrubHealth([0, 1, 2].map((s) => pg(s, 'active+clean', { lastScrubStamp: 0 })), POOLS, { ...CONF, maxDetail: 2, warnNotDeepScrubbedRatio: 0 }, NOW, few);
  t.same(few.get('PG_NOT_SCRUBBED')?.detail, ['pg 1.0 not scrubbed since 1970-01-01T00:00:00.000000+0000', 'pg 1.1 not scrubbed since 1970-01-01T00:00:00.000000+0000', '1 more pgs... ']);
  t.notOk(few.has('PG_NOT_DEEP_SCRUBBED'), 'a zero ratio turns the check off');
});

t.test('SLOW_OPS', async (t) => {
  const one: HealthCheckMap = new Map();
  slowOpsHealth([['osd.0', 0, 0], ['osd.3', 42, 12]], one);
  t.same(one.get('SLOW_OPS'), { severity: 1, summary: '42 slow ops, oldest one blocked for 12 sec, osd.3 has slow ops', count: 1, detail: [] });
  const two: HealthCheckMap = new Map();
  slowOpsHealth([['osd.0', 2, 31], ['osd.3', 1, 5]], two);
  t.equal(two.get('SLOW_OPS')?.summary, '3 slow ops, oldest one blocked for 31 sec, daemons [osd.0,osd.3] have slow ops.');
  const none: HealthCheckMap = new Map();
  slowOpsHealth([['osd.0', 0, 0]], none);
  t.equal(none.size, 0);
});
