import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cephError, daemonNodeArgs, newUuid, realClock, storeDaemonSpawnEnv } from '@ts-ceph/common';
import { EntityType } from '@ts-ceph/denc';
import { CryptoKey, KeyRing, cryptoRandom, writeKeyRing } from '@ts-ceph/cephx';
import { ClusterPaths } from '@ts-ceph/mon';
import { GlobalOptions } from '../args';
import { monClientFromOptions } from '../context';

const execFileAsync = promisify(execFile);

/**
 * The OSDs of a single-host cluster (`ts-ceph bootstrap --osds N`, `start`, `down`): each is created
 * as an operator creates a ceph-osd (`osd new` with a fresh cephx secret, its keyring 0600, `ts-osd
 * --mkfs` on a file-backed device under <dir>/osd.N), then started in the background with its log
 * and pid file under the cluster directory.
 */
export const clusterOsdLimits = {
  /** The file-backed device of each bootstrapped OSD (ts_osd_device_bytes). */
  deviceBytesDefault: 4 * 1024 ** 3,
  /** How long bootstrap waits for `ts-osd --mkfs`. */
  mkfsTimeoutMs: 120_000,
};

/** The [osd] section bootstrap writes: where each OSD keeps its store, keyring, log, pid (and store key). */
export function osdConfText(p: ClusterPaths, encrypt = false): string {
  return `
[osd]
osd_data = ${p.dir}/osd.$id
keyring = ${p.dir}/osd.$id/keyring
log_file = ${p.logDir}/$name.log
pid_file = ${p.runDir}/$name.pid
ts_osd_device_bytes = ${clusterOsdLimits.deviceBytesDefault}
${encrypt ? `ts_osd_dmcrypt_key_file = ${dmcryptKeyPath(p, '$id')}\n` : ''}`;
}

/** Where bootstrap --encrypt keeps an OSD's store key: outside its data directory, in a 0700 folder. */
export function dmcryptKeyPath(p: ClusterPaths, id: number | '$id'): string {
  return join(p.dir, 'keys', `osd.${id}.key`);
}

/** A new random store key, 0600, created fresh (never written through a planted file or link). */
function writeDmcryptKey(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, randomBytes(32).toString('base64'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function tsOsdPath(): string {
  return require.resolve('@ts-ceph/osd/dist/src/bin/ts-osd.js');
}

/** Start ts-osd `id` in the background (detached, stdout/stderr to log/osd.N.out). */
export function spawnOsd(p: ClusterPaths, id: number): number {
  mkdirSync(p.logDir, { recursive: true });
  const out = openSync(join(p.logDir, `osd.${id}.out`), 'a');
  const child = spawn(process.execPath, [...daemonNodeArgs(), tsOsdPath(), '-i', String(id), '-c', p.conf, '-f'], { detached: true, stdio: ['ignore', out, out], env: storeDaemonSpawnEnv() });
  closeSync(out);
  child.unref();
  return child.pid ?? -1;
}

/** The ids of the OSDs this cluster directory holds (osd.N folders with a store). */
export function clusterOsdIds(p: ClusterPaths): number[] {
  return readdirSync(p.dir)
    .map((e) => /^osd\.(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(p.dir, m[0], 'fsid')))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Create `count` OSDs through the running monitor and start them; returns what was spawned. */
export async function createOsds(p: ClusterPaths, count: number, o: GlobalOptions, encrypt = false): Promise<{ name: string; pid: number }[]> {
  const spawned: { name: string; pid: number }[] = [];
  const { mon } = monClientFromOptions({ ...o, conf: p.conf, connectTimeoutMs: 5000 }, { ...process.env, CEPH_KEYRING: undefined });
  try {
    await mon.bootstrap(5000);
    await mon.authenticate(5000);
    const made: { id: number; uuid: string }[] = [];
    for (let i = 0; i < count; i++) {
      const uuid = newUuid();
      const key = CryptoKey.generate(cryptoRandom, realClock.wallNow());
      const r = await mon.command({ prefix: 'osd new', uuid }, Buffer.from(JSON.stringify({ cephx_secret: key.toBase64() })), 10_000);
      const id = Number(r.data.toString().trim());
      if (r.r !== 0 || !Number.isInteger(id)) throw cephError('EIO', `osd new: ${r.rs || r.r}`);
      const dir = join(p.dir, `osd.${id}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const kr = new KeyRing();
      kr.add({ type: EntityType.OSD, id: String(id) }, { key, caps: new Map() });
      writeKeyRing(join(dir, 'keyring'), kr);
      if (encrypt) writeDmcryptKey(dmcryptKeyPath(p, id));
      made.push({ id, uuid });
    }
    // The OSDs' mkfs runs side by side: each is a process start-up plus its own device file, so N of
    // them cost about one instead of N (a second or more each on a loaded host).
    await Promise.all(made.map(({ id, uuid }) => mkfsOsd(p, id, uuid)));
    for (const { id } of made) spawned.push({ name: `osd.${id}`, pid: spawnOsd(p, id) });
  } finally {
    await mon.shutdown();
  }
  return spawned;
}

/** `ts-osd --mkfs` for osd.N, failing with its output. */
async function mkfsOsd(p: ClusterPaths, id: number, uuid: string): Promise<void> {
  try {
    await execFileAsync(process.execPath, [tsOsdPath(), '-c', p.conf, '-i', String(id), '--mkfs', '--osd-uuid', uuid], { encoding: 'utf8', timeout: clusterOsdLimits.mkfsTimeoutMs });
  } catch (e) {
    const x = e as { stderr?: string; stdout?: string; message: string };
    throw cephError('EIO', `ts-osd --mkfs for osd.${id} failed: ${x.stderr || x.stdout || x.message}`);
  }
}

/** Wait until the monitor shows every OSD up (ts-osd booted). */
export async function waitForOsdsUp(p: ClusterPaths, ids: number[], o: GlobalOptions, timeoutMs = 60_000): Promise<void> {
  if (!ids.length) return;
  const deadline = realClock.now() + timeoutMs;
  const { mon } = monClientFromOptions({ ...o, conf: p.conf, connectTimeoutMs: 5000 }, { ...process.env, CEPH_KEYRING: undefined });
  try {
    await mon.bootstrap(5000);
    await mon.authenticate(5000);
    for (;;) {
      const r = await mon.command({ prefix: 'osd dump', format: 'json' }, undefined, 5000);
      const up = new Set((JSON.parse(r.data.toString() || '{"osds":[]}') as { osds: { osd: number; up: number }[] }).osds.filter((x) => x.up === 1).map((x) => x.osd));
      if (ids.every((i) => up.has(i))) return;
      if (realClock.now() > deadline) throw cephError('ETIMEDOUT', `osd ${ids.filter((i) => !up.has(i)).join(', ')} not up after ${timeoutMs} ms (see ${p.logDir})`);
      await new Promise((res) => setTimeout(res, 250));
    }
  } finally {
    await mon.shutdown();
  }
}

/** Is a pid file's daemon this cluster's and alive (start restarts only the others)? */
export function osdRunning(p: ClusterPaths, id: number): boolean {
  try {
    const pid = Number(readFileSync(join(p.runDir, `osd.${id}.pid`), 'utf8').trim());
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(p.conf);
  } catch {
    return false;
  }
}
