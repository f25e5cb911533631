/**
 * ts-rgw authentication and bad input on ts-osd, with real clients: presigned URLs made by
 * `aws s3 presign` and boto3 (GET and PUT, a changed signature refused, an expired URL answered
 * "Request has expired"); raw requests signed by botocore's own SigV4 signer carrying malformed
 * XML (MalformedXML) or a tampered body (XAmzContentSHA256Mismatch); keys with "../" stored as
 * plain keys; and a slowloris client cut off by the header timeout while others are served.
 */
import t from 'tap';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@ts-ceph/testkit';
import { createPool, startTsOsdCluster } from './osd-lib';
import { startRgw } from './rgw-lib';

/** botocore signs a raw request (method, url, body, extra headers) and sends it; prints status and body. */
const SIGNED = `
import sys, json, urllib.request, urllib.error
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
method, url, body, extra = sys.argv[1], sys.argv[2], sys.argv[3].encode(), json.loads(sys.argv[4])
req = AWSRequest(method=method, url=url, data=body)
S3SigV4Auth(Credentials('TESTAK', 'testsecret'), 's3', 'us-east-1').add_auth(req)
headers = dict(req.headers.items())
headers.update(extra.get('after', {}))
data = extra['body'].encode() if 'body' in extra else body
r = urllib.request.Request(url, data=data if method in ('PUT', 'POST') else None, method=method, headers=headers)
try:
    resp = urllib.request.urlopen(r)
    print(resp.status); print(resp.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
`;

const PRESIGN_PUT = `
import sys, boto3
from botocore.client import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='TESTAK', aws_secret_access_key='testsecret', region_name='us-east-1', config=Config(signature_version='s3v4'))
print(s3.generate_presigned_url('put_object', Params={'Bucket': 'auth', 'Key': 'put-by-url'}, ExpiresIn=300))
`;

