/**
 * A real Debian ceph-osd (16.2.15) joins ts-mon, as ceph-ref/cluster.sh creates OSDs: `ceph osd new`
 * with a cephx secret, the OSD's keyring, `ceph-osd --mkfs` (BlueStore on a 1 GiB file), then
 * `ceph-osd -f`. It must come up and in with its own addresses; SIGTERM makes it mark itself down
 * (MOSDMarkMeDown, acked, so it exits at once); a second instance killed with -9 and a third start
 * (whose boot finds the old instance still up) leave ts-mon running and the OSD up again. With two
 * OSDs, a pool's PGs are created on their primaries (pg_create2 → osd_pg_created), and a kill -9
 * of one OSD is reported by the other (osd_failure, immediate) and marked down.
 * Fails, never skips, when the binaries are missing or the OSD does not come up.
 */
import t, { Test } from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { json, startTsMon, TsMon } from './mon-lib';

interface OsdDump {
  epoch: number;
  osds: { osd: number; uuid: string; up: number; in: number; up_from: number; down_at: number; public_addrs: { addrvec: { type: string; addr: string; nonce: number }[] }; cluster_addrs: { addrvec: { type: string; addr: string }[] } }[];
}

/** cluster.sh's [osd] section: BlueStore on a 1 GiB file, few threads, small caches; osd.N in base/osd.N. */
function osdSection(base: string): string {
  const dir = join(base, 'osd.$id');
  return `
[osd]
osd_data = ${dir}
keyring = ${dir}/keyring
log_file = ${dir}/osd.log
admin_socket = ${dir}/osd.asok
pid_file = ${dir}/osd.pid
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = ${1 << 30}
bluestore_fsck_on_mkfs = false
bluestore_fsck_on_mount = false
bluestore_fsck_on_umount = false
osd_memory_target = ${1 << 30}
osd_memory_cache_min = ${128 << 20}
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1
debug_ms = 1
`;
}

/** ts-mon with the [osd] section; children killed and the mon stopped at teardown. */
async function cluster(t: Test): Promise<{ m: TsMon; children: ChildProcess[] }> {
  for (const b of ['ceph', 'ceph-osd', 'ceph-authtool']) requireBinary(b);
  const m = await startTsMon();
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await m.stop();
  });
  appendFileSync(m.conf, osdSection(m.dir));
  return { m, children };
}

/** `ceph osd new <uuid> -i -` with a fresh cephx secret, the keyring, then `ceph-osd --mkfs`. */
async function createOsd(t: Test, m: TsMon, id: number): Promise<string> {
  const dir = join(m.dir, `osd.${id}`);
  const uuid = randomUUID();
  const key = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
  const r = await m.ceph(['osd', 'new', uuid, String(id), '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) });
  t.same([r.code, r.stdout.trim()], [0, String(id)], `osd new: ${r.stderr}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'keyring'), `[osd.${id}]\n\tkey = ${key}\n`, { mode: 0o600 });
  const mk = await run('ceph-osd', ['-c', m.conf, '-i', String(id), '--mkfs', '--osd-uuid', uuid, '--no-mon-config'], { timeoutMs: 60_000 });
  t.equal(mk.code, 0, `ceph-osd -i ${id} --mkfs: ${mk.stderr}`);
  return uuid;
}

async function dump(m: TsMon): Promise<OsdDump> {
  return json<OsdDump>(await m.ceph(['osd', 'dump', '-f', 'json']));
}

/** Start `ceph-osd -f` and wait until the map shows it up with a new up_from. */
async function startOsd(t: Test, m: TsMon, id: number, afterEpoch: number): Promise<ChildProcess> {
  const dir = join(m.dir, `osd.${id}`);
  const child = spawn('ceph-osd', ['-c', m.conf, '-i', String(id), '-f'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<never>((_, reject) => child.on('exit', (code, sig) => reject(new Error(`ceph-osd exited (${code ?? sig}): ${out}`))));
  exited.catch(() => undefined);
  try {
    await Promise.race([
      exited,
      waitFor(
        async () => {
          const o = (await dump(m)).osds.find((x) => x.osd === id);
          return o && o.up === 1 && o.up_from > afterEpoch;
        },
        30_000,
        `osd.${id} up`,
        250,
      ),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    const log = existsSync(join(dir, 'osd.log')) ? readFileSync(join(dir, 'osd.log'), 'utf8').split('\n').slice(-30).join('\n') : '';
    t.fail(`osd.${id} never came up: ${(e as Error).message}\n${out}\n${log}`);
    throw e;
  }
  return child;
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode, ms: 0 });
    const timer = setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms`)), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - t0 });
    });
  });
}

