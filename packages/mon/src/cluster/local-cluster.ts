/**
 * A single-host cluster in one directory (`ts-ceph bootstrap / start / down`): ceph.conf, keyrings
 * (0600), the mon store, logs and pid files under `dir`. bootstrap refuses a directory that already
 * holds a cluster and never overwrites keys or data; start restarts the daemons of an existing one;
 * down stops them by pid (only processes whose command line names this directory).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { CephConf, Clock, cephError, daemonNodeArgs, daemonUmask, newUuid, realClock } from '@ts-ceph/common';
import { EntityType } from '@ts-ceph/denc';
import { KeyRing, CryptoKey, cryptoRandom, capsBlob, writeKeyRing } from '@ts-ceph/cephx';
import { mkfs } from '../mkfs';

export const localClusterLimits = {
  /** How long start/bootstrap wait for the mon to answer. */
  monReadyTimeoutMs: 20_000,
  /** How long down waits after SIGTERM before SIGKILL. */
  stopGraceMs: 10_000,
};

export interface ClusterPaths {
  dir: string;
  conf: string;
  adminKeyring: string;
  runDir: string;
  logDir: string;
}

export function clusterPaths(dir: string): ClusterPaths {
  const d = resolve(dir);
  return { dir: d, conf: join(d, 'ceph.conf'), adminKeyring: join(d, 'ceph.client.admin.keyring'), runDir: join(d, 'run'), logDir: join(d, 'log') };
}

/** Ceph's msgr2 monitor port (IANA-assigned, what every client tries by default). */
export const monDefaultPort = 3300;

function loopbackPortFree(port: number): Promise<number | undefined> {
  return new Promise((res) => {
    const s = createServer();
    s.on('error', () => res(undefined));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => res(got));
    });
  });
}

/**
 * 3300 when it is free, as an operator expects; otherwise any free port (a second cluster on this
 * host). TS_CEPH_MON_PORT picks the port (0 for a free one), for tests that bootstrap side by side.
 */
async function pickMonPort(): Promise<number> {
  const want = process.env.TS_CEPH_MON_PORT;
  if (want !== undefined && /^\d+$/.test(want)) return (await loopbackPortFree(Number(want))) ?? (await loopbackPortFree(0))!;
  return (await loopbackPortFree(monDefaultPort)) ?? (await loopbackPortFree(0))!;
}

/**
 * The pool size bootstrap writes for `osds` OSDs: Ceph's 3 / 2 with three or more, otherwise one
 * copy per OSD (a pool of size 3 on one OSD would stay undersized forever), with Ceph's default
 * min_size rule (size - size / 2).
 */
export function poolDefaultsFor(osds: number): { size: number; minSize: number } {
  const size = Math.min(3, Math.max(1, osds));
  return { size, minSize: size - Math.floor(size / 2) };
}

export function confText(p: ClusterPaths, fsid: string, port: number, extra = '', osds = 1): string {
  const pool = poolDefaultsFor(osds);
  return `# ts-ceph single-host cluster, written by ts-ceph bootstrap
[global]
fsid = ${fsid}
mon_host = [v2:127.0.0.1:${port}]
public_addr = 127.0.0.1
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
keyring = ${p.adminKeyring}
run_dir = ${p.runDir}
# crash reports of every daemon (Ceph's layout: <crash_dir>/<id>/meta); ts-mon posts them
crash_dir = ${p.dir}/crash
# a development cluster: pools may be deleted with the usual --yes-i-really-really-mean-it
mon_allow_pool_delete = true
# the data disk is shared with the host; warn only when it is nearly full
mon_data_avail_warn = 2
mon_data_avail_crit = 1
# replicated pools: 3 copies with three or more OSDs, else one per OSD (poolDefaultsFor)
osd_pool_default_size = ${pool.size}
osd_pool_default_min_size = ${pool.minSize}
# one host, as MicroCeph: CRUSH's default rule picks leaves of type osd, and OSD failure reports
# count per OSD (with the default "host" every reporter here would count as one)
osd_crush_chooseleaf_type = 0
mon_osd_reporter_subtree_level = osd
# failure detection (docs/LIMITS.md, "heartbeats"): a hung OSD is marked down within about 8 s
osd_heartbeat_interval = 1
osd_heartbeat_grace = 6

[mon]
mon_data = ${p.dir}/mon.$id
log_file = ${p.logDir}/$name.log
pid_file = ${p.runDir}/$name.pid
mon_cluster_log_file = default=${p.logDir}/ceph.$channel.log cluster=${p.logDir}/ceph.log
${extra}`;
}

