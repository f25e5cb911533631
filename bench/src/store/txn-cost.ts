// bench/store txn: what one small transaction costs the native store in-process, the figures that
// do not depend on the device or on the machine's load: promises created and bytes allocated per
// transaction (exact counts), and CPU time and rate (rough on a shared machine). The transaction is
// ts-osd's for a 4 KiB overwrite (the data, the object_info xattr, a PG log entry in the pgmeta
// omap) into blocks already written, so every onode is in the cache, at QD1 and QD32.
// Promises are counted with an async_hooks hook enabled only around a counting window; bytes are
// the V8 heap's growth over a window in which no garbage collection ran, so the process must start
// with a young generation large enough for the window: node --min-semi-space-size=256
// --max-semi-space-size=256 (started without them, the benchmark runs itself again with them).
// Usage: npm run bench -- store txn [seconds, default 3]
import { createHook } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, GHObject, NativeStore, Transaction } from '@ts-ceph/objectstore';

const deviceBytes = 1 << 30;
const blockBytes = 4096;
const objects = 16;
const objectBlocks = 256;
/** Transactions in each counting window (promises, bytes). */
const countedTxns = 2000;
/**
 * Transactions in the bytes window: fewer, because external memory (Buffers) growing by a few
 * MiB starts a major collection whatever the young generation's size.
 */
const bytesTxns = 500;
const C = collPG(1, 0);
const pgmeta = ghobject({ pool: 1, name: '', hash: 0 });
const obj = (i: number): GHObject => ghobject({ pool: 1, name: `rbd_data.txn.${i.toString(16).padStart(16, '0')}`, hash: Math.imul(i + 1, 2654435761) >>> 0 });

interface Row {
  name: string;
  iops: number;
  cpuUs: number;
  promises: number;
  bytes: number | undefined;
}

/** A source of ts-osd-shaped 4 KiB overwrite transactions at random written blocks. */
function txnSource(): () => Transaction {
  const data = randomBytes(blockBytes);
  const attr = randomBytes(250);
  const entry = randomBytes(180);
  let seq = 0;
  return () => {
    const b = Math.floor(Math.random() * objects * objectBlocks);
    const o = obj(Math.floor(b / objectBlocks));
    const key = `0000000010.${(seq++).toString().padStart(20, '0')}`;
    return new Transaction().write(C, o, (b % objectBlocks) * blockBytes, data).setattrs(C, o, new Map([['_', attr]])).omapSetKeys(C, pgmeta, new Map([[key, entry]]));
  };
}

/** Run `count` transactions (or until `deadline`) with `qd` in flight. */
async function drive(store: NativeStore, next: () => Transaction, qd: number, count: number, deadline = Infinity): Promise<number> {
  let done = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count && performance.now() < deadline) {
      started++;
      await store.queueTransaction(next());
      done++;
    }
  };
  await Promise.all(Array.from({ length: qd }, worker));
  return done;
}

/** Promises created per transaction over a counting window (the driver's own await included). */
async function countPromises(store: NativeStore, next: () => Transaction, qd: number): Promise<number> {
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  });
  hook.enable();
  try {
    await drive(store, next, qd, countedTxns);
  } finally {
    hook.disable();
  }
  return promises / countedTxns;
}

/** V8 heap bytes allocated per transaction, or undefined when a collection ran in the window. */
async function countBytes(store: NativeStore, next: () => Transaction, qd: number): Promise<number | undefined> {
  let gcs = 0;
  const obs = new PerformanceObserver((l) => {
    gcs += l.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  // Let the observer start and pending collections finish before the window opens.
  await new Promise((r) => setTimeout(r, 50));
  gcs = 0;
  const before = getHeapStatistics();
  await drive(store, next, qd, bytesTxns);
  const after = getHeapStatistics();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  if (gcs) return undefined;
  return (after.used_heap_size - before.used_heap_size + after.external_memory - before.external_memory) / bytesTxns;
}

async function measure(store: NativeStore, qd: number, seconds: number): Promise<Row> {
  const next = txnSource();
  await drive(store, next, qd, 500);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ops = await drive(store, next, qd, Infinity, t0 + seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const iops = ops / ((performance.now() - t0) / 1000);
  const promises = await countPromises(store, next, qd);
  const bytes = await countBytes(store, next, qd);
  return { name: `4k overwrite QD${qd}`, iops, cpuUs: (cpu.user + cpu.system) / ops, promises, bytes };
}

async function openStore(path: string): Promise<NativeStore> {
  mkdirSync(path, { recursive: true });
  const s = new NativeStore({ path, deviceBytes });
  await s.mkfs();
  await s.mount();
  await s.queueTransaction(new Transaction().createCollection(C).touch(C, pgmeta));
  const fill = randomBytes(objectBlocks * blockBytes);
  for (let i = 0; i < objects; i++) await s.queueTransaction(new Transaction().write(C, obj(i), 0, fill));
  return s;
}

/** The young generation the byte count needs, in MiB. */
const semiSpaceMiB = 256;

export async function txnCostBench(args: string[]): Promise<void> {
  if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
    const flags = [`--min-semi-space-size=${semiSpaceMiB}`, `--max-semi-space-size=${semiSpaceMiB}`];
    process.exitCode = spawnSync(process.execPath, [...flags, process.argv[1]!, 'txn', ...args], { stdio: 'inherit' }).status ?? 1;
    return;
  }
  const seconds = Number(args.find((a) => !a.startsWith('--')) ?? 3);
  const dir = tempDir('ts-bench-txn-');
  const rows: Row[] = [];
  try {
    const store = await openStore(join(dir.path, 'osd'));
    for (const qd of [1, 32]) rows.push(await measure(store, qd, seconds));
    await store.umount();
  } finally {
    dir.cleanup();
  }
  console.log(`store transaction cost: ${seconds} s per workload, ${countedTxns} transactions per promise count, ${bytesTxns} per byte count, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
  console.log('| workload | IOPS | CPU/txn | promises/txn | bytes allocated/txn |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.iops.toFixed(0)} | ${r.cpuUs.toFixed(0)} µs | ${r.promises.toFixed(1)} | ${r.bytes === undefined ? 'GC ran' : `${(r.bytes / 1024).toFixed(1)} KiB`} |`);
}
