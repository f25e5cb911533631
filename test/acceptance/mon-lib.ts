/**
 * ts-mon for the mon acceptance tests, set up the way testkit's startRealMon() sets up a real
 * ceph-mon (same ceph.conf, keys from Debian's ceph-authtool, the monmap from monmaptool), but
 * created with `ts-mon --mkfs` and run as `ts-mon -f`. The same conf on both sides lets a test run
 * one command against ts-mon and against the real mon and compare.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { repoRoot } from '@ts-ceph/common';
import { Test } from 'tap';
import { RealMon, RunResult, freePort, requireBinary, run, startRealMon, tempDir, waitFor } from '@ts-ceph/testkit';

export const tsMonBin = join(repoRoot(), 'packages', 'mon', 'dist', 'src', 'bin', 'ts-mon.js');
export const tsCephBin = join(repoRoot(), 'packages', 'cli', 'dist', 'src', 'bin', 'ts-ceph.js');

export interface TsMon {
  dir: string;
  conf: string;
  adminKeyring: string;
  adminKey: string;
  fsid: string;
  port: number;
  mode: 'crc' | 'secure';
  ceph(args: string[], opts?: { timeoutMs?: number; input?: string; env?: Record<string, string> }): Promise<RunResult>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to flush anything. */
  kill9(): Promise<void>;
  /** Start ts-mon again on the same store and wait until it answers. */
  restart(): Promise<void>;
  /** Stop and remove the directory. */
  cleanup(): Promise<void>;
  /** What ts-mon wrote to stderr so far (its log with -d). */
  output(): string;
}

export interface TsMonOptions {
  mode?: 'crc' | 'secure';
  /** Extra [global] lines. */
  extraConf?: string;
}

function confText(dir: string, fsid: string, addr: string, mode: string, extra: string): string {
  // The ms_*_mode lines are only written for crc: secure is the monitor's default, as in Ceph.
  const modes =
    mode === 'crc'
      ? ['ms_cluster_mode', 'ms_service_mode', 'ms_client_mode', 'ms_mon_cluster_mode', 'ms_mon_service_mode', 'ms_mon_client_mode'].map((o) => `${o} = crc\n`).join('')
      : '';
  return `[global]
fsid = ${fsid}
mon_host = [${addr}]
public_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_msgr2 = true
${modes}auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
keyring = ${dir}/ceph.client.admin.keyring
run_dir = ${dir}/run
mon_allow_pool_delete = true
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 2
mon_data_avail_crit = 1
${extra}

[mon]
mon_data = ${dir}/mon.$id
keyring = ${dir}/mon.$id/keyring
log_file = ${dir}/$name.log
admin_socket = ${dir}/run/$name.asok
mon_cluster_log_file = ${dir}/cluster.log
pid_file = ${dir}/run/$name.pid
`;
}

