/**
 * Test helpers: the real crushtool/osdmaptool as oracles and the data directory. Generated maps draw
 * from testkit's seeded Prng (a failing case prints its seed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * Start crushtool and return its result later, so the caller can compute ours while it runs (the
 * differential tests spend about as long in each). Its output goes to files, not pipes: a caller
 * busy computing does not read, and a full pipe would stall crushtool until it did.
 */
export function crushtoolLater(args: string[]): Promise<ToolResult> {
  requireBinary('crushtool');
  const dir = mkdtempSync(join(tmpdir(), 'crushtool-'));
  const outPath = join(dir, 'out');
  const errPath = join(dir, 'err');
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  const child = spawn('crushtool', args, { stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  return new Promise<ToolResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') }));
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
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
