/**
 * msgr2.1 secure mode against expected bytes built by hand in this file with node:crypto directly
 * (not with the assembler under test), following src/msg/async/frames_v2.cc: the preamble plus up to
 * 48 bytes of segment 0 in one AES-128-GCM operation, the rest of segment 0 in a second, segments
 * 1..3 plus the 16-byte epilogue in a third; each operation takes the next 96-bit nonce
 * {le32 fixed, le64 counter}; the accepting side's tx nonce is the connecting side's rx nonce.
 * Also: tampering fails the tag, and the out-of-nonces guard. Every case runs with the native
 * AES-GCM (native/gcm.cc) and with the node:crypto fallback.
 */
import t from 'tap';
import { ByteQueue, createSessionCiphers, FrameAssembler, FrameReader, GcmBinding, gcmLimits, MsgAuthError, nativeGcmBinding, Tag, TxCipher, TxBufferPool } from '../src';
import { clientTxNonce, gcm, key, p16, pad, preamble, secret } from './lib/onwire';

const epilogue = pad(Buffer.from([0x0e]), 16);

t.test('ByteQueue.views: the next bytes as views of their chunks, or one copy past piecesMax', async (t) => {
  const q = new ByteQueue();
  const bytes = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
  for (let o = 0; o < 40; o += 10) q.push(Buffer.from(bytes.subarray(o, o + 10)));
  q.skip(3);
  const v = q.views(25);
  t.same(v.map((b) => b.length), [7, 10, 8], 'three views, no copy');
  t.ok(Buffer.concat(v).equals(bytes.subarray(3, 28)), 'the right bytes');
  t.equal(q.length, 37, 'nothing consumed');
  const c = q.views(25, 2);
  t.equal(c.length, 1, 'over piecesMax: one buffer');
  t.ok(c[0]!.equals(bytes.subarray(3, 28)), 'with the same bytes');
  t.equal(q.views(7, 1).length, 1, 'within one chunk: one view');
});

t.test('TxBufferPool: a buffer is reused only after its exact view was released, once', async (t) => {
  const pool = new TxBufferPool();
  const a = pool.take(100_000);
  t.equal(a.length, 100_000);
  const b = pool.take(100_000);
  t.not(a.buffer, b.buffer, 'two views in flight: two buffers');
  pool.release(Buffer.from(a));
  pool.release(a.subarray(0, 10));
  t.not(pool.take(100_000).buffer, a.buffer, 'a copy or another view of it does not release it');
  pool.release(a);
  const c = pool.take(90_000);
  t.equal(c.buffer, a.buffer, 'released: reused (at most a quarter larger than needed)');
  pool.release(a);
  t.not(pool.take(100_000).buffer, a.buffer, 'a second release of the old view is ignored while the buffer is out again');
  pool.release(c);
  t.not(pool.take(20_000).buffer, a.buffer, 'not reused for a frame much smaller than the buffer');
  t.equal(pool.take(100_000).buffer, a.buffer, 'but for one of about its size');
});

t.test('the assembler reuses a large secure frame buffer only after release(), and the frames stay right', async (t) => {
  const asm = new FrameAssembler();
  asm.setCipher(createSessionCiphers(secret, false, nativeGcmBinding()).tx);
  const r = new FrameReader();
  r.setCipher(createSessionCiphers(secret, true, nativeGcmBinding()).rx);
  const data = (i: number) => Buffer.alloc(200_000, i);
  const f1 = asm.assemble(Tag.MESSAGE, [Buffer.alloc(41), Buffer.alloc(0), Buffer.alloc(0), data(1)], [8, 8, 8, 4096]);
  const f2 = asm.assemble(Tag.MESSAGE, [Buffer.alloc(41), Buffer.alloc(0), Buffer.alloc(0), data(2)], [8, 8, 8, 4096]);
  t.not(f1[0]!.buffer, f2[0]!.buffer, 'unreleased: a new buffer');
  r.push(Buffer.concat([...f1, ...f2]));
  asm.release(f1);
  const f3 = asm.assemble(Tag.MESSAGE, [Buffer.alloc(41), Buffer.alloc(0), Buffer.alloc(0), data(3)], [8, 8, 8, 4096]);
  t.equal(f3[0]!.buffer, f1[0]!.buffer, 'released: reused');
  r.push(Buffer.concat(f3));
  const got = [r.next(), r.next(), r.next()].map((f) => f?.segments[3]);
  t.ok(got.every((d, i) => d?.equals(data(i + 1))), 'three frames decrypt to their data');
});