/** The ts-mon entry point next to this module. */
export function tsMonPath(): string {
  return join(__dirname, '..', 'bin', 'ts-mon.js');
}

/** A live process; an exited one waiting for its (re)parent to reap it (a zombie) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces or parentheses, so the state
    // follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** pids of this cluster's daemons from their pid files, alive and really ours. */
export function clusterPids(p: ClusterPaths): { name: string; pid: number }[] {
  if (!existsSync(p.runDir)) return [];
  const out: { name: string; pid: number }[] = [];
  for (const f of readdirSync(p.runDir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(p.runDir, f), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) continue;
    if (!cmdline(pid).includes(p.conf)) continue;
    out.push({ name: f.slice(0, -4), pid });
  }
  return out;
}

/** Start ts-mon for `id` in the background (detached, stdout/stderr to log/<name>.out). */
export function spawnMon(p: ClusterPaths, id = 'a'): number {
  mkdirSync(p.logDir, { recursive: true });
  const out = openSync(join(p.logDir, `mon.${id}.out`), 'a');
  const child = spawn(process.execPath, [...daemonNodeArgs(), tsMonPath(), '-i', id, '-c', p.conf], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  return child.pid ?? -1;
}

export interface BootstrapResult {
  paths: ClusterPaths;
  fsid: string;
  port: number;
  monPid: number;
  notes: string[];
}

/** Write the conf and keyrings, mkfs the mon, start it. Refuses an existing cluster. */
export async function bootstrapCluster(dir: string, opts: { osds?: number; clock?: Clock; confExtra?: string } = {}): Promise<BootstrapResult> {
  // The mon's mkfs runs in this process and LevelDB creates the store's files with the process
  // umask: owner-only for the duration (the daemons set the same umask for themselves).
  const umask = process.umask(daemonUmask);
  try {
    return await bootstrapUnderUmask(dir, opts);
  } finally {
    process.umask(umask);
  }
}

async function bootstrapUnderUmask(dir: string, opts: { osds?: number; clock?: Clock; confExtra?: string }): Promise<BootstrapResult> {
  const p = clusterPaths(dir);
  const clock = opts.clock ?? realClock;
  if (existsSync(p.conf) || existsSync(join(p.dir, 'mon.a')) || existsSync(p.adminKeyring)) {
    throw cephError('EEXIST', `${p.dir} already holds a cluster (ceph.conf, keyring or mon store present); refusing to overwrite it. Use 'ts-ceph start --dir ${dir}' to restart it.`);
  }
  // Owner-only throughout: keyrings, the mon store, OSD data and admin sockets live under it.
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  mkdirSync(p.runDir, { recursive: true, mode: 0o700 });
  mkdirSync(p.logDir, { recursive: true, mode: 0o700 });
  const fsid = newUuid();
  const port = await pickMonPort();
  const now = clock.wallNow();
  const admin = new KeyRing();
  admin.add({ type: EntityType.CLIENT, id: 'admin' }, {
    key: CryptoKey.generate(cryptoRandom, now),
    caps: new Map([
      ['mds', capsBlob('allow *')],
      ['mgr', capsBlob('allow *')],
      ['mon', capsBlob('allow *')],
      ['osd', capsBlob('allow *')],
    ]),
  });
  writeKeyRing(p.adminKeyring, admin);
  const mkfsKeyring = new KeyRing();
  mkfsKeyring.import(admin);
  mkfsKeyring.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate(cryptoRandom, now), caps: new Map([['mon', capsBlob('allow *')]]) });
  const bootstrapOsd = { type: EntityType.CLIENT, id: 'bootstrap-osd' };
  mkfsKeyring.add(bootstrapOsd, { key: CryptoKey.generate(cryptoRandom, now), caps: new Map([['mon', capsBlob('allow profile bootstrap-osd')]]) });
  const bo = new KeyRing();
  bo.add(bootstrapOsd, mkfsKeyring.get(bootstrapOsd)!);
  mkdirSync(join(p.dir, 'bootstrap-osd'), { recursive: true, mode: 0o700 });
  writeKeyRing(join(p.dir, 'bootstrap-osd', 'ceph.keyring'), bo);
  const text = confText(p, fsid, port, opts.confExtra, opts.osds ?? 1);
  writeFileSync(p.conf, text, { mode: 0o600 });
  const conf = CephConf.parse(text, p.conf);
  await mkfs({ id: 'a', monData: join(p.dir, 'mon.a'), conf, clock, keyringWith: mkfsKeyring });
  const monPid = spawnMon(p);
  const notes: string[] = [];
  return { paths: p, fsid, port, monPid, notes };
}