t.test('presigned URLs, signed bad input and a slowloris client against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p', debugOsd: 1 });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  const { ok, s3, port, env } = await startRgw(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring });
  // The AWS CLI presigns with SigV2 unless told to use SigV4.
  const v4conf = join(c.mon.dir, 'aws-v4.conf');
  writeFileSync(v4conf, '[default]\ns3 =\n    signature_version = s3v4\n');
  const presign = async (args: string[]) => {
    const r = await s3(['s3', 'presign', ...args], { ...env, AWS_CONFIG_FILE: v4conf });
    t.equal(r.code, 0, `aws s3 presign: ${r.stderr.slice(-300)}`);
    return r.stdout.trim();
  };
  const base = `http://127.0.0.1:${port}`;
  await ok(['s3', 'mb', 's3://auth']);
  const file = join(c.mon.dir, 'f.txt');
  writeFileSync(file, 'presigned content');
  await ok(['s3', 'cp', file, 's3://auth/dir/f.txt']);

  // Presigned GET from the AWS CLI.
  const url = await presign(['s3://auth/dir/f.txt', '--expires-in', '300']);
  t.match(url, /X-Amz-Signature=[0-9a-f]{64}/, 'aws s3 presign makes a SigV4 query URL');
  const got = await fetch(url);
  t.same([got.status, await got.text()], [200, 'presigned content'], 'GET with the presigned URL');
  const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, d: string) => `X-Amz-Signature=${d === '0' ? '1' : '0'}`);
  const bad = await fetch(tampered);
  t.match([bad.status, await bad.text()], [403, /SignatureDoesNotMatch/], 'a changed signature: SignatureDoesNotMatch');
  const other = await fetch(url.replace('dir/f.txt', 'dir/g.txt'));
  t.match([other.status, await other.text()], [403, /SignatureDoesNotMatch/], 'the URL of another key: SignatureDoesNotMatch');
  const short = await presign(['s3://auth/dir/f.txt', '--expires-in', '1']);
  await new Promise((r) => setTimeout(r, 2100));
  const expired = await fetch(short);
  t.match([expired.status, await expired.text()], [403, /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/], 'an expired URL: AccessDenied, Request has expired');
  const long = await fetch(url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604801'));
  t.match([long.status, await long.text()], [400, /AuthorizationQueryParametersError/], 'X-Amz-Expires over 7 days');

  // Presigned PUT from boto3.
  const putUrl = await run('/usr/bin/python3', ['-c', PRESIGN_PUT, base]);
  t.equal(putUrl.code, 0, `boto3 generate_presigned_url: ${putUrl.stderr.slice(-300)}`);
  const put = await fetch(putUrl.stdout.trim(), { method: 'PUT', body: 'uploaded by url' });
  t.equal(put.status, 200, 'PUT with a boto3 presigned URL');
  t.equal((await s3(['s3', 'cp', 's3://auth/put-by-url', '-'])).stdout, 'uploaded by url', 'the object is there');

  // Raw requests signed by botocore.
  const signed = async (method: string, path: string, body: string, extra: object = {}) => {
    const r = await run('/usr/bin/python3', ['-c', SIGNED, method, `${base}${path}`, body, JSON.stringify(extra)]);
    const nl = r.stdout.indexOf('\n');
    return { status: Number(r.stdout.slice(0, nl)), body: r.stdout.slice(nl + 1), err: r.stderr };
  };
  t.match(await signed('GET', '/auth/dir/f.txt', ''), { status: 200, body: /presigned content/ }, 'a botocore-signed GET');
  t.match(await signed('POST', '/auth?delete', '<Delete><Object><Key>a</Key></Delete>'), { status: 400, body: /MalformedXML/ }, 'DeleteObjects with mismatched tags: MalformedXML');
  t.match(await signed('POST', '/auth?delete', '<!DOCTYPE x [<!ENTITY a "b">]><Delete/>'), { status: 400, body: /MalformedXML/ }, 'a DOCTYPE: MalformedXML');
  t.match(await signed('POST', '/auth?delete', '<Delete><Quiet>true</Quiet></Delete>'), { status: 400, body: /MalformedXML/ }, 'no Object: MalformedXML');
  t.match(await signed('PUT', '/auth/dir/f.txt?tagging', '<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>'), { status: 400, body: /MalformedXML/ }, 'a Tag without Key: MalformedXML');
  t.match(await signed('PUT', '/auth/x', 'signed body', { body: 'other body' }), { status: 400, body: /XAmzContentSHA256Mismatch/ }, 'a body other than the signed one');
  t.match(await signed('GET', '/auth/dir/f.txt', '', { after: { 'x-amz-date': '20000101T000000Z' } }), { status: 403 }, 'a changed signed header');

  // Keys with dot segments are plain S3 keys: nothing outside the bucket is reachable.
  writeFileSync(file, 'dots');
  await ok(['s3api', 'put-object', '--bucket', 'auth', '--key', '../../etc/passwd', '--body', file]);
  t.equal((await s3(['s3api', 'get-object', '--bucket', 'auth', '--key', '../../etc/passwd', join(c.mon.dir, 'dots.out')])).code, 0, 'a "../" key reads back as itself');
  t.match(await signed('GET', '/auth/..%2F..%2Fetc%2Fpasswd', ''), { status: 200, body: /dots/ }, 'and through an escaped path');
  t.match(await signed('GET', '/auth/%2e%2e%2fmissing', ''), { status: 404, body: /NoSuchKey/ }, 'a missing dot key: NoSuchKey');

  // A slowloris client: headers trickle in; others are served meanwhile, then it is cut off.
  const sock = connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  sock.on('data', (d) => (received += d.toString()));
  sock.on('close', () => (closed = true));
  sock.on('error', () => undefined);
  sock.write('GET /auth/dir/f.txt HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => sock.write('X-Slow: a\r\n'), 1000);
  t.teardown(() => {
    clearInterval(drip);
    sock.destroy();
  });
  const started = Date.now();
  // An in-process signed request, not the AWS CLI: the CLI's own start-up took seconds on a loaded
  // 2-core CI box, eating into the 20 s the slow client is given.
  t.match(await signed('GET', '/auth/dir/f.txt', ''), { status: 200 }, 'another client is served while the slow one trickles');
  t.equal(closed, false, 'and the slow one is still connected');
  while (!closed && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 250));
  clearInterval(drip);
  t.ok(closed, `the slow client is cut off by the header timeout (after ${Date.now() - started} ms)`);
  t.match(received, /^HTTP\/1\.1 408/, 'with 408 Request Timeout');
  await ok(['s3', 'ls', 's3://auth/dir/']);
});
