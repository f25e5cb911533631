import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { RunResult, freePort, requireBinary, run, setupMarks, tempDir, waitFor } from './proc';

/**
 * A real Ceph 16.2.15 monitor from Debian's binaries, alone on a free loopback port, for tests that
 * check our client against the real server. Built like ../shared/ceph-ref/cluster.sh builds its mon
 * (ceph-authtool keys, monmaptool, ceph-mon --mkfs), but started in the foreground (-f) as our child so
 * it dies with the test. With `monCommand` the same set-up runs another monitor that takes ceph-mon's
 * arguments (ts-mon), so one command can be sent to both and the answers compared.
 */
export interface RealMon {
  dir: string;
  conf: string;
  adminKeyring: string;
  adminKey: string;
  monKey: string;
  fsid: string;
  port: number;
  /** "v2:127.0.0.1:<port>" */
  addr: string;
  mode: 'crc' | 'secure';
  /** Run the real `ceph` CLI against this mon. */
  ceph(args: string[], opts?: { timeoutMs?: number; input?: string; env?: Record<string, string> }): Promise<RunResult>;
  /** Stop the monitor (SIGTERM, SIGKILL after a grace period) and remove its directory. */
  stop(): Promise<void>;
  /** SIGTERM and wait for the exit, keeping the directory for restart(). */
  halt(): Promise<void>;
  /** SIGKILL: no chance to flush anything; the directory stays. */
  kill9(): Promise<void>;
  /** Start the monitor again on the same store and wait until it answers. */
  restart(): Promise<void>;
  /** What the monitor wrote to stderr so far. */
  output(): string;
}

export interface RealMonOptions {
  mode?: 'crc' | 'secure';
  /** Extra [global] lines. */
  extraConf?: string;
  /**
   * The monitor to run instead of Debian's ceph-mon, as a command and its leading arguments (e.g.
   * node and ts-mon.js); it is given ceph-mon's arguments (-c, -i, --mkfs, --monmap, --keyring, -f).
   */
  monCommand?: string[];
  /** More arguments for the running monitor (ts-mon's -d: its log on stderr). */
  runArgs?: string[];
  /**
   * Leave the ms_*_mode lines out of ceph.conf when `mode` is secure, the monitor's default, so that
   * the default is what runs.
   */
  omitDefaultMode?: boolean;
  /** Set pid_file in [mon] (run/mon.a.pid). */
  pidFile?: boolean;
}

const MODE_OPTIONS = ['ms_cluster_mode', 'ms_service_mode', 'ms_client_mode', 'ms_mon_cluster_mode', 'ms_mon_service_mode', 'ms_mon_client_mode'];

