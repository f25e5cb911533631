/**
 * python3-rados against ts-ceph and Ceph 16.2.15, part 1 of test/acceptance/rados-diff.py: data,
 * xattr, omap, compound and read ops, locks, aio, listing, snapshots, watch/notify, pools, limits,
 * the hello/lock/version/numops classes (rados-diff-lib.ts has the how).
 */
import t from 'tap';
import { radosDiff } from './rados-diff-lib';

t.test('python3-rados gives the same answers from ts-ceph as from Ceph 16.2.15', (t) => radosDiff(t, '1', 300));
