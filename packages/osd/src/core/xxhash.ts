/**
 * xxHash32 and xxHash64 (Yann Collet's XXH32/XXH64, as Ceph's common/Checksummer.h uses them for
 * CEPH_OSD_OP_CHECKSUM with LIBRADOS_CHECKSUM_TYPE_XXHASH32/64): the value of one chunk, seeded
 * with the op's init value. Pure functions; xxHash64 works on BigInt, which is slow but only the
 * checksum op (bounded by osdDataOpLimits.readBytesMax) uses it.
 */

const P32_1 = 2654435761;
const P32_2 = 2246822519;
const P32_3 = 3266489917;
const P32_4 = 668265263;
const P32_5 = 374761393;

const rotl32 = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const round32 = (acc: number, lane: number): number => Math.imul(rotl32((acc + Math.imul(lane, P32_2)) >>> 0, 13), P32_1) >>> 0;

export function xxhash32(data: Uint8Array, seed: number): number {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = b.length;
  let p = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (seed + P32_1 + P32_2) >>> 0;
    let v2 = (seed + P32_2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P32_1) >>> 0;
    for (; p + 16 <= n; p += 16) {
      v1 = round32(v1, b.readUInt32LE(p));
      v2 = round32(v2, b.readUInt32LE(p + 4));
      v3 = round32(v3, b.readUInt32LE(p + 8));
      v4 = round32(v4, b.readUInt32LE(p + 12));
    }
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) >>> 0;
  } else h = (seed + P32_5) >>> 0;
  h = (h + n) >>> 0;
  for (; p + 4 <= n; p += 4) h = Math.imul(rotl32((h + Math.imul(b.readUInt32LE(p), P32_3)) >>> 0, 17), P32_4) >>> 0;
  for (; p < n; p++) h = Math.imul(rotl32((h + Math.imul(b[p]!, P32_5)) >>> 0, 11), P32_1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P32_2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P32_3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const M64 = (1n << 64n) - 1n;
const P64_1 = 11400714785074694791n;
const P64_2 = 14029467366897019727n;
const P64_3 = 1609587929392839161n;
const P64_4 = 9650029242287828579n;
const P64_5 = 2870177450012600261n;

const rotl64 = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
const round64 = (acc: bigint, lane: bigint): bigint => (rotl64((acc + lane * P64_2) & M64, 31n) * P64_1) & M64;
const merge64 = (acc: bigint, v: bigint): bigint => (((acc ^ round64(0n, v)) * P64_1 + P64_4) & M64);

export function xxhash64(data: Uint8Array, seed: bigint): bigint {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = b.length;
  let p = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (seed + P64_1 + P64_2) & M64;
    let v2 = (seed + P64_2) & M64;
    let v3 = seed & M64;
    let v4 = (seed - P64_1) & M64;
    for (; p + 32 <= n; p += 32) {
      v1 = round64(v1, b.readBigUInt64LE(p));
      v2 = round64(v2, b.readBigUInt64LE(p + 8));
      v3 = round64(v3, b.readBigUInt64LE(p + 16));
      v4 = round64(v4, b.readBigUInt64LE(p + 24));
    }
    h = (rotl64(v1, 1n) + rotl64(v2, 7n) + rotl64(v3, 12n) + rotl64(v4, 18n)) & M64;
    for (const v of [v1, v2, v3, v4]) h = merge64(h, v);
  } else h = (seed + P64_5) & M64;
  h = (h + BigInt(n)) & M64;
  for (; p + 8 <= n; p += 8) h = (rotl64(h ^ round64(0n, b.readBigUInt64LE(p)), 27n) * P64_1 + P64_4) & M64;
  if (p + 4 <= n) {
    h = (rotl64(h ^ ((BigInt(b.readUInt32LE(p)) * P64_1) & M64), 23n) * P64_2 + P64_3) & M64;
    p += 4;
  }
  for (; p < n; p++) h = (rotl64(h ^ ((BigInt(b[p]!) * P64_5) & M64), 11n) * P64_1) & M64;
  h = ((h ^ (h >> 33n)) * P64_2) & M64;
  h = ((h ^ (h >> 29n)) * P64_3) & M64;
  return h ^ (h >> 32n);
}
