// bench/osd: the stock `rados bench` (16.2.15) against ts-mon + one ts-osd and against the real
// reference cluster (../shared/ceph-ref: mon + mgr + one BlueStore OSD), both with a size-1 pool, in
// one run: 4 KiB writes with 1 and 16 in flight, 4 KiB random reads with 16 in flight, 4 MiB writes
// and sequential reads. Each workload runs on one cluster and then the other (the order alternates
// between rounds), because the machine is shared: each figure is the best round, with the range.
// Server CPU per op is the CPU time of the server daemons (from /proc/<pid>/stat) over the run,
// divided by the ops the bench made.
// Usage: node bench/dist/src/osd/osd-bench.js [--write] [--rounds N] [--seconds S]
//        node bench/dist/src/osd/osd-bench.js --profile [--write] [--seconds S]
//   --profile runs ts-osd under `node --cpu-prof` for the 4 KiB write QD16 run only and prints (with
//   --write: also writes bench/osd-profile.md) the top functions by self and inclusive time;
//   --only 3,4 profiles other workloads instead (indexes into `workloads`; printed, never written).
//        node bench/dist/src/osd/osd-bench.js --size3 [--write] [--seconds S] [--warmup S]
//   --size3: three OSDs and size 3 on both sides, fio rados and rados bench (size3-bench.ts), after
//   --warmup seconds of 4 KiB writes on each (30 by default; 0: none).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { BenchRow, stamp, table, writeSection } from '../lib/results';
import { BenchCluster, pgNum, procCpuUs, startCephRef, startTsCluster } from './clusters';
import { profileMarkdown, summarise } from './cpuprofile';
import { size3Bench } from './size3-bench';

interface Workload {
  name: string;
  args: (s: number) => string[];
  bytes: number;
}

const workloads: Workload[] = [
  { name: '4 KiB write, 1 in flight', args: (s) => ['bench', String(s), 'write', '-b', '4096', '-t', '1', '--no-cleanup'], bytes: 4096 },
  { name: '4 KiB write, 16 in flight', args: (s) => ['bench', String(s), 'write', '-b', '4096', '-t', '16', '--no-cleanup'], bytes: 4096 },
  { name: '4 KiB random read, 16 in flight', args: (s) => ['bench', String(s), 'rand', '-t', '16'], bytes: 4096 },
  { name: '4 MiB write, 16 in flight', args: (s) => ['bench', String(s), 'write', '-b', '4194304', '-t', '16', '--no-cleanup'], bytes: 4 << 20 },
  { name: '4 MiB sequential read, 16 in flight', args: (s) => ['bench', String(s), 'seq', '-t', '16'], bytes: 4 << 20 },
];

interface Sample {
  iops: number;
  latencyMs: number;
  /** Server CPU (all daemons, all threads) per op, microseconds. */
  cpuUs: number;
  /** The same per daemon, in the order of BenchCluster.pids() (mon, [mgr,] OSD). */
  daemonUs: number[];
}

/** rados bench's summary: "Average IOPS:", "Average Latency(s):", "Total writes made:" / "Total reads made:". */
function parseBench(out: string): { iops: number; latencyS: number; ops: number } {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`rados bench output without ${re.source}:\n${out.slice(-2000)}`);
    return Number(m[1]);
  };
  return { iops: num(/Average IOPS:\s+([\d.]+)/), latencyS: num(/Average Latency\(s\):\s+([\d.e-]+)/), ops: num(/Total (?:writes|reads) made:\s+(\d+)/) };
}

async function runOne(c: BenchCluster, w: Workload, seconds: number): Promise<Sample> {
  const cpu = (): number[] => c.pids().map(procCpuUs);
  const cpu0 = cpu();
  const r = await c.rados(w.args(seconds), (seconds + 120) * 1000);
  const daemonUs = cpu().map((v, i) => v - cpu0[i]!);
  const cpuUs = daemonUs.reduce((a, b) => a + b, 0);
  if (r.code !== 0) throw new Error(`${c.name}: rados ${w.args(seconds).join(' ')}: rc ${r.code}\n${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
  const b = parseBench(r.stdout);
  const ops = Math.max(1, b.ops);
  return { iops: b.iops, latencyMs: b.latencyS * 1000, cpuUs: cpuUs / ops, daemonUs: daemonUs.map((v) => v / ops) };
}

const range = (v: number[], d = 0): string => (v.length > 1 ? `${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)}` : v[0]!.toFixed(d));
const bestOf = (v: Sample[]): Sample => v.reduce((a, b) => (b.iops > a.iops ? b : a));

function args(): { write: boolean; profile: boolean; rounds: number; seconds: number; only: number[] } {
  const a = process.argv.slice(2);
  const val = (flag: string, d: number): number => (a.includes(flag) ? Number(a[a.indexOf(flag) + 1]) : d);
  return { write: a.includes('--write'), profile: a.includes('--profile'), rounds: val('--rounds', 3), seconds: val('--seconds', 10), only: a.includes('--only') ? a[a.indexOf('--only') + 1]!.split(',').map(Number) : [1] };
}

const deviceBytes = 8 * 2 ** 30; // as the reference's 8 GiB BlueStore block file

async function profile(seconds: number, write: boolean, only: number[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ts-bench-osd-prof-'));
  const ts = await startTsCluster({ deviceBytes, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  let s: Sample | undefined;
  try {
    // The profile covers every workload run; the figures quoted are the last one's.
    for (const i of only) s = await runOne(ts, workloads[i]!, seconds);
  } finally {
    await ts.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const runs = only.map((i) => `\`rados ${workloads[i]!.args(seconds).join(' ')}\``).join(', then ');
  const md = `${stamp()}\n\n${runs} against ts-osd under \`node --cpu-prof\`: ${s!.iops.toFixed(0)} IOPS, server CPU ${s!.cpuUs.toFixed(0)} µs/op (profiling slows it down). Profile: ${join(dir, file)}\n\n${profileMarkdown(summarise(join(dir, file)))}\n`;
  console.log(md);
  if (!write) return;
  // A hand-kept "## Before ..." part (an older profile for comparison) survives the rewrite.
  const file2 = join(repoRoot(), 'bench', 'osd-profile.md');
  const old = existsSync(file2) ? readFileSync(file2, 'utf8') : '';
  const kept = old.indexOf('\n## Before');
  writeFileSync(file2, `# ts-osd profile (npm run bench -- osd --profile --write)\n\n${md}${kept >= 0 ? old.slice(kept) : ''}`);
}

