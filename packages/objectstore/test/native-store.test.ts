import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '../src';
import { complianceSuite } from './compliance';

// The compliance suite against the native store on a file-backed device with O_DIRECT.
complianceSuite(t, async () => {
  const dir = tempDir('ts-store-');
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 256 * 1024 * 1024 };
  let store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  return {
    store,
    remount: async () => {
      await store.umount();
      store = new NativeStore(opts);
      await store.mount();
      return store;
    },
    cleanup: async () => {
      await store.umount();
      dir.cleanup();
    },
  };
});

// stat's allocated counts the mapped 4 KiB blocks (holes are not allocated), across extent shards.
t.test('native store: allocated bytes of a sparse object', async (t) => {
  const dir = tempDir('ts-store-');
  t.teardown(() => dir.cleanup());
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024 });
  await store.mkfs();
  await store.mount();
  t.teardown(() => store.umount());
  const c = collPG(1, 7);
  const o = ghobject({ pool: 1, name: 'sparse', hash: 7 });
  await store.queueTransaction(new Transaction().createCollection(c, 3).touch(c, o));
  t.same(await store.stat(c, o), { size: 0, allocated: 0 }, 'an empty object has no blocks');
  // Blocks 0, 2 and 75 (the last in the second extent shard of 64 blocks).
  await store.queueTransaction(new Transaction().write(c, o, 0, Buffer.from('a')).write(c, o, 10000, Buffer.from('b')).write(c, o, 75 * 4096 + 4000, Buffer.alloc(96, 1)));
  t.same(await store.stat(c, o), { size: 76 * 4096, allocated: 3 * 4096 }, 'three blocks written, the holes between them unallocated');
  await store.queueTransaction(new Transaction().truncate(c, o, 5));
  t.same(await store.stat(c, o), { size: 5, allocated: 4096 }, 'truncate frees the blocks past the end');
});
