/**
 * The client checks of issue 15's acceptance 1 that rgw-ref.test.ts (the real reference cluster)
 * and rgw-objects.test.ts (ts-osd: sync; the others have their own files there) run: aws s3 sync, aws s3api multipart (and a
 * 200 MiB `aws s3 cp`), ACL / policy / CORS, s3cmd, a boto3 script; and s3cmd and boto3 over HTTPS
 * (httpsClientChecks), which rgw-s3-suite runs on both.
 */
import { Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run } from '@ts-ceph/testkit';
import { RgwHandle, RgwUser } from './rgw-lib';

const MiB = 1 << 20;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function syncChecks(t: Test, dir: string, c: RgwHandle): Promise<void> {
  const src = join(dir, 'aws-sync-src');
  const dst = join(dir, 'aws-sync-dst');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha');
  writeFileSync(join(src, 'sub', 'b.bin'), randomBytes(70_000));
  await c.ok(['s3', 'mb', 's3://syncb']);
  t.match(await c.ok(['s3', 'sync', src, 's3://syncb/tree']), /upload: .*a\.txt[\s\S]*upload: .*b\.bin|upload: .*b\.bin[\s\S]*upload: .*a\.txt/, 'aws s3 sync uploads both files');
  const ls = await c.ok(['s3', 'ls', '--recursive', 's3://syncb']);
  t.same(ls.trim().split('\n').map((l) => l.trim().split(/\s+/).pop()), ['tree/a.txt', 'tree/sub/b.bin'], 'aws s3 ls --recursive lists them');
  await c.ok(['s3', 'sync', 's3://syncb/tree', dst]);
  t.equal(readFileSync(join(dst, 'a.txt'), 'utf8'), 'alpha', 'aws s3 sync down: a.txt');
  t.equal(sha(readFileSync(join(dst, 'sub', 'b.bin'))), sha(readFileSync(join(src, 'sub', 'b.bin'))), 'aws s3 sync down: b.bin byte-exact');
  writeFileSync(join(src, 'a.txt'), 'alpha, changed');
  const again = await c.ok(['s3', 'sync', src, 's3://syncb/tree']);
  t.match(again, /a\.txt/, 'a second sync uploads the changed file');
  t.notMatch(again, /b\.bin/, 'and not the unchanged one');
  await c.ok(['s3', 'rm', '--recursive', 's3://syncb/tree']);
  await c.ok(['s3', 'rb', 's3://syncb']);
}

