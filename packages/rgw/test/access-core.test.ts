/**
 * The pure cores of ACLs, policies, CORS, versioning and request XML, fed documents botocore
 * serializes (python3's botocore, the AWS CLI's own serializer) and the policy examples of AWS's
 * S3 user guide ("Bucket policy examples"), not documents we wrote for our own parser.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { aclAllows, allUsersUri, cannedAcl, parseAclDocument } from '../src/core/acl';
import { matchCorsRule, parseCorsConfiguration } from '../src/core/cors';
import { evaluatePolicy, globMatch, ipInCidr, parsePolicy, PolicyRequest } from '../src/core/policy';
import { afterVersionsOf, parseVersioningConfiguration, versionKey } from '../src/core/versions';
import { parseXml } from '../src/core/xml-parse';

const botocore = (op: string, params: unknown): string =>
  execFileSync('/usr/bin/python3', ['-c', `
import botocore.session, json, sys
m = botocore.session.get_session().get_service_model('s3')
from botocore.serialize import create_serializer
r = create_serializer('rest-xml').serialize_to_request(json.loads(sys.argv[2]), m.operation_model(sys.argv[1]))
b = r['body']
sys.stdout.write(b.decode() if isinstance(b, bytes) else b)
`, op, JSON.stringify(params)]).toString();

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

t.test('PutBucketCors as botocore sends it', async (t) => {
  const rules = parseCorsConfiguration(botocore('PutBucketCors', { Bucket: 'b', CORSConfiguration: { CORSRules: [{ ID: 'r1', AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['x-amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }] } }));
  t.same(rules, [{ id: 'r1', allowedOrigins: ['https://*.example.com'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['x-amz-*'], exposeHeaders: ['ETag'], maxAgeSeconds: 600 }]);
  t.ok(matchCorsRule(rules, 'https://app.example.com', 'PUT', ['X-Amz-Meta-A']), 'a wildcard origin and header match');
  t.notOk(matchCorsRule(rules, 'https://example.org', 'GET'), 'another origin does not');
  t.notOk(matchCorsRule(rules, 'https://app.example.com', 'DELETE'), 'nor a method not listed');
  t.notOk(matchCorsRule(rules, 'https://app.example.com', 'GET', ['authorization']), 'nor a header not allowed');
  t.equal(code(() => parseCorsConfiguration('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>')), 'InvalidRequest', 'an unsupported method');
});

t.test('PutBucketAcl as botocore sends it', async (t) => {
  const owner = { id: 'tester', displayName: 'T' };
  const doc = botocore('PutBucketAcl', { Bucket: 'b', AccessControlPolicy: { Owner: { ID: 'tester', DisplayName: 'T' }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'other' }, Permission: 'READ' }, { Grantee: { Type: 'Group', URI: allUsersUri }, Permission: 'READ_ACP' }] } });
  const acl = parseAclDocument(doc, owner);
  t.same(acl.grants, [{ grantee: { type: 'CanonicalUser', id: 'other', displayName: undefined }, permission: 'READ' }, { grantee: { type: 'Group', uri: allUsersUri }, permission: 'READ_ACP' }]);
  t.same([aclAllows(acl, 'other', 'READ'), aclAllows(acl, 'other', 'WRITE'), aclAllows(acl, undefined, 'READ_ACP'), aclAllows(acl, undefined, 'READ')], [true, false, true, false]);
  t.equal(code(() => parseAclDocument(doc, { id: 'someone', displayName: '' })), 'AccessDenied', 'the owner cannot be changed');
  const canned = cannedAcl('bucket-owner-full-control', { id: 'up', displayName: 'up' }, 'bo');
  t.same([aclAllows(canned, 'bo', 'WRITE_ACP'), aclAllows(cannedAcl('public-read-write', owner), undefined, 'WRITE'), aclAllows(cannedAcl('authenticated-read', owner), undefined, 'READ')], [true, true, false]);
  t.equal(code(() => cannedAcl('public', owner)), 'InvalidArgument', 'an unknown canned ACL');
});

t.test('PutBucketVersioning as botocore sends it; version keys sort newest first', async (t) => {
  t.equal(parseVersioningConfiguration(botocore('PutBucketVersioning', { Bucket: 'b', VersioningConfiguration: { Status: 'Suspended' } })), 'Suspended');
  t.equal(code(() => parseVersioningConfiguration('<VersioningConfiguration><Status>On</Status></VersioningConfiguration>')), 'IllegalVersioningConfigurationException');
  const a1 = versionKey('a', 1000);
  const a2 = versionKey('a', 1001);
  t.ok(a2 < a1 && a1 < afterVersionsOf('a') && afterVersionsOf('a') < versionKey('a/b', 5) && versionKey('a/b', 5) < versionKey('b', 1), 'later versions first, keys in S3 order');
});

t.test('bucket policies: the S3 user guide examples', async (t) => {
  // "Granting read-only permission to an anonymous user" and "Restricting access to specific IP addresses".
  const p = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
    { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET/*'] },
    { Sid: 'IPAllow', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/*'], Condition: { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } },
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam:::user/dave' }, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET', Condition: { StringLike: { 's3:prefix': ['home/dave/*'] } } },
  ] }), 'DOC-EXAMPLE-BUCKET');
  const req = (o: Partial<PolicyRequest> & { ip: string; prefix?: string }): 'Allow' | 'Deny' | undefined => evaluatePolicy(p, { uid: o.uid, action: o.action ?? 's3:GetObject', resource: o.resource ?? 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/photo.jpg', context: { 'aws:SourceIp': o.ip, 's3:prefix': o.prefix } });
  t.equal(req({ ip: '192.0.2.7' }), 'Allow', 'anonymous read from the allowed network');
  t.equal(req({ ip: '198.51.100.1' }), 'Deny', 'a Deny from anywhere else wins');
  t.equal(req({ ip: '192.0.2.7', action: 's3:PutObject' }), undefined, 'no statement: the ACLs decide');
  const list = { action: 's3:ListBucket', resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET', ip: '192.0.2.1' };
  t.same([req({ ...list, uid: 'dave', prefix: 'home/dave/x' }), req({ ...list, uid: 'dave', prefix: 'home/eve/' }), req({ ...list, uid: 'eve', prefix: 'home/dave/x' })], ['Allow', undefined, undefined], 's3:prefix with StringLike, per user');
  t.same([ipInCidr('10.0.0.0/8', '10.2.3.4'), ipInCidr('10.0.0.0/8', '::ffff:10.2.3.4'), ipInCidr('2001:db8::/32', '2001:db8:1::5'), ipInCidr('2001:db8::/32', '2001:db9::1')], [true, true, true, false]);
  t.equal(code(() => parsePolicy('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}', 'DOC-EXAMPLE-BUCKET')), 'MalformedPolicy', 'a resource outside the bucket');
  t.equal(code(() => parsePolicy('{', 'b')), 'MalformedPolicy', 'not JSON');
});

t.test('request XML: entities, comments, malformed input', async (t) => {
  const e = parseXml('<?xml version="1.0"?><!-- c --><A x="1"><B>a &amp; b &#x41;</B><C/></A>');
  t.same([e.name, e.attrs, e.children.map((c) => [c.name, c.text])], ['A', { x: '1' }, [['B', 'a & b A'], ['C', '']]]);
  for (const bad of ['<A><B></A>', '<A>', '<!DOCTYPE x [<!ENTITY y "z">]><A/>', '<A/><B/>', 'text']) t.equal(code(() => parseXml(bad)), 'MalformedXML', bad);
});

t.test('policy wildcards: * and ? without regexes, no catastrophic backtracking', async (t) => {
  const cases: [string, string, boolean][] = [
    ['s3:*', 's3:GetObject', true],
    ['s3:Get*', 's3:PutObject', false],
    ['arn:aws:s3:::b/home/*/x?', 'arn:aws:s3:::b/home/dave/xy', true],
    ['arn:aws:s3:::b/home/*/x?', 'arn:aws:s3:::b/home/dave/x', false],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYbZ', false],
    ['*', '', true],
    ['', '', true],
    ['?', '', false],
    ['a.b', 'aXb', false],
    ['(x)+', '(x)+', true],
  ];
  t.same(cases.map(([p, s]) => globMatch(p, s)), cases.map((c) => c[2]), 'regex metacharacters are literal');
  // A pattern that makes a naive backtracking regex exponential: here a few thousand steps.
  const started = process.hrtime.bigint();
  t.equal(globMatch(`${'a*'.repeat(40)}b`, 'a'.repeat(1024)), false);
  t.ok(process.hrtime.bigint() - started < 2_000_000_000n, 'a pathological pattern is answered quickly');
});