/** Restart the daemons of an existing cluster (those not already running). */
export function startCluster(dir: string): { paths: ClusterPaths; started: { name: string; pid: number }[]; running: string[] } {
  const p = clusterPaths(dir);
  if (!existsSync(p.conf)) throw cephError('ENOENT', `${p.dir} holds no cluster (no ceph.conf); run 'ts-ceph bootstrap --dir ${dir}' first`);
  const running = clusterPids(p).map((x) => x.name);
  const started: { name: string; pid: number }[] = [];
  for (const e of readdirSync(p.dir)) {
    const m = /^mon\.(.+)$/.exec(e);
    if (!m || running.includes(e)) continue;
    started.push({ name: e, pid: spawnMon(p, m[1]!) });
  }
  return { paths: p, started, running };
}

/**
 * Wait until each spawned daemon has written its own pid to its pid file (a daemon does that once
 * it is listening). A daemon that exits first fails the wait with the tail of its output.
 */
export async function waitForPidFiles(p: ClusterPaths, spawned: { name: string; pid: number }[], timeoutMs = localClusterLimits.monReadyTimeoutMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = spawned.filter(({ name, pid }) => {
      try {
        return Number(readFileSync(join(p.runDir, `${name}.pid`), 'utf8').trim()) !== pid;
      } catch {
        return true;
      }
    });
    if (!pending.length) return;
    for (const { name, pid } of pending) {
      if (isAlive(pid)) continue;
      let tail = '';
      try {
        tail = readFileSync(join(p.logDir, `${name}.out`), 'utf8').trim().split('\n').slice(-5).join('\n');
      } catch {
        // no output file
      }
      throw cephError('EIO', `${name} exited during startup${tail ? `:\n${tail}` : ''} (see ${p.logDir})`);
    }
    if (Date.now() > deadline) throw cephError('ETIMEDOUT', `${pending.map((x) => x.name).join(', ')} did not start within ${timeoutMs} ms (see ${p.logDir})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stop this cluster's daemons: SIGTERM, then SIGKILL after the grace period. */
export async function downCluster(dir: string): Promise<string[]> {
  const p = clusterPaths(dir);
  if (!existsSync(p.conf)) throw cephError('ENOENT', `${p.dir} holds no cluster (no ceph.conf)`);
  const procs = clusterPids(p);
  for (const { pid } of procs) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + localClusterLimits.stopGraceMs;
  while (procs.some((x) => isAlive(x.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const { pid } of procs) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  return procs.map((x) => x.name);
}
