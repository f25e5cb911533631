/**
 * The classes rgw calls (refcount, log, timeindex, user, otp) on the in-memory class context. Their
 * answers are compared byte for byte with a real 16.2.15 OSD by test/acceptance/rados_diff_more.py;
 * here the behaviours that run found worth pinning, with inputs built by hand and, where we have
 * them, bytes a real OSD returned or vectors from the RFCs (TOTP) and liboath (base32 seeds).
 */
import t from 'tap';
import { Reader } from '@ts-ceph/denc';
import { builtinClsRegistry } from '../src/core/cls/index';
import { base32Seed, hotp, totpValidate } from '../src/core/cls/otp';
import { decodeClsTimeindexListRet } from '../src/core/cls/timeindex';
import { decodeClsUserGetHeaderRet } from '../src/core/cls/user-types';
import { MemPool, bytes, client, clsCaller } from './cls-memory-context';

const me = client(4500);
/** ENCODE_START(v, compat) around `body`, by hand. */
const env = (body: Buffer, v = 1, compat = 1) => Buffer.concat([bytes((w) => w.u8(v).u8(compat).u32(body.length)), body]);
const str = (s: string) => bytes((w) => w.string(s));
const list = (items: Buffer[]) => Buffer.concat([bytes((w) => w.u32(items.length)), ...items]);
const utime = (sec: number, nsec = 0) => bytes((w) => w.u32(sec).u32(nsec));
const flag = (b: boolean) => Buffer.from([b ? 1 : 0]);
const empty = () => ({ data: Buffer.alloc(0), xattrs: new Map<string, Buffer>(), omap: new Map<string, Buffer>(), header: Buffer.alloc(0), mtime: { sec: 0, nsec: 0 } });

t.test('refcount: tags held, read in order (a real OSD\'s bytes), the last put removes the object', async (t) => {
  const { call, rv } = clsCaller(me, 'refcount');
  const pool = new MemPool(builtinClsRegistry());
  const tagOp = (tag: string, implicit = false) => env(Buffer.concat([str(tag), flag(implicit)]));
  t.equal(await rv(pool, 'rc', 'get', tagOp('a')), -2, 'get on a missing object: ENOENT (getxattr)');
  pool.objects.set('rc', empty());
  t.equal(await rv(pool, 'rc', 'put', tagOp('a')), -22, 'put without any reference: EINVAL');
  t.equal(await rv(pool, 'rc', 'get', tagOp('a')), 0);
  t.equal(await rv(pool, 'rc', 'get', tagOp('b', true)), 0);
  const read = await call(pool, 'rc', 'read', env(flag(false)));
  t.equal(read.outdata.toString('hex'), '01010e0000000200000001000000610100000062', 'refs [a, b], as the real OSD answered');
  t.equal(await rv(pool, 'rc', 'put', tagOp('a')), 0);
  t.equal(await rv(pool, 'rc', 'get', tagOp('a')), 0, 'a retired tag can be taken again');
  t.equal(await rv(pool, 'rc', 'put', tagOp('a')), 0, 'but its put is a no-op');
  t.ok(pool.objects.has('rc'), 'a and b still hold it');
  t.equal(await rv(pool, 'rc', 'put', tagOp('b')), 0);
  t.equal((await call(pool, 'rc', 'read', env(flag(false)))).outdata.toString('hex'), '010109000000010000000100000061', 'only a left');
  t.equal(await rv(pool, 'rc', 'set', env(list([]))), 0, 'set of no tags removes the object');
  t.notOk(pool.objects.has('rc'));
});

