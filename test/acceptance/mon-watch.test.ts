/**
 * Acceptance 6 (mgr issue): clients that watch or ping the monitor. python3-rados ping_monitor
 * (MPing, answered with the health report and mon_status, as a real 16.2.15 mon answers: the same
 * sections and keys) and ping_monitor('nosuch') raising ObjectNotFound; librados monitor_log at
 * debug, info and warn (log-<level> subscriptions served with MLog, filtered by level); `ceph -W
 * audit` printing a command's audit line; `ceph -w` showing an OSD going down within 2 s.
 */
import t from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScaledMs, requireBinary, run, startRealMon, waitFor } from '@ts-ceph/testkit';
import { startTsMon, TsMon } from './mon-lib';
import { startTsOsdCluster } from './osd-lib';

// Before connect(), librados builds its monmap from mon_host (the mon is "noname-a" there, which
// ping_monitor('a') also tries); after connect() it has the mon's own. Debian's 16.2.15 librados
// sometimes crashes in ping_monitor on a connected handle against a real ceph-mon (a race in its
// temporary pinger messenger), so the comparison with the real mon pings unconnected.
const pingScript = String.raw`
import json, os, sys, rados
c = rados.Rados(conffile=sys.argv[1])
if sys.argv[2] == 'connected':
    c.connect(timeout=20)
else:
    c.conf_read_file(sys.argv[1])
out = {'pong': json.loads(c.ping_monitor('a'))}
try:
    c.ping_monitor('nosuch')
    out['nosuch'] = 'no error'
except rados.ObjectNotFound as e:
    out['nosuch'] = 'ObjectNotFound'
print(json.dumps(out), flush=True)
os._exit(0)
`;

const logScript = String.raw`
import json, subprocess, sys, time, rados
conf, level = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf)
c.connect(timeout=20)
got = []
def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)
def cb(arg, line, who, sec, nsec, seq, lvl, msg):
    got.append([text(line), text(lvl), text(msg)])
c.monitor_log(level, cb, None)
time.sleep(1)
marker = 'marker-' + level
subprocess.run(['ceph', '-c', conf, 'log', marker], check=True)
subprocess.run(['ceph', '-c', conf, 'osd', 'dump'], check=True, stdout=subprocess.DEVNULL)
deadline = time.time() + 5
while time.time() < deadline and not any(marker in m for _, _, m in got):
    time.sleep(0.1)
time.sleep(1)
c.monitor_log(level, None, None)
print(json.dumps(got))
`;

function keysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [keysDeep(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keysDeep(x)]));
  return typeof v;
}

async function python(mon: { dir: string; conf: string; adminKeyring: string }, script: string, args: string[] = []): Promise<unknown> {
  const f = join(mon.dir, `script-${args.join('-') || 'main'}.py`);
  writeFileSync(f, script);
  const r = await run('/usr/bin/python3', [f, mon.conf, ...args], { env: { ...process.env, CEPH_CONF: mon.conf, CEPH_KEYRING: mon.adminKeyring }, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`python ${args.join(' ')}: rc ${r.code} ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Run `ceph <args>` in the background, collecting its stdout. */
function watch(mon: TsMon, args: string[]): { proc: ChildProcess; out: () => string } {
  let out = '';
  const proc = spawn('ceph', args, { env: { ...process.env, CEPH_CONF: mon.conf, CEPH_KEYRING: mon.adminKeyring }, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, out: () => out };
}

t.before(() => requireBinary('/usr/bin/python3'));

t.test('ping_monitor: the health and mon_status JSON as a real mon answers; an unknown mon is ObjectNotFound', async (t) => {
  const [real, ours] = await Promise.all([startRealMon({ mode: 'crc', extraConf: 'mon_warn_on_too_few_osds = false' }), startTsMon({ mode: 'crc', extraConf: 'mon_warn_on_too_few_osds = false' })]);
  t.teardown(() => Promise.all([real.stop(), ours.stop()]));
  type Pong = { pong: { health: unknown; mon_status: { name: string; monmap: { fsid: string } } }; nosuch: string };
  const [a, b, c] = (await Promise.all([python(real, pingScript, ['unconnected']), python(ours, pingScript, ['unconnected']), python(ours, pingScript, ['connected'])])) as Pong[];
  t.equal(a!.nosuch, 'ObjectNotFound', 'the real mon: nosuch is ObjectNotFound');
  t.equal(b!.nosuch, 'ObjectNotFound');
  t.equal(c!.nosuch, 'ObjectNotFound', 'connected: nosuch is ObjectNotFound');
  t.same(b!.pong.health, a!.pong.health, 'the same health report');
  t.same(keysDeep(b!.pong), keysDeep(a!.pong), 'the same sections and keys');
  t.same(keysDeep(c!.pong), keysDeep(a!.pong), 'connected: the same sections and keys');
  t.equal(b!.pong.mon_status.name, 'a');
  t.equal(b!.pong.mon_status.monmap.fsid, ours.fsid);
});

t.test('monitor_log at debug, info and warn gets the entries at or above its level', async (t) => {
  const mon = await startTsMon({ mode: 'crc' });
  t.teardown(() => mon.stop());
  const [debug, info, warn] = (await Promise.all(['debug', 'info', 'warn'].map((l) => python(mon, logScript, [l])))) as [string, string, string][][];
  t.ok(debug!.some(([line, l, m]) => line.includes(' client.admin [INF] marker-debug') && l === '[INF]' && m === 'marker-debug'), 'debug: the INF line');
  t.ok(debug!.some(([, l, m]) => l === '[DBG]' && m.includes('"prefix": "osd dump"')), 'debug: the DBG audit line of a read');
  t.ok(info!.some(([, l, m]) => l === '[INF]' && m === 'marker-info'), 'info: the INF line');
  t.notOk(info!.some(([, l]) => l === '[DBG]'), 'info: no DBG lines');
  t.same(
    warn!.filter(([, l]) => l === '[INF]' || l === '[DBG]'),
    [],
    'warn: nothing below WRN',
  );
});

t.test('ceph -W audit prints a command as it is dispatched', async (t) => {
  const mon = await startTsMon({ mode: 'crc' });
  const w = watch(mon, ['-W', 'audit']);
  t.teardown(async () => {
    w.proc.kill();
    await mon.stop();
  });
  await waitFor(() => w.out().includes('cluster:'), 20_000, 'ceph -W to print the status', 100);
  await mon.ceph(['osd', 'pool', 'create', 'watched', '8']);
  await waitFor(() => /\[INF\] from='client\.\S+ .*' entity='client\.admin' cmd=.*"osd pool create".*: dispatch/.test(w.out()), 5_000, 'the audit line', 100);
  t.pass('audit line shown');
});

t.test('ceph -w shows an OSD going down within 2 s', async (t) => {
  const cluster = await startTsOsdCluster();
  const w = watch(cluster.mon, ['-w']);
  t.teardown(async () => {
    w.proc.kill();
    await cluster.stop();
  });
  await waitFor(() => w.out().includes('cluster:'), 20_000, 'ceph -w to print the status', 100);
  const since = Date.now();
  const bound = loadScaledMs(2_000);
  cluster.osd.kill('SIGTERM');
  await waitFor(() => /\[INF\] osd\.0 marked itself down/.test(w.out()), bound, 'the OSD-down line', 50);
  t.ok(Date.now() - since <= bound, `shown after ${Date.now() - since} ms (bound 2000 ms idle, ${Math.round(bound)} at this load)`);
});
