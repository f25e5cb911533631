/**
 * The AES-128-GCM primitive of secure mode (src/core/gcm.ts over native/gcm.cc, and its node:crypto
 * fallback), each implementation against the test vectors of the GCM specification (McGrew and
 * Viega, "The Galois/Counter Mode of Operation", test cases 2-4: AES-128, 96-bit IVs; the same
 * vectors are NIST's gcmEncryptExtIV128 examples), fed whole, split at every byte, and with zero runs
 * instead of zero bytes; tags that do not verify (output zeroed); several operations per call; the
 * two implementations against each other on random layouts; and the C++ side refusing bad arguments
 * on its own, without writing anything.
 */
import t from 'tap';
import { AssertionError } from '@ts-ceph/common';
import { AesGcm, GcmBinding, GcmPiece, nativeGcmBinding, nativeGcmFallbackReason, NativeGcmContext } from '../src';
import { Prng, seedFromEnv } from '@ts-ceph/testkit';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Test cases 2, 3 and 4 of the GCM specification (appendix B), as printed there. */
const vectors = [
  {
    name: 'test case 2',
    K: hex('00000000000000000000000000000000'),
    P: hex('00000000000000000000000000000000'),
    A: hex(''),
    IV: hex('000000000000000000000000'),
    C: hex('0388dace60b6a392f328c2b971b2fe78'),
    T: hex('ab6e47d42cec13bdf53a67b21257bddf'),
  },
  {
    name: 'test case 3',
    K: hex('feffe9928665731c6d6a8f9467308308'),
    P: hex(`d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72
            1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b391aafd255`),
    A: hex(''),
    IV: hex('cafebabefacedbaddecaf888'),
    C: hex(`42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e
            21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091473f5985`),
    T: hex('4d5c2af327cd64a62cf35abd2ba6fab4'),
  },
  {
    name: 'test case 4',
    K: hex('feffe9928665731c6d6a8f9467308308'),
    P: hex(`d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72
            1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b39`),
    A: hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
    IV: hex('cafebabefacedbaddecaf888'),
    C: hex(`42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e
            21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091`),
    T: hex('5bc94fbc3221a5db94fae95ae7121a47'),
  },
];

const native = nativeGcmBinding();
const impls: [string, GcmBinding | undefined][] = [['node:crypto', undefined]];
if (native) impls.push(['native', native]);
else t.comment(`native AES-GCM not loaded (${nativeGcmFallbackReason()}): only the fallback is tested`);

t.test('the native addon is used unless TS_CEPH_GCM=node', async (t) => {
  if (process.env.TS_CEPH_GCM === 'node') t.notOk(native, 'forced off');
  else t.ok(native, `native AES-GCM loaded ${nativeGcmFallbackReason()}`);
  t.equal(new AesGcm(Buffer.alloc(16), true, native).isNative, native !== undefined);
});

const u32 = (...n: number[]) => Uint32Array.from(n);

function seal(bind: GcmBinding | undefined, key: Buffer, iv: Buffer, pieces: GcmPiece[], bytes: number, aad?: Buffer): Buffer {
  const out = Buffer.alloc(bytes + 16 + 7, 0xee).subarray(7);
  const g = new AesGcm(key, true, bind);
  const n = g.seal(out, 0, iv, u32(bytes), 1, pieces, aad);
  return n === bytes + 16 ? out : Buffer.alloc(0);
}

function open(bind: GcmBinding | undefined, key: Buffer, iv: Buffer, pieces: Buffer[], bytes: number, aad?: Buffer): { r: number; out: Buffer } {
  const out = Buffer.alloc(bytes, 0xee);
  const r = new AesGcm(key, false, bind).open(out, 0, iv, u32(bytes), 1, pieces, aad);
  return { r, out };
}

