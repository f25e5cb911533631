/**
 * `npm run sim -- --seeds N --jobs J`: the seeds spread over J worker threads. Each worker runs
 * whole seeds (a run is single-threaded and deterministic, so which worker ran it does not matter)
 * and asks for the next batch when done, so slow seeds do not leave a worker idle at the end.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SimOptions, report, runSeed } from './cluster';

/** Seeds a worker takes at a time: small enough to balance, large enough to keep messages rare. */
const BATCH_SEEDS = 10;
/** A progress line every so many seeds, so a long run's log shows how far it got. */
const PROGRESS_SEEDS = 500;

type SeedOptions = Omit<SimOptions, 'seed'>;
interface BatchDone {
  seeds: number;
  failures: string[];
  ops: number;
}

export interface ParallelSummary {
  seeds: number;
  ok: number;
  failed: number;
  seconds: number;
}

/** Run seeds [from, from + n) on `jobs` workers; failures are printed as they come (`log`). */
export async function runParallel(from: number, n: number, jobs: number, opts: SeedOptions, log: (line: string) => void = console.log): Promise<ParallelSummary> {
  const t0 = process.hrtime.bigint();
  let next = from;
  const end = from + n;
  let done = 0;
  let failed = 0;
  let nextProgress = PROGRESS_SEEDS;
  const secs = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(__filename, { workerData: opts });
      const feed = (): void => {
        if (next >= end) return void w.postMessage(null);
        const batch = [next, Math.min(end, next + BATCH_SEEDS)];
        next = batch[1]!;
        w.postMessage(batch);
      };
      w.on('message', (m: BatchDone) => {
        done += m.seeds;
        failed += m.failures.length;
        for (const f of m.failures) log(f);
        if (done >= nextProgress) {
          log(`progress: ${done} seeds, ${failed} failed, ${secs().toFixed(0)} s`);
          nextProgress += PROGRESS_SEEDS;
        }
        feed();
      });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sim worker exited with ${code}`))));
      feed();
    });
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, one));
  return { seeds: done, ok: done - failed, failed, seconds: secs() };
}

/** A worker: run each batch [a, b) it is sent, answer with its failures; null ends it. */
function workerMain(): void {
  const opts = workerData as SeedOptions;
  parentPort!.on('message', (batch: [number, number] | null) => {
    if (!batch) return void parentPort!.close();
    void (async () => {
      const out: BatchDone = { seeds: 0, failures: [], ops: 0 };
      for (let seed = batch[0]; seed < batch[1]; seed++) {
        out.seeds++;
        try {
          const r = await runSeed({ seed, ...opts });
          out.ops += r.ops;
          if (r.errors.length) out.failures.push(report(r, 40));
        } catch (e) {
          out.failures.push(`seed ${seed} FAILED: the run threw ${(e as Error).stack ?? String(e)}; replay: npm run sim -- --seed ${seed} --trace`);
        }
      }
      parentPort!.postMessage(out);
    })();
  });
}

if (!isMainThread && (workerData as unknown) !== undefined && parentPort) workerMain();
