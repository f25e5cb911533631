/**
 * The mgr core without sockets: the PG map built from MPGStats (older reports ignored, PGs beyond
 * pg_num dropped, Ceph's state names and summary order), the DaemonServer's sessions (MMgrOpen
 * answered with the stats period, perf counters unpacked in path order, service daemons in the
 * service map and gone with their session) and its MgrCap check on commands.
 */
import t from 'tap';
import { buildSimple, newPgStat, newOsdStat, OSDMap, PgStatT } from '@ts-ceph/maps';
import { MgrCap } from '@ts-ceph/cephx';
import { EntityType } from '@ts-ceph/denc';
import { encodeConfigBl, encodeConfigDefaultsBl, packPerfValues } from '@ts-ceph/messages';
import { DaemonServerCore, MgrSession, PGMap, PgState, pgStateString, serviceSummary } from '../src';

const now = { sec: 1_700_000_000, nsec: 0 };

function map(): OSDMap {
  const m = buildSimple({ numOsd: 2, now, defaultPool: true, pgBits: 2 });
  m.epoch = 5;
  return m;
}

function stat(state: bigint, objects: number, bytes: number, epoch = 5, seq = 1n): PgStatT {
  const s = newPgStat();
  s.state = state;
  s.reportedEpoch = epoch;
  s.reportedSeq = seq;
  s.stats.sum.num_objects = objects;
  s.stats.sum.num_bytes = bytes;
  s.acting = [0];
  return s;
}

const AC = PgState.ACTIVE | PgState.CLEAN;

t.test('pg_state_string as Ceph orders the names', async (t) => {
  t.equal(pgStateString(0n), 'unknown');
  t.equal(pgStateString(AC), 'active+clean');
  t.equal(pgStateString(PgState.ACTIVE | PgState.UNDERSIZED | PgState.DEGRADED | PgState.STALE), 'stale+active+undersized+degraded');
  t.equal(pgStateString(PgState.PEERING | PgState.CREATING), 'creating+peering');
});

t.test('PGMap: ingest, stale reports, summary', async (t) => {
  const m = map();
  const pool = [...m.pools.keys()][0]!;
  const pgNum = m.pools.get(pool)!.pgNum;
  const pm = new PGMap();
  pm.notePools(m, 0);
  let s = pm.summary(m);
  t.same([s.numPg, s.numUnknown, s.byState], [pgNum, pgNum, [['unknown', pgNum]]], 'every PG unknown before a report');
  const osdStat = newOsdStat();
  osdStat.statfs.total = 1000;
  osdStat.statfs.available = 600;
  pm.ingest(0, { osdStat, pgStat: [[{ pool, seed: 0 }, stat(AC, 3, 300)], [{ pool, seed: 1 }, stat(PgState.ACTIVE, 1, 10)], [{ pool, seed: pgNum + 5 }, stat(AC, 9, 9)]], poolStat: [] }, m, 1);
  pm.ingest(0, { osdStat, pgStat: [[{ pool, seed: 0 }, stat(AC, 1, 1, 4, 9n)]], poolStat: [] }, m, 2);
  s = pm.summary(m);
  t.same([s.numObjects, s.dataBytes], [4, 310], 'counts from the newest reports; the older epoch is ignored, the PG beyond pg_num dropped');
  t.same([s.bytesTotal, s.bytesAvail, s.bytesUsed], [1000, 600, 400], 'usage from osd_stat_t statfs');
  t.same(s.byState, [['unknown', pgNum - 2], ['active+clean', 1], ['active', 1]], 'by count, then reverse name order');
  t.equal(pm.poolSum(m, pool).sum.num_objects, 4);
  t.same([...pm.pgsPerOsd(m)], [[0, 2]]);
});

function session(caps: string, type: number = EntityType.CLIENT, id = 'admin'): MgrSession {
  return { peer: { type, id, gid: 4100n, addr: undefined, caps: caps === '*' ? MgrCap.allowAll() : MgrCap.parse(caps) }, daemon: undefined };
}