for (const [name, bind] of impls) {
  t.test(`${name}: the GCM specification's test cases 2-4`, async (t) => {
    for (const v of vectors) {
      const A = v.A.length ? v.A : undefined;
      const ct = seal(bind, v.K, v.IV, [v.P], v.P.length, A);
      t.equal(ct.toString('hex'), Buffer.concat([v.C, v.T]).toString('hex'), `${v.name}: ciphertext and tag`);
      const o = open(bind, v.K, v.IV, [v.C, v.T], v.C.length, A);
      t.equal(o.r, -1, `${v.name}: tag verifies`);
      t.ok(o.out.equals(v.P), `${v.name}: plaintext`);

      let splitSeal = 0;
      let splitOpen = 0;
      const wire = Buffer.concat([v.C, v.T]);
      for (let at = 0; at <= v.P.length; at++) {
        if (!seal(bind, v.K, v.IV, [v.P.subarray(0, at), v.P.subarray(at)], v.P.length, A).equals(wire)) splitSeal++;
      }
      for (let at = 0; at <= wire.length; at++) {
        const r = open(bind, v.K, v.IV, [wire.subarray(0, at), wire.subarray(at)], v.C.length, A);
        if (r.r !== -1 || !r.out.equals(v.P)) splitOpen++;
      }
      t.equal(splitSeal, 0, `${v.name}: plaintext split at each of ${v.P.length + 1} offsets`);
      t.equal(splitOpen, 0, `${v.name}: ciphertext+tag split at each of ${wire.length + 1} offsets (the tag too)`);

      let refused = 0;
      for (let i = 0; i < wire.length; i++) {
        const bad = Buffer.from(wire);
        bad[i]! ^= 0x80;
        const r = open(bind, v.K, v.IV, [bad], v.C.length, A);
        if (r.r === 0 && r.out.every((b) => b === 0)) refused++;
      }
      t.equal(refused, wire.length, `${v.name}: every flipped bit refused, output zeroed`);
      if (A) {
        const r = open(bind, v.K, v.IV, [wire], v.C.length, Buffer.concat([A, Buffer.from([0])]));
        t.equal(r.r, 0, `${v.name}: different additional data refused`);
      }
    }
  });

  t.test(`${name}: zero runs stand for zero bytes`, async (t) => {
    const v = vectors[0]!;
    const want = Buffer.concat([v.C, v.T]).toString('hex');
    t.equal(seal(bind, v.K, v.IV, [16], 16).toString('hex'), want, 'one run of 16');
    t.equal(seal(bind, v.K, v.IV, [3, Buffer.alloc(5), 0, 8], 16).toString('hex'), want, 'runs and bytes mixed');
    // Runs longer than the native side's block of zeros.
    const long = Buffer.alloc(200);
    t.equal(seal(bind, v.K, v.IV, [200], 200).toString('hex'), seal(bind, v.K, v.IV, [long], 200).toString('hex'), 'a 200-byte run');
  });

  t.test(`${name}: several operations in one call, across pieces, with their own nonces`, async (t) => {
    const key = hex('feffe9928665731c6d6a8f9467308308');
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
    const lens = [80, 0, 220];
    const nonces = Buffer.alloc(36);
    for (let k = 0; k < 3; k++) nonces.writeUInt32LE(0x1000 + k, 4 + 12 * k);
    const out = Buffer.alloc(10 + 300 + 48);
    const g = new AesGcm(key, true, bind);
    t.equal(g.seal(out, 10, nonces, u32(...lens, 999), 3, [data.subarray(0, 50), data.subarray(50, 81), data.subarray(81)]), 348);
    let off = 0;
    let pos = 10;
    for (let k = 0; k < 3; k++) {
      const one = seal(bind, key, nonces.subarray(12 * k, 12 * k + 12), [data.subarray(off, off + lens[k]!)], lens[k]!);
      t.ok(out.subarray(pos, pos + lens[k]! + 16).equals(one), `operation ${k} equals a call of its own`);
      off += lens[k]!;
      pos += lens[k]! + 16;
    }
    const plain = Buffer.alloc(300);
    const d = new AesGcm(key, false, bind);
    t.equal(d.open(plain, 0, nonces, u32(...lens), 3, [out.subarray(10, 100), out.subarray(100)]), -1);
    t.ok(plain.equals(data), 'opened in one call');
    const bad = Buffer.from(out.subarray(10));
    bad[80 + 16 + 16 + 5]! ^= 1;
    plain.fill(0xee);
    t.equal(d.open(plain, 0, nonces, u32(...lens), 3, [bad]), 2, 'the third operation fails');
    t.ok(plain.every((b) => b === 0), 'the whole output is zeroed, the operations that verified too');
  });
}

t.test('native and node:crypto agree on random layouts', { skip: !native && 'native addon not loaded' }, async (t) => {
  const seed = seedFromEnv();
  const rng = new Prng(seed);
  let same = 0;
  const runs = 300;
  for (let i = 0; i < runs; i++) {
    const key = Buffer.from(Array.from({ length: 16 }, () => rng.int(256)));
    const ops = 1 + rng.int(3);
    const lens = Array.from({ length: ops }, () => rng.int(3) === 0 ? rng.int(40) : rng.int(5000));
    const total = lens.reduce((a, b) => a + b, 0);
    const pieces: GcmPiece[] = [];
    for (let left = total; left > 0; ) {
      const n = Math.min(left, 1 + rng.int(700));
      pieces.push(rng.int(4) === 0 ? n : Buffer.from(Array.from({ length: n }, () => rng.int(256))));
      left -= n;
    }
    const nonces = Buffer.from(Array.from({ length: 12 * ops }, () => rng.int(256)));
    const outs = [native, undefined].map((b) => {
      const out = Buffer.alloc(total + 16 * ops);
      new AesGcm(key, true, b).seal(out, 0, nonces, Uint32Array.from(lens), ops, pieces);
      return out;
    });
    const cut = rng.int(outs[0]!.length + 1);
    const plains = [native, undefined].map((b) => {
      const p = Buffer.alloc(total);
      const r = new AesGcm(key, false, b).open(p, 0, nonces, Uint32Array.from(lens), ops, [outs[0]!.subarray(0, cut), outs[0]!.subarray(cut)]);
      return r === -1 ? p : undefined;
    });
    if (outs[0]!.equals(outs[1]!) && plains[0] && plains[1] && plains[0].equals(plains[1])) same++;
  }
  t.equal(same, runs, `${runs} random layouts: same ciphertext, both open it (TS_CEPH_SEED=${seed})`);
});

