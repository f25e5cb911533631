/**
 * python3-rados against ts-ceph and Ceph 16.2.15, part 2 (test/acceptance/rados_diff_more.py): the
 * object classes rgw calls (refcount, log, timeindex, user, otp) with inputs in Ceph's encodings,
 * and more of what Ceph's src/test/librados suites poke (rados-diff-lib.ts has the how).
 */
import t from 'tap';
import { radosDiff } from './rados-diff-lib';

t.test('python3-rados gives the same answers from ts-ceph as from Ceph 16.2.15 (part 2)', (t) => radosDiff(t, '2', 120));
