/**
 * Issue 15, acceptance 1, on the real Ceph 16.2.15 reference cluster: the client commands the
 * other rgw files run on ts-osd only: `aws s3 sync` (up, down, and again after a change), `aws
 * s3api` multipart (create, upload-part, list-parts, list-multipart-uploads, complete, abort), a
 * 200 MiB multipart upload (`aws s3 cp`) read back byte-exact, bucket and object ACLs, bucket policy
 * and CORS, s3cmd (mb, put, get, ls, sync, del) and a boto3 script. rgw-clients-tsosd.test.ts runs
 * what no other file runs on ts-osd (aws s3 sync).
 */
import t from 'tap';
import { startCephRef } from './rados-objecter-lib';
import { accessChecks, boto3Checks, multipartChecks, s3cmdChecks, syncChecks } from './rgw-clients-lib';
import { startRgw } from './rgw-lib';

t.test('S3 clients against ts-rgw on the real Ceph 16.2.15 reference cluster', async (t) => {
  const c = await startCephRef();
  t.teardown(() => c.down());
  const r = await startRgw(t, { conf: c.conf, keyring: c.keyring });
  await syncChecks(t, c.dir, r);
  await multipartChecks(t, c.dir, r, true);
  await accessChecks(t, c.dir, r);
  await s3cmdChecks(t, c.dir, r);
  await boto3Checks(t, r);
});
