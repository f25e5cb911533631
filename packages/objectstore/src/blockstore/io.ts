import { cephError, logger } from '@ts-ceph/common';
import { BlockDevice } from '../native/device';
import { BufferPool } from '../native/buffers';
import { crc32c, XtsCipher } from '../native/crypto';
import { blockBytes } from './layout';

const log = logger('bluestore');

/** The largest single device read the store issues (contiguous blocks are coalesced up to this). */
export const readBytesMax = 1024 * 1024;

/**
 * Block-level I/O for the store: logical block numbers of the data segment to device offsets,
 * encryption (aes-xts-plain64, sector IVs relative to the segment as dm-crypt computes them),
 * checksum verification on every read, and the overlay of block contents that are committed (or
 * prepared) but not yet known to be on the device.
 */
export class BlockIO {
  /** pblock -> plaintext, for blocks whose newest contents are not yet on the device. */
  readonly overlay = new Map<number, Buffer>();
  readonly pool = new BufferPool();

  constructor(
    readonly dev: BlockDevice,
    /** Byte offset of logical block 0 on the device (the LUKS2 data segment offset, or 0). */
    readonly dataOffset: number,
    readonly xts: XtsCipher | undefined,
    readonly describe: string,
  ) {
    if (dev.backend === 'io_uring' && dev.direct) dev.registerBuffer(this.pool.firstSlab);
  }

  /** Encrypt a copy of whole blocks for pblock (what goes to the device or into the WAL). */
  seal(plain: Buffer, pblock: number): Uint8Array {
    const buf = this.pool.get(plain.length);
    buf.set(plain);
    if (this.xts) this.xts.encrypt(buf, pblock * blockBytes);
    return buf;
  }

  /** Write whole blocks (plaintext) at pblock. */
  async writeBlocks(plain: Buffer, pblock: number): Promise<void> {
    const buf = this.seal(plain, pblock);
    try {
      await this.dev.write(buf, this.dataOffset + pblock * blockBytes);
    } finally {
      this.pool.put(buf);
    }
  }

  /** Write already-sealed bytes (a WAL record's payload) at pblock. */
  async writeSealed(sealed: Uint8Array, pblock: number): Promise<void> {
    const buf = this.pool.get(sealed.byteLength);
    buf.set(sealed);
    try {
      await this.dev.write(buf, this.dataOffset + pblock * blockBytes);
    } finally {
      this.pool.put(buf);
    }
  }

  /** Raw read of `count` blocks at pblock, decrypted, not verified. */
  async readRaw(pblock: number, count: number): Promise<Buffer> {
    const buf = this.pool.get(count * blockBytes);
    try {
      await this.dev.read(buf, this.dataOffset + pblock * blockBytes);
      if (this.xts) this.xts.decrypt(buf, pblock * blockBytes);
      return Buffer.from(buf);
    } finally {
      this.pool.put(buf);
    }
  }

  /**
   * Read blocks (pblock, expected csum) into `out` at block positions; holes (pblock 0) are zeros.
   * Every block from the device is checked against its crc32c: a mismatch is logged and is EIO.
   */
  async readVerified(blocks: { pblock: number; csum: number; at: number }[], out: Buffer, what: string): Promise<void> {
    const fromDevice: { pblock: number; csum: number; at: number }[] = [];
    for (const b of blocks) {
      if (b.pblock === 0) {
        out.fill(0, b.at, b.at + blockBytes);
        continue;
      }
      const o = this.overlay.get(b.pblock);
      if (o) o.copy(out, b.at);
      else fromDevice.push(b);
    }
    fromDevice.sort((a, b) => a.pblock - b.pblock);
    const runs: (typeof fromDevice)[] = [];
    for (const b of fromDevice) {
      const run = runs[runs.length - 1];
      const last = run?.[run.length - 1];
      if (run && last && last.pblock + 1 === b.pblock && run.length * blockBytes < readBytesMax) run.push(b);
      else runs.push([b]);
    }
    await Promise.all(
      runs.map(async (run) => {
        const data = await this.readRaw(run[0]!.pblock, run.length);
        for (let i = 0; i < run.length; i++) {
          const b = run[i]!;
          const block = data.subarray(i * blockBytes, (i + 1) * blockBytes);
          const got = crc32c(0xffffffff, block);
          if (got !== b.csum) {
            log.error(`${this.describe}: checksum mismatch reading ${what} at device block ${b.pblock}: expected 0x${b.csum.toString(16)}, got 0x${got.toString(16)}`);
            throw cephError('EIO', `${what}: checksum mismatch at device block ${b.pblock}`);
          }
          block.copy(out, b.at);
        }
      }),
    );
  }
}
