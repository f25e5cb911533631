/**
 * What the stock 16.2.15 clients revealed (test/acceptance/osd-ops.test.ts): mapext as `rados
 * mapext` sends it (offset 0, length (u64)-1) gives the object's extents as map<u64,u64>, cut at
 * the object's size, and ENOENT for a missing object (a real OSD printed "0\t8" for an 8-byte
 * object where ts-osd answered EOPNOTSUPP); a create of an existing object is a write; a holding
 * cmpxattr gives 1; a write vector that changes nothing logs an ERROR entry; checksum offers xxhash32/64.
 */
import t from 'tap';
import { CephOsdChecksumType, CephOsdCmpxattrMode, CephOsdCmpxattrOp, CephOsdFlag, CephOsdOp, osdOp, osdOpExtent, osdOpWriteFull, osdOpXattr, statReply } from '@ts-ceph/messages';
import { harness, req } from './lib/harness';
import { xxhash32, xxhash64 } from '../src/core/xxhash';
import { PgLogOp } from '../src/core/pg';

t.test('mapext reports the written extent', async (t) => {
  const h = await harness();
  let r = await h.run(req('m', [osdOpWriteFull(Buffer.from('helhello'))]));
  t.equal(r.result, 0);
  r = await h.run(req('m', [osdOpExtent(CephOsdOp.MAPEXT, 0n, 0xffffffffffffffffn)], { flags: CephOsdFlag.READ }));
  // u32 1 entry, u64 offset 0, u64 length 8.
  const want = Buffer.from('01000000' + '0000000000000000' + '0800000000000000', 'hex');
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, want.toString('hex')], 'one extent [0, 8)');
  r = await h.run(req('m', [osdOpExtent(CephOsdOp.MAPEXT, 3n, 2n)], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, '01000000' + '0300000000000000' + '0200000000000000'], 'a sub-range');
  r = await h.run(req('m', [osdOpExtent(CephOsdOp.MAPEXT, 100n, 10n)], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, '00000000'], 'past the end: no extents');
  r = await h.run(req('nope', [osdOpExtent(CephOsdOp.MAPEXT, 0n, 0xffffffffffffffffn)], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -2, 'ENOENT for a missing object');
});

/**
 * `rados touch OBJ 1700000000` sends create(non-exclusive) with the op's mtime set to the timestamp:
 * on an existing object a real 16.2.15 OSD makes that a write (stat then prints the timestamp and
 * the version moves on), where ts-osd answered it as a no-op read and kept the old mtime.
 */
t.test('create of an existing object is a write: new version and the client mtime', async (t) => {
  const h = await harness();
  let r = await h.run(req('c', [osdOpWriteFull(Buffer.from('x'))], { mtime: { sec: 1700000000, nsec: 0 } }));
  t.same([r.result, r.userVersion], [0, 1n]);
  r = await h.run(req('c', [osdOp(CephOsdOp.CREATE)], { mtime: { sec: 1600000000, nsec: 0 } }));
  t.same([r.result, r.userVersion, r.replayVersion], [0, 2n, { epoch: 9, version: 2n }], 'a new version');
  r = await h.run(req('c', [osdOp(CephOsdOp.STAT)], { flags: CephOsdFlag.READ }));
  t.same(statReply(r.ops[0]!), { size: 1n, mtime: { sec: 1600000000, nsec: 0 } }, 'the mtime of the create');
});

/**
 * librados' rados_read_op_cmpxattr (ctypes against librados.so.2): a real 16.2.15 OSD returned 1 for
 * a comparison that holds, as do_xattr_cmp_str's result stays the op vector's; ts-osd returned 0.
 * A vector of only assertions is a read. A write vector that changes nothing (truncate of a missing
 * object) is execute_ctx's update_log_only: an ERROR entry at the PG's next version, the object's
 * user version (0 here) in the reply; a real 16.2.15 OSD's next write then skips a user version
 * (test/acceptance/rados-diff.py: a write after a zero past the end came back 2 versions on).
 */
