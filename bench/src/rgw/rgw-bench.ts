// bench/rgw: S3 PUT and GET of 4 KiB and 4 MiB objects, 16 clients (one keep-alive connection each,
// SigV4-signed, the body's SHA-256 sent: s3-driver.ts), against ts-rgw and against Debian's radosgw
// 16.2.15, both on one real reference cluster (../shared/ceph-ref: mon + mgr + one BlueStore OSD,
// size-1 pools), in one run; with --ts-ceph also ts-rgw on ts-mon + one ts-osd. Each round runs
// every gateway in turn (the order rotates between rounds, the machine is shared): a fresh bucket,
// PUT 4 KiB for S s (fresh keys), GET 4 KiB of those keys, PUT 4 MiB, GET 4 MiB, then the objects
// and the bucket deleted. Each figure is the best round, with the range in the note.
// Usage: node bench/dist/src/rgw/rgw-bench.js [--write] [--rounds N] [--seconds S] [--ts-ceph] [--small] [--workers N]
//   --small runs the 4 KiB PUT and GET only (a quick before/after figure; not for --write).
//   --baseline DIR adds a second ts-rgw, the build of another checkout DIR (packages/*/dist with its
//   own node_modules/@ts-ceph links), run in turn with ours: a before/after under the same load;
//   --no-radosgw leaves radosgw out (with --baseline: an A/B of two ts-rgw builds only).
//        node bench/dist/src/rgw/rgw-bench.js --profile [--large] [--seconds S]
//   --profile runs ts-rgw (one process, on the reference cluster) under `node --cpu-prof` for the
//   4 KiB PUT and GET only (with --large: the 4 MiB ones) and prints the top functions by self and
//   inclusive time.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CephRef, run, startCephRefCluster } from '@ts-ceph/testkit';
import { BenchRow, stamp, table, writeSection } from '../lib/results';
import { procCpuUs, procRssBytes, startTsCluster } from '../osd/clusters';
import { treeCpuUs, treeRssBytes } from './proc-tree';
import { profileMarkdown, summarise } from '../osd/cpuprofile';
import { clientOf, Gateway, startRealRgw, startTsRgw } from './gateways';
import { closedLoop, mean, pct } from './s3-driver';

const clients = 16;
const workloads = [
  { name: 'PUT 4 KiB', put: true, bytes: 4096, tag: 's' },
  { name: 'GET 4 KiB', put: false, bytes: 4096, tag: 's' },
  { name: 'PUT 4 MiB', put: true, bytes: 4 << 20, tag: 'l' },
  { name: 'GET 4 MiB', put: false, bytes: 4 << 20, tag: 'l' },
] as const;

interface Sample {
  opsPerS: number;
  meanMs: number;
  p99Ms: number;
  /** Gateway CPU (user + system, all threads) per request, µs. */
  gwUs: number;
  /** The cluster's server daemons' CPU per request, µs (what the gateway's RADOS ops cost). */
  clusterUs: number;
  rssBytes: number;
  /** RADOS ops the OSD served per request (ceph-osd's `osd.op` perf counter), when known. */
  osdOps?: number;
  /** The load driver's own CPU per request, µs (it shares the cores with the gateway and cluster). */
  driverUs: number;
}

interface Subject {
  gw: Gateway;
  /** Pids of the cluster daemons under this gateway. */
  clusterPids: () => number[];
  /** ceph-osd's count of ops served so far (the reference cluster only). */
  osdOps?: () => Promise<number>;
}

const bodies = new Map(workloads.filter((w) => w.put).map((w) => {
  // Not all zeros, so nothing on the way can compress it; the same bytes for every PUT.
  const data = Buffer.alloc(w.bytes);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  return [w.bytes, { data, sha256: createHash('sha256').update(data).digest('hex') }];
}));