function confText(dir: string, fsid: string, addr: string, adminKeyring: string, mode: string, opts: RealMonOptions): string {
  const modes = opts.omitDefaultMode && mode === 'secure' ? '' : MODE_OPTIONS.map((o) => `${o} = ${mode}\n`).join('');
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
keyring = ${adminKeyring}
run_dir = ${dir}/run
mon_allow_pool_delete = true
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 2
mon_data_avail_crit = 1
${opts.extraConf ?? ''}

[mon]
mon_data = ${dir}/mon.$id
keyring = ${dir}/mon.$id/keyring
log_file = ${dir}/$name.log
admin_socket = ${dir}/run/$name.asok
mon_cluster_log_file = ${dir}/cluster.log
${opts.pidFile ? `pid_file = ${dir}/run/$name.pid\n` : ''}`;
}

/**
 * Wait until a just-started monitor answers `asks`. A `ceph` run started before the monitor listens
 * spends its time in the client's connect retries; a TCP connect costs nothing, so the CLI is asked
 * only once the port accepts.
 */
async function waitAnswering(c: ChildProcess, label: string, port: number, stderr: () => string, asks: () => Promise<boolean>): Promise<void> {
  const alive = () => {
    if (c.exitCode !== null) throw new Error(`${label} exited ${c.exitCode}: ${stderr().slice(-2000)}`);
  };
  await waitFor(() => (alive(), portAccepts(port)), 30_000, `${label} to listen`, 20);
  await waitFor(() => (alive(), asks()), 30_000, `${label} to answer`, 100);
}

/** Whether a TCP connect to 127.0.0.1:port succeeds now. */
function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Resolves when `c` has exited. */
function exited(c: ChildProcess): Promise<void> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((res) => c.once('exit', () => res()));
}

export async function startRealMon(opts: RealMonOptions = {}): Promise<RealMon> {
  const [monBin, ...monArgs] = opts.monCommand ?? ['ceph-mon'];
  for (const b of [monBin!, 'ceph-authtool', 'monmaptool', 'ceph']) requireBinary(b);
  const label = basename(opts.monCommand?.at(-1) ?? 'ceph-mon').replace(/\.js$/, '');
  const mark = setupMarks(`startRealMon ${label}`);
  const mode = opts.mode ?? 'crc';
  const { path: dir, cleanup: rmDir } = tempDir(`ts-ceph-${opts.monCommand ? label : 'realmon'}-`);
  const port = await freePort();
  const fsid = randomUUID();
  const addr = `v2:127.0.0.1:${port}`;
  // The monitor's --mkfs creates mon_data itself (ceph-mon 0755, ts-mon 0700).
  mkdirSync(join(dir, 'run'));
  const conf = join(dir, 'ceph.conf');
  const adminKeyring = join(dir, 'ceph.client.admin.keyring');
  writeFileSync(conf, confText(dir, fsid, addr, adminKeyring, mode, opts));
  const kr = join(dir, 'mkfs.keyring');
  const at = async (args: string[]) => {
    const r = await run('ceph-authtool', args);
    if (r.code !== 0) throw new Error(`ceph-authtool ${args.join(' ')}: ${r.stderr}`);
  };
  const monmap = join(dir, 'monmap');
  // The two keys and the monmap do not depend on each other: three tool runs at once.
  const [, , mm] = await Promise.all([
    at(['--create-keyring', kr, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']),
    at(['--create-keyring', adminKeyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mds', 'allow *', '--cap', 'mgr', 'allow *']),
    run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[${addr}]`, monmap]),
  ]);
  if (mm.code !== 0) throw new Error(`monmaptool: ${mm.stderr}`);
  await at([kr, '--import-keyring', adminKeyring]);
  chmodSync(adminKeyring, 0o600);
  mark('keyrings and monmap');
  let r = await run(monBin!, [...monArgs, '-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', kr], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${label} --mkfs: ${r.stdout}${r.stderr}`);
  mark('mon mkfs');
  const keyOf = (file: string, name: string) => {
    const text = readFileSync(file, 'utf8');
    const sect = text.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
    const m = /key\s*=\s*(\S+)/.exec(sect);
    if (!m) throw new Error(`no key for ${name} in ${file}`);
    return m[1]!;
  };
  const adminKey = keyOf(adminKeyring, 'client.admin');
  const monKey = keyOf(kr, 'mon.');

  let child: ChildProcess | undefined;
  let stderr = '';
  const env = { ...process.env, CEPH_CONF: conf, CEPH_KEYRING: adminKeyring };
  const ceph = (args: string[], o: { timeoutMs?: number; input?: string; env?: Record<string, string> } = {}) =>
    run('ceph', ['--connect-timeout', '10', ...args], { env: { ...env, ...o.env }, timeoutMs: o.timeoutMs ?? 30_000, input: o.input });
  const halt = async () => {
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
  const stop = async () => {
    await halt();
    rmDir();
  };
  const start = async () => {
    const c = spawn(monBin!, [...monArgs, '-f', ...(opts.runArgs ?? []), '-c', conf, '-i', 'a'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitAnswering(c, label, port, () => stderr, async () => {
      const s = await ceph(['fsid'], { timeoutMs: 10_000 });
      return s.code === 0 && s.stdout.trim() === fsid;
    });
  };
  try {
    await start();
    mark('answering');
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, conf, adminKeyring, adminKey, monKey, fsid, port, addr, mode, ceph, stop, halt, kill9, restart: start, output: () => stderr };
}
