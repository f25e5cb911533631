/**
 * The Reader/Writer contract with expected bytes built by hand (never by the encoder under test):
 * little-endian layouts, the ENCODE_START envelope (compat refusal, unknown tails skipped, bodies
 * confined to struct_len), and typed errors that name the field.
 */
import t from 'tap';
import { Reader, Writer, DencError, encodeWith, putBigU64LE, putBigI64LE, putI64LE } from '../src';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('primitives are little-endian', async (t) => {
  const b = encodeWith((w) => w.u8(1).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e0fn).i32(-2).string('ab').blob(Buffer.from([9])));
  t.same(b, hex('01 0302 07060504 0f0e0d0c0b0a0908 feffffff 02000000 6162 01000000 09'));
  const r = new Reader(b);
  t.equal(r.u8(), 1);
  t.equal(r.u16(), 0x0203);
  t.equal(r.u32(), 0x04050607);
  t.equal(r.u64(), 0x08090a0b0c0d0e0fn);
  t.equal(r.i32(), -2);
  t.equal(r.string(), 'ab');
  t.same(r.blob(), Buffer.from([9]));
  r.expectEnd();
});

t.test('envelope: v, compat, le32 length patched after the body', async (t) => {
  const b = encodeWith((w) => w.envelope(3, 1, (w) => w.u32(7)));
  t.same(b, hex('03 01 04000000 07000000'));
});

t.test('envelope: an unknown tail from a newer encoder is skipped', async (t) => {
  // struct_v 5 (newer than our 3), compat 2 (we understand it), body = u32 7 + 3 unknown bytes, then a trailing u8.
  const r = new Reader(hex('05 02 07000000 07000000 aabbcc 2a'));
  const v = r.envelope('T', 3, (r, structV) => ({ structV, x: r.u32('x') }));
  t.same(v, { structV: 5, x: 7 });
  t.equal(r.u8(), 0x2a, 'reading resumes after struct_len');
});

t.test('envelope: struct_compat newer than ours is refused', async (t) => {
  const r = new Reader(hex('05 04 04000000 07000000'));
  t.throws(() => r.envelope('MonMap', 3, (r) => r.u32()), { name: 'DencError', code: 'DENC_INCOMPAT', message: /MonMap/ });
});

t.test('envelope: the body cannot read past struct_len', async (t) => {
  const r = new Reader(hex('01 01 02000000 0700 ffff'));
  t.throws(() => r.envelope('T', 1, (r) => r.u32('field_a')), { name: 'DencError', code: 'DENC_SHORT', field: 'T.field_a' });
});

t.test('envelope: struct_len beyond the input is refused', async (t) => {
  const r = new Reader(hex('01 01 ff000000 00'));
  t.throws(() => r.envelope('T', 1, (r) => r.u8()), { code: 'DENC_SHORT' });
});

t.test('truncation names the field path', async (t) => {
  const r = new Reader(hex('01 01 06000000 02000000 0a00'));
  try {
    r.envelope('OSDMap', 1, (r) => r.list('pools', (r) => r.u32('id')));
    t.fail('should throw');
  } catch (e) {
    t.type(e, DencError);
    t.equal((e as DencError).field, 'OSDMap.pools[0].id');
  }
});

t.test('a container count larger than the bytes left is refused before allocating', async (t) => {
  const r = new Reader(hex('ffffff7f 00'));
  t.throws(() => r.list('v', (r) => r.u8()), { code: 'DENC_LIMIT' });
  const r2 = new Reader(hex('10000000 00'));
  t.throws(() => r2.list('v', (r) => r.u8()), { code: 'DENC_SHORT' });
});

t.test('u64n refuses values beyond 2^53', async (t) => {
  t.equal(new Reader(hex('ffffffffffff1f00')).u64n(), Number.MAX_SAFE_INTEGER);
  t.throws(() => new Reader(hex('0000000000002000')).u64n('size'), { code: 'DENC_LIMIT' });
});

t.test('legacy envelope without compat or length', async (t) => {
  // struct_v 1 < compatV 2 and < lenV 3: no compat byte, no length.
  const r = new Reader(hex('01 07000000'));
  t.same(r.envelopeLegacy('pg_pool_t', 29, 2, 3, (r, v) => ({ v, x: r.u32() })), { v: 1, x: 7 });
  r.expectEnd();
});

