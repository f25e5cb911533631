/**
 * The tmap ops through the op engine. The TMAPUP and TMAPGET vectors are golden: the same command
 * streams sent with librados 16.2.15's C API (rados_tmap_update / rados_tmap_get through ctypes) to
 * the real reference cluster's OSD, and the object read back with rados_read; ts-osd gave the same
 * rvals and bytes. The other expectations are built by hand from the layout (core/tmap.ts).
 */
import t from 'tap';
import { Errno } from '@ts-ceph/common';
import { Writer } from '@ts-ceph/denc';
import { CephOsdFlag, CephOsdOp, osdOp, osdOpRead } from '@ts-ceph/messages';
import { harness, req } from './lib/harness';
import { decodeTmap, encodeTmap, tmapUpdate } from '../src/core/tmap';

const s = (b: string) => new Writer().blob(Buffer.from(b)).finish();
const cmd = (op: string, key: string, val?: string) => Buffer.concat([Buffer.from(op), s(key), ...(val === undefined ? [] : [s(val)])]);
const hex = (h: string) => Buffer.from(h, 'hex');

/** From the reference cluster (rados_read after each step). */
const afterSetABC = hex('0000000003000000010000006101000000410100000062010000004201000000630100000043');
const afterHdrRmA = hex('040000004845414403000000010000006201000000420100000063010000004301000000640100000044');
const afterUnsorted = hex('040000004845414405000000010000006201000000420200000062320200000042320100000063010000004301000000640100000044010000007a010000005a');

t.test('TMAPUP and TMAPGET as the reference OSD answers them', async (t) => {
  const h = await harness();
  const up = async (cmds: Buffer) => (await h.run(req('t1', [osdOp(CephOsdOp.TMAPUP, { data: cmds })]))).result;
  const read = async () => (await h.run(req('t1', [osdOpRead(0, 0)], { flags: CephOsdFlag.READ }))).ops[0]!.data;
  const get = () => h.run(req('t1', [osdOp(CephOsdOp.TMAPGET)], { flags: CephOsdFlag.READ }));

  t.equal((await get()).result, -Errno.ENOENT, 'TMAPGET of a missing object');
  t.equal(await up(Buffer.alloc(0)), 0, 'an empty update is a no-op');
  t.equal((await get()).result, -Errno.ENOENT, '... that creates nothing');
  t.equal(await up(cmd('s', 'b', 'B')), 0, 'the first set creates the object');
  t.equal(await up(Buffer.concat([cmd('s', 'a', 'A'), cmd('s', 'c', 'C')])), 0);
  t.same(await read(), afterSetABC);
  t.equal(await up(cmd('c', 'b', 'x')), -Errno.EEXIST, 'create of a present key');
  t.equal(await up(cmd('c', 'd', 'D')), 0);
  t.equal(await up(cmd('r', 'zz')), -Errno.ENOENT, 'rm of an absent key');
  t.equal(await up(cmd('R', 'zz')), 0, 'rmsloppy of an absent key');
  t.equal(await up(Buffer.concat([Buffer.from('h'), s('HEAD'), cmd('r', 'a')])), 0, 'a new header, then rm');
  t.same(await read(), afterHdrRmA);
  t.equal(await up(Buffer.concat([cmd('s', 'z', 'Z'), cmd('s', 'b2', 'B2')])), 0, 'keys out of order: the slow path');
  t.same(await read(), afterUnsorted, 'written out sorted');
  t.equal(await up(Buffer.concat([cmd('s', 'y', ''), cmd('c', 'e', 'E')])), -Errno.EINVAL, 'the slow path knows no create');
  t.equal(await up(cmd('x', 'q')), -Errno.EINVAL, 'an unknown op');
  t.equal(await up(cmd('s', 'q')), -Errno.EINVAL, 'a set without its value');
  t.same(await read(), afterUnsorted, 'failed updates change nothing');
  const g = await get();
  t.same([g.result, g.ops[0]!.data], [0, afterUnsorted], 'TMAPGET answers the whole object');
});

