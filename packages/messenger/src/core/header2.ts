import { DencError } from '@ts-ceph/denc';

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

// Hot path (every message): plain Buffer reads and writes rather than a denc Reader/Writer.
export function encodeHeader2(h: MsgHeader2): Buffer {
  const b = Buffer.allocUnsafe(CEPH_MSG_HEADER2_BYTES);
  b.writeBigUInt64LE(BigInt(h.seq), 0);
  b.writeBigUInt64LE(BigInt.asUintN(64, h.tid), 8);
  b.writeUInt16LE(h.type, 16);
  b.writeUInt16LE(h.priority, 18);
  b.writeUInt16LE(h.version, 20);
  b.writeUInt32LE(h.dataPrePaddingLen, 22);
  b.writeUInt16LE(h.dataOff, 26);
  b.writeBigUInt64LE(BigInt(h.ackSeq), 28);
  b[36] = h.flags;
  b.writeUInt16LE(h.compatVersion, 37);
  b.writeUInt16LE(h.reserved, 39);
  return b;
}

/** Decode the 41-byte header; a shorter segment or a seq/ack_seq beyond 2^53 is a DencError. */
export function decodeHeader2(b: Buffer): MsgHeader2 {
  if (b.length < CEPH_MSG_HEADER2_BYTES) throw new DencError('DENC_SHORT', 'ceph_msg_header2', 0, `need ${CEPH_MSG_HEADER2_BYTES} bytes, ${b.length} left`);
  const u53 = (off: number, field: string): number => {
    const v = b.readBigUInt64LE(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DencError('DENC_LIMIT', `ceph_msg_header2.${field}`, off, `u64 ${v} exceeds 2^53`);
    return Number(v);
  };
  return {
    seq: u53(0, 'seq'),
    tid: b.readBigUInt64LE(8),
    type: b.readUInt16LE(16),
    priority: b.readUInt16LE(18),
    version: b.readUInt16LE(20),
    dataPrePaddingLen: b.readUInt32LE(22),
    dataOff: b.readUInt16LE(26),
    ackSeq: u53(28, 'ack_seq'),
    flags: b[36]!,
    compatVersion: b.readUInt16LE(37),
    reserved: b.readUInt16LE(39),
  };
}
