import t from 'tap';
import { crashTest } from './crash';

// 40 kill -9s on an encrypted (LUKS2) store on the io_uring backend, which the lane asserts as
// crash-uring does. Its metadata is sealed (sealed-kv.ts): replay writes sealed records, and every
// check after a kill reads omap and listings through the rebuilt index.
t.test('crash consistency: encrypted, io_uring', (t) => crashTest(t, { kills: Number(process.env.CRASH_KILLS ?? 40), seed: Number(process.env.CRASH_SEED ?? 2), depth: 6, backend: 'uring', passphrase: 'crash-test-key', lanes: 2 }));
