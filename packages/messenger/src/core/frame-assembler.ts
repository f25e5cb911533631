import { AssertionError } from '@ts-ceph/common/core';
import { crc32c } from '@ts-ceph/denc';
import { AESGCM_TAG_BYTES, TxCipher } from './crypto';
import { GcmPiece } from './gcm';
import { Slab, slabLimits, TxBufferPool } from './slab';
import {
  EPILOGUE_CRC_REV1_BYTES,
  EPILOGUE_SECURE_REV1_BYTES,
  FRAME_CRC_BYTES,
  FRAME_LATE_STATUS_COMPLETE,
  FRAME_PREAMBLE_INLINE_BYTES,
  MAX_NUM_SEGMENTS,
  paddedLength,
  PREAMBLE_BYTES,
  writePreamble,
} from './preamble';

const EMPTY = Buffer.alloc(0);

/**
 * The sending half of FrameAssembler (src/msg/async/frames_v2.cc), msgr2.1 only.
 *
 * crc mode:    preamble | seg0 | le32 crc(seg0) (if seg0 non-empty) | seg1..3 | epilogue (if >1 segment)
 *              segment crcs are ceph_crc32c(0xffffffff, seg); the epilogue is late_status=COMPLETE plus
 *              the crcs of segments 1..3.
 * secure mode: GCM(preamble + first 48 bytes of seg0, zero padded) | GCM(rest of padded seg0, if any)
 *              | GCM(padded seg1..3 + epilogue) (if >1 segment); every segment is zero padded to 16.
 *
 * The result is a list of buffers for a gathering write. crc mode: the preamble, the crcs, the
 * epilogue and every part of a segment up to slabLimits.frameCopyBytesMax are written into one
 * buffer carved from this connection's slab; larger parts (a 1 MiB data segment, a store buffer
 * of a segment given as several parts) are not copied but listed where they lie, between views of that buffer.
 * Secure mode: the frame is one buffer of ciphertext sealed from the segments where they lie.
 * Frames carved one after the other are adjacent in the slab, so the transport can write a burst of
 * small frames as one buffer. Nothing returned is ever written to again, and no segment passed in is
 * referenced after assemble() unless it is returned as one of the buffers (a caller may reuse a
 * small scratch segment, such as a message header, right away).
 */
export class FrameAssembler {
  private tx: TxCipher | undefined;
  private readonly slab = new Slab(1, false);
  private readonly pool = new TxBufferPool();
  /** Per-frame scratch (one frame at a time; assemble() is synchronous). */
  private readonly lens = [0, 0, 0, 0];
  private readonly crcs = [0, 0, 0, 0];
  private readonly pieces: GcmPiece[] = [];
  private readonly ops: number[] = [];
  /** Secure mode: the plaintext preamble, read by the seal and never handed out. */
  private readonly preamble = Buffer.alloc(PREAMBLE_BYTES);
  /** crc mode, while one frame is laid out: its carved buffer, bytes written, start of the unlisted run. */
  private buf: Buffer = EMPTY;
  private w = 0;
  private runStart = 0;
  private out: Buffer[] = [];
  private pooledLast = false;

  /** Switch to secure mode (after AUTH_DONE), or back to crc (a new connection). */
  setCipher(tx: TxCipher | undefined): void {
    this.tx = tx;
  }

  get secure(): boolean {
    return this.tx !== undefined;
  }

