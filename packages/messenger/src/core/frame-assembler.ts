import { assert } from '@ts-ceph/common';
import { crc32c } from '@ts-ceph/denc';
import { TxCipher } from './crypto';
import {
  encodePreamble,
  EPILOGUE_CRC_REV1_BYTES,
  EPILOGUE_SECURE_REV1_BYTES,
  FRAME_LATE_STATUS_COMPLETE,
  FRAME_PREAMBLE_INLINE_BYTES,
  MAX_NUM_SEGMENTS,
  paddedLength,
  SegmentDesc,
} from './preamble';

/**
 * The sending half of FrameAssembler (src/msg/async/frames_v2.cc), msgr2.1 only.
 *
 * crc mode:    preamble | seg0 | le32 crc(seg0) (if seg0 non-empty) | seg1..3 | epilogue (if >1 segment)
 *              segment crcs are ceph_crc32c(0xffffffff, seg); the epilogue is late_status=COMPLETE plus
 *              the crcs of segments 1..3.
 * secure mode: GCM(preamble + first 48 bytes of seg0, zero padded) | GCM(rest of padded seg0, if any)
 *              | GCM(padded seg1..3 + epilogue) (if >1 segment); every segment is zero padded to 16.
 *
 * The result is a list of buffers for a gathering write; in crc mode the payload segments are not
 * copied.
 */
export class FrameAssembler {
  private tx: TxCipher | undefined;

  /** Switch to secure mode (after AUTH_DONE), or back to crc (a new connection). */
  setCipher(tx: TxCipher | undefined): void {
    this.tx = tx;
  }

  get secure(): boolean {
    return this.tx !== undefined;
  }

  assemble(tag: number, segments: readonly Buffer[], aligns: readonly number[]): Buffer[] {
    assert(segments.length >= 1 && segments.length <= MAX_NUM_SEGMENTS, `frame with ${segments.length} segments`);
    // calc_num_segments: drop trailing empty segments, keep at least one.
    let n = segments.length;
    while (n > 1 && segments[n - 1]!.length === 0) n--;
    const descs: SegmentDesc[] = [];
    for (let i = 0; i < n; i++) descs.push({ length: segments[i]!.length, align: aligns[i] ?? 8 });
    const preamble = encodePreamble({ tag, segments: descs });
    return this.tx ? this.secureRev1(preamble, segments.slice(0, n)) : crcRev1(preamble, segments.slice(0, n));
  }

  private secureRev1(preamble: Buffer, segs: readonly Buffer[]): Buffer[] {
    const tx = this.tx!;
    const seg0 = padTo(segs[0]!, paddedLength(segs[0]!.length));
    let inline: Buffer;
    let rest: Buffer | undefined;
    if (seg0.length > FRAME_PREAMBLE_INLINE_BYTES) {
      inline = seg0.subarray(0, FRAME_PREAMBLE_INLINE_BYTES);
      rest = seg0.subarray(FRAME_PREAMBLE_INLINE_BYTES);
    } else {
      inline = padTo(seg0, FRAME_PREAMBLE_INLINE_BYTES);
    }
    const out = tx.seal([preamble, inline]);
    if (rest) out.push(...tx.seal([rest]));
    if (segs.length === 1) return out;
    const epilogue = Buffer.alloc(EPILOGUE_SECURE_REV1_BYTES);
    epilogue[0] = FRAME_LATE_STATUS_COMPLETE;
    const parts: Buffer[] = [];
    for (let i = 1; i < segs.length; i++) parts.push(padTo(segs[i]!, paddedLength(segs[i]!.length)));
    parts.push(epilogue);
    out.push(...tx.seal(parts));
    return out;
  }
}

function crcRev1(preamble: Buffer, segs: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [preamble];
  const seg0 = segs[0]!;
  if (seg0.length > 0) {
    const crc = Buffer.allocUnsafe(4);
    crc.writeUInt32LE(crc32c(0xffffffff, seg0), 0);
    out.push(seg0, crc);
  }
  if (segs.length === 1) return out;
  const epilogue = Buffer.alloc(EPILOGUE_CRC_REV1_BYTES);
  epilogue[0] = FRAME_LATE_STATUS_COMPLETE;
  for (let i = 1; i < segs.length; i++) {
    epilogue.writeUInt32LE(crc32c(0xffffffff, segs[i]!), 1 + 4 * (i - 1));
    if (segs[i]!.length) out.push(segs[i]!);
  }
  // Segments a shorter frame does not have keep crc 0, as Ceph's memset epilogue does.
  out.push(epilogue);
  return out;
}

function padTo(b: Buffer, len: number): Buffer {
  if (b.length >= len) return b;
  const out = Buffer.alloc(len);
  b.copy(out, 0);
  return out;
}
