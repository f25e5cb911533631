import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { freePort, run } from './proc';

export interface CephRefOptions {
  /** The cluster's directory (CEPH_REF_DIR); unique per caller. */
  dir: string;
  /** OSDs (1 or 3). */
  osds?: number;
  /** CEPH_REF_PG: PGs of the rbd and bench pools. */
  pgNum?: number;
  /** CEPH_REF_SIZE: pool size. */
  size?: number;
  /** CEPH_REF_OSD_GB: the sparse block file of each OSD. */
  osdGb?: number;
  /** cluster.sh's MODE: every ms_*_mode option crc (the default) or secure. */
  mode?: 'crc' | 'secure';
}

export interface CephRef {
  dir: string;
  conf: string;
  keyring: string;
  /** The pid of a daemon from run/<name>.pid (mon.a, mgr.x, osd.0 ...). */
  pid(name: string): number;
  /** `cluster.sh down`, then the directory removed. */
  down(): Promise<void>;
}

/**
 * ../shared/ceph-ref/cluster.sh up: a real Ceph 16.2.15 cluster on 127.0.0.1 in its own directory
 * and on a free mon port, so several can run at once. Throws (after tearing it down) if it does
 * not come up.
 */
export async function startCephRefCluster(o: CephRefOptions): Promise<CephRef> {
  const script = join(sharedDir(), 'ceph-ref', 'cluster.sh');
  if (!existsSync(script)) throw new Error(`${script} not found`);
  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_REF_DIR: o.dir, CEPH_REF_MON_PORT: String(await freePort()) };
  if (o.pgNum !== undefined) env.CEPH_REF_PG = String(o.pgNum);
  if (o.size !== undefined) env.CEPH_REF_SIZE = String(o.size);
  if (o.osdGb !== undefined) env.CEPH_REF_OSD_GB = String(o.osdGb);
  delete env.CEPH_KEYRING;
  delete env.CEPH_CONF;
  const down = async (): Promise<void> => {
    await run(script, ['down'], { env, timeoutMs: 120_000 });
    // cluster.sh down (set -o pipefail) exits before its `rm -rf` when its pgrep for stray daemons
    // finds none, which is the usual case: the directory is ours, its daemons are gone, remove it.
    rmSync(o.dir, { recursive: true, force: true });
  };
  const up = await run(script, ['up', String(o.osds ?? 1), o.mode ?? 'crc'], { env, timeoutMs: 300_000 });
  if (up.code !== 0) {
    await down();
    throw new Error(`cluster.sh up ${o.osds ?? 1}: rc ${up.code}\n${up.stderr.slice(-3000)}`);
  }
  return {
    dir: o.dir,
    conf: join(o.dir, 'ceph.conf'),
    keyring: join(o.dir, 'ceph.client.admin.keyring'),
    pid: (name) => Number(readFileSync(join(o.dir, 'run', `${name}.pid`), 'utf8').trim()),
    down,
  };
}
