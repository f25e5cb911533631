import { cephError } from '@ts-ceph/common/core';
import { crc32c } from '@ts-ceph/denc';
import { ByteQueue } from './byte-queue';
import { AESGCM_TAG_BYTES, RxCipher } from './crypto';
import { gcmLimits } from './gcm';
import { CipherBuffer, Landing, rxLimits } from './landing';
import { Slab } from './slab';
import { msgrLimits } from './limits';
import {
  decodePreamble,
  EPILOGUE_CRC_REV1_BYTES,
  EPILOGUE_SECURE_REV1_BYTES,
  FRAME_CRC_BYTES,
  FRAME_LATE_STATUS_ABORTED,
  FRAME_LATE_STATUS_ABORTED_MASK,
  FRAME_LATE_STATUS_COMPLETE,
  FRAME_PREAMBLE_INLINE_BYTES,
  paddedLength,
  Preamble,
  PREAMBLE_BYTES,
} from './preamble';
import { Tag, tagName } from './tags';

/** One received frame, its CRCs or GCM tags verified. */
export interface RxFrame {
  tag: number;
  /** Logical segments (padding removed), 1..4 of them. */
  segments: Buffer[];
  aligns: number[];
  /** The sender aborted the frame after its first segment (late_status ABORTED): drop it. */
  aborted: boolean;
  /**
   * The bytes as they were on the wire (for the pre-auth transcript that AUTH_SIGNATURE signs; not
   * complete, or empty, once the reader's keepRaw is off). A
   * landed secure MESSAGE frame's are valid only until the next frame (its ciphertext buffer is
   * reused), or were decrypted in place (openInPlace): only control frames' raw bytes are read.
   */
  raw: Buffer[];
}

interface Pending {
  preamble: Preamble;
  /** The preamble's wire bytes (secure mode: views of the received chunks, not a copy). */
  raw: Buffer[];
  /** Secure mode: the decrypted inline part of segment 0. */
  inline?: Buffer;
  restBytes: number;
  /** A large MESSAGE frame's rest, filled in place (see landing.ts); the queue is empty meanwhile. */
  landing?: Landing;
}

/**
 * The receiving half of FrameAssembler, msgr2.1 only, as an incremental decoder: push() bytes as
 * they arrive, next() returns a frame once all of it is buffered. Lengths from a preamble are checked
 * against msgrLimits before any of the frame's body is waited for, so an oversized frame is refused
 * on its first 32 (or 96) bytes. Errors are CephErrors (EBADMSG / EMSGSIZE / EPROTO); after one the
 * connection must be closed (the stream position is lost).
 *
 * The protocol switches the reader to secure mode between two frames (setCipher), which is why
 * next() never decodes past the frame it returns.
 *
 * A large MESSAGE frame is not collected from the socket reads but filled into one buffer as it
 * arrives (landing.ts): readTarget() tells the transport where to read the next bytes to.
 */
export class FrameReader {
  readonly queue = new ByteQueue();
  private rx: RxCipher | undefined;
  private pending: Pending | undefined;
  private admit: ((p: Preamble) => void) | undefined;
  /** Secure mode: plaintext buffers (the segments handed out are views of them). */
  private readonly slab = new Slab();
  /** Secure mode: the reused ciphertext buffer of landed frames. */
  private readonly cipher = new CipherBuffer();
  /**
   * Whether frames carry their wire bytes (`RxFrame.raw`): the protocol needs them only for the
   * pre-auth transcript and turns this off after AUTH_SIGNATURE, sparing two arrays per frame.
   */
  keepRaw = true;

  /**
   * A check run on every preamble after the size limits and before any of the frame's body is
   * waited for (the protocol refuses frames its state does not allow here, so a peer cannot make us
   * buffer a frame we would only refuse once it is complete). It throws to refuse.
   */
  setAdmission(admit: ((p: Preamble) => void) | undefined): void {
    this.admit = admit;
  }

