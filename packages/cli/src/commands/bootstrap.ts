import { GlobalOptions } from '../args';
import { CommandOutput } from '../output';
import { bootstrapCluster } from '@ts-ceph/mon';
import { clusterArgs, waitForMon } from './cluster-wait';

/**
 * `ts-ceph bootstrap --dir D [--osds N]`: a new single-host cluster in D (conf, keyrings 0600, a
 * monitor started in the background); prints the `export CEPH_CONF=...` line. Refuses a directory
 * that already holds a cluster.
 */
export async function run(o: GlobalOptions, out: CommandOutput): Promise<number> {
  const { dir, osds } = clusterArgs(o.rest);
  const r = await bootstrapCluster(dir, { osds });
  await waitForMon(r.paths, [{ name: 'mon.a', pid: r.monPid }], o);
  for (const n of r.notes) out.stderr(`${n}\n`);
  out.stderr(`cluster ${r.fsid} is up: mon.a on v2:127.0.0.1:${r.port}, logs in ${r.paths.logDir}\n`);
  out.stdout(`export CEPH_CONF=${r.paths.conf}\n`);
  return 0;
}
