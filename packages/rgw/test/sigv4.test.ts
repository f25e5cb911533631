/**
 * SigV4 against vectors we did not write: the worked examples of AWS's "Authenticating Requests:
 * Using the Authorization Header" (S3 SigV4, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 24 May
 * 2013), and requests signed by botocore (python3) which we must accept, and reject once altered.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { checkPayload, parseAmzDate, parseAuthorization, S3AuthFailure, SignedRequest, SigningKeyCache, sigv4Limits, verifySigV4 } from '../src/core/sigv4';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const emptySha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const at = Date.UTC(2013, 4, 24);
const cred = 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request';

/** The S3 error code `fn` throws (undefined if it does not throw). */
function failure(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof S3AuthFailure ? e.s3Code : String(e);
  }
}

function check(req: SignedRequest): string {
  return verifySigV4(req, parseAuthorization(req.headers.authorization!), secret, at);
}

t.test('AWS documentation examples', async (t) => {
  const get: SignedRequest = {
    method: 'GET',
    rawPath: '/test.txt',
    rawQuery: '',
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': emptySha,
      'x-amz-date': '20130524T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=${cred},SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
    },
  };
  t.equal(check(get), emptySha, 'GET Object');
  const put: SignedRequest = {
    method: 'PUT',
    rawPath: '/test%24file.text',
    rawQuery: '',
    headers: {
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      host: 'examplebucket.s3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      authorization: `AWS4-HMAC-SHA256 Credential=${cred},SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd`,
    },
  };
  const hash = check(put);
  t.doesNotThrow(() => checkPayload(hash, Buffer.from('Welcome to Amazon S3.')), 'PUT Object and its payload');
  t.equal(failure(() => checkPayload(hash, Buffer.from('Welcome to Amazon S3!'))), 'XAmzContentSHA256Mismatch', 'a changed body');
  const list: SignedRequest = {
    method: 'GET',
    rawPath: '/',
    rawQuery: 'max-keys=2&prefix=J',
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      'x-amz-content-sha256': emptySha,
      'x-amz-date': '20130524T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=${cred},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7`,
    },
  };
  t.equal(check(list), emptySha, 'GET Bucket (list objects) with a query');
  t.equal(failure(() => check({ ...list, rawQuery: 'max-keys=3&prefix=J' })), 'SignatureDoesNotMatch', 'an altered query');
  t.equal(failure(() => verifySigV4(list, parseAuthorization(list.headers.authorization!), secret, at + 16 * 60_000)), 'RequestTimeTooSkewed', 'a request 16 minutes old');
  t.equal(failure(() => parseAuthorization('AWS AKIA:abc')), 'AuthorizationHeaderMalformed', 'SigV2 headers are refused');

  // The same examples through a signing key cache: the key is derived once and serves every request.
  const keys = new SigningKeyCache();
  const cached = (req: SignedRequest, s = secret): string => verifySigV4(req, parseAuthorization(req.headers.authorization!), s, at, keys);
  t.same([cached(get), cached(list)], [emptySha, emptySha], 'GET Object and GET Bucket through the cache');
  t.equal(keys.size, 1, 'one key for the day, region and service');
  t.equal(failure(() => cached(get, secret.replace('EXAMPLE', 'EXAMPLF'))), 'SignatureDoesNotMatch', 'another secret for the same scope does not find the cached key');
  for (let i = 0; i < sigv4Limits.signingKeysCachedMax + 5; i++) keys.get(`s${i}`, '20130524', 'us-east-1', 's3');
  t.equal(keys.size, sigv4Limits.signingKeysCachedMax, 'the cache stays within signingKeysCachedMax');
});

t.test('requests signed by botocore', async (t) => {
  const py = `
import json
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for method, url, body in [('PUT', 'http://127.0.0.1:8000/b%C3%BCcket/a%20key/with+plus~x?tagging=&versionId=1', b'data'), ('GET', 'http://127.0.0.1:8000/bucket?list-type=2&prefix=a%2Fb&max-keys=5', b'')]:
    r = AWSRequest(method=method, url=url, data=body, headers={'x-amz-meta-Thing': '  spaced   value '})
    a = S3SigV4Auth(Credentials('AK', 'secret/key'), 's3', 'us-east-1')
    a.add_auth(r)
    out.append({'method': method, 'url': r.url, 'headers': {k.lower(): v for k, v in r.headers.items()}})
print(json.dumps(out))
`;
  const reqs = JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' })) as { method: string; url: string; headers: Record<string, string> }[];
  for (const r of reqs) {
    const u = new URL(r.url);
    const req: SignedRequest = { method: r.method, rawPath: r.url.slice(r.url.indexOf('/', 8)).split('?')[0]!, rawQuery: u.search.slice(1), headers: { ...r.headers, host: u.host } };
    const auth = parseAuthorization(r.headers.authorization!);
    const now = parseAmzDate(r.headers['x-amz-date']!);
    t.doesNotThrow(() => verifySigV4(req, auth, 'secret/key', now), `${r.method} ${r.url}`);
    t.equal(failure(() => verifySigV4(req, auth, 'secret/kez', now)), 'SignatureDoesNotMatch', 'the wrong secret');
  }
});
