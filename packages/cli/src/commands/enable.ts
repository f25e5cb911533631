import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cephError, daemonSpawnEnv } from '@ts-ceph/common';
import { clusterPaths, ClusterPaths } from '@ts-ceph/mon';
import { GlobalOptions } from '../args';
import { CommandOutput } from '../output';

/** Named limits of `ts-ceph enable rgw` (docs/LIMITS.md, "cli"). */
export const enableRgwLimits = {
  /** ts-rgw must be listening within this. */
  rgwReadyTimeoutMs: 60_000,
  /** ts-rgw-admin must answer within this. */
  adminTimeoutMs: 60_000,
};

/** The port ts-rgw listens on without --port (radosgw's beast default, 7480). */
const rgwDefaultPort = 7480;
const rgwName = 'client.rgw.ts';

const rgwBin = (): string => require.resolve('@ts-ceph/rgw/dist/src/bin/ts-rgw.js');
const adminBin = (): string => require.resolve('@ts-ceph/rgw/dist/src/bin/ts-rgw-admin.js');

function parse(rest: string[]): { service: string; dir: string; port: number } {
  const [service, ...opts] = rest;
  let dir: string | undefined;
  let port = rgwDefaultPort;
  for (let i = 0; i < opts.length; i++) {
    if (opts[i] === '--dir') dir = opts[++i];
    else if (opts[i] === '--port') port = Number(opts[++i]);
    else throw cephError('EINVAL', `enable: unknown argument ${opts[i]}`);
  }
  if (service !== 'rgw') throw cephError('EINVAL', 'usage: ts-ceph enable rgw --dir D [--port P]');
  if (!dir) throw cephError('EINVAL', 'enable rgw: --dir is required');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw cephError('EINVAL', `enable rgw: bad --port ${port}`);
  return { service, dir, port };
}

/** The admin user's key pair: made on first use, read back afterwards (radosgw-admin's JSON). */
function adminKeys(p: ClusterPaths): { access_key: string; secret_key: string } {
  const common = [adminBin(), '-c', p.conf, '-n', 'client.admin', '--keyring', p.adminKeyring];
  let r = spawnSync(process.execPath, [...common, 'user', 'create', '--uid', 'admin', '--display-name', 'ts-ceph admin'], { encoding: 'utf8', timeout: enableRgwLimits.adminTimeoutMs });
  if (r.status === 17) r = spawnSync(process.execPath, [...common, 'user', 'info', '--uid', 'admin'], { encoding: 'utf8', timeout: enableRgwLimits.adminTimeoutMs });
  if (r.status !== 0) throw cephError('EIO', `ts-rgw-admin failed: ${(r.stderr ?? '').trim()}`);
  const key = (JSON.parse(r.stdout) as { keys: { access_key: string; secret_key: string }[] }).keys[0];
  if (!key) throw cephError('EIO', 'the admin user has no key');
  return key;
}

/**
 * `ts-ceph enable rgw --dir D [--port P]`: start a ts-rgw on the bootstrapped cluster in D (detached,
 * its pid in run/ so `ts-ceph down` stops it) and print the endpoint and the admin user's key pair.
 * The secret goes to stdout only, never to a log.
 */
export async function run(o: GlobalOptions, out: CommandOutput): Promise<number> {
  const { dir, port } = parse(o.rest);
  const p = clusterPaths(dir);
  if (!existsSync(p.conf)) throw cephError('ENOENT', `${p.dir} holds no cluster (no ceph.conf)`);
  const key = adminKeys(p);
  mkdirSync(p.logDir, { recursive: true });
  mkdirSync(p.runDir, { recursive: true });
  const logPath = join(p.logDir, `${rgwName}.out`);
  const start = existsSync(logPath) ? readFileSync(logPath).length : 0;
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [rgwBin(), '-c', p.conf, '-n', 'client.admin', '--keyring', p.adminKeyring, '-d', '--rgw-frontends', `beast port=${port}`], { detached: true, stdio: ['ignore', fd, fd], env: daemonSpawnEnv() });
  closeSync(fd);
  child.unref();
  writeFileSync(join(p.runDir, `${rgwName}.pid`), `${child.pid}\n`);
  const deadline = Date.now() + enableRgwLimits.rgwReadyTimeoutMs;
  for (;;) {
    const log = readFileSync(logPath).subarray(start).toString();
    if (log.includes('listening on')) break;
    if (child.exitCode !== null || Date.now() > deadline) throw cephError('EIO', `ts-rgw did not start (see ${logPath}): ${log.trim().split('\n').slice(-3).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  out.stderr(`started ${rgwName} (pid ${child.pid})\n`);
  out.stdout(`endpoint: http://127.0.0.1:${port}\naccess_key: ${key.access_key}\nsecret_key: ${key.secret_key}\n`);
  return 0;
}