const impls: [string, GcmBinding | undefined][] = [['node:crypto', undefined]];
const native = nativeGcmBinding();
if (native) impls.push(['native', native]);

for (const [name, bind] of impls) {
  t.test(`${name}: a 36-byte control frame travels inline: one GCM operation, 96 bytes`, async (t) => {
    const payload = Buffer.from('0801010001c000000002000000000000001000000002000ce47f000001000000000000000000', 'hex').subarray(0, 36);
    const want = gcm(clientTxNonce, 0, preamble(Tag.HELLO, [36], [8]), pad(payload, 48));
    const asm = new FrameAssembler();
    asm.setCipher(createSessionCiphers(secret, false, bind).tx);
    const got = Buffer.concat(asm.assemble(Tag.HELLO, [payload], [8]));
    t.equal(got.length, 96);
    t.equal(got.toString('hex'), want.toString('hex'));
    const r = new FrameReader();
    r.setCipher(createSessionCiphers(secret, true, bind).rx);
    r.push(got);
    const f = r.next()!;
    t.equal(f.tag, Tag.HELLO);
    t.ok(f.segments[0]!.equals(payload), 'the accepting side (crossed nonces) decrypts it');
  });

  t.test(`${name}: a 100-byte control frame: 48 inline, 64 (with padding) in a second operation`, async (t) => {
    const payload = Buffer.alloc(100, 0x5a);
    const padded = p16(payload);
    const want = Buffer.concat([gcm(clientTxNonce, 0, preamble(Tag.AUTH_REQUEST, [100], [8]), padded.subarray(0, 48)), gcm(clientTxNonce, 1, padded.subarray(48))]);
    const asm = new FrameAssembler();
    asm.setCipher(createSessionCiphers(secret, false, bind).tx);
    const got = Buffer.concat(asm.assemble(Tag.AUTH_REQUEST, [payload], [8]));
    t.equal(got.length, 96 + 64 + 16);
    t.equal(got.toString('hex'), want.toString('hex'));
  });

  t.test(`${name}: a MESSAGE frame with an empty middle: header inline, front+data+epilogue in one operation`, async (t) => {
    const header = Buffer.alloc(41, 1);
    const front = Buffer.from('hello');
    const data = Buffer.alloc(20, 7);
    const pre = preamble(Tag.MESSAGE, [41, 5, 0, 20], [8, 8, 8, 4096]);
    const want = Buffer.concat([gcm(clientTxNonce, 0, pre, pad(header, 48)), gcm(clientTxNonce, 1, p16(front), p16(data), epilogue)]);
    const asm = new FrameAssembler();
    asm.setCipher(createSessionCiphers(secret, false, bind).tx);
    const got = Buffer.concat(asm.assemble(Tag.MESSAGE, [header, front, Buffer.alloc(0), data], [8, 8, 8, 4096]));
    t.equal(got.toString('hex'), want.toString('hex'));
    // The second frame on the connection uses the next nonces (counter carries past 2^64-1 into 0).
    const want2 = gcm(clientTxNonce, 2, preamble(Tag.ACK, [8], [8]), pad(Buffer.alloc(8, 9), 48));
    t.equal(Buffer.concat(asm.assemble(Tag.ACK, [Buffer.alloc(8, 9)], [8])).toString('hex'), want2.toString('hex'), 'nonce counter wraps 0xff..ff -> 0');
    const r = new FrameReader();
    r.setCipher(createSessionCiphers(secret, true, bind).rx);
    r.push(Buffer.concat([got, want2]));
    const f = r.next()!;
    t.same(
      f.segments.map((s) => s.toString('hex')),
      [header, front, Buffer.alloc(0), data].map((s) => s.toString('hex')),
    );
    t.equal(r.next()!.tag, Tag.ACK);
  });

  t.test(`${name}: three operations in one frame, read whole, byte by byte and split at every byte`, async (t) => {
    const seg0 = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const front = Buffer.from('front');
    const data = Buffer.alloc(37, 0x33);
    const pre = preamble(Tag.MESSAGE, [100, 5, 0, 37], [8, 8, 8, 4096]);
    const padded0 = p16(seg0);
    const want = Buffer.concat([
      gcm(clientTxNonce, 0, pre, padded0.subarray(0, 48)),
      gcm(clientTxNonce, 1, padded0.subarray(48)),
      gcm(clientTxNonce, 2, p16(front), p16(data), epilogue),
    ]);
    const asm = new FrameAssembler();
    asm.setCipher(createSessionCiphers(secret, false, bind).tx);
    const got = Buffer.concat(asm.assemble(Tag.MESSAGE, [seg0, front, Buffer.alloc(0), data], [8, 8, 8, 4096]));
    t.equal(got.toString('hex'), want.toString('hex'), 'the bytes built by hand');
    const copy = Buffer.from(got);
    const read = (chunks: Buffer[]) => {
      const r = new FrameReader();
      r.setCipher(createSessionCiphers(secret, true, bind).rx);
      const frames = [];
      for (const c of chunks) {
        r.push(c);
        for (let f = r.next(); f; f = r.next()) frames.push(f);
      }
      return frames;
    };
    const ok = (frames: ReturnType<typeof read>) =>
      frames.length === 1 && frames[0]!.segments.map((x) => x.toString('hex')).join() === [seg0, front, Buffer.alloc(0), data].map((x) => x.toString('hex')).join() && Buffer.concat(frames[0]!.raw).equals(got);
    t.ok(ok(read([got])), 'whole');
    t.ok(ok(read([...got].map((b) => Buffer.from([b])))), 'one byte at a time');
    let bad = 0;
    for (let at = 1; at < got.length; at++) if (!ok(read([got.subarray(0, at), got.subarray(at)]))) bad++;
    t.equal(bad, 0, `split at each of ${got.length - 1} offsets`);
    const saved = gcmLimits.gcmPiecesMax;
    gcmLimits.gcmPiecesMax = 8;
    try {
      t.ok(ok(read([...got].map((b) => Buffer.from([b])))), `one byte at a time with gcmPiecesMax ${gcmLimits.gcmPiecesMax}: copied, then decrypted`);
    } finally {
      gcmLimits.gcmPiecesMax = saved;
    }
    t.ok(got.equals(copy), 'the received bytes are left as they were (decrypted out of place)');
  });

  t.test(`${name}: tampering with any byte fails the GCM tag (EBADMSG)`, async (t) => {
    const asm = new FrameAssembler();
    asm.setCipher(createSessionCiphers(secret, false, bind).tx);
    const frame = Buffer.concat(asm.assemble(Tag.MESSAGE, [Buffer.alloc(41), Buffer.alloc(100, 1)], [8, 8]));
    let refused = 0;
    for (let i = 0; i < frame.length; i += 7) {
      const bad = Buffer.from(frame);
      bad[i]! ^= 0x10;
      const r = new FrameReader();
      r.setCipher(createSessionCiphers(secret, true, bind).rx);
      r.push(bad);
      try {
        r.next();
      } catch (e) {
        if (e instanceof MsgAuthError && (e as MsgAuthError).code === 'EBADMSG') refused++;
      }
    }
    t.equal(refused, Math.ceil(frame.length / 7), `all ${refused} single-bit corruptions refused`);
  });

  t.test(`${name}: out of nonces: the tx side refuses to reuse its first nonce`, async (t) => {
    const tx = new TxCipher(key, Buffer.from('01000000' + '0500000000000000', 'hex'), bind);
    tx.seal([Buffer.alloc(16)]);
    tx.seal([Buffer.alloc(16)]);
    // 2^64 - 2 operations later the counter is back at the initial value.
    tx.setCounterForTest(5n);
    t.throws(() => tx.seal([Buffer.alloc(16)]), { code: 'EILSEQ', message: /out of nonces/ });
    const asm = new FrameAssembler();
    asm.setCipher(tx);
    t.throws(() => asm.assemble(Tag.ACK, [Buffer.alloc(8)], [8]), { code: 'EILSEQ' }, 'the frame assembler refuses too (the connection faults)');
  });
}