export async function multipartChecks(t: Test, dir: string, c: RgwHandle, big: boolean): Promise<void> {
  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await c.ok(args)) || '{}') as T; // awscli 2 prints nothing for an empty answer
  await c.ok(['s3', 'mb', 's3://mpclients']);
  const p1 = randomBytes(5 * MiB);
  const p2 = randomBytes(1000);
  writeFileSync(join(dir, 'p1'), p1);
  writeFileSync(join(dir, 'p2'), p2);
  const id = (await json<{ UploadId: string }>(['s3api', 'create-multipart-upload', '--bucket', 'mpclients', '--key', 'mp.bin'])).UploadId;
  const part = async (n: number, f: string) => (await json<{ ETag: string }>(['s3api', 'upload-part', '--bucket', 'mpclients', '--key', 'mp.bin', '--upload-id', id, '--part-number', String(n), '--body', join(dir, f)])).ETag;
  const etags = [await part(1, 'p1'), await part(2, 'p2')];
  const parts = await json<{ Parts: { PartNumber: number; Size: number }[] }>(['s3api', 'list-parts', '--bucket', 'mpclients', '--key', 'mp.bin', '--upload-id', id]);
  t.same(parts.Parts.map((p) => [p.PartNumber, p.Size]), [[1, 5 * MiB], [2, 1000]], 'list-parts');
  const uploads = await json<{ Uploads?: { Key: string; UploadId: string }[] }>(['s3api', 'list-multipart-uploads', '--bucket', 'mpclients']);
  t.same(uploads.Uploads?.map((u) => u.UploadId), [id], 'list-multipart-uploads');
  const done = await json<{ ETag: string }>(['s3api', 'complete-multipart-upload', '--bucket', 'mpclients', '--key', 'mp.bin', '--upload-id', id, '--multipart-upload', JSON.stringify({ Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) })]);
  t.match(done.ETag, /-2"$/, 'complete-multipart-upload: the ETag of 2 parts');
  await c.ok(['s3api', 'get-object', '--bucket', 'mpclients', '--key', 'mp.bin', join(dir, 'mp.out')]);
  t.equal(sha(readFileSync(join(dir, 'mp.out'))), sha(Buffer.concat([p1, p2])), 'the completed object reads back byte-exact');
  const gone = (await json<{ UploadId: string }>(['s3api', 'create-multipart-upload', '--bucket', 'mpclients', '--key', 'gone'])).UploadId;
  await c.ok(['s3api', 'abort-multipart-upload', '--bucket', 'mpclients', '--key', 'gone', '--upload-id', gone]);
  t.notOk((await json<{ Uploads?: unknown[] }>(['s3api', 'list-multipart-uploads', '--bucket', 'mpclients'])).Uploads?.length, 'abort-multipart-upload: no upload left');
  if (big) {
    const f = join(dir, 'big.bin');
    const data = randomBytes(200 * MiB);
    writeFileSync(f, data);
    // aws s3 cp goes multipart above 8 MiB (its multipart_threshold): 25 parts of 8 MiB.
    await c.ok(['s3', 'cp', f, 's3://mpclients/big.bin']);
    const head = await json<{ ETag: string; ContentLength: number }>(['s3api', 'head-object', '--bucket', 'mpclients', '--key', 'big.bin']);
    t.match(head, { ContentLength: 200 * MiB, ETag: /-25"$/ }, '200 MiB stored as a 25-part multipart object');
    await c.ok(['s3', 'cp', 's3://mpclients/big.bin', `${f}.out`]);
    t.equal(sha(readFileSync(`${f}.out`)), sha(data), '200 MiB multipart upload read back byte-exact');
  }
  await c.ok(['s3', 'rb', '--force', 's3://mpclients']);
}

export async function accessChecks(t: Test, dir: string, c: RgwHandle): Promise<void> {
  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await c.ok(args)) || '{}') as T; // awscli 2 prints nothing for an empty answer
  type Acl = { Grants: { Grantee: { ID?: string; URI?: string }; Permission: string }[] };
  const grants = (a: Acl) => a.Grants.map((g) => `${g.Grantee.ID ?? g.Grantee.URI}:${g.Permission}`).sort();
  const allUsers = 'http://acs.amazonaws.com/groups/global/AllUsers';
  await c.ok(['s3', 'mb', 's3://accessb']);
  writeFileSync(join(dir, 'acl-body'), 'x');
  await c.ok(['s3api', 'put-object', '--bucket', 'accessb', '--key', 'o', '--body', join(dir, 'acl-body')]);
  await c.ok(['s3api', 'put-bucket-acl', '--bucket', 'accessb', '--acl', 'public-read']);
  t.same(grants(await json<Acl>(['s3api', 'get-bucket-acl', '--bucket', 'accessb'])), [`${allUsers}:READ`, `${c.user.uid}:FULL_CONTROL`].sort(), 'put/get-bucket-acl: public-read');
  await c.ok(['s3api', 'put-object-acl', '--bucket', 'accessb', '--key', 'o', '--acl', 'public-read']);
  t.same(grants(await json<Acl>(['s3api', 'get-object-acl', '--bucket', 'accessb', '--key', 'o'])), [`${allUsers}:READ`, `${c.user.uid}:FULL_CONTROL`].sort(), 'put/get-object-acl: public-read');
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::accessb/*' }] };
  await c.ok(['s3api', 'put-bucket-policy', '--bucket', 'accessb', '--policy', JSON.stringify(policy)]);
  t.same(JSON.parse((await json<{ Policy: string }>(['s3api', 'get-bucket-policy', '--bucket', 'accessb'])).Policy), policy, 'put/get-bucket-policy');
  await c.ok(['s3api', 'delete-bucket-policy', '--bucket', 'accessb']);
  t.match((await c.s3(['s3api', 'get-bucket-policy', '--bucket', 'accessb'])).stderr, /NoSuchBucketPolicy/, 'delete-bucket-policy');
  const cors = { CORSRules: [{ AllowedOrigins: ['https://example.com'], AllowedMethods: ['GET'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 }] };
  await c.ok(['s3api', 'put-bucket-cors', '--bucket', 'accessb', '--cors-configuration', JSON.stringify(cors)]);
  t.match(await json(['s3api', 'get-bucket-cors', '--bucket', 'accessb']), cors, 'put/get-bucket-cors');
  await c.ok(['s3api', 'delete-bucket-cors', '--bucket', 'accessb']);
  t.match((await c.s3(['s3api', 'get-bucket-cors', '--bucket', 'accessb'])).stderr, /NoSuchCORSConfiguration/, 'delete-bucket-cors');
  await c.ok(['s3', 'rb', '--force', 's3://accessb']);
}

export async function s3cmdChecks(t: Test, dir: string, c: RgwHandle): Promise<void> {
  const s3cmd = requireBinary('s3cmd');
  const cfg = join(dir, 's3cfg-clients');
  const hostPort = `127.0.0.1:${c.port}`;
  writeFileSync(cfg, `[default]\naccess_key = ${c.user.accessKey}\nsecret_key = testsecret\nhost_base = ${hostPort}\nhost_bucket = ${hostPort}\nuse_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n`);
  const cmd = async (args: string[]) => {
    const r = await run(s3cmd, ['-c', cfg, ...args], { timeoutMs: 60_000 });
    t.equal(r.code, 0, `s3cmd ${args.join(' ')}: ${r.stderr.slice(-400)}`);
    return r.stdout;
  };
  const src = join(dir, 's3cmd-src');
  mkdirSync(join(src, 'd'), { recursive: true });
  writeFileSync(join(src, 'one'), 'one');
  writeFileSync(join(src, 'd', 'two'), 'two');
  await cmd(['mb', 's3://s3cmdb']);
  await cmd(['put', join(src, 'one'), 's3://s3cmdb/one']);
  await cmd(['get', '--force', 's3://s3cmdb/one', join(dir, 's3cmd-got')]);
  t.equal(readFileSync(join(dir, 's3cmd-got'), 'utf8'), 'one', 's3cmd put then get');
  await cmd(['sync', `${src}/`, 's3://s3cmdb/tree/']);
  const ls = await cmd(['ls', '--recursive', 's3://s3cmdb']);
  t.same(ls.trim().split('\n').map((l) => l.split(/\s+/).pop()), ['s3://s3cmdb/one', 's3://s3cmdb/tree/d/two', 's3://s3cmdb/tree/one'], 's3cmd sync and ls --recursive');
  await cmd(['del', 's3://s3cmdb/one']);
  await cmd(['del', '--recursive', 's3://s3cmdb/tree/']);
  t.equal((await cmd(['ls', '--recursive', 's3://s3cmdb'])).trim(), '', 's3cmd del');
  await cmd(['rb', 's3://s3cmdb']);
}

const botoScript = `
import boto3, io, sys
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key='testsecret', region_name='us-east-1')
s3.create_bucket(Bucket='botoc')
s3.put_object(Bucket='botoc', Key='small', Body=b'hello', Metadata={'colour': 'blue'})
h = s3.head_object(Bucket='botoc', Key='small')
assert h['ContentLength'] == 5 and h['Metadata'] == {'colour': 'blue'}, h
big = bytes(range(256)) * 40000
cfg = boto3.s3.transfer.TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
s3.upload_fileobj(io.BytesIO(big), 'botoc', 'big', Config=cfg)
assert s3.head_object(Bucket='botoc', Key='big')['ETag'].endswith('-2"')
assert s3.get_object(Bucket='botoc', Key='big')['Body'].read() == big
assert [o['Key'] for o in s3.list_objects_v2(Bucket='botoc')['Contents']] == ['big', 'small']
s3.delete_objects(Bucket='botoc', Delete={'Objects': [{'Key': 'big'}, {'Key': 'small'}]})
s3.delete_bucket(Bucket='botoc')
print('boto3 ok')
`;

export async function boto3Checks(t: Test, c: RgwHandle): Promise<void> {
  const r = await run('/usr/bin/python3', ['-c', botoScript, `http://127.0.0.1:${c.port}`, c.user.accessKey], { env: { ...c.env, AWS_CONFIG_FILE: '/dev/null' }, timeoutMs: 120_000 });
  t.match(r, { code: 0, stdout: /boto3 ok/ }, `a boto3 script: metadata, a multipart upload_fileobj, listing, delete_objects ${r.stderr.slice(-600)}`);
}

/** A gateway's HTTPS port and the self-signed certificate it serves (the clients' only CA). */
export interface TlsTarget {
  sslPort: number;
  cert: string;
  user: RgwUser;
}

/**
 * s3cmd and boto3 over HTTPS with the self-signed certificate given to them (issue 15, acceptance
 * 1): a put/get/ls/del round trip each; and each refuses the same gateway when it is not given the
 * certificate, with the TLS verification failure as the reason.
 */
export async function httpsClientChecks(t: Test, dir: string, g: TlsTarget): Promise<void> {
  await s3cmdHttpsChecks(t, dir, g);
  await boto3HttpsChecks(t, g);
}

async function s3cmdHttpsChecks(t: Test, dir: string, g: TlsTarget): Promise<void> {
  const s3cmd = requireBinary('s3cmd');
  const hostPort = `127.0.0.1:${g.sslPort}`;
  const base = `[default]\naccess_key = ${g.user.accessKey}\nsecret_key = testsecret\nhost_base = ${hostPort}\nhost_bucket = ${hostPort}\nsignature_v2 = False\nbucket_location = us-east-1\nuse_https = True\ncheck_ssl_certificate = True\ncheck_ssl_hostname = True\n`;
  const trusting = join(dir, 's3cfg-https');
  const untrusting = join(dir, 's3cfg-https-no-ca');
  writeFileSync(trusting, `${base}ca_certs_file = ${g.cert}\n`);
  writeFileSync(untrusting, base);
  const s3cmdRun = (cfg: string, args: string[]) => run(s3cmd, ['-c', cfg, ...args], { timeoutMs: 60_000 });
  const cmd = async (args: string[]) => {
    const r = await s3cmdRun(trusting, args);
    t.equal(r.code, 0, `s3cmd over HTTPS ${args.join(' ')}: ${r.stderr.slice(-400)}`);
    return r.stdout;
  };
  // s3cmd exits EX_ACCESSDENIED (77) on S3SSLError, the handshake's verification failure.
  const refused = await s3cmdRun(untrusting, ['ls']);
  t.match(refused, { code: 77, stderr: /SSL certificate verification failure: .*CERTIFICATE_VERIFY_FAILED/ }, 's3cmd without ca_certs_file refuses the self-signed certificate');
  const src = join(dir, 's3cmd-https-src');
  writeFileSync(src, 'sent over TLS by s3cmd');
  await cmd(['mb', 's3://s3cmd-tls']);
  await cmd(['put', src, 's3://s3cmd-tls/f']);
  await cmd(['get', '--force', 's3://s3cmd-tls/f', `${src}.got`]);
  t.equal(readFileSync(`${src}.got`, 'utf8'), 'sent over TLS by s3cmd', 's3cmd put then get over HTTPS');
  t.same((await cmd(['ls', 's3://s3cmd-tls'])).trim().split('\n').map((l) => l.split(/\s+/).pop()), ['s3://s3cmd-tls/f'], 's3cmd ls over HTTPS');
  await cmd(['del', 's3://s3cmd-tls/f']);
  t.equal((await cmd(['ls', 's3://s3cmd-tls'])).trim(), '', 's3cmd del over HTTPS');
  await cmd(['rb', 's3://s3cmd-tls']);
}

/** argv: endpoint, access key, CA file. One attempt for the refused client: botocore retries an SSLError otherwise. */
const botoHttpsScript = `
import boto3, botocore, json, sys
from botocore.config import Config
endpoint, ak, ca = sys.argv[1:4]
def client(verify):
    return boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key='testsecret', region_name='us-east-1', verify=verify, config=Config(retries={'total_max_attempts': 1}))
try:
    client(None).list_buckets()
    refused = None
except botocore.exceptions.SSLError as e:
    refused = str(e)
s3 = client(ca)
s3.create_bucket(Bucket='boto3-tls')
s3.put_object(Bucket='boto3-tls', Key='k', Body=b'sent over TLS by boto3')
got = s3.get_object(Bucket='boto3-tls', Key='k')['Body'].read().decode()
keys = [o['Key'] for o in s3.list_objects_v2(Bucket='boto3-tls').get('Contents', [])]
s3.delete_object(Bucket='boto3-tls', Key='k')
left = s3.list_objects_v2(Bucket='boto3-tls')['KeyCount']
s3.delete_bucket(Bucket='boto3-tls')
print(json.dumps({'refused': refused, 'got': got, 'keys': keys, 'left': left}))
`;

async function boto3HttpsChecks(t: Test, g: TlsTarget): Promise<void> {
  // boto3's default verification, not one the machine points at another bundle.
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' };
  delete env.AWS_CA_BUNDLE;
  const r = await run('/usr/bin/python3', ['-c', botoHttpsScript, `https://127.0.0.1:${g.sslPort}`, g.user.accessKey, g.cert], { env, timeoutMs: 120_000 });
  t.equal(r.code, 0, `a boto3 script over HTTPS: ${r.stderr.slice(-600)}`);
  const out = JSON.parse(r.stdout || '{}') as { refused?: string | null; got?: string; keys?: string[]; left?: number };
  t.match(out.refused, /CERTIFICATE_VERIFY_FAILED/, 'boto3 with its default verify refuses the self-signed certificate');
  t.same([out.got, out.keys, out.left], ['sent over TLS by boto3', ['k'], 0], 'boto3 with verify=CERT: put, get, list, delete over HTTPS');
}
