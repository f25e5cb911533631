/**
 * Map editing (what the monitor's "osd crush" commands do) against crushtool's modification stage:
 * chains of --add-item / --update-item / --remove-item / --reweight-item / --add-bucket / --move /
 * --create-*-rule / --remove-rule / --reweight / --rebuild-class-roots / --set-subtree-class, run by
 * both tools each on its own previous output. After every step the written maps must be the same
 * bytes, and the exit status and output the same. The chains are Ceph's .t tests plus device-class
 * and choose_args maps, where the shadow trees and weight sets must be kept exactly as Ceph keeps them.
 */
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { buildSimpleCrushMap, buildSimpleCrushMapFromConf, encodeCrushMap } from '../src/index';
import { ours } from './lib/diff';
import { crushtool, data, tool } from './lib/ref';

const tmp = tempDir('crush-edit-');
t.teardown(tmp.cleanup);
let steps = 0;

/**
 * Run `chain` with both tools. In each step "@IN" is the previous step's output (or the given input)
 * and "@OUT" a fresh output file; each tool works in its own directory.
 */
function chain(t: Asserts, name: string, input: string, chainSteps: string[][]): void {
  const refDir = join(tmp.path, `${name}-ref`);
  const ourDir = join(tmp.path, `${name}-ours`);
  for (const d of [refDir, ourDir]) mkdirSync(d, { recursive: true });
  let refIn = input;
  let ourIn = input;
  chainSteps.forEach((s, i) => {
    const refOut = join(refDir, `s${i}`);
    const ourOut = join(ourDir, `s${i}`);
    const ra = s.map((a) => (a === '@IN' ? refIn : a === '@OUT' ? refOut : a));
    const oa = s.map((a) => (a === '@IN' ? ourIn : a === '@OUT' ? ourOut : a));
    const ref = crushtool(ra);
    const got = ours(oa);
    const what = `${name} step ${i}: ${s.join(' ')}`;
    t.equal(got.code, ref.code, `${what}: exit status ${ref.code}`);
    t.equal(got.stdout.split(refDir).join(ourDir), ref.stdout.split(refDir).join(ourDir), `${what}: stdout`);
    const written = s.includes('@OUT');
    if (written && ref.code === 0) {
      t.ok(existsSync(ourOut), `${what}: wrote a map`);
      const same = existsSync(ourOut) && readFileSync(ourOut).equals(readFileSync(refOut));
      if (!same && existsSync(ourOut)) {
        t.equal(crushtool(['-d', ourOut]).stdout, crushtool(['-d', refOut]).stdout, `${what}: decompiled`);
      }
      t.ok(same, `${what}: identical bytes`);
      refIn = refOut;
      ourIn = ourOut;
    }
    steps++;
  });
}

interface Asserts {
  equal(a: unknown, b: unknown, m: string): unknown;
  ok(v: unknown, m: string): unknown;
}

t.test("Ceph's add-item, add-bucket, adjust-item-weight and add-item-in-tree chains", async (t) => {
  const simple = data('simple.template');
  chain(t, 'add-item', simple, [
    ['-i', '@IN', '--add-item', '0', '1.0', 'device0', '--loc', 'host', 'host0', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--add-item', '1', '1.0', 'device1', '--loc', 'host', 'host0', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--create-simple-rule', 'simple-rule', 'cluster0', 'host', 'firstn', '-o', '@OUT'],
    ['-i', '@IN', '--remove-rule', 'simple-rule', '-o', '@OUT'],
    ['-i', '@IN', '--add-item', '1', '1.0', 'device1', '--loc', 'host', 'host0', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--update-item', '1', '2.0', 'osd1', '--loc', 'host', 'host1', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--update-item', '1', '2.0', 'osd1', '--loc', 'host', 'host1', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--update-item', '1', '0.5', 'osd1', '--loc', 'host', 'host1', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--show-location', '1'],
    ['-i', '@IN', '--remove-item', 'osd1', '-o', '@OUT'],
    ['-i', '@IN', '--remove-item', 'host1', '-o', '@OUT'],
    ['-i', '@IN', '--remove-item', 'host0', '-o', '@OUT'],
    ['-i', '@IN', '--remove-item', 'nosuch', '-o', '@OUT'],
  ]);
  chain(t, 'add-bucket', simple, [
    ['-i', '@IN', '--add-bucket', 'host0', 'host', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--add-bucket', 'host1', 'host', '-o', '@OUT'],
    ['-i', '@IN', '--move', 'host1', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--add-item', '1', '1.0', 'device1', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--move', 'device1', '--loc', 'host', 'host0', '-o', '@OUT'],
    ['-i', '@IN', '--add-bucket', 'host0', 'host', '-o', '@OUT'],
    ['-i', '@IN', '--add-bucket', 'h2', 'nosuchtype', '-o', '@OUT'],
  ]);
  chain(t, 'adjust-item-weight', simple, [
    ['-i', '@IN', '--add-item', '0', '1.0', 'device0', '--loc', 'host', 'host0', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--add-item', '0', '2.0', 'device0', '--loc', 'host', 'fake', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--update-item', '0', '3.0', 'device0', '--loc', 'host', 'host0', '--loc', 'cluster', 'cluster0', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'device0', '0.25', '-o', '@OUT'],
  ]);
  chain(
    t,
    'add-item-in-tree',
    data('tree.template'),
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ['-i', '@IN', '--add-item', String(i), '1.0', `device${i}`, '--loc', 'host', 'host0', '--loc', 'cluster', 'cluster0', '-o', '@OUT']),
  );
});

