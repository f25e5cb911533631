/**
 * Watch/notify between real 16.2.15 clients through ts-mon + one ts-osd (size-1 pool): `rados watch`
 * in one process and `rados notify` from another (the watcher prints the payload, the notifier the
 * watcher's reply), `rados listwatchers` while watching and after the watcher leaves,
 * python3-rados `Ioctx.watch` with a callback and `Ioctx.notify` (True), `Watch.close`, and a
 * stopped watcher (SIGSTOP: no pings) removed after osd_client_watch_timeout. Fails, never skips,
 * when a binary is missing or anything does not work.
 */
import t from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { requireBinary, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { json, startTsMon } from './mon-lib';

const tsOsdBin = join(repoRoot(), 'packages', 'osd', 'dist', 'src', 'bin', 'ts-osd.js');
const python = '/usr/bin/python3';
/** osd_client_watch_timeout for this cluster (s): librados pings every 5 s, so above that. */
const watchTimeoutS = 10;

interface OsdDump {
  osds: { osd: number; up: number }[];
}

/** A long-running client whose stdout we watch. */
function startClient(children: ChildProcess[], cmd: string, args: string[]): { p: ChildProcess; out: () => string } {
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(p);
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { p, out: () => out };
}

const exitOf = (p: ChildProcess): Promise<number | null> => (p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((resolve) => p.on('exit', (c) => resolve(c))));

t.test('watch/notify with the real rados CLI and python3-rados against ts-osd', async (t) => {
  for (const b of ['ceph', 'rados', 'ceph-authtool', python]) requireBinary(b);
  const m = await startTsMon();
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await m.stop();
  });
  const dir = join(m.dir, 'osd.0');
  appendFileSync(m.conf, `\n[osd]\nosd_data = ${join(m.dir, 'osd.$id')}\nkeyring = ${join(m.dir, 'osd.$id')}/keyring\nlog_file = ${join(m.dir, 'osd.$id')}/osd.log\nts_osd_device_bytes = ${256 << 20}\ndebug_osd = 10\nosd_client_watch_timeout = ${watchTimeoutS}\n`);
  const osdLog = (): string => {
    try {
      return readFileSync(join(dir, 'osd.log'), 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };

  // ts-mon, osd.0 and a size-1 pool, as osd-rados.test.ts boots them.
  const uuid = randomUUID();
  const key = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
  let r = await m.ceph(['osd', 'new', uuid, '0', '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) });
  t.equal(r.code, 0, `osd new: ${r.stderr}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'keyring'), `[osd.0]\n\tkey = ${key}\n`, { mode: 0o600 });
  const mk = await run(process.execPath, [tsOsdBin, '-c', m.conf, '-i', '0', '--mkfs', '--osd-uuid', uuid]);
  t.equal(mk.code, 0, `ts-osd --mkfs: ${mk.stdout}${mk.stderr}`);
  const osd = startClient(children, process.execPath, [tsOsdBin, '-c', m.conf, '-i', '0', '-f']);
  await waitFor(
    async () => {
      if (osd.p.exitCode !== null) throw new Error(`ts-osd exited ${osd.p.exitCode}: ${osd.out()}`);
      return json<OsdDump>(await m.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === 0)?.up === 1;
    },
    30_000,
    'osd.0 up',
    250,
  );
  t.equal((await m.ceph(['osd', 'pool', 'create', 'p', '8'])).code, 0, 'pool create');
  t.equal((await m.ceph(['osd', 'pool', 'set', 'p', 'size', '1', '--yes-i-really-mean-it'])).code, 0, 'pool size 1');
  await waitFor(() => Promise.resolve(/created pg 1\.7/.test(readFileSync(join(dir, 'osd.log'), 'utf8'))), 30_000, 'PGs created', 250);

  const radosArgs = (args: string[]): string[] => ['-c', m.conf, '--rados-osd-op-timeout', '20', '-p', 'p', ...args];
  const rados = (args: string[]): Promise<RunResult> => run('rados', radosArgs(args), { timeoutMs: 30_000 });
  writeFileSync(join(m.dir, 'x'), 'x');
  r = await rados(['put', 'wobj', join(m.dir, 'x')]);
  t.equal(r.code, 0, `put: ${r.stderr}`);

  // rados watch in one process, rados notify from another.
  const w = startClient(children, 'rados', radosArgs(['watch', 'wobj']));
  await waitFor(() => w.out().includes('press enter to exit'), 20_000, `rados watch ready (${w.out()})`, 100).catch((e: Error) => t.fail(`${e.message}\n${osdLog()}`));
  r = await rados(['listwatchers', 'wobj']);
  const lw = /^watcher=(\S+) client\.(\d+) cookie=(\d+)$/m.exec(r.stdout);
  t.ok(r.code === 0 && lw && lw[2] !== '0', `listwatchers shows the watcher with its client id: ${r.stdout}${r.stderr}`);
  const [watcherId, cookie] = [lw?.[2], lw?.[3]];
  r = await rados(['notify', 'wobj', 'hello-watchers']);
  t.equal(r.code, 0, `notify: ${r.stdout}${r.stderr}\n${osdLog()}`);
  // The payload is the encoded string (le32 length + bytes), 18 bytes; the watcher acks with the same.
  t.match(r.stdout, new RegExp(`^reply client\\.${watcherId} cookie ${cookie} : 18 bytes$`, 'm'), 'the notifier got the watcher\'s reply');
  await waitFor(() => /^NOTIFY /m.test(w.out()), 10_000, 'the watcher got the notify').catch((e: Error) => t.fail(`${e.message}: ${w.out()}`));
  t.match(w.out(), new RegExp(`^NOTIFY cookie ${cookie} notify_id \\d+ from [1-9]\\d*$`, 'm'), `the watcher's NOTIFY line names the notifier's gid: ${w.out()}`);
  w.p.stdin!.end('\n');
  t.equal(await exitOf(w.p), 0, 'rados watch unwatches and exits');
  // Its hexdump of the payload is not flushed before it exits.
  t.match(w.out(), /0e 00 00 00 68 65 6c 6c {2}6f 2d 77 61 74 63 68 65 {2}\|\.\.\.\.hello-watche\|/, `the watcher printed the payload: ${w.out()}`);
  r = await rados(['listwatchers', 'wobj']);
  t.same([r.code, r.stdout], [0, ''], 'no watchers after the unwatch');
  r = await rados(['notify', 'wobj', 'nobody']);
  t.same([r.code, r.stdout], [0, ''], 'a notify with no watchers completes at once with no replies');

  // python3-rados: watch with a callback, notify returns True, the callback saw the payload.
  const py = startClient(children, python, [
    '-c',
    `
import rados, sys, time
c = rados.Rados(conffile=${JSON.stringify(m.conf)}); c.connect()
io = c.open_ioctx('p')
io.write_full('pyobj', b'data')
got = []
w = io.watch('pyobj', lambda nid, notifier, wid, data: got.append(data))
print('WATCHING', w.get_id(), flush=True)
sys.stdin.readline()
print('NOTIFY', io.notify('pyobj', 'py-payload', timeout_ms=5000), flush=True)
for _ in range(50):
    if got: break
    time.sleep(0.1)
print('GOT', got, flush=True)
w.close()
print('CLOSED', flush=True)
io.close(); c.shutdown()
`,
  ]);
  await waitFor(() => py.out().includes('WATCHING'), 20_000, 'python watch').catch((e: Error) => t.fail(`${e.message}: ${py.out()}`));
  const pyCookie = /WATCHING (\d+)/.exec(py.out())?.[1];
  r = await rados(['listwatchers', 'pyobj']);
  t.match(r.stdout, new RegExp(`^watcher=\\S+ client\\.\\d+ cookie=${pyCookie}$`, 'm'), `listwatchers shows python's watch: ${r.stdout}${r.stderr}`);
  py.p.stdin!.end('\n');
  t.equal(await exitOf(py.p), 0, `python exits 0: ${py.out()}`);
  t.match(py.out(), /^NOTIFY True$/m, 'notify returned True');
  t.match(py.out(), /^GOT \[b'py-payload'\]$/m, 'the callback got the payload');
  t.match(py.out(), /^CLOSED$/m, 'watch closed');
  r = await rados(['listwatchers', 'pyobj']);
  t.same([r.code, r.stdout], [0, ''], 'no watchers after close');

  // A watcher that stops pinging (SIGSTOP) is removed after osd_client_watch_timeout.
  const s = startClient(children, 'rados', radosArgs(['watch', 'wobj']));
  await waitFor(() => s.out().includes('press enter to exit'), 20_000, 'second rados watch ready');
  r = await rados(['listwatchers', 'wobj']);
  t.equal(r.stdout.split('\n').filter(Boolean).length, 1, 'one watcher');
  s.p.kill('SIGSTOP');
  const stoppedAt = Date.now();
  await waitFor(async () => (await rados(['listwatchers', 'wobj'])).stdout === '', (watchTimeoutS + 10) * 1000, 'the stopped watcher expires', 500).catch((e: Error) =>
    t.fail(`${e.message}\n${osdLog()}`),
  );
  const after = (Date.now() - stoppedAt) / 1000;
  t.ok(after >= watchTimeoutS - 5, `expired after ${after.toFixed(1)} s (timeout ${watchTimeoutS} s, last ping up to 5 s before the stop)`);
  t.match(readFileSync(join(dir, 'osd.log'), 'utf8'), /timed out/, 'the OSD logged the timeout');
  s.p.kill('SIGKILL');
});
