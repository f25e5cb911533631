// The native store's read cache (src/blockstore/read-cache.ts): blocks read from the device are
// served from memory next time, a write to them is seen at once (they leave the cache when the new
// contents enter the overlay), a block whose checksum changed is never served, and the memory held
// stays under its bound.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, NativeStore, Transaction } from '../src';
import { CachedBlock, CachingOverlay, CoalescedCopy, ReadCache } from '../src/blockstore/read-cache';

const C = collPG(1, 0);
const B = 4096;
/** The first byte of a cached block. */
const first = (b: CachedBlock | undefined): number | undefined => (b ? b.run.buf[b.at] : undefined);

t.test('ReadCache: hits need the same checksum, eviction holds the bound, drop forgets', async (t) => {
  const c = new ReadCache(4 * B);
  const run = Buffer.alloc(3 * B);
  for (let i = 0; i < 3; i++) run.fill(i + 1, i * B, (i + 1) * B);
  c.put(100, run, [11, 12, 13]);
  t.equal(c.bytes, 3 * B);
  run.fill(9); // the cache kept a copy
  t.equal(first(c.get(101, 12)), 2, 'block 101 from its copy');
  t.equal(c.get(101, 99), undefined, 'another checksum is a miss');
  c.put(200, Buffer.alloc(2 * B, 7), [21, 22]);
  // 5 blocks over a 4-block bound: whole runs go until the new one fits (here the only other run).
  t.ok(c.bytes <= 4 * B, `held ${c.bytes} within the bound`);
  t.equal(first(c.get(200, 21)), 7, 'the newest run stays');
  c.drop(200);
  c.drop(201);
  t.equal(c.get(201, 22), undefined, 'dropped');
  t.ok(c.bytes <= 4 * B - 2 * B, 'a run whose blocks are all gone is no longer held');
  t.equal(new ReadCache(0).bytes, 0);
  const none = new ReadCache(0);
  none.put(1, Buffer.alloc(B), [1]);
  t.equal(none.get(1, 1), undefined, 'a zero bound caches nothing');
});

t.test('ReadCache: a sequential scan twice the cache size still hits (an LRU would never hit)', async (t) => {
  const c = new ReadCache(64 * B);
  const run = Buffer.alloc(4 * B);
  const csums = [1, 2, 3, 4];
  let hits = 0;
  for (let pass = 0; pass < 4; pass++) {
    for (let r = 0; r < 32; r++) {
      const p = r * 4;
      if (c.get(p, 1)) hits++;
      else c.put(p, run, csums);
      t.ok(c.bytes <= 64 * B);
    }
  }
  // Random replacement keeps a share of a cyclic scan (20 of the 96 later lookups with the fixed
  // seed); an LRU evicts each run just before the next pass needs it and would count 0.
  t.ok(hits >= 10, `${hits} hits of 96`);
});

t.test('ReadCache: an adopted run is the caller buffer itself; view() serves a whole range of one run only', async (t) => {
  const c = new ReadCache(8 * B);
  const run = Buffer.alloc(4 * B);
  for (let i = 0; i < 4; i++) run.fill(i + 1, i * B, (i + 1) * B);
  c.adopt(10, run, [1, 2, 3, 4]);
  t.equal(c.bytes, 4 * B);
  t.equal(c.get(11, 2)!.run.buf, run, 'no copy: the run is the adopted buffer');
  const v = c.view(11, 2, (i) => 2 + i)!;
  t.equal(v.buffer, run.buffer, 'a view of the run');
  t.same([v.byteOffset - run.byteOffset, v.length, v[0], v[B]], [B, 2 * B, 2, 3]);
  t.equal(c.view(11, 2, () => 2), undefined, 'a block with another checksum: no view');
  t.equal(c.view(12, 3, (i) => 3 + i), undefined, 'past the run: no view');
  c.adopt(14, Buffer.alloc(B, 9), [5]);
  t.equal(c.view(13, 2, (i) => 4 + i), undefined, 'two runs: no view (the caller copies)');
  c.drop(12);
  t.equal(c.view(11, 2, (i) => 2 + i), undefined, 'a dropped block breaks the view');
  t.throws(() => c.adopt(30, Buffer.alloc(B + 1), [1]), 'a run of partial blocks is a bug');
});

