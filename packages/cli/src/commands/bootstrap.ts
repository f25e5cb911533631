import { GlobalOptions } from '../args';
import { CommandOutput } from '../output';
import { bootstrapCluster } from '@ts-ceph/mon';
import { clusterArgs, waitForMon } from './cluster-wait';
import { createOsds, osdConfText, waitForOsdsUp } from './cluster-osd';
import { clusterPaths, waitForPidFiles } from '@ts-ceph/mon';

/**
 * `ts-ceph bootstrap --dir D [--osds N] [--encrypt]`: a new single-host cluster in D (conf, keyrings
 * 0600, a monitor and N ts-osds (default 1) on file-backed devices, started in the background);
 * prints the `export CEPH_CONF=...` line. Refuses a directory that already holds a cluster. With
 * --encrypt each OSD's store is encrypted (data and metadata) with a random key in D/keys/osd.N.key.
 */
export async function run(o: GlobalOptions, out: CommandOutput): Promise<number> {
  const { dir, osds, encrypt } = clusterArgs(o.rest, 1, true);
  const r = await bootstrapCluster(dir, { osds, confExtra: osdConfText(clusterPaths(dir), encrypt) });
  await waitForMon(r.paths, [{ name: 'mon.a', pid: r.monPid }], o);
  for (const n of r.notes) out.stderr(`${n}\n`);
  const spawned = await createOsds(r.paths, osds, o, encrypt);
  await waitForPidFiles(r.paths, spawned, 60_000);
  await waitForOsdsUp(r.paths, spawned.map((s) => Number(s.name.slice(4))), o);
  out.stderr(`cluster ${r.fsid} is up: mon.a on v2:127.0.0.1:${r.port}${spawned.length ? `, ${spawned.map((s) => s.name).join(', ')} up` : ''}, logs in ${r.paths.logDir}\n`);
  out.stdout(`export CEPH_CONF=${r.paths.conf}\n`);
  return 0;
}
