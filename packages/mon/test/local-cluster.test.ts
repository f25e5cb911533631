/**
 * The pool defaults `ts-ceph bootstrap --osds N` writes into its ceph.conf (issue 12, item 7):
 * Ceph's 3 / 2 from three OSDs up, one copy per OSD below, min_size by Ceph's rule for an unset
 * osd_pool_default_min_size (size - size / 2, OSDMonitor's get_osd_pool_default_min_size).
 */
import t from 'tap';
import { CephConf } from '@ts-ceph/common';
import { clusterPaths, confText } from '../src/cluster/local-cluster';

t.test('bootstrap conf: pool size and min_size follow the OSD count', async (t) => {
  const p = clusterPaths('/tmp/ts-ceph-conf-test');
  const want: [number, string, string][] = [
    [0, '1', '1'],
    [1, '1', '1'],
    [2, '2', '1'],
    [3, '3', '2'],
    [5, '3', '2'],
  ];
  for (const [osds, size, minSize] of want) {
    const conf = CephConf.parse(confText(p, '00000000-0000-0000-0000-000000000000', 3300, '', osds), p.conf);
    t.same([conf.get('osd_pool_default_size', 'mon.a'), conf.get('osd_pool_default_min_size', 'mon.a')], [size, minSize], `${osds} OSDs`);
  }
});