t.test('cmpxattr gives 1 when it holds; a write that changes nothing logs an ERROR entry', async (t) => {
  const h = await harness();
  const cmp = (value: string, op: number) => osdOpXattr(CephOsdOp.CMPXATTR, 'a', Buffer.from(value), { op, mode: CephOsdCmpxattrMode.STRING });
  let r = await h.run(req('x', [osdOpWriteFull(Buffer.from('d')), osdOpXattr(CephOsdOp.SETXATTR, 'a', Buffer.from('5'))]));
  t.same([r.result, r.replayVersion.version], [0, 1n]);
  r = await h.run(req('x', [cmp('5', CephOsdCmpxattrOp.EQ)], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.rval], [1, 1], 'EQ holds: 1');
  r = await h.run(req('x', [cmp('6', CephOsdCmpxattrOp.GT)], { flags: CephOsdFlag.READ }));
  t.equal(r.result, 1, 'GT: the given value is greater');
  r = await h.run(req('x', [cmp('4', CephOsdCmpxattrOp.GT)], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -125, 'ECANCELED when it does not hold');
  r = await h.run(req('x', [cmp('5', CephOsdCmpxattrOp.EQ), osdOpWriteFull(Buffer.from('e'))]));
  t.same([r.result, r.replayVersion.version], [0, 2n], 'a write after a holding cmpxattr: 0, a new version');
  r = await h.run(req('gone', [osdOpExtent(CephOsdOp.TRUNCATE, 3n, 0n)]));
  t.same([r.result, r.replayVersion.version, r.userVersion], [0, 3n, 0n], 'truncate of a missing object: the next PG version, no user version');
  t.same([h.pg.info.lastUpdate.version, h.pg.entries.at(-1)?.op], [3n, PgLogOp.ERROR], 'an ERROR entry for it');
  r = await h.run(req('x', [osdOpWriteFull(Buffer.from('f'))]));
  t.same([r.replayVersion.version, r.userVersion], [4n, 4n], 'the next write takes the version after it, its user version too');
});

/**
 * rados_read_op_checksum with LIBRADOS_CHECKSUM_TYPE_XXHASH32/64 (ctypes against librados.so.2):
 * ts-osd answered EOPNOTSUPP. The expected values are what a real 16.2.15 OSD returned for the
 * object bytes(range(256)) * 40, and xxHash's published vectors for "" and "abc".
 */
t.test('checksum with xxhash32 and xxhash64', async (t) => {
  t.same([xxhash32(Buffer.alloc(0), 0), xxhash32(Buffer.from('abc'), 0)], [0x02cc5d05, 0x32d153ff], 'XXH32 vectors');
  t.same([xxhash64(Buffer.alloc(0), 0n), xxhash64(Buffer.from('abc'), 0n)], [0xef46db3751d8e999n, 0x44bc2cf5ad770999n], 'XXH64 vectors');
  const h = await harness();
  const data = Buffer.alloc(10240);
  for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
  let r = await h.run(req('ck', [osdOpWriteFull(data)]));
  t.equal(r.result, 0);
  // checksum args: le64 offset, le64 length, le32 chunk_size, u8 type; in data: the init value.
  const ck = (type: number, length: number, chunk: number, init: Buffer) => {
    const args = Buffer.alloc(21);
    args.writeBigUInt64LE(BigInt(length), 8);
    args.writeUInt32LE(chunk, 16);
    args[20] = type;
    return osdOp(CephOsdOp.CHECKSUM, { args, data: init });
  };
  r = await h.run(req('ck', [ck(CephOsdChecksumType.XXHASH32, 10240, 0, Buffer.alloc(4))], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, '01000000' + 'fa61c590'], 'xxhash32 of the whole object, as the real OSD');
  r = await h.run(req('ck', [ck(CephOsdChecksumType.XXHASH64, 4096, 1024, Buffer.alloc(8))], { flags: CephOsdFlag.READ }));
  t.same([r.result, r.ops[0]!.data.toString('hex')], [0, '04000000' + '57dfe48ff114396f'.repeat(4)], 'xxhash64 of four 1 KiB chunks, as the real OSD');
  r = await h.run(req('ck', [ck(CephOsdChecksumType.XXHASH64, 4096, 1024, Buffer.alloc(4))], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -22, 'a 4-byte init value for xxhash64: EINVAL');
});
