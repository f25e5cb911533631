// The native store's onode cache (src/blockstore/onode-cache.ts): least recently used entries go
// first, but never one whose newest state LevelDB lacks (dirty until the commit pipeline applied
// it) nor one being loaded; and a store with a tiny bound reads every object's newest state back,
// before and after a remount, whatever was evicted meanwhile.
import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '../src';
import { OnodeCache, onodeTrimScanMax } from '../src/blockstore/onode-cache';
import { newOnode } from '../src/blockstore/onode';

const C = collPG(1, 0);
const on = (name: string): ReturnType<typeof newOnode> => newOnode(C, ghobject({ name }), 1);

t.test('OnodeCache: clean entries go least recently used first, within the bound', async (t) => {
  const c = new OnodeCache(3);
  for (const k of ['a', 'b', 'c']) c.setLoaded(k, on(k));
  t.ok(c.get('a'), 'a hit makes a the most recently used');
  c.setLoaded('d', null);
  t.same([c.has('a'), c.has('b'), c.has('c'), c.has('d')], [true, false, true, true], 'b, the least recently used, went');
  t.equal(c.get('d'), null, 'an absent object is cached as null');
  t.equal(c.get('b'), undefined, 'an evicted key is a miss');
  t.equal(c.size, 3);
  t.equal(c.evictions, 1);
});

t.test('OnodeCache: a dirty entry stays until the pipeline applied its transaction', async (t) => {
  const c = new OnodeCache(2);
  const s1 = c.nextSeq();
  c.publish('a', on('a'), s1);
  const s2 = c.nextSeq();
  c.publish('b', null, s2);
  c.setLoaded('c', on('c'));
  t.same([c.has('a'), c.has('b'), c.has('c')], [true, true, false], 'over the bound, only the clean entry could go');
  t.equal(c.dirtyCount, 2);
  c.applied(s1);
  t.equal(c.size, 2, 'applied, a is clean, but the cache is within its bound');
  c.setLoaded('e', null);
  t.same([c.has('a'), c.has('b'), c.has('e')], [false, true, true], 'over it again: a, clean now, goes; b (a removal) waits');
  c.applied(s1);
  t.equal(c.dirtyCount, 1, 'applying an older sequence again changes nothing');
  c.publish('b', on('b'), c.nextSeq());
  c.applied(s2);
  t.equal(c.dirtyCount, 1, 'b was published again after s2: still dirty');
});

t.test('OnodeCache: an entry being loaded is not evicted, and a trim scan is bounded', async (t) => {
  const c = new OnodeCache(1);
  c.setLoaded('a', on('a'));
  c.beginLoad('a');
  c.beginLoad('a');
  c.setLoaded('b', on('b'));
  t.same([c.has('a'), c.has('b')], [true, false], 'a has loads in flight: the next clean entry went instead');
  c.endLoad('a');
  c.setLoaded('c', on('c'));
  t.same([c.has('a'), c.has('c')], [true, false], 'one load of a still in flight');
  c.endLoad('a');
  c.setLoaded('d', on('d'));
  t.same([c.has('a'), c.has('d')], [false, true], 'no load left: a, the least recently used, went');
  const big = new OnodeCache(0);
  for (let i = 0; i <= onodeTrimScanMax; i++) big.publish(`d${i}`, null, big.nextSeq());
  big.setLoaded('clean', null);
  t.ok(big.has('clean'), `a clean entry behind ${onodeTrimScanMax + 1} dirty ones waits for a later trim`);
  big.applied(onodeTrimScanMax + 1);
  t.equal(big.size, 2, `all clean now, but one trim drops ${onodeTrimScanMax} entries at most`);
  big.trim();
  t.equal(big.size, 0, 'the next trim reaches the bound (0)');
});