export async function startTsMon(opts: TsMonOptions = {}): Promise<TsMon> {
  for (const b of ['ceph-authtool', 'monmaptool', 'ceph']) requireBinary(b);
  const mode = opts.mode ?? 'secure';
  const { path: dir, cleanup: rmDir } = tempDir('ts-ceph-tsmon-');
  const port = await freePort();
  const fsid = randomUUID();
  const addr = `v2:127.0.0.1:${port}`;
  mkdirSync(join(dir, 'run'));
  const conf = join(dir, 'ceph.conf');
  const adminKeyring = join(dir, 'ceph.client.admin.keyring');
  writeFileSync(conf, confText(dir, fsid, addr, mode, opts.extraConf ?? ''));
  const kr = join(dir, 'mkfs.keyring');
  const at = async (args: string[]) => {
    const r = await run('ceph-authtool', args);
    if (r.code !== 0) throw new Error(`ceph-authtool ${args.join(' ')}: ${r.stderr}`);
  };
  await at(['--create-keyring', kr, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
  await at(['--create-keyring', adminKeyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mds', 'allow *', '--cap', 'mgr', 'allow *']);
  await at([kr, '--import-keyring', adminKeyring]);
  chmodSync(adminKeyring, 0o600);
  const monmap = join(dir, 'monmap');
  let r = await run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[${addr}]`, monmap]);
  if (r.code !== 0) throw new Error(`monmaptool: ${r.stderr}`);
  r = await run(process.execPath, [tsMonBin, '-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', kr], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`ts-mon --mkfs: ${r.stdout}${r.stderr}`);
  const adminKey = /key\s*=\s*(\S+)/.exec(readFileSync(adminKeyring, 'utf8'))![1]!;

  let child: ChildProcess | undefined;
  let stderr = '';
  const env = { ...process.env, CEPH_CONF: conf, CEPH_KEYRING: adminKeyring };
  const ceph = (args: string[], o: { timeoutMs?: number; input?: string; env?: Record<string, string> } = {}) =>
    run('ceph', ['--connect-timeout', '10', ...args], { env: { ...env, ...o.env }, timeoutMs: o.timeoutMs ?? 30_000, input: o.input });
  const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((res) => c.once('exit', () => res())));
  const stop = async () => {
    const c = child;
    if (!c) return;
    child = undefined;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited(c);
      clearTimeout(t);
    }
  };
  const kill9 = async () => {
    const c = child;
    if (!c) return;
    child = undefined;
    c.kill('SIGKILL');
    await exited(c);
  };
  const start = async () => {
    const c = spawn(process.execPath, [tsMonBin, '-f', '-d', '-c', conf, '-i', 'a'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(
      async () => {
        if (c.exitCode !== null) throw new Error(`ts-mon exited ${c.exitCode}: ${stderr.slice(-2000)}`);
        const s = await ceph(['fsid'], { timeoutMs: 10_000 });
        return s.code === 0 && s.stdout.trim() === fsid;
      },
      30_000,
      'ts-mon to answer',
      100,
    );
  };
  const cleanup = async () => {
    await stop();
    rmDir();
  };
  try {
    await start();
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { dir, conf, adminKeyring, adminKey, fsid, port, mode, ceph, stop, kill9, restart: start, cleanup, output: () => stderr };
}

/** Parse a command's JSON output, failing with the output in the message. */
export function json<T = Record<string, unknown>>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (rc ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

/** Replace what must differ between two monitors: fsid, port, keys, timestamps, ages. */
export function normalize(s: string, m: { fsid: string; port: number }): string {
  return s
    .split(m.fsid)
    .join('FSID')
    .split(`127.0.0.1:${m.port}`)
    .join('127.0.0.1:PORT')
    .replace(/AQ[A-Za-z0-9+/]{36}==/g, 'KEY')
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\.\d+(\+\d{4}|Z)?/g, 'TIME')
    .replace(/\(age [^)]*\)/g, '(age X)')
    .replace(/\(since [^)]*\)/g, '(since X)')
    .replace(/"quorum_age":\s*\d+/g, '"quorum_age":X');
}

export function normalized(r: RunResult, m: { fsid: string; port: number }): { code: number | null; stdout: string; stderr: string } {
  return { code: r.code, stdout: normalize(r.stdout, m), stderr: normalize(r.stderr, m) };
}

/**
 * A real 16.2.15 ceph-mon and ts-mon, both fresh and in crc mode, and a runner that sends the
 * same `ceph` command to both and expects equal normalized results.
 */
export async function realAndOurs(t: Test, extraConf = ''): Promise<{ real: RealMon; ours: TsMon; same(args: string[]): Promise<void> }> {
  const [real, ours] = await Promise.all([startRealMon({ mode: 'crc', extraConf }), startTsMon({ mode: 'crc', extraConf })]);
  t.teardown(() => Promise.all([real.stop(), ours.cleanup()]));
  const same = async (args: string[]) => {
    const [a, b] = await Promise.all([real.ceph(args), ours.ceph(args)]);
    t.same(normalized(b, ours), normalized(a, real), `ceph ${args.join(' ')}`);
  };
  return { real, ours, same };
}
