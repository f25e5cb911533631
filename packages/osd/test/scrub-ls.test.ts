import t from 'tap';
import { Writer } from '@ts-ceph/denc';
import { ghobject } from '@ts-ceph/objectstore';
import { OBJ_ERR, SHARD_ERR, InconsistentObj } from '../src/core/peering/scrub-map';
import { encodeScrubLsArg, scrubLs } from '../src/core/peering/scrub-ls';
import { newScrubState, scrubStateBits } from '../src/core/peering/scrub';
import { PG_STATE, pgStateString } from '../src/core/peering/pg-state';

const le32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const le64 = (n: number): number[] => [...le32(n), 0, 0, 0, 0];
const str = (s: string): number[] => [...le32(s.length), ...Buffer.from(s)];
/** ENCODE_START(v, compat) + u32 length, around `body`. */
const env = (v: number, compat: number, body: number[]): number[] => [v, compat, ...le32(body.length), ...body];

const oid = ghobject({ name: 'foo', pool: 1 });
const obj: InconsistentObj = {
  key: 'k',
  oid,
  version: 7n,
  errors: OBJ_ERR.DATA_DIGEST_MISMATCH,
  unionShardErrors: SHARD_ERR.SHARD_MISSING,
  authOsd: 0,
  shards: [
    { osd: 2, primary: false, errors: SHARD_ERR.SHARD_MISSING, selectedOi: false, attrs: [] },
    { osd: 0, primary: true, errors: 0, size: 3, dataDigest: 0x11223344, omapDigest: undefined, selectedOi: true, attrs: [['_', Buffer.from([9])]] },
  ],
};
const arg = (over: Partial<{ interval: number; getSnapsets: number; name: string; max: bigint }> = {}): Buffer => {
  const w = new Writer();
  encodeScrubLsArg(w, { interval: over.interval ?? 0, getSnapsets: over.getSnapsets ?? 0, startAfter: { name: over.name ?? '', nspace: '', snap: over.name ? 0xfffffffffffffffen : 0n }, maxReturn: over.max ?? 100n });
  return w.finish();
};

t.test('SCRUBLS: scrub_ls_result_t holding inconsistent_obj_wrapper, byte for byte (src/common/scrub_types.cc)', async (t) => {
  const s = newScrubState();
  s.lastScrubStamp = 10;
  s.inconsistent.set('k', obj);
  const r = scrubLs(s, 42, arg());
  t.equal(r.result, 0);
  const shard0 = [...env(1, 1, [...le32(0), 0xff]), ...env(3, 3, [...le64(0), 1, ...le32(1), ...str('_'), ...le32(1), 9, ...le64(3), 0, ...le32(0), 1, ...le32(0x11223344), 1])];
  const shard2 = [...env(1, 1, [...le32(2), 0xff]), ...env(3, 3, [...le64(SHARD_ERR.SHARD_MISSING), 0])];
  const objectId = env(1, 1, [...str('foo'), ...str(''), ...str(''), ...le32(0xfffffffe), 0xff, 0xff, 0xff, 0xff]);
  const wrapper = env(2, 2, [...le64(OBJ_ERR.DATA_DIGEST_MISMATCH), ...objectId, ...le64(7), ...le32(2), ...shard0, ...shard2, ...le64(SHARD_ERR.SHARD_MISSING)]);
  const expected = env(1, 1, [...le32(42), ...le32(1), ...le32(wrapper.length), ...wrapper]);
  t.same([...r.out], expected);
});

t.test('SCRUBLS: EAGAIN for another interval, ENOENT before a scrub, EINVAL for garbage, paging', async (t) => {
  const s = newScrubState();
  t.equal(scrubLs(s, 42, arg()).result, -2);
  s.lastScrubStamp = 1;
  t.equal(scrubLs(s, 42, arg({ interval: 41 })).result, -11);
  t.equal(scrubLs(s, 42, Buffer.from([1, 2])).result, -22);
  s.inconsistent.set('k', obj);
  s.inconsistent.set('k2', { ...obj, oid: ghobject({ name: 'goo', pool: 1 }) });
  const count = (b: Buffer): number => b.readUInt32LE(10);
  t.equal(count(scrubLs(s, 42, arg()).out), 2);
  t.equal(count(scrubLs(s, 42, arg({ max: 1n })).out), 1);
  t.equal(count(scrubLs(s, 42, arg({ name: 'foo' })).out), 1, 'after foo (its head, snap CEPH_NOSNAP, as librados passes the last object back) comes goo');
  t.equal(count(scrubLs(s, 42, arg({ getSnapsets: 1 })).out), 0, 'no snapset inconsistencies are kept');
});

t.test('scrub state bits: what `ceph pg ls` prints while a repair runs and after errors', async (t) => {
  const s = newScrubState();
  const clean = PG_STATE.ACTIVE | PG_STATE.CLEAN;
  t.equal(pgStateString(clean | scrubStateBits(s)), 'active+clean');
  s.active = { deep: true, repair: true, interval: 1, chunks: [], errors: 0, fixed: 0, from: { epoch: 0, version: 0n }, deepErrors: 0 };
  t.equal(pgStateString(clean | scrubStateBits(s)), 'active+clean+scrubbing+deep+repair');
  s.active = undefined;
  s.numScrubErrors = 1;
  t.equal(pgStateString(clean | scrubStateBits(s)), 'active+clean+inconsistent');
});
