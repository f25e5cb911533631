// bench/store: 4 KiB random write/read at QD1 and QD32 and 1 MiB sequential write/read through the
// native store on a file-backed device, beside fio (io_uring, O_DIRECT) on the same file in the same
// run, with and without encryption. Writes the "store" section of bench/RESULTS.md.
// Usage: node bench/dist/src/store/store-bench.js [seconds per workload, default 4]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '@ts-ceph/objectstore';
import { BenchRow, stamp, table, writeSection } from '../lib/results';

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

async function runStore(store: NativeStore, w: Workload, seconds: number): Promise<number> {
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
  const t0 = performance.now();
  await Promise.all(Array.from({ length: w.qd }, worker));
  return ops / ((performance.now() - t0) / 1000);
}

function runFio(file: string, w: Workload, seconds: number): number {
  const out = execFileSync(
    'fio',
    ['--name=raw', `--filename=${file}`, '--ioengine=io_uring', '--direct=1', `--rw=${w.rw}`, `--bs=${w.bs}`, `--iodepth=${w.qd}`,
      `--runtime=${seconds}`, '--time_based', '--offset=512M', '--size=256M', '--output-format=json'],
    { encoding: 'utf8' },
  );
  const j = JSON.parse(out) as { jobs: { read: { iops: number }; write: { iops: number } }[] };
  const job = j.jobs[0]!;
  return w.rw.endsWith('write') ? job.write.iops : job.read.iops;
}

async function openStore(dir: string, encrypt: boolean): Promise<NativeStore> {
  const opts = { path: join(dir, encrypt ? 'enc' : 'plain'), deviceBytes: 1 << 30, encrypt, ...(encrypt ? { passphrase: Buffer.from('bench-key') } : {}) };
  const s = new NativeStore(opts);
  await s.mkfs();
  await s.mount();
  const t = new Transaction().createCollection(C);
  await s.queueTransaction(t);
  // Prefill: every object written in full, so random writes are overwrites and reads hit data.
  const fill = randomBytes(1 << 20);
  for (let i = 0; i < objects; i++) {
    const tx = new Transaction();
    for (let off = 0; off < objectBytes; off += fill.length) tx.write(C, obj(i), off, fill);
    await s.queueTransaction(tx);
  }
  return s;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 4);
  const dir = tempDir('ts-bench-store-');
  const rows: BenchRow[] = [];
  try {
    const plain = await openStore(dir.path, false);
    const results = new Map<string, { plain: number; enc: number; fio: number }>();
    for (const w of workloads) results.set(w.name, { plain: await runStore(plain, w, seconds), enc: 0, fio: 0 });
    const file = plain.blockPath;
    await plain.umount();
    for (const w of workloads) results.get(w.name)!.fio = runFio(file, w, seconds);
    const enc = await openStore(dir.path, true);
    for (const w of workloads) results.get(w.name)!.enc = await runStore(enc, w, seconds);
    await enc.umount();
    for (const w of workloads) {
      const r = results.get(w.name)!;
      const unit = w.bs >= 1 << 20 ? (v: number) => `${((v * w.bs) / 2 ** 20).toFixed(0)} MiB/s` : (v: number) => `${v.toFixed(0)} IOPS`;
      rows.push({ workload: w.name, ours: unit(r.plain), reference: unit(r.fio), ratio: (r.plain / r.fio).toFixed(2), note: `encrypted: ${unit(r.enc)} (${(((r.plain - r.enc) / r.plain) * 100).toFixed(0)} % cost)` });
      console.log(`${w.name}: store ${unit(r.plain)}, encrypted ${unit(r.enc)}, fio ${unit(r.fio)}`);
    }
  } finally {
    dir.cleanup();
  }
  writeSection(
    'store',
    `${stamp()}\n\nThe native ObjectStore (\`packages/objectstore\`, io_uring, O_DIRECT, crc32c per 4 KiB block, every write a durable transaction) on a 1 GiB file on ext4, 64 objects of 4 MiB prefilled; reference: \`fio --ioengine=io_uring --direct=1\` on the same file (a 256 MiB range past the store's data) in the same run, ${seconds} s per workload. fio's writes are not synced; every store write is acknowledged only when durable (group-committed LevelDB sync, WAL for small writes).\n\n${table(rows, 'fio io_uring direct')}`,
  );
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
