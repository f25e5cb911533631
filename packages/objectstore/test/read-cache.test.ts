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