t.test('a store with a 4-onode cache reads back the newest state of 40 objects, across a remount', async (t) => {
  const dir = tempDir('ts-onode-cache-');
  t.teardown(dir.cleanup);
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024, onodeCacheEntries: 4 };
  let store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  const oid = (i: number): ReturnType<typeof ghobject> => ghobject({ name: `obj${i}` });
  const value = (i: number, round: number): Buffer => Buffer.from(`object ${i} round ${round}`);
  await store.queueTransaction(new Transaction().createCollection(C));
  for (let round = 0; round < 3; round++) {
    // Each round rewrites every object (data and an xattr) while earlier rounds are being applied
    // to LevelDB and evicted, then reads them all: a stale onode would return an older round.
    await Promise.all([...Array(40).keys()].map((i) => store.queueTransaction(new Transaction().write(C, oid(i), 0, value(i, round)).setattr(C, oid(i), 'r', Buffer.from([round])))));
    await store.drain();
    for (let i = 0; i < 40; i++) {
      t.ok((await store.read(C, oid(i), 0, 0)).equals(value(i, round)), `round ${round}: object ${i}`);
      t.same([...(await store.getattr(C, oid(i), 'r'))], [round]);
    }
    t.ok(store.cacheStats().onodes <= 4, `round ${round}: the cache holds ${store.cacheStats().onodes} onodes`);
  }
  t.ok(store.cacheStats().onodeEvictions > 0, 'onodes were evicted');
  await store.queueTransaction(new Transaction().remove(C, oid(7)));
  await store.umount();
  store = new NativeStore(opts);
  await store.mount();
  t.teardown(() => store.umount());
  for (let i = 0; i < 40; i++) {
    if (i === 7) await t.rejects(store.read(C, oid(i), 0, 0), { code: 'ENOENT' }, 'the removed object stays removed');
    else t.ok((await store.read(C, oid(i), 0, 0)).equals(value(i, 2)), `after the remount: object ${i}`);
  }
  t.equal((await store.fsck(false)).errors, 0, 'fsck is clean');
});

t.test('cached xattr values own their memory (no slab of Node pool kept alive by an onode)', async (t) => {
  const dir = tempDir('ts-onode-attrs-');
  t.teardown(dir.cleanup);
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024 };
  let store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  const oid = ghobject({ name: 'a' });
  await store.queueTransaction(new Transaction().createCollection(C).touch(C, oid).setattr(C, oid, '_', Buffer.alloc(250, 1)).setattr(C, oid, 'snapset', Buffer.alloc(31, 2)));
  const owned = async (when: string): Promise<void> => {
    const o = await store.lookup(C, oid);
    for (const [k, v] of o!.rec.attrs) t.equal(v.buffer.byteLength, v.length, `${when}: ${k} is not a slice of a larger buffer`);
  };
  await owned('after the write');
  await store.umount();
  store = new NativeStore(opts);
  await store.mount();
  t.teardown(() => store.umount());
  await owned('loaded from LevelDB');
});

t.test('an oversized transaction (committed outside the journal) is evicted only after LevelDB has it', async (t) => {
  const dir = tempDir('ts-onode-exclusive-');
  t.teardown(dir.cleanup);
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024, onodeCacheEntries: 2 });
  await store.mkfs();
  await store.mount();
  t.teardown(() => store.umount());
  const oid = (i: number): ReturnType<typeof ghobject> => ghobject({ name: `big${i}` });
  await store.queueTransaction(new Transaction().createCollection(C));
  // 6 x 256 KiB of omap values are more LevelDB operations than one journal record holds (a
  // quarter of the 64 MiB device's 4 MiB journal): the transaction commits exclusively, its keys
  // written to LevelDB directly (commit.ts commitExclusive).
  const big = new Transaction();
  for (let i = 0; i < 6; i++) big.touch(C, oid(i)).setattr(C, oid(i), 'v', Buffer.from([i])).omapSetKeys(C, oid(i), new Map([['k', Buffer.alloc(256 * 1024, i)]]));
  await store.queueTransaction(big);
  for (let i = 0; i < 8; i++) await store.queueTransaction(new Transaction().touch(C, ghobject({ name: `small${i}` })));
  await store.drain();
  t.ok(store.cacheStats().onodes <= 2, `${store.cacheStats().onodes} onodes cached`);
  for (let i = 0; i < 6; i++) {
    t.same([...(await store.getattr(C, oid(i), 'v'))], [i], `object ${i}: its xattr`);
    t.ok((await store.omapGetValues(C, oid(i), ['k'])).get('k')?.equals(Buffer.alloc(256 * 1024, i)), `object ${i}: its omap value`);
  }
});
