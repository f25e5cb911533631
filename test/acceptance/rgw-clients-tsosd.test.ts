/**
 * Issue 15, acceptance 1, on ts-osd: `aws s3 sync` (up, down, and again after a change), the one
 * listed client command no other rgw file runs on ts-ceph (multipart, ACL, policy, CORS, s3cmd and
 * boto3 are in rgw-multipart, rgw-access and rgw-admin; rgw-clients.test.ts runs them all on the
 * real reference cluster).
 */
import t from 'tap';
import { createPool, startTsOsdCluster } from './osd-lib';
import { syncChecks } from './rgw-clients-lib';
import { startRgw } from './rgw-lib';

t.test('aws s3 sync against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p' });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  await syncChecks(t, c.mon.dir, await startRgw(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring }));
});
