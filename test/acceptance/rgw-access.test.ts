/**
 * ACLs, bucket policies and CORS on ts-rgw with the stock AWS CLI (signed as two users, and
 * unsigned as anonymous) and raw fetch for CORS preflights: canned ACLs on PUT, Get/PutObjectAcl,
 * Get/PutBucketAcl, grants by header, anonymous reads allowed by public-read only, a policy's Allow
 * for another user on a prefix and its Deny winning over the owner, Get/Put/DeleteBucketPolicy and
 * Get/Put/DeleteBucketCors, preflights answered or refused by the rules, Access-Control-* on a
 * matching request. On ts-osd.
 */
import t, { Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, startTsOsdCluster } from './osd-lib';
import { RgwTarget, startRgw } from './rgw-bucket-lib';

t.test('ACLs, policies and CORS against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p' });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  await accessSuite(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring, dir: c.mon.dir, rados: (args) => c.rados(args, { extra: ['-k', c.mon.adminKeyring], noPool: true }) });
});

async function accessSuite(t: Test, target: RgwTarget): Promise<void> {
  const c = await startRgw(t, target);
  const { ok, s3 } = c;
  t.equal((await c.admin(['user', 'create', '--uid', 'other', '--display-name', 'Other', '--access-key', 'OTHERAK', '--secret-key', 'othersecret'])).code, 0, 'a second user');
  const other = (args: string[]) => s3(args, { ...c.env, AWS_ACCESS_KEY_ID: 'OTHERAK', AWS_SECRET_ACCESS_KEY: 'othersecret' });
  const anon = (args: string[]) => s3(['--no-sign-request', ...args]);
  const body = join(target.dir, 'acl-body');
  writeFileSync(body, 'hello');
  const out = join(target.dir, 'acl-out');

  await ok(['s3', 'mb', 's3://acls']);
  await ok(['s3api', 'put-object', '--bucket', 'acls', '--key', 'pub', '--body', body, '--acl', 'public-read']);
  await ok(['s3api', 'put-object', '--bucket', 'acls', '--key', 'priv', '--body', body]);
  t.equal((await anon(['s3api', 'get-object', '--bucket', 'acls', '--key', 'pub', out])).code, 0, 'anonymous GET of a public-read object');
  t.match((await anon(['s3api', 'get-object', '--bucket', 'acls', '--key', 'priv', out])).stderr, /AccessDenied/, 'anonymous GET of a private object: AccessDenied');
  t.match((await anon(['s3api', 'list-objects-v2', '--bucket', 'acls'])).stderr, /AccessDenied/, 'anonymous listing of a private bucket: AccessDenied');
  const pubAcl = JSON.parse(await ok(['s3api', 'get-object-acl', '--bucket', 'acls', '--key', 'pub'])) as { Owner: { ID: string }; Grants: { Grantee: { Type: string; ID?: string; URI?: string }; Permission: string }[] };
  t.same([pubAcl.Owner.ID, pubAcl.Grants.map((g) => [g.Grantee.Type, g.Grantee.ID ?? g.Grantee.URI, g.Permission])], ['tester', [['CanonicalUser', 'tester', 'FULL_CONTROL'], ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'READ']]], 'GetObjectAcl: owner FULL_CONTROL, AllUsers READ');

  t.match((await other(['s3api', 'list-objects-v2', '--bucket', 'acls'])).stderr, /AccessDenied/, 'another user cannot list a private bucket');
  await ok(['s3api', 'put-bucket-acl', '--bucket', 'acls', '--acl', 'authenticated-read']);
  t.equal((await other(['s3api', 'list-objects-v2', '--bucket', 'acls'])).code, 0, 'authenticated-read lets the other user list');
  t.match((await anon(['s3api', 'list-objects-v2', '--bucket', 'acls'])).stderr, /AccessDenied/, 'but not anonymous');
  t.match(JSON.parse(await ok(['s3api', 'get-bucket-acl', '--bucket', 'acls'])), { Owner: { ID: 'tester' }, Grants: [{ Permission: 'FULL_CONTROL' }, { Grantee: { URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'READ' }] }, 'GetBucketAcl');
  t.match((await other(['s3api', 'get-object', '--bucket', 'acls', '--key', 'priv', out])).stderr, /AccessDenied/, 'the other user cannot read a private object');
  await ok(['s3api', 'put-object-acl', '--bucket', 'acls', '--key', 'priv', '--grant-read', 'id=other']);
  t.equal((await other(['s3api', 'get-object', '--bucket', 'acls', '--key', 'priv', out])).code, 0, 'a READ grant by header lets it read');
  t.match((await other(['s3api', 'put-object', '--bucket', 'acls', '--key', 'x', '--body', body])).stderr, /AccessDenied/, 'no WRITE on the bucket: PUT refused');

  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: ['arn:aws:iam:::user/other'] }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::acls/uploads/*' },
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acls/pub', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } },
    ],
  };
  await ok(['s3api', 'put-bucket-policy', '--bucket', 'acls', '--policy', JSON.stringify(policy)]);
  t.same(JSON.parse((JSON.parse(await ok(['s3api', 'get-bucket-policy', '--bucket', 'acls'])) as { Policy: string }).Policy), policy, 'GetBucketPolicy answers the document');
  t.equal((await other(['s3api', 'put-object', '--bucket', 'acls', '--key', 'uploads/a', '--body', body])).code, 0, 'the policy lets the other user PUT under uploads/');
  t.match((await other(['s3api', 'put-object', '--bucket', 'acls', '--key', 'elsewhere', '--body', body])).stderr, /AccessDenied/, 'and nowhere else');
  t.match((await s3(['s3api', 'get-object', '--bucket', 'acls', '--key', 'pub', out])).stderr, /AccessDenied/, 'a Deny on the source address wins over the owner');
  t.match((await s3(['s3api', 'put-bucket-policy', '--bucket', 'acls', '--policy', '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::otherbucket/*"}]}'])).stderr, /MalformedPolicy/, 'a policy on another bucket is refused');
  await ok(['s3api', 'delete-bucket-policy', '--bucket', 'acls']);
  t.match((await s3(['s3api', 'get-bucket-policy', '--bucket', 'acls'])).stderr, /NoSuchBucketPolicy/, 'the policy is gone');
  t.equal((await s3(['s3api', 'get-object', '--bucket', 'acls', '--key', 'pub', out])).code, 0, 'and with it the Deny');

  await corsChecks(t, c.port, ok, s3);
}

async function corsChecks(t: Test, port: number, ok: (a: string[]) => Promise<string>, s3: (a: string[]) => Promise<{ stderr: string }>): Promise<void> {
  const rules = { CORSRules: [{ AllowedOrigins: ['https://example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['x-amz-*', 'content-type'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 }] };
  t.match((await s3(['s3api', 'get-bucket-cors', '--bucket', 'acls'])).stderr, /NoSuchCORSConfiguration/, 'no CORS configuration yet');
  await ok(['s3api', 'put-bucket-cors', '--bucket', 'acls', '--cors-configuration', JSON.stringify(rules)]);
  t.match(JSON.parse(await ok(['s3api', 'get-bucket-cors', '--bucket', 'acls'])), rules, 'GetBucketCors answers the rules');
  const preflight = async (origin: string, method: string, headers?: string) => {
    const r = await fetch(`http://127.0.0.1:${port}/acls/pub`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}) } });
    return { status: r.status, h: Object.fromEntries(r.headers), body: await r.text() };
  };
  t.match(await preflight('https://example.com', 'PUT', 'content-type, x-amz-meta-a'), { status: 200, h: { 'access-control-allow-origin': 'https://example.com', 'access-control-allow-methods': 'GET, PUT', 'access-control-allow-headers': 'content-type, x-amz-meta-a', 'access-control-max-age': '3000', 'access-control-expose-headers': 'ETag' } }, 'a preflight a rule allows');
  t.match(await preflight('https://evil.example', 'GET'), { status: 403, body: /AccessForbidden/ }, 'an origin no rule allows: 403');
  t.match(await preflight('https://example.com', 'DELETE'), { status: 403 }, 'a method no rule allows: 403');
  t.match(await preflight('https://example.com', 'GET', 'authorization'), { status: 403 }, 'a header no rule allows: 403');
  const get = await fetch(`http://127.0.0.1:${port}/acls/pub`, { headers: { origin: 'https://example.com' } });
  t.same([get.status, get.headers.get('access-control-allow-origin'), await get.text()], [200, 'https://example.com', 'hello'], 'an anonymous GET from the allowed origin carries Access-Control-Allow-Origin');
  await ok(['s3api', 'delete-bucket-cors', '--bucket', 'acls']);
  t.match((await s3(['s3api', 'get-bucket-cors', '--bucket', 'acls'])).stderr, /NoSuchCORSConfiguration/, 'DeleteBucketCors');
}
