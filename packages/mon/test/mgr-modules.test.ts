/**
 * The mgr modules the monitor hosts, on a whole Monitor over a memory store: `mgr module
 * enable|disable` with MgrMonitor::prepare_command's messages, the module options `config set`
 * accepts, crash reports surviving a restart with RECENT_CRASH following warn_recent_interval, and
 * a scrape of the monitor's view.
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { PrometheusCollector } from '@ts-ceph/mgr';
import { MonFixture } from './lib/mon-fixture';
import { MonMgrView } from '../src/mgr-view';

t.test('mgr module enable and disable', async (t) => {
  const f = await MonFixture.create();
  const mod = (prefix: string, module: string, force?: string) => f.cmd({ prefix: `mgr module ${prefix}`, module, ...(force ? { force } : {}) });
  let r = await mod('enable', 'prometheus');
  t.same([r.r, r.rs], [0, '']);
  t.ok(f.mon.mgr.mgrmap.modules.includes('prometheus'));
  t.ok(f.mon.mgr.moduleEnabled('prometheus'));
  const epoch = f.mon.mgr.mgrmap.epoch;
  r = await mod('enable', 'prometheus');
  t.same([r.r, r.rs], [0, "module 'prometheus' is already enabled"]);
  r = await mod('enable', 'crash');
  t.same([r.r, r.rs], [0, "module 'crash' is already enabled (always-on)"]);
  r = await mod('enable', 'nosuch');
  t.same([r.r, r.rs], [-Errno.ENOENT, "all mgr daemons do not support module 'nosuch', pass --force to force enablement"]);
  r = await mod('enable', 'nosuch', '--force');
  t.equal(r.r, 0);
  t.ok(f.mon.mgr.mgrmap.modules.includes('nosuch'));
  r = await mod('disable', 'crash');
  t.same([r.r, r.rs], [-Errno.EINVAL, "module 'crash' cannot be disabled (always-on)"]);
  r = await mod('disable', 'prometheus');
  t.same([r.r, r.rs], [0, '']);
  t.notOk(f.mon.mgr.moduleEnabled('prometheus'));
  t.ok(f.mon.mgr.mgrmap.epoch > epoch, 'each change is a new MgrMap epoch');
  r = await mod('disable', 'prometheus');
  t.same([r.r, r.rs], [0, "module 'prometheus' is already disabled"]);
  await f.restart();
  t.ok(f.mon.mgr.mgrmap.modules.includes('nosuch') && !f.mon.mgr.mgrmap.modules.includes('prometheus'), 'the module list survives a restart');
});

t.test("the modules' options", async (t) => {
  const f = await MonFixture.create();
  let r = await f.cmd({ prefix: 'config set', who: 'mgr', name: 'mgr/prometheus/server_port', value: '9999' });
  t.equal(r.r, 0, r.rs);
  t.equal(f.mon.mgrModuleOption('mgr/prometheus/server_port'), '9999');
  r = await f.cmd({ prefix: 'config set', who: 'mgr', name: 'mgr/prometheus/server_port', value: 'abc' });
  t.equal(r.r, -Errno.EINVAL, 'an int option refuses a word');
  r = await f.cmd({ prefix: 'config set', who: 'mgr', name: 'mgr/prometheus/nosuch', value: '1' });
  t.same([r.r, r.rs], [-Errno.EINVAL, "unrecognized config option 'mgr/prometheus/nosuch'"]);
});

t.test('crash reports and RECENT_CRASH', async (t) => {
  const f = await MonFixture.create();
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z');
  const now = f.clock.wallNow();
  const post = (id: string, ms: number) => f.cmd({ prefix: 'crash post' }, { inbuf: Buffer.from(JSON.stringify({ crash_id: id, timestamp: stamp(ms), entity_name: 'osd.1' })) });
  t.equal((await post('a', now - 3600_000)).r, 0);
  t.equal((await post('b', now - 20 * 86400_000)).r, 0);
  let h = f.mon.health.allChecks(f.clock.wallNow()).get('RECENT_CRASH');
  t.same([h?.summary, h?.count], ['1 daemons have recently crashed', 1], 'only the crash newer than two weeks');
  const r = await f.cmd({ prefix: 'config set', who: 'mgr', name: 'mgr/crash/warn_recent_interval', value: String(30 * 86400) });
  t.equal(r.r, 0, r.rs);
  h = f.mon.health.allChecks(f.clock.wallNow()).get('RECENT_CRASH');
  t.equal(h?.count, 2, 'warn_recent_interval widened to 30 days');
  await f.restart();
  t.equal(f.mon.health.allChecks(f.clock.wallNow()).get('RECENT_CRASH')?.count, 2, 'reports survive a restart');
  t.equal((await f.cmd({ prefix: 'crash archive-all' })).r, 0);
  t.notOk(f.mon.health.allChecks(f.clock.wallNow()).has('RECENT_CRASH'));
});

t.test("a scrape of the monitor's view", async (t) => {
  const f = await MonFixture.create();
  t.equal((await f.cmd({ prefix: 'osd pool create', pool: 'p', pg_num: 4 })).r, 0);
  const text = await new PrometheusCollector().collect(new MonMgrView(f.mon));
  t.match(text, /\nceph_pool_metadata\{pool_id="1",name="p",type="replicated",description="replica:3",compression_mode="none"\} 1\n/);
  t.match(text, /\nceph_pg_unknown\{pool_id="1"\} 4\n/);
  t.match(text, /\nceph_pg_total\{pool_id="1"\} 4\n/);
  t.match(text, /\nceph_mon_quorum_status\{ceph_daemon="mon\.a"\} 1\n/);
  t.match(text, /\nceph_health_detail\{name="TOO_FEW_OSDS",severity="HEALTH_WARN"\} 1\n/);
  t.match(text, /\nceph_mgr_module_status\{name="crash"\} 2\n/, 'crash is always on');
});