t.test('the TypeScript side validates before the native call', async (t) => {
  t.throws(() => new AesGcm(Buffer.alloc(15), true, native), { code: 'EINVAL' }, 'a 15-byte key');
  t.throws(() => new AesGcm(Buffer.alloc(32), true, native), { code: 'EINVAL' }, 'a 32-byte key (AES-256 is not secure mode)');
  const g = new AesGcm(Buffer.alloc(16), true, native);
  const iv = Buffer.alloc(12);
  const bad: [string, () => unknown][] = [
    ['pieces shorter than the operations', () => g.seal(Buffer.alloc(64), 0, iv, u32(16), 1, [Buffer.alloc(15)])],
    ['output too small', () => g.seal(Buffer.alloc(31), 0, iv, u32(16), 1, [16])],
    ['nonces too short', () => g.seal(Buffer.alloc(64), 0, Buffer.alloc(11), u32(16), 1, [16])],
    ['no operations', () => g.seal(Buffer.alloc(64), 0, iv, u32(16), 0, [16])],
    ['more operations than gcmOpsMax', () => g.seal(Buffer.alloc(640), 0, Buffer.alloc(120), new Uint32Array(10), 9, [])],
    ['a negative zero run', () => g.seal(Buffer.alloc(64), 0, iv, u32(0), 1, [-1, 1])],
    ['open on an encrypting context', () => g.open(Buffer.alloc(64), 0, iv, u32(0), 1, [Buffer.alloc(16)])],
  ];
  for (const [what, f] of bad) t.throws(f, AssertionError, what);
  g.destroy();
  t.throws(() => g.seal(Buffer.alloc(64), 0, iv, u32(16), 1, [16]), AssertionError, 'a destroyed context');
});

t.test('the native side refuses bad arguments on its own and writes nothing', { skip: !native && 'native addon not loaded' }, async (t) => {
  const Ctor = (native!(Buffer.alloc(16), true) as object).constructor as new (key: unknown, encrypt: unknown) => NativeGcmContext;
  t.throws(() => new Ctor(Buffer.alloc(15), true), RangeError, 'a 15-byte key');
  t.throws(() => new Ctor('0123456789abcdef', true), TypeError, 'a string key');
  const enc = new Ctor(Buffer.alloc(16), true);
  const dec = new Ctor(Buffer.alloc(16), false);
  const iv = Buffer.alloc(12);
  const out = Buffer.alloc(64, 0xee);
  const cases: [string, () => unknown, new (...a: never[]) => Error][] = [
    ['pieces do not add up', () => enc.seal(out, 0, iv, u32(16), 1, [Buffer.alloc(15)]), RangeError],
    ['output too small', () => enc.seal(out, 40, iv, u32(16), 1, [16]), RangeError],
    ['offset past the end', () => enc.seal(out, 65, iv, u32(0), 1, []), RangeError],
    ['nonces too short', () => enc.seal(out, 0, Buffer.alloc(11), u32(16), 1, [16]), RangeError],
    ['operations over the limit', () => enc.seal(out, 0, Buffer.alloc(120), new Uint32Array(10), 9, []), RangeError],
    ['fewer lengths than operations', () => enc.seal(out, 0, Buffer.alloc(24), u32(0), 2, []), RangeError],
    ['lengths that are not a Uint32Array', () => enc.seal(out, 0, iv, [16] as unknown as Uint32Array, 1, [16]), TypeError],
    ['a piece that is not bytes', () => enc.seal(out, 0, iv, u32(16), 1, ['x' as unknown as Uint8Array]), TypeError],
    ['a zero run in open', () => dec.open(out, 0, iv, u32(0), 1, [16 as unknown as Uint8Array]), TypeError],
    ['a piece overlapping the output', () => enc.seal(out, 0, iv, u32(16), 1, [out.subarray(8, 24)]), RangeError],
    ['seal on a decrypting context', () => dec.seal(out, 0, iv, u32(16), 1, [16]), TypeError],
    ['open on an encrypting context', () => enc.open(out, 0, iv, u32(0), 1, [Buffer.alloc(16)]), TypeError],
    ['additional data that is not bytes', () => enc.seal(out, 0, iv, u32(16), 1, [16], 'x' as unknown as Uint8Array), TypeError],
  ];
  for (const [what, f, E] of cases) t.throws(f, E, what);
  t.ok(out.every((b) => b === 0xee), 'nothing was written by a refused call');
  t.equal(dec.open(out, 0, iv, u32(0), 1, [Buffer.alloc(16)]), 0, 'an empty operation with a wrong tag fails cleanly');
  enc.destroy();
  t.throws(() => enc.seal(out, 0, iv, u32(16), 1, [16]), TypeError, 'a destroyed context');
  enc.destroy();
  t.pass('destroy twice is harmless');
});
