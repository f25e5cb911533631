/**
 * A native store whose device runs out of space: the transaction that does not fit is refused with
 * ENOSPC and changes nothing, the ones already committed stay readable, the store stays consistent
 * (fsck) and usable, and removing objects gives the space back.
 */
import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '../src';

const C = collPG(1, 0);
const obj = (i: number) => ghobject({ pool: 1, name: `o${i}`, hash: i });
const chunkBytes = 1 << 20;

t.test('ENOSPC is a clean transaction error, and deletes make room again', async (t) => {
  const dir = tempDir('ts-store-enospc-');
  t.teardown(() => dir.cleanup());
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 16 << 20 };
  let store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  let t0 = new Transaction();
  t0.createCollection(C, 0);
  await store.queueTransaction(t0);
  const data = (i: number) => Buffer.alloc(chunkBytes, i & 0xff);
  let written = 0;
  let err: NodeJS.ErrnoException | undefined;
  for (let i = 0; i < 64; i++) {
    const tx = new Transaction();
    tx.write(C, obj(i), 0, data(i));
    tx.setattr(C, obj(i), '_', Buffer.from('x'));
    try {
      await store.queueTransaction(tx);
      written++;
    } catch (e) {
      err = e as NodeJS.ErrnoException;
      break;
    }
  }
  t.ok(err, `a write fails once the device is full (after ${written} MiB)`);
  t.equal(err?.code, 'ENOSPC');
  t.ok(written > 4 && written < 16, 'the device held some data first');
  t.equal(await store.exists(C, obj(written)), false, 'the refused transaction left nothing (not even its xattr)');
  const before = await store.statfs();
  t.ok(before.available < chunkBytes, `available ${before.available} is less than one write`);
  // The store is still consistent and serves what it committed.
  t.same((await store.fsck(true)).problems, []);
  t.ok((await store.read(C, obj(written - 1), 0, chunkBytes)).equals(data(written - 1)));

  // Deletes go through on a full device and give the space back.
  for (let i = 0; i < 3; i++) {
    const tx = new Transaction();
    tx.remove(C, obj(i));
    await store.queueTransaction(tx);
  }
  t0 = new Transaction();
  t0.write(C, obj(100), 0, data(100));
  await store.queueTransaction(t0);
  t.ok((await store.read(C, obj(100), 0, chunkBytes)).equals(data(100)), 'a new write fits after the deletes');

  // And all of it survives a remount.
  await store.umount();
  store = new NativeStore(opts);
  await store.mount();
  t.same((await store.fsck(true)).problems, []);
  t.equal(await store.exists(C, obj(0)), false);
  t.ok((await store.read(C, obj(100), 0, chunkBytes)).equals(data(100)));
  await store.umount();
});
