/** The versioning suite of rgw-versioning (ts-osd) and rgw-ref (the real reference cluster). */
import { Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RgwClient, RgwTarget, startRgw } from './rgw-bucket-lib';
import { RgwUser } from './rgw-lib';
import { run } from '@ts-ceph/testkit';

interface Versions {
  Versions?: { Key: string; VersionId: string; IsLatest: boolean; Size: number }[];
  DeleteMarkers?: { Key: string; VersionId: string; IsLatest: boolean }[];
  CommonPrefixes?: { Prefix: string }[];
}

export async function versioningSuite(t: Test, target: RgwTarget, user?: RgwUser): Promise<void> {
  const c = await startRgw(t, target, { user });
  const { ok, s3 } = c;
  const file = (name: string, body: string): string => {
    const p = join(target.dir, name);
    writeFileSync(p, body);
    return p;
  };
  const put = async (key: string, body: string): Promise<string | undefined> => (JSON.parse(await ok(['s3api', 'put-object', '--bucket', 'vbkt', '--key', key, '--body', file('body', body)])) as { VersionId?: string }).VersionId;
  const get = async (key: string, versionId?: string) => {
    const out = join(target.dir, 'out');
    const r = await s3(['s3api', 'get-object', '--bucket', 'vbkt', '--key', key, ...(versionId ? ['--version-id', versionId] : []), out]);
    return r.code === 0 ? (await run('cat', [out])).stdout : r.stderr;
  };
  const versions = async (...args: string[]) => JSON.parse((await ok(['s3api', 'list-object-versions', '--bucket', 'vbkt', ...args])) || '{}') as Versions;

  await ok(['s3', 'mb', 's3://vbkt']);
  t.equal((await ok(['s3api', 'get-bucket-versioning', '--bucket', 'vbkt'])).trim(), '', 'a new bucket has no versioning status');
  t.match(await ok(['s3api', 'get-bucket-location', '--bucket', 'vbkt']), /"LocationConstraint": null/, 'GetBucketLocation: the default region');
  t.equal(await put('k', 'zero'), undefined, 'no x-amz-version-id before versioning is configured');
  await ok(['s3api', 'put-bucket-versioning', '--bucket', 'vbkt', '--versioning-configuration', 'Status=Enabled']);
  t.match(JSON.parse(await ok(['s3api', 'get-bucket-versioning', '--bucket', 'vbkt'])), { Status: 'Enabled' }, 'GetBucketVersioning: Enabled');
  const v1 = await put('k', 'one');
  const v2 = await put('k', 'two');
  t.match(v1, /^[0-9a-f]{32}$/, 'a versioned PUT answers a version id');
  t.not(v1, v2, 'each PUT makes a new version');
  t.same([await get('k'), await get('k', v1), await get('k', 'null')], ['two', 'one', 'zero'], 'GET: current, by version id, the null version from before');
  const all = await versions();
  t.same(all.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size]), [[v2, true, 3], [v1, false, 3], ['null', false, 4]], 'ListObjectVersions: newest first, IsLatest on the current one');

  const del = JSON.parse(await ok(['s3api', 'delete-object', '--bucket', 'vbkt', '--key', 'k'])) as { DeleteMarker: boolean; VersionId: string };
  t.match(del, { DeleteMarker: true, VersionId: /^[0-9a-f]{32}$/ }, 'DELETE in a versioned bucket makes a delete marker');
  t.match(await get('k'), /NoSuchKey/, 'GET after a delete marker: NoSuchKey');
  t.match((await s3(['s3api', 'head-object', '--bucket', 'vbkt', '--key', 'k', '--version-id', del.VersionId])).stderr, /405|Method Not Allowed/, 'HEAD of the delete marker by id: 405');
  t.match(await get('k', 'nosuchversion'), /NoSuchVersion/, 'an unknown version id: NoSuchVersion');
  t.notMatch(await ok(['s3api', 'list-objects-v2', '--bucket', 'vbkt']), /"Key"/, 'ListObjects hides a key whose latest version is a delete marker');
  const withMarker = await versions();
  t.same([withMarker.DeleteMarkers?.map((d) => [d.VersionId, d.IsLatest]), withMarker.Versions?.map((v) => v.IsLatest)], [[[del.VersionId, true]], [false, false, false]], 'the marker is the latest version');
  await ok(['s3api', 'delete-object', '--bucket', 'vbkt', '--key', 'k', '--version-id', del.VersionId]);
  t.equal(await get('k'), 'two', 'removing the delete marker brings the object back');
  await ok(['s3api', 'delete-object', '--bucket', 'vbkt', '--key', 'k', '--version-id', v2!]);
  t.equal(await get('k'), 'one', 'deleting the current version promotes the previous one');

  for (const k of ['a/x', 'a/y', 'b']) await put(k, k);
  const folded = await versions('--delimiter', '/');
  t.same([folded.CommonPrefixes?.map((p) => p.Prefix), folded.Versions?.map((v) => v.Key)], [['a/'], ['b', 'k', 'k']], 'ListObjectVersions folds keys at the delimiter');
  const paged = await versions('--page-size', '1');
  t.same(paged.Versions?.map((v) => [v.Key, v.VersionId === 'null']), [['a/x', false], ['a/y', false], ['b', false], ['k', false], ['k', true]], 'paged one version at a time (key and version-id markers)');

  await ok(['s3api', 'put-bucket-versioning', '--bucket', 'vbkt', '--versioning-configuration', 'Status=Suspended']);
  t.match(JSON.parse(await ok(['s3api', 'get-bucket-versioning', '--bucket', 'vbkt'])), { Status: 'Suspended' }, 'GetBucketVersioning: Suspended');
  t.equal(await put('k', 'three'), 'null', 'a PUT while suspended writes the null version');
  const susp = await versions('--prefix', 'k');
  t.same(susp.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size]), [['null', true, 5], [v1, false, 3]], 'the old null version is replaced, the others stay');
  t.match((await s3(['s3api', 'put-bucket-versioning', '--bucket', 'vbkt', '--versioning-configuration', 'Status=Bogus'])).stderr, /IllegalVersioningConfigurationException|MalformedXML/, 'an invalid status is refused');

  t.match((await s3(['s3', 'rb', 's3://vbkt'])).stderr, /BucketNotEmpty/, 'a bucket holding versions is not empty');
  await deleteAllVersions(c, await versions());
  await ok(['s3', 'rb', 's3://vbkt']);
  // Stripes are named after their bucket (docs/formats/rgw.md); other suites may share the pool.
  const stripes = (await target.rados(['-p', 'ts-rgw.data', 'ls'])).stdout.split('\n').filter((l) => l.startsWith('vbkt.'));
  t.same(stripes, [], 'every stripe is gone with the versions');
}

async function deleteAllVersions(c: RgwClient, v: Versions): Promise<void> {
  for (const x of [...(v.Versions ?? []), ...(v.DeleteMarkers ?? [])]) await c.ok(['s3api', 'delete-object', '--bucket', 'vbkt', '--key', x.Key, '--version-id', x.VersionId]);
}
