/**
 * msgr2.1 secure mode against expected bytes built by hand in this file with node:crypto directly
 * (not with the assembler under test), following src/msg/async/frames_v2.cc: the preamble plus up to
 * 48 bytes of segment 0 in one AES-128-GCM operation, the rest of segment 0 in a second, segments
 * 1..3 plus the 16-byte epilogue in a third; each operation takes the next 96-bit nonce
 * {le32 fixed, le64 counter}; the accepting side's tx nonce is the connecting side's rx nonce.
 * Also: tampering fails the tag, and the out-of-nonces guard.
 */
import t from 'tap';
import { createCipheriv } from 'node:crypto';
import { crc32c } from '@ts-ceph/denc';
import { createSessionCiphers, FrameAssembler, FrameReader, MsgAuthError, Tag, TxCipher } from '../src';

const secret = Buffer.from('000102030405060708090a0b0c0d0e0f' + 'a0a1a2a3' + 'fdffffffffffffff' + 'b0b1b2b3' + '1000000000000000', 'hex');
const key = secret.subarray(0, 16);
const pad = (b: Buffer, n: number) => Buffer.concat([b, Buffer.alloc(n - b.length)]);
const p16 = (b: Buffer) => pad(b, Math.ceil(b.length / 16) * 16);

/** One GCM operation with nonce {fixed, counter}, as crypto_onwire.cc does it. */
function gcm(fixedAndCounter: Buffer, step: number, ...parts: Buffer[]): Buffer {
  const iv = Buffer.from(fixedAndCounter);
  iv.writeBigUInt64LE(BigInt.asUintN(64, iv.readBigUInt64LE(4) + BigInt(step)), 4);
  const c = createCipheriv('aes-128-gcm', key, iv);
  return Buffer.concat([c.update(Buffer.concat(parts)), c.final(), c.getAuthTag()]);
}

function preamble(tag: number, lens: number[], aligns: number[]): Buffer {
  const b = Buffer.alloc(32);
  b[0] = tag;
  b[1] = lens.length;
  lens.forEach((l, i) => {
    b.writeUInt32LE(l, 2 + 6 * i);
    b.writeUInt16LE(aligns[i]!, 6 + 6 * i);
  });
  b.writeUInt32LE(crc32c(0, b.subarray(0, 28)), 28);
  return b;
}

const clientTxNonce = secret.subarray(28, 40);
const epilogue = pad(Buffer.from([0x0e]), 16);

t.test('a 36-byte control frame travels inline: one GCM operation, 96 bytes', async (t) => {
  const payload = Buffer.from('0801010001c000000002000000000000001000000002000ce47f000001000000000000000000', 'hex').subarray(0, 36);
  const want = gcm(clientTxNonce, 0, preamble(Tag.HELLO, [36], [8]), pad(payload, 48));
  const asm = new FrameAssembler();
  asm.setCipher(createSessionCiphers(secret, false).tx);
  const got = Buffer.concat(asm.assemble(Tag.HELLO, [payload], [8]));
  t.equal(got.length, 96);
  t.equal(got.toString('hex'), want.toString('hex'));
  const r = new FrameReader();
  r.setCipher(createSessionCiphers(secret, true).rx);
  r.push(got);
  const f = r.next()!;
  t.equal(f.tag, Tag.HELLO);
  t.ok(f.segments[0]!.equals(payload), 'the accepting side (crossed nonces) decrypts it');
});

t.test('a 100-byte control frame: 48 inline, 64 (with padding) in a second operation', async (t) => {
  const payload = Buffer.alloc(100, 0x5a);
  const padded = p16(payload);
  const want = Buffer.concat([gcm(clientTxNonce, 0, preamble(Tag.AUTH_REQUEST, [100], [8]), padded.subarray(0, 48)), gcm(clientTxNonce, 1, padded.subarray(48))]);
  const asm = new FrameAssembler();
  asm.setCipher(createSessionCiphers(secret, false).tx);
  const got = Buffer.concat(asm.assemble(Tag.AUTH_REQUEST, [payload], [8]));
  t.equal(got.length, 96 + 64 + 16);
  t.equal(got.toString('hex'), want.toString('hex'));
});

t.test('a MESSAGE frame with an empty middle: header inline, front+data+epilogue in one operation', async (t) => {
  const header = Buffer.alloc(41, 1);
  const front = Buffer.from('hello');
  const data = Buffer.alloc(20, 7);
  const pre = preamble(Tag.MESSAGE, [41, 5, 0, 20], [8, 8, 8, 4096]);
  const want = Buffer.concat([gcm(clientTxNonce, 0, pre, pad(header, 48)), gcm(clientTxNonce, 1, p16(front), p16(data), epilogue)]);
  const asm = new FrameAssembler();
  asm.setCipher(createSessionCiphers(secret, false).tx);
  const got = Buffer.concat(asm.assemble(Tag.MESSAGE, [header, front, Buffer.alloc(0), data], [8, 8, 8, 4096]));
  t.equal(got.toString('hex'), want.toString('hex'));
  // The second frame on the connection uses the next nonces (counter carries past 2^64-1 into 0).
  const want2 = gcm(clientTxNonce, 2, preamble(Tag.ACK, [8], [8]), pad(Buffer.alloc(8, 9), 48));
  t.equal(Buffer.concat(asm.assemble(Tag.ACK, [Buffer.alloc(8, 9)], [8])).toString('hex'), want2.toString('hex'), 'nonce counter wraps 0xff..ff -> 0');
  const r = new FrameReader();
  r.setCipher(createSessionCiphers(secret, true).rx);
  r.push(Buffer.concat([got, want2]));
  const f = r.next()!;
  t.same(
    f.segments.map((s) => s.toString('hex')),
    [header, front, Buffer.alloc(0), data].map((s) => s.toString('hex')),
  );
  t.equal(r.next()!.tag, Tag.ACK);
});

t.test('tampering with any byte fails the GCM tag (EBADMSG)', async (t) => {
  const asm = new FrameAssembler();
  asm.setCipher(createSessionCiphers(secret, false).tx);
  const frame = Buffer.concat(asm.assemble(Tag.MESSAGE, [Buffer.alloc(41), Buffer.alloc(100, 1)], [8, 8]));
  let refused = 0;
  for (let i = 0; i < frame.length; i += 7) {
    const bad = Buffer.from(frame);
    bad[i]! ^= 0x10;
    const r = new FrameReader();
    r.setCipher(createSessionCiphers(secret, true).rx);
    r.push(bad);
    try {
      r.next();
    } catch (e) {
      if (e instanceof MsgAuthError && (e as MsgAuthError).code === 'EBADMSG') refused++;
    }
  }
  t.equal(refused, Math.ceil(frame.length / 7), `all ${refused} single-bit corruptions refused`);
});

t.test('out of nonces: the tx side refuses to reuse its first nonce', async (t) => {
  const tx = new TxCipher(key, Buffer.from('01000000' + '0500000000000000', 'hex'));
  tx.seal([Buffer.alloc(16)]);
  tx.seal([Buffer.alloc(16)]);
  // 2^64 - 2 operations later the counter is back at the initial value.
  tx.setCounterForTest(5n);
  t.throws(() => tx.seal([Buffer.alloc(16)]), { code: 'EILSEQ', message: /out of nonces/ });
  const asm = new FrameAssembler();
  asm.setCipher(tx);
  t.throws(() => asm.assemble(Tag.ACK, [Buffer.alloc(8)], [8]), { code: 'EILSEQ' }, 'the frame assembler refuses too (the connection faults)');
});
