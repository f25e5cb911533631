/**
 * printf-style number formatting as glibc does it, for the text and JSON dumps Ceph prints:
 * `formatG(x, 6)` is `ostream << double` (default precision 6, %g) and `formatG(x, 17)` is what
 * JSONFormatter::dump_float writes (precision max_digits10 = 17). Rounding is done on the exact binary
 * value, half to even, as glibc does, so every double prints exactly as Ceph prints it.
 */

/** The exact decimal digits of a positive finite double and the power of ten of the first digit. */
function exactDigits(x: number): { digits: string; exp10: number } {
  const { mant, e2 } = split(x);
  // x = mant * 2^e2 = (mant * 5^-e2) / 10^-e2 when e2 < 0.
  let digits: string;
  let pointPos: number; // number of digits before the decimal point
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    pointPos = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    pointPos = digits.length + e2;
  }
  const firstNonZero = digits.search(/[1-9]/);
  const trimmed = digits.slice(firstNonZero).replace(/0+$/, '');
  return { digits: trimmed === '' ? '0' : trimmed, exp10: pointPos - firstNonZero - 1 };
}

/** Round a digit string to `n` significant digits, half to even; may carry into a new leading digit. */
function roundDigits(digits: string, exp10: number, n: number): { digits: string; exp10: number } {
  if (digits.length <= n) return { digits: digits.padEnd(n, '0'), exp10 };
  const keep = digits.slice(0, n);
  const rest = digits.slice(n);
  const first = rest.charCodeAt(0) - 48;
  let up = first > 5 || (first === 5 && (/[1-9]/.test(rest.slice(1)) || (keep.charCodeAt(n - 1) - 48) % 2 === 1));
  if (!up) return { digits: keep, exp10 };
  const arr = keep.split('').map(Number);
  let i = n - 1;
  while (i >= 0) {
    if (arr[i]! < 9) {
      arr[i]!++;
      break;
    }
    arr[i] = 0;
    i--;
  }
  up = i < 0;
  if (up) return { digits: ('1' + arr.join('')).slice(0, n), exp10: exp10 + 1 };
  return { digits: arr.join(''), exp10 };
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return undefined;
}

/** printf("%.{precision}g", x). */
export function formatG(x: number, precision = 6): string {
  const s = special(x);
  if (s) return s;
  const p = precision === 0 ? 1 : precision;
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  if (ax === 0) return neg ? '-0' : '0';
  const ex = exactDigits(ax);
  const r = roundDigits(ex.digits, ex.exp10, p);
  const X = r.exp10;
  let out: string;
  if (X < p && X >= -4) {
    // %f with p-1-X decimals, trailing zeros dropped.
    const all = r.digits;
    if (X >= 0) {
      const int = all.slice(0, X + 1).padEnd(X + 1, '0');
      const frac = all.slice(X + 1).replace(/0+$/, '');
      out = frac ? `${int}.${frac}` : int;
    } else {
      const frac = ('0'.repeat(-X - 1) + all).replace(/0+$/, '');
      out = `0.${frac}`;
    }
  } else {
    const frac = r.digits.slice(1).replace(/0+$/, '');
    const mant = frac ? `${r.digits[0]}.${frac}` : r.digits[0]!;
    const e = Math.abs(X);
    out = `${mant}e${X < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return neg ? `-${out}` : out;
}

/** printf("%.{decimals}f", x), rounding the exact binary value half to even. */
export function formatFixed(x: number, decimals: number): string {
  const s = special(x);
  if (s) return s;
  const neg = x < 0 || Object.is(x, -0);
  const { mant, e2 } = split(Math.abs(x));
  // round(|x| * 10^decimals) to an integer, half to even, exactly.
  let num = mant * 10n ** BigInt(decimals);
  let q: bigint;
  if (e2 >= 0) q = num << BigInt(e2);
  else {
    const den = 1n << BigInt(-e2);
    q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  }
  num = q;
  let digits = num.toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  digits = decimals ? `${int}.${frac}` : int;
  return neg ? `-${digits}` : digits;
}

/** A positive finite double as mant * 2^e2 exactly. */
function split(x: number): { mant: bigint; e2: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mant, e2: -1074 };
  return { mant: mant | (1n << 52n), e2: biased - 1075 };
}

/** A C float (f32) widened to double, as Ceph's float fields are printed and dumped. */
export function f32(x: number): number {
  return Math.fround(x);
}
