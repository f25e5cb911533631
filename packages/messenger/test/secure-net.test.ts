/**
 * Secure mode over real TCP between two Messengers: large messages (each a different pattern)
 * arrive intact and in order while the sender reuses its frame buffers as the socket reports its
 * writes done (TxBufferPool), with the native AES-GCM and with node:crypto; a socket destroyed with
 * large frames in flight ends the connection cleanly and the next one works.
 */
import t from 'tap';
import { EntityType } from '@ts-ceph/denc';
import { waitFor } from '@ts-ceph/testkit';
import { Connection, FrameAssembler, makeMessage, nativeGcmBinding } from '../src';
import { patternOf, securePair } from './lib/secure-pair';

const key = Buffer.alloc(16, 9);
const dataBytes = 300 << 10;

const pattern = (i: number): Buffer => patternOf(i, dataBytes);
const pair = (gcm: 'native' | 'node') => securePair(key, dataBytes, gcm);

const assemblerOf = (c: Connection) => (c.protocol as unknown as { assembler: FrameAssembler }).assembler;

for (const gcm of ['native', 'node'] as const) {
  t.test(`${gcm} AES-GCM: 150 messages of 300 KiB, 6 in flight, intact and in order; frame buffers reused`, async (t) => {
    const p = await pair(gcm);
    const con = p.client.connectTo(p.addr, EntityType.MON);
    const n = 150;
    for (let i = 1; i <= n; i++) {
      await waitFor(() => i - 1 - p.acks() < 6, 10_000, `window for message ${i}`, 1);
      con.send(makeMessage({ type: 42, tid: BigInt(i), data: pattern(i) }));
    }
    await waitFor(() => p.got.length === n, 20_000, `all ${n} messages (${p.got.length})`, 2);
    t.ok(
      p.got.every((g, k) => g.i === k + 1 && g.ok),
      'every message intact, in order',
    );
    t.equal(con.protocol?.secureImpl, gcm === 'native' && !nativeGcmBinding() ? 'node' : gcm, `sealed by ${gcm}`);
    const s = assemblerOf(con).txPoolStats;
    t.ok(s.taken >= n && s.reused >= n / 2, `frame buffers: ${s.taken} taken, ${s.reused} of them reused`);
    await p.client.shutdown();
    await p.server.shutdown();
  });
}

t.test('a socket destroyed with large secure frames in flight: the connection resets, the next one works', async (t) => {
  const p = await pair('native');
  const con = p.client.connectTo(p.addr, EntityType.MON);
  await waitFor(() => con.isConnected, 5000, 'connected');
  for (let i = 1; i <= 40; i++) con.send(makeMessage({ type: 42, tid: BigInt(i), data: pattern(i) }));
  await waitFor(() => p.got.length >= 3, 5000, 'the first messages', 1);
  con.transport!.destroy();
  await waitFor(() => p.resets.length > 0, 5000, 'reset');
  t.ok(p.got.every((g) => g.ok), `${p.got.length} messages got through before the cut, all intact`);
  const again = p.client.connectTo(p.addr, EntityType.MON);
  for (let i = 1000; i < 1010; i++) again.send(makeMessage({ type: 42, tid: BigInt(i), data: pattern(i) }));
  // Frames the server had already read from the old socket may still be dispatched after the cut.
  const fresh = () => p.got.filter((g) => g.i >= 1000);
  await waitFor(() => fresh().length >= 10, 10_000, 'ten more on a new connection');
  t.ok(
    fresh().every((g, k) => g.i === 1000 + k && g.ok),
    'intact and in order',
  );
  t.ok(p.got.every((g) => g.ok), `every message the server got is intact (${p.got.length})`);
  await p.client.shutdown();
  await p.server.shutdown();
});
