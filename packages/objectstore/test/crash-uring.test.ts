import t from 'tap';
import { crashTest } from './crash';

// 40 kill -9s of a child applying random transactions on the io_uring backend, 8 in flight. The lane
// fails (it does not fall back) when the device opens with anything but io_uring, TS_CEPH_IO=pool
// included. With crash-pool and crash-encrypted, 100 kills across the suite, each after 0..8
// acknowledged transactions (crash.ts, killAcksMax): several hundred acknowledged transactions
// checked per run, where the 200 kills timed from the mount checked 21 to 460 on a loaded machine.
t.test('crash consistency: io_uring', (t) => crashTest(t, { kills: Number(process.env.CRASH_KILLS ?? 40), seed: Number(process.env.CRASH_SEED ?? 1), depth: 8, backend: 'uring', lanes: 2 }));
