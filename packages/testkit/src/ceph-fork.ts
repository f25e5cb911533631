/**
 * The stock `ceph` CLI (Debian's /usr/bin/ceph) for the tests, forked from one preloaded Python
 * process (python/ceph-fork.py) instead of started afresh: the same script, arguments, environment,
 * working directory, stdin, stdout, stderr and exit status, without a third of a second of CPU per
 * command spent starting Python and importing rados. Commands run concurrently, as separate
 * processes would. `TS_CEPH_CEPH_FORK=0` makes `run('ceph', ...)` spawn the CLI as a process again.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import type { RunResult } from './proc';

const cephBin = '/usr/bin/ceph';
const python = '/usr/bin/python3';

interface Pending {
  resolve(r: RunResult): void;
  timer?: NodeJS.Timeout;
  pid?: number;
  killed: boolean;
}

interface Zygote {
  child: ChildProcess;
  pending: Map<number, Pending>;
}

let zygote: Zygote | undefined;
let nextId = 1;

/**
 * A long-lived helper process answering one line per message on its stdout: `onLine` gets each
 * line. Unreferenced, so it never keeps the test process alive by itself.
 */
export function spawnLineServer(cmd: string, args: string[], onLine: (line: string) => void): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.unref();
  (child.stdout as unknown as { unref(): void }).unref();
  (child.stdin as unknown as { unref(): void }).unref();
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      onLine(line);
    }
  });
  return child;
}

/** Whether `run(cmd)` should go through the preloaded CLI. */
export function forksCeph(cmd: string): boolean {
  return (cmd === 'ceph' || cmd === cephBin) && process.env.TS_CEPH_CEPH_FORK !== '0' && existsSync(cephBin);
}

const signalName = (n: number): NodeJS.Signals | null =>
  (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;

/** `ceph ARGS` with these options; resolves as `run('ceph', ARGS)` would. */
export function cephFork(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string | URL; input?: string | Buffer; timeoutMs?: number }): Promise<RunResult> {
  const z = ensureZygote();
  const id = nextId++;
  const stdin = opts.input === undefined ? '' : Buffer.from(opts.input).toString('base64');
  const cwd = opts.cwd === undefined ? process.cwd() : String(opts.cwd);
  return new Promise((resolve) => {
    const p: Pending = { resolve, killed: false };
    // The timer also keeps this process alive while the command runs (the zygote is unref'd).
    p.timer = setTimeout(() => {
      p.killed = true;
      if (p.pid !== undefined) killPid(p.pid);
    }, opts.timeoutMs ?? 60_000);
    z.pending.set(id, p);
    z.child.stdin!.write(JSON.stringify({ id, args, env: opts.env ?? process.env, cwd, stdin }) + '\n');
  });
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: its exit answer is on its way.
  }
}

function onMessage(z: Zygote, msg: { id: number; pid?: number; code?: number | null; signal?: number | null; stdout?: string; stderr?: string }): void {
  const p = z.pending.get(msg.id);
  if (!p) return;
  if (msg.pid !== undefined) {
    p.pid = msg.pid;
    if (p.killed) killPid(p.pid);
    return;
  }
  z.pending.delete(msg.id);
  if (p.timer) clearTimeout(p.timer);
  const stdoutBuf = Buffer.from(msg.stdout ?? '', 'base64');
  p.resolve({ code: msg.code ?? null, signal: msg.signal ? signalName(msg.signal) : null, stdout: stdoutBuf.toString('utf8'), stderr: Buffer.from(msg.stderr ?? '', 'base64').toString('utf8'), stdoutBuf });
}

function ensureZygote(): Zygote {
  if (zygote) return zygote;
  const script = join(repoRoot(), 'packages', 'testkit', 'python', 'ceph-fork.py');
  // The zygote must not keep a test process alive; a command in flight keeps it alive by its timer.
  const child = spawnLineServer(python, [script], (line) => onMessage(z, JSON.parse(line)));
  const z: Zygote = { child, pending: new Map() };
  zygote = z;
  child.on('exit', () => {
    if (zygote === z) zygote = undefined;
    for (const [, p] of z.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.resolve({ code: null, signal: 'SIGKILL', stdout: '', stderr: 'ceph: the preloaded CLI exited', stdoutBuf: Buffer.alloc(0) });
    }
    z.pending.clear();
  });
  return z;
}
