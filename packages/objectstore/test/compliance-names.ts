// The compliance suite's names case (compliance.ts runs it on every store): omap keys, xattr names
// and object names are bytes in Ceph, not UTF-8 (denc's string-bytes.ts keeps every byte). The
// expected orders come from Buffer.compare on the bytes the test chose, never from the store.
import { randomBytes } from 'node:crypto';
import { stringFromBytes, stringToBytes } from '@ts-ceph/denc';
import type { Test } from 'tap';
import { collPG, ghobject, ghobjectMax, ghobjectMin, GHObject, ObjectStore, Transaction } from '../src';
import type { StoreFixture } from './compliance';

const C = collPG(1, 0x2a);
const obj = (name: string, extra: Partial<GHObject> = {}): GHObject => ghobject({ pool: 1, name, hash: 0x1234, ...extra });

export async function binaryNames(t: Test, f: StoreFixture): Promise<void> {
  if (!(await f.store.collectionExists(C))) await f.store.queueTransaction(new Transaction().createCollection(C, 5));
  const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
  // Keys as Ceph clients send them: radosgw's 0x80 namespace, stray bytes, a cut '€' (e2 82) and the
  // whole one (e2 82 ac), a NUL, 128 random bytes. The expected order is Buffer.compare's on these bytes.
  const keys = [hex('80 31303030 5f6f626a'), hex('fffe'), hex('61 e282'), hex('e282ac'), hex('61'), hex('61 00 ff'), hex('c3a9'), randomBytes(128)];
  const sorted = [...keys].sort(Buffer.compare);
  const attrNames = [hex('5f ff'), hex('5f 80 78'), hex('5f c3a9')];
  const names = [hex('ff 00 41'), hex('61'), hex('c3a9')];
  const o = obj(stringFromBytes(hex('6f 80 ff')));
  const kv = new Map(keys.map((k, i) => [stringFromBytes(k), Buffer.from([i])]));
  const attrs = new Map(attrNames.map((k, i) => [stringFromBytes(k), Buffer.from([0xa0 + i])]));
  const tx = new Transaction().touch(C, o).omapSetKeys(C, o, kv).setattrs(C, o, attrs);
  for (const n of names) tx.touch(C, obj(stringFromBytes(n), { hash: 0x77 }));
  await f.store.queueTransaction(tx);
  const check = async (store: ObjectStore, when: string): Promise<void> => {
    t.same((await store.omapGetKeys(C, o)).map(stringToBytes), sorted, `${when}: keys listed byte-exact, in byte order`);
    const vals = await store.omapGetValues(C, o, keys.map((k) => stringFromBytes(k)));
    t.same(keys.map((k) => vals.get(stringFromBytes(k))), keys.map((_, i) => Buffer.from([i])), `${when}: each key's value read back`);
    const page = await store.omapGetValsAfter(C, o, stringFromBytes(hex('61 e2')), 2);
    const next = sorted.filter((k) => Buffer.compare(k, hex('61 e2')) > 0).slice(0, 2);
    t.same([...page.values.keys()].map(stringToBytes), next, `${when}: paging after a cut sequence`);
    const got = await store.getattrs(C, o);
    t.same([...got.keys()].map(stringToBytes).sort(Buffer.compare), [...attrNames].sort(Buffer.compare), `${when}: xattr names byte-exact`);
    t.same(await store.getattr(C, o, stringFromBytes(hex('5f 80 78'))), Buffer.from([0xa1]), `${when}: getattr by a binary name`);
    const listed = (await store.collectionList(C, ghobjectMin(), ghobjectMax(), 100)).objects.filter((x) => x.hash === 0x77);
    t.same(listed.map((x) => stringToBytes(x.name)), [hex('61'), hex('c3a9'), hex('ff 00 41')], `${when}: objects listed in name byte order`);
    t.equal(await store.exists(C, o), true, `${when}: the binary-named object is there`);
  };
  await check(f.store, 'mounted');
  // [61 e2, e2 82 ac) takes '61 e282', the 0x80 key and 'c3a9' (and the random one if it falls there); 'e282ac' stays.
  const lo = hex('61 e2');
  const hi = hex('e282ac');
  const inRange = (k: Buffer): boolean => Buffer.compare(k, lo) >= 0 && Buffer.compare(k, hi) < 0;
  await f.store.queueTransaction(new Transaction().omapRmKeyRange(C, o, stringFromBytes(lo), stringFromBytes(hi)).omapRmKeys(C, o, [stringFromBytes(hex('fffe'))]));
  const gone = keys.filter((k) => inRange(k) || k.equals(hex('fffe')));
  t.ok(gone.length >= 4, 'the range holds binary keys');
  t.same((await f.store.omapGetKeys(C, o)).map(stringToBytes), sorted.filter((k) => !gone.includes(k)), 'range and key removal by binary keys');
  // Put back as they were, so the remount sees the same state as the first check.
  await f.store.queueTransaction(new Transaction().omapSetKeys(C, o, new Map(gone.map((k) => [stringFromBytes(k), Buffer.from([keys.indexOf(k)])]))));
  if (f.remount) await check(await f.remount(), 'after remount');
}
