/**
 * ts-rgw's worker processes (`ts_rgw_workers`): one JavaScript thread serves one core, while
 * radosgw spreads its requests over a thread pool (rgw_thread_pool_size). With N > 1 the process
 * started becomes a primary that forks N workers with node:cluster; each worker is a whole gateway
 * (its own RADOS client, caches, batchers and data set reservations) and they share the listening
 * ports (the primary accepts and hands connections round-robin). The singletons stay in one
 * place: the garbage collector runs in worker 0 only, and the primary serves the metrics endpoint,
 * summing every worker's counters (prom-client's AggregatorRegistry).
 *
 * What they share is in RADOS only, as between separate gateways: the layout is safe for several
 * gateways on one bucket (docs/formats/rgw.md), and a metadata change one worker makes reaches the
 * others' caches through `notify.meta` like any other gateway's.
 */
import cluster, { Worker } from 'node:cluster';
import { cephError, daemonSpawnEnv, logger } from '@ts-ceph/common';
import { AggregatorRegistry } from 'prom-client';
import { RgwMetrics } from '../metrics';

/** Named limits of the worker processes (docs/LIMITS.md, "rgw"). */
export const rgwWorkerLimits = {
  /** ts_rgw_workers at most. */
  workersMax: 64,
  /** ts_rgw_workers when not set. */
  workersDefault: 1,
  /** Workers must stop within this after SIGTERM before they are killed. */
  stopTimeoutMs: 20_000,
};

/** The environment variable telling a forked worker its index. */
const workerIndexEnv = 'TS_RGW_WORKER_INDEX';

/**
 * The number of gateway processes: ts_rgw_workers, by default 1. Measured on the 2-core bench
 * machine under load (bench/rgw-profile.md), 2 workers cost more per PUT than 1 (each process
 * batches half the requests: more OSD ops, more syscalls per request) and did fewer PUTs/s; they
 * pay off where cores are idle while one worker is saturated.
 */
export function workerCount(option: string | undefined): number {
  if (option === undefined) return rgwWorkerLimits.workersDefault;
  if (!/^\d+$/.test(option) || Number(option) < 1 || Number(option) > rgwWorkerLimits.workersMax) {
    throw cephError('EINVAL', `ts_rgw_workers must be an integer from 1 to ${rgwWorkerLimits.workersMax}, not ${JSON.stringify(option)}`);
  }
  return Number(option);
}

/** This process's worker index (0 in a gateway without workers). */
export function workerIndex(): number {
  return cluster.isWorker ? Number(process.env[workerIndexEnv] ?? 0) : 0;
}

/** True when this process must fork the workers instead of serving. */
export function isPrimary(workers: number): boolean {
  return workers > 1 && cluster.isPrimary;
}

/**
 * In a worker with metrics on: answer the primary's metrics requests from `m`'s registry (the
 * worker then serves no metrics port of its own).
 */
export function shareMetrics(m: RgwMetrics): void {
  // prom-client answers the primary's requests only once a worker has made an AggregatorRegistry.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([m.registry]);
}

/**
 * The primary: fork the workers (with the malloc settings of a data-moving daemon, which glibc
 * reads at start), serve the summed metrics if asked, stop the workers on SIGTERM/SIGINT, and
 * stop everything if a worker dies (a half-served port is worse than a stopped gateway).
 */
export async function runPrimary(name: string, workers: number, metrics: { port: number; host: string; path: string } | undefined): Promise<number> {
  const log = logger('rgw');
  const all: Worker[] = [];
  let stopping = false;
  for (let i = 0; i < workers; i++) all.push(cluster.fork(daemonSpawnEnv({ ...process.env, [workerIndexEnv]: String(i) })));
  let aggregated: RgwMetrics | undefined;
  if (metrics) {
    const agg = new AggregatorRegistry();
    aggregated = new RgwMetrics(name.replace(/^client\./, ''), () => agg.clusterMetrics());
    const port = await aggregated.listen(metrics.port, metrics.host, metrics.path);
    process.stdout.write(`ts-rgw: metrics on ${port}\n`);
  }
  log.dout(0, `ts-rgw ${name}: ${workers} worker processes (pids ${all.map((w) => w.process.pid).join(', ')})`);
  return new Promise<number>((resolve) => {
    const stop = (code: number): void => {
      if (stopping) return;
      stopping = true;
      const live = all.filter((w) => !w.isDead());
      const timer = setTimeout(() => live.forEach((w) => w.process.kill('SIGKILL')), rgwWorkerLimits.stopTimeoutMs).unref();
      void Promise.all(live.map((w) => new Promise<void>((res) => (w.isDead() ? res() : w.once('exit', () => res())))))
        .then(() => aggregated?.close())
        .then(() => {
          clearTimeout(timer);
          resolve(code);
        });
      for (const w of live) w.process.kill('SIGTERM');
    };
    cluster.on('exit', (w, code, signal) => {
      if (stopping) return;
      log.dout(0, `ts-rgw worker ${w.process.pid} exited (${signal ?? code}): stopping the gateway`);
      stop(1);
    });
    process.once('SIGTERM', () => stop(0));
    process.once('SIGINT', () => stop(0));
  });
}
