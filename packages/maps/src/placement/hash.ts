/**
 * Object-name hashing (src/common/ceph_hash.cc) and ceph_stable_mod (src/include/rados.h): how an
 * object name becomes a placement seed, bit-exact with Ceph (all arithmetic in u32).
 */

import { stringToBytes } from '@ts-ceph/denc';

export const CEPH_STR_HASH_LINUX = 1;
export const CEPH_STR_HASH_RJENKINS = 2;

/** A name's bytes: Ceph hashes the std::string's bytes, which need not be UTF-8 (string-bytes.ts). */
function bytesOf(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? stringToBytes(s) : s;
}

/** Bob Jenkins' lookup2 mix, in u32 arithmetic. */
function mix(a: number, b: number, c: number): [number, number, number] {
  a = (a - b - c) >>> 0;
  a = (a ^ (c >>> 13)) >>> 0;
  b = (b - c - a) >>> 0;
  b = (b ^ (a << 8)) >>> 0;
  c = (c - a - b) >>> 0;
  c = (c ^ (b >>> 13)) >>> 0;
  a = (a - b - c) >>> 0;
  a = (a ^ (c >>> 12)) >>> 0;
  b = (b - c - a) >>> 0;
  b = (b ^ (a << 16)) >>> 0;
  c = (c - a - b) >>> 0;
  c = (c ^ (b >>> 5)) >>> 0;
  a = (a - b - c) >>> 0;
  a = (a ^ (c >>> 3)) >>> 0;
  b = (b - c - a) >>> 0;
  b = (b ^ (a << 10)) >>> 0;
  c = (c - a - b) >>> 0;
  c = (c ^ (b >>> 15)) >>> 0;
  return [a, b, c];
}

/** ceph_str_hash_rjenkins. */
export function strHashRjenkins(input: string | Uint8Array): number {
  const k = bytesOf(input);
  const length = k.length;
  let a = 0x9e3779b9;
  let b = a;
  let c = 0;
  let o = 0;
  let len = length;
  const word = (i: number) => (k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24)) >>> 0;
  while (len >= 12) {
    a = (a + word(o)) >>> 0;
    b = (b + word(o + 4)) >>> 0;
    c = (c + word(o + 8)) >>> 0;
    [a, b, c] = mix(a, b, c);
    o += 12;
    len -= 12;
  }
  c = (c + length) >>> 0;
  // The C switch falls through from the highest remaining byte down to the first.
  if (len >= 11) c = (c + (k[o + 10]! << 24)) >>> 0;
  if (len >= 10) c = (c + (k[o + 9]! << 16)) >>> 0;
  if (len >= 9) c = (c + (k[o + 8]! << 8)) >>> 0;
  if (len >= 8) b = (b + (k[o + 7]! << 24)) >>> 0;
  if (len >= 7) b = (b + (k[o + 6]! << 16)) >>> 0;
  if (len >= 6) b = (b + (k[o + 5]! << 8)) >>> 0;
  if (len >= 5) b = (b + k[o + 4]!) >>> 0;
  if (len >= 4) a = (a + (k[o + 3]! << 24)) >>> 0;
  if (len >= 3) a = (a + (k[o + 2]! << 16)) >>> 0;
  if (len >= 2) a = (a + (k[o + 1]! << 8)) >>> 0;
  if (len >= 1) a = (a + k[o]!) >>> 0;
  [a, b, c] = mix(a, b, c);
  return c;
}

/** ceph_str_hash_linux: the dcache hash. */
export function strHashLinux(input: string | Uint8Array): number {
  const k = bytesOf(input);
  let hash = 0;
  for (const c of k) hash = Math.imul((hash + (c << 4) + (c >>> 4)) >>> 0, 11) >>> 0;
  return hash;
}

/** ceph_str_hash: an unknown type hashes to -1 (0xffffffff). */
export function cephStrHash(type: number, input: string | Uint8Array): number {
  if (type === CEPH_STR_HASH_LINUX) return strHashLinux(input);
  if (type === CEPH_STR_HASH_RJENKINS) return strHashRjenkins(input);
  return 0xffffffff;
}

/**
 * ceph_stable_mod(x, b, bmask): x mod b, kept stable while b grows towards the next power of two:
 * the bins b..bmask fold onto their "parent" with the top bit cleared.
 */
export function cephStableMod(x: number, b: number, bmask: number): number {
  const v = (x & bmask) >>> 0;
  return v < b ? v : (x & (bmask >>> 1)) >>> 0;
}
