/**
 * Robert Jenkins' 32-bit mix as CRUSH uses it (src/crush/hash.c, "rjenkins1"). Every input is taken
 * modulo 2^32 and every result is a u32. Each crush_hashmix(a, b, c) step is written out inline (nine
 * lines per mix) because this is the mapper's hot path: the subtractions are exact in doubles
 * (|a - b - c| < 2^34) and the XOR that follows wraps them to 32 bits, as C's unsigned arithmetic does.
 */
import { CRUSH_HASH_RJENKINS1 } from './types';

const SEED = 1315423911;
const X0 = 231232;
const Y0 = 1232;

/** crush_hash32_rjenkins1(a) */
export function hash32_1(a: number): number {
  let h = SEED ^ a;
  let b = a | 0;
  a |= 0;
  let x = X0;
  let y = Y0;
  // crush_hashmix(b, x, hash)
  b = (b - x - h) ^ (h >>> 13);
  x = (x - h - b) ^ (b << 8);
  h = (h - b - x) ^ (x >>> 13);
  b = (b - x - h) ^ (h >>> 12);
  x = (x - h - b) ^ (b << 16);
  h = (h - b - x) ^ (x >>> 5);
  b = (b - x - h) ^ (h >>> 3);
  x = (x - h - b) ^ (b << 10);
  h = (h - b - x) ^ (x >>> 15);
  // crush_hashmix(y, a, hash)
  y = (y - a - h) ^ (h >>> 13);
  a = (a - h - y) ^ (y << 8);
  h = (h - y - a) ^ (a >>> 13);
  y = (y - a - h) ^ (h >>> 12);
  a = (a - h - y) ^ (y << 16);
  h = (h - y - a) ^ (a >>> 5);
  y = (y - a - h) ^ (h >>> 3);
  a = (a - h - y) ^ (y << 10);
  h = (h - y - a) ^ (a >>> 15);
  return h >>> 0;
}

/** crush_hash32_rjenkins1_2(a, b) */
export function hash32_2(a: number, b: number): number {
  let h = SEED ^ a ^ b;
  a |= 0;
  b |= 0;
  let x = X0;
  let y = Y0;
  // crush_hashmix(a, b, hash)
  a = (a - b - h) ^ (h >>> 13);
  b = (b - h - a) ^ (a << 8);
  h = (h - a - b) ^ (b >>> 13);
  a = (a - b - h) ^ (h >>> 12);
  b = (b - h - a) ^ (a << 16);
  h = (h - a - b) ^ (b >>> 5);
  a = (a - b - h) ^ (h >>> 3);
  b = (b - h - a) ^ (a << 10);
  h = (h - a - b) ^ (b >>> 15);
  // crush_hashmix(x, a, hash)
  x = (x - a - h) ^ (h >>> 13);
  a = (a - h - x) ^ (x << 8);
  h = (h - x - a) ^ (a >>> 13);
  x = (x - a - h) ^ (h >>> 12);
  a = (a - h - x) ^ (x << 16);
  h = (h - x - a) ^ (a >>> 5);
  x = (x - a - h) ^ (h >>> 3);
  a = (a - h - x) ^ (x << 10);
  h = (h - x - a) ^ (a >>> 15);
  // crush_hashmix(b, y, hash)
  b = (b - y - h) ^ (h >>> 13);
  y = (y - h - b) ^ (b << 8);
  h = (h - b - y) ^ (y >>> 13);
  b = (b - y - h) ^ (h >>> 12);
  y = (y - h - b) ^ (b << 16);
  h = (h - b - y) ^ (y >>> 5);
  b = (b - y - h) ^ (h >>> 3);
  y = (y - h - b) ^ (b << 10);
  h = (h - b - y) ^ (y >>> 15);
  return h >>> 0;
}