t.test('log: keys from the entry time and cls_cxx_subop_version; monotonic keys; trim to ENODATA', async (t) => {
  const { call, rv } = clsCaller(me, 'log');
  const pool = new MemPool(builtinClsRegistry());
  const entry = (sec: number, nsec: number, name: string) => env(Buffer.concat([str('s'), str(name), utime(sec, nsec), str('d'), str('')]), 2);
  const add = (entries: Buffer[], mono = true) => env(Buffer.concat([list(entries), flag(mono)]), 2);
  t.equal(await rv(pool, 'lg', 'add', add([entry(1000, 500_000, 'n1'), entry(900, 0, 'older'), entry(1001, 7_000, 'n3')])), 0);
  // The version part: the PG's version (7 in the memory context) and the sub-ops done so far (the
  // header read, then one omap write per entry), as a real OSD named them ("1_0000001000.000500_0.1").
  t.same([...pool.objects.get('lg')!.omap.keys()].sort(), ['1_0000001000.000500_7.1', '1_0000001000.000500_7.2', '1_0000001001.000007_7.3'], 'the older entry keyed at max_time');
  t.equal(await rv(pool, 'lg', 'add', add([entry(950, 123_456_789, 'n6')], false)), 0);
  t.ok(pool.objects.get('lg')!.omap.has('1_0000000950.123456_7.1'), 'not monotonic: its own time');
  const trim = (sec: number, nsec: number) => env(Buffer.concat([utime(0), utime(sec, nsec), str(''), str('')]), 2);
  t.equal(await rv(pool, 'lg', 'trim', trim(1000, 500_000)), 0, 'trim through 1000.0005');
  t.same([...pool.objects.get('lg')!.omap.keys()], ['1_0000001001.000007_7.3'], 'to_time is inclusive to the microsecond');
  t.equal(await rv(pool, 'lg', 'trim', trim(1000, 500_000)), -61, 'nothing left in range: ENODATA');
  const info = await call(pool, 'lg', 'info', env(Buffer.alloc(0)));
  t.equal(info.outdata.subarray(16, 16 + 23).toString(), '1_0000001001.000007_7.3', 'the header keeps the largest key');
});

t.test('timeindex: keys parsed back with the microseconds in nsec, as Ceph\'s utime_t(sec, usec) does', async (t) => {
  const { call, rv } = clsCaller(me, 'timeindex');
  const pool = new MemPool(builtinClsRegistry());
  const entry = (sec: number, nsec: number, ext: string) => env(Buffer.concat([utime(sec, nsec), str(ext), str('v')]));
  t.equal(await rv(pool, 'ti', 'add', env(list([entry(100, 250_000, 'objA'), entry(200, 0, 'with space')]))), 0);
  // to_time >= from_time bounds the walk: zero and zero is an empty list (so the real OSD said too).
  const listOp = (to: number) => env(Buffer.concat([utime(0), str(''), utime(to), bytes((w) => w.i32(100))]));
  t.equal((await call(pool, 'ti', 'list', listOp(0))).outdata.toString('hex'), '010109000000000000000000000000', 'to_time 0: nothing');
  const r = decodeClsTimeindexListRet(new Reader((await call(pool, 'ti', 'list', listOp(1000))).outdata));
  t.same(r.entries.map((e) => [e.keyTs.sec, e.keyTs.nsec, e.keyExt]), [[100, 250, 'objA'], [200, 0, 'with']], 'usec 250 as nsec 250; the extension ends at a blank');
  t.equal(r.marker, '1_0000000200.000000_with space');
  t.equal(await rv(pool, 'ti', 'trim', env(Buffer.concat([utime(0), utime(10), str(''), str('')]))), -61, 'nothing at or before 10: ENODATA');
});

