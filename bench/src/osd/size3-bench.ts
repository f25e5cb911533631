// `npm run bench -- osd --size3` and `npm run bench -- rbd --size3`: ts-ceph bootstrapped with three
// ts-osd against the real reference cluster with three OSDs, both size 3 (clusters3.ts), one after
// the other in the same run. osd (issue 12 acceptance 6): fio's rados engine, 4 KiB random writes
// with 1 and 32 in flight over 16 objects, and `rados bench` 4 KiB writes with 16 in flight, in crc
// mode. rbd (issue 13 acceptance 7): fio's rbd engine on a filled image, 4 KiB random writes QD1 and
// QD32, 4 KiB random reads QD32, 1 MiB sequential writes and reads QD4, in crc and secure mode.
// Every workload is time-based (a few seconds); server CPU per op is the CPU time of every server
// daemon (from /proc/<pid>/stat) over the run divided by the client's ops; RSS is each daemon's
// after the runs.
import { readFileSync } from 'node:fs';
import { run } from '@ts-ceph/testkit';
import { BenchRow, stamp, table, writeSection } from '../lib/results';
import { procCpuUs } from './clusters';
import { Cluster3, Mode, rssOf, startCephRef3, startTsCluster3 } from './clusters3';

export type Size3Kind = 'osd' | 'rbd';

interface Workload {
  name: string;
  /** fio arguments past the engine's, or a `rados bench` command line (`rados: true`). */
  args: string[];
  rados?: boolean;
  big?: boolean;
}

const rbdImageBytes = 128 << 20;
const workloads: Record<Size3Kind, Workload[]> = {
  osd: [
    { name: '4 KiB random write, QD1 (fio rados)', args: ['--rw=randwrite', '--bs=4k', '--iodepth=1'] },
    { name: '4 KiB random write, QD32 (fio rados)', args: ['--rw=randwrite', '--bs=4k', '--iodepth=32'] },
    { name: '4 KiB write, 16 in flight (rados bench)', args: ['write', '-b', '4096', '-t', '16'], rados: true },
  ],
  rbd: [
    { name: '4 KiB random write, QD1', args: ['--rw=randwrite', '--bs=4k', '--iodepth=1'] },
    { name: '4 KiB random write, QD32', args: ['--rw=randwrite', '--bs=4k', '--iodepth=32'] },
    { name: '4 KiB random read, QD32', args: ['--rw=randread', '--bs=4k', '--iodepth=32'] },
    { name: '1 MiB write, QD4', args: ['--rw=write', '--bs=1m', '--iodepth=4'], big: true },
    { name: '1 MiB read, QD4', args: ['--rw=read', '--bs=1m', '--iodepth=4'], big: true },
  ],
};

interface Sample {
  iops: number;
  latencyMs: number;
  /** Server CPU (every daemon, every thread) per op, µs. */
  cpuUs: number;
  /** The same per daemon, in the order of Cluster3.daemons(). */
  daemonUs: number[];
}

interface ClusterRun {
  names: string[];
  samples: Sample[];
  rss: Map<string, number>;
  load: number[];
}

interface FioSide {
  iops: number;
  total_ios: number;
  clat_ns: { mean: number };
}

