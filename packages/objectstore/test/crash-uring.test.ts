import t from 'tap';
import { crashTest } from './crash';

// 80 kill -9s of a child applying random transactions on the io_uring backend, 8 in flight. The lane
// fails (it does not fall back) when the device opens with anything but io_uring, TS_CEPH_IO=pool
// included. With crash-pool and crash-encrypted, 200 kills across the suite.
t.test('crash consistency: io_uring', (t) => crashTest(t, { kills: Number(process.env.CRASH_KILLS ?? 80), seed: Number(process.env.CRASH_SEED ?? 1), depth: 8, backend: 'uring', lanes: 2 }));
