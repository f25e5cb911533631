/**
 * 64-bit bigints into a Buffer without making bigints: Buffer's writeBigUInt64LE and
 * writeBigInt64LE split the value with bigint arithmetic, three new bigints a call, and the OSD's
 * write path encodes tens of them per op. A DataView over one 8-byte scratch area takes the value
 * as it is, and the 8 bytes are copied to their place.
 */
const scratch = Buffer.alloc(8);
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, 8);

/** v modulo 2^64 (as BigInt.asUintN(64, v)), little-endian at `at`; returns at + 8. */
export function putBigU64LE(b: Uint8Array, v: bigint, at: number): number {
  if (at < 0 || at + 8 > b.length) throw new RangeError(`64-bit write at ${at} past ${b.length} bytes`);
  scratchView.setBigUint64(0, v, true);
  b.set(scratch, at);
  return at + 8;
}

/** v modulo 2^64 as a signed value (as BigInt.asIntN(64, v)), little-endian at `at`; returns at + 8. */
export function putBigI64LE(b: Uint8Array, v: bigint, at: number): number {
  if (at < 0 || at + 8 > b.length) throw new RangeError(`64-bit write at ${at} past ${b.length} bytes`);
  scratchView.setBigInt64(0, v, true);
  b.set(scratch, at);
  return at + 8;
}
