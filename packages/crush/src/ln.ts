/**
 * crush_ln (src/crush/mapper.c): 2^44 * log2(x + 1) in fixed point, for x in [0, 0xffff], computed
 * exactly as Ceph does with its tables. straw2 only ever asks for 16-bit inputs, so the 65536 results
 * (minus 2^48, the value straw2 subtracts) are computed once, with BigInt where the C code multiplies
 * two 64-bit quantities, and then looked up.
 */
import { LL_TBL, RH_LH_TBL } from './ln-table';

const TWO_48 = 2 ** 48;

/** crush_ln(xin) for xin in [0, 0xffff], as a bigint-exact number (< 2^49). */
export function crushLn(xin: number): number {
  let x = (xin + 1) >>> 0;
  let iexpon = 15;
  // Normalise so that bit 15 is the top bit (unless x is already 0x8000..0x1ffff).
  if (!(x & 0x18000)) {
    const bits = Math.clz32(x & 0x1ffff) - 16;
    x = (x << bits) >>> 0;
    iexpon = 15 - bits;
  }
  const index1 = (x >>> 8) << 1;
  const rh = RH_LH_TBL[index1 - 256];
  const lh = RH_LH_TBL[index1 + 1 - 256];
  // xl64 = (x * RH) >> 48 in u64; only its low 8 bits are used. x * RH can exceed 2^53.
  const xl64 = (BigInt(x) * BigInt(rh)) >> 48n;
  const index2 = Number(xl64 & 0xffn);
  const ll = LL_TBL[index2];
  // (LH + LL) >> 4 then plus iexpon << 44: both terms are below 2^49, exact in doubles.
  const sum = lh + ll;
  return iexpon * 2 ** 44 + Math.floor(sum / 16);
}

let lnMinus48: Float64Array | undefined;

/**
 * crush_ln(u) - 2^48 for u in [0, 0xffff]: the (non-positive) numerator of straw2's draw. Built on
 * first use and kept for the life of the process (it is a pure function of u).
 */
export function straw2Ln(u: number): number {
  let t = lnMinus48;
  if (t === undefined) {
    t = new Float64Array(0x10000);
    for (let i = 0; i < 0x10000; i++) t[i] = crushLn(i) - TWO_48;
    lnMinus48 = t;
  }
  return t[u];
}

/** The whole table, for tests and for the mapper's hot loop. */
export function straw2LnTable(): Float64Array {
  straw2Ln(0);
  return lnMinus48!;
}
