import { GlobalOptions } from '../args';
import { CommandOutput } from '../output';
import { startCluster } from '@ts-ceph/mon';
import { clusterArgs, waitForMon } from './cluster-wait';

/** `ts-ceph start --dir D`: restart the daemons of the cluster in D that are not running. */
export async function run(o: GlobalOptions, out: CommandOutput): Promise<number> {
  const { dir } = clusterArgs(o.rest);
  const r = startCluster(dir);
  await waitForMon(r.paths, r.started, o);
  if (r.started.length) out.stderr(`started ${r.started.map((x) => x.name).join(', ')}\n`);
  if (r.running.length) out.stderr(`already running: ${r.running.join(', ')}\n`);
  out.stdout(`export CEPH_CONF=${r.paths.conf}\n`);
  return 0;
}
