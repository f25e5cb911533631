import t from 'tap';
import { crashTest } from './crash';

// 110 kill -9s of a child applying random transactions (io_uring backend, 8 in flight).
t.test('crash consistency: io_uring', (t) => crashTest(t, { kills: Number(process.env.CRASH_KILLS ?? 110), seed: Number(process.env.CRASH_SEED ?? 1), depth: 8, backend: 'auto', lanes: 2 }));