/** fio with the cluster's conf; `engine` rados (16 objects of 4 MiB) or rbd (image `bench`). */
async function fio(c: Cluster3, kind: Size3Kind, args: string[], timeoutMs: number, name = 'bench'): Promise<FioSide> {
  const target = kind === 'osd' ? ['--ioengine=rados', `--conf=${c.conf}`, '--size=64M', '--nrfiles=16'] : ['--ioengine=rbd', '--rbdname=bench', `--size=${rbdImageBytes}`];
  const all = [...target, '--clientname=admin', `--pool=${c.pool}`, `--name=${name}`, '--output-format=json', '--eta=never', ...args];
  const r = await run('fio', all, { env: { ...process.env, CEPH_CONF: c.conf, CEPH_KEYRING: c.keyring }, timeoutMs });
  const json = r.stdout.indexOf('{');
  if (r.code !== 0 || json < 0) throw new Error(`${c.name}: fio ${all.join(' ')}: rc ${r.code}\n${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
  const j = (JSON.parse(r.stdout.slice(json)) as { jobs: { error: number; write: FioSide; read: FioSide }[] }).jobs[0]!;
  if (j.error !== 0) throw new Error(`${c.name}: fio ${all.join(' ')}: error ${j.error}`);
  return j.write.total_ios > 0 ? j.write : j.read;
}

/** rados bench's summary as a fio side: "Average IOPS:", "Average Latency(s):", "Total writes made:". */
async function radosBench(c: Cluster3, args: string[], seconds: number): Promise<FioSide> {
  const r = await c.rados(['bench', String(seconds), ...args, '--no-cleanup'], (seconds + 120) * 1000);
  const num = (re: RegExp): number => Number(re.exec(r.stdout)?.[1] ?? NaN);
  const s = { iops: num(/Average IOPS:\s+([\d.]+)/), total_ios: num(/Total writes made:\s+(\d+)/), clat_ns: { mean: num(/Average Latency\(s\):\s+([\d.e-]+)/) * 1e9 } };
  if (r.code !== 0 || Number.isNaN(s.iops + s.total_ios)) throw new Error(`${c.name}: rados bench: rc ${r.code}\n${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
  return s;
}

async function runOne(c: Cluster3, kind: Size3Kind, w: Workload, seconds: number): Promise<Sample> {
  const cpu0 = c.pids().map(procCpuUs);
  const side = w.rados ? await radosBench(c, w.args, seconds) : await fio(c, kind, [...w.args, '--time_based', `--runtime=${seconds}`, '--ramp_time=1'], (seconds + 120) * 1000);
  const ops = Math.max(1, side.total_ios);
  const daemonUs = c.pids().map((p, i) => (procCpuUs(p) - cpu0[i]!) / ops);
  // The CPU window includes fio's ramp second, whose I/Os it does not count: a small
  // overstatement, the same for both clusters.
  return { iops: side.iops, latencyMs: side.clat_ns.mean / 1e6, cpuUs: daemonUs.reduce((a, b) => a + b, 0), daemonUs };
}

async function prepareRbd(c: Cluster3): Promise<void> {
  const mk = await run('rbd', ['-c', c.conf, '-p', c.pool, 'create', '--size', `${rbdImageBytes >> 20}M`, 'bench'], { env: { ...process.env, CEPH_KEYRING: c.keyring }, timeoutMs: 120_000 });
  if (mk.code !== 0) throw new Error(`${c.name}: rbd create: ${mk.stderr}`);
  await fio(c, 'rbd', ['--rw=write', '--bs=4m', '--iodepth=8'], 300_000);
  await new Promise((res) => setTimeout(res, 3000));
}

/**
 * Writes to objects of their own (fio job `warmup`) before the measured workloads, on both
 * clusters: a ts-osd just started runs its write path in V8's interpreter and spends CPU compiling
 * it, so the first workload measured the warm-up (fio rados QD1 on a fresh start, then again at
 * once: 29 then 45 IOPS at load 17). A running cluster is warm; the rbd runs warm up by filling
 * the image. V8 was still compiling the OSDs' hot functions 30-60 s into a steady write load
 * (bench/osd-profile.md, "Recompile storms"), so 5 s measured part of the warm-up: the default is
 * defaultWarmupSeconds.
 */
async function warmUp(c: Cluster3, seconds: number): Promise<void> {
  if (seconds > 0) await fio(c, 'osd', ['--rw=randwrite', '--bs=4k', '--iodepth=16', '--time_based', `--runtime=${seconds}`], (seconds + 120) * 1000, 'warmup');
}

/** The warm-up of `npm run bench -- osd --size3` unless `--warmup S` says otherwise. */
export const defaultWarmupSeconds = 30;

const loadavg = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

async function runCluster(start: () => Promise<Cluster3>, kind: Size3Kind, o: Size3Options, label: string, chosen: Workload[]): Promise<ClusterRun> {
  const seconds = o.seconds;
  const c = await start();
  try {
    if (kind === 'rbd') await prepareRbd(c);
    else await warmUp(c, o.warmupSeconds ?? defaultWarmupSeconds);
    const samples: Sample[] = [];
    const load: number[] = [];
    for (const w of chosen) {
      const s = await runOne(c, kind, w, seconds);
      samples.push(s);
      load.push(loadavg());
      console.log(`${label} ${w.name}: ${s.iops.toFixed(0)} IOPS, ${s.latencyMs.toFixed(2)} ms, ${s.cpuUs.toFixed(0)} µs CPU/op (${byDaemon(c, s)}; load ${load[load.length - 1]})`);
    }
    return { samples, rss: rssOf(c), load, names: c.daemons().map((d) => d.name) };
  } finally {
    await c.stop();
  }
}

const byDaemon = (c: { names: string[] } | Cluster3, s: Sample): string => {
  const names = 'names' in c ? c.names : c.daemons().map((d) => d.name);
  return names.map((n, i) => `${n} ${s.daemonUs[i]!.toFixed(0)}`).join(' + ');
};
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const rssText = (r: ClusterRun): string => {
  const total = [...r.rss.values()].reduce((a, b) => a + b, 0);
  return `${[...r.rss].map(([n, b]) => `${n} ${mib(b)}`).join(', ')} (total ${mib(total)})`;
};
const totalRss = (r: ClusterRun): number => [...r.rss.values()].reduce((a, b) => a + b, 0);

function rows(chosen: Workload[], kind: Size3Kind, ts: Map<Mode, ClusterRun>, ceph: Map<Mode, ClusterRun>, modes: Mode[]): BenchRow[] {
  const out: BenchRow[] = [];
  for (const mode of modes) {
    chosen.forEach((w, i) => {
      const a = ts.get(mode)!.samples[i]!;
      const b = ceph.get(mode)!.samples[i]!;
      const fmt = (s: Sample): string => `${s.iops.toFixed(0)} IOPS${w.big ? ` (${s.iops.toFixed(0)} MiB/s)` : ''}, ${s.latencyMs.toFixed(2)} ms, ${s.cpuUs.toFixed(0)} µs CPU/op`;
      let note = `CPU/op ratio ${(a.cpuUs / b.cpuUs).toFixed(2)}; µs by daemon: ts ${byDaemon(ts.get(mode)!, a)}, Ceph ${byDaemon(ceph.get(mode)!, b)}; load ${ts.get(mode)!.load[i]} / ${ceph.get(mode)!.load[i]}`;
      if (mode === 'secure' && ts.has('crc') && ceph.has('crc')) {
        const cost = (m: Map<Mode, ClusterRun>): string => `${((1 - m.get('secure')!.samples[i]!.iops / m.get('crc')!.samples[i]!.iops) * 100).toFixed(0)} %`;
        note += `; secure costs ts ${cost(ts)}, Ceph ${cost(ceph)} of the crc IOPS`;
      }
      out.push({ workload: kind === 'rbd' ? `${w.name}, ${mode}` : w.name, ours: fmt(a), reference: fmt(b), ratio: (a.iops / b.iops).toFixed(2), note });
    });
  }
  return out;
}

const describe: Record<Size3Kind, (s: number, warmup: number) => string> = {
  osd: (s, warmup) => `fio's rados engine (Debian's fio, librados 16.2.15; 16 objects of 4 MiB, \`--time_based --runtime=${s} --ramp_time=1\`, after ${warmup} s of 4 KiB writes at QD16 to other objects to warm both clusters up) and \`rados bench ${s} write -b 4096 -t 16\``,
  rbd: (s) => `fio's rbd engine (Debian's fio, librbd 16.2.15) on a ${mib(rbdImageBytes)} image with the default features, filled first with 4 MiB writes (\`--time_based --runtime=${s} --ramp_time=1\`)`,
};

export interface Size3Options {
  seconds: number;
  modes: Mode[];
  write: boolean;
  /** Only the workloads whose name contains one of these (all when absent). */
  only?: string[];
  /** Run ts-ceph only (no reference cluster, no table: the per-workload lines are the result). */
  tsOnly?: boolean;
  /** Seconds of 4 KiB writes before the measured rados workloads (defaultWarmupSeconds). */
  warmupSeconds?: number;
}

/** The size-3 comparison of `kind`; with `write`, its section ("osd size 3" / "rbd size 3") of bench/RESULTS.md. */
export async function size3Bench(kind: Size3Kind, o: Size3Options): Promise<void> {
  const chosen = workloads[kind].filter((w) => !o.only || o.only.some((s) => w.name.includes(s)));
  if (!chosen.length) throw new Error(`--only ${o.only?.join(',')} matches none of: ${workloads[kind].map((w) => w.name).join('; ')}`);
  // A subset or one side is a measurement aid; only the whole comparison is written to RESULTS.md.
  if (o.write && (o.tsOnly || chosen.length !== workloads[kind].length)) throw new Error('--write needs every workload on both clusters');
  const ts = new Map<Mode, ClusterRun>();
  const ceph = new Map<Mode, ClusterRun>();
  for (const mode of o.modes) {
    ts.set(mode, await runCluster(() => startTsCluster3(mode), kind, o, `ts-ceph ${mode}`, chosen));
    if (!o.tsOnly) ceph.set(mode, await runCluster(() => startCephRef3(mode), kind, o, `Ceph ${mode}`, chosen));
  }
  if (o.tsOnly) return;
  const rss = o.modes.map((m) => `${m}: ts-ceph ${rssText(ts.get(m)!)}; Ceph ${rssText(ceph.get(m)!)}; ratio ${(totalRss(ts.get(m)!) / totalRss(ceph.get(m)!)).toFixed(2)}`).join('. ');
  const body = `${stamp()}

${describe[kind](o.seconds, o.warmupSeconds ?? defaultWarmupSeconds)}, against \`ts-ceph bootstrap --osds 3\` (ts-mon with the mgr role, three ts-osd on 4 GiB file-backed devices, pool \`bench\` of 32 PGs, size 3 / min_size 2) and against the real reference cluster (\`../shared/ceph-ref/cluster.sh up 3 MODE\`: ceph-mon, ceph-mgr, three BlueStore OSDs on 8 GiB files, pool \`bench\` of 32 PGs, size 3), one cluster after the other in the same run, in ${o.modes.join(' and ')} mode (every ms_*_mode option of the conf, clients included). One run per workload on a 2-core machine shared with other engineers' builds and tests (the note gives the 1-minute load average after the run, ts / Ceph): read the figures as rough. Latency is the client's mean completion latency. Server CPU per op is user+system time of every server daemon from /proc/<pid>/stat (ts-ceph: ts-mon + 3 ts-osd; Ceph: mon + mgr + 3 OSDs) over the run, divided by the client's ops. The ratio is ts-ceph / Ceph in IOPS (above 1: faster). RSS of every daemon after the runs: ${rss}.

${table(rows(chosen, kind, ts, ceph, o.modes), 'Ceph 16.2.15, 3 OSDs')}`;
  console.log(body);
  if (o.write) writeSection(`${kind} size 3`, body);
}
