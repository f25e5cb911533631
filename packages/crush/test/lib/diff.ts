/**
 * Differential helpers: run ts-crushtool in-process and crushtool as a subprocess with the same
 * arguments, and compare what they print.
 */
import { CrushtoolResult, runCrushtool } from '../../src/tool/crushtool';
import { crushtoolLater, firstDiff } from './ref';

/** Run ts-crushtool in-process, naming itself "crushtool" in messages so outputs compare. */
export function ours(args: string[]): CrushtoolResult {
  return runCrushtool(args, 'crushtool');
}

/** The assertions these helpers use (tap's Test, structurally). */
export interface Asserts {
  pass(m: string): unknown;
  fail(m: string): unknown;
  equal(a: unknown, b: unknown, m: string): unknown;
}

/** Compare both tools on `args`; crushtool runs while ours computes. Returns the mappings compared. */
export async function same(t: Asserts, args: string[], what: string): Promise<number> {
  const later = crushtoolLater(args);
  const got = ours(args);
  const ref = await later;
  const d = firstDiff(ref.stdout, got.stdout);
  if (d) t.fail(`${what}: ${d}`);
  else t.pass(`${what} (${ref.stdout.split('\n').length - 1} lines)`);
  t.equal(got.code, ref.code, `${what}: exit status`);
  return ref.stdout.split('\n').filter((l) => l.startsWith('CRUSH ')).length;
}

