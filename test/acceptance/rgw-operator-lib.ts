/**
 * ts-rgw set up and started the way an operator sets up radosgw (Ceph's docs, manual gateway
 * deployment): a cephx key made with `ceph auth get-or-create client.rgw.ID mon 'allow rw' osd
 * 'allow rwx' -o KEYRING`, a `[client.rgw.ID]` section in ceph.conf holding rgw_frontends (HTTP on
 * port, HTTPS on ssl_port with one PEM holding the certificate and its key: beast's default for
 * ssl_private_key), keyring and log_file, then `ts-rgw -c CONF -n client.rgw.ID` and nothing else.
 * Shared by rgw-operator (ts-osd) and rgw-ref (the real reference cluster).
 */
import { Test } from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { awsEnv, rgwBin, RgwUser, s3Client, selfSignedCert } from './rgw-lib';

const MiB = 1 << 20;

export interface OperatorCluster {
  conf: string;
  /** client.admin's keyring (ts-rgw-admin, the rados CLI). */
  keyring: string;
  dir: string;
  /** The stock ceph CLI as client.admin. */
  ceph(args: string[]): Promise<RunResult>;
  /** The stock rados CLI as client.admin (args include -p). */
  rados(args: string[]): Promise<RunResult>;
}

export interface OperatorGateway {
  /** client.rgw.ID */
  name: string;
  port: number;
  sslPort: number;
  /** The certificate alone, for the client's --ca-bundle. */
  cert: string;
  /** The log file named in its section. */
  log: string;
  /** `ts-rgw -c CONF -n NAME`, resolved once both listeners of its section are up; killed at the test's end. */
  start(): Promise<ChildProcess>;
  /** The gateway started last, while it runs. */
  current(): ChildProcess | undefined;
}

/** The key, keyring file, certificate and conf section of gateway `client.rgw.ID`. */
export async function setUpGateway(t: Test, c: OperatorCluster, id: string): Promise<OperatorGateway> {
  const name = `client.rgw.${id}`;
  const keyring = join(c.dir, `ceph.${name}.keyring`);
  const auth = await c.ceph(['auth', 'get-or-create', name, 'mon', 'allow rw', 'osd', 'allow rwx', '-o', keyring]);
  t.equal(auth.code, 0, `ceph auth get-or-create ${name}: ${auth.stderr}`);
  t.match(readFileSync(keyring, 'utf8'), new RegExp(`^\\[${name.replace(/\./g, '\\.')}\\]\\n\\s*key = \\S+`), 'its keyring file');
  const { cert, pem } = await selfSignedCert(c.dir, id);
  const port = await freePort();
  const sslPort = await freePort();
  const log = join(c.dir, `${name}.log`);
  appendFileSync(c.conf, `\n[${name}]\nrgw_frontends = beast port=${port} ssl_port=${sslPort} ssl_certificate=${pem}\nkeyring = ${keyring}\nlog_file = ${c.dir}/$name.log\n`);
  const started: ChildProcess[] = [];
  t.teardown(() => started.forEach((p) => p.kill('SIGKILL')));
  const running = () => started.filter((p) => p.exitCode === null && p.signalCode === null);
  const start = async (): Promise<ChildProcess> => {
    if (running().length) throw new Error(`${name} is running already`);
    const p = spawn(process.execPath, [rgwBin, '-c', c.conf, '-n', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(p);
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const up = await waitFor(() => (p.exitCode !== null ? 'exited' : out.includes(`listening on 0.0.0.0:${port}\n`) && out.includes(`listening with TLS on 0.0.0.0:${sslPort}\n`) && 'up'), 60_000, `${name} listening on its section's ports`, 50);
    if (up === 'exited') throw new Error(`${name} exited ${p.exitCode}: ${out}${tail(log)}`);
    return p;
  };
  return { name, port, sslPort, cert, log, start, current: () => running()[0] };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

/**
 * The gateway started from its section alone serves the stock AWS CLI on both of the section's
 * ports: a PUT and GET over HTTP, another over HTTPS (the certificate given to the client), the
 * first object read back over HTTPS too; its log goes to the section's log_file. The gateway is
 * left running.
 */
export async function operatorChecks(t: Test, gw: OperatorGateway, user: RgwUser): Promise<void> {
  await gw.start();
  const env = awsEnv(user);
  const http = s3Client(t, `http://127.0.0.1:${gw.port}`, env);
  const https = s3Client(t, `https://127.0.0.1:${gw.sslPort}`, env, ['--ca-bundle', gw.cert]);
  const body = randomBytes(MiB + 17);
  const dir = dirname(gw.cert);
  const file = join(dir, `${user.uid}.body`);
  writeFileSync(file, body);
  await http.ok(['s3', 'mb', `s3://${user.uid}-b`]);
  await http.ok(['s3api', 'put-object', '--bucket', `${user.uid}-b`, '--key', 'http.bin', '--body', file]);
  t.ok((await http.s3(['s3', 'cp', `s3://${user.uid}-b/http.bin`, '-'])).stdoutBuf.equals(body), 'PUT and GET over HTTP on the port of rgw_frontends');
  await https.ok(['s3api', 'put-object', '--bucket', `${user.uid}-b`, '--key', 'https.bin', '--body', file]);
  t.ok((await https.s3(['s3', 'cp', `s3://${user.uid}-b/https.bin`, '-'])).stdoutBuf.equals(body), 'PUT and GET over HTTPS on its ssl_port');
  t.ok((await https.s3(['s3', 'cp', `s3://${user.uid}-b/http.bin`, '-'])).stdoutBuf.equals(body), 'the object PUT over HTTP reads back over HTTPS');
  t.ok(await waitFor(() => tail(gw.log).includes(`serving S3 on https://0.0.0.0:${gw.sslPort}`), 10_000, 'the log in the log_file of the section', 100), "its log is in the section's log_file");
}