t.test('TMAPUP keeps what it does not touch byte for byte (the sorted path)', (t) => {
  // A key count that disagrees with the entries and bytes after them stay as they were.
  const odd = Buffer.concat([s(''), Buffer.from([5, 0, 0, 0]), s('k'), s('v'), Buffer.from('tail')]);
  const u = tmapUpdate(odd, cmd('s', 'a', '1'));
  t.same(u, { rval: 0, data: Buffer.concat([s(''), Buffer.from([6, 0, 0, 0]), s('a'), s('1'), s('k'), s('v'), Buffer.from('tail')]) });
  const noTail = odd.subarray(0, odd.length - 4);
  t.same(tmapUpdate(noTail, cmd('s', 'k', '2')).data, Buffer.concat([s(''), Buffer.from([5, 0, 0, 0]), s('k'), s('2')]), 'a replaced key: the count goes down and up again');
  t.throws(() => tmapUpdate(odd, cmd('s', 'k', '2')), 'stepping past k decodes the tail as a key: EINVAL, as Ceph');
  t.throws(() => tmapUpdate(Buffer.from([9, 0, 0, 0]), cmd('s', 'a', '1')), 'an undecodable object (EINVAL in the op)');
  t.end();
});

t.test('TMAPPUT writes a sorted map as sent and sorts an unsorted one', async (t) => {
  const h = await harness();
  const put = async (oid: string, data: Buffer) => (await h.run(req(oid, [osdOp(CephOsdOp.TMAPPUT, { data })]))).result;
  const read = async (oid: string) => (await h.run(req(oid, [osdOpRead(0, 0)], { flags: CephOsdFlag.READ }))).ops[0]!.data;
  const sorted = Buffer.concat([s('H'), Buffer.from([1, 0, 0, 0]), s('k'), s('v'), Buffer.from('junk')]);
  t.equal(await put('a', sorted), 0);
  t.same(await read('a'), sorted, 'bytes after the entries are kept');
  const unsorted = Buffer.concat([s('H'), Buffer.from([3, 0, 0, 0]), s('b'), s('1'), s('a'), s('2'), s('a'), s('3')]);
  t.equal(await put('b', unsorted), 0);
  t.same(await read('b'), Buffer.concat([s('H'), Buffer.from([2, 0, 0, 0]), s('a'), s('2'), s('b'), s('1')]), 'sorted, the first of a duplicate key kept');
  t.equal(await put('c', Buffer.from([5, 0])), -Errno.EINVAL, 'undecodable');
  t.equal(await put('d', Buffer.concat([unsorted, Buffer.from('x')])), -Errno.EINVAL, 'unsorted with trailing bytes');
});

t.test('TMAP2OMAP moves the map into the omap', async (t) => {
  const h = await harness();
  const conv = async (oid: string, flags = 0) => {
    const args = Buffer.alloc(28);
    args[0] = flags;
    return (await h.run(req(oid, [osdOp(CephOsdOp.TMAP2OMAP, { args })]))).result;
  };
  await h.run(req('m', [osdOp(CephOsdOp.TMAPPUT, { data: encodeTmap(Buffer.from('hdr'), [[Buffer.from('b'), Buffer.from('2')], [Buffer.from('a'), Buffer.from('1')]]) })]));
  t.equal(await conv('m'), 0);
  const vals = await h.run(req('m', [osdOp(CephOsdOp.OMAPGETVALS, { data: new Writer().string('').u64(100n).string('').finish() }), osdOp(CephOsdOp.OMAPGETHEADER), osdOp(CephOsdOp.STAT)], { flags: CephOsdFlag.READ }));
  const expect = new Writer().u32(2).string('a').blob(Buffer.from('1')).string('b').blob(Buffer.from('2')).u8(0).finish();
  t.same(vals.ops[0]!.data, expect, 'omap a=1, b=2');
  t.same(vals.ops[1]!.data, Buffer.from('hdr'), 'the tmap header is the omap header');
  t.equal(vals.ops[2]!.data.readBigUInt64LE(0), 0n, 'the data is gone');
  t.equal(await conv('m'), -Errno.ENODATA, 'nothing left to convert');
  t.equal(await conv('m', 1), 0, 'NULLOK');
  t.same(decodeTmap(encodeTmap(Buffer.alloc(0), [])), { header: Buffer.alloc(0), entries: [] }, 'an empty tmap round-trips');
});
