/**
 * Test helpers: the real crushtool/osdmaptool as oracles, the data directory, and a seeded PRNG for
 * generated maps (a failing case prints its seed).
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

/** mulberry32: a small deterministic PRNG for generated test cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

export function randInt(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
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
