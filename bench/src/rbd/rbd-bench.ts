// bench/rbd: fio's rbd engine (Debian's fio, librbd 16.2.15) against ts-mon + one ts-osd and against
// the real reference cluster (../shared/ceph-ref: mon + mgr + one BlueStore OSD), both with a size-1
// pool, in crc mode and then in secure mode (every ms_*_mode option of the cluster's conf, so the
// client's mon and OSD sessions are secure too), in one run. On an image with the default features
// (exclusive-lock, object-map, fast-diff), filled first: 4 KiB random writes with 1 and 32 in flight,
// 4 KiB random reads with 32 in flight, 1 MiB sequential writes and reads with 4 in flight, each a
// time-based run of a few seconds. Server CPU per I/O is the CPU time of the server daemons (from
// /proc/<pid>/stat) over the run divided by fio's I/O count; RSS is the OSD's after the run.
// Usage: node bench/dist/src/rbd/rbd-bench.js [--write] [--seconds S] [--modes crc,secure]
//        node bench/dist/src/rbd/rbd-bench.js --profile [--write] [--seconds S]
//   --profile runs ts-osd under `node --cpu-prof` for the 4 KiB random write QD32 run (crc) and prints
//   (with --write: writes bench/rbd-profile.md) the top functions by self and inclusive time.
//        node bench/dist/src/rbd/rbd-bench.js --size3 [--write] [--seconds S] [--modes crc,secure]
//   --size3: three OSDs and size 3 on both sides (../osd/size3-bench.ts); with --size3,
//   --only 'NAME,NAME' runs the workloads whose name contains one of them (e.g. '1 MiB') and
//   --ts-only skips the reference cluster (both for measuring a change; neither writes RESULTS.md).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { run } from '@ts-ceph/testkit';
import { BenchRow, stamp, table, writeSection } from '../lib/results';
import { BenchCluster, pgNum, procCpuUs, startCephRef, startTsCluster } from '../osd/clusters';
import { profileMarkdown, summarise } from '../osd/cpuprofile';
import { size3Bench } from '../osd/size3-bench';

type Mode = 'crc' | 'secure';

interface Workload {
  name: string;
  args: string[];
}

const imageBytes = 256 << 20;
/** The profile's image: small, so that its fill weighs little beside the 4 KiB writes in the profile. */
const profileImageBytes = 32 << 20;
const settleMs = 5000;
const workloads: Workload[] = [
  { name: '4 KiB random write, QD1', args: ['--rw=randwrite', '--bs=4k', '--iodepth=1'] },
  { name: '4 KiB random write, QD32', args: ['--rw=randwrite', '--bs=4k', '--iodepth=32'] },
  { name: '4 KiB random read, QD32', args: ['--rw=randread', '--bs=4k', '--iodepth=32'] },
  { name: '1 MiB write, QD4', args: ['--rw=write', '--bs=1m', '--iodepth=4'] },
  { name: '1 MiB read, QD4', args: ['--rw=read', '--bs=1m', '--iodepth=4'] },
];

interface Sample {
  iops: number;
  /** fio's mean completion latency, ms. */
  latencyMs: number;
  /** Server CPU (all daemons, all threads) per I/O, microseconds. */
  cpuUs: number;
}

interface FioSide {
  iops: number;
  total_ios: number;
  clat_ns: { mean: number };
}

function fioEnv(c: BenchCluster): NodeJS.ProcessEnv {
  return { ...process.env, CEPH_CONF: c.conf, CEPH_KEYRING: c.keyring };
}

