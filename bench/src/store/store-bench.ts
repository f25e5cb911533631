// bench/store: 4 KiB random write/read at QD1 and QD32 and 1 MiB sequential write/read through the
// native store on a file-backed device, beside fio (io_uring, O_DIRECT) on the same file in the same
// run, with and without encryption. Several runs, interleaved (store, fio, encrypted store), because
// the machine is shared: each figure is the best run, with the range of all runs. Writes the
// "store" section of bench/RESULTS.md.
// Usage: node bench/dist/src/store/store-bench.js [seconds per workload, default 3] [runs, default 3]
//        node bench/dist/src/store/store-bench.js commit [seconds] [--filled]  (commit-path.ts; prints, writes nothing)
//        node bench/dist/src/store/store-bench.js durable [rounds] [--file F]  (durable-write.ts; prints, writes nothing)
//        node bench/dist/src/store/store-bench.js txn [seconds]  (txn-cost.ts; prints, writes nothing)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '@ts-ceph/objectstore';
import { BenchRow, stamp, table, writeSection } from '../lib/results';
import { commitPathBench } from './commit-path';
import { durableWriteBench } from './durable-write';
import { txnCostBench } from './txn-cost';

const deviceBytes = 1 << 30;
const objectBytes = 4 * 1024 * 1024;
const objects = 64; // 256 MiB working set
const C = collPG(1, 0);
const obj = (i: number) => ghobject({ pool: 1, name: `rbd_data.bench.${i.toString(16).padStart(16, '0')}`, hash: Math.imul(i, 2654435761) >>> 0 });

interface Workload {
  name: string;
  rw: 'randwrite' | 'randread' | 'write' | 'read';
  bs: number;
  qd: number;
}

const workloads: Workload[] = [
  { name: '4k randwrite QD1', rw: 'randwrite', bs: 4096, qd: 1 },
  { name: '4k randwrite QD32', rw: 'randwrite', bs: 4096, qd: 32 },
  { name: '4k randread QD1', rw: 'randread', bs: 4096, qd: 1 },
  { name: '4k randread QD32', rw: 'randread', bs: 4096, qd: 32 },
  { name: '1M seq write QD4', rw: 'write', bs: 1 << 20, qd: 4 },
  { name: '1M seq read QD4', rw: 'read', bs: 1 << 20, qd: 4 },
];

interface Sample {
  opsPerS: number;
  /** Process CPU (all threads: JS, libuv, LevelDB, io_uring workers) per op, microseconds. */
  cpuUs: number;
}

async function runStore(store: NativeStore, w: Workload, seconds: number): Promise<Sample> {
  const data = randomBytes(w.bs);
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  let seq = 0;
  const per = objectBytes / w.bs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const n = w.rw.startsWith('rand') ? Math.floor(Math.random() * objects * per) : seq++ % (objects * per);
      const o = obj(Math.floor(n / per));
      const off = (n % per) * w.bs;
      if (w.rw.endsWith('write')) await store.queueTransaction(new Transaction().write(C, o, off, data));
      else await store.read(C, o, off, w.bs);
      ops++;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: w.qd }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { opsPerS: ops / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / ops };
}

function fio(file: string, args: string[]): { read: number; write: number } {
  const out = execFileSync('fio', ['--name=raw', `--filename=${file}`, '--ioengine=io_uring', '--direct=1', '--offset=512M', '--size=256M', '--output-format=json', ...args], { encoding: 'utf8' });
  const j = JSON.parse(out) as { jobs: { read: { iops: number }; write: { iops: number } }[] };
  return j.jobs.reduce((s, x) => ({ read: s.read + x.read.iops, write: s.write + x.write.iops }), { read: 0, write: 0 });
}

/** fio as the issue states it: io_uring, O_DIRECT, `qd` in flight, nothing synced. */
function runFio(file: string, w: Workload, seconds: number): number {
  const r = fio(file, [`--rw=${w.rw}`, `--bs=${w.bs}`, `--iodepth=${w.qd}`, `--runtime=${seconds}`, '--time_based']);
  return w.rw.endsWith('write') ? r.write : r.read;
}

/**
 * Raw writes with the store's guarantee (acknowledged = durable): `qd` jobs, each writing one block
 * and then fdatasync before its next write. (fio's --fdatasync with iodepth > 1 queues the flush
 * beside the writes instead of after them, so it would not be the same guarantee.)
 */
function runFioDurable(file: string, w: Workload, seconds: number): number {
  return fio(file, [`--rw=${w.rw}`, `--bs=${w.bs}`, '--iodepth=1', `--numjobs=${w.qd}`, '--group_reporting', '--fdatasync=1', `--runtime=${seconds}`, '--time_based']).write;
}

async function openStore(dir: string, encrypt: boolean): Promise<NativeStore> {
  const path = join(dir, encrypt ? 'enc' : 'plain');
  // The device file is written in full first, as fio's range is: neither side then pays for
  // file-system block allocation, and no read is answered from a hole.
  mkdirSync(path, { recursive: true });
  execFileSync('fio', ['--name=fill', `--filename=${join(path, 'block')}`, '--ioengine=io_uring', '--direct=1', '--rw=write', '--bs=1M', '--iodepth=4', `--size=${deviceBytes}`, '--output-format=json'], { encoding: 'utf8' });
  const s = new NativeStore({ path, deviceBytes, encrypt, ...(encrypt ? { passphrase: Buffer.from('bench-key') } : {}) });
  await s.mkfs();
  await s.mount();
  await s.queueTransaction(new Transaction().createCollection(C));
  // Prefill: every object written in full, so random writes are overwrites and reads hit data.
  const fill = randomBytes(1 << 20);
  for (let i = 0; i < objects; i++) {
    const tx = new Transaction();
    for (let off = 0; off < objectBytes; off += fill.length) tx.write(C, obj(i), off, fill);
    await s.queueTransaction(tx);
  }
  return s;
}

