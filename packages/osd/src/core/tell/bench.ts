/**
 * `ceph tell osd.N bench [count] [size] [object_size] [object_num]` (OSD::asok_command's "bench"):
 * the argument checks with Ceph's limits and error texts, and the result object. The writes
 * themselves (objects disk_bw_test_* in the meta collection, removed afterwards) are the driver's.
 */
import { cephError } from '@ts-ceph/common/core';
import { Formatter } from '@ts-ceph/maps';

export interface BenchArgs {
  count?: number;
  size?: number;
  object_size?: number;
  object_num?: number;
}

/** The bench options (osd_bench_*), read from the OSD's config when the command runs. */
export interface BenchLimits {
  maxBlockSize: number;
  durationSec: number;
  smallSizeMaxIops: number;
  largeSizeMaxThroughput: number;
}

export interface BenchPlan {
  /** Bytes to write in all. */
  count: number;
  /** Bytes per write. */
  bsize: number;
  /** With objectNum: write at random block offsets of objectNum objects of objectSize bytes. */
  objectSize: number;
  objectNum: number;
}

/** byte_u_t's text: "4 KiB", "64 MiB", "1.5 GiB" (src/include/types.h format_u). */
export function byteU(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (i < units.length - 1 && n >= 1024 ** (i + 1)) i++;
  const mult = 1024 ** i;
  if (i === 0 || n % mult === 0) return `${Math.trunc(n / mult)} ${units[i]}`;
  for (const p of [2, 1, 0]) {
    const s = (n / mult).toFixed(p);
    if (s.length <= 7 || p === 0) return `${s} ${units[i]}`;
  }
  return `${n} B`;
}

/** The checks before any write: block size cap, then the count cap for small or large blocks. */
export function planBench(a: BenchArgs, l: BenchLimits): BenchPlan {
  const count = a.count ?? 2 ** 30;
  let bsize = a.size ?? 4 << 20;
  const objectSize = a.object_size ?? 0;
  const objectNum = a.object_num ?? 0;
  if (bsize > l.maxBlockSize) {
    throw cephError('EINVAL', `block 'size' values are capped at ${byteU(l.maxBlockSize)}. If you wish to use a higher value, please adjust 'osd_bench_max_block_size'`);
  }
  if (bsize < 1 << 20) {
    const max = bsize * l.durationSec * l.smallSizeMaxIops;
    if (count > max) {
      throw cephError(
        'EINVAL',
        `'count' values greater than ${max} for a block size of ${byteU(bsize)}, assuming ${l.smallSizeMaxIops} IOPS, for ${l.durationSec} seconds, can cause ill effects on osd.  Please adjust 'osd_bench_small_size_max_iops' with a higher value if you wish to use a higher 'count'.`,
      );
    }
  } else {
    const max = l.largeSizeMaxThroughput * l.durationSec;
    if (count > max) {
      throw cephError(
        'EINVAL',
        `'count' values greater than ${max} for a block size of ${byteU(bsize)}, assuming ${byteU(l.largeSizeMaxThroughput)}/s, for ${l.durationSec} seconds, can cause ill effects on osd.  Please adjust 'osd_bench_large_size_max_throughput' with a higher value if you wish to use a higher 'count'.`,
      );
    }
  }
  if (objectSize && bsize > objectSize) bsize = objectSize;
  return { count, bsize, objectSize, objectNum };
}

/**
 * The writes of a plan, in order: object name and offset. Without object_size/object_num each
 * block is its own object (disk_bw_test_<pos>); with them, `random` picks an object and a block.
 */
export function benchWrites(p: BenchPlan, random: (n: number) => number): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = [];
  if (p.bsize <= 0) return out;
  const spread = p.objectNum > 0 && p.objectSize > 0;
  for (let pos = 0; pos < p.count; pos += p.bsize) {
    if (spread) out.push({ name: `disk_bw_test_${random(p.objectNum)}`, offset: random(Math.max(1, Math.floor(p.objectSize / p.bsize))) * p.bsize });
    else out.push({ name: `disk_bw_test_${pos}`, offset: 0 });
  }
  return out;
}

/** The osd_bench_results section: rate = count / elapsed, iops = rate / bsize (nan for 0/0, as Ceph). */
export function dumpBenchResult(f: Formatter, p: BenchPlan, elapsedSec: number): void {
  const rate = p.count / elapsedSec;
  f.openObject('osd_bench_results');
  f.dumpInt('bytes_written', p.count);
  f.dumpInt('blocksize', p.bsize);
  f.dumpFloat('elapsed_sec', elapsedSec);
  f.dumpFloat('bytes_per_sec', rate);
  f.dumpFloat('iops', rate / p.bsize);
  f.close();
}
