/**
 * Acceptance 6, frame level: 10^5 mutated inputs for each decoder (the crc-mode frame reader, the
 * secure-mode frame reader, the control-frame payloads, ceph_msg_header2, the banner), seeded from
 * the real frames of ../shared/ceph-traces. Every input either decodes or is refused with a
 * CephError (DencError, EBADMSG, EMSGSIZE, EPROTO ...): never a RangeError/TypeError, never an
 * assertion, never a hang (each decode is timed). Frames announcing more than the limits are refused
 * on their preamble, before the body is buffered. TS_CEPH_SEED replays a run; TS_CEPH_FUZZ_N scales it.
 */
import t, { Test } from 'tap';
import { CephError } from '@ts-ceph/common';
import {
  createSessionCiphers,
  decodeControl,
  decodeHeader2,
  encodeControl,
  FrameAssembler,
  FrameReader,
  msgrLimits,
  nativeGcmBinding,
  parseBannerPayload,
  parseBannerPrefix,
  PREAMBLE_BYTES,
  StreamDecoder,
  Tag,
} from '../src';
import { makeAddr, AddrType, crc32c } from '@ts-ceph/denc';
import { fixCrcs, fuzzRun, mutate, Prng } from './lib/fuzz';
import { traceStreams } from './lib/traces';

const { n: N, seed, inputMsMax: decodeMsMax } = fuzzRun(t, 'inputs per decoder');

// The corpus: every real frame up to 16 KiB, plus control frames the traces lack.
const frames: { tag: number; raw: Buffer; segments: Buffer[]; aligns: number[] }[] = [];
for (const s of traceStreams()) {
  const d = new StreamDecoder();
  d.push(s.bytes);
  for (const it of d.drain()) {
    if (it.kind !== 'frame') continue;
    const raw = Buffer.concat(it.frame.raw);
    if (raw.length <= 16384) frames.push({ tag: it.frame.tag, raw, segments: it.frame.segments, aligns: it.frame.aligns });
  }
}
const asm = new FrameAssembler();
const addrs = [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 7)];
const extraControl = [
  encodeControl({ tag: Tag.SESSION_RECONNECT, addrs, clientCookie: 5n, serverCookie: 6n, globalSeq: 7, connectSeq: 1, msgSeq: 9 }),
  encodeControl({ tag: Tag.SESSION_RESET, full: true }),
  encodeControl({ tag: Tag.SESSION_RETRY, connectSeq: 3 }),
  encodeControl({ tag: Tag.SESSION_RETRY_GLOBAL, globalSeq: 11 }),
  encodeControl({ tag: Tag.SESSION_RECONNECT_OK, msgSeq: 12 }),
  encodeControl({ tag: Tag.AUTH_BAD_METHOD, method: 2, result: -13, allowedMethods: [2], allowedModes: [2, 1] }),
  encodeControl({ tag: Tag.IDENT_MISSING_FEATURES, features: 1n << 59n }),
  encodeControl({ tag: Tag.ACK, seq: 42 }),
];
const extraTags = [Tag.SESSION_RECONNECT, Tag.SESSION_RESET, Tag.SESSION_RETRY, Tag.SESSION_RETRY_GLOBAL, Tag.SESSION_RECONNECT_OK, Tag.AUTH_BAD_METHOD, Tag.IDENT_MISSING_FEATURES, Tag.ACK];
extraControl.forEach((p, i) => frames.push({ tag: extraTags[i]!, raw: Buffer.concat(asm.assemble(extraTags[i]!, [p], [8])), segments: [p], aligns: [8] }));
const controls = frames.filter((f) => f.tag !== Tag.MESSAGE);
const messages = frames.filter((f) => f.tag === Tag.MESSAGE);

interface Tally {
  ok: number;
  refused: Map<string, number>;
  incomplete: number;
  slowest: number;
}

