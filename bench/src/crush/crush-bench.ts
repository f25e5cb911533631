// bench/crush: CRUSH mappings per second, @ts-ceph/crush against the real crushtool on the same maps
// in the same run. crushtool's rate is the process time of `--test --show-statistics` over N inputs
// minus the same command over one input (start-up and map decoding), so both sides count mapping
// work only. Prints a table; with --write also replaces the "crush" section of bench/RESULTS.md.
// Usage: node bench/dist/src/crush/crush-bench.js [inputs, default 200000] [--write]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { tempDir } from '@ts-ceph/testkit';
import { CrushWork, decodeCrushMap, doRule } from '@ts-ceph/crush';
import { BenchRow, stamp, table, writeSection } from '../lib/results';

const args = process.argv.slice(2);
const write = args.includes('--write');
const inputs = Number(args.find((a) => /^\d+$/.test(a)) ?? 200_000);
const reps = 3;
const dir = tempDir('ts-ceph-crush-bench-');
const f = (n: string): string => join(dir.path, n);
const crushtool = (a: string[]): void => {
  execFileSync('crushtool', a, { cwd: dir.path, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
};

function best(fn: () => void): number {
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

interface Case {
  name: string;
  file: string;
  rule: number;
  numRep: number;
}

function prepare(): Case[] {
  crushtool(['-o', f('big'), '--build', '--num_osds', '1024', 'host', 'straw2', '16', 'rack', 'straw2', '8', 'root', 'straw2', '0']);
  crushtool(['-i', f('big'), '--create-simple-rule', 'ec', 'root', 'host', 'indep', '-o', f('big-ec')]);
  crushtool(['-o', f('straw'), '--build', '--num_osds', '256', 'host', 'straw', '8', 'rack', 'list', '4', 'root', 'straw', '0']);
  crushtool(['-i', f('straw'), '--set-choose-local-tries', '2', '--set-choose-local-fallback-tries', '5', '--set-choose-total-tries', '19',
    '--set-chooseleaf-descend-once', '0', '--set-chooseleaf-vary-r', '0', '--set-chooseleaf-stable', '0', '-o', f('straw-legacy')]);
  return [
    { name: '1024 OSDs, straw2 host/rack/root, replicated x3', file: f('big-ec'), rule: 0, numRep: 3 },
    { name: '1024 OSDs, straw2 host/rack/root, indep (EC) x6', file: f('big-ec'), rule: 1, numRep: 6 },
    { name: '256 OSDs, straw/list/straw, legacy tunables, x3', file: f('straw-legacy'), rule: 0, numRep: 3 },
    { name: "Ceph's test-map-big-1, rule 0 x3", file: join(repoRoot(), 'packages', 'crush', 'test', 'data', 'test-map-big-1.crushmap'), rule: 0, numRep: 3 },
  ];
}

function run(c: Case): BenchRow {
  const cw = decodeCrushMap(readFileSync(c.file));
  const weight = new Uint32Array(cw.maxDevices);
  for (let d = 0; d < weight.length; d++) weight[d] = cw.checkItemPresent(d) ? 0x10000 : 0;
  const work = new CrushWork();
  let sink = 0;
  const ours = best(() => {
    for (let x = 0; x < inputs; x++) sink += doRule(cw, c.rule, x, c.numRep, weight, undefined, { work }).length;
  });
  const test = (maxX: number): string[] => ['-i', c.file, '--test', '--show-statistics', '--rule', String(c.rule), '--num-rep', String(c.numRep), '--min-x', '0', '--max-x', String(maxX)];
  const full = best(() => crushtool(test(inputs - 1)));
  const base = best(() => crushtool(test(0)));
  const ref = Math.max(full - base, 0.001);
  const oursRate = inputs / (ours / 1000);
  const refRate = inputs / (ref / 1000);
  return {
    workload: c.name,
    ours: `${Math.round(oursRate / 1000)}k mappings/s`,
    reference: `${Math.round(refRate / 1000)}k mappings/s`,
    ratio: (oursRate / refRate).toFixed(2),
    note: `${inputs} inputs; crushtool ${full.toFixed(0)} ms minus ${base.toFixed(0)} ms start-up (${sink > 0 ? 'best of ' + reps : ''})`,
  };
}

try {
  const rows = prepare().map(run);
  const body = `${stamp()}\n\nMappings per second of \`crush_do_rule\` (x = 0..N-1, every device in), best of ${reps}; reference: \`crushtool --test --show-statistics\` on the same map file in the same run.\n\n${table(rows, 'crushtool')}`;
  console.log(body);
  if (write) writeSection('crush', body);
} finally {
  dir.cleanup();
}
