/**
 * PeerLink between two ts-osd daemons after boot: each binds a cluster messenger, advertises it in
 * MOSDBoot (cluster_addrs in the osdmap), and a payload sent to osd.N reaches osd.N's handlers with
 * the sender named by cephx (the OSD-service ticket of the sender, checked against the receiver's
 * rotating keys), in both directions, small and large. The daemons run in this process so the test
 * can call their PeerLink; the cluster comes from `ts-ceph bootstrap --osds 2`.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadCephConf } from '@ts-ceph/common';
import { formatAddr } from '@ts-ceph/denc';
import { isUp } from '@ts-ceph/maps';
import { requireBinary, waitFor } from '@ts-ceph/testkit';
import { OsdDaemon } from '@ts-ceph/osd/dist/src/osd-daemon';
import { bootstrapTsCluster, watchOsdMap } from './osd-cluster-lib';

t.test('two ts-osd exchange PeerLink payloads over their cluster messengers', async (t) => {
  requireBinary('ceph');
  const c = await bootstrapTsCluster(2);
  const watch = await watchOsdMap(c.conf);
  const daemons: OsdDaemon[] = [];
  t.teardown(async () => {
    for (const d of daemons) await d.stop();
    await watch.stop();
    await c.cleanup();
  });
  // Hand the OSDs over from their processes to this one.
  for (const o of [0, 1]) await watch.waitUp(o, true, 0, 20_000);
  for (const o of [0, 1]) process.kill(c.pid(o), 'SIGTERM');
  for (const o of [0, 1]) await waitFor(() => !existsSync(join(c.dir, 'run', `osd.${o}.pid`)), 20_000, `osd.${o} process stopped`, 50);
  const conf = loadCephConf(c.conf);
  for (const o of [0, 1]) daemons.push(await OsdDaemon.start({ id: o, conf, osdData: join(c.dir, `osd.${o}`) }));
  const [d0, d1] = daemons as [OsdDaemon, OsdDaemon];
  await waitFor(() => [d0, d1].every((d) => d.osdmap !== undefined && isUp(d.osdmap, 0) && isUp(d.osdmap, 1)), 30_000, 'both OSDs up in both maps', 50);

  const map = d0.osdmap!;
  t.same(map.osdAddrs.cluster[1]!.map(formatAddr), d1.nets.clusterAddrs.map(formatAddr), 'osd.1 advertised its cluster messenger in MOSDBoot');
  t.not(formatAddr(map.osdAddrs.cluster[1]![0]!), formatAddr(map.osdAddrs.client[1]![0]!), 'a cluster address of its own (127.0.0.1, another port)');
  t.same(map.osdAddrs.hbBack[1]!.map(formatAddr), d1.nets.heartbeat.backAddrs.map(formatAddr), 'hb_back addrs in the map');
  t.same(map.osdAddrs.hbFront[1]!.map(formatAddr), d1.nets.heartbeat.frontAddrs.map(formatAddr), 'hb_front addrs in the map');

  const meta = JSON.parse((await c.ceph(['osd', 'metadata', '1', '-f', 'json'])).stdout) as Record<string, string>;
  t.same(
    [meta.back_addr, meta.hb_back_addr, meta.hb_front_addr],
    [d1.nets.clusterAddrs, d1.nets.heartbeat.backAddrs, d1.nets.heartbeat.frontAddrs].map((v) => v.map(formatAddr).join(',')),
    'and in its metadata (ceph osd metadata), as ceph-osd reports them',
  );

  const got: { at: number; from: number; payload: Buffer }[] = [];
  d0.nets.link.onMessage((from, payload) => got.push({ at: 0, from, payload }));
  d1.nets.link.onMessage((from, payload) => got.push({ at: 1, from, payload }));
  d0.nets.link.send(1, Buffer.from('hello from osd.0'));
  await waitFor(() => got.length === 1, 10_000, 'osd.1 got the payload', 20);
  t.same([got[0]!.at, got[0]!.from, got[0]!.payload.toString()], [1, 0, 'hello from osd.0'], 'osd.1 received it from osd.0 (named by cephx on the accepted connection)');
  const big = randomBytes(4 << 20);
  d1.nets.link.send(0, big);
  await waitFor(() => got.length === 2, 20_000, 'osd.0 got the 4 MiB payload', 20);
  t.same([got[1]!.at, got[1]!.from], [0, 1], 'osd.0 received from osd.1');
  t.ok(got[1]!.payload.equals(big), '4 MiB arrive intact');
  d0.nets.link.send(1, Buffer.from('second'));
  d0.nets.link.markDown(1);
  d0.nets.link.send(1, Buffer.from('after markDown'));
  await waitFor(() => got.some((g) => g.payload.toString() === 'after markDown'), 10_000, 'a send after markDown reconnects', 20);
  t.pass('a send after markDown reconnects');
  d0.nets.link.send(7, Buffer.from('nobody'));
  t.equal(got.filter((g) => g.payload.toString() === 'nobody').length, 0, 'a send to an OSD not in the map is dropped');
});
