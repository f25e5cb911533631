/**
 * S3 versioning on ts-rgw, driven by the stock AWS CLI: Get/PutBucketVersioning, versioned PUT
 * (x-amz-version-id), GET/HEAD/DELETE by version id, delete markers (NoSuchKey after one, 405 when
 * asked for by id, removing the marker brings the object back), the current version promoted when
 * it is deleted, ListObjectVersions (order, IsLatest, delimiter, paging by key and version-id
 * markers), Suspended writing the "null" version in place, GetBucketLocation, and a bucket with
 * versions refused as BucketNotEmpty until every version is gone (then no stripe is left). On
 * ts-osd (the same suite runs on the real Ceph 16.2.15 reference cluster in rgw-ref).
 */
import t from 'tap';
import { createPool, startTsOsdCluster } from './osd-lib';
import { versioningSuite } from './rgw-versioning-suite';

t.test('versioning against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p' });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  await versioningSuite(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring, dir: c.mon.dir, rados: (args) => c.rados(args, { extra: ['-k', c.mon.adminKeyring], noPool: true }) });
});