t.test("Ceph's reweight, rules and build chains", async (t) => {
  chain(t, 'reweight', data('multitype.before'), [
    ['-c', '@IN', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'osd0', '2.0', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'osd3', '2.0', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'osd6', '2.0', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'osd7', '.5', '-o', '@OUT'],
    ['-i', '@IN', '--reweight', '-o', '@OUT'],
  ]);
  chain(t, 'reweight-multiple', data('simple.template.multitree'), [
    ['-c', '@IN', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'osd1', '2.5', '-o', '@OUT'],
  ]);
  chain(t, 'rules', data('rules.txt'), [
    ['-c', '@IN', '--create-replicated-rule', 'foo', 'default', 'host', '-o', '@OUT'],
    ['-i', '@IN', '--create-replicated-rule', 'foo-ssd', 'default', 'host', '--device-class', 'ssd', '-o', '@OUT'],
    ['-i', '@IN', '--create-replicated-rule', 'foo-nvme', 'default', 'host', '--device-class', 'nvme', '-o', '@OUT'],
    ['-i', '@IN', '--create-simple-rule', 'ec', 'default', 'osd', 'indep', '-o', '@OUT'],
    ['-i', '@IN', '--remove-rule', 'foo-ssd', '-o', '@OUT'],
  ]);
  chain(t, 'arg-order', '', [
    ['--outfn', '@OUT', '--build', '--set-chooseleaf-vary-r', '0', '--set-chooseleaf-stable', '0', '--num_osds', '25', 'node', 'straw', '5', 'rack', 'straw', '1', 'root', 'straw', '0', '--reweight-item', 'osd.2', '99', '-o', '@OUT'],
    ['-i', '@IN', '--set-straw-calc-version', '0', '--reweight', '--test', '--show-utilization', '--max-x', '100', '--min-x', '1'],
    ['-i', '@IN', '--set-straw-calc-version', '1', '--reweight', '--test', '--show-utilization', '--max-x', '100', '--min-x', '1'],
    ['-i', '@IN', '--set-straw-calc-version', '0', '--reweight-item', 'osd.3', '5', '-o', '@OUT'],
    ['-i', '@IN', '--test', '--show-utilization-all', '--num-rep', '3', '--weight', '4', '0'],
    ['-i', '@IN', '--test', '--show-statistics', '--show-choose-tries', '--num-rep', '3', '--weight', '4', '0'],
  ]);
  // (crushtool aborts when an item is added to a uniform bucket with another weight, so uniform
  // buckets appear only where nothing is added.)
  for (const algs of [['list', 'tree', 'uniform'], ['tree', 'straw', 'list'], ['straw2', 'list', 'straw']]) {
    chain(t, `build-${algs.join('-')}`, '', [
      ['--outfn', '@OUT', '--build', '--num_osds', '17', 'host', algs[0], '3', 'rack', algs[1], '2', 'root', algs[2], '0'],
      ['-i', '@IN', '--reweight-item', 'osd.5', '0.5', '-o', '@OUT'],
      ['-i', '@IN', '--remove-item', 'osd.16', '-o', '@OUT'],
      ['-i', '@IN', '--add-item', '20', '2.0', 'osd.20', '--loc', 'host', 'host1', '-o', '@OUT'],
      ['-i', '@IN', '--update-item', '3', '1.5', 'osd.3', '--loc', 'host', 'host4', '-o', '@OUT'],
      ['-i', '@IN', '--move', 'host2', '--loc', 'rack', 'rack1', '-o', '@OUT'],
      ['-i', '@IN', '--reweight', '-o', '@OUT'],
      ['-i', '@IN', '--test', '--show-mappings', '--num-rep', '3', '--max-x', '200'],
    ]);
  }
});

