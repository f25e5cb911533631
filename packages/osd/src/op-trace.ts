import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * `TS_OSD_TRACE_OPS=FILE`: a debug aid for finding where a write's time goes. Each OSD appends one
 * line per stage of the write path (client op dispatched, op engine done, RepOp sent and received,
 * store transaction queued and durable, RepOp acknowledged, reply sent; the store's commit batch
 * closed, its journal record issued, written and flushed: storeTraceFor) to FILE, stamped with
 * CLOCK_MONOTONIC in microseconds, which every process on the machine shares: the lines of the
 * three OSDs of a size-3 PG sort into one timeline (`sort -n FILE`). Off (and free) without the
 * variable; the appends are synchronous, so a traced run is slower than an untraced one and only
 * its gaps (waits) are meaningful, not its CPU.
 */
export interface OpTrace {
  readonly on: boolean;
  /** One stage of the op or RepOp identified by `what` (a reqid, a RepOp tid) on PG `pg`. */
  mark(stage: string, pg: string, what: string | number | bigint): void;
}

class FileOpTrace implements OpTrace {
  readonly on = true;
  constructor(
    private readonly file: string,
    private readonly who: string,
  ) {}

  mark(stage: string, pg: string, what: string | number | bigint): void {
    const us = process.hrtime.bigint() / 1000n;
    appendFileSync(this.file, `${us} ${this.who} ${pg} ${stage} ${what}\n`);
  }
}

const off: OpTrace = { on: false, mark: () => undefined };

/** The tracer for osd.`id`: a file one when TS_OSD_TRACE_OPS names a file, else a no-op. */
export function opTraceFor(id: number, env: NodeJS.ProcessEnv = process.env): OpTrace {
  const file = env.TS_OSD_TRACE_OPS;
  return file ? new FileOpTrace(file, `osd.${id}`) : off;
}

/** The object store's commit-stage hook (NativeStoreOptions.trace) writing to the same file, or none. */
export function storeTraceFor(id: number, env: NodeJS.ProcessEnv = process.env): ((stage: string, seq: number) => void) | undefined {
  const t = opTraceFor(id, env);
  return t.on ? (stage, seq) => t.mark(stage, 'store', seq) : undefined;
}

/**
 * `TS_OSD_CPU_PROF=DIR`: the V8 CPU profile of this process from start to exit, written to
 * DIR/osd.N.cpuprofile (what `node --cpu-prof` gives, for an OSD that `ts-ceph bootstrap|start`
 * spawns, whose node flags a user does not choose). The inspector session belongs to this thread,
 * so its calls complete synchronously and the exit handler can still write the file.
 */
export function startCpuProfile(id: number, env: NodeJS.ProcessEnv = process.env): void {
  const dir = env.TS_OSD_CPU_PROF;
  if (!dir) return;
  const s = new Session();
  s.connect();
  s.post('Profiler.enable');
  s.post('Profiler.start');
  process.on('exit', () => {
    s.post('Profiler.stop', (err, r) => {
      if (!err) writeFileSync(join(dir, `osd.${id}.cpuprofile`), JSON.stringify(r.profile));
    });
  });
}

/**
 * `TS_OSD_HEAP_PROF=DIR`: V8's sampling heap profile of every allocation from start to exit (one
 * sample per 16 KiB allocated, those the collector has freed included), written to
 * DIR/osd.N.heapprofile: which code allocates what the garbage collector then has to clear.
 */
export function startHeapProfile(id: number, env: NodeJS.ProcessEnv = process.env): void {
  const dir = env.TS_OSD_HEAP_PROF;
  if (!dir) return;
  const s = new Session();
  s.connect();
  s.post('HeapProfiler.enable');
  s.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  process.on('exit', () => {
    s.post('HeapProfiler.stopSampling', (err, r) => {
      if (!err) writeFileSync(join(dir, `osd.${id}.heapprofile`), JSON.stringify(r.profile));
    });
  });
}