t.test('user: header stats follow adds and updates; a bucket entry re-added keeps its stats', async (t) => {
  const { call, rv } = clsCaller(me, 'user');
  const pool = new MemPool(builtinClsRegistry());
  const bucket = (name: string) => env(Buffer.concat([str(name), str('data'), str('mk'), str('id'), str('index'), str('')]), 7, 3);
  const entry = (name: string, size: number, count: number) =>
    env(Buffer.concat([str(''), bytes((w) => w.u64(size).u32(1_600_000_000).u64(count)), bucket(name), bytes((w) => w.u64(size)), flag(false), utime(1_600_000_000)]), 9, 5);
  const set = (entries: Buffer[], add: boolean) => env(Buffer.concat([list(entries), flag(add), utime(1_700_000_000)]));
  const stats = async () => {
    const h = decodeClsUserGetHeaderRet(new Reader((await call(pool, 'usr', 'get_header', env(Buffer.alloc(0)))).outdata));
    return [h.stats.totalEntries, h.stats.totalBytes, h.lastStatsUpdate.sec];
  };
  t.equal(await rv(pool, 'usr', 'set_buckets_info', set([entry('b1', 100, 2), entry('b2', 50, 1)], true)), 0);
  t.same(await stats(), [3n, 150n, 1_700_000_000]);
  t.equal(await rv(pool, 'usr', 'set_buckets_info', set([entry('b1', 999, 9)], true)), 0, 'add again: only the id and time change');
  t.same(await stats(), [3n, 150n, 1_700_000_000]);
  t.equal(await rv(pool, 'usr', 'set_buckets_info', set([entry('b1', 10, 1), entry('gone', 5, 5)], false)), 0, 'an update skips a missing bucket');
  t.same(await stats(), [2n, 60n, 1_700_000_000]);
  t.equal(await rv(pool, 'usr', 'remove_bucket', env(bucket('b1'))), 0);
  t.equal(await rv(pool, 'usr', 'remove_bucket', env(bucket('b1'))), 0, 'removal is idempotent');
  t.equal(await rv(pool, 'usr', 'remove_bucket', env(bucket(''))), -22, 'an empty name: EINVAL');
  t.same(await stats(), [1n, 50n, 1_700_000_000]);
});

t.test('otp: RFC 4226/6238 vectors, liboath\'s base32 seeds, one success per step', async (t) => {
  const secret = Buffer.from('12345678901234567890');
  // RFC 4226 appendix D (counters 0 and 1) and RFC 6238 appendix B (SHA-1, T = 59 s: counter 1).
  t.same([hotp(secret, 0n, 6), hotp(secret, 1n, 6), hotp(secret, 1n, 8)], ['755224', '287082', '94287082']);
  t.equal(totpValidate(secret, 59, 30, 0, 0, '94287082'), 0, 'the step of now');
  t.equal(totpValidate(secret, 59 + 60, 30, 0, 2, '94287082'), 2, 'two steps back, within the window');
  t.equal(totpValidate(secret, 59 + 90, 30, 0, 2, '94287082'), undefined, 'three steps back: outside');
  t.equal(totpValidate(secret, 59, 30, 0, 2, '28708'), undefined, 'five digits: OATH_INVALID_DIGITS');
  // liboath's oath_base32_decode answers (called through ctypes against the installed liboath.so.0).
  t.same([base32Seed('gezd gnbv'), base32Seed('GEZDG'), base32Seed('GEZDGNBV===='), base32Seed('1111')], [Buffer.from('12345'), Buffer.from('123'), undefined, undefined]);
  const { call, rv } = clsCaller(me, 'otp');
  const pool = new MemPool(builtinClsRegistry());
  pool.now = { sec: 59, nsec: 0 };
  const info = env(Buffer.concat([Buffer.from([2]), str('dev'), str(secret.toString('hex')), Buffer.from([1]), str(''), bytes((w) => w.i32(0).u32(30).u32(2))]));
  t.equal(await rv(pool, 'o', 'otp_set', env(list([info]))), 0);
  const check = (val: string, token: string) => env(Buffer.concat([str('dev'), str(val), str(token)]));
  const result = async (token: string) => (await call(pool, 'o', 'otp_get_result', check('', token))).outdata.at(-1);
  t.equal(await rv(pool, 'o', 'otp_check', check('94287082', 't1')), 0);
  t.equal(await rv(pool, 'o', 'otp_check', check('94287082', 't2')), 0, 'a check never fails the op');
  t.same([await result('t1'), await result('t2'), await result('t3')], [1, 2, 0], 'success, then the same code refused, unknown token');
});
