/**
 * Randomly built maps for the differential mapping tests (acceptance 1, second part). The real
 * crushtool builds each map (`--build` with host/rack/row/root levels of random algorithms and
 * sizes, random tunables), then changes item weights (--reweight-item), and adds indep and
 * choose (not chooseleaf) rules; the test then runs both tools over x 0..1023 and num-rep 1..5 with
 * random devices marked out or down-weighted through --weight. Everything derives from a seed that
 * failure messages print.
 */
import { join } from 'node:path';
import type tapRoot from 'tap';
import { Prng, tempDir } from '@ts-ceph/testkit';
import { crushtool } from './ref';
import { Asserts, same } from './diff';

type Tap = typeof tapRoot;

const ALGS = ['uniform', 'list', 'tree', 'straw', 'straw2'];
const LEVELS = ['host', 'rack', 'row', 'root'];

export interface GeneratedMap {
  seed: number;
  path: string;
  buildArgs: string[];
  editArgs: string[];
  testArgs: string[];
}

/** Build (with crushtool) the map of `seed` in `dir`; undefined if crushtool refused the combination. */
export function generateMap(seed: number, dir: string): GeneratedMap | undefined {
  const rng = new Prng(seed);
  const numOsds = rng.intIn(1, 64);
  const levels = rng.intIn(1, 3);
  const layerNames = LEVELS.slice(4 - levels);
  const layers: string[] = [];
  layerNames.forEach((name, i) => {
    const last = i === layerNames.length - 1;
    const size = last ? (rng.next() < 0.85 ? 0 : rng.intIn(2, 4)) : rng.intIn(1, 6);
    layers.push(name, rng.pick(ALGS), String(size));
  });
  const tun: string[] = [];
  const maybe = (p: number, args: string[]): void => {
    if (rng.next() < p) tun.push(...args);
  };
  maybe(0.3, ['--set-choose-local-tries', rng.pick(['0', '1', '2'])]);
  maybe(0.3, ['--set-choose-local-fallback-tries', rng.pick(['0', '5'])]);
  maybe(0.4, ['--set-choose-total-tries', rng.pick(['3', '19', '50', '100'])]);
  maybe(0.3, ['--set-chooseleaf-descend-once', rng.pick(['0', '1'])]);
  maybe(0.4, ['--set-chooseleaf-vary-r', rng.pick(['0', '1', '2', '3'])]);
  maybe(0.4, ['--set-chooseleaf-stable', rng.pick(['0', '1'])]);
  maybe(0.3, ['--set-straw-calc-version', rng.pick(['0', '1'])]);
  const built = join(dir, `m${seed}`);
  const buildArgs = ['--outfn', built, '--build', '--num_osds', String(numOsds), ...layers, ...tun];
  if (crushtool(buildArgs).code !== 0) return undefined;

  // Change weights, and add rules of the other step kinds: one crushtool run per change.
  const root = layers[layers.length - 1] === '0' ? layers[layers.length - 3] : `${layers[layers.length - 3]}0`;
  const edits: string[][] = [];
  const reweights = rng.intIn(0, 3);
  for (let i = 0; i < reweights; i++) {
    edits.push(['--reweight-item', `osd.${rng.intIn(0, numOsds - 1)}`, rng.pick(['0', '0.5', '2.5', '0.125', '3'])]);
  }
  if (rng.next() < 0.7) edits.push(['--create-simple-rule', 'ec', root, rng.pick(['osd', ...layerNames]), 'indep']);
  if (rng.next() < 0.5) edits.push(['--create-simple-rule', 'flat', root, 'osd', rng.pick(['firstn', 'indep'])]);
  let path = built;
  const editArgs: string[] = [];
  for (const [i, e] of edits.entries()) {
    const next = join(dir, `m${seed}.e${i}`);
    if (crushtool(['-i', path, ...e, '-o', next]).code !== 0) return undefined;
    editArgs.push(...e);
    path = next;
  }
  const final = path;

  const testArgs: string[] = [];
  const outs = rng.intIn(0, Math.min(4, numOsds));
  for (let i = 0; i < outs; i++) testArgs.push('--weight', String(rng.intIn(0, numOsds - 1)), rng.pick(['0', '0', '0.5', '0.75', '0.01']));
  return { seed, path: final, buildArgs, editArgs, testArgs };
}

/** Compare both tools on the generated map for num-rep 1..5; returns the number of mappings. */
export async function compareGenerated(t: Asserts, g: GeneratedMap): Promise<number> {
  let n = 0;
  for (let rep = 1; rep <= 5; rep++) {
    const args = ['-i', g.path, '--test', '--show-mappings', '--num-rep', String(rep), ...g.testArgs];
    n += await same(t, args, `seed ${g.seed} num-rep ${rep} [build: ${g.buildArgs.slice(3).join(' ')}] [test: ${g.testArgs.join(' ')}]`);
  }
  return n;
}

/**
 * The whole differential test for seeds `first`..`last` (the seeds are split over test files so
 * that each file stays within the runner's timeout): build each map, compare every mapping, and
 * require that at least two thirds of the seeds gave a map crushtool accepts.
 */
export function testGeneratedSeeds(tap: Tap, first: number, last: number): void {
  let mappings = 0;
  let maps = 0;
  const seeds = last - first + 1;
  tap.test('generated maps map exactly as crushtool maps them', async (t) => {
    const tmp = tempDir('crush-gen-');
    t.teardown(tmp.cleanup);
    for (let seed = first; seed <= last; seed++) {
      const g = generateMap(seed, tmp.path);
      if (!g) continue;
      maps++;
      mappings += await compareGenerated(t, g);
    }
    t.ok(maps >= Math.ceil((seeds * 2) / 3), `${maps} of ${seeds} seeds produced a map crushtool accepts`);
  });
  tap.teardown(() => console.log(`# ${maps} generated maps, ${mappings} mappings compared with crushtool`));
}