t.test('DaemonServer: open, report, pg stats, service daemons, commands', async (t) => {
  const m = map();
  const core = new DaemonServerCore(() => m, { statsPeriod: 5, statsThreshold: 5 });
  const osd = session('allow profile osd', EntityType.OSD, '0');
  t.same(core.handleOpen(osd, { daemonName: '0', serviceName: '', serviceDaemon: false, daemonMetadata: [], daemonStatus: [], configBl: Buffer.alloc(0), configDefaultsBl: Buffer.alloc(0) }, now, 0), { statsPeriod: 5, statsThreshold: 5 });
  const types = [
    { path: 'osd.op_w', description: '', nick: '', type: 10, priority: 5, unit: 0 },
    { path: 'osd.op', description: '', nick: '', type: 10, priority: 5, unit: 0 },
    { path: 'osd.op_latency', description: '', nick: '', type: 5, priority: 5, unit: 0 },
  ];
  // Values travel in path order: osd.op, osd.op_latency (sum, avgcount, avgcount2), osd.op_w.
  core.handleReport(osd, { daemonName: '0', declareTypes: types, packed: packPerfValues([[7n], [3000n, 3n, 3n], [2n]]), undeclareTypes: [], serviceName: '', daemonStatus: undefined, daemonHealthMetrics: [], configBl: Buffer.alloc(0), taskStatus: undefined }, now, 0);
  const perf = core.daemons.get('osd.0')!.perf.values;
  t.same([perf.get('osd.op'), perf.get('osd.op_latency'), perf.get('osd.op_w')], [[7n], [3000n, 3n, 3n], [2n]]);
  t.same(core.slowOps(), [], 'no health metrics reported yet');
  // SLOW_OPS packs n1 (slow ops) in the low 32 bits and n2 (oldest blocked seconds) in the high ones.
  core.handleReport(osd, { daemonName: '0', declareTypes: [], packed: packPerfValues([[8n], [3000n, 3n, 3n], [2n]]), undeclareTypes: [], serviceName: '', daemonStatus: undefined, daemonHealthMetrics: [{ type: 0, value: (31n << 32n) | 4n }, { type: 1, value: 9n }], configBl: Buffer.alloc(0), taskStatus: undefined }, now, 0);
  t.same(core.slowOps(), [['osd.0', 4, 31]]);

  const pool = [...m.pools.keys()][0]!;
  core.handlePgStats(osd, { paxos: { version: 0, deprecatedSessionMon: -1, deprecatedSessionMonTid: 0n }, fsid: m.fsid, osdStat: newOsdStat(), pgStat: [[{ pool, seed: 0 }, stat(AC, 2, 20)]], epoch: 5, poolStat: [] }, 1);
  t.equal(core.pgmap.summary(m).numObjects, 2);
  const client = session('allow r');
  core.handlePgStats(client, { paxos: { version: 0, deprecatedSessionMon: -1, deprecatedSessionMonTid: 0n }, fsid: m.fsid, osdStat: newOsdStat(), pgStat: [[{ pool, seed: 1 }, stat(AC, 50, 50)]], epoch: 5, poolStat: [] }, 1);
  t.equal(core.pgmap.summary(m).numObjects, 2, 'MPGStats from a non-OSD session is ignored');

  const r = core.handleCommand(client, ['{"prefix": "pg stat", "format": "json"}'], 0);
  t.equal(r.r, 0);
  t.equal((JSON.parse(r.outbl.toString()) as { pg_ready: boolean; pg_summary: { num_pgs: number } }).pg_summary.num_pgs, m.pools.get(pool)!.pgNum);
  t.equal(core.handleCommand(session('allow command foo'), ['{"prefix": "pg stat"}'], 0).r, -13, 'EACCES without the cap');
  t.equal(core.handleCommand(client, ['{"prefix": "no such"}'], 0).r, -22);
  t.equal(core.handleCommand(client, ['{not json'], 0).r, -22);

  const svc = session('allow r', EntityType.CLIENT, 'admin');
  core.handleOpen(svc, { daemonName: 'd1', serviceName: 'rgw', serviceDaemon: true, daemonMetadata: [['hostname', 'h1'], ['zone_id', 'z']], daemonStatus: [], configBl: Buffer.alloc(0), configDefaultsBl: Buffer.alloc(0) }, now, 0);
  t.same(core.serviceSummaries(), [['rgw', '1 daemon active (1 hosts, 1 zones)']]);
  const dump = JSON.parse(core.handleCommand(client, ['{"prefix": "service dump", "format": "json"}'], 0).outbl.toString()) as { epoch: number; services: { rgw: { daemons: { summary: string; d1: { gid: number; metadata: { hostname: string } } } } } };
  t.same([dump.epoch, dump.services.rgw.daemons.summary, dump.services.rgw.daemons.d1.gid, dump.services.rgw.daemons.d1.metadata.hostname], [1, '', 4100, 'h1']);
  core.handleClose(svc, now);
  t.same(core.serviceSummaries(), [], 'gone with its session');
  t.equal(core.services.map.epoch, 2);
  t.equal(serviceSummary({ daemons: new Map(), summary: '' }), 'no daemons active');
});

