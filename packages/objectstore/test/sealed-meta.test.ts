import t from 'tap';
import { createDecipheriv } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { findBytes, run, tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, ghobjectMax, ghobjectMin, luksOpen, NativeStore, Transaction } from '../src';
import { deriveMetaKeys, SealedKV } from '../src/blockstore/sealed-kv';

// Sealed metadata of an encrypted store (docs/formats/objectstore.md, "Encrypted metadata"): no
// object name, xattr or omap byte string anywhere under the data directory or on the device; the
// record layout checked against OpenSSL's HKDF and HMAC; order and paging from the index.

const C = collPG(3, 0x5);
const kdf = { kdf: 'pbkdf2' as const, time: 1000 };
const pass = Buffer.from('sealed meta test key');
const S = {
  name: 'zqx-object-name-7f3a',
  attr: 'zqx-attr-name-19bd',
  attrVal: 'zqx-attr-value-c0de',
  omapKey: 'zqx-omap-key-5e11',
  omapVal: 'zqx-omap-value-8a2f',
  header: 'zqx-omap-header-4b4b',
};
const needles = Object.values(S);
const obj = (name: string, hash = 0x1234) => ghobject({ pool: 3, name, hash });

async function fill(store: NativeStore): Promise<void> {
  const tx = new Transaction().createCollection(C, 4);
  const o = obj(S.name);
  tx.write(C, o, 0, Buffer.from('data'));
  tx.setattr(C, o, S.attr, Buffer.from(S.attrVal));
  tx.omapSetHeader(C, o, Buffer.from(S.header));
  tx.omapSetKeys(C, o, new Map([[S.omapKey, Buffer.from(S.omapVal)]]));
  await store.queueTransaction(tx);
}

async function fresh(encrypt: boolean): Promise<{ store: NativeStore; path: string; opts: ConstructorParameters<typeof NativeStore>[0]; cleanup: () => void }> {
  const dir = tempDir('ts-sealed-');
  const opts = { path: join(dir.path, 'osd'), deviceBytes: 32 * 1024 * 1024, ...(encrypt ? { encrypt: true, passphrase: pass, luks: kdf } : {}) };
  const store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  return { store, path: opts.path, opts, cleanup: dir.cleanup };
}

t.test('an unencrypted store keeps them in the clear (the scan finds what it looks for)', async (t) => {
  const f = await fresh(false);
  t.teardown(f.cleanup);
  await fill(f.store);
  await f.store.umount();
  t.same([...new Set(findBytes(f.path, needles).map((h) => h.needle))].sort(), [...needles].sort());
});

t.test('an encrypted store: none in the clear, before and after a remount; reads back', async (t) => {
  const f = await fresh(true);
  t.teardown(f.cleanup);
  await fill(f.store);
  // A crash-like stop: the records are only in the (encrypted) journal and LevelDB's log.
  await f.store.abandon();
  t.same(findBytes(f.path, needles), [], 'after an unclean stop');
  let s = new NativeStore(f.opts);
  await s.mount();
  await s.umount();
  t.same(findBytes(f.path, needles), [], 'after replay and a checkpoint');
  s = new NativeStore(f.opts);
  await s.mount();
  t.teardown(() => s.umount());
  const o = obj(S.name);
  t.equal((await s.getattr(C, o, S.attr)).toString(), S.attrVal);
  const om = await s.omapGet(C, o);
  t.equal(om.header.toString(), S.header);
  t.same([...om.values].map(([k, v]) => [k, v.toString()]), [[S.omapKey, S.omapVal]]);
  t.same((await s.collectionList(C, ghobjectMin(), ghobjectMax(), 10)).objects.map((x) => x.name), [S.name]);
  t.equal((await s.fsck(true)).errors, 0);
});

