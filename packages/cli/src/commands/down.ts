import { GlobalOptions } from '../args';
import { CommandOutput } from '../output';
import { downCluster } from '@ts-ceph/mon';
import { clusterArgs } from './cluster-wait';

/** `ts-ceph down --dir D`: stop the cluster's daemons (SIGTERM, SIGKILL after a grace period). */
export async function run(o: GlobalOptions, out: CommandOutput): Promise<number> {
  const { dir } = clusterArgs(o.rest);
  const stopped = await downCluster(dir);
  out.stderr(stopped.length ? `stopped ${stopped.join(', ')}\n` : 'nothing was running\n');
  return 0;
}
