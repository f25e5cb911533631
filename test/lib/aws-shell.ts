/**
 * The stock AWS CLI (Debian's awscli 2.x) for the S3 acceptance tests, hosted by aws-shell.py in
 * one long-lived /usr/bin/python3 so that each command does not pay a second of CPU importing
 * botocore: the same entry point as /usr/bin/aws, the same arguments, environment, stdin, stdout,
 * stderr and exit code. Commands run one at a time, in the order they are issued (as the tests
 * await them). A command that overruns its timeout kills the interpreter (the next one starts a
 * new one) and answers as a killed process would.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { RunResult, spawnLineServer } from '@ts-ceph/testkit';

/** Debian's AWS CLI; the tests use no other. */
export const awsBin = '/usr/bin/aws';
const python = '/usr/bin/python3';
const script = join(repoRoot(), 'test', 'lib', 'aws-shell.py');

interface Pending {
  line: string;
  timeoutMs: number;
  resolve(r: RunResult): void;
}

let shell: { child: ChildProcess } | undefined;
const queue: Pending[] = [];
let busy: { p: Pending; timer: NodeJS.Timeout; child: ChildProcess } | undefined;

/** `aws ARGS` with this environment and stdin. */
export function aws(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {}): Promise<RunResult> {
  if (!existsSync(awsBin)) throw new Error(`${awsBin} is not installed: run .ci/run (or scripts/setup.sh) to install the Debian packages`);
  const input = opts.input === undefined ? '' : Buffer.from(opts.input).toString('base64');
  const line = JSON.stringify({ args, env: opts.env ?? process.env, stdin: input }) + '\n';
  return new Promise((resolve) => {
    queue.push({ line, timeoutMs: opts.timeoutMs ?? 60_000, resolve });
    next();
  });
}

function next(): void {
  if (busy || queue.length === 0) return;
  const p = queue.shift()!;
  const s = ensureShell();
  const timer = setTimeout(() => {
    if (shell === s) shell = undefined;
    s.child.kill('SIGKILL');
    finish({ code: null, signal: 'SIGKILL', stdout: '', stderr: 'aws: timed out', stdoutBuf: Buffer.alloc(0) });
  }, p.timeoutMs);
  busy = { p, timer, child: s.child };
  s.child.stdin!.write(p.line);
}

function finish(r: RunResult): void {
  if (!busy) return;
  clearTimeout(busy.timer);
  const { p } = busy;
  busy = undefined;
  p.resolve(r);
  next();
}

function ensureShell(): { child: ChildProcess } {
  if (shell) return shell;
  const child = spawnLineServer(python, [script], (line) => {
    const msg = JSON.parse(line) as { code: number; stdout: string; stderr: string };
    if (busy?.child !== child) return;
    const stdoutBuf = Buffer.from(msg.stdout, 'base64');
    finish({ code: msg.code, signal: null, stdout: stdoutBuf.toString('utf8'), stderr: Buffer.from(msg.stderr, 'base64').toString('utf8'), stdoutBuf });
  });
  const s = { child };
  shell = s;
  child.on('exit', () => {
    if (shell === s) shell = undefined;
    if (busy?.child === child) finish({ code: null, signal: 'SIGKILL', stdout: '', stderr: 'aws: the interpreter exited', stdoutBuf: Buffer.alloc(0) });
  });
  return s;
}
