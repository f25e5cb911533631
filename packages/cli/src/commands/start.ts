import { GlobalOptions } from '../args';
import { CommandOutput } from '../output';
import { startCluster } from '@ts-ceph/mon';
import { clusterArgs, waitForMon } from './cluster-wait';
import { clusterOsdIds, osdRunning, spawnOsd, waitForOsdsUp } from './cluster-osd';
import { waitForPidFiles } from '@ts-ceph/mon';

/** `ts-ceph start --dir D`: restart the daemons of the cluster in D that are not running. */
export async function run(o: GlobalOptions, out: CommandOutput): Promise<number> {
  const { dir } = clusterArgs(o.rest);
  const r = startCluster(dir);
  await waitForMon(r.paths, r.started, o);
  const osds = clusterOsdIds(r.paths);
  const spawned = osds.filter((id) => !osdRunning(r.paths, id)).map((id) => ({ name: `osd.${id}`, pid: spawnOsd(r.paths, id) }));
  await waitForPidFiles(r.paths, spawned, 60_000);
  await waitForOsdsUp(r.paths, osds, o);
  r.started.push(...spawned);
  if (r.started.length) out.stderr(`started ${r.started.map((x) => x.name).join(', ')}\n`);
  if (r.running.length) out.stderr(`already running: ${r.running.join(', ')}\n`);
  out.stdout(`export CEPH_CONF=${r.paths.conf}\n`);
  return 0;
}
