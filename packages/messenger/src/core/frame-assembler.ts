import { AssertionError } from '@ts-ceph/common/core';
import { crc32c } from '@ts-ceph/denc';
import { AESGCM_TAG_BYTES, TxCipher } from './crypto';
import { GcmPiece } from './gcm';
import { Slab, slabLimits, TxBufferPool } from './slab';
import {
  encodePreamble,
  EPILOGUE_CRC_REV1_BYTES,
  EPILOGUE_SECURE_REV1_BYTES,
  FRAME_LATE_STATUS_COMPLETE,
  FRAME_PREAMBLE_INLINE_BYTES,
  MAX_NUM_SEGMENTS,
  paddedLength,
  PREAMBLE_BYTES,
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
 * copied, in secure mode the frame is one buffer of ciphertext.
 */
export class FrameAssembler {
  private tx: TxCipher | undefined;
  private readonly slab = new Slab();
  private readonly pool = new TxBufferPool();

  /** Switch to secure mode (after AUTH_DONE), or back to crc (a new connection). */
  setCipher(tx: TxCipher | undefined): void {
    this.tx = tx;
  }

  get secure(): boolean {
    return this.tx !== undefined;
  }

  /**
   * The transport is done with buffers assemble() returned (their write completed): large secure
   * frames' buffers are reused. Buffers not from the pool are ignored.
   */
  release(bufs: readonly Buffer[]): void {
    for (const b of bufs) this.pool.release(b);
  }

  /** How many large-frame buffers were handed out, and how many of them were reused. */
  get txPoolStats(): { taken: number; reused: number } {
    return { ...this.pool.stats };
  }

  /** Which AES-GCM seals our frames: the native addon or node:crypto (undefined in crc mode). */
  get cipherImpl(): 'native' | 'node' | undefined {
    return this.tx ? (this.tx.isNative ? 'native' : 'node') : undefined;
  }

  assemble(tag: number, segments: readonly Buffer[], aligns: readonly number[]): Buffer[] {
    if (segments.length < 1 || segments.length > MAX_NUM_SEGMENTS) throw new AssertionError(`frame with ${segments.length} segments`);
    // calc_num_segments: drop trailing empty segments, keep at least one.
    let n = segments.length;
    while (n > 1 && segments[n - 1]!.length === 0) n--;
    const descs: SegmentDesc[] = [];
    for (let i = 0; i < n; i++) descs.push({ length: segments[i]!.length, align: aligns[i] ?? 8 });
    const preamble = encodePreamble({ tag, segments: descs });
    return this.tx ? this.secureRev1(preamble, segments.slice(0, n)) : crcRev1(preamble, segments.slice(0, n));
  }

  /**
   * One native call per frame: the preamble, segment 0 and segments 1..3 are read where they are
   * (padding is a zero run, not a padded copy) and the frame's 2 or 3 GCM operations written into
   * one buffer (carved from this connection's slab when small, else from its pool of reusable
   * buffers, see release()), ready for the socket. Empty
   * segments and empty padding are left out of the pieces: each piece costs a little in the call.
   */
  private secureRev1(preamble: Buffer, segs: readonly Buffer[]): Buffer[] {
    const tx = this.tx!;
    const len0 = segs[0]!.length;
    const padded0 = paddedLength(len0);
    const pieces: GcmPiece[] = [preamble];
    if (len0) pieces.push(segs[0]!);
    const ops = [PREAMBLE_BYTES + FRAME_PREAMBLE_INLINE_BYTES];
    if (padded0 > FRAME_PREAMBLE_INLINE_BYTES) {
      if (padded0 > len0) pieces.push(padded0 - len0);
      ops.push(padded0 - FRAME_PREAMBLE_INLINE_BYTES);
    } else pieces.push(FRAME_PREAMBLE_INLINE_BYTES - len0);
    if (segs.length > 1) {
      let rest = EPILOGUE_SECURE_REV1_BYTES;
      for (let i = 1; i < segs.length; i++) {
        const n = segs[i]!.length;
        const padded = paddedLength(n);
        if (n) pieces.push(segs[i]!);
        if (padded > n) pieces.push(padded - n);
        rest += padded;
      }
      pieces.push(this.epilogue);
      ops.push(rest);
    }
    let total = ops.length * AESGCM_TAG_BYTES;
    for (const n of ops) total += n;
    const out = total > slabLimits.slabCarveBytesMax ? this.pool.take(total) : this.slab.take(total);
    const wrote = tx.sealInto(out, 0, ops, pieces);
    if (wrote !== total) throw new AssertionError(`sealed ${wrote} of ${total} frame bytes`);
    return [out];
  }

  /** epilogue_secure_rev1_block_t: late_status COMPLETE and 15 bytes of padding; read, never written. */
  private readonly epilogue: Buffer = (() => {
    const e = Buffer.alloc(EPILOGUE_SECURE_REV1_BYTES);
    e[0] = FRAME_LATE_STATUS_COMPLETE;
    return e;
  })();
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
