import { assert, cephError } from '@ts-ceph/common';
import { nativeAddon, NativeXtsKey } from './binding';

/** Ceph's raw crc32c (no inversion), hardware accelerated; see native/crc32c.cc. */
export function crc32c(seed: number, data: Uint8Array, forceTable = false): number {
  assert(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff, 'crc32c seed must be a u32');
  return nativeAddon().crc32c(seed, data, 0, data.byteLength, forceTable) >>> 0;
}

export function crc32cHardware(): boolean {
  return nativeAddon().crc32cHardware;
}

/** Per-block checksums as BlueStore keeps them (Checksummer::crc32c, seed -1). */
export function crc32cBlocks(data: Uint8Array, blockBytes: number, out = new Uint32Array(data.byteLength / blockBytes)): Uint32Array {
  assert(blockBytes > 0 && data.byteLength % blockBytes === 0, 'crc32cBlocks: data is not whole blocks');
  assert(out.length >= data.byteLength / blockBytes, 'crc32cBlocks: output too small');
  nativeAddon().crc32cBlocks(0xffffffff, data, blockBytes, out);
  return out;
}

/** The largest Argon2 memory cost we accept from a LUKS2 keyslot (cryptsetup's maximum is 4 GiB). */
export const argon2MemoryKiBMax = 4 * 1024 * 1024;

export async function argon2(type: 'argon2i' | 'argon2id', password: Uint8Array, salt: Uint8Array, time: number, memoryKiB: number, lanes: number, outBytes: number): Promise<Buffer> {
  if (!Number.isInteger(time) || time < 1 || time > 1 << 20) throw cephError('EINVAL', `argon2: time cost ${time} out of range`);
  if (!Number.isInteger(memoryKiB) || memoryKiB < 8 * lanes || memoryKiB > argon2MemoryKiBMax) throw cephError('EINVAL', `argon2: memory ${memoryKiB} KiB out of range`);
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 16) throw cephError('EINVAL', `argon2: ${lanes} lanes out of range`);
  if (!Number.isInteger(outBytes) || outBytes < 4 || outBytes > 1024) throw cephError('EINVAL', `argon2: output length ${outBytes} out of range`);
  if (salt.byteLength < 8) throw cephError('EINVAL', 'argon2: salt shorter than 8 bytes');
  return nativeAddon().argon2(type, password, salt, time, memoryKiB, lanes, outBytes);
}

/**
 * AES-XTS with dm-crypt's plain64 IV. The IV of a sector is (its byte offset in the segment / 512)
 * + ivTweak: dm-crypt counts IVs in 512-byte units even with 4096-byte sectors (LUKS2 never sets
 * iv_large_sectors), so consecutive 4 KiB sectors have IVs 8 apart.
 */
export class XtsCipher {
  private key: NativeXtsKey | undefined;
  constructor(
    key: Uint8Array,
    readonly sectorBytes: number,
    readonly ivTweak = 0,
  ) {
    if (key.byteLength !== 64 && key.byteLength !== 32) throw cephError('EINVAL', `xts: key must be 32 or 64 bytes, got ${key.byteLength}`);
    if (![512, 1024, 2048, 4096].includes(sectorBytes)) throw cephError('EINVAL', `xts: sector size ${sectorBytes} unsupported`);
    this.key = new (nativeAddon().XtsKey)(key);
  }
  /** Encrypt (or decrypt) `buf` in place; it holds the sectors starting at segment byte `offset`. */
  crypt(encrypt: boolean, buf: Uint8Array, offset: number, start = 0, length = buf.byteLength - start): void {
    assert(this.key, 'xts: key destroyed');
    assert(offset % this.sectorBytes === 0 && length % this.sectorBytes === 0, 'xts: range not sector aligned');
    assert(start >= 0 && start + length <= buf.byteLength, 'xts: range outside the buffer');
    this.key.crypt(encrypt, buf, start, length, this.sectorBytes, offset / 512 + this.ivTweak, this.sectorBytes / 512);
  }
  /** Encrypt `length` bytes of `src` from srcStart into `dst` at dstStart (sectors from segment byte `offset`). */
  encryptTo(src: Uint8Array, srcStart: number, dst: Uint8Array, dstStart: number, length: number, offset: number): void {
    assert(this.key, 'xts: key destroyed');
    assert(offset % this.sectorBytes === 0 && length % this.sectorBytes === 0, 'xts: range not sector aligned');
    assert(srcStart >= 0 && srcStart + length <= src.byteLength && dstStart >= 0 && dstStart + length <= dst.byteLength, 'xts: range outside a buffer');
    this.key.crypt(true, dst, dstStart, length, this.sectorBytes, offset / 512 + this.ivTweak, this.sectorBytes / 512, src, srcStart);
  }
  /** encryptTo on the libuv thread pool (for large ranges: the JS thread stays free). */
  encryptToAsync(src: Uint8Array, srcStart: number, dst: Uint8Array, dstStart: number, length: number, offset: number): Promise<void> {
    assert(this.key, 'xts: key destroyed');
    assert(offset % this.sectorBytes === 0 && length % this.sectorBytes === 0, 'xts: range not sector aligned');
    assert(srcStart >= 0 && srcStart + length <= src.byteLength && dstStart >= 0 && dstStart + length <= dst.byteLength, 'xts: range outside a buffer');
    return this.key.cryptAsync(true, dst, dstStart, length, this.sectorBytes, offset / 512 + this.ivTweak, this.sectorBytes / 512, src, srcStart);
  }
  /** decrypt on the libuv thread pool. */
  decryptAsync(buf: Uint8Array, offset: number, start = 0, length = buf.byteLength - start): Promise<void> {
    assert(this.key, 'xts: key destroyed');
    assert(offset % this.sectorBytes === 0 && length % this.sectorBytes === 0, 'xts: range not sector aligned');
    assert(start >= 0 && start + length <= buf.byteLength, 'xts: range outside the buffer');
    return this.key.cryptAsync(false, buf, start, length, this.sectorBytes, offset / 512 + this.ivTweak, this.sectorBytes / 512);
  }
  encrypt(buf: Uint8Array, offset: number, start?: number, length?: number): void {
    this.crypt(true, buf, offset, start, length);
  }
  decrypt(buf: Uint8Array, offset: number, start?: number, length?: number): void {
    this.crypt(false, buf, offset, start, length);
  }
  destroy(): void {
    this.key?.destroy();
    this.key = undefined;
  }
}
