// bench/store commit: the native store's small-write commit path, alone. 4 KiB writes that
// allocate (a fresh object per write, as rados bench and new rbd data objects do; a never-written
// block of a sparse object, as fio rados does) and, for comparison, overwrites, at QD1 and QD32,
// each in a transaction shaped like ts-osd's (the data, the object_info xattr and a PG log entry
// in the pgmeta object's omap). Reported per op: latency, process CPU, device writes and flushes.
// The device is made as `ts-ceph bootstrap` makes it (a sparse file); `--filled` writes it in
// full first, to show what file-system block allocation costs; `--no-fill` turns off the store's
// zero-filling of free space ahead of its allocator (space-fill.ts).
// Usage: npm run bench -- store commit [seconds per workload, default 3] [--filled] [--no-fill]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, GHObject, NativeStore, Transaction } from '@ts-ceph/objectstore';

/** As ts-ceph bootstrap makes an OSD's device (packages/cli, ts_osd_device_bytes). */
const deviceBytes = 4 * 1024 ** 3;
const objectBytes = 4 * 1024 * 1024;
const blockBytes = 4096;
const sparseObjects = 64;
const C = collPG(1, 0);
const pgmeta = ghobject({ pool: 1, name: '', hash: 0 });
const obj = (prefix: string, i: number): GHObject => ghobject({ pool: 1, name: `${prefix}.${i.toString(16).padStart(16, '0')}`, hash: Math.imul(i + 1, 2654435761) >>> 0 });

type Kind = 'fresh object' | 'sparse hole' | 'overwrite';
interface Workload {
  kind: Kind;
  qd: number;
}

const workloads: Workload[] = [
  { kind: 'fresh object', qd: 1 },
  { kind: 'fresh object', qd: 32 },
  { kind: 'sparse hole', qd: 1 },
  { kind: 'sparse hole', qd: 32 },
  { kind: 'overwrite', qd: 1 },
  { kind: 'overwrite', qd: 32 },
];

interface Row {
  name: string;
  ops: number;
  iops: number;
  latMs: number;
  cpuUs: number;
  writesPerOp: number;
  flushesPerOp: number;
}

/** Block indices of the sparse objects in a fixed random order, so every write lands in a hole. */
function holeOrder(): number[] {
  const n = sparseObjects * (objectBytes / blockBytes);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** One transaction as ts-osd issues it for a 4 KiB write: data, object_info, a PG log entry. */
function osdTxn(o: GHObject, off: number, data: Buffer, attr: Buffer, logKey: string, logEntry: Buffer): Transaction {
  return new Transaction().write(C, o, off, data).setattrs(C, o, new Map([['_', attr]])).omapSetKeys(C, pgmeta, new Map([[logKey, logEntry]]));
}

/** Where the workloads write: the holes left, the blocks written so far, the next fresh object. */
interface Targets {
  holes: number[];
  written: number[];
  fresh: number;
}

async function run(store: NativeStore, w: Workload, seconds: number, at: Targets): Promise<Row> {
  const data = randomBytes(blockBytes);
  const attr = randomBytes(250);
  const entry = randomBytes(180);
  const perObject = objectBytes / blockBytes;
  const counts = store.io.dev.counts;
  const w0 = counts.writes;
  const f0 = counts.flushes;
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  let latSum = 0;
  let logSeq = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      let o: GHObject;
      let off: number;
      if (w.kind === 'fresh object') {
        o = obj('rb.fresh', at.fresh++);
        off = 0;
      } else {
        // Overwrites go to blocks the hole workload wrote (so they allocate nothing).
        const b = w.kind === 'sparse hole' ? at.holes.pop() : at.written[Math.floor(Math.random() * at.written.length)];
        if (b === undefined) return;
        if (w.kind === 'sparse hole') at.written.push(b);
        o = obj('rb.sparse', Math.floor(b / perObject));
        off = (b % perObject) * blockBytes;
      }
      const t0 = performance.now();
      await store.queueTransaction(osdTxn(o, off, data, attr, `0000000010.${(logSeq++).toString().padStart(20, '0')}`, entry));
      latSum += performance.now() - t0;
      ops++;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: w.qd }, worker));
  const cpu = process.cpuUsage(cpu0);
  const secs = (performance.now() - t0) / 1000;
  return { name: `4k ${w.kind} QD${w.qd}`, ops, iops: ops / secs, latMs: latSum / ops, cpuUs: (cpu.user + cpu.system) / ops, writesPerOp: (counts.writes - w0) / ops, flushesPerOp: (counts.flushes - f0) / ops };
}

async function openStore(path: string, filled: boolean, spaceFill: boolean): Promise<NativeStore> {
  mkdirSync(path, { recursive: true });
  if (filled) execFileSync('fio', ['--name=fill', `--filename=${join(path, 'block')}`, '--ioengine=io_uring', '--direct=1', '--rw=write', '--bs=1M', '--iodepth=4', `--size=${deviceBytes}`, '--output-format=json'], { encoding: 'utf8' });
  const s = new NativeStore({ path, deviceBytes, spaceFill });
  await s.mkfs();
  await s.mount();
  const t = new Transaction().createCollection(C).touch(C, pgmeta);
  // The sparse objects exist with their full size and no data: every first write is into a hole.
  for (let i = 0; i < sparseObjects; i++) t.truncate(C, obj('rb.sparse', i), objectBytes);
  await s.queueTransaction(t);
  return s;
}

export async function commitPathBench(args: string[]): Promise<void> {
  const filled = args.includes('--filled');
  const spaceFill = !args.includes('--no-fill');
  const seconds = Number(args.find((a) => !a.startsWith('--')) ?? 3);
  const dir = tempDir('ts-bench-commit-');
  const rows: Row[] = [];
  try {
    const store = await openStore(join(dir.path, 'osd'), filled, spaceFill);
    const at: Targets = { holes: holeOrder(), written: [], fresh: 0 };
    for (const w of workloads) rows.push(await run(store, w, seconds, at));
    await store.umount();
  } finally {
    dir.cleanup();
  }
  console.log(`store commit path: ${filled ? 'device written in full first' : 'sparse device file (as bootstrap makes it)'}, space fill ${spaceFill ? 'on' : 'off'}, ${seconds} s per workload, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
  console.log('| workload | IOPS | mean latency | CPU/op | device writes/op | flushes/op |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.iops.toFixed(0)} | ${r.latMs.toFixed(2)} ms | ${r.cpuUs.toFixed(0)} µs | ${r.writesPerOp.toFixed(2)} | ${r.flushesPerOp.toFixed(2)} |`);
}
