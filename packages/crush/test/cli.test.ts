/**
 * The ts-crushtool binary itself (a subprocess, as users run it) against crushtool: --build, -d,
 * -c, --test and the argument errors. Messages that carry the program name (crushtool prints its
 * argv[0]) are compared with the name normalised.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from '@ts-ceph/testkit';
import { crushtool, data } from './lib/ref';

const bin = join(__dirname, '..', 'src', 'bin', 'ts-crushtool.js');
const tmp = tempDir('crush-cli-');
t.teardown(tmp.cleanup);

async function both(t: { equal(a: unknown, b: unknown, m: string): unknown }, args: (dir: string) => string[], what: string): Promise<void> {
  const refDir = join(tmp.path, 'ref');
  const ourDir = join(tmp.path, 'ours');
  await run('mkdir', ['-p', refDir, ourDir]);
  const ref = crushtool(args(refDir));
  const got = await run(process.execPath, [bin, ...args(ourDir)]);
  const norm = (s: string, dir: string): string => s.split(dir).join('DIR').replace(/^ts-crushtool/gm, 'crushtool');
  t.equal(got.code, ref.code, `${what}: exit status`);
  t.equal(norm(got.stdout, ourDir), norm(ref.stdout, refDir), `${what}: stdout`);
  t.equal(norm(got.stderr, ourDir), norm(ref.stderr, refDir), `${what}: stderr`);
}

t.test('build, decompile, compile and test through the binary', async (t) => {
  await both(t, (d) => ['--outfn', join(d, 'm'), '--build', '--num_osds', '12', 'host', 'straw2', '3', 'rack', 'list', '2', 'root', 'straw', '0'], 'build');
  t.ok(readFileSync(join(tmp.path, 'ours', 'm')).equals(readFileSync(join(tmp.path, 'ref', 'm'))), 'build: identical maps');
  await both(t, (d) => ['--outfn', join(d, 'm2'), '--build', '--num_osds', '5', 'node', 'straw', '2', 'rack', 'straw', '1'], 'build with several roots');
  await both(t, (d) => ['-d', join(d, 'm'), '-o', join(d, 'm.txt')], 'decompile to a file');
  t.equal(readFileSync(join(tmp.path, 'ours', 'm.txt'), 'utf8'), readFileSync(join(tmp.path, 'ref', 'm.txt'), 'utf8'), 'decompiled text');
  await both(t, (d) => ['-c', join(d, 'm.txt'), '-o', join(d, 'm3')], 'compile');
  t.ok(readFileSync(join(tmp.path, 'ours', 'm3')).equals(readFileSync(join(tmp.path, 'ref', 'm3'))), 'compile: identical maps');
  await both(t, (d) => ['-i', join(d, 'm3'), '--test', '--show-mappings', '--show-statistics', '--rule', '0', '--num-rep', '3', '--weight', '4', '0'], 'test');
  await both(t, () => ['-i', data('test-map-vary-r.crushmap'), '--test', '--show-bad-mappings', '--num-rep', '5'], 'bad mappings');
  await both(t, () => ['-d', data('crush-classes/beesly')], 'decompile to stdout');
  await both(t, () => ['-c', data('simple.template.adj.one')], 'compile without -o');
  await both(t, () => ['-i', data('test-map-a.crushmap'), '--compare', data('test-map-indep.crushmap'), '--num-rep', '3', '--max-x', '100'], 'compare');
});

t.test('argument and input errors', async (t) => {
  await both(t, () => [], 'no arguments');
  await both(t, () => ['-i', data('simple.template')], 'no action');
  await both(t, () => ['-i', data('simple.template'), '--test', '--bogus'], 'unrecognized argument');
  await both(t, () => ['--build', '--num_osds', '5', 'node', 'straw'], 'bad layers');
  await both(t, () => ['-d', data('rules.txt')], 'undecodable input');
  await both(t, () => ['-c', data('simple.template'), '-d', data('simple.template')], 'compile and decompile');
  await both(t, () => ['-i', data('simple.template'), '--test'], 'test without output');
  await both(t, () => ['-c', data('missing-bucket.crushmap.txt')], 'compile error');
});
