import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { NativeStore } from '../src';
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