async function fio(c: BenchCluster, args: string[], timeoutMs: number): Promise<{ write: FioSide; read: FioSide }> {
  const common = ['--ioengine=rbd', '--clientname=admin', `--pool=${c.pool}`, '--rbdname=bench', '--name=bench', '--output-format=json', '--eta=never'];
  const r = await run('fio', [...common, ...args], { env: fioEnv(c), timeoutMs });
  const json = r.stdout.indexOf('{');
  if (r.code !== 0 || json < 0) throw new Error(`${c.name}: fio ${args.join(' ')}: rc ${r.code}\n${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
  const j = (JSON.parse(r.stdout.slice(json)) as { jobs: { error: number; write: FioSide; read: FioSide }[] }).jobs[0]!;
  if (j.error !== 0) throw new Error(`${c.name}: fio ${args.join(' ')}: error ${j.error}`);
  return j;
}

/** The image (default features) and one pass of 4 MiB writes over it, so reads find data. */
async function prepare(c: BenchCluster, bytes = imageBytes): Promise<void> {
  const mk = await run('rbd', ['-c', c.conf, '-p', c.pool, 'create', '--size', `${bytes >> 20}M`, 'bench'], { env: fioEnv(c), timeoutMs: 120_000 });
  if (mk.code !== 0) throw new Error(`${c.name}: rbd create: ${mk.stderr}`);
  await fio(c, ['--rw=write', '--bs=4m', '--iodepth=8', `--size=${bytes}`], 300_000);
  // Let both stores finish what the fill left behind (flushes, compaction) before the first
  // measured run, so its CPU per I/O is the workload's own.
  await new Promise((res) => setTimeout(res, settleMs));
}

async function runOne(c: BenchCluster, w: Workload, seconds: number, bytes = imageBytes): Promise<Sample> {
  const cpu0 = c.pids().map(procCpuUs);
  const j = await fio(c, [...w.args, `--size=${bytes}`, '--time_based', `--runtime=${seconds}`, '--ramp_time=1'], (seconds + 120) * 1000);
  const cpuUs = c.pids().map(procCpuUs).reduce((a, v, i) => a + v - cpu0[i]!, 0);
  const side = j.write.total_ios > 0 ? j.write : j.read;
  // The CPU window includes the ramp second, whose I/Os fio does not count: a small overstatement,
  // the same for both clusters.
  return { iops: side.iops, latencyMs: side.clat_ns.mean / 1e6, cpuUs: cpuUs / Math.max(1, side.total_ios) };
}

interface ClusterRun {
  samples: Sample[];
  rssBytes: number;
}

async function runCluster(start: () => Promise<BenchCluster>, seconds: number, label: string): Promise<ClusterRun> {
  const c = await start();
  try {
    await prepare(c);
    const samples: Sample[] = [];
    for (const w of workloads) {
      const s = await runOne(c, w, seconds);
      samples.push(s);
      console.log(`${label} ${w.name}: ${s.iops.toFixed(0)} IOPS, ${s.latencyMs.toFixed(2)} ms, ${s.cpuUs.toFixed(0)} µs CPU/IO`);
    }
    return { samples, rssBytes: c.osdRssBytes() };
  } finally {
    await c.stop();
  }
}

function args(): { write: boolean; profile: boolean; seconds: number; modes: Mode[]; only?: string[]; tsOnly: boolean } {
  const a = process.argv.slice(2);
  const val = (flag: string): string | undefined => (a.includes(flag) ? a[a.indexOf(flag) + 1] : undefined);
  const only = val('--only')?.split(',');
  return { write: a.includes('--write'), profile: a.includes('--profile'), seconds: Number(val('--seconds') ?? 12), modes: (val('--modes') ?? 'crc,secure').split(',') as Mode[], only, tsOnly: a.includes('--ts-only') };
}

const deviceBytes = 8 * 2 ** 30; // as the reference's 8 GiB BlueStore block file
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

async function profile(seconds: number, write: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ts-bench-rbd-prof-'));
  const ts = await startTsCluster({ deviceBytes, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  let s: Sample;
  try {
    await prepare(ts, profileImageBytes);
    s = await runOne(ts, workloads[1]!, seconds, profileImageBytes);
  } finally {
    await ts.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const md = `# ts-osd profile under fio rbd 4 KiB random writes (npm run bench -- rbd --profile --write)

${stamp()}

fio --ioengine=rbd --rw=randwrite --bs=4k --iodepth=32 for ${seconds} s on a ${mib(profileImageBytes)} image (after a fill with 4 MiB writes, which the profile also covers) against ts-osd under \`node --cpu-prof\`: ${s.iops.toFixed(0)} IOPS, server CPU ${s.cpuUs.toFixed(0)} µs/IO (profiling slows it down). Profile: ${join(dir, file)}

${profileMarkdown(summarise(join(dir, file)))}
`;
  console.log(md);
  if (!write) return;
  // The hand-kept "## Findings" part (what the profile shows, read by a person) survives the rewrite.
  const out = join(repoRoot(), 'bench', 'rbd-profile.md');
  const old = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const kept = old.indexOf('\n## Findings');
  writeFileSync(out, md + (kept >= 0 ? old.slice(kept) : ''));
}

function rows(ts: Map<Mode, ClusterRun>, ceph: Map<Mode, ClusterRun>, modes: Mode[]): BenchRow[] {
  const out: BenchRow[] = [];
  for (const mode of modes) {
    workloads.forEach((w, i) => {
      const a = ts.get(mode)!.samples[i]!;
      const b = ceph.get(mode)!.samples[i]!;
      const big = w.name.startsWith('1 MiB');
      const fmt = (s: Sample): string => `${s.iops.toFixed(0)} IOPS${big ? ` (${s.iops.toFixed(0)} MiB/s)` : ''}, ${s.latencyMs.toFixed(2)} ms, ${s.cpuUs.toFixed(0)} µs CPU/IO`;
      let note = `CPU/IO ratio ${(a.cpuUs / b.cpuUs).toFixed(2)}`;
      if (mode === 'secure' && ts.has('crc') && ceph.has('crc')) {
        const cost = (m: Map<Mode, ClusterRun>): string => `${((1 - m.get('secure')!.samples[i]!.iops / m.get('crc')!.samples[i]!.iops) * 100).toFixed(0)} %`;
        note += `; secure costs ts ${cost(ts)}, Ceph ${cost(ceph)} of the crc IOPS`;
      }
      out.push({ workload: `${w.name}, ${mode}`, ours: fmt(a), reference: fmt(b), ratio: (a.iops / b.iops).toFixed(2), note });
    });
  }
  return out;
}

async function main(): Promise<void> {
  const o = args();
  if (o.profile) return profile(o.seconds, o.write);
  if (process.argv.includes('--size3')) return size3Bench('rbd', { seconds: process.argv.includes('--seconds') ? o.seconds : 8, modes: o.modes, write: o.write, only: o.only, tsOnly: o.tsOnly });
  const ts = new Map<Mode, ClusterRun>();
  const ceph = new Map<Mode, ClusterRun>();
  for (const mode of o.modes) {
    ts.set(mode, await runCluster(() => startTsCluster({ deviceBytes, mode }), o.seconds, `ts-ceph ${mode}`));
    ceph.set(mode, await runCluster(() => startCephRef(mode), o.seconds, `Ceph ${mode}`));
  }
  const rss = o.modes.map((m) => `${m}: ts-osd ${mib(ts.get(m)!.rssBytes)}, ceph-osd ${mib(ceph.get(m)!.rssBytes)}`).join('; ');
  console.log(`OSD RSS after the runs: ${rss}`);
  const body = `${stamp()}

fio's rbd engine (Debian's fio, librbd 16.2.15) on a ${mib(imageBytes)} image with the default features (61: layering, exclusive-lock, object-map, fast-diff, deep-flatten), first filled with 4 MiB writes (then ${settleMs / 1000} s idle), against ts-mon + one ts-osd (native store on an ${deviceBytes / 2 ** 30} GiB file) and against the real reference cluster (\`../shared/ceph-ref/cluster.sh up 1 MODE\`: ceph-mon + ceph-mgr + one BlueStore OSD on an 8 GiB file), each with a size-1 pool of ${pgNum} PGs, one cluster after the other in the same run, in ${o.modes.join(' and then in ')} mode (every ms_*_mode option of the cluster's conf, clients included). Each workload is \`fio --time_based --runtime=${o.seconds} --ramp_time=1\`, one run each, on a 2-core machine shared with other work: read the figures as rough. Latency is fio's mean completion latency. Server CPU per I/O is user+system time of the server daemons from /proc/<pid>/stat (ts-ceph: ts-mon + ts-osd; Ceph: mon + mgr + osd) over the run, divided by fio's I/Os. The ratio is ts-ceph / Ceph in IOPS (above 1: faster). OSD RSS after the runs: ${rss}.

Issue 13's targets (ratio against Ceph with 3 OSDs and size 3, which this single-OSD comparison does not run yet): 4 KiB random write QD1 ≥ 3, QD32 ≥ 4, 1 MiB write ≥ 1.5, secure mode costs < 15 %.

${table(rows(ts, ceph, o.modes), 'Ceph 16.2.15')}`;
  console.log(body);
  if (o.write) writeSection('rbd', body);
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
