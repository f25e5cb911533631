/**
 * Addressing and the older and streaming signatures of ts-rgw on ts-osd, with real clients:
 * boto3 with addressing_style virtual under rgw_dns_name (SigV4 and SigV2 "s3", a SigV2 presigned
 * URL), curl's own SigV4 signer with a bucket in the Host header, s3cmd with signature_v2,
 * aws-chunked uploads (botocore's seed signature with chunk signatures chained in Python; the AWS
 * CLI over HTTPS sending STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer), and a broken
 * chunk signature answered SignatureDoesNotMatch.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run } from '@ts-ceph/testkit';
import { createPool, startTsOsdCluster } from './osd-lib';
import { selfSignedCert, startRgw } from './rgw-lib';

/** boto3 against http://s3.test:PORT with every name resolved to 127.0.0.1, as DNS would for a wildcard. */
const BOTO_VHOST = `
import sys, json, socket, urllib.request, boto3
from botocore.client import Config
real = socket.getaddrinfo
socket.getaddrinfo = lambda host, *a, **k: real('127.0.0.1', *a, **k)
port, sigver, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client('s3', endpoint_url='http://s3.test:%s' % port, aws_access_key_id='TESTAK', aws_secret_access_key='testsecret', region_name='us-east-1', config=Config(signature_version=sigver, s3={'addressing_style': 'virtual'}))
seen = []
s3.meta.events.register('before-send', lambda request, **kw: seen.append(request.url.split('?')[0]))
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key='dir/a b.txt', Body=b'virtual ' + sigver.encode())
got = s3.get_object(Bucket=bucket, Key='dir/a b.txt')['Body'].read().decode()
# botocore's SigV2 signs ListObjectsV2 over "/bucket?list-type=2", which radosgw (signing "/bucket/") refuses too: v1 here.
keys = [o['Key'] for o in s3.list_objects(Bucket=bucket, Prefix='dir/')['Contents']]
# The same botocore quirk signs "?tagging?tagging" with SigV2: tagging with SigV4 only (s3cmd covers SigV2 sub-resources).
tags = None
if sigver == 's3v4':
    s3.put_object_tagging(Bucket=bucket, Key='dir/a b.txt', Tagging={'TagSet': [{'Key': 'k', 'Value': 'v'}]})
    tags = s3.get_object_tagging(Bucket=bucket, Key='dir/a b.txt')['TagSet']
url = s3.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'dir/a b.txt'}, ExpiresIn=300)
presigned = urllib.request.urlopen(url).read().decode()
print(json.dumps({'got': got, 'keys': keys, 'tags': tags, 'url': url, 'presigned': presigned, 'hosts': sorted(set(u.split('/')[2] for u in seen))}))
`;

/** A PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD: botocore signs the headers (the seed), the chunks chain from it. */
const CHUNKED = `
import sys, hashlib, hmac, urllib.request, urllib.error
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, size, chunk, tamper = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1'
data = bytes((i * 7) % 251 for i in range(size))
class Streaming(S3SigV4Auth):
    def payload(self, request):
        return 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
chunks = [data[i:i + chunk] for i in range(0, size, chunk)] + [b'']
enc_len = sum(len('%x' % len(c)) + 17 + 64 + 2 + len(c) + 2 for c in chunks)
req = AWSRequest(method='PUT', url=url, headers={'Content-Encoding': 'aws-chunked', 'x-amz-decoded-content-length': str(size), 'Content-Length': str(enc_len)})
signer = Streaming(Credentials('TESTAK', 'testsecret'), 's3', 'us-east-1')
signer.add_auth(req)
auth = req.headers['Authorization']
seed = auth.split('Signature=')[1]
amz_date = req.headers['X-Amz-Date']
scope = '%s/us-east-1/s3/aws4_request' % amz_date[:8]
key = signer._sign(('AWS4testsecret').encode(), amz_date[:8])
for part in ('us-east-1', 's3', 'aws4_request'): key = signer._sign(key, part)
prev, body = seed, b''
empty = hashlib.sha256(b'').hexdigest()
for i, c in enumerate(chunks):
    to_sign = '\\n'.join(['AWS4-HMAC-SHA256-PAYLOAD', amz_date, scope, prev, empty, hashlib.sha256(c).hexdigest()])
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if tamper and i == 1: sig = ('0' if sig[0] != '0' else '1') + sig[1:]
    body += b'%x;chunk-signature=%s\\r\\n' % (len(c), sig.encode()) + c + b'\\r\\n'
    prev = sig
assert len(body) == enc_len
r = urllib.request.Request(url, data=body, method='PUT', headers=dict(req.headers.items()))
try:
    print(urllib.request.urlopen(r).status)
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`;