t.test('device classes: shadow trees are rebuilt exactly as Ceph rebuilds them', async (t) => {
  chain(t, 'classes-device-class', data('device-class.crush'), [
    ['-c', '@IN', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'osd.0', '3.0', '-o', '@OUT'],
    ['-i', '@IN', '--remove-item', 'osd.1', '-o', '@OUT'],
    ['-i', '@IN', '--add-item', '9', '1.5', 'osd.9', '--loc', 'host', 'host0', '-o', '@OUT'],
    ['-i', '@IN', '--rebuild-class-roots', '-o', '@OUT'],
    ['-i', '@IN', '--create-replicated-rule', 'r-hdd', 'default', 'host', '--device-class', 'hdd', '-o', '@OUT'],
    ['-i', '@IN', '--test', '--show-mappings', '--num-rep', '2', '--max-x', '300'],
  ]);
  for (const m of ['a', 'c', 'e', 'flax']) {
    chain(t, `classes-${m}`, data(`crush-classes/${m}`), [
      // --set-subtree-class alone is "no action" to crushtool; a tunable set to its value makes it run.
      ['-i', '@IN', '--set-subtree-class', 'default', 'hdd', '-o', '@OUT'],
      ['-i', '@IN', '--set-choose-total-tries', '50', '--set-subtree-class', 'default', 'hdd', '-o', '@OUT'],
      ['-i', '@IN', '--rebuild-class-roots', '-o', '@OUT'],
      ['-i', '@IN', '--reweight-item', 'osd.1', '0.5', '-o', '@OUT'],
      ['-i', '@IN', '--remove-item', 'osd.2', '-o', '@OUT'],
      ['-i', '@IN', '--create-replicated-rule', 'hddonly', 'default', 'host', '--device-class', 'hdd', '-o', '@OUT'],
      ['-i', '@IN', '--reweight', '-o', '@OUT'],
      ['-i', '@IN', '--test', '--show-mappings', '--num-rep', '3', '--max-x', '200'],
    ]);
  }
});

t.test('choose_args weight sets follow edits exactly as in Ceph', async (t) => {
  chain(t, 'choose-args', data('choose-args.crush'), [
    ['-c', '@IN', '-o', '@OUT'],
    ['-i', '@IN', '--reweight-item', 'device1', '3.0', '-o', '@OUT'],
    ['-i', '@IN', '--add-item', '7', '1.0', 'osd.7', '--loc', 'host', 'host0', '-o', '@OUT'],
    ['-i', '@IN', '--update-item', '2', '2.0', 'device2', '--loc', 'host', 'host0', '-o', '@OUT'],
    ['-i', '@IN', '--remove-item', 'device0', '-o', '@OUT'],
    ['-i', '@IN', '--reweight', '-o', '@OUT'],
    ['-i', '@IN', '--test', '--show-mappings', '--num-rep', '2', '--max-x', '300'],
  ]);
});

t.test('the initial map of a new cluster equals osdmaptool --createsimple', async (t) => {
  for (const n of [1, 3, 10]) {
    const om = join(tmp.path, `om${n}`);
    const oc = join(tmp.path, `om${n}.crush`);
    t.equal(tool('osdmaptool', ['--createsimple', String(n), om, '--clobber']).code, 0);
    t.equal(tool('osdmaptool', [om, '--export-crush', oc]).code, 0);
    t.ok(encodeCrushMap(buildSimpleCrushMap(n)).equals(readFileSync(oc)), `${n} osds: identical bytes`);
  }
  // --create-from-conf places [osd.N] sections by their host/rack settings.
  const conf = join(tmp.path, 'ceph.conf');
  writeFileSync(conf, '[osd.0]\nhost = n1\nrack = r1\n[osd.1]\nhost = n2\nrack = r1\n[osd.3]\nhost = n3\nrow = w\n[osd.x]\n');
  const om = join(tmp.path, 'omconf');
  const oc = join(tmp.path, 'omconf.crush');
  const r = tool('osdmaptool', ['--create-from-conf', om, '-c', conf, '--clobber']);
  t.equal(r.code, 0, r.stderr);
  t.equal(tool('osdmaptool', [om, '--export-crush', oc]).code, 0);
  const mine = buildSimpleCrushMapFromConf([
    { id: 0, host: 'n1', rack: 'r1' },
    { id: 1, host: 'n2', rack: 'r1' },
    { id: 3, host: 'n3', row: 'w' },
  ]);
  const same = encodeCrushMap(mine).equals(readFileSync(oc));
  if (!same) {
    const f = join(tmp.path, 'mine.crush');
    writeFileSync(f, encodeCrushMap(mine));
    t.equal(crushtool(['-d', f]).stdout, crushtool(['-d', oc]).stdout);
  }
  t.ok(same, 'from conf: identical bytes');
});

t.teardown(() => console.log(`# ${steps} edit steps compared with crushtool`));
