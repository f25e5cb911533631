import { cephError } from '@ts-ceph/common/core';
import { Reader, Writer, crc32c } from '@ts-ceph/denc';

/**
 * ceph::BitVector<2> (src/common/bit_vector.hpp), the object map's encoding: two bits per object,
 * object 0 in the high bits of byte 0. On the wire:
 *   header: u32 length + ENCODE_START(1, 1) { u64 size }   (18 bytes)
 *   data:   ceil(size / 4) bytes, no length prefix
 *   footer: u32 length + [u32 header crc, u32 count, u32 crc per 4096-byte data block]
 * The footer is empty when CRCs are off (object_map_load answers that way); the stored object always
 * carries them (object_map_save turns them on). CRCs are ceph_crc32c with seed 0.
 */

/** BitVector::BLOCK_SIZE: the data bytes each data CRC covers. */
const BLOCK_BYTES = 4096;

/** Object-map states (src/include/rbd/object_map_types.h). */
export const OBJECT_NONEXISTENT = 0;
export const OBJECT_EXISTS = 1;
export const OBJECT_PENDING = 2;
export const OBJECT_EXISTS_CLEAN = 3;

/** cls::rbd::MAX_OBJECT_MAP_OBJECT_COUNT: object_map_resize refuses more (EINVAL). */
export const objectMapObjectCountMax = 256_000_000;

export class BitVector2 {
  /** `crcs`: whether the encoding carries the footer CRCs (BitVector::set_crc_enabled; decode sets it from the footer). */
  constructor(public size: number, public data: Buffer, public crcs = true) {}

  static empty(): BitVector2 {
    return new BitVector2(0, Buffer.alloc(0));
  }

  get(i: number): number {
    return (this.data[i >> 2] >> ((3 - (i & 3)) * 2)) & 3;
  }

  set(i: number, v: number): void {
    const shift = (3 - (i & 3)) * 2;
    this.data[i >> 2] = (this.data[i >> 2] & ~(3 << shift)) | ((v & 3) << shift);
  }

  /** BitVector::resize: new elements are zero; shrinking keeps the bits of the last partial byte. */
  resize(size: number): void {
    const bytes = Math.ceil(size / 4);
    const data = Buffer.alloc(bytes);
    this.data.copy(data, 0, 0, Math.min(bytes, this.data.length));
    this.data = data;
    this.size = size;
  }

  encode(w: Writer, crcs = this.crcs): void {
    const header = new Writer().envelope(1, 1, (ww) => ww.u64(this.size)).finish();
    w.u32(header.length).bytes(header).bytes(this.data);
    if (!crcs) {
      w.u32(0);
      return;
    }
    const blocks = Math.ceil(this.data.length / BLOCK_BYTES);
    w.u32(8 + 4 * blocks).u32(crc32c(0, header)).u32(blocks);
    for (let b = 0; b < blocks; b++) w.u32(crc32c(0, this.data.subarray(b * BLOCK_BYTES, (b + 1) * BLOCK_BYTES)));
  }

  /** BitVector::decode: a CRC that does not match is a malformed map (Ceph throws malformed_input). */
  static decode(r: Reader): BitVector2 {
    const headerLen = r.u32('header_len');
    const header = r.bytes(headerLen, 'header');
    const size = Number(new Reader(header).envelope('BitVector header', 1, (hr) => hr.u64('size')));
    const data = Buffer.from(r.bytes(Math.ceil(size / 4), 'data'));
    const footerLen = r.u32('footer_len');
    const footer = new Reader(r.bytes(footerLen, 'footer'));
    if (footerLen > 0) {
      if (footer.u32('header_crc') !== crc32c(0, header)) throw cephError('EINVAL', 'BitVector header crc mismatch');
      const blocks = footer.u32('data_crc_count');
      if (blocks !== Math.ceil(data.length / BLOCK_BYTES)) throw cephError('EINVAL', 'BitVector data crc count mismatch');
      for (let b = 0; b < blocks; b++) {
        if (footer.u32('data_crc') !== crc32c(0, data.subarray(b * BLOCK_BYTES, (b + 1) * BLOCK_BYTES))) {
          throw cephError('EINVAL', `BitVector data crc mismatch in block ${b}`);
        }
      }
    }
    return new BitVector2(size, data, footerLen > 0);
  }
}
