/**
 * SigV2, aws-chunked payloads and virtual-host names against vectors we did not write: the worked
 * examples of AWS's "Signing and Authenticating REST Requests" (SigV2, johnsmith's puppy.jpg, 27
 * March 2007) and of "Signature Calculations ... Transferring Payload in Multiple Chunks" (the
 * 66560-byte chunkObject.txt of 24 May 2013: seed, chunk and final signatures).
 */
import t from 'tap';
import { AwsChunkedError, chunkSignature, decodeAwsChunked } from '../src/core/aws-chunked';
import { parseAuthorization, S3AuthFailure, signingKey, verifySigV4 } from '../src/core/sigv4';
import { parseV2Authorization, stringToSignV2, verifyPresignedV2, verifySigV2 } from '../src/core/sigv2';
import { bucketFromHost, parseDnsNames, pathStyle } from '../src/core/vhost';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function failure(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof S3AuthFailure || e instanceof AwsChunkedError ? e.s3Code : String(e);
  }
}

t.test('SigV2: the AWS documentation examples', async (t) => {
  const at = Date.parse('Tue, 27 Mar 2007 19:40:00 +0000');
  const get = { method: 'GET', resourcePath: '/johnsmith/photos/puppy.jpg', query: new URLSearchParams(), headers: { date: 'Tue, 27 Mar 2007 19:36:42 +0000' } };
  t.equal(stringToSignV2(get, get.headers.date, false), 'GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg');
  const auth = parseV2Authorization('AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=')!;
  t.same(auth, { accessKey: 'AKIAIOSFODNN7EXAMPLE', signature: 'bWq2s1WEIj+Ydj0vQ697zp+IXMU=' });
  t.equal(failure(() => verifySigV2(get, auth, secret, at)), undefined, 'GET object');
  t.equal(failure(() => verifySigV2({ ...get, resourcePath: '/johnsmith/photos/kitten.jpg' }, auth, secret, at)), 'SignatureDoesNotMatch', 'another key');
  t.equal(failure(() => verifySigV2(get, auth, secret, at + 16 * 60_000)), 'RequestTimeTooSkewed', 'over 15 minutes late');
  const put = { method: 'PUT', resourcePath: '/johnsmith/photos/puppy.jpg', query: new URLSearchParams(), headers: { date: 'Tue, 27 Mar 2007 21:15:45 +0000', 'content-type': 'image/jpeg' } };
  t.equal(failure(() => verifySigV2(put, { accessKey: 'AKIAIOSFODNN7EXAMPLE', signature: 'MyyxeRY7whkBe+bq8fHCL/2kKUg=' }, secret, Date.parse(put.headers.date))), undefined, 'PUT object');
  // x-amz-date replaces Date (whose line is then empty); x-amz-* headers are signed sorted.
  const acl = stringToSignV2({ method: 'GET', resourcePath: '/b/k', query: new URLSearchParams('acl&versionId=v1&foo=bar&uploads'), headers: { 'x-amz-date': 'x', 'x-amz-meta-b': ' 2 ', 'x-amz-meta-a': '1' } }, '', false);
  t.equal(acl, 'GET\n\n\n\nx-amz-date:x\nx-amz-meta-a:1\nx-amz-meta-b:2\n/b/k?acl&uploads&versionId=v1', 'sub-resources in radosgw order, others left out');
  t.equal(parseV2Authorization('AWS4-HMAC-SHA256 Credential=a'), undefined, 'SigV4 is not SigV2');
});

t.test('SigV2 presigned: the AWS documentation example', async (t) => {
  const q = new URLSearchParams('AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D');
  const req = { method: 'GET', resourcePath: '/johnsmith/photos/puppy.jpg', query: q, headers: {} };
  t.equal(failure(() => verifyPresignedV2(req, secret, 1175139620_000 - 1000)), undefined, 'before Expires');
  t.equal(failure(() => verifyPresignedV2(req, secret, 1175139620_000)), 'AccessDenied', 'at Expires: expired');
  const other = new URLSearchParams(q);
  other.set('Expires', '1175139621');
  t.equal(failure(() => verifyPresignedV2({ ...req, query: other }, secret, 0)), 'SignatureDoesNotMatch', 'a changed Expires');
});