t.test('config show: a reported config_bl by source, overrides highest first, and the defaults', async (t) => {
  const core = new DaemonServerCore(map, { statsPeriod: 5, statsThreshold: 5 });
  core.start(now, 0);
  const osd = session('allow profile osd', EntityType.OSD, '0');
  const client = session('allow *');
  const values = new Map([
    ['osd_memory_target', new Map([[0, '1'], [1, '2'], [5, '2']])],
    ['debug_osd', new Map([[2, '5/5']])],
  ]);
  const configBl = encodeConfigBl({ values, ignoredMon: new Map([['debug_osd', '1/5']]) });
  const configDefaultsBl = encodeConfigDefaultsBl([['osd_memory_target', '4294967296'], ['osd_op_queue', 'wpq'], ['debug_osd', '1/5']]);
  core.handleOpen(osd, { daemonName: '0', serviceName: '', serviceDaemon: false, daemonMetadata: [], daemonStatus: [], configBl, configDefaultsBl }, now, 0);
  const cmd = (c: object) => core.handleCommand(client, [JSON.stringify(c)], 0);
  const text = cmd({ prefix: 'config show', who: 'osd.0' }).outbl.toString();
  // DaemonServer pushes each overridden level to the front: the highest overridden one first; one
  // equal to the running value is in parentheses.
  t.match(text, /\nosd_memory_target +2 +override +\(mon\[2\]\),default\[1\] +\n/);
  t.match(text, /\ndebug_osd +5\/5 +file +mon *\n/, 'IGNORES mon');
  const json = JSON.parse(cmd({ prefix: 'config show', who: 'osd.0', format: 'json' }).outbl.toString()) as unknown[];
  t.same(json[1], { name: 'osd_memory_target', value: '2', source: 'override', overrides: [{ source: 'default', value: '1' }, { source: 'mon', value: '2' }] }, 'json: lowest level first');
  t.equal(cmd({ prefix: 'config show', who: 'osd.0', key: 'osd_op_queue' }).outbl.toString(), 'wpq\n');
  t.equal(cmd({ prefix: 'config show', who: 'osd.0', key: 'nope' }).r, -2);
  const all = JSON.parse(cmd({ prefix: 'config show-with-defaults', who: 'osd.0', format: 'json' }).outbl.toString()) as { name: string; source: string }[];
  t.same(all.map((o) => [o.name, o.source]), [['debug_osd', 'file'], ['osd_memory_target', 'override'], ['osd_op_queue', 'default']]);
  // A report without config_bl keeps what was reported; one with garbage too.
  core.handleReport(osd, { daemonName: '0', declareTypes: [], packed: Buffer.alloc(0), undeclareTypes: [], serviceName: '', daemonStatus: undefined, daemonHealthMetrics: [], configBl: Buffer.from([1, 2]), taskStatus: undefined }, now, 0);
  t.match(cmd({ prefix: 'config show', who: 'osd.0' }).outbl.toString(), /osd_memory_target/);
  t.equal(cmd({ prefix: 'config show', who: 'osd.3' }).rs, 'no config state for daemon osd.3');
});
