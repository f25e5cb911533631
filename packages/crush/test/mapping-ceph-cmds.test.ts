/**
 * Acceptance 1: the exact command lines of Ceph's tunables, vary-r, indep, firstn/indep and
 * tries-vs-retries .t tests (plus --pool-id, fractional --weight and --show-choose-tries), with
 * --show-mappings and --show-statistics, compared with the installed crushtool.
 */
import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { same } from './lib/diff';
import { data, crushtool } from './lib/ref';

let mappings = 0;

t.test("the command lines of Ceph's tunables, vary-r, indep and tries tests", async (t) => {
  const tmp = tempDir('crush-t-');
  t.teardown(tmp.cleanup);
  // test-map-firstn-indep.t compiles its map first.
  const fi = join(tmp.path, 'test-map-firstn-indep.crushmap');
  t.equal(crushtool(['-c', data('test-map-firstn-indep.txt'), '-o', fi]).code, 0);
  const a = data('test-map-a.crushmap');
  const vr = data('test-map-vary-r.crushmap');
  const legacy = ['--set-choose-local-tries', '2', '--set-choose-local-fallback-tries', '5', '--set-choose-total-tries', '19', '--set-chooseleaf-descend-once', '0'];
  const bobtail = ['--set-choose-local-tries', '0', '--set-choose-local-fallback-tries', '0', '--set-choose-total-tries', '50', '--set-chooseleaf-descend-once', '1'];
  const stats = ['--test', '--show-mappings', '--show-statistics'];
  const cmds: string[][] = [
    ['-i', a, ...stats, '--rule', '0'],
    ['-i', a, ...stats, '--rule', '0', ...legacy],
    ['-i', a, ...stats, '--rule', '0', ...bobtail],
    ['-i', a, ...stats, '--rule', '0', ...bobtail, '--set-chooseleaf-vary-r', '1', '--weight', '12', '0', '--weight', '20', '0', '--weight', '30', '0'],
    ['-i', data('test-map-indep.crushmap'), ...stats, '--rule', '1', ...bobtail.slice(0, 6), '--set-chooseleaf-descend-once', '2'],
    ['-i', data('test-map-hammer-tunables.crushmap'), ...stats, '--rule', '0', '--weight', '12', '0', '--weight', '20', '0', '--weight', '30', '0'],
    ['-i', data('test-map-jewel-tunables.crushmap'), ...stats, '--rule', '0', '--weight', '12', '0', '--weight', '20', '0', '--weight', '30', '0'],
    ['-i', data('test-map-tries-vs-retries.crushmap'), ...stats, '--weight', '0', '0', '--weight', '8', '0'],
    ['-i', vr, ...stats, '--rule', '0', ...bobtail, '--set-chooseleaf-vary-r', '1', '--weight', '12', '0', '--weight', '20', '0', '--weight', '30', '0'],
    ...[0, 1, 2, 3, 4].map((v) => ['-i', vr, ...stats, '--rule', '3', '--set-chooseleaf-vary-r', String(v), '--weight', '0', '0', '--weight', '4', '0', '--weight', '9', '0']),
    ['-i', fi, '--test', '--rule', '0', '--x', '1', '--show-bad-mappings'],
    ['-i', fi, '--test', '--rule', '1', '--x', '1', '--show-bad-mappings'],
    ['-i', fi, '--test', '--show-mappings', '--show-statistics', '--num-rep', '7', '--weight', '1', '0.5', '--weight', '6', '0.25'],
    ['-i', a, '--test', '--show-mappings', '--pool-id', '3', '--num-rep', '3', '--min-x', '100', '--max-x', '300'],
    ['-i', a, '--test', '--show-choose-tries', '--rule', '0', '--num-rep', '4'],
  ];
  for (const c of cmds) mappings += await same(t, c, c.slice(2).join(' '));
  // A map without any of those overrides, written back out, must also map identically.
  const out = join(tmp.path, 'vr-legacy');
  t.equal(crushtool(['-i', vr, ...legacy, '-o', out]).code, 0);
  mappings += await same(t, ['-i', out, '--test', '--show-mappings', '--num-rep', '3'], 'vary-r map with legacy tunables written back');
});

t.teardown(() => console.log(`# ${mappings} mappings compared with crushtool`));
