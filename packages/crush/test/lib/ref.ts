/**
 * Test helpers: the real crushtool/osdmaptool as oracles and the data directory. Generated maps draw
 * from testkit's seeded Prng (a failing case prints its seed).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from '@ts-ceph/testkit';

/** packages/crush/test/data (tests run from dist/test). */
export const dataDir = join(__dirname, '..', '..', '..', 'test', 'data');

export function data(name: string): string {
  return join(dataDir, name);
}

export function readData(name: string): Buffer {
  return readFileSync(data(name));
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a Ceph tool synchronously (they are quick); a missing binary fails the test. */
export function tool(name: 'crushtool' | 'osdmaptool', args: string[], cwd?: string): ToolResult {
  requireBinary(name);
  const r = spawnSync(name, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  // A crash (signal) is reported as -1: no status to compare with.
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function crushtool(args: string[], cwd?: string): ToolResult {
  return tool('crushtool', args, cwd);
}

/** The first differing line of two texts, for compact failure messages. */
export function firstDiff(a: string, b: string): string | undefined {
  if (a === b) return undefined;
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: expected ${JSON.stringify(al[i])}, got ${JSON.stringify(bl[i])}`;
  }
  return 'texts differ';
}
