/**
 * ceph_msg_header2 (core/header2.ts) against bytes laid out by hand here: seq and ack_seq are u64s
 * kept as numbers (written as two 32-bit halves), tid a u64 bigint; a seq or ack_seq at 2^53 or
 * above is refused on decode, 2^53 - 1 is not. The captured streams in streams.test.ts re-encode
 * every header of real Ceph traffic byte for byte.
 */
import t from 'tap';
import { DencError } from '@ts-ceph/denc';
import { CEPH_MSG_HEADER2_BYTES, MsgHeader2, decodeHeader2, encodeHeader2 } from '../src/core/header2';

const base: MsgHeader2 = { seq: 0, tid: 0n, type: 42, priority: 127, version: 8, dataPrePaddingLen: 0, dataOff: 4096, ackSeq: 0, flags: 3, compatVersion: 3, reserved: 0 };

/** The 41 bytes, field by field (src/include/msgr.h), without the encoder under test. */
function byHand(seqLo: number, seqHi: number, tid: Buffer, ackLo: number, ackHi: number): Buffer {
  const le = (v: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.floor(v / 2 ** (8 * i)) & 0xff);
  return Buffer.from([...le(seqLo, 4), ...le(seqHi, 4), ...tid, ...le(42, 2), ...le(127, 2), ...le(8, 2), ...le(0, 4), ...le(4096, 2), ...le(ackLo, 4), ...le(ackHi, 4), 3, ...le(3, 2), ...le(0, 2)]);
}

t.test('seq, tid and ack_seq above 32 bits, and the largest safe seq', async (t) => {
  const cases: [number, bigint, number, Buffer][] = [
    [1, 1n, 0, byHand(1, 0, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), 0, 0)],
    [2 ** 32 + 5, 0x0102030405060708n, 2 ** 40 + 7, byHand(5, 1, Buffer.from([8, 7, 6, 5, 4, 3, 2, 1]), 7, 2 ** 8)],
    [Number.MAX_SAFE_INTEGER, 0xffffffffffffffffn, 0xffffffff, byHand(0xffffffff, 0x1fffff, Buffer.alloc(8, 0xff), 0xffffffff, 0)],
  ];
  for (const [seq, tid, ackSeq, want] of cases) {
    const h = { ...base, seq, tid, ackSeq };
    const b = encodeHeader2(h);
    t.equal(b.length, CEPH_MSG_HEADER2_BYTES);
    t.same(b, want, `seq ${seq} tid ${tid} ack ${ackSeq}: the bytes laid out by hand`);
    t.same(decodeHeader2(want), h, 'and back');
  }
});

t.test('a negative tid goes out as its two\'s complement', async (t) => {
  const b = encodeHeader2({ ...base, tid: -1n });
  t.same(b.subarray(8, 16), Buffer.alloc(8, 0xff));
});

/** What `f` throws (a test failure when it returns). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

t.test('seq or ack_seq at 2^53 is refused, naming the field', async (t) => {
  const seq = thrown(() => decodeHeader2(byHand(0, 0x200000, Buffer.alloc(8), 0, 0)));
  t.ok(seq instanceof DencError, 'seq 2^53: a DencError');
  t.match((seq as Error).message, /ceph_msg_header2\.seq.*9007199254740992 exceeds 2\^53/);
  const ack = thrown(() => decodeHeader2(byHand(0, 0, Buffer.alloc(8), 0, 0xffffffff)));
  t.ok(ack instanceof DencError, 'ack_seq 2^64 - 2^32: a DencError');
  t.match((ack as Error).message, /ceph_msg_header2\.ack_seq/);
  t.ok(thrown(() => decodeHeader2(Buffer.alloc(40))) instanceof DencError, 'a short header');
});