t.test('aws-chunked: the AWS documentation example', async (t) => {
  const at = Date.UTC(2013, 4, 24);
  const headers = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  };
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const authz = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${seed}`;
  const hash = verifySigV4({ method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', rawQuery: '', headers }, parseAuthorization(authz), secret, at);
  t.equal(hash, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'the seed signature checks out');
  const signing = { key: signingKey(secret, '20130524', 'us-east-1', 's3'), amzDate: '20130524T000000Z', scope: '20130524/us-east-1/s3/aws4_request', seedSignature: seed };
  const sigs = ['ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648', '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497', 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'];
  const c1 = Buffer.alloc(65536, 'a');
  const c2 = Buffer.alloc(1024, 'a');
  t.equal(chunkSignature(signing, seed, c1), sigs[0], 'chunk 1');
  const body = Buffer.concat([
    Buffer.from(`10000;chunk-signature=${sigs[0]}\r\n`),
    c1,
    Buffer.from(`\r\n400;chunk-signature=${sigs[1]}\r\n`),
    c2,
    Buffer.from(`\r\n0;chunk-signature=${sigs[2]}\r\n\r\n`),
  ]);
  t.equal(body.length, 66824, 'the example Content-Length');
  t.same(decodeAwsChunked(body, 66560, signing), Buffer.alloc(66560, 'a'), 'decoded with every signature checked');
  // Every boundary: a body cut anywhere is refused, never accepted short.
  for (const cut of [0, 10, 85, 86, 65622, 65624, 66700, 66822]) t.not(failure(() => decodeAwsChunked(body.subarray(0, cut), 66560, signing)), undefined, `cut at ${cut}`);
  const flipped = Buffer.from(body);
  flipped[100] = 0x62;
  t.equal(failure(() => decodeAwsChunked(flipped, 66560, signing)), 'SignatureDoesNotMatch', 'a changed byte in chunk 1');
  const swapped = Buffer.from(body.toString('latin1').replace(sigs[2]!, sigs[1]!), 'latin1');
  t.equal(failure(() => decodeAwsChunked(swapped, 66560, signing)), 'SignatureDoesNotMatch', 'a final signature out of sequence');
  t.equal(failure(() => decodeAwsChunked(body, 66561, signing)), 'IncompleteBody', 'a wrong decoded length');
});

t.test('aws-chunked with an unsigned trailer (botocore AwsChunkedWrapper shape)', async (t) => {
  // CRC32 of "hello world" is 0x0d4a1185 (zlib/IEEE).
  const body = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
  t.equal(decodeAwsChunked(body, 11, undefined).toString(), 'hello world');
  const bad = Buffer.from(body.toString().replace('DUoRhQ==', 'AAAAAA=='));
  t.equal(failure(() => decodeAwsChunked(bad, 11, undefined)), 'BadDigest', 'a wrong trailer checksum');
});

t.test('virtual-host names (rgw_dns_name)', async (t) => {
  const names = parseDnsNames('s3.example.com, localhost');
  t.same(names, ['s3.example.com', 'localhost']);
  t.equal(bucketFromHost('photos.s3.example.com:8000', names), 'photos');
  t.equal(bucketFromHost('my.dotted.bucket.s3.example.com', names), 'my.dotted.bucket');
  t.equal(bucketFromHost('s3.example.com', names), undefined, 'the name itself: path-style');
  t.equal(bucketFromHost('other.example.org', names), undefined, 'another host: path-style');
  t.equal(bucketFromHost('b.localhost', []), undefined, 'no rgw_dns_name: path-style');
  t.equal(pathStyle('/dir/k%20ey', 'photos'), '/photos/dir/k%20ey');
  t.equal(pathStyle('/', 'photos'), '/photos/');
});
