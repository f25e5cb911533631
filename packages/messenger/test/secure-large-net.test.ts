/**
 * Secure mode over real TCP with frames at the transport's high-water mark (4 MiB messages, 4 in
 * flight, as bench/messenger's 4 MiB workload): each flush then holds one frame from the
 * assembler's buffer pool, and the sender must keep going as writes complete and 'drain' comes.
 * A transport that wrote such a lone buffer uncorked stalled here (h-msgr2), and so did a secure
 * `rados get` of a 5 MiB object from ts-osd.
 */
import t from 'tap';
import { EntityType } from '@ts-ceph/denc';
import { waitFor } from '@ts-ceph/testkit';
import { makeMessage } from '../src';
import { patternOf, securePair } from './lib/secure-pair';

const key = Buffer.alloc(16, 5);
const dataBytes = 4 << 20;

const pattern = (i: number): Buffer => patternOf(i, dataBytes);

t.test('12 messages of 4 MiB, 4 in flight, secure mode: all arrive intact and in order', async (t) => {
  const { server, client, got, addr, acks } = await securePair(key, dataBytes);
  const con = client.connectTo(addr, EntityType.MON);
  const n = 12;
  for (let i = 1; i <= n; i++) {
    await waitFor(() => i - 1 - acks() < 4, 20_000, `window for message ${i} (${acks()} acks)`, 1);
    con.send(makeMessage({ type: 42, tid: BigInt(i), data: pattern(i) }));
  }
  await waitFor(() => got.length === n, 30_000, `all ${n} messages (${got.length})`, 2);
  t.ok(con.protocol?.secure, 'secure mode');
  t.ok(
    got.every((g, k) => g.i === k + 1 && g.ok),
    'every message intact, in order',
  );
  await client.shutdown();
  await server.shutdown();
});
