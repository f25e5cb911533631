// A message's data segment given as several buffers (CephMessage.dataParts): the frame on the wire
// must be byte for byte the frame of their concatenation, in crc and in secure mode. The expected
// frames are built by hand here (node:crypto's AES-GCM, crc32c over the joined bytes), never by the
// assembler under test.
import t from 'tap';
import { crc32c } from '@ts-ceph/denc';
import { createSessionCiphers, FrameAssembler, FrameReader, GcmBinding, makeMessage, messageBytes, messageDataBytes, nativeGcmBinding, slabLimits, Tag, withDataParts } from '../src';
import { clientTxNonce, gcm, p16, pad, preamble, secret } from './lib/onwire';

const le32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
};

const header = Buffer.alloc(41, 1);
const front = Buffer.from('the front');
// A sparse-read reply's shape: a small extent map, then the store's buffers (one of them empty).
const parts = [Buffer.from('0100000000', 'hex'), Buffer.alloc(5000, 0xab), Buffer.alloc(0), Buffer.from(Array.from({ length: 333 }, (_, i) => i & 0xff))];
const joined = Buffer.concat(parts);
const aligns = [8, 8, 8, 4096];

t.test('crc mode: the parts are written one after the other, the crc chained over them', async (t) => {
  const lens = [41, front.length, 0, joined.length];
  const epilogue = Buffer.concat([Buffer.from([0x0e]), le32(crc32c(0xffffffff, front)), le32(crc32c(0xffffffff, Buffer.alloc(0))), le32(crc32c(0xffffffff, joined))]);
  const want = Buffer.concat([preamble(Tag.MESSAGE, lens, aligns), header, le32(crc32c(0xffffffff, header)), front, joined, epilogue]);
  const out = new FrameAssembler().assemble(Tag.MESSAGE, [header, front, Buffer.alloc(0), parts], aligns);
  t.equal(Buffer.concat(out).toString('hex'), want.toString('hex'));
  const large = parts.filter((p) => p.length > slabLimits.frameCopyBytesMax);
  t.ok(large.length === 1 && out.includes(large[0]!), 'a part above frameCopyBytesMax is written as it is (no copy)');
  t.equal(out.length, 3, 'the small parts go out with the frame bytes around them: one buffer before the large part, one after');
  t.notOk(out.some((b) => b.length === 0), 'no empty buffer is handed to the socket');
  const r = new FrameReader();
  r.push(want);
  t.ok(r.next()!.segments[3]!.equals(joined), 'the receiver reads one data segment');
});

t.test('crc mode: small frames are carved one after the other and keep no reference to their segments', async (t) => {
  const asm = new FrameAssembler();
  const scratch = Buffer.alloc(41, 7);
  const small = Buffer.alloc(200, 3);
  const want = (fill: number) => Buffer.concat([preamble(Tag.MESSAGE, [41, 200], [8, 8]), Buffer.alloc(41, fill), le32(crc32c(0xffffffff, Buffer.alloc(41, fill))), small, Buffer.concat([Buffer.from([0x0e]), le32(crc32c(0xffffffff, small)), le32(0), le32(0)])]);
  const a = asm.assemble(Tag.MESSAGE, [scratch, small], [8, 8]);
  scratch.fill(9);
  const b = asm.assemble(Tag.MESSAGE, [scratch, small], [8, 8]);
  scratch.fill(0);
  t.equal(a.length, 1, 'a small frame is one buffer');
  t.equal(a[0]!.toString('hex'), want(7).toString('hex'), 'the first frame kept the header as it was when assembled');
  t.equal(b[0]!.toString('hex'), want(9).toString('hex'));
  t.ok(b[0]!.buffer === a[0]!.buffer && b[0]!.byteOffset === a[0]!.byteOffset + a[0]!.length, 'the second frame follows the first in memory');
});

t.test('crc mode: parts in segment 0 (no epilogue) and an all-empty parts list', async (t) => {
  const seg0 = [Buffer.from('ab'), Buffer.from('cdef')];
  const want = Buffer.concat([preamble(Tag.HELLO, [6], [8]), Buffer.from('abcdef'), le32(crc32c(0xffffffff, Buffer.from('abcdef')))]);
  t.equal(Buffer.concat(new FrameAssembler().assemble(Tag.HELLO, [seg0], [8])).toString('hex'), want.toString('hex'));
  // Trailing empty segments are dropped whether they are one empty buffer or a list of empties.
  const a = new FrameAssembler().assemble(Tag.MESSAGE, [header, front, Buffer.alloc(0), [Buffer.alloc(0), Buffer.alloc(0)]], aligns);
  const b = new FrameAssembler().assemble(Tag.MESSAGE, [header, front], aligns);
  t.equal(Buffer.concat(a).toString('hex'), Buffer.concat(b).toString('hex'));
});

const impls: [string, GcmBinding | undefined][] = [['node:crypto', undefined]];
const native = nativeGcmBinding();
if (native) impls.push(['native', native]);

for (const [name, bind] of impls) {
  t.test(`${name}: secure mode seals the parts where they lie, as the joined segment`, async (t) => {
    const lens = [41, front.length, 0, joined.length];
    const epilogue = pad(Buffer.from([0x0e]), 16);
    const want = Buffer.concat([gcm(clientTxNonce, 0, preamble(Tag.MESSAGE, lens, aligns), pad(header, 48)), gcm(clientTxNonce, 1, p16(front), p16(joined), epilogue)]);
    const asm = new FrameAssembler();
    asm.setCipher(createSessionCiphers(secret, false, bind).tx);
    const got = Buffer.concat(asm.assemble(Tag.MESSAGE, [header, front, Buffer.alloc(0), parts], aligns));
    t.equal(got.toString('hex'), want.toString('hex'));
    const r = new FrameReader();
    r.setCipher(createSessionCiphers(secret, true, bind).rx);
    r.push(got);
    t.ok(r.next()!.segments[3]!.equals(joined));
  });
}

t.test('withDataParts: sizes without a join, data joined on first read, a spread drops the parts', async (t) => {
  const m = withDataParts(makeMessage({ type: 43, front }), parts);
  t.equal(messageDataBytes(m), joined.length);
  t.equal(messageBytes(m), front.length + joined.length);
  t.same(m.dataParts, parts, 'the parts are kept for the send path');
  t.ok(m.data.equals(joined), 'an in-process reader sees the joined data');
  t.equal(m.data, m.data, 'joined once');
  const copy = { ...m, data: Buffer.from('x') };
  t.equal(copy.dataParts, undefined, 'a spread copy with its own data carries no parts');
  t.equal(messageDataBytes(copy), 1);
  m.data = Buffer.from('yz');
  t.equal(m.dataParts, undefined, 'assigning data replaces the parts');
  t.equal(messageDataBytes(m), 2);
  const one = withDataParts(makeMessage({ type: 43 }), [Buffer.from('only')]);
  t.equal(one.dataParts, undefined, 'one part is plain data');
  t.equal(one.data.toString(), 'only');
});
