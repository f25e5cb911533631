import { cephError } from '@ts-ceph/common/core';
import { crc32c } from '@ts-ceph/denc';

/**
 * preamble_block_t (src/msg/async/frames_v2.h), 32 bytes:
 *   u8 tag, u8 num_segments, 4 × { le32 length, le16 alignment }, u8 reserved[2],
 *   le32 crc = ceph_crc32c(0, first 28 bytes).
 * A frame has 1..4 segments; trailing empty segments are dropped when sending (calc_num_segments),
 * and a receiver refuses a multi-segment frame whose last segment is empty.
 */
export const PREAMBLE_BYTES = 32;
export const MAX_NUM_SEGMENTS = 4;
/** msgr2.1 secure mode: the preamble carries up to 48 bytes of the first segment inline. */
export const FRAME_PREAMBLE_INLINE_BYTES = 48;
export const CRYPTO_BLOCK_BYTES = 16;
export const FRAME_CRC_BYTES = 4;
/** epilogue_crc_rev1_block_t: u8 late_status, 3 × le32 crc of segments 1..3. */
export const EPILOGUE_CRC_REV1_BYTES = 13;
/** epilogue_secure_rev1_block_t: u8 late_status + 15 bytes of padding (before the GCM tag). */
export const EPILOGUE_SECURE_REV1_BYTES = 16;

/** segment_t alignments Ceph announces: sizeof(void*) for control frames and message header/front/middle, a page for message data. */
export const SEGMENT_ALIGN_DEFAULT = 8;
export const SEGMENT_ALIGN_PAGE = 4096;

/** late_status (msgr2.1): low nibble 0x1 aborted, 0xe complete; anything else is a bit error. */
export const FRAME_LATE_STATUS_ABORTED = 0x1;
export const FRAME_LATE_STATUS_COMPLETE = 0xe;
export const FRAME_LATE_STATUS_ABORTED_MASK = 0xf;

export interface SegmentDesc {
  length: number;
  align: number;
}

export interface Preamble {
  tag: number;
  segments: SegmentDesc[];
}

export function encodePreamble(p: Preamble): Buffer {
  const b = Buffer.alloc(PREAMBLE_BYTES);
  const n = p.segments.length;
  writePreamble(
    b,
    0,
    p.tag,
    n,
    p.segments.map((s) => s.length),
    p.segments.map((s) => s.align),
  );
  return b;
}

/**
 * preamble_block_t at b[off..off+32] for the first `n` entries of `lengths` and `aligns` (the frame
 * assembler passes its own scratch arrays, so no Preamble object is built per frame; a missing
 * alignment is 8). Every byte is written, segments past n and the reserved bytes as zero: `b` may be
 * a reused buffer.
 */
export function writePreamble(b: Buffer, off: number, tag: number, n: number, lengths: ArrayLike<number>, aligns: ArrayLike<number | undefined>): void {
  b[off] = tag;
  b[off + 1] = n;
  for (let i = 0; i < MAX_NUM_SEGMENTS; i++) {
    b.writeUInt32LE(i < n ? lengths[i]! : 0, off + 2 + 6 * i);
    b.writeUInt16LE(i < n ? (aligns[i] ?? SEGMENT_ALIGN_DEFAULT) : 0, off + 6 + 6 * i);
  }
  b.writeUInt16LE(0, off + 26);
  b.writeUInt32LE(crc32c(0, b.subarray(off, off + 28)), off + 28);
}

/** FrameAssembler::disassemble_preamble's checks: crc, segment count, non-empty last segment. */
export function decodePreamble(b: Buffer): Preamble {
  const want = b.readUInt32LE(28);
  const got = crc32c(0, b.subarray(0, 28));
  if (got !== want) throw cephError('EBADMSG', `bad preamble crc calculated=${got} expected=${want}`);
  const n = b[1]!;
  if (n < 1 || n > MAX_NUM_SEGMENTS) throw cephError('EBADMSG', `bad number of segments num_segments=${n}`);
  const segments: SegmentDesc[] = [];
  for (let i = 0; i < n; i++) segments.push({ length: b.readUInt32LE(2 + 6 * i), align: b.readUInt16LE(6 + 6 * i) });
  if (n > 1 && segments[n - 1]!.length === 0) throw cephError('EBADMSG', 'last segment empty');
  return { tag: b[0]!, segments };
}

export function paddedLength(n: number): number {
  return Math.ceil(n / CRYPTO_BLOCK_BYTES) * CRYPTO_BLOCK_BYTES;
}
