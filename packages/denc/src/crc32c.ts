import fastCrc32c = require('fast-crc32c');

/**
 * Ceph's crc32c (src/include/crc32c.h, ceph_crc32c): the Castagnoli CRC with the caller's seed used as
 * the running register directly, and no final inversion. The usual "standard" CRC32C of a message is
 * therefore ceph_crc32c(0xffffffff, data) ^ 0xffffffff.
 *
 * fast-crc32c computes the standard form, ~update(~initial, data); we undo both inversions, so
 * ceph_crc32c(seed, data) = ~calculate(data, ~seed). It uses SSE4.2 when its native part is built and
 * a table-driven JS fallback otherwise.
 */
export function crc32c(seed: number, data: Uint8Array): number {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return ~fastCrc32c.calculate(buf, ~seed >>> 0) >>> 0;
}

/** The standard (RFC 3720 / iSCSI) CRC32C: initial 0xffffffff, final inversion. */
export function crc32cStandard(data: Uint8Array): number {
  return (crc32c(0xffffffff, data) ^ 0xffffffff) >>> 0;
}
