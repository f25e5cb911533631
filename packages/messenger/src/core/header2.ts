import { Reader, Writer } from '@ts-ceph/denc';

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

export function encodeHeader2(h: MsgHeader2): Buffer {
  const w = new Writer(undefined, CEPH_MSG_HEADER2_BYTES);
  w.u64(h.seq).u64(h.tid).u16(h.type).u16(h.priority).u16(h.version).u32(h.dataPrePaddingLen).u16(h.dataOff);
  w.u64(h.ackSeq).u8(h.flags).u16(h.compatVersion).u16(h.reserved);
  return w.finish();
}

export function decodeHeader2(b: Buffer): MsgHeader2 {
  const r = new Reader(b);
  return r.within('ceph_msg_header2', () => ({
    seq: r.u64n('seq'),
    tid: r.u64('tid'),
    type: r.u16('type'),
    priority: r.u16('priority'),
    version: r.u16('version'),
    dataPrePaddingLen: r.u32('data_pre_padding_len'),
    dataOff: r.u16('data_off'),
    ackSeq: r.u64n('ack_seq'),
    flags: r.u8('flags'),
    compatVersion: r.u16('compat_version'),
    reserved: r.u16('reserved'),
  }));
}
