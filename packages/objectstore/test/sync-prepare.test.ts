// The synchronous prepare (prepare-queue.ts, txc-fetch.ts): transactions whose state is in memory
// prepare without waiting, the rest wait for their onode loads or fetch what they need (an omap to
// scan, the old contents of a partly written block) and prepare again; either way transactions are
// prepared, acknowledged and applied in queue order, and reads see every one queued before them.
import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '../src';

const C = collPG(3, 1);
const A = ghobject({ pool: 3, name: 'cached', hash: 1 });
const B = ghobject({ pool: 3, name: 'loaded', hash: 2 });
const O = ghobject({ pool: 3, name: 'omap', hash: 3 });
const fill = (byte: number, n = 4096): Buffer => Buffer.alloc(n, byte);

t.test('cached and uncached transactions interleaved keep queue order', async (t) => {
  const dir = tempDir('ts-sync-prepare-');
  t.teardown(() => dir.cleanup());
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 64 << 20 };
  let store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  const keys = new Map(['a', 'b', 'c', 'd'].map((k) => [k, Buffer.from(k)]));
  await store.queueTransaction(new Transaction().createCollection(C).write(C, A, 0, fill(1)).write(C, B, 0, fill(2, 8192)).touch(C, O).omapSetKeys(C, O, keys));
  // A fresh mount: the caches are empty; A is read back into the onode cache, B and O are not,
  // and no data block is in memory.
  await store.umount();
  store = new NativeStore(opts);
  await store.mount();
  await store.stat(C, A);

  const acked: number[] = [];
  const queue = (n: number, tx: Transaction): void => store.queueTransactionOnCommit(tx, (e) => (e ? t.fail(`txn ${n}: ${e.message}`) : acked.push(n)));
  queue(1, new Transaction().write(C, B, 0, fill(3))); // B's onode is being loaded: the queue waits
  queue(2, new Transaction().write(C, A, 0, fill(4))); // cached, but behind 1
  queue(3, new Transaction().write(C, B, 4096 + 100, fill(5, 50))); // block 1's old contents from the device
  queue(4, new Transaction().write(C, A, 0, fill(6)).setattr(C, A, 'v', Buffer.from('4')));
  queue(5, new Transaction().omapRmKeyRange(C, O, 'b', 'd')); // O's committed omap from LevelDB
  queue(6, new Transaction().write(C, A, 4096, fill(7)));
  // Queued in the same turn as the transactions: it sees all of them.
  const a = await store.read(C, A, 0, 0);
  t.same(a, Buffer.concat([fill(6), fill(7)]), 'a read queued after them sees every transaction');
  t.same(await store.getattr(C, A, 'v'), Buffer.from('4'));
  await store.queueTransaction(new Transaction());
  t.same(acked, [1, 2, 3, 4, 5, 6], 'acknowledged in queue order');

  const b1 = Buffer.concat([fill(3), fill(2)]);
  fill(5, 50).copy(b1, 4096 + 100);
  const check = async (s: NativeStore, when: string): Promise<void> => {
    t.same(await s.read(C, B, 0, 0), b1, `${when}: the partial write applied over the device's old block`);
    t.same(await s.read(C, A, 0, 0), Buffer.concat([fill(6), fill(7)]), `${when}: A as the last write left it`);
    t.same([...(await s.omapGetKeys(C, O))], ['a', 'd'], `${when}: the key range removed`);
  };
  await check(store, 'mounted');
  await store.umount();
  store = new NativeStore(opts);
  await store.mount();
  await check(store, 'remounted');
  const report = await store.fsck(true);
  t.equal(report.errors, 0, `fsck clean: ${report.problems.join('; ')}`);
  await store.umount();
});

t.test('a failing transaction between cached ones fails alone, in its place', async (t) => {
  const dir = tempDir('ts-sync-prepare-');
  t.teardown(() => dir.cleanup());
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 << 20 });
  await store.mkfs();
  await store.mount();
  await store.queueTransaction(new Transaction().createCollection(C).write(C, A, 0, fill(1)));
  const order: string[] = [];
  const missing = ghobject({ pool: 3, name: 'missing', hash: 9 });
  const done = (n: number) => (e?: Error) => order.push(e ? `${n}:${e.message.split(' ')[0]}` : `${n}`);
  store.queueTransactionOnCommit(new Transaction().write(C, A, 0, fill(2)), done(1));
  // setattr on a missing object is ENOENT (BlueStore): nothing of this transaction is applied.
  store.queueTransactionOnCommit(new Transaction().write(C, A, 0, fill(9)).setattr(C, missing, 'x', Buffer.from('x')), done(2));
  store.queueTransactionOnCommit(new Transaction().write(C, A, 4096, fill(3)), done(3));
  await store.queueTransaction(new Transaction());
  t.same(order, ['2:object', '1', '3'], 'the failure is reported at prepare, the others when durable');
  t.same(await store.read(C, A, 0, 0), Buffer.concat([fill(2), fill(3)]), 'the failed transaction left no trace');
  await store.umount();
});

t.test('a whole-block journalled write keeps the caller buffer; a partial one copies it', async (t) => {
  const dir = tempDir('ts-sync-prepare-');
  t.teardown(() => dir.cleanup());
  // Deferred writes held in the journal: the blocks' new contents stay in the overlay.
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 << 20, holdDeferred: true });
  await store.mkfs();
  await store.mount();
  await store.queueTransaction(new Transaction().createCollection(C).write(C, A, 0, fill(1, 8192)));
  const whole = fill(2);
  const part = fill(3, 100);
  await store.queueTransaction(new Transaction().write(C, A, 0, whole).write(C, A, 4096 + 10, part));
  const pblock = (at: number): Promise<number> => store.deviceOffsetOf(C, A, at).then((off) => (off - store.io.dataOffset) / 4096);
  const shares = (b: Buffer | undefined, of: Buffer): boolean => b !== undefined && b.buffer === of.buffer && b.byteOffset === of.byteOffset;
  t.ok(shares(store.io.overlay.get(await pblock(0)), whole), 'block 0 is the caller buffer itself, not a copy');
  t.notOk(shares(store.io.overlay.get(await pblock(4096)), part), 'block 1 was built in a buffer of its own');
  // Changing the partial write's buffer after the commit must not reach the store (it was copied).
  part.fill(0xee);
  const want = Buffer.concat([fill(2), fill(1)]);
  fill(3, 100).copy(want, 4096 + 10);
  t.same(await store.read(C, A, 0, 0), want);
  await store.abandon();
});
