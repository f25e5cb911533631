/**
 * 64-bit integers into a Buffer without making bigints: Buffer's writeBigUInt64LE and
 * writeBigInt64LE split the value with bigint arithmetic, three new bigints a call, and the OSD's
 * write path encodes tens of them per op. A bigint goes through a DataView over one 8-byte scratch
 * area, and the 8 bytes are copied to their place; a safe-integer number is split arithmetically.
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

/** A signed safe integer as le64, two's complement (the high word is floor(v / 2^32)); returns at + 8. */
export function putI64LE(b: Buffer, v: number, at: number): number {
  const hi = Math.floor(v / 0x1_0000_0000);
  b.writeUInt32LE(v - hi * 0x1_0000_0000, at);
  b.writeInt32LE(hi, at + 4);
  return at + 8;
}
