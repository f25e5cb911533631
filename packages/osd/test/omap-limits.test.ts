/**
 * omap-get-keys and omap-get-vals cut max_return to osd_max_omap_entries_per_request (1024) and set
 * the reply's more flag, as a real 16.2.15 OSD answered python3-rados' get_omap_vals(max_return=2000)
 * on 1500 keys with 1024 of them (test/acceptance/osd-python.test.ts).
 */
import t from 'tap';
import { Writer } from '@ts-ceph/denc';
import { CephOsdFlag, CephOsdOp, encodeOmapSetVals, omapGetKeysReply, omapGetValsReply, osdOp } from '@ts-ceph/messages';
import { harness, req } from './lib/harness';

const keyOf = (i: number): string => `k${String(i).padStart(5, '0')}`;

t.test('omap reads return at most 1024 entries and say there are more', async (t) => {
  const h = await harness();
  const kv = new Map<string, Buffer>();
  for (let i = 0; i < 1500; i++) kv.set(keyOf(i), Buffer.from('v'));
  let r = await h.run(req('om', [osdOp(CephOsdOp.OMAPSETVALS, { data: encodeOmapSetVals(kv) })]));
  t.equal(r.result, 0, 'omap-set-vals of 1500 keys');
  // omap-get-vals in: start_after "", max_return 2000, filter_prefix "".
  const vals = new Writer().string('').u64(2000n).string('').finish();
  r = await h.run(req('om', [osdOp(CephOsdOp.OMAPGETVALS, { data: vals })], { flags: CephOsdFlag.READ }));
  const got = omapGetValsReply(r.ops[0]!);
  t.same([r.result, got.vals.size, got.more, [...got.vals.keys()].at(-1)], [0, 1024, true, keyOf(1023)], 'get-vals: the first 1024, more');
  // omap-get-keys in: start_after "k00100", max_return 2000.
  const keys = new Writer().string(keyOf(100)).u64(2000n).finish();
  r = await h.run(req('om', [osdOp(CephOsdOp.OMAPGETKEYS, { data: keys })], { flags: CephOsdFlag.READ }));
  const k = omapGetKeysReply(r.ops[0]!);
  t.same([r.result, k.keys.length, k.more, k.keys[0], k.keys.at(-1)], [0, 1024, true, keyOf(101), keyOf(1124)], 'get-keys after k00100: 1024, more');
  // The last page: 375 keys after k01124, nothing more.
  r = await h.run(req('om', [osdOp(CephOsdOp.OMAPGETKEYS, { data: new Writer().string(keyOf(1124)).u64(2000n).finish() })], { flags: CephOsdFlag.READ }));
  const last = omapGetKeysReply(r.ops[0]!);
  t.same([last.keys.length, last.more], [375, false], 'the last page');
});
