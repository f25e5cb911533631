/**
 * ts-rgw on ts-mon + ts-osd as an operator runs radosgw (issue 15): its own cephx key with
 * radosgw's caps, a `[client.rgw.gw1]` section in ceph.conf holding rgw_frontends (HTTP and
 * HTTPS), keyring and log_file, and `ts-rgw -c CONF -n client.rgw.gw1` alone; the stock AWS CLI
 * PUTs and GETs on both ports (rgw-operator-lib). Then the gateway is killed -9 while a 64 MiB
 * PutObject is writing its stripes: no half object is visible after a restart, the previous
 * version reads back whole, and `ts-rgw-admin gc process` removes the stripes the kill left
 * (rgw-kill-lib). The same run on the real reference cluster is in rgw-ref.
 */
import t from 'tap';
import { createPool, startTsOsdCluster } from './osd-lib';
import { killMidUploadChecks } from './rgw-kill-lib';
import { createRgwUser } from './rgw-lib';
import { operatorChecks, setUpGateway } from './rgw-operator-lib';

t.test('ts-rgw started from its conf section, then killed mid-upload', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p', deviceBytes: 1024 << 20, debugOsd: 1 });
  t.teardown(() => c.stop());
  await Promise.all(['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data'].map((p) => createPool(c.mon, p, 8, () => c.osdLog(1_000_000))));
  const cluster = { conf: c.mon.conf, keyring: c.mon.adminKeyring, dir: c.mon.dir, ceph: (args: string[]) => c.mon.ceph(args), rados: (args: string[]) => c.rados(args, { extra: ['-k', c.mon.adminKeyring], noPool: true }) };
  const user = { uid: 'operator', accessKey: 'OPERATORAK' };
  await createRgwUser(t, ['-c', cluster.conf, '-n', 'client.admin', '--keyring', cluster.keyring], user);
  const gw = await setUpGateway(t, cluster, 'gw1');
  await t.test('HTTP and HTTPS from rgw_frontends in the section', (t) => operatorChecks(t, gw, user));
  await t.test('kill -9 mid-upload', (t) => killMidUploadChecks(t, cluster, gw, user));
});