  setCipher(rx: RxCipher | undefined): void {
    this.rx = rx;
  }

  get secure(): boolean {
    return this.rx !== undefined;
  }

  push(b: Buffer): void {
    const landing = this.pending?.landing;
    if (landing && !landing.done) {
      const n = landing.accept(b);
      if (n === b.length) return;
      b = b.subarray(n);
    }
    this.queue.push(b);
  }

  /**
   * Where the transport should put the next bytes it reads: the unfilled rest of a large frame
   * (read there, they are taken without a copy), or undefined for the transport's own buffers. A
   * transport never reads more into it than its length.
   */
  readTarget(): Buffer | undefined {
    return this.pending?.landing?.target();
  }

  preambleOnwireBytes(): number {
    return this.rx ? PREAMBLE_BYTES + FRAME_PREAMBLE_INLINE_BYTES + AESGCM_TAG_BYTES : PREAMBLE_BYTES;
  }

  next(): RxFrame | undefined {
    if (!this.pending) {
      const n = this.preambleOnwireBytes();
      if (this.queue.length < n) return undefined;
      let raw: Buffer[];
      let inline: Buffer | undefined;
      let plain: Buffer;
      if (this.rx) {
        // Decrypted from where the bytes sit (a preamble may straddle two socket reads).
        raw = this.queue.views(n, gcmLimits.gcmPiecesMax);
        this.queue.skip(n);
        plain = this.slab.take(PREAMBLE_BYTES + FRAME_PREAMBLE_INLINE_BYTES);
        this.rx.openInto(plain, 0, [PREAMBLE_BYTES + FRAME_PREAMBLE_INLINE_BYTES], raw, ['preamble']);
        inline = plain.subarray(PREAMBLE_BYTES);
      } else {
        plain = this.queue.take(n);
        raw = this.keepRaw ? [plain] : NO_RAW;
      }
      const preamble = decodePreamble(plain.subarray(0, PREAMBLE_BYTES));
      checkLimits(preamble);
      this.admit?.(preamble);
      this.pending = { preamble, raw, inline, restBytes: this.restBytes(preamble) };
      this.land(this.pending);
    }
    const p = this.pending;
    if (p.landing) return p.landing.done ? this.landed(p, p.landing.buf) : undefined;
    if (this.queue.length < p.restBytes) return undefined;
    this.pending = undefined;
    let frame: RxFrame;
    let rest: Buffer[] = [];
    if (this.rx) {
      // The rest of a secure frame is decrypted straight out of the received chunks: a large
      // message spread over many socket reads is not first copied into one buffer.
      if (p.restBytes) rest = this.queue.views(p.restBytes, gcmLimits.gcmPiecesMax);
      this.queue.skip(p.restBytes);
      frame = this.disasmSecure(p, rest);
    } else {
      const b = p.restBytes ? this.queue.take(p.restBytes) : Buffer.alloc(0);
      if (p.restBytes) rest = [b];
      frame = disasmCrc(p.preamble, b);
    }
    frame.raw = this.keepRaw && rest.length ? [...p.raw, ...rest] : p.raw;
    return frame;
  }

  /**
   * A MESSAGE frame whose rest is large and not all here yet gets a landing buffer, and what is
   * queued of it moves there (one copy of at most a socket read or two). Control frames never land:
   * the pre-auth transcript keeps their raw bytes, which a reused ciphertext buffer would overwrite.
   */
  private land(p: Pending): void {
    const n = p.restBytes;
    if (p.preamble.tag !== Tag.MESSAGE || n < rxLimits.frameLandBytesMin || this.queue.length >= n) return;
    // A secure frame opened in place (openableInPlace) keeps its landing buffer as its plaintext,
    // so it gets a fresh one; any other secure frame lands in the reused ciphertext buffer.
    p.landing = new Landing(this.rx && !openableInPlace(p.preamble) ? this.cipher.take(n) : Buffer.allocUnsafe(n));
    const queued = this.queue.length;
    let off = 0;
    for (const v of this.queue.views(queued)) {
      v.copy(p.landing.buf, off);
      off += v.length;
    }
    this.queue.skip(queued);
    p.landing.filled = queued;
  }

