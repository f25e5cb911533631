/**
 * Shared set-up of the ts-rgw acceptance tests: a user made with ts-rgw-admin, ts-rgw started on
 * a free port against a cluster's conf (ts-osd or the real reference cluster), and the stock AWS
 * CLI pointed at it.
 */
import { Test } from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { freePort, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { aws } from '../lib/aws-shell';

export const rgwBin = join(repoRoot(), 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw.js');
export const rgwAdminBin = join(repoRoot(), 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw-admin.js');

export interface RgwHandle {
  port: number;
  /** The HTTPS port, when started with a certificate. */
  sslPort?: number;
  /** Who the AWS CLI acts as (secret: testsecret). */
  user: RgwUser;
  env: NodeJS.ProcessEnv;
  /** The admin's -c/-n/--keyring arguments, for ts-rgw-admin. */
  common: string[];
  /** Run `aws --endpoint-url http://127.0.0.1:PORT ...`, whatever its exit code. */
  s3(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
  /** The same, asserting exit code 0; returns stdout. */
  ok(args: string[]): Promise<string>;
  /** ts-rgw-admin with the admin's arguments. */
  admin(args: string[]): Promise<RunResult>;
}

/** Who the tests act as: `tester` (TESTAK / testsecret) unless a suite shares a cluster with another. */
export interface RgwUser {
  uid: string;
  accessKey: string;
}

export const defaultRgwUser: RgwUser = { uid: 'tester', accessKey: 'TESTAK' };

/** What a test may add to ts-rgw's command line, and who it acts as. */
export interface RgwStartOptions {
  /** More options ("--rgw-dns-name", "s3.test", ...). */
  args?: string[];
  /** A PEM file with the certificate and its key: HTTPS on a second port too. */
  sslCertificate?: string;
  user?: RgwUser;
}

/** A self-signed certificate for 127.0.0.1 (its files in the test's directory). */
export interface SelfSignedCert {
  /** The certificate alone: the CA the clients are given (--ca-bundle, ca_certs_file, verify=). */
  cert: string;
  /** Its private key alone (beast's ssl_private_key). */
  key: string;
  /** Both in one PEM file: beast's ssl_certificate without ssl_private_key. */
  pem: string;
}

/**
 * `openssl req -x509` for CN and IP SAN 127.0.0.1, valid one day, as NAME.crt, NAME.key and
 * NAME.pem in `dir`; the clients check the host name against the SAN, so the gateway is reached
 * as https://127.0.0.1:PORT.
 */
export async function selfSignedCert(dir: string, name = 'rgw'): Promise<SelfSignedCert> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  const gen = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { timeoutMs: 60_000 });
  if (gen.code !== 0) throw new Error(`openssl req -x509: exit ${gen.code}: ${gen.stderr.slice(-300)}`);
  writeFileSync(pem, Buffer.concat([readFileSync(cert), readFileSync(key)]), { mode: 0o600 });
  return { cert, key, pem };
}

/** `ts-rgw-admin user create` for `user` (secret: testsecret), with the admin's -c/-n/--keyring. */
export async function createRgwUser(t: Test, common: string[], user: RgwUser = defaultRgwUser): Promise<void> {
  const mk = await run(process.execPath, [rgwAdminBin, ...common, 'user', 'create', '--uid', user.uid, '--display-name', 'Test User', '--access-key', user.accessKey, '--secret-key', 'testsecret'], { timeoutMs: 60_000 });
  t.equal(mk.code, 0, `ts-rgw-admin user create: ${mk.stderr}`);
}

/** The AWS CLI's environment acting as `user`, nothing read from the machine's own AWS config. */
export function awsEnv(user: RgwUser): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: user.accessKey, AWS_SECRET_ACCESS_KEY: 'testsecret', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required' };
}

/** `aws --endpoint-url ENDPOINT [extra] ...`: s3 whatever its exit code, ok asserting 0 and returning stdout. */
export function s3Client(t: Test, endpoint: string, env: NodeJS.ProcessEnv, extra: string[] = []): Pick<RgwHandle, 's3' | 'ok'> {
  const s3 = (args: string[], e: NodeJS.ProcessEnv = env) => aws(['--endpoint-url', endpoint, ...extra, ...args], { env: e, timeoutMs: 300_000 });
  const ok = async (args: string[]) => {
    const r = await s3(args);
    t.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr.slice(-500)}`);
    return r.stdout;
  };
  return { s3, ok };
}

/** Make the user and start ts-rgw; it is killed at the test's end. */
export async function startRgw(t: Test, c: { conf: string; keyring: string }, o: RgwStartOptions = {}): Promise<RgwHandle> {
  const user = o.user ?? defaultRgwUser;
  let rgw: ChildProcess | undefined;
  t.teardown(() => void rgw?.kill('SIGKILL'));
  const common = ['-c', c.conf, '-n', 'client.admin', '--keyring', c.keyring];
  const admin = (args: string[]) => run(process.execPath, [rgwAdminBin, ...common, ...args], { timeoutMs: 60_000 });
  await createRgwUser(t, common, user);
  const port = await freePort();
  const sslPort = o.sslCertificate ? await freePort() : undefined;
  const frontends = `beast port=${port}${o.sslCertificate ? ` ssl_port=${sslPort} ssl_certificate=${o.sslCertificate}` : ''}`;
  rgw = spawn(process.execPath, [rgwBin, ...common, '-d', '--rgw-frontends', frontends, ...(o.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  rgw.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  rgw.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('listening on') && (!o.sslCertificate || out.includes('listening with TLS')), 60_000, 'ts-rgw listening', 100);
  const env = awsEnv(user);
  return { port, sslPort, user, env, common, ...s3Client(t, `http://127.0.0.1:${port}`, env), admin };
}
