/**
 * Shared set-up of the ts-rgw bucket-feature acceptance tests: a user made with ts-rgw-admin, a
 * ts-rgw on a cluster (ts-osd or the real reference cluster), and the AWS CLI pointed at it.
 */
import { Test } from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { freePort, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { aws } from '../lib/aws-shell';

export const rgwBin = join(repoRoot(), 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw.js');
export const rgwAdminBin = join(repoRoot(), 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw-admin.js');

export interface RgwTarget {
  conf: string;
  keyring: string;
  dir: string;
  /** The stock rados CLI (args include -p). */
  rados(args: string[]): Promise<RunResult>;
}

export interface RgwClient {
  port: number;
  env: NodeJS.ProcessEnv;
  /** `aws --endpoint-url ... args`, whatever its exit code. */
  s3(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
  /** The same, asserting success; the stdout parsed as JSON when it is JSON. */
  ok(args: string[]): Promise<string>;
  admin(args: string[]): Promise<RunResult>;
}

/** Make user `tester` (TESTAK/testsecret), start ts-rgw and wait until it serves. */
export async function startRgw(t: Test, c: RgwTarget): Promise<RgwClient> {
  let rgw: ChildProcess | undefined;
  t.teardown(() => void rgw?.kill('SIGKILL'));
  const common = ['-c', c.conf, '-n', 'client.admin', '--keyring', c.keyring];
  const admin = (args: string[]) => run(process.execPath, [rgwAdminBin, ...common, ...args], { timeoutMs: 60_000 });
  const mk = await admin(['user', 'create', '--uid', 'tester', '--display-name', 'Test User', '--access-key', 'TESTAK', '--secret-key', 'testsecret']);
  t.equal(mk.code, 0, `ts-rgw-admin user create: ${mk.stderr}`);
  const port = await freePort();
  rgw = spawn(process.execPath, [rgwBin, ...common, '-d', '--rgw-frontends', `beast port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  rgw.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  rgw.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('listening on'), 60_000, 'ts-rgw listening', 100);
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'TESTAK', AWS_SECRET_ACCESS_KEY: 'testsecret', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required' };
  const s3 = (args: string[], e: NodeJS.ProcessEnv = env) => aws(['--endpoint-url', `http://127.0.0.1:${port}`, ...args], { env: e, timeoutMs: 60_000 });
  const ok = async (args: string[]) => {
    const r = await s3(args);
    t.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr.slice(-500)}`);
    return r.stdout;
  };
  return { port, env, s3, ok, admin };
}
