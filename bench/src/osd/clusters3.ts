// The two size-3 clusters the `--size3` benchmarks compare (issue 12 acceptance 6, issue 13
// acceptance 7): `ts-ceph bootstrap --osds 3` (ts-mon, which also runs the mgr role, and three ts-osd
// on file-backed devices, pools of size 3 / min_size 2) and the real 16.2.15 reference from
// ../shared/ceph-ref/cluster.sh up 3 (mon, mgr, three BlueStore OSDs, size 3), each in crc or secure
// mode for every ms_*_mode option, clients included. Both get a pool `bench` of 32 PGs (the
// reference creates its own; its `rbd` pool is not used, so both sides write to the same kind of
// pool) and report every daemon's pid, so the bench reads their CPU time and RSS from /proc.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { requireBinary, run, startCephRefCluster, tempDir, waitFor } from '@ts-ceph/testkit';
import { BenchCluster, pgNum, procRssBytes } from './clusters';

export type Mode = 'crc' | 'secure';

/** One server process of a cluster. */
export interface Daemon {
  name: string;
  pid: number;
}

export interface Cluster3 extends BenchCluster {
  /** Every server daemon (mon, mgr when separate, each OSD). */
  daemons(): Daemon[];
}

const tsCephBin = join(repoRoot(), 'packages', 'cli', 'dist', 'src', 'bin', 'ts-ceph.js');
const modeOptions = ['ms_cluster_mode', 'ms_service_mode', 'ms_client_mode', 'ms_mon_cluster_mode', 'ms_mon_service_mode', 'ms_mon_client_mode'];

/** Every daemon's resident set, bytes, by name. */
export function rssOf(c: Cluster3): Map<string, number> {
  return new Map(c.daemons().map((d) => [d.name, procRssBytes(d.pid)]));
}

async function tsCeph(args: string[]): Promise<void> {
  const r = await run(process.execPath, [tsCephBin, ...args], { timeoutMs: 180_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });
  if (r.code !== 0) throw new Error(`ts-ceph ${args.join(' ')}: rc ${r.code}\n${r.stderr.slice(-2000)}`);
}

/**
 * Waits until every PG of the cluster is active+clean (`ceph pg stat` names no other state), as a
 * bench must not measure peering or recovery.
 */
async function waitClean(conf: string, keyring: string): Promise<void> {
  await waitFor(
    async () => {
      const r = await run('ceph', ['-c', conf, '--connect-timeout', '10', 'pg', 'stat', '-f', 'json'], { env: { ...process.env, CEPH_KEYRING: keyring }, timeoutMs: 30_000 });
      if (r.code !== 0) return false;
      const j = JSON.parse(r.stdout) as { pg_summary?: { num_pg_by_state?: { name: string; num: number }[]; num_pgs?: number } };
      const by = j.pg_summary?.num_pg_by_state ?? [];
      const total = by.reduce((a, s) => a + s.num, 0);
      return total >= pgNum && by.every((s) => s.name === 'active+clean');
    },
    120_000,
    'every PG active+clean',
    500,
  );
}

/** `ts-ceph bootstrap --dir D --osds 3`, the mode written into [global], a `bench` pool of 32 PGs. */
export async function startTsCluster3(mode: Mode): Promise<Cluster3> {
  for (const b of ['ceph', 'rados']) requireBinary(b);
  const { path: base, cleanup } = tempDir('ts-bench-size3-');
  const dir = join(base, 'cluster');
  const conf = join(dir, 'ceph.conf');
  let up = false;
  const stop = async (): Promise<void> => {
    if (up) await tsCeph(['down', '--dir', dir]).catch(() => undefined);
    cleanup();
  };
  try {
    await tsCeph(['bootstrap', '--dir', dir, '--osds', '3']);
    up = true;
    // bootstrap writes no ms_*_mode line (Ceph's defaults: crc for OSD sessions, secure for the
    // mon's): restart with every one set, as cluster.sh does for the reference.
    await tsCeph(['down', '--dir', dir]);
    const text = readFileSync(conf, 'utf8').replace('[global]\n', `[global]\n${modeOptions.map((o) => `${o} = ${mode}`).join('\n')}\n`);
    writeFileSync(conf, text, { mode: 0o600 });
    await tsCeph(['start', '--dir', dir]);
    const keyring = join(dir, 'ceph.client.admin.keyring');
    const r = await run('ceph', ['-c', conf, 'osd', 'pool', 'create', 'bench', String(pgNum)], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`pool create: ${r.stderr}`);
    await run('ceph', ['-c', conf, 'osd', 'pool', 'application', 'enable', 'bench', 'rbd'], { timeoutMs: 60_000 });
    await waitClean(conf, keyring);
  } catch (e) {
    await stop();
    throw e;
  }
  const pid = (n: string): number => Number(readFileSync(join(dir, 'run', `${n}.pid`), 'utf8').trim());
  const daemons = ['mon.a', 'osd.0', 'osd.1', 'osd.2'].map((name) => ({ name, pid: pid(name) }));
  const keyring = join(dir, 'ceph.client.admin.keyring');
  return {
    name: 'ts-ceph',
    conf,
    keyring,
    pool: 'bench',
    pids: () => daemons.map((d) => d.pid),
    daemons: () => daemons,
    osdRssBytes: () => daemons.slice(1).reduce((a, d) => a + procRssBytes(d.pid), 0),
    rados: (args, timeoutMs = 120_000) => run('rados', ['-c', conf, '-p', 'bench', ...args], { env: { ...process.env, CEPH_KEYRING: keyring }, timeoutMs }),
    stop,
  };
}

/** ../shared/ceph-ref/cluster.sh up 3 MODE (size 3) in its own directory and mon port. */
export async function startCephRef3(mode: Mode): Promise<Cluster3> {
  const ref = await startCephRefCluster({ dir: `/tmp/ts-bench-ceph-ref3-${process.pid}`, osds: 3, pgNum, size: 3, mode });
  const daemons = ['mon.a', 'mgr.x', 'osd.0', 'osd.1', 'osd.2'].map((name) => ({ name, pid: ref.pid(name) }));
  const { conf, keyring } = ref;
  // cluster.sh makes `bench` for rados; rbd on it needs the application enabled.
  const env = { ...process.env, CEPH_KEYRING: keyring };
  await run('ceph', ['-c', conf, 'osd', 'pool', 'application', 'enable', 'bench', 'rbd', '--yes-i-really-mean-it'], { env, timeoutMs: 60_000 });
  await waitClean(conf, keyring);
  return {
    name: 'Ceph 16.2.15',
    conf,
    keyring,
    pool: 'bench',
    pids: () => daemons.map((d) => d.pid),
    daemons: () => daemons,
    osdRssBytes: () => daemons.slice(2).reduce((a, d) => a + procRssBytes(d.pid), 0),
    rados: (args, timeoutMs = 120_000) => run('rados', ['-c', conf, '-p', 'bench', ...args], { env, timeoutMs }),
    stop: () => ref.down(),
  };
}

