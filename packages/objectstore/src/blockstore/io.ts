import { cephError, logger } from '@ts-ceph/common';
import { BlockDevice } from '../native/device';
import { allocAligned, BufferPool, SpanArena } from '../native/buffers';
import { crc32cBlocks, XtsCipher } from '../native/crypto';
import { blockBytes } from './layout';
import { CachedBlock, CachingOverlay, CoalescedCopy, ReadCache, readCacheBytesMax } from './read-cache';

const log = logger('nativestore');

/** The largest single device read the store issues (contiguous blocks are coalesced up to this). */
export const readBytesMax = 1024 * 1024;
/** The largest single device write for newly allocated blocks. */
export const writeBytesMax = 1024 * 1024;
/** Reads of at least this many bytes from one device run are returned without a copy. */
export const readZeroCopyBytesMin = 64 * 1024;
/** Ranges of at least this many bytes are encrypted or decrypted on the libuv thread pool. */
export const cryptAsyncBytesMin = 64 * 1024;

/** A Buffer over fresh aligned memory (an O_DIRECT read may target any block-aligned slice of it). */
function alignedBuffer(bytes: number): Buffer {
  const u = allocAligned(bytes);
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The buffers as one view when they are consecutive slices of one memory range. */
export function consecutive(parts: Buffer[]): Buffer | undefined {
  const first = parts[0]!;
  let bytes = 0;
  for (const p of parts) {
    if (p.buffer !== first.buffer || p.byteOffset !== first.byteOffset + bytes) return undefined;
    bytes += p.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, bytes);
}

export interface BlockRef {
  pblock: number;
  csum: number;
  /** Byte offset of the block in the caller's output buffer. */
  at: number;
}

/**
 * Block-level I/O for the store: logical block numbers of the data segment to device offsets,
 * encryption (aes-xts-plain64, sector IVs relative to the segment as dm-crypt computes them),
 * checksum verification on every read, and the overlay of block contents that are committed (or
 * prepared) but not yet known to be on the device.
 */
export class BlockIO {
  /** Verified blocks read from the device, for the next read of them (read-cache.ts). */
  readonly cache: ReadCache;
  /** pblock -> plaintext, for blocks whose newest contents are not yet on the device. */
  readonly overlay: Map<number, Buffer>;
  readonly pool = new BufferPool();
  /** Block contents of small writes (not I/O buffers: those come from the pool). */
  readonly arena = new SpanArena();

  constructor(
    readonly dev: BlockDevice,
    /** Byte offset of logical block 0 on the device (the LUKS2 data segment offset, or 0). */
    readonly dataOffset: number,
    readonly xts: XtsCipher | undefined,
    readonly describe: string,
    readCacheBytes = readCacheBytesMax,
  ) {
    this.cache = new ReadCache(readCacheBytes);
    this.overlay = new CachingOverlay(this.cache);
    if (dev.backend === 'io_uring' && dev.direct) dev.registerBuffer(this.pool.firstSlab);
  }

  /** Encrypt, in place, `blocks` whole blocks of buf from byte `start`, destined for pblock. */
  sealInPlace(buf: Uint8Array, start: number, blocks: number, pblock: number): void {
    if (this.xts) this.xts.encrypt(buf, pblock * blockBytes, start, blocks * blockBytes);
  }
  unsealInPlace(buf: Uint8Array, start: number, blocks: number, pblock: number): void {
    if (this.xts) this.xts.decrypt(buf, pblock * blockBytes, start, blocks * blockBytes);
  }

  /** Whether a block's current plaintext is in memory (the overlay, or verified in the read cache). */
  inMemory(pblock: number, csum: number): boolean {
    return this.overlay.has(pblock) || this.cache.get(pblock, csum) !== undefined;
  }

  /** Copy a block's current plaintext from memory into out at `at`; false when only the device has it. */
  copyFromMemory(pblock: number, csum: number, out: Buffer, at: number): boolean {
    const o = this.overlay.get(pblock);
    if (o) {
      o.copy(out, at);
      return true;
    }
    const c = this.cache.get(pblock, csum);
    if (!c) return false;
    c.run.buf.copy(out, at, c.at, c.at + blockBytes);
    return true;
  }

  /** Write whole blocks (plaintext) at pblock. */
  async writeBlocks(plain: Buffer, pblock: number): Promise<void> {
    return this.writePlains([plain], pblock);
  }

  /** Seal whole blocks of `src` for pblock into `dst` at dstStart: one pass, no separate copy. */
  sealTo(src: Uint8Array, dst: Uint8Array, dstStart: number, pblock: number): void {
    if (this.xts) this.xts.encryptTo(src, 0, dst, dstStart, src.byteLength, pblock * blockBytes);
    else dst.set(src, dstStart);
  }

  /** Write consecutive blocks given as separate plaintext buffers (whole blocks each) at pblock. */
  async writePlains(plains: Buffer[], pblock: number): Promise<void> {
    let bytes = 0;
    for (const p of plains) bytes += p.length;
    const buf = this.pool.get(bytes);
    const whole = plains.length > 1 ? consecutive(plains) : plains[0];
    if (whole && this.xts && bytes >= cryptAsyncBytesMin) await this.xts.encryptToAsync(whole, 0, buf, 0, bytes, pblock * blockBytes);
    else if (whole) this.sealTo(whole, buf, 0, pblock);
    else {
      let at = 0;
      for (const p of plains) {
        this.sealTo(p, buf, at, pblock + at / blockBytes);
        at += p.length;
      }
    }
    try {
      await this.dev.write(buf, this.dataOffset + pblock * blockBytes);
    } finally {
      this.pool.put(buf);
    }
  }

  /** Write already-sealed bytes (from an aligned buffer) at pblock. */
  writeSealed(sealed: Uint8Array, pblock: number): Promise<void> {
    return this.dev.write(sealed, this.dataOffset + pblock * blockBytes);
  }

  /** The device's bytes of `count` blocks at pblock, not decrypted, in a fresh aligned buffer. */
  async readSealed(pblock: number, count: number): Promise<Buffer> {
    const u = allocAligned(count * blockBytes);
    await this.dev.read(u, this.dataOffset + pblock * blockBytes);
    return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  }

  /** Raw read of `count` blocks at pblock, decrypted, not verified. */
  async readRaw(pblock: number, count: number): Promise<Buffer> {
    const buf = this.pool.get(count * blockBytes);
    try {
      await this.dev.read(buf, this.dataOffset + pblock * blockBytes);
      this.unsealInPlace(buf, 0, count, pblock);
      return Buffer.from(buf);
    } finally {
      this.pool.put(buf);
    }
  }

  /**
   * The blocks (laid out at their `at` offsets, consecutive) as one buffer. A large read of one
   * device run goes straight into a fresh aligned buffer, verified and decrypted in place, and is
   * returned as it is; anything else is assembled by readVerified. `shared`: the caller will not
   * modify the buffer (ObjectStore.readShared), so a hit of one cached run is a view of it and a
   * device run is cached as the buffer returned, both without a copy.
   */
  async readBlocks(blocks: BlockRef[], what: string, shared = false): Promise<Buffer> {
    const cached = (shared ? this.sharedHit(blocks) : undefined) ?? this.fromMemory(blocks);
    if (cached) return cached;
    const n = blocks.length;
    const first = blocks[0]!.pblock;
    let run = n * blockBytes >= readZeroCopyBytesMin && n * blockBytes <= readBytesMax && first !== 0;
    for (let i = 0; run && i < n; i++) run = blocks[i]!.pblock === first + i && blocks[i]!.at === i * blockBytes && !this.overlay.has(first + i);
    if (!run) {
      // A large read (a 4 MiB object is four device runs of readBytesMax) goes into aligned memory,
      // so each run is read in place instead of through a pool buffer and a copy.
      const direct = n * blockBytes >= readZeroCopyBytesMin;
      const out = direct ? alignedBuffer(n * blockBytes) : Buffer.allocUnsafe(n * blockBytes);
      await this.readVerified(blocks, out, what, direct);
      return out;
    }
    const u = allocAligned(n * blockBytes);
    await this.dev.read(u, this.dataOffset + first * blockBytes);
    const buf = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    await this.checkRun(buf, blocks, what);
    this.remember(buf, blocks, shared);
    return buf;
  }

  /** Consecutive device blocks all in one cached run (and none pending in the overlay): a view of it. */
  private sharedHit(blocks: BlockRef[]): Buffer | undefined {
    const first = blocks[0]!.pblock;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      if (first === 0 || b.pblock !== first + i || b.at !== i * blockBytes || this.overlay.has(b.pblock)) return undefined;
    }
    return this.cache.view(first, blocks.length, (i) => blocks[i]!.csum);
  }

  /**
   * The blocks from memory alone (holes, the overlay, the read cache) in a fresh buffer, or
   * undefined as soon as one of them would need the device.
   */
  private fromMemory(blocks: BlockRef[]): Buffer | undefined {
    const srcs: (Buffer | CachedBlock | undefined)[] = [];
    for (const b of blocks) {
      const src = b.pblock === 0 ? undefined : (this.overlay.get(b.pblock) ?? this.cache.get(b.pblock, b.csum));
      if (b.pblock !== 0 && !src) return undefined;
      srcs.push(src);
    }
    const out = Buffer.allocUnsafe(blocks.length * blockBytes);
    const copy = new CoalescedCopy(out);
    blocks.forEach((b, i) => {
      const src = srcs[i];
      if (!src) out.fill(0, b.at, b.at + blockBytes);
      else if (Buffer.isBuffer(src)) src.copy(out, b.at);
      else copy.add(src.run.buf, src.at, b.at);
    });
    copy.flush();
    return out;
  }

  /**
   * Keep a verified run (consecutive device blocks) in the read cache, unless a write to it is
   * pending: a copy, or `plain` itself when its reader promised not to modify it (`shared`).
   */
  private remember(plain: Uint8Array, run: BlockRef[], shared = false): void {
    if (run.some((b) => this.overlay.has(b.pblock))) return;
    const csums = run.map((b) => b.csum);
    if (shared && Buffer.isBuffer(plain)) this.cache.adopt(run[0]!.pblock, plain, csums);
    else this.cache.put(run[0]!.pblock, plain, csums);
  }

  /** Decrypt a run read from the device in place and check every block's crc32c. */
  private async checkRun(buf: Buffer, run: BlockRef[], what: string): Promise<void> {
    const bytes = run.length * blockBytes;
    if (this.xts && bytes >= cryptAsyncBytesMin) await this.xts.decryptAsync(buf, run[0]!.pblock * blockBytes, 0, bytes);
    else this.unsealInPlace(buf, 0, run.length, run[0]!.pblock);
    const got = crc32cBlocks(buf.subarray(0, run.length * blockBytes), blockBytes);
    for (let i = 0; i < run.length; i++) {
      const b = run[i]!;
      if (got[i] !== b.csum) {
        log.error(`${this.describe}: checksum mismatch reading ${what} at device block ${b.pblock}: expected 0x${b.csum.toString(16)}, got 0x${got[i]!.toString(16)}`);
        throw cephError('EIO', `${what}: checksum mismatch at device block ${b.pblock}`);
      }
    }
  }

  /**
   * Read blocks (pblock, expected csum) into `out` at block positions; holes (pblock 0) are zeros.
   * Every block from the device is checked against its crc32c: a mismatch is logged and is EIO.
   * Contiguous blocks are one read; decryption and checksums take one native call per read.
   * Blocks in the read cache are served from it unless `fromCache` is false (a deep fsck, which
   * must check what the device holds).
   */
  async readVerified(blocks: BlockRef[], out: Buffer, what: string, outAligned = false, fromCache = true): Promise<void> {
    const fromDevice: BlockRef[] = [];
    for (const b of blocks) {
      if (b.pblock === 0) {
        out.fill(0, b.at, b.at + blockBytes);
        continue;
      }
      const o = this.overlay.get(b.pblock);
      const c = o || !fromCache ? undefined : this.cache.get(b.pblock, b.csum);
      if (o) o.copy(out, b.at);
      else if (c) c.run.buf.copy(out, b.at, c.at, c.at + blockBytes);
      else fromDevice.push(b);
    }
    if (!fromDevice.length) return;
    if (fromDevice.length === 1) return this.readRun(fromDevice, out, what, outAligned);
    fromDevice.sort((a, b) => a.pblock - b.pblock);
    const runs: BlockRef[][] = [];
    for (const b of fromDevice) {
      const run = runs[runs.length - 1];
      const last = run?.[run.length - 1];
      if (run && last && last.pblock + 1 === b.pblock && run.length * blockBytes < readBytesMax) run.push(b);
      else runs.push([b]);
    }
    await Promise.all(runs.map((run) => this.readRun(run, out, what, outAligned)));
  }

  /** One device run into `out`: in place when `out` is aligned memory and the run is consecutive there too. */
  private async readRun(run: BlockRef[], out: Buffer, what: string, outAligned = false): Promise<void> {
    const n = run.length;
    const first = run[0]!.pblock;
    const at = run[0]!.at;
    if (outAligned && run.every((b, i) => b.at === at + i * blockBytes)) {
      const view = out.subarray(at, at + n * blockBytes);
      await this.dev.read(view, this.dataOffset + first * blockBytes);
      await this.checkRun(view, run, what);
      return this.remember(view, run);
    }
    const buf = this.pool.get(n * blockBytes);
    try {
      await this.dev.read(buf, this.dataOffset + first * blockBytes);
      await this.checkRun(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), run, what);
      this.remember(buf, run);
      for (let i = 0; i < n; i++) out.set(buf.subarray(i * blockBytes, (i + 1) * blockBytes), run[i]!.at);
    } finally {
      this.pool.put(buf);
    }
  }
}