t.test('CoalescedCopy joins blocks that continue one another, and only those', async (t) => {
  const a = Buffer.alloc(4 * B);
  const b = Buffer.alloc(B, 0xbb);
  for (let i = 0; i < 4; i++) a.fill(i + 1, i * B, (i + 1) * B);
  const out = Buffer.alloc(5 * B);
  const c = new CoalescedCopy(out);
  c.add(a, 0, 0);
  c.add(a, B, B); // joins
  c.add(a, 3 * B, 2 * B); // a gap in the source: a new copy
  c.add(b, 0, 3 * B); // another source
  c.add(a, 2 * B, 4 * B);
  c.flush();
  t.same([...Array(5).keys()].map((i) => out[i * B + 7]), [1, 2, 4, 0xbb, 3]);
});

t.test('CachingOverlay: new contents for a block drop it from the cache', async (t) => {
  const c = new ReadCache(8 * B);
  const o = new CachingOverlay(c);
  c.put(5, Buffer.alloc(2 * B, 1), [1, 2]);
  o.set(6, Buffer.alloc(B, 3));
  t.equal(c.get(6, 2), undefined, 'block 6 left the cache');
  t.equal(first(c.get(5, 1)), 1, 'block 5 stays');
  t.equal(o.get(6)?.[0], 3);
});

t.test('the native store serves a second read from memory and sees every write at once', async (t) => {
  const dir = tempDir('ts-read-cache-');
  t.teardown(dir.cleanup);
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024 };
  const store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  t.teardown(() => store.umount());
  const oid = ghobject({ name: 'big' });
  const data = randomBytes(1 << 20);
  await store.queueTransaction(new Transaction().createCollection(C).write(C, oid, 0, data));
  // Wait for the overlay to drain (the device has the blocks), so the first read goes to the device.
  for (let i = 0; i < 200 && store.io.overlay.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(store.io.overlay.size, 0, 'the writes reached the device');
  t.ok((await store.read(C, oid, 0, 0)).equals(data), 'first read, from the device');
  const hits = store.io.cache.hits;
  // Damage the device under the mounted store: a cached block is served from memory, as BlueStore
  // serves its buffer cache (the damage is found by the next read from the device, or a deep scrub
  // after a restart).
  const at = await store.deviceOffsetOf(C, oid, 8192);
  const fd = openSync(join(opts.path, 'block'), 'r+');
  writeSync(fd, Buffer.from([~data[8192]! & 0xff]), 0, 1, at);
  closeSync(fd);
  const again = await store.read(C, oid, 4096, 65536);
  const deep = await store.fsck(true);
  t.ok(deep.errors > 0, 'a deep fsck reads the device, not the cache, and finds the damage');
  t.ok(again.equals(data.subarray(4096, 4096 + 65536)), 'second read from memory');
  t.ok(store.io.cache.hits >= hits + 16, `16 blocks from the cache (hits ${store.io.cache.hits - hits})`);
  again.fill(0);
  t.ok((await store.read(C, oid, 4096, 65536)).equals(data.subarray(4096, 4096 + 65536)), 'what a reader does to its buffer is not the cache');
  // An overwrite of part of the cached range: the next read has the new bytes, before and after
  // the device has them.
  const patch = randomBytes(10000);
  await store.queueTransaction(new Transaction().write(C, oid, 5000, patch));
  const expect = Buffer.from(data);
  patch.copy(expect, 5000);
  t.ok((await store.read(C, oid, 0, 0)).equals(expect), 'the overwrite, at once');
  for (let i = 0; i < 200 && store.io.overlay.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.ok((await store.read(C, oid, 0, 0)).equals(expect), 'the overwrite, once on the device');
  t.ok(store.io.cache.bytes <= store.io.cache.bytesMax);
});

t.test('the native store shares a cached run with readShared callers, never with read callers', async (t) => {
  const dir = tempDir('ts-read-share-');
  t.teardown(dir.cleanup);
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024 });
  await store.mkfs();
  await store.mount();
  t.teardown(() => store.umount());
  const oid = ghobject({ name: 'rbd_data.1' });
  const data = randomBytes(4 << 20);
  await store.queueTransaction(new Transaction().createCollection(C).write(C, oid, 0, data));
  for (let i = 0; i < 200 && store.io.overlay.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  const MiB = 1 << 20;
  const a = await store.readShared(C, oid, MiB, MiB);
  t.ok(a.equals(data.subarray(MiB, 2 * MiB)), 'from the device');
  const b = await store.readShared(C, oid, MiB, MiB);
  t.ok(b.equals(a), 'again, from the cache');
  t.equal(b.buffer, a.buffer, 'the same memory: the device read was cached without a copy and the hit is a view');
  const own = await store.read(C, oid, MiB, MiB);
  t.not(own.buffer, a.buffer, 'read() gets a buffer of its own');
  own.fill(0);
  t.ok((await store.readShared(C, oid, MiB, MiB)).equals(data.subarray(MiB, 2 * MiB)), 'changing it leaves the cache alone');
  const part = await store.readShared(C, oid, MiB + 8192, 4096);
  t.equal(part.buffer, a.buffer, 'a smaller read inside the run is a view too');
  const patch = randomBytes(4096);
  await store.queueTransaction(new Transaction().write(C, oid, MiB + 8192, patch));
  t.ok((await store.readShared(C, oid, MiB + 8192, 4096)).equals(patch), 'an overwrite is seen at once');
  t.ok(a.equals(data.subarray(MiB, 2 * MiB)), 'and the earlier shared buffer is unchanged');
});

