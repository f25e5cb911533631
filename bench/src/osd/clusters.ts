// The two clusters bench/osd and bench/rbd compare, each with one OSD and a size-1 pool, in crc (or
// secure) mode: ts-mon + one ts-osd, booted as test/acceptance/osd-lib.ts boots them (osd new with a cephx key, --mkfs, -f,
// a pool whose PGs the OSD created), and the real 16.2.15 reference cluster from
// ../shared/ceph-ref/cluster.sh (mon + mgr + one BlueStore OSD) in its own directory and port.
// Each cluster knows its server pids, so the bench can read their CPU time from /proc.
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonSpawnEnv, repoRoot } from '@ts-ceph/common';
import { RealMon, requireBinary, run, RunResult, startCephRefCluster, startRealMon, waitFor } from '@ts-ceph/testkit';

export interface BenchCluster {
  name: string;
  conf: string;
  keyring: string;
  pool: string;
  /** The server processes whose CPU time counts (mon, mgr, OSD). */
  pids(): number[];
  /** The OSD's resident set, bytes. */
  osdRssBytes(): number;
  /** The real rados CLI against this cluster. */
  rados(args: string[], timeoutMs?: number): Promise<RunResult>;
  stop(): Promise<void>;
}

export const pgNum = 32;
const tsMonBin = join(repoRoot(), 'packages', 'mon', 'dist', 'src', 'bin', 'ts-mon.js');
const tsOsdBin = join(repoRoot(), 'packages', 'osd', 'dist', 'src', 'bin', 'ts-osd.js');

/** user + system CPU of a process (all its threads), microseconds, from /proc/<pid>/stat. */
export function procCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

export function procRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Pids of live processes whose command line contains every string of `parts`. */
function pidsByCmdline(parts: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (parts.every((p) => cmd.includes(p))) out.push(Number(e));
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

function radosRunner(conf: string, keyring: string, pool: string): (args: string[], timeoutMs?: number) => Promise<RunResult> {
  return (args, timeoutMs = 120_000) => run('rados', ['-c', conf, '-p', pool, ...args], { env: { ...process.env, CEPH_KEYRING: keyring }, timeoutMs });
}

export interface TsClusterOptions {
  /** Node flags for ts-osd (e.g. --cpu-prof). */
  nodeArgs?: string[];
  deviceBytes: number;
  /** Every ms_*_mode option of the cluster's conf (crc). */
  mode?: 'crc' | 'secure';
}

/** ts-mon + one ts-osd + pool `bench` (size 1). stop() ends ts-osd with SIGTERM (a --cpu-prof profile is written on exit). */
export async function startTsCluster(o: TsClusterOptions): Promise<BenchCluster> {
  for (const b of ['ceph', 'rados', 'ceph-authtool']) requireBinary(b);
  const mon = await startRealMon({ mode: o.mode ?? 'crc', monCommand: [process.execPath, tsMonBin], pidFile: true });
  const dir = join(mon.dir, 'osd.0');
  let osd: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (osd && osd.exitCode === null && osd.signalCode === null) {
      const o2 = osd;
      await new Promise<void>((res) => {
        o2.once('exit', () => res());
        o2.kill('SIGTERM');
        setTimeout(() => o2.kill('SIGKILL'), 20_000).unref();
      });
    }
    await mon.stop();
  };
  try {
    const osdData = join(mon.dir, 'osd.$id');
    appendFileSync(mon.conf, `\n[osd]\nosd_data = ${osdData}\nkeyring = ${osdData}/keyring\nlog_file = ${osdData}/osd.log\nts_osd_device_bytes = ${o.deviceBytes}\n`);
    const uuid = randomUUID();
    const key = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
    const r = await mon.ceph(['osd', 'new', uuid, '0', '-i', '-'], { input: JSON.stringify({ cephx_secret: key }) });
    if (r.code !== 0) throw new Error(`osd new: rc ${r.code} ${r.stdout}${r.stderr}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'keyring'), `[osd.0]\n\tkey = ${key}\n`, { mode: 0o600 });
    const mk = await run(process.execPath, [tsOsdBin, '-c', mon.conf, '-i', '0', '--mkfs', '--osd-uuid', uuid], { timeoutMs: 120_000 });
    if (mk.code !== 0) throw new Error(`ts-osd --mkfs: rc ${mk.code} ${mk.stdout}${mk.stderr}`);
    osd = spawn(process.execPath, [...(o.nodeArgs ?? []), tsOsdBin, '-c', mon.conf, '-i', '0', '-f'], { stdio: 'ignore', env: daemonSpawnEnv() });
    await waitOsdUp(mon, osd);
    await createPool(mon, 'bench', () => readFileSync(join(dir, 'osd.log'), 'utf8'));
  } catch (e) {
    await stop();
    throw e;
  }
  const osdPid = osd.pid!;
  const monPid = pidsByCmdline([tsMonBin, mon.conf])[0];
  if (monPid === undefined) throw new Error('ts-mon pid not found');
  return {
    name: 'ts-ceph',
    conf: mon.conf,
    keyring: mon.adminKeyring,
    pool: 'bench',
    pids: () => [monPid, osdPid],
    osdRssBytes: () => procRssBytes(osdPid),
    rados: radosRunner(mon.conf, mon.adminKeyring, 'bench'),
    stop,
  };
}

async function waitOsdUp(mon: RealMon, osd: ChildProcess): Promise<void> {
  await waitFor(
    async () => {
      if (osd.exitCode !== null) throw new Error(`ts-osd exited ${osd.exitCode}`);
      const d = JSON.parse((await mon.ceph(['osd', 'dump', '-f', 'json'])).stdout || '{}') as { osds?: { osd: number; up: number }[] };
      return d.osds?.find((x) => x.osd === 0)?.up === 1;
    },
    60_000,
    'osd.0 up',
    250,
  );
}

async function createPool(mon: RealMon, pool: string, log: () => string): Promise<void> {
  for (const args of [
    ['osd', 'pool', 'create', pool, String(pgNum)],
    ['osd', 'pool', 'set', pool, 'size', '1', '--yes-i-really-mean-it'],
  ]) {
    const r = await mon.ceph(args);
    if (r.code !== 0) throw new Error(`ceph ${args.join(' ')}: ${r.stderr}`);
  }
  const d = JSON.parse((await mon.ceph(['osd', 'dump', '-f', 'json'])).stdout) as { pools: { pool: number; pool_name: string }[] };
  const id = d.pools.find((p) => p.pool_name === pool)!.pool;
  const last = new RegExp(`created pg ${id}\\.${(pgNum - 1).toString(16)}\\b`);
  await waitFor(() => last.test(log()), 60_000, `PGs of ${pool} created`, 250);
}

/** ../shared/ceph-ref/cluster.sh up 1 in its own directory and mon port; stop() runs `down`. */
export async function startCephRef(mode: 'crc' | 'secure' = 'crc'): Promise<BenchCluster> {
  const ref = await startCephRefCluster({ dir: `/tmp/ts-bench-ceph-ref-${process.pid}`, pgNum, size: 1, mode });
  const pids = ['mon.a', 'mgr.x', 'osd.0'].map((n) => ref.pid(n));
  const { conf, keyring } = ref;
  return {
    name: 'Ceph 16.2.15',
    conf,
    keyring,
    pool: 'bench',
    pids: () => pids,
    osdRssBytes: () => procRssBytes(pids[2]!),
    rados: radosRunner(conf, keyring, 'bench'),
    stop: () => ref.down(),
  };
}