/** crush_hash32_rjenkins1_3(a, b, c) */
export function hash32_3(a: number, b: number, c: number): number {
  let h = SEED ^ a ^ b ^ c;
  a |= 0;
  b |= 0;
  c |= 0;
  let x = X0;
  let y = Y0;
  // crush_hashmix(a, b, hash)
  a = (a - b - h) ^ (h >>> 13);
  b = (b - h - a) ^ (a << 8);
  h = (h - a - b) ^ (b >>> 13);
  a = (a - b - h) ^ (h >>> 12);
  b = (b - h - a) ^ (a << 16);
  h = (h - a - b) ^ (b >>> 5);
  a = (a - b - h) ^ (h >>> 3);
  b = (b - h - a) ^ (a << 10);
  h = (h - a - b) ^ (b >>> 15);
  // crush_hashmix(c, x, hash)
  c = (c - x - h) ^ (h >>> 13);
  x = (x - h - c) ^ (c << 8);
  h = (h - c - x) ^ (x >>> 13);
  c = (c - x - h) ^ (h >>> 12);
  x = (x - h - c) ^ (c << 16);
  h = (h - c - x) ^ (x >>> 5);
  c = (c - x - h) ^ (h >>> 3);
  x = (x - h - c) ^ (c << 10);
  h = (h - c - x) ^ (x >>> 15);
  // crush_hashmix(y, a, hash)
  y = (y - a - h) ^ (h >>> 13);
  a = (a - h - y) ^ (y << 8);
  h = (h - y - a) ^ (a >>> 13);
  y = (y - a - h) ^ (h >>> 12);
  a = (a - h - y) ^ (y << 16);
  h = (h - y - a) ^ (a >>> 5);
  y = (y - a - h) ^ (h >>> 3);
  a = (a - h - y) ^ (y << 10);
  h = (h - y - a) ^ (a >>> 15);
  // crush_hashmix(b, x, hash)
  b = (b - x - h) ^ (h >>> 13);
  x = (x - h - b) ^ (b << 8);
  h = (h - b - x) ^ (x >>> 13);
  b = (b - x - h) ^ (h >>> 12);
  x = (x - h - b) ^ (b << 16);
  h = (h - b - x) ^ (x >>> 5);
  b = (b - x - h) ^ (h >>> 3);
  x = (x - h - b) ^ (b << 10);
  h = (h - b - x) ^ (x >>> 15);
  // crush_hashmix(y, c, hash)
  y = (y - c - h) ^ (h >>> 13);
  c = (c - h - y) ^ (y << 8);
  h = (h - y - c) ^ (c >>> 13);
  y = (y - c - h) ^ (h >>> 12);
  c = (c - h - y) ^ (y << 16);
  h = (h - y - c) ^ (c >>> 5);
  y = (y - c - h) ^ (h >>> 3);
  c = (c - h - y) ^ (y << 10);
  h = (h - y - c) ^ (c >>> 15);
  return h >>> 0;
}