t.test('ReadCache.resize: a smaller bound evicts whole runs until the cache is within it', async (t) => {
  const c = new ReadCache(8 * B);
  for (let r = 0; r < 4; r++) c.put(100 * r, Buffer.alloc(2 * B, r + 1), [r * 10, r * 10 + 1]);
  t.equal(c.bytes, 8 * B);
  c.resize(3 * B);
  t.equal(c.bytesMax, 3 * B);
  t.equal(c.bytes, 2 * B, 'one 2-block run of four is left: runs are never split');
  const left = [0, 1, 2, 3].filter((r) => c.get(100 * r, r * 10) !== undefined);
  t.equal(left.length, 1);
  t.equal(first(c.get(100 * left[0]!, left[0]! * 10)), left[0]! + 1, 'what is left still hits with its contents');
  c.resize(16 * B);
  c.put(900, Buffer.alloc(4 * B), [1, 2, 3, 4]);
  t.equal(c.bytes, 6 * B, 'a larger bound takes more without evicting');
  c.resize(0);
  t.equal(c.bytes, 0);
  t.throws(() => c.resize(-1), /bad bound/);
});

t.test('NativeStore.resizeCaches and LevelDB sizes: the bounds move, cacheStats reports them', async (t) => {
  const dir = tempDir('ts-read-cache-resize-');
  t.teardown(dir.cleanup);
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024, readCacheBytes: 64 * B, kvCacheBytes: 1 << 20, kvWriteBufferBytes: 1 << 19 });
  await store.mkfs();
  await store.mount();
  t.teardown(() => store.umount());
  const tx = new Transaction().createCollection(C);
  for (let i = 0; i < 8; i++) tx.write(C, ghobject({ name: `o${i}` }), 0, randomBytes(4 * B));
  await store.queueTransaction(tx);
  for (let i = 0; i < 200 && store.io.overlay.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 8; i++) await store.read(C, ghobject({ name: `o${i}` }), 0, 4 * B);
  const s0 = store.cacheStats();
  t.ok(s0.dataBytes > 4 * B && s0.onodes > 2, `reads filled the caches (${s0.dataBytes} bytes, ${s0.onodes} onodes)`);
  t.same([s0.kvCacheBytesMax, s0.kvWriteBufferBytesMax], [1 << 20, 1 << 19]);
  store.resizeCaches({ readCacheBytes: 4 * B, onodeCacheEntries: 2 });
  const s1 = store.cacheStats();
  t.same([s1.dataBytesMax, s1.onodesMax], [4 * B, 2]);
  t.ok(s1.dataBytes <= 4 * B, `read cache within its new bound (${s1.dataBytes})`);
  t.ok(s1.onodes <= 2 + s1.onodesDirty, `onode cache trimmed to its bound (${s1.onodes})`);
  for (let i = 0; i < 8; i++) t.equal((await store.read(C, ghobject({ name: `o${i}` }), 0, 4 * B)).length, 4 * B, 'evicted objects read back from the device');
});