interface Results {
  plain: Sample[];
  enc: Sample[];
  fio: number[];
  durable: number[];
}

const best = (v: number[]): number => Math.max(...v);
const range = (v: number[], f: (x: number) => string): string => (v.length > 1 ? `${f(Math.min(...v))}–${f(Math.max(...v))}` : f(v[0]!));

async function oneRun(dir: string, seconds: number, results: Map<string, Results>): Promise<void> {
  const plain = await openStore(dir, false);
  for (const w of workloads) results.get(w.name)!.plain.push(await runStore(plain, w, seconds));
  const file = plain.blockPath;
  await plain.umount();
  for (const w of workloads) {
    results.get(w.name)!.fio.push(runFio(file, w, seconds));
    if (w.rw.endsWith('write')) results.get(w.name)!.durable.push(runFioDurable(file, w, seconds));
  }
  const enc = await openStore(dir, true);
  for (const w of workloads) results.get(w.name)!.enc.push(await runStore(enc, w, seconds));
  await enc.umount();
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const runs = Number(process.argv[3] ?? 3);
  const results = new Map<string, Results>(workloads.map((w) => [w.name, { plain: [], enc: [], fio: [], durable: [] }]));
  for (let r = 0; r < runs; r++) {
    const dir = tempDir('ts-bench-store-');
    try {
      await oneRun(dir.path, seconds, results);
    } finally {
      dir.cleanup();
    }
    console.log(`run ${r + 1}/${runs} done`);
  }
  const rows: BenchRow[] = [];
  for (const w of workloads) {
    const r = results.get(w.name)!;
    const mib = w.bs >= 1 << 20;
    const unit = (v: number): string => (mib ? `${((v * w.bs) / 2 ** 20).toFixed(0)} MiB/s` : `${v.toFixed(0)} IOPS`);
    const num = (v: number): string => (mib ? ((v * w.bs) / 2 ** 20).toFixed(0) : v.toFixed(0));
    const plain = r.plain.map((s) => s.opsPerS);
    const enc = r.enc.map((s) => s.opsPerS);
    const cost = ((best(plain) - best(enc)) / best(plain)) * 100;
    const cpu = Math.min(...r.plain.map((s) => s.cpuUs));
    const notes = [`runs ${range(plain, num)}; fio ${range(r.fio, num)}`];
    if (r.durable.length) notes.push(`fio write+fdatasync per I/O (${w.qd} job${w.qd > 1 ? 's' : ''}): ${unit(best(r.durable))}, ratio ${(best(plain) / best(r.durable)).toFixed(2)}`);
    notes.push(`encrypted: ${unit(best(enc))} (${cost.toFixed(0)} % cost; runs ${range(enc, num)})`);
    notes.push(`store CPU ${cpu.toFixed(0)} µs/op`);
    rows.push({ workload: w.name, ours: unit(best(plain)), reference: unit(best(r.fio)), ratio: (best(plain) / best(r.fio)).toFixed(2), note: notes.join('; ') });
    console.log(`${w.name}: store ${unit(best(plain))}, encrypted ${unit(best(enc))}, fio ${unit(best(r.fio))}${r.durable.length ? `, fio durable ${unit(best(r.durable))}` : ''}`);
  }
  writeSection(
    'store',
    `${stamp()}

The native ObjectStore (\`packages/objectstore\`: io_uring, O_DIRECT, crc32c per 4 KiB block, an on-device journal with group commit) on a 1 GiB file on ext4, 64 objects of 4 MiB prefilled. Reference: \`fio --ioengine=io_uring --direct=1\` on the same file (a 256 MiB range past the store's data), in the same run. The device file is written in full before mkfs, so neither side pays for file-system block allocation or reads holes.

What is compared: fio acknowledges a write when the kernel has it, without any flush: a crash or power loss can lose it. The store acknowledges a transaction only when it is durable (its journal record and new blocks written, then the device flushed; the data checksummed, and encrypted in the encrypted runs). The headline ratio is against fio as the issue states it; the note also gives raw writes with the store's guarantee (each write followed by fdatasync before the next, as many jobs as the queue depth).

${runs} runs of ${seconds} s per workload, interleaved (store, fio, encrypted store) on a 2-core machine shared with other work: each figure is the best run, the note gives the range of all runs. Store CPU is the whole process (JS, libuv, LevelDB, io_uring workers) per op, in the best run for CPU.

${table(rows, 'fio io_uring direct')}`,
  );
}

const sub: Record<string, (args: string[]) => Promise<void>> = { commit: commitPathBench, durable: durableWriteBench, txn: txnCostBench };
(sub[process.argv[2] ?? ''] ? sub[process.argv[2]!]!(process.argv.slice(3)) : main()).catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