t.test('record layout: HKDF keys, HMAC key tags and AES-256-GCM values as documented', async (t) => {
  const f = await fresh(true);
  t.teardown(f.cleanup);
  await fill(f.store);
  const fsid = f.store.sb.fsid;
  await f.store.umount();
  const vk = (await luksOpen(join(f.path, 'block'), pass)).volumeKey;
  // OpenSSL derives the keys and the tags: the oracle is not our code.
  const openssl = async (args: string[]): Promise<Buffer> => {
    const r = await run('openssl', args);
    t.equal(r.code, 0, r.stderr);
    return Buffer.from(r.stdout.trim().replace(/^.*= /, '').replace(/:/g, ''), 'hex');
  };
  const hkdf = (info: string) => openssl(['kdf', '-keylen', '32', '-kdfopt', 'digest:SHA256', '-kdfopt', `hexkey:${vk.toString('hex')}`, '-kdfopt', `salt:${fsid}`, '-kdfopt', `info:${info}`, 'HKDF']);
  const mac = await hkdf('ts-ceph objectstore metadata v1: key tags');
  const aead = await hkdf('ts-ceph objectstore metadata v1: values');
  t.same(deriveMetaKeys(vk, fsid), { mac, aead });
  const dir = tempDir('ts-sealed-in-');
  t.teardown(dir.cleanup);
  let n = 0;
  const hmac = async (data: Buffer): Promise<Buffer> => {
    const p = join(dir.path, `in${n++}`);
    writeFileSync(p, data);
    return (await openssl(['mac', '-digest', 'SHA256', '-macopt', `hexkey:${mac.toString('hex')}`, '-in', p, 'HMAC'])).subarray(0, 16);
  };
  // The omap value of the first object (nid 1): group 'M' + nid + '.', key = group + omap key.
  const group = Buffer.concat([Buffer.from('M'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from('.')]);
  const key = Buffer.concat([group, Buffer.from(S.omapKey)]);
  const phys = Buffer.concat([Buffer.from('M'), await hmac(Buffer.concat([Buffer.from('g'), group])), await hmac(Buffer.concat([Buffer.from('k'), key]))]);
  const db = new Level<Buffer, Buffer>(join(f.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  t.teardown(() => db.close());
  const stored = await db.get(phys);
  t.ok(stored, 'the record is under the documented key');
  const d = createDecipheriv('aes-256-gcm', aead, stored!.subarray(0, 12));
  d.setAAD(phys);
  d.setAuthTag(stored!.subarray(stored!.length - 16));
  const plain = Buffer.concat([d.update(stored!.subarray(12, stored!.length - 16)), d.final()]);
  t.equal(plain.readUInt32LE(0), key.length);
  t.same(plain.subarray(4, 4 + key.length), key);
  t.equal(plain.subarray(4 + key.length).toString(), S.omapVal);
});

t.test('SealedKV: ordered ranges, tiny index budget, writes during a build, moved records refused', async (t) => {
  const dir = tempDir('ts-sealed-kv-');
  t.teardown(dir.cleanup);
  const db = new Level<Buffer, Buffer>(join(dir.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  t.teardown(() => db.close());
  const keys = deriveMetaKeys(Buffer.alloc(64, 7), 'fsid');
  const group = Buffer.from('M\0\0\0\0\0\0\0\x09.', 'latin1');
  const k = (s: string) => Buffer.concat([group, Buffer.from(s, 'utf8')]);
  // Written out of order; expected order written by hand (UTF-8 byte order: 'B' < 'a' < 'é').
  const names = ['b', 'a', 'é', 'B', 'aa', 'a\0z', ''];
  const expected = ['', 'B', 'a', 'a\0z', 'aa', 'b', 'é'];
  for (const budget of [64 * 1024 * 1024, 0]) {
    const kv = new SealedKV(db, keys, budget);
    await kv.write(names.map((n) => ({ type: 'put' as const, key: k(n), value: Buffer.from(`v-${n}`) })), false);
    const list = async (r = {}) => {
      const out: string[] = [];
      for await (const [key, v] of kv.range(group, r)) {
        t.equal(v.toString(), `v-${key.subarray(group.length).toString()}`);
        out.push(key.subarray(group.length).toString());
      }
      return out;
    };
    t.same(await list(), expected, `whole group (budget ${budget})`);
    t.same(await list({ gt: k('a'), limit: 3 }), ['a\0z', 'aa', 'b'], 'after a, three');
    t.same(await list({ gte: k('a'), lt: k('b') }), ['a', 'a\0z', 'aa'], 'prefix a');
    // A write that completes while the index is built is seen by it.
    const w = kv.write([{ type: 'put', key: k('ab'), value: Buffer.from('v-ab') }, { type: 'del', key: k('aa') }], false);
    const during = list({ gte: k('a'), limit: 10 });
    await w;
    t.same(await list({ gte: k('a'), limit: 10 }), ['a', 'a\0z', 'ab', 'b', 'é'], 'after the write');
    await during;
    await kv.write([{ type: 'del', key: k('ab') }, { type: 'put', key: k('aa'), value: Buffer.from('v-aa') }], false);
  }
  // Two indexed groups over a budget that holds one: the least recently used one is dropped.
  const small = new SealedKV(db, keys, 600);
  const group2 = Buffer.from('M\0\0\0\0\0\0\0\x0a.', 'latin1');
  await small.write(names.map((n) => ({ type: 'put' as const, key: Buffer.concat([group2, Buffer.from(n)]), value: Buffer.from('x') })), false);
  for await (const _ of small.range(group, { limit: 1 }));
  t.ok(small.indexedBytes > 0 && small.indexedBytes <= 600, `one group indexed (${small.indexedBytes} bytes)`);
  const first = small.indexedBytes;
  for await (const _ of small.range(group2, { limit: 1 }));
  t.equal(small.indexedBytes, first, 'the second replaced the first within the budget');
  const kv = new SealedKV(db, keys);
  const pa = kv.physKey(k('a'));
  const pb = kv.physKey(k('b'));
  await db.put(pb, (await db.get(pa))!);
  await t.rejects(kv.get(k('b')), { code: 'EIO' }, 'a record moved under another key fails authentication');
  const other = new SealedKV(db, deriveMetaKeys(Buffer.alloc(64, 8), 'fsid'));
  t.equal(await other.get(k('a')), undefined, 'another key finds nothing under its tags');
});

t.test('a damaged sealed record: reads fail with EIO, fsck reports it; a wrong or missing check record refuses the mount', async (t) => {
  const f = await fresh(true);
  t.teardown(f.cleanup);
  await fill(f.store);
  const fsid = f.store.sb.fsid;
  await f.store.umount();
  const keys = deriveMetaKeys((await luksOpen(join(f.path, 'block'), pass)).volumeKey, fsid);
  const db = new Level<Buffer, Buffer>(join(f.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const omapKey = Buffer.concat([Buffer.from('M'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from('.'), Buffer.from(S.omapKey)]);
  const phys = new SealedKV(db, keys).physKey(omapKey);
  const v = Buffer.from((await db.get(phys))!);
  v[v.length - 20]! ^= 1;
  await db.put(phys, v);
  const sealed = (await db.get(Buffer.from('S:sealed')))!;
  await db.close();

  let s = new NativeStore(f.opts);
  await s.mount();
  await t.rejects(s.omapGet(C, obj(S.name)), { code: 'EIO' });
  const r = await s.fsck(false);
  t.equal(r.errors, 1);
  t.match(r.problems[0], /^metadata: sealed metadata record [0-9a-f]+: authentication failed/);
  await s.umount();

  const db2 = new Level<Buffer, Buffer>(join(f.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db2.open();
  const bad = Buffer.from(sealed);
  bad[bad.length - 1]! ^= 1;
  await db2.put(Buffer.from('S:sealed'), bad);
  await db2.close();
  s = new NativeStore(f.opts);
  await t.rejects(s.mount(), { code: 'EIO', message: /sealed metadata does not match/ });

  // Without the record an encrypted store is refused, never mounted to write in the clear.
  const db3 = new Level<Buffer, Buffer>(join(f.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db3.open();
  await db3.del(Buffer.from('S:sealed'));
  await db3.close();
  s = new NativeStore(f.opts);
  await t.rejects(s.mount(), { code: 'EIO', message: /without sealed metadata/ });
});
