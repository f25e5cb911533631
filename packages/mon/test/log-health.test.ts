/**
 * The cluster/audit log (`ceph log`, `log last`, audit lines per command) and health (checks from
 * sources, mutes, the plain and JSON forms of `ceph health [detail]`), and what log-<level>
 * subscribers are sent.
 */
import t from 'tap';
import { Harness } from './lib/harness';
import { addCheck, Health, HealthCheckMap } from '../src/core/health/health-check';
import { JsonFormatter } from '@ts-ceph/maps';
import { dueUpdates, logSubLevel } from '../src/net/subscriptions';
import type { Monitor } from '../src/monitor';
import { MonCap } from '@ts-ceph/cephx';

t.test('audit lines and ceph log', async (t) => {
  const h = await Harness.create();
  await h.cmd({ prefix: 'config set', who: 'osd', name: 'osd_max_backfills', value: '2' });
  await h.cmd({ prefix: 'auth get-or-create', entity: 'client.app', caps: ['mon', 'allow r'] });
  await h.cmd({ prefix: 'config get', who: 'osd.0' });
  let r = await h.cmd({ prefix: 'log', logtext: ['hello', 'world'] });
  t.equal(r.r, 0);
  await h.pipeline.run(() => h.pipeline.propose([h.logm]));
  r = await h.cmd({ prefix: 'log last', channel: 'audit', num: 100 });
  const lines = r.out.trim().split('\n');
  const from = "from='client.? 127.0.0.1:0/1234' entity='client.admin' ";
  t.match(lines[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+\\+0000 mon\\.a \\(mon\\.0\\) 0 : audit \\[INF\\] ${escape(from)}cmd=\\[\\{"prefix":"config set","who":"osd","name":"osd_max_backfills"\\}\\]: dispatch$`), 'config set: the command without its value');
  t.ok(lines[1]?.endsWith(`${from}cmd='[{"prefix":"config set","who":"osd","name":"osd_max_backfills"}]': finished`), 'and finished when committed');
  t.ok(lines.some((l) => l.endsWith(`${from}cmd=[{"prefix":"auth get-or-create","entity":"client.app","caps":["mon","allow r"]}]: dispatch`)));
  t.ok(lines.some((l) => l.endsWith(`${from}cmd='[{"prefix":"auth get-or-create","entity":"client.app","caps":["mon","allow r"]}]': finished`)));
  t.notOk(lines.some((l) => l.includes('config get')), 'reads are debug and hidden at the default level');
  r = await h.cmd({ prefix: 'log last', channel: 'audit', num: 100, level: 'debug' });
  t.ok(r.out.includes('"prefix":"config get"'), 'debug level shows reads');
  r = await h.cmd({ prefix: 'log last', num: 5 });
  t.match(r.out, /client\.admin \(client\.\?\) 0 : cluster \[INF\] hello world\n$/);
  r = await h.cmd({ prefix: 'log last', level: 'nope' });
  t.same([r.r, r.rs], [-22, "Invalid severity 'nope'"]);
  await h.restart();
  r = await h.cmd({ prefix: 'log last', num: 1 });
  t.match(r.out, /hello world/, 'the log survives a restart');
  r = await h.cmd({ prefix: 'log last', num: 1, format: 'json' });
  const j = JSON.parse(r.out) as { name: string; channel: string; priority: string; message: string }[];
  t.match(j[0], { name: 'client.admin', channel: 'cluster', priority: '[INF]', message: 'hello world' });
});

t.test('each commit hands the entries it made durable to the log files, once', async (t) => {
  const h = await Harness.create();
  const cluster = () => h.logm.newlyCommitted.filter((e) => e.channel === 'cluster').map((e) => e.msg);
  const audit = () => h.logm.newlyCommitted.filter((e) => e.channel === 'audit').map((e) => e.msg);
  await h.cmd({ prefix: 'log', logtext: ['one'] });
  t.same(cluster(), ['one'], '`ceph log` commits its entry');
  t.match(audit(), [/"prefix":"log".*: dispatch$/]);
  await h.pipeline.run(() => h.pipeline.propose([h.logm]));
  t.same(cluster(), [], 'the next commit does not repeat it');
  t.match(audit(), [/: finished$/]);
  await h.cmd({ prefix: 'log', logtext: ['two'] });
  t.same(cluster(), ['two'], 'only the new entries');
  await h.restart();
  t.same(h.logm.newlyCommitted, [], 'nothing is written twice after a restart');
  await h.cmd({ prefix: 'log', logtext: ['three'] });
  t.same(cluster(), ['three']);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

t.test('health: sources, plain and JSON forms, mutes', async (t) => {
  const h = await Harness.create();
  let checks: HealthCheckMap = new Map();
  h.health.addSource(() => checks);
  const now = h.clock.wallNow();
  t.equal(h.health.plain(true, now), 'HEALTH_OK\n');
  checks = new Map();
  addCheck(checks, 'TOO_FEW_OSDS', Health.WARN, 'OSD count 0 < osd_pool_default_size 3', 3);
  addCheck(checks, 'OSD_DOWN', Health.WARN, '1 osds down', 1, ['osd.1 (root=default,host=h1) is down']);
  t.equal(h.health.plain(false, now), 'HEALTH_WARN 1 osds down; OSD count 0 < osd_pool_default_size 3\n');
  t.equal(
    h.health.plain(true, now),
    'HEALTH_WARN 1 osds down; OSD count 0 < osd_pool_default_size 3\n[WRN] OSD_DOWN: 1 osds down\n    osd.1 (root=default,host=h1) is down\n[WRN] TOO_FEW_OSDS: OSD count 0 < osd_pool_default_size 3\n',
  );
  const f = new JsonFormatter(false);
  h.health.dumpHealth(f, 'health', true, now);
  t.equal(
    f.toString(),
    '{"status":"HEALTH_WARN","checks":{"OSD_DOWN":{"severity":"HEALTH_WARN","summary":{"message":"1 osds down","count":1},"detail":[{"message":"osd.1 (root=default,host=h1) is down"}],"muted":false},' +
      '"TOO_FEW_OSDS":{"severity":"HEALTH_WARN","summary":{"message":"OSD count 0 < osd_pool_default_size 3","count":3},"detail":[],"muted":false}},"mutes":[]}',
  );
  let r = await h.cmd({ prefix: 'health mute', code: 'NOPE' });
  t.same([r.r, r.rs], [-2, 'health alert NOPE is not currently raised']);
  r = await h.cmd({ prefix: 'health mute', code: 'OSD_DOWN', ttl: '1h' });
  t.equal(r.r, 0);
  t.equal(h.health.plain(true, h.clock.wallNow()), 'HEALTH_WARN OSD count 0 < osd_pool_default_size 3; (muted: OSD_DOWN(60m))\n(MUTED ttl 60m) [WRN] OSD_DOWN: 1 osds down\n    osd.1 (root=default,host=h1) is down\n[WRN] TOO_FEW_OSDS: OSD count 0 < osd_pool_default_size 3\n');
  await h.restart();
  h.health.addSource(() => checks);
  t.ok(h.health.mutes.has('OSD_DOWN'), 'mutes survive a restart');
  checks.delete('OSD_DOWN');
  t.ok(h.health.checkMutes(h.clock.wallNow()), 'a cleared alert drops its non-sticky mute');
  await h.pipeline.run(() => h.pipeline.propose([h.health]));
  t.equal(h.health.mutes.size, 0);
});

t.test('log-<level> subscribers: entries at or above the level, from their next version', async (t) => {
  t.same(['log-debug', 'log-info', 'log-sec', 'log-warn', 'log-error', 'log-', 'osdmap', 'log-bogus'].map(logSubLevel), [0, 1, 2, 3, 4, -1, -1, -1]);
  const h = await Harness.create();
  await h.cmd({ prefix: 'log', logtext: ['first'] });
  const v1 = h.logm.lastCommitted;
  await h.cmd({ prefix: 'config get', who: 'osd.0' });
  await h.cmd({ prefix: 'log', logtext: ['second'] });
  const last = h.logm.lastCommitted;
  const msgs = (level: number, next: number) => h.logm.subscriberEntries(level, next, 0)?.entries.map((e) => e.msg) ?? [];
  t.same(h.logm.subscriberEntries(1, last + 1, 0), undefined, 'a subscriber past the last version has everything');
  t.same(msgs(1, 0).filter((m) => !m.startsWith('from=')), ['second'], 'start 0: the last committed version only');
  t.same(h.logm.subscriberEntries(1, 0, 0)?.version, last);
  const all = msgs(0, v1);
  t.ok(all.includes('first') && all.includes('second'), 'from a version on: every entry since');
  t.ok(all.some((m) => m.includes('"prefix":"config get"')), 'debug: the read command audit line');
  t.notOk(msgs(1, v1).some((m) => m.includes('"prefix":"config get"')), 'info: not the debug line');
  t.same(msgs(3, v1), [], 'warn: nothing at info');
});

t.test('a new log subscription is answered at once, then from the next version on', async (t) => {
  const h = await Harness.create();
  await h.cmd({ prefix: 'log', logtext: ['before'] });
  // dueUpdates reads only the log service and the clock of the monitor for log-<level> entries.
  const mon = { logm: h.logm, opts: { clock: h.clock } } as unknown as Monitor;
  const s = h.session('client.admin', MonCap.allowAll());
  s.subs.set('log-info', { start: 0, onetime: false });
  const first = dueUpdates(mon, s, new Set(['log-info']));
  t.equal(first.length, 1, 'the subscribe itself is answered');
  t.match(first[0], { kind: 'log', version: h.logm.lastCommitted });
  t.equal(s.subs.get('log-info')?.start, h.logm.lastCommitted + 1);
  t.same(dueUpdates(mon, s, new Set(['log'])), [], 'nothing new, nothing sent');
  await h.cmd({ prefix: 'log', logtext: ['after'] });
  const next = dueUpdates(mon, s, new Set(['log']));
  t.ok(next.length === 1 && next[0]!.kind === 'log' && next[0]!.entries.some((e) => e.msg === 'after'), 'a commit brings the new entries');
  t.notOk(next[0]!.kind === 'log' && next[0]!.entries.some((e) => e.msg === 'before'), 'not the old ones again');
});
