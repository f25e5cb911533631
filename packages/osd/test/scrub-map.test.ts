import t from 'tap';
import { crc32c } from '@ts-ceph/denc';
import { MemStore, Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { OI_ATTR, OI_FLAG, encodeObjectInfo, newObjectInfo } from '../src/core/object-info';
import { OBJ_ERR, SHARD_ERR, ScrubMap, ScrubObject, compareScrubMaps, scrubObject, selectAuth } from '../src/core/peering/scrub-map';
import { decodePeerMessage, encodePeerMessage } from '../src/core/peering/messages';

const soid = ghobject({ name: 'obj', pool: 1 });
const data = Buffer.from('123456789');
/**
 * Ceph's data digest is ceph_crc32c(-1, data) without the final inversion: the complement of the
 * standard CRC-32C check value of "123456789" (0xe3069283, RFC 3720 appendix B.4).
 */
const digest = ~0xe3069283 >>> 0;

/** An object_info_t for `data` at version `v`, with the data digest recorded when `withDigest`. */
function oiBytes(v: number, size = data.length, withDigest = true): Buffer {
  const oi = newObjectInfo();
  oi.version = { epoch: 5, version: BigInt(v) };
  oi.size = size;
  if (withDigest) {
    oi.flags |= OI_FLAG.DATA_DIGEST;
    oi.dataDigest = digest;
  }
  return encodeObjectInfo(oi, soid);
}
const shard = (o: Partial<ScrubObject> = {}, oi = oiBytes(7)): ScrubObject => ({
  size: data.length,
  attrs: new Map([[OI_ATTR, oi], ['_user', Buffer.from('u')]]),
  dataDigest: digest,
  omapDigest: 0xffffffff,
  ...o,
});
const maps = (...objs: (ScrubObject | undefined)[]): Map<number, ScrubMap> => new Map(objs.map((o, i) => [i, o ? new Map([['k', o]]) : new Map()]));

t.test('identical shards: nothing to report', async (t) => {
  const r = compareScrubMaps(maps(shard(), shard(), shard()), [0, 1, 2], true);
  t.same(r, { inconsistent: [], repairs: [] });
});

t.test('a flipped replica: data_digest_mismatch_info on it, data_digest_mismatch on the object, repaired from the primary', async (t) => {
  const r = compareScrubMaps(maps(shard(), shard({ dataDigest: digest ^ 1 }), shard()), [0, 1, 2], true);
  t.equal(r.inconsistent.length, 1);
  const i = r.inconsistent[0]!;
  t.equal(i.errors, OBJ_ERR.DATA_DIGEST_MISMATCH);
  t.equal(i.unionShardErrors, SHARD_ERR.DATA_DIGEST_MISMATCH_INFO);
  t.equal(i.authOsd, 0);
  t.same(i.shards.map((s) => [s.osd, s.errors, s.selectedOi, s.primary]), [[0, 0, true, true], [1, SHARD_ERR.DATA_DIGEST_MISMATCH_INFO, false, false], [2, 0, false, false]]);
  t.same(r.repairs, [{ key: 'k', from: 0, to: [1] }]);
});

t.test('a flipped primary: the replica agreeing with object_info is authoritative', async (t) => {
  const r = compareScrubMaps(maps(shard({ dataDigest: 1 }), shard(), shard()), [0, 1, 2], true);
  t.equal(r.inconsistent[0]!.authOsd, 1);
  t.same(r.repairs, [{ key: 'k', from: 1, to: [0] }]);
});

t.test('without a recorded digest, a shallow scrub misses a flip and a deep one finds it by comparison', async (t) => {
  const oi = oiBytes(7, data.length, false);
  const m = maps(shard({}, oi), shard({ dataDigest: 5 }, oi), shard({}, oi));
  const deep = compareScrubMaps(m, [0, 1, 2], true);
  t.equal(deep.inconsistent[0]!.errors, OBJ_ERR.DATA_DIGEST_MISMATCH);
  t.equal(deep.inconsistent[0]!.unionShardErrors, 0, 'no digest in object_info: no *_info error');
  t.same(deep.repairs, [{ key: 'k', from: 0, to: [1] }]);
  t.same(compareScrubMaps(m, [0, 1, 2], false).inconsistent, []);
  t.same(compareScrubMaps(m, [0, 1, 2], true, true).inconsistent, [], 'the planted bug skips the compare');
});

t.test('missing, size, attrs, omap and object_info kinds', async (t) => {
  const miss = compareScrubMaps(maps(shard(), undefined, shard()), [0, 1, 2], false);
  t.equal(miss.inconsistent[0]!.unionShardErrors, SHARD_ERR.SHARD_MISSING);
  t.same(miss.repairs, [{ key: 'k', from: 0, to: [1] }]);

  const size = compareScrubMaps(maps(shard(), shard({ size: 3 }), shard()), [0, 1, 2], false).inconsistent[0]!;
  t.equal(size.errors, OBJ_ERR.SIZE_MISMATCH);
  t.equal(size.unionShardErrors, SHARD_ERR.SIZE_MISMATCH_INFO);

  const attrs = shard();
  attrs.attrs.set('_user', Buffer.from('v'));
  t.equal(compareScrubMaps(maps(shard(), attrs, shard()), [0, 1, 2], false).inconsistent[0]!.errors, OBJ_ERR.ATTR_VALUE_MISMATCH);
  const extra = shard();
  extra.attrs.set('_more', Buffer.alloc(0));
  t.equal(compareScrubMaps(maps(shard(), extra, shard()), [0, 1, 2], false).inconsistent[0]!.errors, OBJ_ERR.ATTR_NAME_MISMATCH);

  t.equal(compareScrubMaps(maps(shard(), shard({ omapDigest: 9 }), shard()), [0, 1, 2], true).inconsistent[0]!.errors, OBJ_ERR.OMAP_DIGEST_MISMATCH);

  const noInfo = shard();
  noInfo.attrs.delete(OI_ATTR);
  const ni = compareScrubMaps(maps(noInfo, shard(), shard()), [0, 1, 2], false).inconsistent[0]!;
  t.equal(ni.shards[0]!.errors, SHARD_ERR.INFO_MISSING);
  t.equal(ni.authOsd, 1, 'a shard without object_info never wins');
  const bad = shard({}, Buffer.from([1, 2, 3]));
  t.equal(compareScrubMaps(maps(bad, shard(), shard()), [0, 1, 2], false).inconsistent[0]!.shards[0]!.errors, SHARD_ERR.INFO_CORRUPTED);

  const read = compareScrubMaps(maps(shard(), shard({ readError: true }), shard()), [0, 1, 2], true).inconsistent[0]!;
  t.equal(read.unionShardErrors, SHARD_ERR.SHARD_READ_ERR);
});

t.test('auth selection: the object_info most qualifying shards share, ties to the primary', async (t) => {
  const older = oiBytes(6);
  const s = (osds: ScrubObject[]): Map<number, ScrubObject> => new Map(osds.map((o, i) => [i, o]));
  t.equal(selectAuth(s([shard({}, older), shard(), shard()]), [0, 1, 2], true), 1, 'two shards at version 7 outvote the primary');
  t.equal(selectAuth(s([shard({}, older), shard()]), [0, 1], true), 0, 'a tie goes to the primary');
  t.equal(selectAuth(s([shard({ size: 1 }), shard({ size: 1 })]), [0, 1], true), -1, 'no shard agrees with its object_info');
  const r = compareScrubMaps(maps(shard({}, older), shard(), shard()), [0, 1, 2], false).inconsistent[0]!;
  t.equal(r.errors, OBJ_ERR.OBJECT_INFO_INCONSISTENCY);
});

t.test('scrubObject reads a store: digests of data and omap, absent objects', async (t) => {
  const store = new MemStore();
  await store.mkfs();
  await store.mount();
  const coll = collPG(1, 0);
  await store.queueTransaction(new Transaction().createCollection(coll, 0).touch(coll, soid).write(coll, soid, 0, data).setattrs(coll, soid, new Map([[OI_ATTR, oiBytes(7)]])));
  const deep = (await scrubObject(store, coll, soid, true))!;
  t.equal(deep.size, data.length);
  t.equal(deep.dataDigest, digest);
  t.equal(deep.omapDigest, crc32c(0xffffffff, Buffer.from([0, 0, 0, 0])), 'an empty omap digests its empty header');
  const shallow = (await scrubObject(store, coll, soid, false))!;
  t.equal(shallow.dataDigest, undefined);
  t.equal(await scrubObject(store, coll, ghobject({ name: 'none', pool: 1 }), true), undefined);
});

t.test('scrub payloads round-trip and are checked', async (t) => {
  const m = { type: 'scrub_map' as const, pgid: [1, 0] as [number, number], interval: 3, tid: 2, objects: [[Buffer.from('o'), 5, [['_', Buffer.from('x')]], -1, 7, false]] as never };
  t.same(decodePeerMessage(encodePeerMessage(m)), m);
  t.throws(() => decodePeerMessage(encodePeerMessage({ ...m, objects: [[Buffer.from('o'), -2, [], -1, -1, false]] } as never)), /objects/);
  const req = { type: 'repair_pull' as const, pgid: [1, 0] as [number, number], interval: 3, oid: Buffer.from('o'), to: [1, 2] };
  t.same(decodePeerMessage(encodePeerMessage(req)), req);
});
