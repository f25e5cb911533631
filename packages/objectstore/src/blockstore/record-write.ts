import type { BlockDevice } from '../native/device';

/**
 * How a commit batch's journal record is made durable. 'ring': a linked write + fdatasync through
 * the device's backend (io_uring or the thread pool), the JS thread free meanwhile. 'sync':
 * pwritev2(RWF_DSYNC) on the JS thread. 'auto' (the default): 'sync' for a lone commit on an idle
 * store, 'ring' otherwise (see RecordWriter.chooseSync). TS_CEPH_RECORD_WRITE sets it for every
 * store of a process (benchmarks compare the ways with it).
 */
export type RecordWriteMode = 'auto' | 'ring' | 'sync';

/** The largest record written on the JS thread: beyond a few blocks the write itself dominates. */
export const syncRecordBytesMax = 64 * 1024;

export function envRecordWriteMode(): RecordWriteMode | undefined {
  const v = process.env.TS_CEPH_RECORD_WRITE;
  return v === 'auto' || v === 'ring' || v === 'sync' ? v : undefined;
}

/**
 * Writes journal records durably, choosing the way per record. At QD1 a replica's commit is on
 * the client's critical path and the store has nothing else to do: through the ring the record
 * costs an io_uring worker wake-up for the fdatasync and two wake-ups of the event loop (the
 * write's and the flush's completions), each a wait for a CPU on a busy machine; on the JS thread
 * it is one system call that sleeps in the kernel until the device has the data, and the
 * acknowledgement follows in the same turn. Under load the ring wins: the thread goes on receiving
 * and preparing the next batch while the device flushes. Measured (`store-bench.js durable` and
 * fio QD1 end to end): bench/osd-profile.md, "QD1 commit path".
 */
export class RecordWriter {
  /** When the last record became durable, and how long it took (performance.now() ms). */
  private lastEnd = -Infinity;
  private lastMs = 0;
  /** Records written each way since mount (tests and benchmarks). */
  readonly counts = { sync: 0, ring: 0 };

  /** How long the last record took (ms): a store idle this long gets the sync way again. */
  get lastRecordMs(): number {
    return this.lastMs;
  }

  constructor(
    private readonly dev: BlockDevice,
    private readonly mode: RecordWriteMode,
  ) {}

  /**
   * The sync way only when it cannot hold anything up: the batch is one transaction with nothing
   * queued behind it, the record is small, and the store sat idle since its last record for at
   * least as long as that record took (commits are not following one another back to back, as
   * they do under load, when blocking the thread would stop the next batch from gathering).
   * Never with an addon that lacks writeSync.
   */
  chooseSync(lone: boolean, bytes: number, now: number): boolean {
    if (!this.dev.hasWriteSync) return false;
    if (this.mode !== 'auto') return this.mode === 'sync';
    return lone && bytes <= syncRecordBytesMax && now - this.lastEnd >= this.lastMs;
  }

  /**
   * Write `buf` at byte `at` and make it durable. `lone`: the batch is one transaction and nothing
   * else is queued. `written` (a trace hook) runs when the write has completed: with the sync way
   * that is also when it is durable.
   */
  async write(buf: Buffer, at: number, lone: boolean, written?: () => void): Promise<void> {
    const start = performance.now();
    if (this.chooseSync(lone, buf.byteLength, start)) {
      this.counts.sync++;
      this.dev.writeDsyncNow(buf, at);
      written?.();
    } else {
      this.counts.ring++;
      await this.dev.writeAndSync(buf, at, written);
    }
    this.lastEnd = performance.now();
    this.lastMs = this.lastEnd - start;
  }
}
