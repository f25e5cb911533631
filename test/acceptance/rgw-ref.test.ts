/**
 * ts-rgw on the real Ceph 16.2.15 reference cluster (../shared/ceph-ref): the aws s3 suite (ts-rgw
 * creates its pools there), then the object-feature and versioning suites, each as its own user,
 * on one cluster start. The same suites run on ts-osd in rgw-s3, rgw-objects and rgw-versioning.
 */
import t from 'tap';
import { run } from '@ts-ceph/testkit';
import { startCephRef } from './rados-objecter-lib';
import { startRgw } from './rgw-lib';
import { objectSuite } from './rgw-objects-suite';
import { s3Suite } from './rgw-s3-suite';
import { versioningSuite } from './rgw-versioning-suite';

t.test('ts-rgw on the real Ceph 16.2.15 reference cluster', async (t) => {
  const c = await startCephRef();
  t.teardown(() => c.down());
  const rados = (args: string[]) => run('rados', ['-c', c.conf, '-k', c.keyring, ...args], { timeoutMs: 60_000 });
  await t.test('aws s3 (pools made by ts-rgw)', (t) => s3Suite(t, { conf: c.conf, keyring: c.keyring, dir: c.dir, rados }));
  await t.test('object features', async (t) => objectSuite(t, await startRgw(t, c, { user: { uid: 'objects', accessKey: 'OBJECTSAK' } }), c.dir));
  await t.test('versioning', (t) => versioningSuite(t, { conf: c.conf, keyring: c.keyring, dir: c.dir, rados }, { uid: 'versions', accessKey: 'VERSIONSAK' }));
});