  /** The frame whose rest filled its landing buffer. */
  private landed(p: Pending, rest: Buffer): RxFrame {
    this.pending = undefined;
    const frame = !this.rx ? disasmCrc(p.preamble, rest) : openableInPlace(p.preamble) ? this.openInPlace(p, rest) : this.disasmSecure(p, [rest]);
    frame.raw = this.keepRaw ? [...p.raw, rest] : p.raw;
    return frame;
  }

  /**
   * A landed secure frame whose rest is one GCM operation (segments 1..3 and the epilogue):
   * decrypted where its ciphertext lies, so the segments are views of the landing buffer and no
   * second buffer of plaintext is made (its tag, after the plaintext, stays unread by anyone else).
   */
  private openInPlace(p: Pending, rest: Buffer): RxFrame {
    const segs = p.preamble.segments;
    const bytes = rest.length - AESGCM_TAG_BYTES;
    this.rx!.openInto(rest, 0, [bytes], [rest], ['segments']);
    const segments = [p.inline!.subarray(0, segs[0]!.length)];
    let o = 0;
    for (let i = 1; i < segs.length; i++) {
      segments.push(rest.subarray(o, o + segs[i]!.length));
      o += paddedLength(segs[i]!.length);
    }
    return { tag: p.preamble.tag, segments, aligns: segs.map((s) => s.align), aborted: !lateStatusComplete(rest[o]!), raw: [] };
  }

  /** get_segment_onwire_len + get_epilogue_onwire_len for everything after the preamble. */
  private restBytes(p: Preamble): number {
    const segs = p.segments;
    let n = 0;
    if (this.rx) {
      const padded0 = paddedLength(segs[0]!.length);
      if (padded0 > FRAME_PREAMBLE_INLINE_BYTES) n += padded0 - FRAME_PREAMBLE_INLINE_BYTES + AESGCM_TAG_BYTES;
      for (let i = 1; i < segs.length; i++) n += paddedLength(segs[i]!.length);
      if (segs.length > 1) n += EPILOGUE_SECURE_REV1_BYTES + AESGCM_TAG_BYTES;
    } else {
      if (segs[0]!.length > 0) n += segs[0]!.length + FRAME_CRC_BYTES;
      for (let i = 1; i < segs.length; i++) n += segs[i]!.length;
      if (segs.length > 1) n += EPILOGUE_CRC_REV1_BYTES;
    }
    return n;
  }

  /**
   * Segments of a secure frame: its remaining GCM operations (the rest of segment 0 if it did not
   * fit inline, then segments 1..3 with the epilogue) opened in one call into one buffer. When
   * segment 0 continues past the inline bytes, those 48 bytes are put in front of its decrypted
   * tail so the segment is contiguous.
   */
  private disasmSecure(p: Pending, rest: Buffer[]): RxFrame {
    const rx = this.rx!;
    const segs = p.preamble.segments;
    const len0 = segs[0]!.length;
    const padded0 = paddedLength(len0);
    const ops: number[] = [];
    const what: string[] = [];
    const keep = padded0 > FRAME_PREAMBLE_INLINE_BYTES ? FRAME_PREAMBLE_INLINE_BYTES : 0;
    if (keep) {
      ops.push(padded0 - FRAME_PREAMBLE_INLINE_BYTES);
      what.push('first segment');
    }
    if (segs.length > 1) {
      let n = EPILOGUE_SECURE_REV1_BYTES;
      for (let i = 1; i < segs.length; i++) n += paddedLength(segs[i]!.length);
      ops.push(n);
      what.push('segments');
    }
    const aligns = segs.map((s) => s.align);
    if (ops.length === 0) return { tag: p.preamble.tag, segments: [p.inline!.subarray(0, len0)], aligns, aborted: false, raw: [] };
    let plainBytes = keep;
    for (const n of ops) plainBytes += n;
    const plain = this.slab.take(plainBytes);
    if (keep) p.inline!.copy(plain, 0);
    rx.openInto(plain, keep, ops, rest, what);
    const segments = [keep ? plain.subarray(0, len0) : p.inline!.subarray(0, len0)];
    let aborted = false;
    if (segs.length > 1) {
      let o = keep ? padded0 : 0;
      for (let i = 1; i < segs.length; i++) {
        segments.push(plain.subarray(o, o + segs[i]!.length));
        o += paddedLength(segs[i]!.length);
      }
      aborted = !lateStatusComplete(plain[o]!);
    }
    return { tag: p.preamble.tag, segments, aligns, aborted, raw: [] };
  }
}

