import t from 'tap';
import { crashTest } from './crash';

// 100 kill -9s on an encrypted (LUKS2) store through the thread-pool backend.
t.test('crash consistency: encrypted, thread pool', (t) => crashTest(t, { kills: Number(process.env.CRASH_KILLS ?? 100), seed: 2, depth: 6, backend: 'pool', passphrase: 'crash-test-key', lanes: 2 }));