t.test('optional and map forms', async (t) => {
  const w = new Writer();
  w.optional<number>(undefined, (w, v) => w.u32(v)).optional(5, (w, v) => w.u32(v));
  w.map(new Map([['a', 1]]), (w, k) => w.string(k), (w, v) => w.u8(v));
  const b = w.finish();
  t.same(b, hex('00 01 05000000 01000000 01000000 61 01'));
  const r = new Reader(b);
  t.equal(r.optional('a', (r) => r.u32()), undefined);
  t.equal(r.optional('b', (r) => r.u32()), 5);
  t.same([...r.map('m', (r) => r.string(), (r) => r.u8())], [['a', 1]]);
});

t.test('64-bit integers: bytes written by hand, numbers and bigints, with wrap-around as BigInt.asUintN/asIntN', async (t) => {
  const cases: [string, (w: Writer) => unknown, string][] = [
    ['u64 0n', (w) => w.u64(0n), '0000000000000000'],
    ['u64 2^64-2 (CEPH_NOSNAP)', (w) => w.u64(0xfffffffffffffffen), 'feffffffffffffff'],
    ['u64 2^64+5 wraps to 5', (w) => w.u64(2n ** 64n + 5n), '0500000000000000'],
    ['u64 -1n wraps to 2^64-1', (w) => w.u64(-1n), 'ffffffffffffffff'],
    ['u64 2^53-1 as a number', (w) => w.u64(2 ** 53 - 1), 'ffffffffffff1f00'],
    ['i64 -1', (w) => w.i64(-1), 'ffffffffffffffff'],
    ['i64 -1n', (w) => w.i64(-1n), 'ffffffffffffffff'],
    ['i64 -2^32', (w) => w.i64(-(2 ** 32)), '00000000ffffffff'],
    ['i64 -2^32-1', (w) => w.i64(-(2 ** 32) - 1), 'fffffffffeffffff'],
    ['i64 -(2^53-1)', (w) => w.i64(-(2 ** 53 - 1)), '010000000000e0ff'],
    ['i64 2^32+2', (w) => w.i64(2 ** 32 + 2), '0200000001000000'],
    ['i64 2^63 wraps to -2^63', (w) => w.i64(2n ** 63n), '0000000000000080'],
  ];
  for (const [name, f, bytes] of cases) t.same(encodeWith(f), hex(bytes), name);
  // Past the first buffer (16 bytes at least): the writer grows, and later 64-bit writes land in the new one.
  const many = encodeWith((w) => {
    for (let i = 0; i < 40; i++) w.u64(BigInt(i) << 40n).i64(-i);
  });
  const r = new Reader(many);
  for (let i = 0; i < 40; i++) {
    t.equal(r.u64(), BigInt(i) << 40n);
    t.equal(r.i64(), BigInt(-i));
  }
  t.throws(() => encodeWith((w) => w.i64(1.5)), RangeError, 'an i64 that is not an integer');
});

t.test('putBigU64LE / putBigI64LE: bytes written by hand, the end offset, and a write past the buffer refused', async (t) => {
  const b = Buffer.alloc(20, 0xaa);
  t.equal(putBigU64LE(b, 0xfffffffffffffffen, 2), 10);
  t.equal(putBigI64LE(b, -2n, 10), 18);
  t.same(b, hex('aaaa feffffffffffffff feffffffffffffff aaaa'));
  putBigU64LE(b, 2n ** 64n + 0x0102n, 0);
  t.same(b.subarray(0, 8), hex('0201000000000000'), 'modulo 2^64');
  t.throws(() => putBigU64LE(b, 1n, 13), RangeError);
  t.throws(() => putBigI64LE(b, 1n, -1), RangeError);
  t.same(b.subarray(12), hex('ffffffffff ffaaaa').subarray(0, 8), 'nothing written by a refused call');
  const n = Buffer.alloc(16);
  t.equal(putI64LE(n, -(2 ** 32) - 1, 0), 8);
  putI64LE(n, 2 ** 53 - 1, 8);
  t.same(n, hex('fffffffffeffffff ffffffffffff1f00'), 'putI64LE: safe integers, two\'s complement');
});
