/**
 * ts-rgw-admin as radosgw-admin (users, keys, buckets, quotas: exit codes and JSON), quotas
 * enforced on PUT (QuotaExceeded) and suspended users refused, then the other S3 clients: s3cmd
 * (mb, put, get, ls, sync, del, del --recursive through DeleteObjects) and a boto3 script (objects, paging, versioning). On ts-osd.
 */
import t, { Test } from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run } from '@ts-ceph/testkit';
import { createPool, startTsOsdCluster } from './osd-lib';
import { RgwClient, RgwTarget, startRgw } from './rgw-bucket-lib';

t.test('ts-rgw-admin, quotas, s3cmd and boto3 against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p' });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  const target: RgwTarget = { conf: c.mon.conf, keyring: c.mon.adminKeyring, dir: c.mon.dir, rados: (args) => c.rados(args, { extra: ['-k', c.mon.adminKeyring], noPool: true }) };
  const rgw = await startRgw(t, target);
  await adminSuite(t, target, rgw);
  await s3cmdSuite(t, target, rgw);
  await boto3Suite(t, rgw);
});

interface UserJson {
  user_id: string;
  display_name: string;
  email: string;
  suspended: number;
  keys: { access_key: string; secret_key: string }[];
}

async function adminSuite(t: Test, target: RgwTarget, c: RgwClient): Promise<void> {
  const json = async (args: string[]) => {
    const r = await c.admin(args);
    t.equal(r.code, 0, `ts-rgw-admin ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim() ? (JSON.parse(r.stdout) as unknown) : undefined;
  };
  const u = (await json(['user', 'create', '--uid', 'alice', '--display-name', 'Alice', '--email', 'alice@example.com'])) as UserJson;
  t.match(u, { user_id: 'alice', display_name: 'Alice', email: 'alice@example.com', suspended: 0 }, 'user create');
  t.match(u.keys[0], { access_key: /^[A-Z0-9]{20}$/, secret_key: /^[A-Za-z0-9+/]{40}$/ }, 'a generated key pair shaped as radosgw\'s');
  t.same(await json(['user', 'list']), ['alice', 'tester'], 'user list');
  t.match(await json(['user', 'modify', '--uid', 'alice', '--display-name', 'Alice B']), { display_name: 'Alice B', email: 'alice@example.com' }, 'user modify');
  const two = (await json(['key', 'create', '--uid', 'alice', '--gen-access-key', '--gen-secret'])) as UserJson;
  t.equal(two.keys.length, 2, 'key create adds a key');
  t.equal(((await json(['key', 'rm', '--uid', 'alice', '--access-key', two.keys[1]!.access_key])) as UserJson).keys.length, 1, 'key rm');
  const alice = { ...c.env, AWS_ACCESS_KEY_ID: u.keys[0]!.access_key, AWS_SECRET_ACCESS_KEY: u.keys[0]!.secret_key };
  t.equal((await c.s3(['s3api', 'list-buckets'], { ...alice, AWS_ACCESS_KEY_ID: two.keys[1]!.access_key, AWS_SECRET_ACCESS_KEY: two.keys[1]!.secret_key })).stderr.includes('InvalidAccessKeyId'), true, 'a removed key no longer signs');
  await json(['user', 'modify', '--uid', 'alice', '--suspended', '1']);
  t.match((await c.s3(['s3api', 'list-buckets'], alice)).stderr, /UserSuspended/, 'a suspended user is refused');
  await json(['user', 'modify', '--uid', 'alice', '--suspended', '0']);

  const body = (n: number) => {
    const p = join(target.dir, `q${n}`);
    writeFileSync(p, 'x'.repeat(n));
    return p;
  };
  const put = (bucket: string, key: string, n: number, env = c.env) => c.s3(['s3api', 'put-object', '--bucket', bucket, '--key', key, '--body', body(n)], env);
  await c.ok(['s3', 'mb', 's3://quota']);
  await json(['quota', 'set', '--quota-scope', 'bucket', '--bucket', 'quota', '--max-objects', '2']);
  await json(['quota', 'enable', '--quota-scope', 'bucket', '--bucket', 'quota']);
  t.same([(await put('quota', 'a', 3)).code, (await put('quota', 'b', 4)).code], [0, 0], 'two objects fit the bucket quota');
  t.match((await put('quota', 'c', 1)).stderr, /QuotaExceeded/, 'the third: QuotaExceeded');
  t.match(await json(['bucket', 'stats', '--bucket', 'quota']), { bucket: 'quota', owner: 'tester', usage: { 'rgw.main': { size: 7, num_objects: 2 } }, bucket_quota: { enabled: true, max_objects: 2 } }, 'bucket stats');
  await json(['quota', 'disable', '--quota-scope', 'bucket', '--bucket', 'quota']);
  t.equal((await put('quota', 'c', 1)).code, 0, 'quota disabled: the PUT goes in');

  t.equal((await c.s3(['s3', 'mb', 's3://alices'], alice)).code, 0, 'alice makes a bucket');
  await json(['quota', 'set', '--quota-scope', 'user', '--uid', 'alice', '--max-size', '10']);
  await json(['quota', 'enable', '--quota-scope', 'user', '--uid', 'alice']);
  t.match(await json(['user', 'info', '--uid', 'alice']), { user_quota: { enabled: true, max_size: 10, max_size_kb: 1 } }, 'user info shows the user quota');
  t.equal((await put('alices', 'a', 8, alice)).code, 0, '8 bytes fit a 10-byte user quota');
  t.match((await put('alices', 'b', 8, alice)).stderr, /QuotaExceeded/, '16 do not');

  t.same(await json(['bucket', 'list', '--uid', 'alice']), ['alices'], 'bucket list --uid');
  t.same(await json(['bucket', 'list']), ['alices', 'quota'], 'bucket list');
  t.not((await c.admin(['bucket', 'rm', '--bucket', 'quota'])).code, 0, 'bucket rm of a bucket with objects fails');
  await json(['bucket', 'rm', '--bucket', 'quota', '--purge-objects']);
  t.equal((await c.admin(['user', 'rm', '--uid', 'alice'])).code, 39, 'user rm with buckets: ENOTEMPTY');
  await json(['user', 'rm', '--uid', 'alice', '--purge-data']);
  t.equal((await c.admin(['user', 'info', '--uid', 'alice'])).code, 2, 'the user is gone: ENOENT');
  t.same(await json(['bucket', 'list']), [], 'and its bucket');
  t.equal((await target.rados(['-p', 'ts-rgw.data', 'ls'])).stdout.trim(), '', 'no stripe left behind');
}

async function s3cmdSuite(t: Test, target: RgwTarget, c: RgwClient): Promise<void> {
  const s3cmd = requireBinary('s3cmd');
  const cfg = join(target.dir, 's3cfg');
  const hostPort = `127.0.0.1:${c.port}`;
  writeFileSync(cfg, `[default]\naccess_key = TESTAK\nsecret_key = testsecret\nhost_base = ${hostPort}\nhost_bucket = ${hostPort}\nuse_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n`);
  const cmd = async (args: string[]) => {
    const r = await run(s3cmd, ['-c', cfg, ...args], { timeoutMs: 60_000 });
    t.equal(r.code, 0, `s3cmd ${args.join(' ')}: ${r.stderr.slice(-400)}`);
    return r.stdout;
  };
  await cmd(['mb', 's3://s3cmd']);
  const src = join(target.dir, 'sync-src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'one.txt'), 'one');
  writeFileSync(join(src, 'sub', 'two.txt'), 'two');
  await cmd(['put', join(src, 'one.txt'), 's3://s3cmd/put.txt']);
  const got = join(target.dir, 'got.txt');
  await cmd(['get', '--force', 's3://s3cmd/put.txt', got]);
  t.equal(readFileSync(got, 'utf8'), 'one', 's3cmd put then get');
  await cmd(['sync', `${src}/`, 's3://s3cmd/tree/']);
  const ls = await cmd(['ls', '--recursive', 's3://s3cmd']);
  t.same(ls.trim().split('\n').map((l) => l.split(/\s+/).pop()), ['s3://s3cmd/put.txt', 's3://s3cmd/tree/one.txt', 's3://s3cmd/tree/sub/two.txt'], 's3cmd sync uploaded the tree; ls --recursive lists it');
  t.match(await cmd(['ls']), /s3:\/\/s3cmd/, 's3cmd ls lists the bucket');
  await cmd(['del', 's3://s3cmd/put.txt']);
  // `del --recursive` batches the keys into one DeleteObjects request.
  await cmd(['del', '--recursive', 's3://s3cmd/tree/']);
  t.equal((await cmd(['ls', '--recursive', 's3://s3cmd'])).trim(), '', 's3cmd del removed them');
  await cmd(['rb', 's3://s3cmd']);
}

const botoScript = `
import boto3, sys
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='TESTAK', aws_secret_access_key='testsecret', region_name='us-east-1')
s3.create_bucket(Bucket='boto')
for i in range(5):
    s3.put_object(Bucket='boto', Key='k%d' % i, Body=b'v%d' % i)
keys = [o['Key'] for p in s3.get_paginator('list_objects_v2').paginate(Bucket='boto', PaginationConfig={'PageSize': 2}) for o in p.get('Contents', [])]
assert keys == ['k0', 'k1', 'k2', 'k3', 'k4'], keys
assert s3.get_object(Bucket='boto', Key='k3')['Body'].read() == b'v3'
s3.put_bucket_versioning(Bucket='boto', VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket='boto', Key='k0', Body=b'new')['VersionId']
vs = s3.list_object_versions(Bucket='boto', Prefix='k0')['Versions']
assert [(v['VersionId'], v['IsLatest']) for v in vs] == [(v1, True), ('null', False)], vs
assert s3.get_object(Bucket='boto', Key='k0', VersionId='null')['Body'].read() == b'v0'
for v in s3.list_object_versions(Bucket='boto')['Versions']:
    s3.delete_object(Bucket='boto', Key=v['Key'], VersionId=v['VersionId'])
s3.delete_bucket(Bucket='boto')
print('boto3 ok')
`;

async function boto3Suite(t: Test, c: RgwClient): Promise<void> {
  const r = await run('/usr/bin/python3', ['-c', botoScript, `http://127.0.0.1:${c.port}`], { env: { ...c.env, AWS_CONFIG_FILE: '/dev/null' }, timeoutMs: 120_000 });
  t.match(r, { code: 0, stdout: /boto3 ok/ }, `a boto3 script: objects, paging, versioning ${r.stderr.slice(-600)}`);
}
