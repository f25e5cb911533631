/**
 * `npm run sim -- --seeds N [--from S] [--jobs J] [--bug ack-before-replica|skip-past-interval|scrub-skip-data-digest]`
 * runs N seeds (on J worker threads with --jobs);
 * `npm run sim -- --seed S [--trace]` replays one and prints its whole trace. `--ops N` (client ops
 * per client, 30) and `--fault-ms MS` (how long faults go on, 2500) make runs longer.
 */
import { SimOptions, report, runSeed } from './cluster';
import { runParallel } from './parallel';

export function bugOption(name: string | undefined): SimOptions['bug'] {
  if (!name) return undefined;
  if (name === 'ack-before-replica') return { ackBeforeReplica: true };
  if (name === 'skip-past-interval') return { skipPastIntervals: 1 };
  if (name === 'scrub-skip-data-digest') return { scrubSkipDataDigest: true };
  throw new Error(`unknown --bug ${name}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const val = (k: string): string | undefined => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const bug = bugOption(val('--bug'));
  const opsPerClient = val('--ops') !== undefined ? Number(val('--ops')) : undefined;
  const faultMs = val('--fault-ms') !== undefined ? Number(val('--fault-ms')) : undefined;
  const opts = { bug, ...(opsPerClient ? { opsPerClient } : {}), ...(faultMs ? { faultMs } : {}) };
  const one = val('--seed');
  if (one !== undefined) {
    const r = await runSeed({ seed: Number(one), ...opts });
    if (args.includes('--trace')) console.log(r.trace.join('\n'));
    console.log(r.errors.length ? report(r) : `seed ${r.seed} ok (${r.config}; ${r.ops} ops, ${r.endedAt} ms simulated)`);
    process.exitCode = r.errors.length ? 1 : 0;
    return;
  }
  const n = Number(val('--seeds') ?? 100);
  const from = Number(val('--from') ?? 1);
  const jobs = Number(val('--jobs') ?? 1);
  if (jobs > 1) {
    const r = await runParallel(from, n, jobs, opts);
    console.log(`${r.seeds} seeds from ${from}: ${r.ok} ok, ${r.failed} failed, ${r.seconds.toFixed(1)} s (${jobs} jobs)`);
    process.exitCode = r.failed || r.seeds !== n ? 1 : 0;
    return;
  }
  const t0 = process.hrtime.bigint();
  let failed = 0;
  for (let seed = from; seed < from + n; seed++) {
    const r = await runSeed({ seed, ...opts });
    if (r.errors.length) {
      failed++;
      console.log(report(r, 40));
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${n} seeds from ${from}: ${n - failed} ok, ${failed} failed, ${secs.toFixed(1)} s`);
  process.exitCode = failed ? 1 : 0;
}

if (require.main === module) void main();
