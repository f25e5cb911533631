import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { NativeStore } from '../src';
import { complianceSuite } from './compliance';

// The compliance suite against an encrypted native store: its metadata is sealed (sealed-kv.ts), so
// omap order, start_after paging, listing order and cursors come from the in-memory index, and a
// remount rebuilds it from the sealed records.
complianceSuite(t, async () => {
  const dir = tempDir('ts-store-sealed-');
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024, encrypt: true, passphrase: Buffer.from('compliance key'), luks: { kdf: 'pbkdf2' as const, time: 1000 } };
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
