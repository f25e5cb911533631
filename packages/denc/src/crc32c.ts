import fastCrc32c = require('fast-crc32c');
import { AssertionError } from '@ts-ceph/common/core';

/** ceph_crc32c(seed, data): the raw register form (see crc32c below). */
export type Crc32cImpl = (seed: number, data: Uint8Array) => number;

/**
 * Inputs of at least this many bytes go to an installed accelerator (installCrc32c); smaller ones
 * stay with fast-crc32c, whose call costs no more and whose speed only matters on long runs.
 */
export const crc32cAcceleratedBytesMin = 4096;

/**
 * The accelerator for long inputs, installed by a driver that loaded the native addon (its three
 * interleaved crc32 streams run 2-3x faster than fast-crc32c's single one over a 1 MiB segment). It
 * computes the same function, checked on install, so which one runs never changes a result: the
 * pure packages stay deterministic whether or not a driver installed it.
 */
let accelerated: Crc32cImpl | undefined;

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
  if (accelerated && data.byteLength >= crc32cAcceleratedBytesMin) return accelerated(seed, data);
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return ~fastCrc32c.calculate(buf, ~seed >>> 0) >>> 0;
}

/** The standard (RFC 3720 / iSCSI) CRC32C: initial 0xffffffff, final inversion. */
export function crc32cStandard(data: Uint8Array): number {
  return (crc32c(0xffffffff, data) ^ 0xffffffff) >>> 0;
}

/**
 * Use `impl` for long inputs from now on (undefined: back to fast-crc32c alone). It must agree with
 * fast-crc32c: it is checked on a few seeds and lengths around its lanes' boundaries first, and an
 * implementation that disagrees is refused with an AssertionError (a bug, not an operating error).
 */
export function installCrc32c(impl: Crc32cImpl | undefined): void {
  if (impl) {
    const probe = Buffer.alloc(3 * crc32cAcceleratedBytesMin + 17);
    for (let i = 0; i < probe.length; i++) probe[i] = (i * 131 + 7) & 0xff;
    for (const n of [crc32cAcceleratedBytesMin, 4097, 8192 + 5, probe.length]) {
      for (const seed of [0, 0xffffffff, 0x12345678]) {
        const part = probe.subarray(3, 3 + Math.min(n, probe.length - 3));
        const want = ~fastCrc32c.calculate(part, ~seed >>> 0) >>> 0;
        const got = impl(seed, part) >>> 0;
        if (got !== want) throw new AssertionError(`crc32c accelerator disagrees on ${part.length} bytes, seed ${seed}: ${got} != ${want}`);
      }
    }
  }
  accelerated = impl;
}
