/**
 * ts-rgw on ts-mon + ts-osd, driven by the stock AWS CLI (botocore, SigV4): a user made with
 * ts-rgw-admin, then bucket create/list/delete (BucketNotEmpty while it holds objects), object PUT
 * (striped over two RADOS objects), GET (whole and a range), HEAD, ListObjectsV2 with prefix and
 * delimiter, DELETE, NoSuchKey, and a wrong secret refused with SignatureDoesNotMatch. The RADOS
 * layout is checked with the stock `rados` CLI: the bucket index is an omap, the data its stripes.
 * The same suite runs against the real Ceph reference cluster in rgw-ref, where ts-rgw creates its
 * pools; both also over HTTPS (beast's ssl_port) with a self-signed certificate given to the
 * clients: the AWS CLI, s3cmd and boto3 (rgw-clients-lib), each refusing it when not given it.
 */
import t from 'tap';
import { createPool, startTsOsdCluster } from './osd-lib';
import { s3Suite } from './rgw-s3-suite';

t.test('aws s3 against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p' });
  t.teardown(() => c.stop());
  await Promise.all(['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data'].map((p) => createPool(c.mon, p, 8, () => c.osdLog(1_000_000))));
  await s3Suite(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring, dir: c.mon.dir, rados: (args) => c.rados(args, { extra: ['-k', c.mon.adminKeyring], noPool: true }) });
});
