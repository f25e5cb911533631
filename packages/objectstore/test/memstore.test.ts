import t from 'tap';
import { MemStore } from '../src';
import { complianceSuite } from './compliance';

complianceSuite(t, async () => {
  const store = new MemStore();
  await store.mkfs();
  await store.mount();
  return { store, cleanup: () => store.umount() };
});
