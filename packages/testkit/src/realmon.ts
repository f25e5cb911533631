import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort, requireBinary, run, tempDir, waitFor } from './proc';

/**
 * A real Ceph 16.2.15 monitor from Debian's binaries, alone on a free loopback port, for tests that
 * check our client against the real server. Built like ../shared/ceph-ref/cluster.sh builds its mon
 * (ceph-authtool keys, monmaptool, ceph-mon --mkfs), but started in the foreground (-f) as our child so
 * it dies with the test.
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
  ceph(args: string[], opts?: { timeoutMs?: number; input?: string }): ReturnType<typeof run>;
  stop(): Promise<void>;
}

export interface RealMonOptions {
  mode?: 'crc' | 'secure';
  /** Extra [global] lines. */
  extraConf?: string;
}

export async function startRealMon(opts: RealMonOptions = {}): Promise<RealMon> {
  for (const b of ['ceph-mon', 'ceph-authtool', 'monmaptool', 'ceph']) requireBinary(b);
  const mode = opts.mode ?? 'crc';
  const { path: dir, cleanup } = tempDir('ts-ceph-realmon-');
  const port = await freePort();
  const fsid = randomUUID();
  const addr = `v2:127.0.0.1:${port}`;
  mkdirSync(join(dir, 'mon.a'));
  mkdirSync(join(dir, 'run'));
  const conf = join(dir, 'ceph.conf');
  const adminKeyring = join(dir, 'ceph.client.admin.keyring');
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon_host = [${addr}]
public_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_msgr2 = true
ms_cluster_mode = ${mode}
ms_service_mode = ${mode}
ms_client_mode = ${mode}
ms_mon_cluster_mode = ${mode}
ms_mon_service_mode = ${mode}
ms_mon_client_mode = ${mode}
auth_cluster_required = cephx
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
`,
  );
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
  r = await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', kr], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`ceph-mon --mkfs: ${r.stdout}${r.stderr}`);
  const keyOf = (file: string, name: string) => {
    const text = readFileSync(file, 'utf8');
    const sect = text.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
    const m = /key\s*=\s*(\S+)/.exec(sect);
    if (!m) throw new Error(`no key for ${name} in ${file}`);
    return m[1]!;
  };
  const adminKey = keyOf(adminKeyring, 'client.admin');
  const monKey = keyOf(kr, 'mon.');
  const child: ChildProcess = spawn('ceph-mon', ['-f', '-c', conf, '-i', 'a'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const env = { ...process.env, CEPH_CONF: conf, CEPH_KEYRING: adminKeyring };
  const ceph = (args: string[], o: { timeoutMs?: number; input?: string } = {}) =>
    run('ceph', ['--connect-timeout', '10', ...args], { env, timeoutMs: o.timeoutMs ?? 30_000, input: o.input });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((res) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          res();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          res();
        });
      });
    }
    cleanup();
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`ceph-mon exited ${child.exitCode}: ${stderr}`);
        const s = await ceph(['fsid'], { timeoutMs: 10_000 });
        return s.code === 0 && s.stdout.trim() === fsid;
      },
      30_000,
      'the real ceph-mon to answer',
      200,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, conf, adminKeyring, adminKey, monKey, fsid, port, addr, mode, ceph, stop };
}
