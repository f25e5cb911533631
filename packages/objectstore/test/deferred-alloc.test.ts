// Small writes that allocate (a new object, a hole of a sparse object) are deferred like small
// overwrites: the data rides in the journal record, so the acknowledgement costs one device write
// and one flush, and the data reaches its blocks after the commit or, after a crash, at replay.
// `holdDeferred` keeps every in-place write back, so what is on the device at the acknowledgement
// is what a kill -9 at that moment would leave.
import t, { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, GHObject, NativeStore, NativeStoreOptions, Transaction } from '../src';
import { BitmapAllocator } from '../src/blockstore/allocator';

const C = collPG(2, 0);
const deviceBytes = 64 * 1024 * 1024;

function deviceBytesAt(store: NativeStore, offset: number, length: number): Buffer {
  const fd = openSync(store.blockPath, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

interface Case {
  what: string;
  oid: GHObject;
  offset: number;
  data: Buffer;
  /** Writes and flushes submitted before the acknowledgement. */
  writes: number;
  flushes: number;
}

const sparse = ghobject({ pool: 2, name: 'sparse', hash: 7 });
const cases: Case[] = [
  { what: '4 KiB, a new object', oid: ghobject({ pool: 2, name: 'new', hash: 1 }), offset: 0, data: randomBytes(4096), writes: 1, flushes: 1 },
  { what: '4 KiB into a hole', oid: sparse, offset: (1 << 20) + 4096, data: randomBytes(4096), writes: 1, flushes: 1 },
  { what: '100 bytes into a hole, unaligned', oid: sparse, offset: (2 << 20) + 7, data: randomBytes(100), writes: 1, flushes: 1 },
  { what: '64 KiB (deferredBytesMax) into a hole', oid: sparse, offset: 3 << 20, data: randomBytes(64 * 1024), writes: 1, flushes: 1 },
  // Larger writes go to new blocks before the record: the data, a flush, then the record and a flush.
  { what: '68 KiB into a hole', oid: sparse, offset: 1 << 19, data: randomBytes(68 * 1024), writes: 2, flushes: 2 },
];

async function run(t: Test, extra: Partial<NativeStoreOptions>): Promise<void> {
  const dir = tempDir('ts-defer-alloc-');
  t.teardown(dir.cleanup);
  // No zero-filling of free space here: its writes would be counted with the commit's.
  const opts: NativeStoreOptions = { path: join(dir.path, 'osd'), deviceBytes, spaceFill: false, ...extra };
  let store = new NativeStore({ ...opts, holdDeferred: true });
  await store.mkfs();
  await store.mount();
  await store.queueTransaction(new Transaction().createCollection(C).truncate(C, sparse, 4 << 20));
  const counts = store.io.dev.counts;
  for (const c of cases) {
    const w0 = counts.writes;
    const f0 = counts.flushes;
    await store.queueTransaction(new Transaction().write(C, c.oid, c.offset, c.data).setattr(C, c.oid, c.what, Buffer.from(c.what)));
    t.same([counts.writes - w0, counts.flushes - f0], [c.writes, c.flushes], `${c.what}: ${c.writes} write(s) and ${c.flushes} flush(es) before the ack`);
    t.same(await store.read(C, c.oid, c.offset, c.data.length), c.data, `${c.what}: read back before it is in place`);
  }
  const small = cases[1]!;
  const at = await store.deviceOffsetOf(C, small.oid, small.offset);
  t.same(deviceBytesAt(store, at, 4096), Buffer.alloc(4096), 'the deferred data is not in place yet (held back)');
  // A crash now: only the journal has the deferred data.
  await store.abandon();
  store = new NativeStore(opts);
  await store.mount();
  for (const c of cases) {
    t.same(await store.read(C, c.oid, c.offset, c.data.length), c.data, `${c.what}: replayed`);
    t.same(await store.getattr(C, c.oid, c.what), Buffer.from(c.what));
  }
  const placed = deviceBytesAt(store, at, 4096);
  t.notOk(placed.equals(Buffer.alloc(4096)), 'replay wrote the data in place');
  t.equal(placed.equals(small.data), !extra.encrypt, extra.encrypt ? 'in place as ciphertext' : 'in place as it was written');
  for (const r of store.journalRecords()) t.equal(deviceBytesAt(store, r.offset, r.bytes).indexOf(small.data.subarray(0, 64)), -1, 'no plaintext in the journal');
  t.equal((await store.fsck(true)).errors, 0, 'fsck clean');
  await store.umount();
}

t.test('small allocating writes: one write and one flush, replayed after a crash', (t) => run(t, {}));
t.test('the same on an encrypted store (the deferred data sealed)', (t) => run(t, { encrypt: true, passphrase: Buffer.from('deferred-alloc') }));

t.test('concurrent small allocating writes share records and flushes (group commit)', async (t) => {
  const dir = tempDir('ts-defer-group-');
  t.teardown(dir.cleanup);
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes });
  await store.mkfs();
  await store.mount();
  await store.queueTransaction(new Transaction().createCollection(C));
  const counts = store.io.dev.counts;
  const f0 = counts.flushes;
  const n = 64;
  const data = Array.from({ length: n }, () => randomBytes(4096));
  const obj = (i: number): GHObject => ghobject({ pool: 2, name: `g${i}`, hash: i });
  await Promise.all(data.map((d, i) => store.queueTransaction(new Transaction().write(C, obj(i), 0, d))));
  const flushes = counts.flushes - f0;
  t.ok(flushes <= n / 4, `${n} concurrent writes to new objects took ${flushes} flushes`);
  for (let i = 0; i < n; i++) t.same(await store.read(C, obj(i), 0, 4096), data[i]);
  await store.umount();
});