/** crush_hash32_rjenkins1_4(a, b, c, d) */
export function hash32_4(a: number, b: number, c: number, d: number): number {
  let h = SEED ^ a ^ b ^ c ^ d;
  a |= 0;
  b |= 0;
  c |= 0;
  d |= 0;
  let x = X0;
  let y = Y0;
  // crush_hashmix(a, b, hash)
  a = (a - b - h) ^ (h >>> 13);
  b = (b - h - a) ^ (a << 8);
  h = (h - a - b) ^ (b >>> 13);
  a = (a - b - h) ^ (h >>> 12);
  b = (b - h - a) ^ (a << 16);
  h = (h - a - b) ^ (b >>> 5);
  a = (a - b - h) ^ (h >>> 3);
  b = (b - h - a) ^ (a << 10);
  h = (h - a - b) ^ (b >>> 15);
  // crush_hashmix(c, d, hash)
  c = (c - d - h) ^ (h >>> 13);
  d = (d - h - c) ^ (c << 8);
  h = (h - c - d) ^ (d >>> 13);
  c = (c - d - h) ^ (h >>> 12);
  d = (d - h - c) ^ (c << 16);
  h = (h - c - d) ^ (d >>> 5);
  c = (c - d - h) ^ (h >>> 3);
  d = (d - h - c) ^ (c << 10);
  h = (h - c - d) ^ (d >>> 15);
  // crush_hashmix(a, x, hash)
  a = (a - x - h) ^ (h >>> 13);
  x = (x - h - a) ^ (a << 8);
  h = (h - a - x) ^ (x >>> 13);
  a = (a - x - h) ^ (h >>> 12);
  x = (x - h - a) ^ (a << 16);
  h = (h - a - x) ^ (x >>> 5);
  a = (a - x - h) ^ (h >>> 3);
  x = (x - h - a) ^ (a << 10);
  h = (h - a - x) ^ (x >>> 15);
  // crush_hashmix(y, b, hash)
  y = (y - b - h) ^ (h >>> 13);
  b = (b - h - y) ^ (y << 8);
  h = (h - y - b) ^ (b >>> 13);
  y = (y - b - h) ^ (h >>> 12);
  b = (b - h - y) ^ (y << 16);
  h = (h - y - b) ^ (b >>> 5);
  y = (y - b - h) ^ (h >>> 3);
  b = (b - h - y) ^ (y << 10);
  h = (h - y - b) ^ (b >>> 15);
  // crush_hashmix(c, x, hash)
  c = (c - x - h) ^ (h >>> 13);
  x = (x - h - c) ^ (c << 8);
  h = (h - c - x) ^ (x >>> 13);
  c = (c - x - h) ^ (h >>> 12);
  x = (x - h - c) ^ (c << 16);
  h = (h - c - x) ^ (x >>> 5);
  c = (c - x - h) ^ (h >>> 3);
  x = (x - h - c) ^ (c << 10);
  h = (h - c - x) ^ (x >>> 15);
  // crush_hashmix(y, d, hash)
  y = (y - d - h) ^ (h >>> 13);
  d = (d - h - y) ^ (y << 8);
  h = (h - y - d) ^ (d >>> 13);
  y = (y - d - h) ^ (h >>> 12);
  d = (d - h - y) ^ (y << 16);
  h = (h - y - d) ^ (d >>> 5);
  y = (y - d - h) ^ (h >>> 3);
  d = (d - h - y) ^ (y << 10);
  h = (h - y - d) ^ (d >>> 15);
  return h >>> 0;
}

