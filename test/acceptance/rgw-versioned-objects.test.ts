/**
 * h-rgw-a's object features under h-rgw-b's versioning and ACLs, driven by the stock AWS CLI on
 * ts-osd: a completed multipart upload and a CopyObject are versions (x-amz-version-id, listed by
 * ListObjectVersions), DeleteObjects leaves delete markers in a versioned bucket, and another user
 * is refused GET, PUT, copy (as source), multipart, tagging and DeleteObjects on a private bucket.
 * Deleting every version leaves no stripe.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, startTsOsdCluster } from './osd-lib';
import { startRgw } from './rgw-bucket-lib';

interface Versions {
  Versions?: { Key: string; VersionId: string; IsLatest: boolean; Size: number }[];
  DeleteMarkers?: { Key: string; VersionId: string; IsLatest: boolean }[];
}

t.test('multipart, copy, DeleteObjects and access checks in a versioned bucket on ts-osd', async (t) => {
  const cl = await startTsOsdCluster({ pool: 'p' });
  t.teardown(() => cl.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(cl.mon, p, 8, () => cl.osdLog(1_000_000));
  const target = { conf: cl.mon.conf, keyring: cl.mon.adminKeyring, dir: cl.mon.dir, rados: (args: string[]) => cl.rados(args, { extra: ['-k', cl.mon.adminKeyring], noPool: true }) };
  const c = await startRgw(t, target);
  const { ok, s3 } = c;
  const file = join(target.dir, 'body');
  writeFileSync(file, 'part one');
  const api = async <T>(...args: string[]): Promise<T> => JSON.parse((await ok(['s3api', ...args])) || '{}') as T;

  await ok(['s3', 'mb', 's3://vobj']);
  await ok(['s3api', 'put-bucket-versioning', '--bucket', 'vobj', '--versioning-configuration', 'Status=Enabled']);
  const { UploadId } = await api<{ UploadId: string }>('create-multipart-upload', '--bucket', 'vobj', '--key', 'mp');
  const part = await api<{ ETag: string }>('upload-part', '--bucket', 'vobj', '--key', 'mp', '--upload-id', UploadId, '--part-number', '1', '--body', file);
  const done = await api<{ VersionId?: string }>('complete-multipart-upload', '--bucket', 'vobj', '--key', 'mp', '--upload-id', UploadId, '--multipart-upload', JSON.stringify({ Parts: [{ PartNumber: 1, ETag: part.ETag }] }));
  t.match(done.VersionId, /^[0-9a-f]{32}$/, 'a completed multipart upload answers its version id');
  const copied = await api<{ VersionId?: string }>('copy-object', '--bucket', 'vobj', '--key', 'cp', '--copy-source', 'vobj/mp');
  t.match(copied.VersionId, /^[0-9a-f]{32}$/, 'CopyObject answers its version id');
  const copied2 = await api<{ VersionId?: string }>('copy-object', '--bucket', 'vobj', '--key', 'cp', '--copy-source', `vobj/mp?versionId=${done.VersionId}`);
  const listed = await api<Versions>('list-object-versions', '--bucket', 'vobj');
  t.same(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size]), [['cp', copied2.VersionId, true, 8], ['cp', copied.VersionId, false, 8], ['mp', done.VersionId, true, 8]], 'ListObjectVersions lists the completed upload and both copies');

  // Another user: a private bucket refuses every object request of h-rgw-a's handlers.
  const mk = await c.admin(['user', 'create', '--uid', 'other', '--display-name', 'Other', '--access-key', 'OTHERAK', '--secret-key', 'othersecret']);
  t.equal(mk.code, 0, mk.stderr);
  const other = { ...c.env, AWS_ACCESS_KEY_ID: 'OTHERAK', AWS_SECRET_ACCESS_KEY: 'othersecret' };
  await s3(['s3', 'mb', 's3://otherbkt'], other);
  const refused: [string, string[]][] = [
    ['GetObject', ['get-object', '--bucket', 'vobj', '--key', 'mp', join(target.dir, 'out')]],
    ['PutObject', ['put-object', '--bucket', 'vobj', '--key', 'x', '--body', file]],
    ['CopyObject from a private source', ['copy-object', '--bucket', 'otherbkt', '--key', 'x', '--copy-source', 'vobj/mp']],
    ['CreateMultipartUpload', ['create-multipart-upload', '--bucket', 'vobj', '--key', 'x']],
    ['GetObjectTagging', ['get-object-tagging', '--bucket', 'vobj', '--key', 'mp']],
    ['PutObjectTagging', ['put-object-tagging', '--bucket', 'vobj', '--key', 'mp', '--tagging', 'TagSet=[{Key=k,Value=v}]']],
  ];
  for (const [what, args] of refused) t.match((await s3(['s3api', ...args], other)).stderr, /AccessDenied/, `another user: ${what} refused`);
  const theirs = await s3(['s3api', 'delete-objects', '--bucket', 'vobj', '--delete', JSON.stringify({ Objects: [{ Key: 'mp' }] })], other);
  t.match(theirs.stdout, /"Code": "AccessDenied"/, 'another user: DeleteObjects answers AccessDenied for the key');

  const del = await api<{ Deleted?: { Key: string; DeleteMarker?: boolean; DeleteMarkerVersionId?: string }[] }>('delete-objects', '--bucket', 'vobj', '--delete', JSON.stringify({ Objects: [{ Key: 'mp' }, { Key: 'cp' }] }));
  t.same(del.Deleted?.map((d) => [d.Key, d.DeleteMarker]).sort(), [['cp', true], ['mp', true]], 'DeleteObjects in a versioned bucket makes delete markers');
  const after = await api<Versions>('list-object-versions', '--bucket', 'vobj');
  t.same(after.DeleteMarkers?.map((d) => [d.Key, d.IsLatest]), [['cp', true], ['mp', true]], 'the markers are the latest versions');
  t.equal(after.Versions?.length, 3, 'the versions stay behind the markers');
  t.notMatch(await ok(['s3api', 'list-objects-v2', '--bucket', 'vobj']), /"Key"/, 'ListObjects shows nothing');
  const getOld = await s3(['s3api', 'get-object', '--bucket', 'vobj', '--key', 'mp', '--version-id', done.VersionId!, join(target.dir, 'out')]);
  t.equal(getOld.code, 0, `the multipart version is still readable by id: ${getOld.stderr}`);

  const everything = [...(after.Versions ?? []), ...(after.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
  await api('delete-objects', '--bucket', 'vobj', '--delete', JSON.stringify({ Objects: everything }));
  await ok(['s3', 'rb', 's3://vobj']);
  t.equal((await target.rados(['-p', 'ts-rgw.data', 'ls'])).stdout.trim(), '', 'every stripe (parts and copies) is gone with the versions');
});