t.test('free space ahead of the allocator is written (zero-filled) in the background, data untouched', async (t) => {
  const alloc = new BitmapAllocator(1000);
  alloc.reserve(0, 10);
  const a = alloc.allocate(5);
  t.same(a, [{ start: 10, count: 5 }]);
  const held = alloc.holdFree(12, 10);
  t.same(held, [{ start: 15, count: 7 }], 'only the free blocks are held');
  t.equal(alloc.free, 1000 - 10 - 5 - 7);
  t.same(alloc.allocate(2), [{ start: 22, count: 2 }], 'held blocks are not handed out');
  alloc.release(held);
  t.equal(alloc.free, 1000 - 10 - 5 - 2);

  const dir = tempDir('ts-space-fill-');
  t.teardown(dir.cleanup);
  const opts = { path: join(dir.path, 'osd'), deviceBytes };
  const store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  const before = statSync(store.blockPath).blocks * 512;
  await store.queueTransaction(new Transaction().createCollection(C));
  const data = Array.from({ length: 50 }, () => randomBytes(4096));
  const obj = (i: number): GHObject => ghobject({ pool: 2, name: `f${i}`, hash: i });
  for (let i = 0; i < data.length; i += 10) await Promise.all(data.slice(i, i + 10).map((d, k) => store.queueTransaction(new Transaction().write(C, obj(i + k), 0, d))));
  // The filler works in the background: on a fast host the 50 writes were done (and the store
  // unmounted, which stops it) before it had written 8 MiB. Give it up to 10 s.
  for (const end = Date.now() + 10_000; statSync(store.blockPath).blocks * 512 - before < 8 * 1024 * 1024 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  await store.umount();
  const after = statSync(store.blockPath).blocks * 512;
  t.ok(after - before >= 8 * 1024 * 1024, `the file got ${((after - before) / 2 ** 20).toFixed(1)} MiB of written space for 200 KiB of data`);
  const s2 = new NativeStore(opts);
  await s2.mount();
  for (let i = 0; i < data.length; i++) t.same(await s2.read(C, obj(i), 0, 4096), data[i]);
  t.equal((await s2.fsck(true)).errors, 0, 'fsck clean');
  await s2.umount();
});
