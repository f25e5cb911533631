/**
 * ts-rgw on the real Ceph 16.2.15 reference cluster (../shared/ceph-ref), one cluster start for
 * every suite, each as its own user: the aws s3 suite (ts-rgw creates its pools there; it ends
 * with the AWS CLI, s3cmd and boto3 over HTTPS, a self-signed certificate given to them), the
 * object-feature and versioning suites (they run on ts-osd in rgw-s3, rgw-objects and
 * rgw-versioning), and issue 15's client list (rgw-clients-lib): `aws s3 sync`, `aws s3api`
 * multipart, a 200 MiB multipart upload read back byte-exact, ACLs, policy and CORS, s3cmd and a
 * boto3 script; then a gateway set up as an operator sets up radosgw, with radosgw's caps, which
 * the real OSDs enforce, and killed -9 mid-upload (as rgw-operator does on ts-osd).
 */
import t from 'tap';
import { run } from '@ts-ceph/testkit';
import { startCephRef } from './rados-objecter-lib';
import { accessChecks, boto3Checks, multipartChecks, s3cmdChecks, syncChecks } from './rgw-clients-lib';
import { killMidUploadChecks } from './rgw-kill-lib';
import { createRgwUser, startRgw } from './rgw-lib';
import { objectSuite } from './rgw-objects-suite';
import { operatorChecks, setUpGateway } from './rgw-operator-lib';
import { s3Suite } from './rgw-s3-suite';
import { versioningSuite } from './rgw-versioning-suite';

t.test('ts-rgw on the real Ceph 16.2.15 reference cluster', async (t) => {
  const c = await startCephRef();
  t.teardown(() => c.down());
  const rados = (args: string[]) => run('rados', ['-c', c.conf, '-k', c.keyring, ...args], { timeoutMs: 60_000 });
  await t.test('aws s3 (pools made by ts-rgw)', (t) => s3Suite(t, { conf: c.conf, keyring: c.keyring, dir: c.dir, rados }));
  await t.test('object features', async (t) => objectSuite(t, await startRgw(t, c, { user: { uid: 'objects', accessKey: 'OBJECTSAK' } }), c.dir));
  await t.test('S3 clients', async (t) => {
    const r = await startRgw(t, c, { user: { uid: 'clients', accessKey: 'CLIENTSAK' } });
    await syncChecks(t, c.dir, r);
    await multipartChecks(t, c.dir, r, true);
    await accessChecks(t, c.dir, r);
    await s3cmdChecks(t, c.dir, r);
    await boto3Checks(t, r);
  });
  await t.test('versioning', (t) => versioningSuite(t, { conf: c.conf, keyring: c.keyring, dir: c.dir, rados }, { uid: 'versions', accessKey: 'VERSIONSAK' }));
  await t.test('started from its conf section as client.rgw.gw1, then killed mid-upload', async (t) => {
    const cluster = { conf: c.conf, keyring: c.keyring, dir: c.dir, ceph: c.ceph, rados };
    const user = { uid: 'operator', accessKey: 'OPERATORAK' };
    await createRgwUser(t, ['-c', c.conf, '-n', 'client.admin', '--keyring', c.keyring], user);
    const gw = await setUpGateway(t, cluster, 'gw1');
    await t.test('HTTP and HTTPS from rgw_frontends in the section', (t) => operatorChecks(t, gw, user));
    await t.test('kill -9 mid-upload', (t) => killMidUploadChecks(t, cluster, gw, user));
  });
});
