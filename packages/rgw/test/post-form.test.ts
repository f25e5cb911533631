/**
 * Browser-based POST: the form parser on a body built by hand (whole, and cut at every byte: a
 * strict prefix is never accepted), and policies signed by botocore's generate_presigned_post
 * (SigV4 and SigV2) checked as radosgw's RGWPolicy checks them.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { S3Error } from '../src/core/errors';
import { formBoundary, parseForm } from '../src/core/form-data';
import { checkPostLength, checkPostPolicy, parsePostPolicy, postSignature } from '../src/core/post-policy';

const body = Buffer.from(
  '--XyZ\r\nContent-Disposition: form-data; name="key"\r\n\r\nuploads/${filename}\r\n' +
    '--XyZ\r\nContent-Disposition: form-data; name="x-amz-meta-a"\r\n\r\nline1\r\nline2\r\n' +
    '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\n' +
    '--XyZ--\r\n',
);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof S3Error ? `${e.code}: ${e.message}` : String(e);
  }
}

t.test('multipart/form-data', async (t) => {
  t.equal(formBoundary('multipart/form-data; boundary=XyZ'), 'XyZ');
  t.equal(formBoundary('multipart/form-data; charset=utf-8; boundary="a b"'), 'a b');
  t.equal(formBoundary('application/xml'), undefined);
  const f = parseForm(body, 'XyZ');
  t.same([...f.fields], [
    ['key', 'uploads/${filename}'],
    ['x-amz-meta-a', 'line1\r\nline2'],
  ]);
  t.same(f.file && { ...f.file, data: f.file.data.toString() }, { filename: 'a.txt', contentType: 'text/plain', data: 'hello' });
  const fileEnd = body.indexOf('hello') + 'hello\r\n--XyZ'.length;
  for (let cut = 0; cut < fileEnd; cut++) t.match(code(() => parseForm(body.subarray(0, cut), 'XyZ')), /^MalformedPOSTRequest/, `cut at ${cut}`, { diagnostic: false });
});

const PRESIGN = `
import sys, json, boto3
from botocore.client import Config
s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:1', aws_access_key_id='AKIAIOSFODNN7EXAMPLE', aws_secret_access_key='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region_name='us-east-1', config=Config(signature_version=sys.argv[1]))
print(json.dumps(s3.generate_presigned_post('b', 'uploads/\${filename}', Fields={'acl': 'private'}, Conditions=[{'acl': 'private'}, ['content-length-range', 1, 10]], ExpiresIn=600)))
`;

t.test('policies signed by botocore', async (t) => {
  for (const sigver of ['s3v4', 's3']) {
    const p = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PRESIGN, sigver]).toString()) as { fields: Record<string, string> };
    const fields = new Map(Object.entries(p.fields));
    const sig = postSignature(fields);
    t.equal(sig.accessKey, 'AKIAIOSFODNN7EXAMPLE', `${sigver}: the signer`);
    t.equal(code(() => sig.verify('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')), undefined, `${sigver}: the signature checks out`);
    t.match(code(() => sig.verify('another secret')), /^SignatureDoesNotMatch/, `${sigver}: not under another secret`);
    const policy = parsePostPolicy(fields.get('policy')!);
    const env = new Map([...fields, ['bucket', 'b'], ['key', 'uploads/a.txt']]);
    const now = Date.now();
    t.equal(code(() => checkPostPolicy(policy, env, now)), undefined, `${sigver}: the form meets its policy`);
    t.match(code(() => checkPostPolicy(policy, new Map([...env, ['key', 'other/a.txt']]), now)), /^AccessDenied: Policy check failed, variable not met condition: key/);
    t.match(code(() => checkPostPolicy(policy, new Map([...env, ['Content-Type', 'text/plain']]), now)), /^AccessDenied: Policy missing condition: content-type/);
    t.equal(code(() => checkPostPolicy(policy, new Map([...env, ['x-ignore-me', '1']]), now)), undefined, 'x-ignore-* needs no condition');
    t.match(code(() => checkPostPolicy(policy, env, now + 601_000)), /^AccessDenied: Policy expired/);
    t.match(code(() => checkPostLength(policy, 11)), /^EntityTooLarge/);
    t.match(code(() => checkPostLength(policy, 0)), /^EntityTooSmall/);
  }
  t.match(code(() => parsePostPolicy(Buffer.from('{"conditions": []}').toString('base64'))), /^InvalidArgument/, 'no expiration');
});