async function runRound(s: Subject, round: number, seconds: number, only: readonly (typeof workloads)[number][] = workloads): Promise<Map<string, Sample>> {
  const c = clientOf(s.gw, clients);
  const bucket = `bench-${round}-${Date.now().toString(36)}`;
  const out = new Map<string, Sample>();
  const written = new Map<string, number[]>();
  try {
    await c.must('PUT', `/${bucket}`, 200);
    for (const w of only) {
      const key = (cl: number, n: number): string => `/${bucket}/${w.tag}${cl}-${n}`;
      const counts = written.get(w.tag) ?? new Array<number>(clients).fill(0);
      const cpu0 = treeCpuUs(s.gw.pid);
      const cl0 = s.clusterPids().map(procCpuUs);
      const ops0 = await s.osdOps?.();
      const drv0 = process.cpuUsage();
      const st = w.put
        ? await closedLoop(clients, seconds, async (cl, n) => {
            await c.must('PUT', key(cl, n), 200, bodies.get(w.bytes));
            counts[cl] = n + 1;
          })
        : await closedLoop(clients, seconds, async (cl, n) => {
            const got = await c.must('GET', key(cl, n % counts[cl]!), 200);
            if (got !== w.bytes) throw new Error(`${s.gw.target.name}: GET returned ${got} bytes, expected ${w.bytes}`);
          });
      written.set(w.tag, counts);
      const drv = process.cpuUsage(drv0);
      const gwUs = treeCpuUs(s.gw.pid) - cpu0;
      const clusterUs = s.clusterPids().map(procCpuUs).reduce((a, v, i) => a + v - cl0[i]!, 0);
      const osdOps = ops0 === undefined ? undefined : ((await s.osdOps!()) - ops0) / st.ops;
      out.set(w.name, { opsPerS: st.ops / st.seconds, meanMs: mean(st.latMs), p99Ms: pct(st.latMs, 99), gwUs: gwUs / st.ops, clusterUs: clusterUs / st.ops, rssBytes: treeRssBytes(s.gw.pid), osdOps, driverUs: (drv.user + drv.system) / st.ops });
    }
  } finally {
    // Clean up so rounds start alike and the reference OSD's 8 GiB device does not fill.
    for (const [tag, counts] of written) await closedLoop(clients, 3600, (cl, n) => c.must('DELETE', `/${bucket}/${tag}${cl}-${n}`, 204).then(() => undefined), (cl) => counts[cl]!);
    await c.must('DELETE', `/${bucket}`, 204).catch((e: Error) => console.error(e.message));
    c.close();
  }
  return out;
}

function args(): { write: boolean; profile: boolean; rounds: number; seconds: number; tsCeph: boolean; small: boolean; large: boolean; workers: string[]; baseline?: string; radosgw: boolean } {
  const a = process.argv.slice(2);
  const val = (flag: string, d: number): number => (a.includes(flag) ? Number(a[a.indexOf(flag) + 1]) : d);
  // --workers N: ts-rgw's ts_rgw_workers (its default otherwise); --profile runs one process.
  const workers = a.includes('--workers') ? ['--ts-rgw-workers', String(val('--workers', 1))] : [];
  const baseline = a.includes('--baseline') ? a[a.indexOf('--baseline') + 1] : undefined;
  return { write: a.includes('--write'), profile: a.includes('--profile'), rounds: val('--rounds', 2), seconds: val('--seconds', 10), tsCeph: a.includes('--ts-ceph'), small: a.includes('--small'), large: a.includes('--large'), workers, baseline, radosgw: !a.includes('--no-radosgw') };
}

const refPids = (ref: { pid(n: string): number }): (() => number[]) => {
  const p = ['mon.a', 'mgr.x', 'osd.0'].map((n) => ref.pid(n));
  return () => p;
};

