// bench/maps: OSDMap placement (every PG of a pool through CRUSH, upmap, up and acting) and the full
// OSDMap codec, beside the real osdmaptool doing the same placement (--test-map-pgs) on the same file
// in the same run. Writes the "maps" section of bench/RESULTS.md.
// Usage: node bench/dist/src/maps/maps-bench.js [repetitions, default 5]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CEPH_FEATURES_ALL, Reader } from '@ts-ceph/denc';
import { tempDir } from '@ts-ceph/testkit';
import { decodeOSDMap, encodeOSDMap, pgToUpActingOsds, CEPH_OSD_IN, OsdState, setWeight } from '@ts-ceph/maps';
import { BenchRow, stamp, table, writeSection } from '../lib/results';

const reps = Number(process.argv[2] ?? 5);
const osds = 60;
const dir = tempDir('ts-ceph-maps-bench-');
const f = (n: string) => join(dir.path, n);
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });

function best(fn: () => void): number {
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

try {
  sh('crushtool', ['-o', f('crush'), '--build', '--num_osds', String(osds), 'host', 'straw2', '4', 'rack', 'straw2', '3', 'root', 'straw2', '0']);
  sh('osdmaptool', ['--createsimple', String(osds), '--with-default-pool', '--pg-bits', '6', 'map']);
  sh('osdmaptool', ['map', '--import-crush', 'crush']);
  const bytes = readFileSync(f('map'));
  const m = decodeOSDMap(new Reader(bytes));
  for (let i = 0; i < m.maxOsd; i++) {
    m.osdState[i] = (m.osdState[i]! | OsdState.UP) >>> 0;
    setWeight(m, i, CEPH_OSD_IN);
  }
  const pool = m.pools.get(1)!;
  const pgs = pool.pgNum;
  const ours = best(() => {
    for (let s = 0; s < pgs; s++) pgToUpActingOsds(m, { pool: 1, seed: s });
  });
  // osdmaptool: process time of --test-map-pgs minus the same process only printing the map.
  const tool = best(() => sh('osdmaptool', ['map', '--mark-up-in', '--test-map-pgs']));
  const base = best(() => sh('osdmaptool', ['map', '--mark-up-in', '--print']));
  const toolMap = Math.max(tool - base, 0.001);
  const dec = best(() => {
    for (let i = 0; i < 100; i++) decodeOSDMap(new Reader(bytes));
  });
  const enc = best(() => {
    for (let i = 0; i < 100; i++) encodeOSDMap(m, CEPH_FEATURES_ALL);
  });
  const rows: BenchRow[] = [
    {
      workload: `map ${pgs} PGs (size 3, ${osds} OSDs, 3-level straw2)`,
      ours: `${Math.round(pgs / (ours / 1000))} PGs/s`,
      reference: `${Math.round(pgs / (toolMap / 1000))} PGs/s`,
      ratio: (toolMap / ours).toFixed(2),
      note: `osdmaptool --test-map-pgs ${tool.toFixed(1)} ms minus --print ${base.toFixed(1)} ms`,
    },
    { workload: `decode a ${bytes.length}-byte OSDMap`, ours: `${Math.round(100 / (dec / 1000))} maps/s`, reference: '-', ratio: '-', note: 'crc verified' },
    { workload: 'encode it (all features)', ours: `${Math.round(100 / (enc / 1000))} maps/s`, reference: '-', ratio: '-', note: 'crc computed' },
  ];
  writeSection('maps', `${stamp()}\n\nPlacement with \`@ts-ceph/maps\` (\`pgToUpActingOsds\` per PG, best of ${reps}) beside the real \`osdmaptool --test-map-pgs\` on the same map file; the ratio is ours / osdmaptool in throughput terms (1.0 = as fast).\n\n${table(rows, 'osdmaptool 16.2.15')}`);
  console.log(table(rows, 'osdmaptool 16.2.15'));
} finally {
  dir.cleanup();
}