  /**
   * Whether the last frame assembled is in a buffer from the pool, which the driver should give
   * back with release() once written (a large secure frame); other frames need no release.
   */
  get lastPooled(): boolean {
    return this.pooledLast;
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

  /**
   * A segment may be one buffer or several (a reply whose data is a header then the store's
   * buffers): its parts are written (crc) or sealed (secure) where they lie, never joined; the
   * wire bytes are those of their concatenation.
   */
  assemble(tag: number, segments: readonly FrameSegment[], aligns: readonly number[]): Buffer[] {
    if (segments.length < 1 || segments.length > MAX_NUM_SEGMENTS) throw new AssertionError(`frame with ${segments.length} segments`);
    const lens = this.lens;
    for (let i = 0; i < segments.length; i++) lens[i] = segmentBytes(segments[i]!);
    // calc_num_segments: drop trailing empty segments, keep at least one.
    let n = segments.length;
    while (n > 1 && lens[n - 1] === 0) n--;
    this.pooledLast = false;
    return this.tx ? this.secureRev1(tag, segments, n, aligns) : this.crcRev1(tag, segments, n, aligns);
  }

  /**
   * One native call per frame: the preamble, segment 0 and segments 1..3 are read where they are
   * (padding is a zero run, not a padded copy) and the frame's 2 or 3 GCM operations written into
   * one buffer (carved from this connection's slab when small, else from its pool of reusable
   * buffers, see release()), ready for the socket. Empty
   * segments and empty padding are left out of the pieces: each piece costs a little in the call.
   */
  private secureRev1(tag: number, segments: readonly FrameSegment[], n: number, aligns: readonly number[]): Buffer[] {
    const tx = this.tx!;
    const lens = this.lens;
    writePreamble(this.preamble, 0, tag, n, lens, aligns);
    const len0 = lens[0]!;
    const padded0 = paddedLength(len0);
    const pieces = this.pieces;
    const ops = this.ops;
    pieces.length = 0;
    ops.length = 0;
    pieces.push(this.preamble);
    pushParts(pieces, segments[0]!);
    ops.push(PREAMBLE_BYTES + FRAME_PREAMBLE_INLINE_BYTES);
    if (padded0 > FRAME_PREAMBLE_INLINE_BYTES) {
      if (padded0 > len0) pieces.push(padded0 - len0);
      ops.push(padded0 - FRAME_PREAMBLE_INLINE_BYTES);
    } else pieces.push(FRAME_PREAMBLE_INLINE_BYTES - len0);
    if (n > 1) {
      let rest = EPILOGUE_SECURE_REV1_BYTES;
      for (let i = 1; i < n; i++) {
        const len = lens[i]!;
        const padded = paddedLength(len);
        pushParts(pieces, segments[i]!);
        if (padded > len) pieces.push(padded - len);
        rest += padded;
      }
      pieces.push(this.epilogue);
      ops.push(rest);
    }
    let total = ops.length * AESGCM_TAG_BYTES;
    for (const b of ops) total += b;
    this.pooledLast = total > slabLimits.slabCarveBytesMax;
    const out = this.pooledLast ? this.pool.take(total) : this.slab.take(total);
    const wrote = tx.sealInto(out, 0, ops, pieces);
    pieces.length = 0;
    if (wrote !== total) throw new AssertionError(`sealed ${wrote} of ${total} frame bytes`);
    return [out];
  }

  /** epilogue_secure_rev1_block_t: late_status COMPLETE and 15 bytes of padding; read, never written. */
  private readonly epilogue: Buffer = (() => {
    const e = Buffer.alloc(EPILOGUE_SECURE_REV1_BYTES);
    e[0] = FRAME_LATE_STATUS_COMPLETE;
    return e;
  })();

  /**
   * preamble | seg0 | le32 crc(seg0) (if seg0 non-empty) | seg1..3 | epilogue (if >1 segment), the
   * frame's own bytes and its small parts in one carved buffer (see the class comment). Segment
   * crcs are ceph_crc32c(0xffffffff, seg) chained over its parts (no final xor); a segment a shorter
   * frame does not have keeps crc 0 in the epilogue, as Ceph's memset epilogue does.
   */
  private crcRev1(tag: number, segments: readonly FrameSegment[], n: number, aligns: readonly number[]): Buffer[] {
    const lens = this.lens;
    let carved = PREAMBLE_BYTES + (lens[0]! > 0 ? FRAME_CRC_BYTES : 0) + (n > 1 ? EPILOGUE_CRC_REV1_BYTES : 0);
    for (let i = 0; i < n; i++) carved += copiedBytes(segments[i]!);
    const buf = (this.buf = this.slab.take(carved));
    this.out = [];
    this.runStart = 0;
    writePreamble(buf, 0, tag, n, lens, aligns);
    this.w = PREAMBLE_BYTES;
    const crcs = this.crcs;
    crcs.fill(0);
    for (let i = 0; i < n; i++) {
      const s = segments[i]!;
      let crc = 0xffffffff;
      if (Buffer.isBuffer(s)) crc = this.putPart(s, crc);
      else for (const p of s as readonly Buffer[]) crc = this.putPart(p, crc);
      crcs[i] = crc;
      if (i === 0 && lens[0]! > 0) this.w = buf.writeUInt32LE(crc, this.w);
    }
    if (n > 1) {
      buf[this.w] = FRAME_LATE_STATUS_COMPLETE;
      for (let i = 1; i < MAX_NUM_SEGMENTS; i++) buf.writeUInt32LE(crcs[i]!, this.w + 1 + 4 * (i - 1));
      this.w += EPILOGUE_CRC_REV1_BYTES;
    }
    if (this.w !== carved) throw new AssertionError(`laid out ${this.w} of ${carved} carved frame bytes`);
    const out = this.out;
    if (this.w > this.runStart) out.push(this.runStart === 0 ? buf : buf.subarray(this.runStart, this.w));
    this.out = [];
    this.buf = EMPTY;
    return out;
  }

  /** One part of a crc-mode segment: copied into the carved buffer when small, else listed as is. */
  private putPart(p: Buffer, crc: number): number {
    if (!p.length) return crc;
    const next = crc32c(crc, p);
    if (p.length <= slabLimits.frameCopyBytesMax) {
      this.w += p.copy(this.buf, this.w);
      return next;
    }
    if (this.w > this.runStart) this.out.push(this.buf.subarray(this.runStart, this.w));
    this.runStart = this.w;
    this.out.push(p);
    return next;
  }
}

/** One frame segment as the assembler takes it: a buffer, or parts sent one after the other. */
export type FrameSegment = Buffer | readonly Buffer[];

function segmentBytes(s: FrameSegment): number {
  if (Buffer.isBuffer(s)) return s.length;
  let n = 0;
  for (const p of s as readonly Buffer[]) n += p.length;
  return n;
}

/** Bytes of a segment's parts that a crc-mode frame copies (see slabLimits.frameCopyBytesMax). */
function copiedBytes(s: FrameSegment): number {
  const max = slabLimits.frameCopyBytesMax;
  if (Buffer.isBuffer(s)) return s.length <= max ? s.length : 0;
  let n = 0;
  for (const p of s as readonly Buffer[]) if (p.length <= max) n += p.length;
  return n;
}

/** Empty parts are left out: each piece costs a little in the native call. */
function pushParts(out: GcmPiece[], s: FrameSegment): void {
  if (Buffer.isBuffer(s)) {
    if (s.length) out.push(s);
    return;
  }
  for (const p of s as readonly Buffer[]) if (p.length) out.push(p);
}