function run(t: Tap, name: string, gen: (rng: Prng) => Buffer, decode: (b: Buffer) => 'ok' | 'incomplete') {
  const rng = new Prng(seed ^ hash(name));
  const tally: Tally = { ok: 0, refused: new Map(), incomplete: 0, slowest: 0 };
  let bad = 0;
  for (let i = 0; i < N; i++) {
    const input = gen(rng);
    const t0 = performance.now();
    try {
      if (decode(input) === 'ok') tally.ok++;
      else tally.incomplete++;
    } catch (e) {
      if (e instanceof CephError) tally.refused.set(e.code, (tally.refused.get(e.code) ?? 0) + 1);
      else if (bad++ < 5) t.fail(`${name} input ${i}: ${(e as Error).name}: ${(e as Error).message} (${input.subarray(0, 64).toString('hex')})`);
    }
    const ms = performance.now() - t0;
    if (ms > tally.slowest) tally.slowest = ms;
  }
  t.equal(bad, 0, `${name}: ${N} inputs, no exception other than CephError`);
  t.ok(tally.slowest < decodeMsMax, `${name}: slowest input ${tally.slowest.toFixed(2)} ms`);
  t.comment(`${name}: ${tally.ok} decoded, ${tally.incomplete} incomplete, refused ${[...tally.refused].map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
type Tap = Test;

function hash(s: string): number {
  return crc32c(0, Buffer.from(s));
}

/** Decode all frames in `b`, and their payloads, as the protocol would. */
function drainFrames(r: FrameReader): 'ok' | 'incomplete' {
  let any = false;
  for (let f = r.next(); f; f = r.next()) {
    any = true;
    if (f.tag === Tag.MESSAGE) decodeHeader2(f.segments[0]!);
    else decodeControl(f.tag, f.segments[f.segments.length - 1]!);
  }
  return any && r.queue.length === 0 ? 'ok' : 'incomplete';
}

t.test('crc-mode frame reader', async (t) => {
  run(
    t,
    'crc frames',
    (rng) => {
      const n = 1 + rng.int(3);
      const b = Buffer.concat(Array.from({ length: n }, () => rng.pick(frames).raw));
      const m = mutate(rng, b);
      return rng.int(2) ? fixCrcs(m) : m;
    },
    (b) => {
      const r = new FrameReader();
      r.push(b);
      return drainFrames(r);
    },
  );
});

t.test('secure-mode frame reader (native AES-GCM when built)', async (t) => {
  const secret = Buffer.alloc(40, 0x42);
  const gcm = nativeGcmBinding();
  const tx = createSessionCiphers(secret, false, gcm).tx;
  const secureAsm = new FrameAssembler();
  secureAsm.setCipher(tx);
  // Pre-encrypt a corpus with consecutive nonces; each input is checked by a fresh receiver.
  const corpus = frames.slice(0, 400).map((f) => Buffer.concat(secureAsm.assemble(f.tag, f.segments, f.aligns)));
  const fresh = createSessionCiphers(secret, true, gcm);
  t.ok(fresh.rx.open(corpus[0]!.subarray(0, 96), 'preamble'), 'unmutated first frame decrypts');
  run(
    t,
    'secure frames',
    (rng) => mutate(rng, rng.pick(corpus)),
    (b) => {
      const r = new FrameReader();
      r.setCipher(createSessionCiphers(secret, true, gcm).rx);
      r.push(b);
      return drainFrames(r);
    },
  );
});

t.test('control frame payloads', async (t) => {
  run(
    t,
    'control payloads',
    (rng) => {
      const f = rng.pick(controls);
      // The tag is part of the input: a payload may be read as another frame's.
      return Buffer.concat([Buffer.from([rng.int(4) ? f.tag : 1 + rng.int(20)]), mutate(rng, f.segments[0]!)]);
    },
    (b) => (decodeControl(b[0]!, b.subarray(1)), 'ok'),
  );
});

t.test('ceph_msg_header2', async (t) => {
  run(
    t,
    'msg header2',
    (rng) => mutate(rng, rng.pick(messages).segments[0]!),
    (b) => (decodeHeader2(b), 'ok'),
  );
});

t.test('banner', async (t) => {
  const banner = Buffer.from('6365706820763a0a1000010000000000000000000000000000000000', 'hex');
  banner.write('ceph v2\n', 0, 'latin1');
  run(
    t,
    'banner',
    (rng) => mutate(rng, banner),
    (b) => {
      if (b.length < 10) return 'incomplete';
      const len = parseBannerPrefix(b.subarray(0, 10));
      if (b.length < 10 + len) return 'incomplete';
      parseBannerPayload(b.subarray(10, 10 + len));
      return 'ok';
    },
  );
});

t.test('oversized frames are refused on their preamble, before the body is buffered', async (t) => {
  const pre = (tag: number, lens: number[]) => {
    const b = Buffer.alloc(PREAMBLE_BYTES);
    b[0] = tag;
    b[1] = lens.length;
    lens.forEach((l, i) => b.writeUInt32LE(l, 2 + 6 * i));
    b.writeUInt32LE(crc32c(0, b.subarray(0, 28)), 28);
    return b;
  };
  const before = process.memoryUsage().arrayBuffers;
  const cases: [string, Buffer][] = [
    ['MESSAGE with a 4 GiB data segment', pre(Tag.MESSAGE, [41, 0, 0, 0xffffffff])],
    ['MESSAGE just over messageFrameBytesMax', pre(Tag.MESSAGE, [41, msgrLimits.messageFrameBytesMax])],
    ['control frame just over controlFrameBytesMax', pre(Tag.AUTH_REQUEST, [msgrLimits.controlFrameBytesMax + 1])],
    ['control frame spreading 4 × 3 GiB over its segments', pre(Tag.HELLO, [0xc0000000, 0xc0000000, 0xc0000000, 0xc0000000])],
  ];
  for (const [what, p] of cases) {
    const r = new FrameReader();
    r.push(p);
    t.throws(() => r.next(), { code: 'EMSGSIZE' }, what);
    t.equal(r.queue.length, 0, `${what}: nothing but the preamble was read`);
  }
  // Secure mode: the limit applies to the decrypted preamble just the same (checked with the limit
  // lowered to 1 MiB for the test, so no 128 MiB frame has to be built).
  const saved = msgrLimits.messageFrameBytesMax;
  msgrLimits.messageFrameBytesMax = 1 << 20;
  try {
    const secret = Buffer.alloc(40, 1);
    const a = new FrameAssembler();
    a.setCipher(createSessionCiphers(secret, false).tx);
    const big = Buffer.concat(a.assemble(Tag.MESSAGE, [Buffer.alloc(41), Buffer.alloc(2 << 20)], [8, 8]));
    const r = new FrameReader();
    r.setCipher(createSessionCiphers(secret, true).rx);
    r.push(big.subarray(0, 96));
    t.throws(() => r.next(), { code: 'EMSGSIZE' }, 'secure MESSAGE over the limit: refused after its 96-byte preamble');
  } finally {
    msgrLimits.messageFrameBytesMax = saved;
  }
  const grew = process.memoryUsage().arrayBuffers - before;
  t.ok(grew < 16 << 20, `no allocation for the announced sizes (array buffers grew ${(grew / 1048576).toFixed(1)} MiB)`);
});