/** ceph-osd's `osd.op` counter (every client op it served), from `ceph tell osd.0 perf dump`. */
const refOsdOps = (ref: CephRef) => async (): Promise<number> => {
  const r = await run('ceph', ['-c', ref.conf, '--keyring', ref.keyring, 'tell', 'osd.0', 'perf', 'dump'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`ceph tell osd.0 perf dump: rc ${r.code} ${r.stderr}`);
  return (JSON.parse(r.stdout) as { osd: { op: number } }).osd.op;
};

async function profile(seconds: number, large: boolean): Promise<void> {
  const ref = await startCephRefCluster({ dir: `/tmp/ts-bench-rgw-ref-${process.pid}`, pgNum: 32, size: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'ts-bench-rgw-prof-'));
  let s: Map<string, Sample> | undefined;
  try {
    const gw = await startTsRgw('ts-rgw', ref, ['--cpu-prof', '--cpu-prof-dir', dir], ['--ts-rgw-workers', '1']);
    try {
      s = await runRound({ gw, clusterPids: refPids(ref), osdOps: refOsdOps(ref) }, 0, seconds, large ? workloads.slice(2) : workloads.slice(0, 2));
    } finally {
      await gw.stop();
    }
  } finally {
    await ref.down();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  for (const [n, v] of s) console.log(`${n}: ${v.opsPerS.toFixed(0)} obj/s, gateway ${v.gwUs.toFixed(0)} µs CPU/req${osdOpsText(v)} (under the profiler)`);
  console.log(`Profile: ${join(dir, file)}\n\n${profileMarkdown(summarise(join(dir, file)), "ts-rgw's main thread")}`);
}

const osdOpsText = (v: Sample): string => (v.osdOps === undefined ? '' : `, ${v.osdOps.toFixed(2)} OSD ops/req`);
const range = (v: number[]): string => (v.length > 1 ? `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}` : v[0]!.toFixed(0));
const best = (v: Sample[]): Sample => v.reduce((a, b) => (b.opsPerS > a.opsPerS ? b : a));
const fmt = (s: Sample, bytes: number): string =>
  `${s.opsPerS.toFixed(0)} obj/s${bytes >= 1 << 20 ? ` (${((s.opsPerS * bytes) / 2 ** 20).toFixed(0)} MiB/s)` : ''}, ${s.meanMs.toFixed(1)} ms mean, ${s.p99Ms.toFixed(1)} ms p99, ${s.gwUs.toFixed(0)} µs gateway CPU/req`;

const baselineName = 'ts-rgw (baseline)';

/** Each subject's figures side by side (an A/B run: --baseline or --no-radosgw); nothing is written. */
function abSummary(res: Map<string, Map<string, Sample[]>>, only: readonly (typeof workloads)[number][]): void {
  for (const w of only) {
    for (const [name, byWorkload] of res) {
      const v = byWorkload.get(w.name)!;
      const cpu = (f: (s: Sample) => number): string => v.map((s) => f(s).toFixed(0)).join(', ');
      const ops = v.map((s) => s.osdOps?.toFixed(2) ?? '?').join(', ');
      console.log(`${w.name} ${name}: obj/s ${range(v.map((s) => s.opsPerS))}; gateway µs/req ${cpu((s) => s.gwUs)}; cluster µs/req ${cpu((s) => s.clusterUs)}; driver µs/req ${cpu((s) => s.driverUs)}; OSD ops/req ${ops}`);
    }
  }
}

async function main(): Promise<void> {
  const o = args();
  if (o.profile) return profile(o.seconds, o.large);
  // The section's table has a row per workload: a partial run must not replace it.
  if (o.small && o.write) throw new Error('--small and --write do not go together');
  if (o.write && (o.baseline !== undefined || !o.radosgw)) throw new Error('--write needs radosgw and no --baseline');
  const only = o.small ? workloads.slice(0, 2) : workloads;
  const load0 = loadavg()[0]!;
  const ref = await startCephRefCluster({ dir: `/tmp/ts-bench-rgw-ref-${process.pid}`, pgNum: 32, size: 1 });
  const stops: (() => Promise<void>)[] = [() => ref.down()];
  const subjects: Subject[] = [];
  const res = new Map<string, Map<string, Sample[]>>();
  const onRef = (gw: Gateway): Subject => ({ gw, clusterPids: refPids(ref), osdOps: refOsdOps(ref) });
  try {
    const ours = await startTsRgw('ts-rgw', ref, [], o.workers);
    stops.unshift(ours.stop);
    subjects.push(onRef(ours));
    if (o.baseline !== undefined) {
      const base = await startTsRgw(baselineName, ref, [], o.workers, o.baseline);
      stops.unshift(base.stop);
      subjects.push(onRef(base));
    }
    if (o.radosgw) {
      const real = await startRealRgw(ref);
      stops.unshift(real.stop);
      subjects.push(onRef(real));
    }
    if (o.tsCeph) {
      const ts = await startTsCluster({ deviceBytes: 8 * 2 ** 30 });
      stops.unshift(ts.stop);
      const gw = await startTsRgw('ts-rgw on ts-ceph', { conf: ts.conf, keyring: ts.keyring }, [], o.workers);
      stops.unshift(gw.stop);
      subjects.push({ gw, clusterPids: ts.pids });
    }
    for (const s of subjects) res.set(s.gw.target.name, new Map(only.map((w) => [w.name, []])));
    for (let r = 0; r < o.rounds; r++) {
      const order = subjects.map((_, i) => subjects[(i + r) % subjects.length]!);
      for (const s of order) {
        for (const [w, v] of await runRound(s, r, o.seconds, only)) {
          res.get(s.gw.target.name)!.get(w)!.push(v);
          console.log(`round ${r + 1} ${s.gw.target.name} ${w}: ${fmt(v, workloads.find((x) => x.name === w)!.bytes)}, cluster ${v.clusterUs.toFixed(0)} µs CPU/req, driver ${v.driverUs.toFixed(0)} µs CPU/req${osdOpsText(v)} (load ${loadavg()[0]!.toFixed(1)})`);
        }
      }
    }
  } finally {
    for (const stop of stops) await stop().catch((e: Error) => console.error(e.message));
  }
  if (!o.radosgw || o.baseline !== undefined) return abSummary(res, only);
  const ours = res.get('ts-rgw');
  const real = res.get('radosgw 16.2.15');
  const onTs = res.get('ts-rgw on ts-ceph');
  const rows: BenchRow[] = only.map((w) => {
    const a = ours!.get(w.name)!;
    const b = real!.get(w.name)!;
    const x = onTs?.get(w.name);
    const note = [
      `obj/s ts-rgw ${range(a.map((s) => s.opsPerS))}, radosgw ${range(b.map((s) => s.opsPerS))}`,
      `cluster CPU/req ts-rgw ${best(a).clusterUs.toFixed(0)} µs, radosgw ${best(b).clusterUs.toFixed(0)} µs`,
      `OSD ops/req ts-rgw ${best(a).osdOps?.toFixed(2)}, radosgw ${best(b).osdOps?.toFixed(2)}`,
      `gateway RSS ts-rgw ${(Math.max(...a.map((s) => s.rssBytes)) / 2 ** 20).toFixed(0)} MiB, radosgw ${(Math.max(...b.map((s) => s.rssBytes)) / 2 ** 20).toFixed(0)} MiB`,
      ...(x ? [`ts-rgw on ts-ceph: ${fmt(best(x), w.bytes)}, ts-mon + ts-osd ${best(x).clusterUs.toFixed(0)} µs CPU/req`] : []),
    ].join('; ');
    return { workload: w.name, ours: fmt(best(a), w.bytes), reference: fmt(best(b), w.bytes), ratio: (best(a).opsPerS / best(b).opsPerS).toFixed(2), note };
  });
  const load = `load average (1 min) ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
  for (const r of rows) console.log(`${r.workload}: ts-rgw ${r.ours}; radosgw ${r.reference}; ratio ${r.ratio}; ${r.note}`);
  if (!o.write) return;
  writeSection(
    'rgw',
    `${stamp()}

\`npm run bench -- rgw --write --rounds ${o.rounds} --seconds ${o.seconds}${o.tsCeph ? ' --ts-ceph' : ''}\`: ts-rgw and Debian's radosgw 16.2.15 (beast frontend, default settings) on the same real reference cluster (\`../shared/ceph-ref/cluster.sh up 1\`: ceph-mon + ceph-mgr + one BlueStore OSD on an 8 GiB file, size-1 pools), in one run. ${clients} clients, each one keep-alive HTTP/1.1 connection with one request at a time, SigV4 in the Authorization header with the body's SHA-256 (bench/src/rgw/s3-driver.ts, the same driver for both). Per round and gateway: a new bucket, PUT 4 KiB objects under fresh keys for ${o.seconds} s, GET those keys for ${o.seconds} s, the same with 4 MiB objects, then everything deleted. ${o.rounds} rounds, the gateway order rotating; the figure is the best round by objects/s, the note has the range. Latency is per request (mean, 99th percentile). Gateway CPU per request is the gateway process's user + system time (/proc/<pid>/stat, all threads) over the workload divided by its requests; cluster CPU per request is the same for ceph-mon + ceph-mgr + ceph-osd (what the gateway's RADOS traffic costs); RSS is the gateway's largest VmRSS after a workload. The driver runs on the same cores as everything else (${load}). The ratio is ts-rgw / radosgw in objects/s.

${table(rows, 'radosgw 16.2.15').replace('| ts-ceph |', '| ts-rgw |')}`,
  );
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
