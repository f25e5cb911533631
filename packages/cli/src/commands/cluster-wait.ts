import { GlobalOptions } from '../args';
import { monClientFromOptions } from '../context';
import { ClusterPaths, localClusterLimits, waitForPidFiles } from '@ts-ceph/mon';

/**
 * Wait until the daemons just spawned are listening (their pid files), then until the cluster's
 * monitor answers a command with the admin key (bootstrap/start).
 */
export async function waitForMon(p: ClusterPaths, spawned: { name: string; pid: number }[], o: GlobalOptions): Promise<void> {
  await waitForPidFiles(p, spawned);
  const conf = p.conf;
  const deadline = Date.now() + localClusterLimits.monReadyTimeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const { mon } = monClientFromOptions({ ...o, conf, connectTimeoutMs: 2000 }, { ...process.env, CEPH_KEYRING: undefined });
    try {
      await mon.bootstrap(2000);
      await mon.authenticate(2000);
      const r = await mon.command({ prefix: 'fsid' }, undefined, 2000);
      if (r.r === 0) return;
    } catch (e) {
      last = e;
    } finally {
      await mon.shutdown();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw last instanceof Error ? last : new Error('the monitor did not answer');
}

/** The --dir / --osds options of the cluster subcommands (and bootstrap's --encrypt, when allowed). */
export function clusterArgs(rest: string[], osdsDefault = 0, allowEncrypt = false): { dir: string; osds: number; encrypt: boolean } {
  let dir = '';
  let osds = osdsDefault;
  let encrypt = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--dir') dir = rest[++i] ?? '';
    else if (a.startsWith('--dir=')) dir = a.slice(6);
    else if (a === '--osds') osds = Number(rest[++i]);
    else if (a.startsWith('--osds=')) osds = Number(a.slice(7));
    else if (a === '--encrypt' && allowEncrypt) encrypt = true;
    else throw new Error(`unknown argument '${a}'`);
  }
  if (!dir) throw new Error('--dir <directory> is required');
  if (!Number.isInteger(osds) || osds < 0) throw new Error('--osds needs a non-negative integer');
  return { dir, osds, encrypt };
}
