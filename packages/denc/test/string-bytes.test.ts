/**
 * The lossless bytes <-> string codec of Ceph's std::string (string-bytes.ts, surrogateescape):
 * every byte sequence comes back byte-identical, valid UTF-8 decodes exactly as UTF-8, and the
 * byte order of the strings is the byte order of what they came from. Expected bytes and strings
 * are written by hand; random cases print their seed (TS_CEPH_SEED replays one).
 */
import t from 'tap';
import type { Test } from 'tap';
import { Prng, seedFromEnv } from '@ts-ceph/testkit';
import { Reader, Writer, compareStringBytes, hasEscapedBytes, startsWithBytes, stringByteLength, stringFromBytes, stringToBytes, writeStringBytes } from '../src';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Every way the codec turns a string into bytes must agree on `want`. */
function encodesTo(t: Test, s: string, want: Buffer, what: string): void {
  t.same(stringToBytes(s), want, `${what}: stringToBytes`);
  t.equal(stringByteLength(s), want.length, `${what}: stringByteLength`);
  const b = Buffer.alloc(want.length + 4, 0xaa);
  t.equal(writeStringBytes(b, s, 2), want.length, `${what}: writeStringBytes count`);
  t.same(b.subarray(2, 2 + want.length), want, `${what}: writeStringBytes bytes`);
  t.same(new Writer().string(s).finish(), Buffer.concat([u32(want.length), want]), `${what}: Writer.string`);
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** Decode `bytes` every way the codec can and check it gives `want`, then encode back. */
function roundTrip(t: Test, bytes: Buffer, want: string | undefined, what: string): void {
  const s = stringFromBytes(bytes);
  if (want !== undefined) t.equal(s, want, `${what}: decoded`);
  const framed = Buffer.concat([hex('ee'), u32(bytes.length), bytes, hex('ff')]);
  const r = new Reader(framed, 1);
  t.equal(r.string(), s, `${what}: Reader.string`);
  t.equal(r.u8(), 0xff, `${what}: Reader.string consumed exactly its bytes`);
  t.equal(stringFromBytes(framed, 5, 5 + bytes.length), s, `${what}: decoded from a window`);
  encodesTo(t, s, bytes, what);
}

t.test('every byte value alone: ASCII as itself, 0x80..0xff as U+DC80..U+DCFF', async (t) => {
  for (let b = 0; b < 256; b++) {
    const want = b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xdc00 + b);
    const s = stringFromBytes(Buffer.from([b]));
    if (s !== want) t.fail(`byte ${b.toString(16)} decoded as ${JSON.stringify(s)}`);
    if (!stringToBytes(s).equals(Buffer.from([b]))) t.fail(`byte ${b.toString(16)} did not come back`);
    if (stringByteLength(s) !== 1) t.fail(`byte ${b.toString(16)}: length ${stringByteLength(s)}`);
  }
  roundTrip(t, hex('ff'), '\udcff', 'one 0xff');
  roundTrip(t, hex('80'), '\udc80', 'one 0x80');
});

t.test('hand-built mixtures: valid characters kept, each byte of a bad sequence escaped', async (t) => {
  // 'a', a stray 0xff, '€' (e2 82 ac), then '€' cut short (e2 82).
  roundTrip(t, hex('61 ff e282ac e282'), 'a\udcff\u20ac\udce2\udc82', 'cut sequence');
  // Overlong NUL (c0 80), an encoded surrogate (ed a0 80), above U+10FFFF (f4 90 80 80): all invalid.
  roundTrip(t, hex('c080'), '\udcc0\udc80', 'overlong');
  roundTrip(t, hex('eda080'), '\udced\udca0\udc80', 'encoded surrogate');
  roundTrip(t, hex('f4908080'), '\udcf4\udc90\udc80\udc80', 'above U+10FFFF');
  // A lead byte followed by ASCII: the lead alone is escaped, the ASCII stays.
  roundTrip(t, hex('e241'), '\udce2A', 'lead then ASCII');
  // A genuine U+FFFD (ef bf bd) next to a bad byte: the slow path keeps it as the character.
  roundTrip(t, hex('efbfbd 80'), '\ufffd\udc80', 'real U+FFFD');
  // radosgw's bucket-index namespace byte in front of an object name.
  roundTrip(t, Buffer.concat([hex('80'), Buffer.from('1000_obj')]), '\udc801000_obj', 'rgw instance key');
  roundTrip(t, Buffer.alloc(0), '', 'empty');
});

t.test('random 128-byte keys come back byte-identical', async (t) => {
  const seed = seedFromEnv();
  const rng = new Prng(seed);
  let escaped = 0;
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(128);
    for (let j = 0; j < b.length; j++) b[j] = rng.int(256);
    const s = stringFromBytes(b);
    if (hasEscapedBytes(s)) escaped++;
    const back = stringToBytes(s);
    if (!back.equals(b) || stringByteLength(s) !== 128 || !new Reader(new Writer().string(s).finish()).string().length) {
      t.fail(`seed ${seed} case ${i}: ${b.toString('hex')} came back as ${back.toString('hex')}`);
      return;
    }
  }
  t.equal(escaped, 2000, `seed ${seed}: every random key needed escapes (the slow path ran)`);
  roundTrip(t, hex('00 7f 80 c2 c3a9 f09f9880 ed9fbf ee8080 ffff'), undefined, 'a spread of lead bytes');
});

