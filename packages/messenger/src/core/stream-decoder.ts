import { Banner, BANNER_PREFIX_BYTES, parseBannerPayload, parseBannerPrefix } from './banner';
import { RxCipher } from './crypto';
import { FrameReader, RxFrame } from './frame-reader';

export type StreamItem = { kind: 'banner'; banner: Banner; raw: Buffer } | { kind: 'frame'; frame: RxFrame };

/**
 * One direction of a msgr2 connection decoded without a protocol: the banner, then frame after
 * frame (crc mode unless a cipher is set between frames). For captured streams, tools and tests;
 * the live protocol uses FrameReader directly. Errors are CephErrors.
 */
export class StreamDecoder {
  readonly reader = new FrameReader();
  private bannerLen = -1;
  private bannerDone = false;

  push(b: Buffer): void {
    this.reader.push(b);
  }

  setCipher(rx: RxCipher | undefined): void {
    this.reader.setCipher(rx);
  }

  /** Bytes received but not yet part of a complete banner or frame. */
  get buffered(): number {
    return this.reader.queue.length;
  }

  next(): StreamItem | undefined {
    const q = this.reader.queue;
    if (!this.bannerDone) {
      if (this.bannerLen < 0) {
        if (q.length < BANNER_PREFIX_BYTES) return undefined;
        this.bannerLen = parseBannerPrefix(q.peek(BANNER_PREFIX_BYTES));
      }
      if (q.length < BANNER_PREFIX_BYTES + this.bannerLen) return undefined;
      const raw = q.take(BANNER_PREFIX_BYTES + this.bannerLen);
      this.bannerDone = true;
      return { kind: 'banner', banner: parseBannerPayload(raw.subarray(BANNER_PREFIX_BYTES)), raw };
    }
    const frame = this.reader.next();
    return frame ? { kind: 'frame', frame } : undefined;
  }

  /** Everything decodable from what was pushed so far. */
  drain(): StreamItem[] {
    const out: StreamItem[] = [];
    for (let it = this.next(); it; it = this.next()) out.push(it);
    return out;
  }
}