/** RxFrame.raw of a frame whose wire bytes are not kept (FrameReader.keepRaw); never written to. */
const NO_RAW: Buffer[] = [];

/**
 * A secure frame whose segment 0 fits the preamble's inline bytes and that has more segments: its
 * rest is exactly one GCM operation (every MESSAGE frame, whose segment 0 is the 41-byte header).
 */
function openableInPlace(p: Preamble): boolean {
  return p.segments.length > 1 && paddedLength(p.segments[0]!.length) <= FRAME_PREAMBLE_INLINE_BYTES;
}

function disasmCrc(p: Preamble, rest: Buffer): RxFrame {
  const segs = p.segments;
  const segments: Buffer[] = [];
  let off = 0;
  const len0 = segs[0]!.length;
  if (len0 > 0) {
    const seg0 = rest.subarray(0, len0);
    checkSegmentCrc(seg0, rest.readUInt32LE(len0), 0);
    segments.push(seg0);
    off = len0 + FRAME_CRC_BYTES;
  } else segments.push(Buffer.alloc(0));
  for (let i = 1; i < segs.length; i++) {
    segments.push(rest.subarray(off, off + segs[i]!.length));
    off += segs[i]!.length;
  }
  let aborted = false;
  if (segs.length > 1) {
    for (let i = 1; i < segs.length; i++) checkSegmentCrc(segments[i]!, rest.readUInt32LE(off + 1 + 4 * (i - 1)), i);
    aborted = !lateStatusComplete(rest[off]!);
  }
  return { tag: p.tag, segments, aligns: segs.map((s) => s.align), aborted, raw: [] };
}

function checkSegmentCrc(seg: Buffer, expected: number, i: number): void {
  const got = crc32c(0xffffffff, seg);
  if (got !== expected) throw cephError('EBADMSG', `bad segment ${i} crc calculated=${got} expected=${expected}`);
}

/** check_epilogue_late_status: true when complete, false when aborted, else a bit error. */
function lateStatusComplete(lateStatus: number): boolean {
  const s = lateStatus & FRAME_LATE_STATUS_ABORTED_MASK;
  if (s !== FRAME_LATE_STATUS_ABORTED && s !== FRAME_LATE_STATUS_COMPLETE) throw cephError('EBADMSG', `bad late_status 0x${lateStatus.toString(16)}`);
  return s === FRAME_LATE_STATUS_COMPLETE;
}

/** The sum of a frame's segment lengths as its preamble announces them. */
export function preambleBytes(p: Preamble): number {
  return p.segments.reduce((a, s) => a + s.length, 0);
}

function checkLimits(p: Preamble): void {
  const total = preambleBytes(p);
  const max = p.tag === Tag.MESSAGE ? msgrLimits.messageFrameBytesMax : msgrLimits.controlFrameBytesMax;
  const name = p.tag === Tag.MESSAGE ? 'messageFrameBytesMax' : 'controlFrameBytesMax';
  if (total > max) throw cephError('EMSGSIZE', `${tagName(p.tag)} frame of ${total} bytes over ${name} ${max}`);
}
