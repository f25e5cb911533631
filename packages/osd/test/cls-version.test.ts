/**
 * cls_version (src/cls/version/cls_version.cc): ts-osd answered EOPNOTSUPP where a real 16.2.15 OSD
 * serves it (test/acceptance/rados-diff.py). Inputs and outputs are built by hand here; the empty
 * read is the 24 bytes whose sha1 the real OSD's answer had (6fa7873f49...).
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { builtinClsRegistry } from '../src/core/cls/index';
import { MemPool, bytes, client, clsCaller } from './cls-memory-context';

const me = client(4400);
const { call, rv } = clsCaller(me, 'version');
/** ENCODE_START(1, 1) around `body`, by hand. */
const env = (body: Buffer) => Buffer.concat([bytes((w) => w.u8(1).u8(1).u32(body.length)), body]);
const objv = (ver: bigint, tag: string) => env(bytes((w) => w.u64(ver).string(tag)));
const cond = (ver: bigint, tag: string, c: number) => env(Buffer.concat([objv(ver, tag), bytes((w) => w.u32(c))]));
/** cls_version_inc_op / cls_version_check_op: objv, then list<obj_version_cond>. */
const withConds = (conds: Buffer[]) => env(Buffer.concat([objv(0n, ''), bytes((w) => w.u32(conds.length)), ...conds]));

t.test('read of an object without a version: ver 0, empty tag, the bytes a real OSD returned', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  t.equal(await rv(pool, 'o', 'read'), -2, 'ENOENT for a missing object (a read method)');
  pool.objects.set('o', { data: Buffer.alloc(0), xattrs: new Map(), omap: new Map(), header: Buffer.alloc(0), mtime: pool.now });
  t.equal(await rv(pool, 'o', 'check_conds', withConds([])), 0, 'no conditions hold');
  const r = await call(pool, 'o', 'read');
  t.same([r.rval, r.outdata.toString('hex')], [0, env(objv(0n, '')).toString('hex')]);
  t.equal(createHash('sha1').update(r.outdata).digest('hex').slice(0, 10), '6fa7873f49', 'the real OSD answer');
});

t.test('inc creates ver 1 with a 24-character tag, then counts; conds guard it', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  t.equal(await rv(pool, 'v', 'inc', withConds([])), 0, 'inc creates the object');
  let out = (await call(pool, 'v', 'read')).outdata;
  // 6 (outer) + 6 (obj_version) + 8 (ver) + 4 (tag length) + 24 (tag).
  t.equal(out.length, 48);
  t.equal(out.readBigUInt64LE(12), 2n, 'read_version made ver 1, inc made it 2');
  const tag = out.subarray(24).toString();
  t.match(tag, /^[A-Za-z0-9+/]{24}$/, 'a base64 tag');
  t.equal(await rv(pool, 'v', 'inc_conds', withConds([cond(2n, tag, 1)])), 0, 'EQ holds');
  t.equal(await rv(pool, 'v', 'inc_conds', withConds([cond(2n, tag, 1)])), -125, 'EQ no longer holds: ECANCELED');
  t.equal(await rv(pool, 'v', 'check_conds', withConds([cond(3n, '', 3), cond(4n, '', 4), cond(0n, tag, 6)])), 0, 'GE, LT, TAG_EQ');
  t.equal(await rv(pool, 'v', 'check_conds', withConds([cond(3n, '', 2)])), -125, 'GT fails');
  t.equal(await rv(pool, 'v', 'check_conds', withConds([cond(0n, tag, 7)])), -125, 'TAG_NE fails');
  t.equal(await rv(pool, 'v', 'set', env(objv(9n, 'mine'))), 0, 'set');
  out = (await call(pool, 'v', 'read')).outdata;
  t.equal(out.toString('hex'), env(objv(9n, 'mine')).toString('hex'), 'read gives what set stored');
  t.equal(await rv(pool, 'v', 'set', Buffer.from([1, 2])), -22, 'a bad input: EINVAL');
});
