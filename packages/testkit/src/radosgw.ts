import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { CephRef } from './ceph-ref';
import { freePort, requireBinary, run, waitFor } from './proc';

export interface RadosgwOptions {
  /** The daemon's name after `client.rgw.` (its conf section, key, log and pid file). */
  name?: string;
  /** The beast frontend's port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** The S3 user radosgw-admin creates. */
  uid?: string;
  accessKey?: string;
  secretKey?: string;
}

export interface Radosgw {
  port: number;
  /** The daemon's pid (from its pid file; it daemonizes). */
  pid: number;
  accessKey: string;
  secretKey: string;
  /** SIGTERM, SIGKILL after 10 s; `cluster.sh down` stops it too (its command line names the conf). */
  stop(): Promise<void>;
}

/** Named limits of the fixture. */
export const radosgwFixtureLimits = {
  /** radosgw creates its pools and realm objects before it listens: ~8 s here, more on a busy machine. */
  startMs: 90_000,
};

/** 200 from an anonymous GET / (ListBuckets answers anonymous callers with an empty list). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * A real radosgw 16.2.15 (Debian's package) on a ../shared/ceph-ref cluster, as an operator starts
 * one: a `client.rgw.NAME` key with `mon 'allow rw' osd 'allow rwx'`, a conf section with
 * `rgw_frontends = beast endpoint=127.0.0.1:PORT`, the daemon started with `-c CONF -n
 * client.rgw.NAME` (it daemonizes, writing run/client.rgw.NAME.pid), then an S3 user made by
 * `radosgw-admin user create`. radosgw creates its default zone's pools itself at first start.
 */
export async function startRadosgw(ref: CephRef, o: RadosgwOptions = {}): Promise<Radosgw> {
  requireBinary('radosgw');
  requireBinary('radosgw-admin');
  const name = `client.rgw.${o.name ?? 'ref'}`;
  const port = o.port ?? (await freePort());
  const accessKey = o.accessKey ?? 'RGWREFAK';
  const secretKey = o.secretKey ?? 'rgwrefsecret';
  // CEPH_KEYRING would override the daemon's own keyring (ceph-ref NOTES.md): leave it out.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CEPH_KEYRING;
  delete env.CEPH_CONF;
  const admin = ['-c', ref.conf, '-k', ref.keyring];
  const keyring = join(ref.dir, `${name}.keyring`);
  const key = await run('ceph', [...admin, 'auth', 'get-or-create', name, 'mon', 'allow rw', 'osd', 'allow rwx', '-o', keyring], { env, timeoutMs: 60_000 });
  if (key.code !== 0) throw new Error(`ceph auth get-or-create ${name}: rc ${key.code} ${key.stderr}`);
  mkdirSync(join(ref.dir, name), { recursive: true });
  appendFileSync(
    ref.conf,
    `\n[${name}]\nkeyring = ${keyring}\nlog_file = ${ref.dir}/log/$name.log\npid_file = ${ref.dir}/run/$name.pid\nadmin_socket = ${ref.dir}/run/$name.asok\nrgw_data = ${ref.dir}/${name}\nrgw_frontends = beast endpoint=127.0.0.1:${port}\n`,
  );
  const start = await run('radosgw', ['-c', ref.conf, '-n', name], { env, timeoutMs: 60_000 });
  if (start.code !== 0) throw new Error(`radosgw -n ${name}: rc ${start.code} ${start.stderr}`);
  const pidFile = join(ref.dir, 'run', `${name}.pid`);
  const stop = async (): Promise<void> => {
    let pid: number;
    try {
      pid = Number(readFileSync(pidFile, 'utf8').trim());
    } catch {
      return;
    }
    const alive = (): boolean => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(ref.conf);
      } catch {
        return false;
      }
    };
    if (!alive()) return;
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(), 10_000, `${name} exit`, 100).catch(() => alive() && process.kill(pid, 'SIGKILL'));
  };
  try {
    await waitFor(() => answers(port), radosgwFixtureLimits.startMs, `${name} answering on port ${port}`, 250);
    const uid = o.uid ?? 'tester';
    const mk = await run('radosgw-admin', [...admin, '-n', 'client.admin', 'user', 'create', '--uid', uid, '--display-name', uid, '--access-key', accessKey, '--secret-key', secretKey], { env, timeoutMs: 60_000 });
    if (mk.code !== 0) throw new Error(`radosgw-admin user create: rc ${mk.code} ${mk.stderr}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, pid: Number(readFileSync(pidFile, 'utf8').trim()), accessKey, secretKey, stop };
}
