import { DencError, putBigU64LE } from '@ts-ceph/denc';

/**
 * ceph_msg_header2 (src/include/msgr.h), the first segment of a MESSAGE frame, 41 bytes packed:
 *   le64 seq, le64 tid, le16 type, le16 priority, le16 version, le32 data_pre_padding_len,
 *   le16 data_off, le64 ack_seq, u8 flags, le16 compat_version, le16 reserved.
 * `flags` is the old footer's flags (CEPH_MSG_FOOTER_COMPLETE|NOCRC = 3 from a 16.2 sender);
 * msgr2 carries no per-message crcs, the frame's own crcs or GCM tags protect the segments.
 */
export const CEPH_MSG_HEADER2_BYTES = 41;

export interface MsgHeader2 {
  /** Per-session message sequence number, 1-based; u64 on the wire, always < 2^53 in practice. */
  seq: number;
  tid: bigint;
  type: number;
  priority: number;
  version: number;
  dataPrePaddingLen: number;
  dataOff: number;
  /** The highest seq the sender has received from us (piggy-backed ack). */
  ackSeq: number;
  flags: number;
  compatVersion: number;
  reserved: number;
}

// Hot path (every message): plain Buffer reads and writes rather than a denc Reader/Writer, and
// seq and ack_seq (numbers below 2^53) as two 32-bit halves: a BigInt write builds four BigInts.
export function encodeHeader2(h: MsgHeader2): Buffer {
  return encodeHeader2Into(Buffer.allocUnsafe(CEPH_MSG_HEADER2_BYTES), h);
}

/** The header into `b` (at least 41 bytes; every header byte written), returning b's first 41 bytes. */
export function encodeHeader2Into(b: Buffer, h: MsgHeader2): Buffer {
  if (b.length < CEPH_MSG_HEADER2_BYTES) throw new RangeError(`ceph_msg_header2 needs ${CEPH_MSG_HEADER2_BYTES} bytes, got ${b.length}`);
  writeU53(b, h.seq, 0);
  putBigU64LE(b, h.tid, 8);
  b.writeUInt16LE(h.type, 16);
  b.writeUInt16LE(h.priority, 18);
  b.writeUInt16LE(h.version, 20);
  b.writeUInt32LE(h.dataPrePaddingLen, 22);
  b.writeUInt16LE(h.dataOff, 26);
  writeU53(b, h.ackSeq, 28);
  b[36] = h.flags;
  b.writeUInt16LE(h.compatVersion, 37);
  b.writeUInt16LE(h.reserved, 39);
  return b.length === CEPH_MSG_HEADER2_BYTES ? b : b.subarray(0, CEPH_MSG_HEADER2_BYTES);
}

/** Decode the 41-byte header; a shorter segment or a seq/ack_seq beyond 2^53 is a DencError. */
export function decodeHeader2(b: Buffer): MsgHeader2 {
  if (b.length < CEPH_MSG_HEADER2_BYTES) throw new DencError('DENC_SHORT', 'ceph_msg_header2', 0, `need ${CEPH_MSG_HEADER2_BYTES} bytes, ${b.length} left`);
  return {
    seq: readU53(b, 0, 'seq'),
    tid: b.readBigUInt64LE(8),
    type: b.readUInt16LE(16),
    priority: b.readUInt16LE(18),
    version: b.readUInt16LE(20),
    dataPrePaddingLen: b.readUInt32LE(22),
    dataOff: b.readUInt16LE(26),
    ackSeq: readU53(b, 28, 'ack_seq'),
    flags: b[36]!,
    compatVersion: b.readUInt16LE(37),
    reserved: b.readUInt16LE(39),
  };
}

/** A u64 we keep as a number (< 2^53), little-endian, as its low and high 32-bit halves. */
function writeU53(b: Buffer, v: number, off: number): void {
  b.writeUInt32LE(v >>> 0, off);
  b.writeUInt32LE(Math.floor(v / 0x100000000), off + 4);
}

/** A u64 that must fit a number: above 2^53 is a DencError naming the field. */
function readU53(b: Buffer, off: number, field: string): number {
  const hi = b.readUInt32LE(off + 4);
  if (hi > 0x1fffff) throw new DencError('DENC_LIMIT', `ceph_msg_header2.${field}`, off, `u64 ${b.readBigUInt64LE(off)} exceeds 2^53`);
  return hi * 0x100000000 + b.readUInt32LE(off);
}
