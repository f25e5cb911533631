/**
 * The scrubber's cluster-log lines against Ceph's wording (PGBackend.cc be_select_auth_object and
 * be_compare_scrub_objects, pg_scrubber.cc scrub_finish), the expected text written out here by
 * hand, and the scrub outcome kept in pg_info_t across an encode/decode (a restart).
 */
import t from 'tap';
import { collPG, ghobject } from '@ts-ceph/objectstore';
import { OI_ATTR, OI_FLAG, encodeObjectInfo, newObjectInfo } from '../src/core/object-info';
import { compareScrubMaps, ScrubObject } from '../src/core/peering/scrub-map';
import { finishLine, formatObjectInfo, inconsistentLines } from '../src/core/peering/scrub-log';
import { PG, decodeInfo, encodeInfo } from '../src/core/pg';

// "foo" in pool 1: rjenkins hash 0x7fc1f406, printed bit-reversed as hobject_t does.
const soid = ghobject({ name: 'foo', pool: 1, hash: 0x7fc1f406 });
const oi = newObjectInfo();
oi.version = { epoch: 12, version: 3n };
oi.userVersion = 3n;
oi.size = 4;
oi.flags = OI_FLAG.DIRTY | OI_FLAG.DATA_DIGEST;
oi.dataDigest = 0xf5fba2c6;
oi.lastReqid = { name: { type: 8, num: 4123 }, tid: 1n, inc: 0 };
const oiBytes = encodeObjectInfo(oi, soid);
const shard = (o: Partial<ScrubObject>): ScrubObject => ({ size: 4, attrs: new Map([[OI_ATTR, oiBytes]]), dataDigest: 0xf5fba2c6, omapDigest: 0xffffffff, ...o });

t.test('object_info_t and hobject_t as Ceph prints them', async (t) => {
  t.equal(formatObjectInfo(soid, oi), "1:602f83fe:::foo:head(12'3 client.4123.0:1 dirty|data_digest s 4 uv 3 dd f5fba2c6 alloc_hint [0 0 0])");
});

t.test('a read error and a digest mismatch, each on its shard', async (t) => {
  const maps = new Map([
    [0, new Map([['k', shard({})]])],
    [1, new Map([['k', shard({ readError: true, dataDigest: undefined, omapDigest: undefined })]])],
    [2, new Map([['k', shard({ dataDigest: 0x5b1a0c0 })]])],
  ]);
  const r = compareScrubMaps(maps, [0, 1, 2], true);
  t.equal(r.inconsistent.length, 1);
  t.same(inconsistentLines('1.0', r.inconsistent[0]!, soid, true), [
    '1.0 shard 1 soid 1:602f83fe:::foo:head : candidate had a read error',
    "1.0 shard 2 soid 1:602f83fe:::foo:head : data_digest 0x5b1a0c0 != data_digest 0xf5fba2c6 from shard 0, data_digest 0x5b1a0c0 != data_digest 0xf5fba2c6 from auth oi 1:602f83fe:::foo:head(12'3 client.4123.0:1 dirty|data_digest s 4 uv 3 dd f5fba2c6 alloc_hint [0 0 0])",
  ]);
  const missing = compareScrubMaps(new Map([[0, new Map([['k', shard({})]])], [1, new Map()]]), [0, 1], false);
  t.same(inconsistentLines('1.0', missing.inconsistent[0]!, soid, false), ['1.0 shard 1 1:602f83fe:::foo:head : missing']);
});

t.test("scrub_finish's summary", async (t) => {
  t.same(finishLine('1.0', 'deep-scrub', 0, false, 0), { error: false, msg: '1.0 deep-scrub ok' });
  t.same(finishLine('1.0', 'deep-scrub', 2, false, 0), { error: true, msg: '1.0 deep-scrub 2 errors' });
  t.same(finishLine('1.0', 'repair', 2, true, 2), { error: true, msg: '1.0 repair 2 errors, 2 fixed' });
});

t.test('the scrub outcome survives a restart in pg_info_t', async (t) => {
  const pg = PG.fresh(collPG(1, 0), { pool: 1, seed: 0 }, 5);
  pg.info.scrub = {
    lastScrub: { epoch: 12, version: 3n },
    lastDeepScrub: { epoch: 11, version: 2n },
    lastScrubStamp: { sec: 1_700_000_100, nsec: 5 },
    lastDeepScrubStamp: { sec: 1_700_000_000, nsec: 0 },
    lastCleanScrubStamp: { sec: 1_699_000_000, nsec: 0 },
    shallowErrors: 1,
    deepErrors: 2,
  };
  t.same(decodeInfo({ pool: 1, seed: 0 }, encodeInfo(pg.info)).scrub, pg.info.scrub);
  t.equal(decodeInfo({ pool: 1, seed: 0 }, encodeInfo({ ...pg.info, scrub: undefined })).scrub, undefined, 'no scrub yet: none');
});
