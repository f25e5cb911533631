/**
 * SSE-C and browser-based POST uploads of ts-rgw on ts-osd, with real clients: the AWS CLI over
 * HTTPS with customer keys (put, get, head, a range, copy between keys, an 11 MiB multipart upload
 * through `aws s3 cp --sse-c`), radosgw's answers without the key, with another key and over plain
 * HTTP; the bytes in RADOS are not the plaintext; boto3's generate_presigned_post (SigV4 and SigV2)
 * sent with curl -F, and forms that break their policy.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run } from '@ts-ceph/testkit';
import { createPool, startTsOsdCluster } from './osd-lib';
import { selfSignedCert, startRgw } from './rgw-lib';

const PRESIGN_POST = `
import sys, json, boto3
from botocore.client import Config
endpoint, sigver, expires = sys.argv[1], sys.argv[2], int(sys.argv[3])
s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id='TESTAK', aws_secret_access_key='testsecret', region_name='us-east-1', config=Config(signature_version=sigver))
fields = {'acl': 'public-read', 'Content-Type': 'text/plain', 'success_action_status': '201'}
conditions = [{'acl': 'public-read'}, {'Content-Type': 'text/plain'}, {'success_action_status': '201'}, ['content-length-range', 1, 1000]]
print(json.dumps(s3.generate_presigned_post('posts', 'uploads/\${filename}', Fields=fields, Conditions=conditions, ExpiresIn=expires)))
`;

t.test('SSE-C and presigned POST against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p', debugOsd: 1 });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  const dir = c.mon.dir;
  const { cert, pem } = await selfSignedCert(dir);
  const { ok, port, sslPort, env } = await startRgw(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring }, { sslCertificate: pem });
  const aws = requireBinary('aws');
  // Multipart from 5 MiB on, in 5 MiB parts.
  const awsConf = join(dir, 'aws.conf');
  writeFileSync(awsConf, '[default]\ns3 =\n    multipart_threshold = 5MB\n    multipart_chunksize = 5MB\n');
  const tls = (args: string[]) => run(aws, ['--endpoint-url', `https://127.0.0.1:${sslPort}`, '--ca-bundle', cert, ...args], { env: { ...env, AWS_CONFIG_FILE: awsConf }, timeoutMs: 120_000 });
  const tlsOk = async (args: string[]) => {
    const r = await tls(args);
    t.equal(r.code, 0, `aws ${args.slice(0, 3).join(' ')}: ${r.stderr.slice(-400)}`);
    return r.stdout;
  };
  const k1 = ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', 'k'.repeat(32)];
  const k2 = ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', 'z'.repeat(32)];
  await ok(['s3', 'mb', 's3://sse']);
  const plain = Buffer.from(Array.from({ length: 10_000 }, (_, i) => 65 + (i % 26)));
  const src = join(dir, 'plain.bin');
  writeFileSync(src, plain);

  const put = JSON.parse(await tlsOk(['s3api', 'put-object', '--bucket', 'sse', '--key', 'secret', '--body', src, ...k1])) as { ETag: string; SSECustomerAlgorithm: string; SSECustomerKeyMD5: string };
  t.equal(put.SSECustomerAlgorithm, 'AES256', 'PUT answers the algorithm');
  t.equal(put.ETag, `"${createHash('md5').update(plain).digest('hex')}"`, "the ETag is the plaintext's MD5 (radosgw hashes before encrypting)");
  await tlsOk(['s3api', 'get-object', '--bucket', 'sse', '--key', 'secret', ...k1, join(dir, 'out.bin')]);
  t.same(readFileSync(join(dir, 'out.bin')), plain, 'GET with the key: the plaintext');
  await tlsOk(['s3api', 'get-object', '--bucket', 'sse', '--key', 'secret', '--range', 'bytes=4090-8200', ...k1, join(dir, 'range.bin')]);
  t.same(readFileSync(join(dir, 'range.bin')), plain.subarray(4090, 8201), 'a range across a 4 KiB chunk boundary');
  const head = JSON.parse(await tlsOk(['s3api', 'head-object', '--bucket', 'sse', '--key', 'secret', ...k1])) as { ContentLength: number; SSECustomerKeyMD5: string };
  t.same([head.ContentLength, head.SSECustomerKeyMD5], [10_000, put.SSECustomerKeyMD5], 'HEAD with the key');
  t.match((await tls(['s3api', 'get-object', '--bucket', 'sse', '--key', 'secret', join(dir, 'x')])).stderr, /InvalidArgument/, 'GET without the key: 400 InvalidArgument (radosgw EINVAL)');
  t.match((await tls(['s3api', 'get-object', '--bucket', 'sse', '--key', 'secret', ...k2, join(dir, 'x')])).stderr, /InvalidArgument.*MD5/, 'GET with another key: refused');
  t.match((await tls(['s3api', 'head-object', '--bucket', 'sse', '--key', 'secret'])).stderr, /400/, 'HEAD without the key: 400');
  const http = await run(aws, ['--endpoint-url', `http://127.0.0.1:${port}`, 's3api', 'put-object', '--bucket', 'sse', '--key', 'insecure', '--body', src, ...k1], { env, timeoutMs: 60_000 });
  t.match(http.stderr, /InvalidRequest/, 'SSE-C over plain HTTP: InvalidRequest (rgw_crypt_require_ssl)');

  // What RADOS holds is not the plaintext (and has its length).
  const ls = await c.rados(['-p', 'ts-rgw.data', 'ls'], { noPool: true });
  const objs = ls.stdout.trim().split('\n').filter(Boolean);
  t.equal(objs.length, 1, 'one data object');
  const raw = join(dir, 'raw.bin');
  await c.rados(['-p', 'ts-rgw.data', 'get', objs[0]!, raw], { noPool: true });
  const stored = readFileSync(raw);
  t.equal(stored.length, plain.length, 'the ciphertext has the plaintext length');
  t.equal(stored.indexOf(plain.subarray(0, 64)), -1, 'and is not the plaintext');

  // Copy from one key to another; then the copy opens only with the new key.
  await tlsOk(['s3api', 'copy-object', '--bucket', 'sse', '--key', 'copy', '--copy-source', 'sse/secret', '--copy-source-sse-customer-algorithm', 'AES256', '--copy-source-sse-customer-key', 'k'.repeat(32), ...k2]);
  await tlsOk(['s3api', 'get-object', '--bucket', 'sse', '--key', 'copy', ...k2, join(dir, 'copy.bin')]);
  t.same(readFileSync(join(dir, 'copy.bin')), plain, 'the copy under the second key');
  t.match((await tls(['s3api', 'copy-object', '--bucket', 'sse', '--key', 'copy2', '--copy-source', 'sse/secret'])).stderr, /InvalidArgument/, 'copying without the source key: refused');

  // A multipart upload with a customer key: every part its own cipher stream.
  const big = Buffer.alloc(11 << 20);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  writeFileSync(join(dir, 'big.bin'), big);
  await tlsOk(['s3', 'cp', join(dir, 'big.bin'), 's3://sse/big.bin', '--sse-c', 'AES256', '--sse-c-key', 'k'.repeat(32)]);
  const bigHead = JSON.parse(await tlsOk(['s3api', 'head-object', '--bucket', 'sse', '--key', 'big.bin', ...k1])) as { ETag: string };
  t.match(bigHead.ETag, /-3"$/, 'stored as a 3-part multipart object');
  await tlsOk(['s3', 'cp', 's3://sse/big.bin', join(dir, 'big.out'), '--sse-c', 'AES256', '--sse-c-key', 'k'.repeat(32)]);
  t.ok(readFileSync(join(dir, 'big.out')).equals(big), 'read back byte-exact');
  await tlsOk(['s3api', 'get-object', '--bucket', 'sse', '--key', 'big.bin', '--range', `bytes=${(5 << 20) - 10}-${(5 << 20) + 10}`, ...k1, join(dir, 'span.bin')]);
  t.same(readFileSync(join(dir, 'span.bin')), big.subarray((5 << 20) - 10, (5 << 20) + 11), 'a range across the part boundary');

  // Browser-based POST: boto3's form, sent by curl.
  const curl = requireBinary('curl');
  await ok(['s3', 'mb', 's3://posts']);
  const presign = async (sigver: string, expires = 300) => {
    const r = await run('/usr/bin/python3', ['-c', PRESIGN_POST, `http://127.0.0.1:${port}`, sigver, String(expires)]);
    t.equal(r.code, 0, `generate_presigned_post: ${r.stderr.slice(-300)}`);
    return JSON.parse(r.stdout) as { url: string; fields: Record<string, string> };
  };
  const upload = async (p: { url: string; fields: Record<string, string> }, content: string, change: Record<string, string> = {}) => {
    const file = join(dir, 'note.txt');
    writeFileSync(file, content);
    const form = Object.entries({ ...p.fields, ...change }).flatMap(([k, v]) => ['--form-string', `${k}=${v}`]);
    const r = await run(curl, ['-s', '-w', '\n%{http_code}', ...form, '-F', `file=@${file}`, p.url]);
    const nl = r.stdout.lastIndexOf('\n');
    return { status: Number(r.stdout.slice(nl + 1)), body: r.stdout.slice(0, nl) };
  };
  const v4 = await presign('s3v4');
  t.ok(v4.fields['x-amz-signature'] && v4.fields.policy, 'a SigV4 form');
  const up = await upload(v4, 'posted by a browser');
  t.match(up, { status: 201, body: /<PostResponse[^>]*><Location>http:\/\/127\.0\.0\.1:\d+\/posts\/uploads\/note\.txt<\/Location><Bucket>posts<\/Bucket><Key>uploads\/note\.txt<\/Key><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>/ }, 'POST: 201 with a PostResponse, ${filename} replaced');
  const anon = await fetch(`http://127.0.0.1:${port}/posts/uploads/note.txt`);
  t.same([anon.status, anon.headers.get('content-type'), await anon.text()], [200, 'text/plain', 'posted by a browser'], 'public-read from the form, anonymous GET');
  t.match(await upload(v4, 'x', { key: 'elsewhere/x' }), { status: 403, body: /AccessDenied.*Policy check failed, variable not met condition: key/ }, 'a key outside the policy');
  t.match(await upload(v4, 'x', { 'x-amz-meta-extra': '1' }), { status: 403, body: /Policy missing condition: x-amz-meta-extra/ }, 'a field the policy does not name');
  t.match(await upload(v4, 'y'.repeat(1001)), { status: 400, body: /EntityTooLarge/ }, 'over content-length-range');
  t.match(await upload(v4, 'x', { 'x-amz-signature': '0'.repeat(64) }), { status: 403, body: /SignatureDoesNotMatch/ }, 'a wrong signature');
  const v2 = await presign('s3');
  t.ok(v2.fields.AWSAccessKeyId && v2.fields.signature, 'a SigV2 form');
  t.match(await upload(v2, 'v2 form'), { status: 201 }, 'the SigV2 form uploads');
  const expired = await presign('s3v4', 1);
  await new Promise((r) => setTimeout(r, 2100));
  t.match(await upload(expired, 'late'), { status: 403, body: /Policy expired/ }, 'an expired policy');
  const noPolicy = await upload({ url: `http://127.0.0.1:${port}/posts`, fields: { key: 'anon.txt' } }, 'anonymous');
  t.match(noPolicy, { status: 403, body: /AccessDenied/ }, 'a form without a policy into a private bucket');
});
