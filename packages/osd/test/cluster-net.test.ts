/**
 * Where the cluster messenger binds (pick_addresses): cluster_addr wins, else a local address inside
 * cluster_network, else the public IP; a cluster_network with no local address is an error naming it.
 */
import t from 'tap';
import { CephConf } from '@ts-ceph/common';
import { clusterBindIp, inNetwork } from '../src/cluster-net';

t.test('inNetwork', async (t) => {
  t.ok(inNetwork('10.1.2.3', '10.1.0.0/16'));
  t.notOk(inNetwork('10.2.2.3', '10.1.0.0/16'));
  t.ok(inNetwork('127.0.0.1', '127.0.0.0/8'));
  t.ok(inNetwork('192.168.1.9', '0.0.0.0/0'), '/0 holds everything');
  t.ok(inNetwork('192.168.1.9', '192.168.1.9'), 'no prefix length: the host itself');
  t.notOk(inNetwork('192.168.1.9', '192.168.1.0/33'), 'a bad prefix length matches nothing');
  t.notOk(inNetwork('fe80::1', '10.0.0.0/8'), 'IPv6 is not matched against an IPv4 network');
});

t.test('clusterBindIp: cluster_addr, then cluster_network, then the public IP', async (t) => {
  const conf = (text: string) => CephConf.parse(text, 'test.conf');
  t.equal(clusterBindIp(conf('[global]\n'), 'osd.0', '127.0.0.1'), '127.0.0.1', 'nothing set: the public IP');
  t.equal(clusterBindIp(conf('[osd]\ncluster_addr = v2:10.9.8.7:0\n'), 'osd.0', '127.0.0.1'), '10.9.8.7', 'cluster_addr, its type and port ignored');
  const local = () => ['127.0.0.1', '10.20.30.40'];
  t.equal(clusterBindIp(conf('[global]\ncluster_network = 192.0.2.0/24, 10.20.0.0/16\n'), 'osd.0', '127.0.0.1', local), '10.20.30.40', 'the local address in the second network');
  t.equal(clusterBindIp(conf('[global]\ncluster_network = 127.0.0.0/8\n'), 'osd.0', '10.0.0.1'), '127.0.0.1', "this host's loopback interface");
  t.throws(() => clusterBindIp(conf('[global]\ncluster_network = 192.0.2.0/24\n'), 'osd.0', '127.0.0.1', local), { code: 'EINVAL', message: /192\.0\.2\.0\/24/ }, 'no local address in the network');
});