t.test('virtual-host buckets, SigV2, aws-chunked payloads against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p', debugOsd: 1 });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  // beast's ssl_certificate holds the certificate and, without ssl_private_key, the key too.
  const { cert, pem } = await selfSignedCert(c.mon.dir);
  const { ok, s3, port, sslPort, env } = await startRgw(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring }, { args: ['--rgw-dns-name', 's3.test'], sslCertificate: pem });
  const py = (script: string, args: string[]) => run('/usr/bin/python3', ['-c', script, ...args], { timeoutMs: 60_000 });

  // boto3, virtual-host style, SigV4 then SigV2.
  for (const [sigver, bucket] of [['s3v4', 'vhost4'], ['s3', 'vhost2']] as const) {
    const r = await py(BOTO_VHOST, [String(port), sigver, bucket]);
    t.equal(r.code, 0, `boto3 ${sigver}: ${r.stderr.slice(-600)}`);
    const out = JSON.parse(r.stdout || '{}') as { got: string; keys: string[]; tags: unknown; url: string; presigned: string; hosts: string[] };
    t.same(out.hosts, [`${bucket}.s3.test:${port}`], `boto3 ${sigver} sent every request to the bucket's host name`);
    t.equal(out.got, `virtual ${sigver}`, `boto3 ${sigver}: GET`);
    t.same(out.keys, ['dir/a b.txt'], `boto3 ${sigver}: ListObjects`);
    if (sigver === 's3v4') t.same(out.tags, [{ Key: 'k', Value: 'v' }], 'boto3: tagging with the bucket in the host');
    t.equal(out.presigned, `virtual ${sigver}`, `boto3 ${sigver}: presigned GET`);
    if (sigver === 's3') t.match(out.url, /AWSAccessKeyId=TESTAK&Signature=[^&]+&Expires=\d+/, 'a SigV2 presigned URL');
  }
  t.equal((await s3(['s3', 'cp', 's3://vhost2/dir/a b.txt', '-'])).stdout, 'virtual s3', 'path-style sees what virtual-host style wrote');

  // curl's SigV4 signer, the bucket in the Host header only.
  const curl = requireBinary('curl');
  const viaCurl = await run(curl, ['-s', '-w', '\\n%{http_code}', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', 'TESTAK:testsecret', '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', '--connect-to', `vhost4.s3.test:${port}:127.0.0.1:${port}`, `http://vhost4.s3.test:${port}/dir/a%20b.txt`]);
  t.equal(viaCurl.stdout, 'virtual s3v4\n200', 'curl --aws-sigv4 GET with Host vhost4.s3.test');
  const anon = await run(curl, ['-s', '-w', '\\n%{http_code}', '-H', `Host: vhost4.s3.test:${port}`, `http://127.0.0.1:${port}/`]);
  t.match(anon.stdout, /AccessDenied[\s\S]*\n403$/, 'an anonymous list of the Host-named bucket is refused');

  // s3cmd with SigV2, path-style.
  const s3cmd = requireBinary('s3cmd');
  const cfg = join(c.mon.dir, 's3cfg');
  writeFileSync(cfg, `[default]\naccess_key = TESTAK\nsecret_key = testsecret\nhost_base = 127.0.0.1:${port}\nhost_bucket = 127.0.0.1:${port}\nuse_https = False\nsignature_v2 = True\n`);
  const cmd = async (args: string[]) => {
    const r = await run(s3cmd, ['-c', cfg, ...args], { timeoutMs: 60_000 });
    t.equal(r.code, 0, `s3cmd ${args.join(' ')}: ${r.stderr.slice(-400)}`);
    return r.stdout;
  };
  const file = join(c.mon.dir, 'v2.txt');
  writeFileSync(file, 'signed with v2');
  await cmd(['mb', 's3://sigv2']);
  await cmd(['put', '--add-header=x-amz-meta-color:blue', file, 's3://sigv2/f.txt']);
  t.match(await cmd(['ls', 's3://sigv2']), /s3:\/\/sigv2\/f\.txt/, 's3cmd ls (SigV2)');
  await cmd(['get', '--force', 's3://sigv2/f.txt', join(c.mon.dir, 'v2.out')]);
  t.equal(readFileSync(join(c.mon.dir, 'v2.out'), 'utf8'), 'signed with v2', 's3cmd get (SigV2)');
  t.match(await cmd(['info', 's3://sigv2/f.txt']), /ACL:\s+Test User: FULL_CONTROL\n\s*x-amz-meta-color: blue/, 's3cmd info (HEAD and ?acl, a signed sub-resource)');
  const signurl = (await cmd(['signurl', 's3://sigv2/f.txt', '+300'])).trim();
  const viaUrl = await fetch(signurl);
  t.same([viaUrl.status, await viaUrl.text()], [200, 'signed with v2'], 's3cmd signurl (SigV2 presigned)');
  const bad = await fetch(signurl.replace(/Signature=[^&]+/, 'Signature=AAAA'));
  t.match([bad.status, await bad.text()], [403, /SignatureDoesNotMatch/], 'a changed SigV2 signature');
  const wrongCfg = join(c.mon.dir, 's3cfg-wrong');
  writeFileSync(wrongCfg, `[default]\naccess_key = TESTAK\nsecret_key = wrong\nhost_base = 127.0.0.1:${port}\nhost_bucket = 127.0.0.1:${port}\nuse_https = False\nsignature_v2 = True\n`);
  const wrong = await run(s3cmd, ['-c', wrongCfg, 'ls', 's3://sigv2'], { timeoutMs: 60_000 });
  t.match(wrong.stderr, /SignatureDoesNotMatch|403/, 's3cmd with a wrong secret: SignatureDoesNotMatch');
  await cmd(['del', 's3://sigv2/f.txt']);

  // aws-chunked with chunk signatures: 3 chunks of 64 KiB and a short one.
  const chunked = await py(CHUNKED, [`http://127.0.0.1:${port}/vhost4/chunked.bin`, String(200_000), String(65_536), '0']);
  t.equal(chunked.stdout.trim(), '200', `a signed aws-chunked PUT: ${chunked.stderr.slice(-400)}`);
  const back = await s3(['s3', 'cp', 's3://vhost4/chunked.bin', join(c.mon.dir, 'chunked.out')]);
  t.equal(back.code, 0);
  const bytes = readFileSync(join(c.mon.dir, 'chunked.out'));
  t.ok(bytes.length === 200_000 && bytes.every((b, i) => b === (i * 7) % 251), 'the decoded payload is stored byte-exact');
  const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'vhost4', '--key', 'chunked.bin'])) as { ContentEncoding?: string };
  t.equal(head.ContentEncoding, undefined, 'aws-chunked is not kept as the content encoding');
  const tampered = await py(CHUNKED, [`http://127.0.0.1:${port}/vhost4/tampered.bin`, String(200_000), String(65_536), '1']);
  t.match(tampered.stdout, /^403 .*SignatureDoesNotMatch/, 'a wrong second chunk signature: SignatureDoesNotMatch');
  t.match(await s3(['s3api', 'head-object', '--bucket', 'vhost4', '--key', 'tampered.bin']), { code: 254, stderr: /404|Not Found/ }, 'and nothing is stored');

  // The AWS CLI over HTTPS with its default checksums: aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER.
  const big = join(c.mon.dir, 'trailer.bin');
  writeFileSync(big, Buffer.alloc(300_000, 'z'));
  const https = ['--endpoint-url', `https://127.0.0.1:${sslPort}`, '--ca-bundle', cert];
  const trailerEnv = { ...env, AWS_REQUEST_CHECKSUM_CALCULATION: 'when_supported' };
  const aws = requireBinary('aws');
  const up = await run(aws, [...https, '--debug', 's3api', 'put-object', '--bucket', 'vhost4', '--key', 'trailer.bin', '--body', big], { env: trailerEnv, timeoutMs: 120_000 });
  t.equal(up.code, 0, `aws s3api put-object over HTTPS: ${up.stderr.slice(-400)}`);
  t.match(up.stderr, /STREAMING-UNSIGNED-PAYLOAD-TRAILER/, 'the AWS CLI sent an unsigned-trailer aws-chunked body');
  const down = await run(aws, [...https, 's3', 'cp', 's3://vhost4/trailer.bin', '-'], { env: trailerEnv, timeoutMs: 120_000 });
  t.equal(down.stdout, 'z'.repeat(300_000), 'and it reads back byte-exact');
});
