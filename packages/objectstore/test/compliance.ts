// The ObjectStore compliance suite (STYLE §4): every implementation runs exactly these tests.
// Expected values are written out by hand here, never computed by the store under test.
import { randomBytes } from 'node:crypto';
import {
  CEPH_NOSNAP, cmpGHObject, collMeta, collPG, CollT, GHObject, ghobject, ghobjectMax, ghobjectMin, ObjectStore, Transaction,
} from '../src';

import type { Test } from 'tap';
import { binaryNames } from './compliance-names';
type T = Test;

export interface StoreFixture {
  store: ObjectStore;
  /** Unmount and mount again (a durable store must keep everything). */
  remount?: () => Promise<ObjectStore>;
  cleanup: () => Promise<void>;
}

const C = collPG(1, 0x2a);
const obj = (name: string, extra: Partial<GHObject> = {}): GHObject => ghobject({ pool: 1, name, hash: 0x1234, ...extra });

async function withColl(store: ObjectStore, c: CollT = C): Promise<void> {
  if (!(await store.collectionExists(c))) await store.queueTransaction(new Transaction().createCollection(c, 5));
}

/** A read's buffer is the caller's (ObjectStore.read): the OSD hands it to the reply without a copy. */
async function readBuffersAreTheCallers(t: T, store: ObjectStore, o: GHObject, expect: Buffer): Promise<void> {
  for (const [off, len] of [
    [0, 0],
    [4000, 100],
  ] as const) {
    (await store.read(C, o, off, len)).fill(0xee);
    t.equal((await store.read(C, o, off, len)).equals(len ? expect.subarray(off, off + len) : expect), true, `changing a read buffer (${off}~${len}) leaves the object alone`);
  }
  await readSharedIsRead(t, store, o, expect);
}

/** readShared gives read()'s bytes, twice (the second may be a cache hit), and sees a later overwrite. */
async function readSharedIsRead(t: T, store: ObjectStore, o: GHObject, expect: Buffer): Promise<void> {
  const ranges = [
    [0, 0],
    [1 << 20, 1 << 20],
    [4000, 100],
    [expect.length - 10, 100],
  ] as const;
  for (let pass = 0; pass < 2; pass++) {
    for (const [off, len] of ranges) {
      const want = len ? expect.subarray(off, off + len) : expect;
      t.equal((await store.readShared(C, o, off, len)).equals(want), true, `readShared ${off}~${len}, pass ${pass}`);
    }
  }
  const before = await store.readShared(C, o, 1 << 20, 1 << 20);
  const kept = Buffer.from(before);
  const patch = randomBytes(5000);
  await store.queueTransaction(new Transaction().write(C, o, (1 << 20) + 100, patch));
  const now = await store.readShared(C, o, 1 << 20, 1 << 20);
  t.equal(now.subarray(100, 5100).equals(patch), true, 'readShared sees the overwrite');
  t.equal(before.equals(kept), true, 'a buffer handed out earlier keeps the bytes it had');
  patch.copy(expect, (1 << 20) + 100);
}

/** A test on a fresh fixture, cleaned up whatever happens. */
function runner(t: T, make: () => Promise<StoreFixture>): (name: string, body: (t: T, f: StoreFixture) => Promise<void>) => void {
  return (name, body) =>
    t.test(name, async (t) => {
      const f = await make();
      try {
        await body(t, f);
      } finally {
        await f.cleanup();
      }
    });
}