async function main(): Promise<void> {
  const o = args();
  if (o.profile) return profile(o.seconds, o.write && o.only.join() === '1', o.only);
  if (process.argv.includes('--size3')) {
    const w = process.argv.indexOf('--warmup');
    const warmupSeconds = w > 0 ? Number(process.argv[w + 1]) : undefined;
    if (warmupSeconds !== undefined && !(warmupSeconds >= 0)) throw new Error(`--warmup needs seconds, got ${process.argv[w + 1]}`);
    return size3Bench('osd', { seconds: process.argv.includes('--seconds') ? o.seconds : 8, modes: ['crc'], write: o.write, warmupSeconds });
  }
  const ts = await startTsCluster({ deviceBytes });
  let ceph: BenchCluster | undefined;
  const res = new Map<string, { ts: Sample[]; ceph: Sample[] }>(workloads.map((w) => [w.name, { ts: [], ceph: [] }]));
  let rss = 0;
  try {
    ceph = await startCephRef();
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? [ts, ceph] : [ceph, ts];
      for (const w of workloads) {
        for (const c of order) {
          const s = await runOne(c, w, o.seconds);
          res.get(w.name)![c === ts ? 'ts' : 'ceph'].push(s);
          console.log(`round ${r + 1} ${c.name} ${w.name}: ${s.iops.toFixed(0)} IOPS, ${s.latencyMs.toFixed(2)} ms, ${s.cpuUs.toFixed(0)} µs CPU/op`);
        }
      }
      rss = Math.max(rss, ts.osdRssBytes());
      for (const c of order) await c.rados(['cleanup']);
    }
  } finally {
    await ts.stop();
    if (ceph) await ceph.stop();
  }
  const rows: BenchRow[] = workloads.map((w) => {
    const r = res.get(w.name)!;
    const a = bestOf(r.ts);
    const b = bestOf(r.ceph);
    const mib = w.bytes >= 1 << 20;
    const fmt = (s: Sample): string => `${s.iops.toFixed(0)} op/s${mib ? ` (${((s.iops * w.bytes) / 2 ** 20).toFixed(0)} MiB/s)` : ''}, ${s.latencyMs.toFixed(2)} ms, ${s.cpuUs.toFixed(0)} µs CPU/op`;
    const note = `IOPS ts ${range(r.ts.map((s) => s.iops))}, Ceph ${range(r.ceph.map((s) => s.iops))}; CPU/op ts ${range(r.ts.map((s) => s.cpuUs))} µs, Ceph ${range(r.ceph.map((s) => s.cpuUs))} µs; CPU/op ratio ${(a.cpuUs / b.cpuUs).toFixed(2)}; best round's CPU/op by daemon: ts-mon ${a.daemonUs[0]!.toFixed(0)} + ts-osd ${a.daemonUs[1]!.toFixed(0)} µs, Ceph mon ${b.daemonUs[0]!.toFixed(0)} + mgr ${b.daemonUs[1]!.toFixed(0)} + osd ${b.daemonUs[2]!.toFixed(0)} µs`;
    console.log(`${w.name}: ts ${fmt(a)}; Ceph ${fmt(b)}`);
    return { workload: w.name, ours: fmt(a), reference: fmt(b), ratio: (a.iops / b.iops).toFixed(2), note };
  });
  console.log(`ts-osd RSS after the run: ${(rss / 2 ** 20).toFixed(0)} MiB`);
  if (!o.write) return;
  writeSection(
    'osd',
    `${stamp()}

The stock \`rados bench\` (Debian 16.2.15) against ts-mon + one ts-osd (native store on an ${deviceBytes / 2 ** 30} GiB file) and against the real reference cluster (\`../shared/ceph-ref/cluster.sh up 1\`: ceph-mon + ceph-mgr + one BlueStore OSD on an 8 GiB file), each with a size-1 pool of ${pgNum} PGs, crc mode, in the same run. \`rados bench ${o.seconds} write -b 4096 -t 1|16 --no-cleanup\`, \`rados bench ${o.seconds} rand -t 16\` (the objects of the 16-in-flight write), \`rados bench ${o.seconds} write -b 4194304 -t 16 --no-cleanup\` and \`rados bench ${o.seconds} seq -t 16\`; \`rados cleanup\` after each round.

${o.rounds} rounds, interleaved (each workload on one cluster, then the other; the order alternates) on a 2-core machine shared with other work: each figure is the best round by IOPS, the note gives the range of all rounds. Latency is rados bench's average. Server CPU per op is user+system time of the server daemons from /proc/<pid>/stat (ts-ceph: ts-mon + ts-osd; Ceph: mon + mgr + osd) over the bench, divided by its ops. The ratio is ts-ceph / Ceph in IOPS (above 1: faster). ts-osd RSS after the run: ${(rss / 2 ** 20).toFixed(0)} MiB.

${table(rows, 'Ceph 16.2.15')}`,
  );
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
