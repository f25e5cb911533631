/**
 * `npm run fuzz -- --target mon|osd [--seconds N] [--seed S]`: the bad-input harness of
 * ./daemon-fuzz.ts against a fresh ts-mon or ts-osd (both targets, one after the other, without
 * --target). Exits 1 when the daemon died or the legitimate client failed, printing the seed.
 */
import { runDaemonFuzz } from './daemon-fuzz';

async function main(argv: string[]): Promise<number> {
  const targets: ('mon' | 'osd')[] = [];
  let seconds = 60;
  let seed = (Math.random() * 2 ** 32) >>> 0;
  if (process.env.TS_CEPH_SEED) seed = Number(process.env.TS_CEPH_SEED) >>> 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--target' && (v === 'mon' || v === 'osd')) targets.push(v), i++;
    else if (a === '--seconds' && v && Number(v) > 0) (seconds = Number(v)), i++;
    else if (a === '--seed' && v) (seed = Number(v) >>> 0), i++;
    else {
      process.stderr.write('usage: npm run fuzz -- [--target mon|osd] [--seconds N (60)] [--seed S]\n');
      return 2;
    }
  }
  let failed = 0;
  for (const target of targets.length ? targets : (['mon', 'osd'] as const)) {
    const r = await runDaemonFuzz({ target, seconds, seed, log: (l) => process.stderr.write(`fuzz: ${l}\n`) });
    const raw = Object.entries(r.raw).map(([k, n]) => `${n} ${k}`).join(', ');
    process.stdout.write(
      `${target}: ${seconds} s, seed ${seed}: ${raw} raw connections, ${r.osdOps} fuzzed MOSDOps, flood of ${r.floodOpened} connections; ` +
        `legitimate client ${r.legit.ok} ok / ${r.legit.failed} failed (slowest ${r.legit.maxMs} ms); log grew ${r.logBytes} bytes\n`,
    );
    for (const f of r.failures) process.stdout.write(`  FAIL ${f}\n`);
    if (r.failures.length) {
      failed++;
      process.stdout.write(`  replay: TS_CEPH_SEED=${seed} npm run fuzz -- --target ${target} --seconds ${seconds}\n`);
    }
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`fuzz: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