export function complianceSuite(t: T, make: () => Promise<StoreFixture>): void {
  const run = runner(t, make);

  run('collections', async (t, { store }) => {
    const a = collPG(1, 0);
    const b = collPG(2, 0x1f, 3);
    t.same(await store.listCollections(), []);
    await store.queueTransaction(new Transaction().createCollection(a, 3).createCollection(b).createCollection(collMeta()));
    t.equal(await store.collectionExists(a), true);
    t.equal(await store.collectionBits(a), 3);
    t.same((await store.listCollections()).length, 3);
    await t.rejects(store.queueTransaction(new Transaction().createCollection(a)), { code: 'EEXIST' });
    await store.queueTransaction(new Transaction().collectionSetBits(a, 4));
    t.equal(await store.collectionBits(a), 4);
    await store.queueTransaction(new Transaction().touch(b, obj('x')));
    t.equal(await store.collectionEmpty(b), false);
    await t.rejects(store.queueTransaction(new Transaction().removeCollection(b)), { code: 'ENOTEMPTY' });
    await store.queueTransaction(new Transaction().remove(b, obj('x')).removeCollection(b));
    t.equal(await store.collectionExists(b), false);
    await t.rejects(store.queueTransaction(new Transaction().touch(b, obj('x'))), { code: 'ENOENT' });
    await t.rejects(store.read(b, obj('x'), 0, 0), { code: 'ENOENT' });
    // Removing and re-creating a collection in one transaction leaves it empty.
    await store.queueTransaction(new Transaction().touch(a, obj('y')));
    await store.queueTransaction(new Transaction().remove(a, obj('y')).removeCollection(a).createCollection(a, 1));
    t.equal(await store.collectionEmpty(a), true);
  });

  run('data: write, overwrite, gaps, zero, truncate', async (t, { store }) => {
    await withColl(store);
    const o = obj('data');
    await store.queueTransaction(new Transaction().write(C, o, 0, Buffer.from('hello world')));
    t.equal((await store.read(C, o, 0, 0)).toString(), 'hello world');
    t.equal((await store.stat(C, o)).size, 11);
    await store.queueTransaction(new Transaction().write(C, o, 6, Buffer.from('WORLD!')));
    t.equal((await store.read(C, o, 0, 0)).toString(), 'hello WORLD!');
    t.equal((await store.read(C, o, 3, 4)).toString(), 'lo W');
    t.equal((await store.read(C, o, 100, 4)).length, 0, 'read past the end is empty');
    t.equal((await store.read(C, o, 10, 100)).toString(), 'D!', 'read is short at the end');
    // A write beyond the end leaves a zero-filled gap.
    await store.queueTransaction(new Transaction().write(C, o, 10000, Buffer.from('tail')));
    const all = await store.read(C, o, 0, 0);
    t.equal(all.length, 10004);
    t.equal(all.subarray(12, 10000).every((b) => b === 0), true, 'gap reads as zeros');
    await store.queueTransaction(new Transaction().zero(C, o, 2, 3));
    t.equal((await store.read(C, o, 0, 6)).toString('hex'), '6865000000' + '20');
    await store.queueTransaction(new Transaction().zero(C, o, 20000, 10));
    t.equal((await store.stat(C, o)).size, 20010, 'zero extends the object');
    await store.queueTransaction(new Transaction().truncate(C, o, 5));
    t.equal((await store.read(C, o, 0, 0)).toString('hex'), '6865000000');
    await store.queueTransaction(new Transaction().truncate(C, o, 8195));
    const grown = await store.read(C, o, 0, 0);
    t.equal(grown.length, 8195);
    t.equal(grown.subarray(5).every((b) => b === 0), true, 'truncate up zero-fills (old bytes do not come back)');
    // Large, unaligned writes across block boundaries, then small overwrites inside them.
    const big = randomBytes(3 * 1024 * 1024 + 123);
    const o2 = obj('big');
    await store.queueTransaction(new Transaction().write(C, o2, 777, big));
    const small = randomBytes(100);
    await store.queueTransaction(new Transaction().write(C, o2, 4000, small));
    const expect = Buffer.concat([Buffer.alloc(777), big]);
    small.copy(expect, 4000);
    t.equal((await store.read(C, o2, 0, 0)).equals(expect), true, 'large + small overwrite');
    t.equal((await store.read(C, o2, 1 << 20, 5000)).equals(expect.subarray(1 << 20, (1 << 20) + 5000)), true);
    await readBuffersAreTheCallers(t, store, o2, expect);
    t.ok((await store.fiemap(C, o2, 0, expect.length)).size >= 1, 'fiemap reports extents');
    await store.queueTransaction(new Transaction().touch(C, obj('empty')));
    t.equal((await store.stat(C, obj('empty'))).size, 0);
    t.equal((await store.read(C, obj('empty'), 0, 0)).length, 0);
    await t.rejects(store.stat(C, obj('missing')), { code: 'ENOENT' });
  });

  run('xattrs', async (t, { store }) => {
    await withColl(store);
    const o = obj('attrs');
    await store.queueTransaction(new Transaction().touch(C, o).setattr(C, o, '_', Buffer.from('oi')).setattrs(C, o, new Map([['snapset', Buffer.from([1, 2])], ['x', Buffer.alloc(0)]])));
    t.equal((await store.getattr(C, o, '_')).toString(), 'oi');
    t.same([...(await store.getattrs(C, o)).keys()].sort(), ['_', 'snapset', 'x']);
    t.equal((await store.getattr(C, o, 'x')).length, 0, 'empty value is a value');
    await t.rejects(store.getattr(C, o, 'nope'), { code: 'ENODATA' });
    await store.queueTransaction(new Transaction().rmattr(C, o, '_').rmattr(C, o, 'never-set'));
    await t.rejects(store.getattr(C, o, '_'), { code: 'ENODATA' });
    await store.queueTransaction(new Transaction().rmattrs(C, o));
    t.equal((await store.getattrs(C, o)).size, 0);
    await t.rejects(store.queueTransaction(new Transaction().setattr(C, obj('ghost'), 'a', Buffer.from('b'))), { code: 'ENOENT' }, 'setattr on a missing object is fatal');
  });

  run('omap: keys, header, ranges, byte order, paging', async (t, { store }) => {
    await withColl(store);
    const o = obj('omap');
    const kv = new Map<string, Buffer>();
    for (const k of ['b', 'a', 'c', 'a\u0000z', 'B', 'ä', 'ab']) kv.set(k, Buffer.from(`v-${k}`));
    await store.queueTransaction(new Transaction().touch(C, o).omapSetKeys(C, o, kv).omapSetHeader(C, o, Buffer.from('hdr')));
    // Byte order of the UTF-8 keys: 'B' < 'a' < 'a\0z' < 'ab' < 'b' < 'c' < 'ä' (0xc3 0xa4).
    t.same(await store.omapGetKeys(C, o), ['B', 'a', 'a\u0000z', 'ab', 'b', 'c', 'ä']);
    t.equal((await store.omapGetHeader(C, o)).toString(), 'hdr');
    const vals = await store.omapGetValues(C, o, ['a', 'zz', 'c']);
    t.same([...vals.keys()], ['a', 'c']);
    t.equal(vals.get('c')!.toString(), 'v-c');
    const page1 = await store.omapGetValsAfter(C, o, '', 3);
    t.same([...page1.values.keys()], ['B', 'a', 'a\u0000z']);
    t.equal(page1.more, true);
    const page2 = await store.omapGetValsAfter(C, o, 'a\u0000z', 10);
    t.same([...page2.values.keys()], ['ab', 'b', 'c', 'ä']);
    t.equal(page2.more, false);
    await store.queueTransaction(new Transaction().omapRmKeys(C, o, ['B', 'nope']).omapRmKeyRange(C, o, 'a\u0000', 'b'));
    t.same(await store.omapGetKeys(C, o), ['a', 'b', 'c', 'ä'], 'range [a\\0, b) removed, b kept');
    const got = await store.omapGet(C, o);
    t.equal(got.header.toString(), 'hdr');
    t.equal(got.values.size, 4);
    await store.queueTransaction(new Transaction().omapClear(C, o));
    t.same(await store.omapGetKeys(C, o), []);
    t.equal((await store.omapGetHeader(C, o)).length, 0, 'clear drops the header too');
    // Many keys through a paging loop.
    const many = new Map<string, Buffer>();
    for (let i = 0; i < 500; i++) many.set(`key${String(i).padStart(4, '0')}`, Buffer.from([i & 0xff]));
    await store.queueTransaction(new Transaction().omapSetKeys(C, o, many));
    let after = '';
    const seen: string[] = [];
    for (;;) {
      const p = await store.omapGetValsAfter(C, o, after, 64);
      seen.push(...p.values.keys());
      if (!p.more) break;
      after = seen[seen.length - 1]!;
    }
    t.equal(seen.length, 500);
    t.equal(seen[499], 'key0499');
    await t.rejects(store.queueTransaction(new Transaction().omapSetKeys(C, obj('ghost'), many)), { code: 'ENOENT' });
  });

  run('binary omap keys, xattr and object names: any bytes, in byte order, after a remount', binaryNames);

  run('clone and clone_range', async (t, { store }) => {
    await withColl(store);
    const head = obj('rbd_data.1', { snap: CEPH_NOSNAP });
    const snap = obj('rbd_data.1', { snap: 4n });
    const data = randomBytes(200000);
    await store.queueTransaction(
      new Transaction().write(C, head, 0, data).setattr(C, head, '_', Buffer.from('oi')).omapSetKeys(C, head, new Map([['k', Buffer.from('v')]])).omapSetHeader(C, head, Buffer.from('h')),
    );
    await store.queueTransaction(new Transaction().clone(C, head, snap).write(C, head, 100, Buffer.from('changed')));
    const s = await store.read(C, snap, 0, 0);
    t.equal(s.equals(data), true, 'the clone keeps the old data');
    t.equal((await store.read(C, head, 100, 7)).toString(), 'changed');
    t.equal((await store.getattr(C, snap, '_')).toString(), 'oi');
    t.equal((await store.omapGetValues(C, snap, ['k'])).get('k')!.toString(), 'v');
    t.equal((await store.omapGetHeader(C, snap)).toString(), 'h');
    // Writes to the clone leave the head alone.
    await store.queueTransaction(new Transaction().write(C, snap, 0, Buffer.from('SNAP')));
    t.equal((await store.read(C, head, 0, 4)).equals(data.subarray(0, 4)), true);
    const dst = obj('dst');
    await store.queueTransaction(new Transaction().cloneRange(C, head, dst, 5000, 10000, 70000));
    const d = await store.read(C, dst, 0, 0);
    t.equal(d.length, 80000);
    t.equal(d.subarray(0, 70000).every((b) => b === 0), true);
    t.equal(d.subarray(70000).equals(data.subarray(5000, 15000)), true);
    // Cloning over an existing object replaces it entirely.
    await store.queueTransaction(new Transaction().omapSetKeys(C, dst, new Map([['old', Buffer.from('x')]])).clone(C, snap, dst));
    t.same(await store.omapGetKeys(C, dst), ['k']);
    t.equal((await store.stat(C, dst)).size, 200000);
    await t.rejects(store.queueTransaction(new Transaction().clone(C, obj('ghost'), obj('g2'))), { code: 'ENOENT' });
  });

  run('rename across collections; atomic failure; tolerated ENOENT', async (t, { store }) => {
    const D = collPG(1, 0x2b);
    await withColl(store);
    await withColl(store, D);
    const o = obj('mv');
    await store.queueTransaction(new Transaction().write(C, o, 0, Buffer.from('payload')).omapSetKeys(C, o, new Map([['a', Buffer.from('1')]])));
    await store.queueTransaction(new Transaction().collectionMoveRename(C, o, D, obj('mv2')));
    t.equal(await store.exists(C, o), false);
    t.equal((await store.read(D, obj('mv2'), 0, 0)).toString(), 'payload');
    t.same(await store.omapGetKeys(D, obj('mv2')), ['a']);
    await store.queueTransaction(new Transaction().touch(D, obj('other')));
    await t.rejects(store.queueTransaction(new Transaction().tryRename(D, obj('mv2'), obj('other'))), { code: 'EEXIST' });
    await store.queueTransaction(new Transaction().tryRename(D, obj('not-there'), obj('x')));
    t.equal(await store.exists(D, obj('x')), false, 'try_rename of a missing object is a no-op');
    // A transaction that fails part-way leaves no trace.
    const bad = new Transaction().write(D, obj('new'), 0, Buffer.from('partial')).remove(D, obj('other')).setattr(D, obj('missing'), 'a', Buffer.from('b'));
    await t.rejects(store.queueTransaction(bad), { code: 'ENOENT' });
    t.equal(await store.exists(D, obj('new')), false, 'no half-applied write');
    t.equal(await store.exists(D, obj('other')), true, 'no half-applied remove');
    // ENOENT is fine for remove, truncate, rmattrs, omap_clear (BlueStore's tolerated list).
    await store.queueTransaction(new Transaction().remove(D, obj('gone')).truncate(D, obj('gone'), 0).rmattrs(D, obj('gone')).omapClear(D, obj('gone')));
    t.equal(await store.exists(D, obj('gone')), false);
  });

  run('listing: ghobject order with paging', async (t, { store }) => {
    await withColl(store);
    // Hand-placed order: shard, pool, reversed hash (0x80000000 reversed is 1 and sorts before
    // hash 1, reversed 0x80000000), nspace, effective key, name, snap, generation.
    const expected: GHObject[] = [
      ghobject({ pool: -1, name: 'temp', hash: 0 }),
      ghobject({ pool: 1, name: 'b', hash: 0x80000000 }),
      ghobject({ pool: 1, name: 'a', hash: 0x00000001 }),
      ghobject({ pool: 1, name: 'a', hash: 0x00000003 }),
      ghobject({ pool: 1, nspace: 'ns', name: 'a', hash: 0x00000003 }),
      ghobject({ pool: 1, nspace: 'ns', name: 'z', key: 'b', hash: 0x00000003 }),
      ghobject({ pool: 1, nspace: 'ns', name: 'c', hash: 0x00000003, snap: 2n }),
      ghobject({ pool: 1, nspace: 'ns', name: 'c', hash: 0x00000003, snap: 5n, generation: 1n }),
      ghobject({ pool: 1, nspace: 'ns', name: 'c', hash: 0x00000003, snap: 5n }),
      ghobject({ pool: 1, nspace: 'ns', name: 'c', hash: 0x00000003, snap: CEPH_NOSNAP }),
      ghobject({ pool: 2, name: 'a', hash: 0 }),
      ghobject({ pool: 1, name: 'a', hash: 0, shard: 0 }),
    ];
    const shuffled = [...expected].sort(() => Math.random() - 0.5);
    const txn = new Transaction();
    for (const o of shuffled) txn.touch(C, o);
    await store.queueTransaction(txn);
    const all = await store.collectionList(C, ghobjectMin(), ghobjectMax(), 1000);
    t.same(all.objects, expected, 'hobject sort order');
    t.equal(all.next.max, true);
    // Many objects with random hashes, listed 7 at a time.
    const many: GHObject[] = [];
    const t2 = new Transaction();
    for (let i = 0; i < 300; i++) {
      const o = ghobject({ pool: 3, name: `obj${i}`, hash: randomBytes(4).readUInt32LE(0), snap: i % 5 === 0 ? BigInt(i) : CEPH_NOSNAP });
      many.push(o);
      t2.touch(C, o);
    }
    await store.queueTransaction(t2);
    const listed: GHObject[] = [];
    let start = ghobject({ pool: 3, name: '', hash: 0, snap: 0n, generation: 0n });
    const end = ghobject({ pool: 4, name: '', hash: 0, snap: 0n, generation: 0n });
    for (let pages = 0; pages < 100; pages++) {
      const page = await store.collectionList(C, start, end, 7);
      t.ok(page.objects.length <= 7);
      listed.push(...page.objects);
      if (page.next.max) break;
      start = page.next;
    }
    t.equal(listed.length, 300);
    let sorted = true;
    for (let i = 1; i < listed.length; i++) if (cmpGHObject(listed[i - 1]!, listed[i]!) >= 0) sorted = false;
    t.ok(sorted, 'pages concatenate in strictly increasing order');
    t.equal(new Set(listed.map((o) => o.name + o.snap)).size, 300, 'no object listed twice');
  });

  run('concurrent transactions keep submission order and read-your-writes', async (t, { store }) => {
    await withColl(store);
    const o = obj('counter');
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 64; i++) {
      const txn = new Transaction().write(C, o, (i % 8) * 4096, Buffer.alloc(4096, i)).omapSetKeys(C, o, new Map([[`k${i % 4}`, Buffer.from(String(i))]]));
      txn.write(C, obj(`side${i}`), 0, Buffer.alloc(100 + i, i));
      pending.push(store.queueTransaction(txn));
    }
    // Reads issued after queueing see the queued writes.
    const early = await store.read(C, o, 7 * 4096, 1);
    t.equal(early[0], 63, 'read after queue sees the last write to that block');
    await Promise.all(pending);
    const d = await store.read(C, o, 0, 0);
    for (let b = 0; b < 8; b++) t.equal(d[b * 4096], 56 + b, `block ${b} holds the last writer's byte`);
    const vals = await store.omapGetValues(C, o, ['k0', 'k1', 'k2', 'k3']);
    t.same([...vals.values()].map((v) => v.toString()), ['60', '61', '62', '63']);
    for (let i = 0; i < 64; i += 9) t.equal((await store.stat(C, obj(`side${i}`))).size, 100 + i);
    const failing = Promise.allSettled([
      store.queueTransaction(new Transaction().write(C, obj('c1'), 0, Buffer.from('1'))),
      store.queueTransaction(new Transaction().clone(C, obj('nope'), obj('c2'))),
      store.queueTransaction(new Transaction().write(C, obj('c3'), 0, Buffer.from('3'))),
    ]);
    const r = await failing;
    t.same(r.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled'], 'one bad transaction does not take its neighbours down');
    t.equal(await store.exists(C, obj('c3')), true);
  });

  run('statfs and fsck', async (t, f) => {
    const { store } = f;
    await withColl(store);
    const before = await store.statfs();
    t.ok(before.total > 0 && before.available <= before.total);
    await store.queueTransaction(new Transaction().write(C, obj('s'), 0, randomBytes(1 << 20)));
    const after = await store.statfs();
    t.ok(after.stored >= before.stored + (1 << 20), 'stored grows by the data written');
    t.ok(after.available <= before.available, 'available does not grow');
    const r = await store.fsck(true);
    t.equal(r.errors, 0, r.problems.join('; '));
    t.ok(r.objects >= 1);
    if (f.remount) {
      const s2 = await f.remount();
      t.equal((await s2.stat(C, obj('s'))).size, 1 << 20, 'durable across remount');
      t.equal((await s2.fsck(true)).errors, 0);
    }
  });
}