t.test('valid UTF-8, astral characters included, decodes exactly as UTF-8', async (t) => {
  for (const s of ['rbd_data.10266b8b4567.0000000000000001', 'ü-utf8', 'データ', '\u{1F600}x\u{10FFFF}', '\uE000\uFFFF', '\ufffd']) {
    const b = Buffer.from(s, 'utf8');
    t.equal(stringFromBytes(b), b.toString('utf8'), `${s}: as toString('utf8')`);
    t.notOk(hasEscapedBytes(s), `${s}: no escapes`);
    roundTrip(t, b, s, s);
  }
  // A pair whose low half is in U+DC80..U+DCFF is a character (U+10080), not an escape.
  roundTrip(t, hex('f0908280'), '\ud800\udc80', 'U+10080');
  t.notOk(hasEscapedBytes('\ud800\udc80'));
  t.ok(hasEscapedBytes('\udc80\udc80'), 'two escapes in a row do not pair');
});

t.test('a lone surrogate outside U+DC80..U+DCFF encodes as U+FFFD, as Buffer.from does', async (t) => {
  for (const s of ['\ud800', '\udbff', '\udc00', '\udc7f', '\udd00', '\udfff']) {
    encodesTo(t, s, hex('efbfbd'), JSON.stringify(s));
    t.equal(stringFromBytes(stringToBytes(s)), '\ufffd');
  }
  // A lone high surrogate right before an escape pairs with it: the pair is the character U+10080.
  encodesTo(t, '\ud800\udc80', hex('f0908280'), 'high + escape range');
  // A lone high surrogate before ASCII, then an escape.
  encodesTo(t, 'a\ud800b\udcfe', hex('61 efbfbd 62 fe'), 'lone high then escape');
});

t.test('the fast paths give what Node gives for ASCII and valid UTF-8', async (t) => {
  const ascii = 'benchmark_data_host_1234_object42';
  const b = Buffer.from(ascii);
  t.equal(stringFromBytes(b), ascii);
  t.equal(stringByteLength(ascii), ascii.length);
  t.same(new Writer().string(ascii).finish(), Buffer.concat([u32(ascii.length), b]));
  t.same(new Writer().string('ü').finish(), hex('02000000 c3bc'), 'non-ASCII without escapes: plain UTF-8');
  t.same(new Writer().string('\udcff\u00fc').finish(), hex('03000000 ff c3bc'), 'an escape: its byte');
});

/** Byte strings built from pieces that hit every branch: ASCII, 2-4 byte characters, stray bytes. */
function randomBytes(rng: Prng): Buffer {
  const pieces = [hex('41'), hex('7a'), hex('00'), hex('c3a9'), hex('e282ac'), hex('ee8080'), hex('efbfbf'), hex('f09f9880'), hex('f48fbfbf'), hex('80'), hex('ff'), hex('e2'), hex('e282'), hex('f0'), hex('ed'), hex('c3')];
  const n = rng.int(6);
  return Buffer.concat(Array.from({ length: n }, () => rng.pick(pieces)));
}

t.test('compareStringBytes orders strings as their bytes', async (t) => {
  const seed = seedFromEnv();
  const rng = new Prng(seed);
  for (let i = 0; i < 20000; i++) {
    const a = randomBytes(rng);
    const b = randomBytes(rng);
    const got = sign(compareStringBytes(stringFromBytes(a), stringFromBytes(b)));
    if (got !== sign(Buffer.compare(a, b))) {
      t.fail(`seed ${seed}: ${a.toString('hex')} vs ${b.toString('hex')} compared ${got}`);
      return;
    }
  }
  // Where UTF-16 order is not byte order: U+FFFF (ef bf bf) < U+1F600 (f0 ...); 0x80 < 'é' (c3 a9).
  t.ok(compareStringBytes('\uffff', '\u{1F600}') < 0);
  t.ok('\uffff' > '\u{1F600}', 'code-unit order says the opposite');
  t.ok(compareStringBytes('\udc80', '\u00e9') < 0);
  t.ok(compareStringBytes('a', 'a\udc80') < 0);
  t.equal(compareStringBytes('k\udcff', 'k\udcff'), 0);
  // A lone high surrogate (U+FFFD, ef) sorts before the pair it would make (f0).
  t.ok(compareStringBytes('\ud800', '\ud800\udc80') < 0);
});

t.test('startsWithBytes: a prefix of bytes, even one that ends inside a character', async (t) => {
  t.ok(startsWithBytes('\u20ac', stringFromBytes(hex('e282'))), "e2 82 is a byte prefix of '€'");
  t.notOk('\u20ac'.startsWith(stringFromBytes(hex('e282'))), 'though not a code-unit prefix');
  t.ok(startsWithBytes('\udc80abc', '\udc80a'));
  t.notOk(startsWithBytes('\udc80', '\udc80a'));
  t.ok(startsWithBytes('user.x', 'user.'));
  t.ok(startsWithBytes('anything', ''));
});
