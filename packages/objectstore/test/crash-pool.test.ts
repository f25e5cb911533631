import t from 'tap';
import { crashTest } from './crash';

// 20 kill -9s on the thread-pool backend (the fallback when io_uring is unavailable), 8 in flight:
// its own seed, so it does not replay the io_uring lanes' transactions.
t.test('crash consistency: thread pool', (t) => crashTest(t, { kills: Number(process.env.CRASH_KILLS ?? 20), seed: Number(process.env.CRASH_SEED ?? 3), depth: 8, backend: 'pool', lanes: 2 }));
