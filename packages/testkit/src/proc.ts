import { spawn, SpawnOptions, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cephFork, forksCeph } from './ceph-fork';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBuf: Buffer;
}

/** Run a command to completion with a timeout (SIGKILL after `timeoutMs`). Never throws on exit status. */
export function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
  // The stock ceph CLI, forked from a preloaded interpreter (ceph-fork.ts says why).
  if (forksCeph(cmd)) return cephFork(args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBuf = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBuf.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBuf });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** Binaries already found, by name: a look-up costs a shell, as much as a short tool run. */
const binaries = new Map<string, string>();

/** Throw (failing the test) if a binary the test needs is not installed. Never skip silently. */
export function requireBinary(name: string): string {
  const known = binaries.get(name);
  if (known !== undefined) return known;
  try {
    const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    binaries.set(name, path);
    return path;
  } catch {
    throw new Error(`${name} is not installed: run .ci/run (or scripts/setup.sh) to install the Debian packages`);
  }
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory; removed by the returned cleanup. */
export function tempDir(prefix = 'ts-ceph-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // TS_CEPH_KEEP_TMP=1 keeps every test's directory (daemon logs, stores) for a post-mortem.
  if (process.env.TS_CEPH_KEEP_TMP === '1') return { path, cleanup: () => undefined };
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * TS_CEPH_SETUP_TIMES=1 prints the seconds each set-up step took on stderr (docs/FLAKES.md, "Set-up
 * cost"): the numbers to compare when making the set-up cheaper.
 */
export function setupMarks(what: string): (step: string) => void {
  if (process.env.TS_CEPH_SETUP_TIMES !== '1') return () => undefined;
  const t0 = performance.now();
  let last = t0;
  return (step) => {
    const now = performance.now();
    process.stderr.write(`# set-up ${what}: ${step} +${((now - last) / 1000).toFixed(2)} s (${((now - t0) / 1000).toFixed(2)} s)\n`);
    last = now;
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * A wall-time bound that an acceptance criterion states for an idle machine, stretched by the
 * runnable processes per core (1-minute load average / cores, at least 1): on a shared 2-core CI
 * machine at load 16 the same work takes several times as long, and a test must not measure that.
 */
export function loadScaledMs(idleMs: number): number {
  return idleMs * Math.max(1, loadavg()[0]! / cpus().length);
}
