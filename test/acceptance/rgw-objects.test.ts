/**
 * ts-rgw object features with the stock AWS CLI on ts-osd (the same suite runs on the real Ceph
 * 16.2.15 reference cluster in rgw-ref): content headers and x-amz-meta-* stored and returned, object tagging (x-amz-tagging on
 * PUT, Put/Get/DeleteObjectTagging), conditional GET and HEAD (304 and 412), CopyObject with the
 * COPY and REPLACE directives and copy-source conditions, DeleteObjects (verbose and Quiet), and
 * `aws s3 sync` up, down and again after a change.
 */
import t from 'tap';
import { createPool, startTsOsdCluster } from './osd-lib';
import { startRgw } from './rgw-lib';
import { objectSuite } from './rgw-objects-suite';
import { syncChecks } from './rgw-clients-lib';

t.test('object features against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p', debugOsd: 1 });
  t.teardown(() => c.stop());
  await Promise.all(['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data'].map((p) => createPool(c.mon, p, 8, () => c.osdLog(1_000_000))));
  const r = await startRgw(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring });
  await objectSuite(t, r, c.mon.dir);
  // Issue 15's `aws s3 sync` on ts-ceph (the rest of its client list has files of its own here).
  await syncChecks(t, c.mon.dir, r);
});
