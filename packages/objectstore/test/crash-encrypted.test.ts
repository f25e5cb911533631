import t from 'tap';
import { crashTest } from './crash';

// 90 kill -9s on an encrypted (LUKS2) store (io_uring); with crash-uring, 200 across the suite.
t.test('crash consistency: encrypted', (t) => crashTest(t, { kills: Number(process.env.CRASH_KILLS ?? 90), seed: Number(process.env.CRASH_SEED ?? 2), depth: 6, backend: 'auto', passphrase: 'crash-test-key', lanes: 2 }));
