/**
 * The mgr's scrub commands (DaemonServer::_handle_command, 16.2): Ceph's replies word for word,
 * MOSDScrub2 only to OSDs with an open mgr session, the "rw" cap required.
 */
import t from 'tap';
import { buildSimple, OSDMap, OsdState, pgToUpActingOsds } from '@ts-ceph/maps';
import { MgrCap } from '@ts-ceph/cephx';
import { EntityType } from '@ts-ceph/denc';
import { DaemonServerCore, MgrSession } from '../src';

const now = { sec: 1_700_000_000, nsec: 0 };

function map(): OSDMap {
  const m = buildSimple({ numOsd: 3, now, defaultPool: true, pgBits: 2 });
  m.epoch = 7;
  for (let i = 0; i < 3; i++) (m.osdState[i] = OsdState.EXISTS | OsdState.UP), (m.osdWeight[i] = 0x10000);
  return m;
}

function session(caps: string, type: number = EntityType.CLIENT, id = 'admin'): MgrSession {
  return { peer: { type, id, gid: 4100n, addr: undefined, caps: caps === '*' ? MgrCap.allowAll() : MgrCap.parse(caps) }, daemon: undefined };
}

function open(core: DaemonServerCore, osd: number): MgrSession {
  const s = session('allow profile osd', EntityType.OSD, String(osd));
  core.handleOpen(s, { daemonName: String(osd), serviceName: '', serviceDaemon: false, daemonMetadata: [], daemonStatus: [], configBl: Buffer.alloc(0), configDefaultsBl: Buffer.alloc(0) }, now, 0);
  return s;
}

const cmd = (o: object): string[] => [JSON.stringify(o)];

t.test('pg scrub | deep-scrub | repair', async (t) => {
  const m = map();
  const pool = [...m.pools.keys()][0]!;
  const core = new DaemonServerCore(() => m, { statsPeriod: 5, statsThreshold: 5 });
  const admin = session('*');
  t.ok(core.handles('pg deep-scrub') && core.handles('osd repair'), 'published for the CLI to send here');
  const primary = pgToUpActingOsds(m, { pool, seed: 0 }).actingPrimary;
  t.ok(primary >= 0, 'the PG has a primary');
  let r = core.handleCommand(admin, cmd({ prefix: 'pg deep-scrub', pgid: `${pool}.0` }), 0);
  t.same([r.r, r.rs], [-11, `pg ${pool}.0 primary osd.${primary} is not currently connected`]);
  t.same(core.takeOsdSends(), []);
  const s = open(core, primary);
  r = core.handleCommand(admin, cmd({ prefix: 'pg deep-scrub', pgid: `${pool}.0` }), 0);
  t.same([r.r, r.rs], [0, `instructing pg ${pool}.0 on osd.${primary} to deep-scrub`]);
  t.same(core.takeOsdSends(), [{ osd: primary, msg: { fsid: m.fsid, epoch: 7, scrubPgs: [{ pgid: { pool, seed: 0 }, shard: -1 }], repair: false, deep: true } }]);
  r = core.handleCommand(admin, cmd({ prefix: 'pg repair', pgid: `${pool}.0` }), 0);
  t.same(core.takeOsdSends()[0]?.msg.repair, true, 'repair (deep is false on the wire: the OSD makes a repair deep)');
  t.same([core.handleCommand(admin, cmd({ prefix: 'pg scrub', pgid: 'x' }), 0).rs, core.handleCommand(admin, cmd({ prefix: 'pg scrub', pgid: `${pool}.ff` }), 0).rs], ["invalid pgid 'x'", `pg ${pool}.ff does not exist`]);
  t.equal(core.handleCommand(session('allow r'), cmd({ prefix: 'pg scrub', pgid: `${pool}.0` }), 0).r, -13, 'EACCES with read-only caps');
  core.handleClose(s, now);
  t.equal(core.handleCommand(admin, cmd({ prefix: 'pg scrub', pgid: `${pool}.0` }), 0).r, -11, 'a closed session is not connected');
});

t.test('osd scrub WHO', async (t) => {
  const m = map();
  const core = new DaemonServerCore(() => m, { statsPeriod: 5, statsThreshold: 5 });
  const admin = session('*');
  open(core, 0);
  open(core, 2);
  let r = core.handleCommand(admin, cmd({ prefix: 'osd scrub', who: 'all' }), 0);
  t.same([r.r, r.rs], [0, 'instructed osd(s) 0,2 to scrub; osd(s) 1 were not connected']);
  const sends = core.takeOsdSends();
  t.same(sends.map((x) => x.osd), [0, 2]);
  const pgs = (osd: number): number => [...m.pools].reduce((n, [id, p]) => n + [...Array(p.pgNum).keys()].filter((seed) => pgToUpActingOsds(m, { pool: id, seed }).actingPrimary === osd).length, 0);
  t.same(sends.map((x) => x.msg.scrubPgs.length), [pgs(0), pgs(2)], 'each OSD gets the PGs it is primary of');
  r = core.handleCommand(admin, cmd({ prefix: 'osd deep-scrub', who: 'osd.1' }), 0);
  t.same([r.r, r.rs], [0, 'failed to instruct osd(s) 1 to deep-scrub (not connected)'], 'Ceph replies 0 here');
  m.osdState[1] = OsdState.EXISTS;
  t.same(core.handleCommand(admin, cmd({ prefix: 'osd repair', who: '1' }), 0).rs, 'osd.1 is not up');
  t.same(core.handleCommand(admin, cmd({ prefix: 'osd repair', who: 'bob' }), 0).rs, "invalid osd 'bob'");
});
