// AES-GCM open in place (out == in) and the secure frames the reader decrypts where they landed.
// The vector is test case 3 of the GCM specification (McGrew & Viega), not made by our code.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { createSessionCiphers, FrameAssembler, FrameReader, GcmBinding, MsgAuthError, nativeGcmBinding, NativeGcmContext, rxLimits, Tag } from '../src';
import { copyingInPlace } from '../src/native-gcm';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const K = hex('feffe9928665731c6d6a8f9467308308');
const IV = hex('cafebabefacedbaddecaf888');
const P = hex(`d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72
               1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b391aafd255`);
const C = hex(`42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e
               21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091473f5985`);
const T = hex('4d5c2af327cd64a62cf35abd2ba6fab4');
const u32 = (...v: number[]) => Uint32Array.from(v);

const native = nativeGcmBinding();
// The addon itself, not nativeGcmBinding's (which wraps an older build's contexts in copyingInPlace).
const addonPath = join(repoRoot(), 'build', 'Release', 'ts_ceph_native.node');
type Ctor = new (key: Uint8Array, encrypt: boolean) => NativeGcmContext;
// The addon is a CommonJS native module; require is the only way to load it.
const Raw = existsSync(addonPath) ? (require(addonPath) as { GcmContext?: Ctor }).GcmContext : undefined;

t.test('native open decrypts in place (out == in exactly) and still refuses a partial overlap', { skip: !Raw && 'native addon not built' }, async (t) => {
  const dec = new Raw!(K, false);
  // Ciphertext then tag at offset 16 of a larger buffer; the plaintext goes where the ciphertext is.
  const buf = Buffer.concat([Buffer.alloc(16, 0xaa), C, T, Buffer.alloc(8, 0xbb)]);
  const at = buf.subarray(16, 16 + C.length + 16);
  t.equal(dec.open(buf, 16, IV, u32(C.length), 1, [at]), -1, 'the tag verifies');
  t.equal(buf.subarray(16, 16 + P.length).toString('hex'), P.toString('hex'), 'the plaintext replaced the ciphertext');
  t.ok(buf.subarray(0, 16).every((b) => b === 0xaa) && buf.subarray(16 + C.length + 16).every((b) => b === 0xbb), 'nothing outside it was written');

  const fresh = () => Buffer.concat([C, T]);
  const b1 = fresh();
  t.throws(() => dec.open(b1, 1, IV, u32(C.length), 1, [b1]), RangeError, 'output one byte after the input: refused');
  const b2 = Buffer.concat([Buffer.alloc(1), C, T]);
  t.throws(() => dec.open(b2, 0, IV, u32(C.length), 1, [b2.subarray(1)]), RangeError, 'output one byte before the input: refused');
  const b3 = fresh();
  t.throws(() => dec.open(b3, 0, IV, u32(32, 32), 2, [b3.subarray(0, 48), b3.subarray(48)]), RangeError, 'in place with two pieces: refused');
  t.ok(b1.equals(fresh()) && b3.equals(fresh()), 'a refused call wrote nothing');

  const bad = fresh();
  bad[bad.length - 1]! ^= 1;
  t.equal(dec.open(bad, 0, IV, u32(C.length), 1, [bad]), 0, 'a wrong tag fails in place too');
  t.ok(bad.subarray(0, C.length).every((b) => b === 0), 'and the unauthenticated plaintext is zeroed');
  const enc = new Raw!(K, true);
  const s = Buffer.concat([P, Buffer.alloc(16)]);
  t.throws(() => enc.seal(s, 0, IV, u32(P.length), 1, [s.subarray(0, P.length)]), RangeError, 'seal stays out of place');
  dec.destroy();
  enc.destroy();
});

