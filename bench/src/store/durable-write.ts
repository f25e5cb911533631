// bench/store durable: what one durable journal record costs the store's device layer, by way of
// doing it. The record of a 4 KiB write is 8 KiB (a meta block and the data block); each way writes
// it at a random 8 KiB slot of the first 64 MiB of a journal ring (an OSD's `block` file with
// --file, else a written file of that size) opened as the store opens its device (O_DIRECT,
// packages/objectstore BlockDevice) and counts from the call to the settled promise, so the JS
// hand-offs (submission, eventfd wake-up of the loop, completion callback) are in the figure.
// Ways: io_uring linked write + fdatasync (the commit path before), io_uring write with RWF_DSYNC,
// pwritev2(RWF_DSYNC) on the JS thread, and the thread pool's write + fdatasync and RWF_DSYNC write.
// At QD1 and with 16 in flight (the synchronous way cannot overlap: its "16" is 16 in a row). The
// ways take turns in short rounds, in a new random order each round, so that the shared machine's load falls on all of them alike.
// Usage: node bench/dist/src/store/store-bench.js durable [rounds, default 20] [--file F] [--way N]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { BlockDevice, BufferPool } from '@ts-ceph/objectstore';

const fileBytes = 64 * 1024 * 1024;
const recordBytes = 8192;
const blockBytes = 4096;
const opsPerRound = 100;

type Way = { name: string; backend: 'uring' | 'pool'; run: (dev: BlockDevice, buf: Uint8Array, at: number) => Promise<void> | void };

const ways: Way[] = [
  { name: 'io_uring: write + fdatasync, linked', backend: 'uring', run: (d, b, at) => d.writeAndSync(b, at) },
  { name: 'io_uring: write RWF_DSYNC', backend: 'uring', run: (d, b, at) => d.writeDsync(b, at) },
  { name: 'JS thread: pwritev2 RWF_DSYNC', backend: 'uring', run: (d, b, at) => d.writeDsyncNow(b, at) },
  { name: 'thread pool: pwrite + fdatasync', backend: 'pool', run: (d, b, at) => d.writeAndSync(b, at) },
  { name: 'thread pool: pwritev2 RWF_DSYNC', backend: 'pool', run: (d, b, at) => d.writeDsync(b, at) },
];

/** A record's place: the store's journal ring starts at block 1 (docs/formats/objectstore.md). */
const slot = (): number => blockBytes + Math.floor(Math.random() * (fileBytes / recordBytes - 1)) * recordBytes;

/** `ops` records with `qd` in flight; each op's latency in µs is pushed to `lat`. */
async function round(w: Way, dev: BlockDevice, bufs: Uint8Array[], qd: number, lat: number[]): Promise<void> {
  let left = opsPerRound;
  const job = async (buf: Uint8Array): Promise<void> => {
    while (left-- > 0) {
      const t0 = process.hrtime.bigint();
      await w.run(dev, buf, slot());
      lat.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  };
  await Promise.all(bufs.slice(0, qd).map(job));
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

export async function durableWriteBench(args: string[]): Promise<void> {
  const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
  const fi = args.indexOf('--file');
  // --way N: only the N-th way, QD1 only (run three at once to see three OSDs' commits contend).
  const wi = args.indexOf('--way');
  const only = wi >= 0 ? [ways[Number(args[wi + 1])]!] : ways;
  const depths = wi >= 0 ? [1] : [1, 16];
  let file = fi >= 0 ? args[fi + 1]! : '';
  const tmp = file ? undefined : tempDir('ts-bench-durable-');
  if (tmp) {
    file = join(tmp.path, 'block');
    // Written in full, as the store's journal ring is at mkfs: no hole to fill, no extent to convert.
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${fileBytes >> 20}`, 'oflag=direct', 'status=none']);
  }
  const devs = { uring: new BlockDevice(file, { direct: true, backend: 'uring' }), pool: new BlockDevice(file, { direct: true, backend: 'pool' }) };
  const pool = new BufferPool();
  const bufs = Array.from({ length: 16 }, () => pool.getBuffer(recordBytes).fill(0x5a));
  const lat = new Map<string, number[]>(only.flatMap((w) => depths.map((qd): [string, number[]] => [`${w.name} | ${qd}`, []])));
  const wallUs = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (const qd of depths) {
      // A fresh order each round: no way always follows the same one (a burst of flushes before).
      for (const w of [...only].sort(() => Math.random() - 0.5)) {
        const key = `${w.name} | ${qd}`;
        const xs = lat.get(key)!;
        const t0 = process.hrtime.bigint();
        await round(w, devs[w.backend], bufs, qd, xs);
        wallUs.set(key, (wallUs.get(key) ?? 0) + Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  console.log(`| way | in flight | median µs | p90 µs | ops/s |\n|---|---|---|---|---|`);
  for (const [key, xs] of lat) {
    const [name, qd] = key.split(' | ');
    console.log(`| ${name} | ${qd} | ${pct(xs, 0.5).toFixed(0)} | ${pct(xs, 0.9).toFixed(0)} | ${((xs.length * 1e6) / wallUs.get(key)!).toFixed(0)} |`);
  }
  await devs.uring.close();
  await devs.pool.close();
  tmp?.cleanup();
}