/** crush_hash32_rjenkins1_5(a, b, c, d, e) */
export function hash32_5(a: number, b: number, c: number, d: number, e: number): number {
  let h = SEED ^ a ^ b ^ c ^ d ^ e;
  a |= 0;
  b |= 0;
  c |= 0;
  d |= 0;
  e |= 0;
  let x = X0;
  let y = Y0;
  // crush_hashmix(a, b, hash)
  a = (a - b - h) ^ (h >>> 13);
  b = (b - h - a) ^ (a << 8);
  h = (h - a - b) ^ (b >>> 13);
  a = (a - b - h) ^ (h >>> 12);
  b = (b - h - a) ^ (a << 16);
  h = (h - a - b) ^ (b >>> 5);
  a = (a - b - h) ^ (h >>> 3);
  b = (b - h - a) ^ (a << 10);
  h = (h - a - b) ^ (b >>> 15);
  // crush_hashmix(c, d, hash)
  c = (c - d - h) ^ (h >>> 13);
  d = (d - h - c) ^ (c << 8);
  h = (h - c - d) ^ (d >>> 13);
  c = (c - d - h) ^ (h >>> 12);
  d = (d - h - c) ^ (c << 16);
  h = (h - c - d) ^ (d >>> 5);
  c = (c - d - h) ^ (h >>> 3);
  d = (d - h - c) ^ (c << 10);
  h = (h - c - d) ^ (d >>> 15);
  // crush_hashmix(e, x, hash)
  e = (e - x - h) ^ (h >>> 13);
  x = (x - h - e) ^ (e << 8);
  h = (h - e - x) ^ (x >>> 13);
  e = (e - x - h) ^ (h >>> 12);
  x = (x - h - e) ^ (e << 16);
  h = (h - e - x) ^ (x >>> 5);
  e = (e - x - h) ^ (h >>> 3);
  x = (x - h - e) ^ (e << 10);
  h = (h - e - x) ^ (x >>> 15);
  // crush_hashmix(y, a, hash)
  y = (y - a - h) ^ (h >>> 13);
  a = (a - h - y) ^ (y << 8);
  h = (h - y - a) ^ (a >>> 13);
  y = (y - a - h) ^ (h >>> 12);
  a = (a - h - y) ^ (y << 16);
  h = (h - y - a) ^ (a >>> 5);
  y = (y - a - h) ^ (h >>> 3);
  a = (a - h - y) ^ (y << 10);
  h = (h - y - a) ^ (a >>> 15);
  // crush_hashmix(b, x, hash)
  b = (b - x - h) ^ (h >>> 13);
  x = (x - h - b) ^ (b << 8);
  h = (h - b - x) ^ (x >>> 13);
  b = (b - x - h) ^ (h >>> 12);
  x = (x - h - b) ^ (b << 16);
  h = (h - b - x) ^ (x >>> 5);
  b = (b - x - h) ^ (h >>> 3);
  x = (x - h - b) ^ (b << 10);
  h = (h - b - x) ^ (x >>> 15);
  // crush_hashmix(y, c, hash)
  y = (y - c - h) ^ (h >>> 13);
  c = (c - h - y) ^ (y << 8);
  h = (h - y - c) ^ (c >>> 13);
  y = (y - c - h) ^ (h >>> 12);
  c = (c - h - y) ^ (y << 16);
  h = (h - y - c) ^ (c >>> 5);
  y = (y - c - h) ^ (h >>> 3);
  c = (c - h - y) ^ (y << 10);
  h = (h - y - c) ^ (c >>> 15);
  // crush_hashmix(d, x, hash)
  d = (d - x - h) ^ (h >>> 13);
  x = (x - h - d) ^ (d << 8);
  h = (h - d - x) ^ (x >>> 13);
  d = (d - x - h) ^ (h >>> 12);
  x = (x - h - d) ^ (d << 16);
  h = (h - d - x) ^ (x >>> 5);
  d = (d - x - h) ^ (h >>> 3);
  x = (x - h - d) ^ (d << 10);
  h = (h - d - x) ^ (x >>> 15);
  // crush_hashmix(y, e, hash)
  y = (y - e - h) ^ (h >>> 13);
  e = (e - h - y) ^ (y << 8);
  h = (h - y - e) ^ (e >>> 13);
  y = (y - e - h) ^ (h >>> 12);
  e = (e - h - y) ^ (y << 16);
  h = (h - y - e) ^ (e >>> 5);
  y = (y - e - h) ^ (h >>> 3);
  e = (e - h - y) ^ (y << 10);
  h = (h - y - e) ^ (e >>> 15);
  return h >>> 0;
}

/** crush_hash32_N(type, ...): an unknown hash type yields 0, exactly as hash.c does. */
export function crushHash32(type: number, a: number): number {
  return type === CRUSH_HASH_RJENKINS1 ? hash32_1(a) : 0;
}
export function crushHash32_2(type: number, a: number, b: number): number {
  return type === CRUSH_HASH_RJENKINS1 ? hash32_2(a, b) : 0;
}
export function crushHash32_3(type: number, a: number, b: number, c: number): number {
  return type === CRUSH_HASH_RJENKINS1 ? hash32_3(a, b, c) : 0;
}
export function crushHash32_4(type: number, a: number, b: number, c: number, d: number): number {
  return type === CRUSH_HASH_RJENKINS1 ? hash32_4(a, b, c, d) : 0;
}
export function crushHash32_5(type: number, a: number, b: number, c: number, d: number, e: number): number {
  return type === CRUSH_HASH_RJENKINS1 ? hash32_5(a, b, c, d, e) : 0;
}