t.test('copyingInPlace: an exact in-place open goes through a copy of the ciphertext; other calls as they are', { skip: !Raw && 'native addon not built' }, async (t) => {
  const calls: Uint8Array[][] = [];
  const inner = new Raw!(K, false);
  const spy: NativeGcmContext = { seal: () => 0, open: (o, off, n, b, k, pieces) => (calls.push([...pieces]), inner.open(o, off, n, b, k, pieces)), destroy: () => inner.destroy() };
  const dec = copyingInPlace(spy);
  const buf = Buffer.concat([C, T]);
  t.equal(dec.open(buf, 0, IV, u32(C.length), 1, [buf]), -1);
  t.equal(buf.subarray(0, P.length).toString('hex'), P.toString('hex'), 'the plaintext is where the ciphertext was');
  t.not(calls[0]![0]!.buffer, buf.buffer, 'the addon was given a copy');
  const out = Buffer.alloc(P.length);
  t.equal(dec.open(out, 0, IV, u32(C.length), 1, [Buffer.concat([C, T])]), -1);
  t.ok(out.equals(P));
  t.equal(calls[1]![0]!.length, C.length + 16, 'a call that is not in place is passed on as it is');
  dec.destroy();
});

const impls: [string, GcmBinding | undefined][] = [['node:crypto', undefined]];
if (native) impls.push(['native', native]);
const secret = Buffer.alloc(40, 0x3c);

/** A landed secure MESSAGE frame of `dataBytes`, its rest read into the reader's landing buffer. */
function landOne(bind: GcmBinding | undefined, dataBytes: number, corrupt = false): { frame: () => ReturnType<FrameReader['next']>; landing: ArrayBufferLike | undefined; data: Buffer } {
  const a = new FrameAssembler();
  a.setCipher(createSessionCiphers(secret, false, bind).tx);
  const r = new FrameReader();
  r.setCipher(createSessionCiphers(secret, true, bind).rx);
  const data = Buffer.alloc(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (i * 7 + 3) & 0xff;
  const wire = Buffer.concat(a.assemble(Tag.MESSAGE, [Buffer.alloc(41, 1), Buffer.from('front'), Buffer.alloc(0), data], [8, 8, 8, 4096]));
  if (corrupt) wire[wire.length - 1]! ^= 1;
  // The preamble block first (96 bytes), then the rest straight into the landing buffer.
  r.push(wire.subarray(0, 96));
  r.next(); // decodes the preamble: the rest of the frame gets its landing buffer
  const target = r.readTarget();
  if (target) {
    wire.copy(target, 0, 96);
    r.push(target.subarray(0, wire.length - 96));
  } else r.push(wire.subarray(96));
  return { frame: () => r.next(), landing: target?.buffer, data };
}

for (const [name, bind] of impls) {
  t.test(`${name}: a landed secure MESSAGE frame is decrypted where it landed`, async (t) => {
    const { frame, landing, data } = landOne(bind, 1 << 20);
    t.ok(landing, 'a 1 MiB frame lands');
    const f = frame()!;
    t.ok(f.segments[3]!.equals(data), 'the data segment is the plaintext');
    t.equal(f.segments[1]!.toString(), 'front');
    t.equal(f.segments[3]!.buffer, landing, 'and a view of the landing buffer: no second buffer');
    t.equal(f.aborted, false);
  });

  t.test(`${name}: two landed frames do not share a buffer (the first is still the caller's)`, async (t) => {
    const a = new FrameAssembler();
    a.setCipher(createSessionCiphers(secret, false, bind).tx);
    const r = new FrameReader();
    r.setCipher(createSessionCiphers(secret, true, bind).rx);
    const got: Buffer[] = [];
    for (const fill of [0x11, 0x22]) {
      const wire = Buffer.concat(a.assemble(Tag.MESSAGE, [Buffer.alloc(41), Buffer.alloc(3), Buffer.alloc(0), Buffer.alloc(rxLimits.frameLandBytesMin * 2, fill)], [8, 8, 8, 4096]));
      r.push(wire.subarray(0, 96));
      t.equal(r.next(), undefined);
      const target = r.readTarget()!;
      wire.copy(target, 0, 96);
      r.push(target.subarray(0, wire.length - 96));
      got.push(r.next()!.segments[3]!);
    }
    t.ok(got[0]!.every((b) => b === 0x11), 'the first frame kept its bytes');
    t.ok(got[1]!.every((b) => b === 0x22));
  });

  t.test(`${name}: a landed frame with a bad tag is refused`, async (t) => {
    const { frame } = landOne(bind, 300_000, true);
    t.throws(() => frame(), MsgAuthError);
  });
}