t.test('a real ceph-osd boots against ts-mon, goes down on SIGTERM, survives kill -9', async (t) => {
  const { m, children } = await cluster(t);
  const dir = join(m.dir, 'osd.0');
  const uuid = await createOsd(t, m, 0);
  let r: RunResult;

  // First boot.
  const e0 = (await dump(m)).epoch;
  let osd = await startOsd(t, m, 0, 0);
  children.push(osd);
  let d = await dump(m);
  const o = d.osds.find((x) => x.osd === 0)!;
  t.same([o.up, o.in, o.uuid], [1, 1, uuid], 'up and in with its uuid');
  t.ok(o.up_from > e0, `up_from ${o.up_from} after ${e0}`);
  const pub = o.public_addrs.addrvec;
  t.ok(pub.length >= 1 && pub.every((a) => a.addr.startsWith('127.0.0.1:')) && pub[0]!.type === 'v2', `public addrs ${JSON.stringify(pub)}`);
  t.equal(pub[0]!.nonce, osd.pid, 'the nonce is the OSD process id');
  t.ok(o.cluster_addrs.addrvec.length >= 1, 'cluster addrs');
  r = await m.ceph(['osd', 'tree']);
  t.match(r.stdout, /\n\s*0\s+hdd\s+\S+\s+osd\.0\s+up\s+1\.00000\s+1\.00000\s*\n/, `osd tree:\n${r.stdout}`);
  r = await m.ceph(['osd', 'metadata', '0', '-f', 'json']);
  t.equal(json<{ osd_objectstore: string; id: number }>(r).osd_objectstore, 'bluestore', 'metadata from the boot message');
  r = await m.ceph(['osd', 'stat']);
  t.match(r.stdout, /^1 osds: 1 up \(since .*\), 1 in \(since .*\); epoch: e\d+/);

  // SIGTERM: MOSDMarkMeDown(request_ack, down_and_dead); the ack lets it exit without the 5 s wait.
  osd.kill('SIGTERM');
  const ex = await exitOf(osd, 20_000);
  d = await dump(m);
  t.same([d.osds[0]!.up, d.osds[0]!.in], [0, 1], 'down, still in');
  const log = readFileSync(join(dir, 'osd.log'), 'utf8');
  t.match(log, /MOSDMarkMeDown\(request_ack=0, down_and_dead=0, osd\.0/, 'ts-mon acked the MOSDMarkMeDown');
  // The ack seen is what proves no ack timeout was waited out; the time is reported, not bounded.
  t.match(log, /got_stop_ack/, `and the OSD saw the ack (exited ${ex.ms} ms after SIGTERM)`);
  r = await m.ceph(['log', 'last', '20', 'info', 'cluster']);
  t.match(r.stdout, /cluster \[INF\] osd\.0 v2:127\.0\.0\.1:\d+\/\d+ boot\n/, 'boot in the cluster log, worded as Ceph does');
  t.match(r.stdout, /osd\.0 marked itself down and dead/, 'mark-down in the cluster log');

  // Second run, killed with -9: ts-mon must not mind; a third start replaces the stale instance.
  const downAt = d.epoch;
  osd = await startOsd(t, m, 0, downAt);
  children.push(osd);
  osd.kill('SIGKILL');
  await exitOf(osd, 10_000);
  r = await m.ceph(['osd', 'dump', '-f', 'json']);
  t.equal(r.code, 0, 'ts-mon answers after the kill -9');
  const stale = json<OsdDump>(r);
  t.equal(stale.osds[0]!.up, 1, 'nobody reported it yet: still up (until mon_osd_report_timeout)');
  osd = await startOsd(t, m, 0, stale.osds[0]!.up_from);
  children.push(osd);
  d = await dump(m);
  t.equal(d.osds[0]!.public_addrs.addrvec[0]!.nonce, osd.pid, 'the new instance is the one in the map');
  t.ok(d.osds[0]!.down_at > stale.osds[0]!.up_from, 'the stale instance was marked down first');
  osd.kill('SIGTERM');
  await exitOf(osd, 20_000);
  t.equal((await dump(m)).osds[0]!.up, 0);
  t.notMatch(m.output(), /from osd\.\d+ failed:|handling .* from osd\.\d+:/, 'no OSD message handler failed in ts-mon');
});

t.test('two real OSDs: PGs created (pg_create2), a kill -9 is reported by the peer (MOSDFailure) and marked down', async (t) => {
  const { m, children } = await cluster(t);
  await Promise.all([createOsd(t, m, 0), createOsd(t, m, 1)]);
  const a = await startOsd(t, m, 0, 0);
  children.push(a);
  const b = await startOsd(t, m, 1, 0);
  children.push(b);
  const before = await dump(m);
  t.same(before.osds.map((o) => [o.up, o.in]), [[1, 1], [1, 1]], 'both up and in');

  // A pool's PGs: MOSDPGCreate2 to each acting primary, MOSDPGCreated back, CREATING cleared.
  for (const args of [
    ['config', 'set', 'mon', 'mon_allow_pool_size_one', 'true'],
    ['osd', 'pool', 'create', 'p', '8'],
    ['osd', 'pool', 'set', 'p', 'size', '1', '--yes-i-really-mean-it'],
  ]) {
    const r = await m.ceph(args);
    t.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  await waitFor(async () => !(await m.ceph(['osd', 'pool', 'ls', 'detail'])).stdout.includes('creating'), 30_000, "pool p's PGs created", 250);
  const created = ['osd.0', 'osd.1'].map((o) => (readFileSync(join(m.dir, o, 'osd.log'), 'utf8').match(/--> v2:\S+ -- osd_pg_created\(1\.[0-7]\)/g) ?? []).length);
  t.equal(created[0]! + created[1]!, 8, `the OSDs created the 8 PGs (${created.join(' + ')}) and the pool is no longer creating`);
  // Kill only once osd.0 heartbeats osd.1 (a ping_reply came back): then the refused reconnect is
  // an immediate failure, not a 20 s grace with too few reporters.
  const log0 = join(m.dir, 'osd.0', 'osd.log');
  await waitFor(() => /<== osd\.1 .*osd_ping\(ping_reply/.test(readFileSync(log0, 'utf8')), 30_000, 'osd.0 heartbeating osd.1', 250);
  const t0 = Date.now();
  b.kill('SIGKILL');
  await exitOf(b, 10_000);
  // osd.0's heartbeat to osd.1 is refused: osd_failure(failed immediate) → force_failure.
  const after = await waitFor(
    async () => {
      const d = await dump(m);
      return d.osds[1]!.up === 0 && d;
    },
    30_000,
    'osd.1 marked down',
    250,
  );
  t.same([after.osds[0]!.up, after.osds[1]!.in], [1, 1], 'osd.0 stays up, osd.1 stays in');
  t.comment(`osd.1 marked down ${Date.now() - t0} ms after its kill -9`);
  const r = await m.ceph(['log', 'last', '20', 'info', 'cluster']);
  t.match(r.stdout, /osd\.1 failed \(root=default,host=[^)]+\) \(connection refused reported by osd\.0\)/, 'failure in the cluster log, worded as Ceph does');
  const log = readFileSync(log0, 'utf8');
  t.match(log, /--> v2:127\.0\.0\.1:\d+\/0 -- osd_failure\(failed immediate osd\.1/, 'osd.0 sent osd_failure');
  a.kill('SIGTERM');
  await exitOf(a, 20_000);
});
