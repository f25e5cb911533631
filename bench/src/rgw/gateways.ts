// The gateways bench/rgw drives: ts-rgw (as `ts-rgw -c CONF -n client.admin --rgw-frontends "beast
// port=P"`, a user made by ts-rgw-admin) and Debian's radosgw 16.2.15 (testkit's startRadosgw: beast
// frontend, a user made by radosgw-admin), each knowing its pid so the bench reads its CPU time and
// RSS from /proc.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { daemonSpawnEnv, repoRoot } from '@ts-ceph/common';
import { CephRef, freePort, run, startRadosgw, waitFor } from '@ts-ceph/testkit';
import { S3Client, S3Target } from './s3-driver';

export interface Gateway {
  target: S3Target;
  pid: number;
  stop(): Promise<void>;
}

const rgwBin = (root: string): string => join(root, 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw.js');
const rgwAdminBin = join(repoRoot(), 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw-admin.js');

/**
 * ts-rgw on the cluster of `conf`, as client.admin, with the environment `ts-ceph enable rgw` gives
 * it; `nodeArgs` (e.g. --cpu-prof) go to node, `rgwArgs` (e.g. --ts-rgw-workers 1) to ts-rgw.
 * `root` is the checkout whose build runs (another one for an A/B run, see rgw-bench.ts --baseline).
 */
export async function startTsRgw(name: string, c: { conf: string; keyring: string }, nodeArgs: string[] = [], rgwArgs: string[] = [], root = repoRoot()): Promise<Gateway> {
  const common = ['-c', c.conf, '-n', 'client.admin', '--keyring', c.keyring];
  const accessKey = 'TSRGWBENCH';
  const secretKey = 'tsrgwbenchsecret';
  const mk = await run(process.execPath, [rgwAdminBin, ...common, 'user', 'create', '--uid', 'bench', '--display-name', 'bench', '--access-key', accessKey, '--secret-key', secretKey], { timeoutMs: 60_000 });
  // 17 (EEXIST): a cluster kept between runs already has the user, with these keys.
  if (mk.code !== 0 && mk.code !== 17) throw new Error(`ts-rgw-admin user create: rc ${mk.code} ${mk.stderr}`);
  const port = await freePort();
  const p: ChildProcess = spawn(process.execPath, [...nodeArgs, rgwBin(root), ...common, '--rgw-frontends', `beast port=${port}`, ...rgwArgs], { stdio: ['ignore', 'pipe', 'ignore'], env: daemonSpawnEnv() });
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async (): Promise<void> => {
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((res) => {
      p.once('exit', () => res());
      // SIGTERM lets node write a --cpu-prof profile on the way out.
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 20_000).unref();
    });
  };
  try {
    await waitFor(
      () => {
        if (p.exitCode !== null) throw new Error(`ts-rgw exited ${p.exitCode}`);
        return out.includes('listening on');
      },
      60_000,
      'ts-rgw listening',
      100,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { target: { name, port, accessKey, secretKey }, pid: p.pid!, stop };
}

/** radosgw 16.2.15 on the reference cluster. */
export async function startRealRgw(ref: CephRef): Promise<Gateway> {
  const g = await startRadosgw(ref, { name: 'bench', uid: 'bench' });
  return { target: { name: 'radosgw 16.2.15', port: g.port, accessKey: g.accessKey, secretKey: g.secretKey }, pid: g.pid, stop: g.stop };
}

/** A client of `g` with `sockets` keep-alive connections. */
export function clientOf(g: Gateway, sockets: number): S3Client {
  return new S3Client(g.target, sockets);
}
