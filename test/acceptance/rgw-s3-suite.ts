/** The aws s3 suite of rgw-s3 (ts-osd) and rgw-ref (the real reference cluster). */
import { Test } from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { freePort, run, RunResult, waitFor } from '@ts-ceph/testkit';
import { aws, awsBin } from '../lib/aws-shell';
import { httpsClientChecks } from './rgw-clients-lib';
import { defaultRgwUser, selfSignedCert } from './rgw-lib';

const rgwBin = join(repoRoot(), 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw.js');
const adminBin = join(repoRoot(), 'packages', 'rgw', 'dist', 'src', 'bin', 'ts-rgw-admin.js');

export interface RgwCluster {
  conf: string;
  keyring: string;
  dir: string;
  /** The stock rados CLI on any pool (args include -p). */
  rados(args: string[]): Promise<RunResult>;
}

export async function s3Suite(t: Test, c: RgwCluster): Promise<void> {
  let rgw: ChildProcess | undefined;
  t.teardown(() => void rgw?.kill('SIGKILL'));
  const common = ['-c', c.conf, '-n', 'client.admin', '--keyring', c.keyring];
  const mk = await run(process.execPath, [adminBin, ...common, 'user', 'create', '--uid', 'tester', '--display-name', 'Test User', '--access-key', 'TESTAK', '--secret-key', 'testsecret'], { timeoutMs: 60_000 });
  t.equal(mk.code, 0, `ts-rgw-admin user create: ${mk.stderr}`);
  t.match(JSON.parse(mk.stdout), { user_id: 'tester', display_name: 'Test User', keys: [{ user: 'tester', access_key: 'TESTAK', secret_key: 'testsecret' }] }, 'radosgw-admin JSON');
  const again = await run(process.execPath, [adminBin, ...common, 'user', 'create', '--uid', 'tester', '--display-name', 'x'], { timeoutMs: 60_000 });
  t.equal(again.code, 17, 'creating the user twice: EEXIST');

  const port = await freePort();
  const tlsPort = await freePort();
  const { cert, key } = await selfSignedCert(c.dir);
  const fe = `beast port=${port} ssl_port=${tlsPort} ssl_certificate=${cert} ssl_private_key=${key}`;
  rgw = spawn(process.execPath, [rgwBin, ...common, '-d', '--rgw-frontends', fe], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  rgw.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  rgw.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('listening with TLS on'), 60_000, 'ts-rgw listening', 100);

  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'TESTAK', AWS_SECRET_ACCESS_KEY: 'testsecret', AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required' };
  const s3 = (args: string[], e: NodeJS.ProcessEnv = env) => aws(['--endpoint-url', `http://127.0.0.1:${port}`, ...args], { env: e, timeoutMs: 60_000 });
  const ok = async (args: string[]) => {
    const r = await s3(args);
    t.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr.slice(-500)}`);
    return r.stdout;
  };

  await ok(['s3', 'mb', 's3://bkt']);
  t.match(await ok(['s3', 'ls']), /\bbkt\n/, 'aws s3 ls lists the bucket');
  const again2 = await s3(['s3api', 'create-bucket', '--bucket', 'bkt']);
  t.match(again2.stderr, /BucketAlreadyOwnedByYou/, 'creating it again');

  const body = Buffer.alloc(6 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 10)) & 0xff;
  const file = join(c.dir, 'obj.bin');
  writeFileSync(file, body);
  await ok(['s3', 'cp', file, 's3://bkt/dir/a.bin']);
  await ok(['s3', 'cp', file, 's3://bkt/dir/sub/b.bin']);
  await ok(['s3', 'cp', file, 's3://bkt/top.bin']);
  const back = await s3(['s3', 'cp', 's3://bkt/dir/a.bin', '-']);
  t.ok(back.stdoutBuf.equals(body), 'aws s3 cp reads the 6 MiB object back byte for byte');
  const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'bkt', '--key', 'dir/a.bin'])) as { ContentLength: number; ETag: string };
  t.same([head.ContentLength, head.ETag], [body.length, `"${createHash('md5').update(body).digest('hex')}"`], 'HEAD: length and md5 ETag');
  const rangeFile = join(c.dir, 'range.bin');
  await ok(['s3api', 'get-object', '--bucket', 'bkt', '--key', 'dir/a.bin', '--range', 'bytes=4194300-4194309', rangeFile]);
  const r = await run('cat', [rangeFile]);
  t.ok(r.stdoutBuf.equals(body.subarray(4194300, 4194310)), 'a range across the stripe boundary');
  const list = JSON.parse(await ok(['s3api', 'list-objects-v2', '--bucket', 'bkt', '--prefix', 'dir/', '--delimiter', '/'])) as { Contents: { Key: string }[]; CommonPrefixes: { Prefix: string }[] };
  t.same([list.Contents.map((x) => x.Key), list.CommonPrefixes.map((x) => x.Prefix)], [['dir/a.bin'], ['dir/sub/']], 'ListObjectsV2 with prefix and delimiter');
  const paged = JSON.parse(await ok(['s3api', 'list-objects-v2', '--bucket', 'bkt', '--page-size', '1'])) as { Contents: { Key: string }[] };
  t.same(paged.Contents.map((x) => x.Key), ['dir/a.bin', 'dir/sub/b.bin', 'top.bin'], 'ListObjectsV2 paged one key at a time (continuation tokens)');

  const idx = await c.rados(['-p', 'ts-rgw.index', 'ls']);
  const indexObj = idx.stdout.trim().split('\n').find((l) => l.startsWith('index.bkt.'));
  t.ok(indexObj, 'the bucket index object is in the index pool');
  const keys = await c.rados(['-p', 'ts-rgw.index', 'listomapkeys', indexObj!]);
  const omapKeys = keys.stdout.split('\n').filter(Boolean);
  t.same(omapKeys.filter((k) => !k.startsWith('\u{10FFFF}')), ['dir/a.bin', 'dir/sub/b.bin', 'top.bin'], 'rados listomapkeys shows the index entries');
  t.equal(omapKeys.filter((k) => k.startsWith('\u{10FFFF}v')).length, 3, 'and one version entry per object (docs/formats/rgw.md, "Versions")');
  const data = await c.rados(['-p', 'ts-rgw.data', 'ls']);
  t.equal(data.stdout.split('\n').filter(Boolean).length, 6, 'three objects in two 4 MiB stripes each');

  await gcChecks(t, c, common, indexObj!);
  t.ok((await s3(['s3', 'cp', 's3://bkt/top.bin', '-'])).stdoutBuf.equals(body), 'the objects still read back');
  await intentChecks(t, c, ok, s3, indexObj!, body.subarray(0, 1 << 20));

  t.match((await s3(['s3', 'rb', 's3://bkt'])).stderr, /BucketNotEmpty/, 'a bucket with objects is not removed');
  t.match((await s3(['s3api', 'get-object', '--bucket', 'bkt', '--key', 'nope', join(c.dir, 'x')])).stderr, /NoSuchKey/, 'NoSuchKey');
  t.match((await s3(['s3', 'ls'], { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' })).stderr, /SignatureDoesNotMatch/, 'a wrong secret is refused');
  t.match((await s3(['s3', 'ls'], { ...env, AWS_ACCESS_KEY_ID: 'NOSUCH' })).stderr, /InvalidAccessKeyId/, 'an unknown access key is refused');
  await ok(['s3', 'rm', '--recursive', 's3://bkt/']);
  const dataAfter = await c.rados(['-p', 'ts-rgw.data', 'ls']);
  t.equal(dataAfter.stdout.trim(), '', 'deleting the objects removed their stripes');
  await ok(['s3', 'rb', 's3://bkt']);
  t.notMatch(await ok(['s3', 'ls']), /bkt/, 'the bucket is gone');

  await badInputChecks(t, port, ok);

  // HTTPS with the self-signed certificate given to the client; refused without it.
  const tls = (args: string[]) => aws(['--endpoint-url', `https://127.0.0.1:${tlsPort}`, '--ca-bundle', cert, ...args], { env, timeoutMs: 60_000 });
  t.equal((await tls(['s3', 'mb', 's3://secure'])).code, 0, 'aws s3 mb over HTTPS');
  // One attempt: the CLI retries a failed handshake with backoff (about 10 s in all).
  const untrusted = await run(awsBin, ['--endpoint-url', `https://127.0.0.1:${tlsPort}`, 's3', 'ls'], { env: { ...env, AWS_MAX_ATTEMPTS: '1' }, timeoutMs: 60_000 });
  t.match(untrusted, { code: 255, stderr: /SSL validation failed.*CERTIFICATE_VERIFY_FAILED/ }, 'an untrusted certificate is refused by the client');
  t.equal((await tls(['s3', 'cp', file, 's3://secure/f'])).code, 0, 'PUT over HTTPS');
  t.ok((await tls(['s3', 'cp', 's3://secure/f', '-'])).stdoutBuf.equals(body), 'GET over HTTPS, byte for byte');
  await httpsClientChecks(t, c.dir, { sslPort: tlsPort, cert, user: defaultRgwUser });
}

/**
 * A one-stripe object of 1 MiB (past intentApartBytesMin, so its head's intent xattr went in an op
 * of its own beside the data's): the head stripe carries the intent naming the key and version
 * entry (docs/formats/rgw.md, "Atomicity"), and the object reads back byte for byte.
 */
async function intentChecks(t: Test, c: RgwCluster, ok: (args: string[]) => Promise<string>, s3: (args: string[]) => Promise<RunResult>, indexObj: string, mid: Buffer): Promise<void> {
  const file = join(c.dir, 'mid.bin');
  writeFileSync(file, mid);
  await ok(['s3', 'cp', file, 's3://bkt/mid.bin']);
  const entryFile = join(c.dir, 'mid.entry');
  t.equal((await c.rados(['-p', 'ts-rgw.index', 'getomapval', indexObj, 'mid.bin', entryFile])).code, 0, 'the index entry of the 1 MiB object');
  const entry = JSON.parse(readFileSync(entryFile, 'utf8')) as { data: string; vkey: string };
  const intent = await c.rados(['-p', 'ts-rgw.data', 'getxattr', `${entry.data}.0`, 'ts-rgw.intent']);
  t.same(JSON.parse(intent.stdout), { key: 'mid.bin', vkey: entry.vkey }, 'its head stripe names the key and version entry it was written for');
  t.ok((await s3(['s3', 'cp', 's3://bkt/mid.bin', '-'])).stdoutBuf.equals(mid), 'and reads back byte for byte');
}

/** Bad input answered with S3 error documents, the gateway still serving afterwards. */
async function badInputChecks(t: Test, port: number, ok: (args: string[]) => Promise<string>): Promise<void> {
  const raw = async (init: RequestInit & { path?: string } = {}) => {
    const r = await fetch(`http://127.0.0.1:${port}${init.path ?? '/'}`, init);
    return { status: r.status, id: r.headers.get('x-amz-request-id'), body: await r.text() };
  };
  const anon = await raw();
  t.match(anon, { status: 403, body: /<Code>AccessDenied<\/Code>.*<RequestId>[0-9a-f]{24}<\/RequestId>/ }, 'an anonymous request: AccessDenied');
  t.match(anon.id, /^[0-9a-f]{24}$/, 'with x-amz-request-id');
  t.match(await raw({ headers: { authorization: 'AWS4-HMAC-SHA256 garbage' } }), { status: 400, body: /AuthorizationHeaderMalformed/ }, 'a malformed Authorization header');
  t.match(await raw({ headers: { authorization: 'AWS TESTAK:c2lnbmF0dXJl' } }), { status: 403, body: /AccessDenied/ }, 'SigV2 without a Date: AccessDenied (radosgw: missing date)');
  t.match(await raw({ headers: { authorization: 'AWS TESTAK:c2lnbmF0dXJl', date: new Date().toUTCString() } }), { status: 403, body: /SignatureDoesNotMatch/ }, 'SigV2 with a wrong signature: SignatureDoesNotMatch');
  t.match(await raw({ headers: { 'x-big': 'a'.repeat(64 << 10) } }), { status: 431 }, 'oversized headers: 431');
  await ok(['s3', 'ls']);
}

/**
 * A gateway that died mid-upload: its stripe and pending record are there, no index entry names
 * them. `ts-rgw-admin gc process --include-all` removes them and leaves the live objects alone.
 */
async function gcChecks(t: Test, c: RgwCluster, common: string[], indexObj: string): Promise<void> {
  const bucketId = indexObj.slice('index.'.length);
  const ghostFile = join(c.dir, 'ghost');
  writeFileSync(ghostFile, 'ghost');
  await c.rados(['-p', 'ts-rgw.data', 'put', `${bucketId}_ghost.0`, ghostFile]);
  await c.rados(['-p', 'ts-rgw.index', 'setomapval', `pending.${bucketId}`, `${bucketId}_ghost`, JSON.stringify({ key: 'ghost', data: `${bucketId}_ghost`, size: 5, startedMs: 0 })]);
  const gc = await run(process.execPath, [adminBin, ...common, 'gc', 'process', '--include-all'], { timeoutMs: 60_000 });
  t.equal(gc.code, 0, `ts-rgw-admin gc process: ${gc.stderr}`);
  const afterGc = (await c.rados(['-p', 'ts-rgw.data', 'ls'])).stdout.split('\n').filter(Boolean);
  t.same([afterGc.length, afterGc.some((o) => o.includes('_ghost'))], [6, false], 'the dead upload stripe is collected, the live ones stay');
  t.equal((await c.rados(['-p', 'ts-rgw.index', 'listomapkeys', `pending.${bucketId}`])).stdout, '', 'and its pending record');
}
