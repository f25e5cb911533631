/**
 * Number formatting and parsing exactly as glibc does it, for text that must match crushtool byte
 * for byte: printf("%.3f"), the iostream default (%g with 6 significant digits), strtof and strtol.
 * Doubles are expanded to their exact decimal value with BigInt and rounded half-to-even, which is
 * what glibc's printf does and JS's toFixed/toPrecision (round-half-up) do not.
 */

/** The exact value of a finite double as (mantissa, power of two): x = m * 2^e. */
function decompose(x: number): { m: bigint; e: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) {
    e = -1074;
  } else {
    m |= 1n << 52n;
    e = exp - 1075;
  }
  return { m, e };
}

/** round(|x| * 10^digits) as a bigint, half to even, on the exact value. */
function scaledRound(x: number, digits: number): bigint {
  const { m, e } = decompose(Math.abs(x));
  let num = m * 10n ** BigInt(Math.max(digits, 0));
  let den = 10n ** BigInt(Math.max(-digits, 0));
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** printf("%.<digits>f", x) */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return isNegative(x) ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const q = scaledRound(x, digits).toString().padStart(digits + 1, '0');
  const int = q.slice(0, q.length - digits);
  const frac = q.slice(q.length - digits);
  return (isNegative(x) ? '-' : '') + int + (digits > 0 ? '.' + frac : '');
}

/** printf("%.<p>g", x), which is also what a default-configured std::ostream prints (p = 6). */
export function formatG(x: number, p = 6): string {
  if (Number.isNaN(x)) return isNegative(x) ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (p === 0) p = 1;
  const sign = isNegative(x) ? '-' : '';
  if (x === 0) return sign + '0';
  // Find the exponent X of x rounded to p significant digits.
  let X = Math.floor(Math.log10(Math.abs(x)));
  let digits = scaledRound(x, p - 1 - X);
  if (digits >= 10n ** BigInt(p)) {
    X++;
    digits = scaledRound(x, p - 1 - X);
  } else if (digits < 10n ** BigInt(p - 1)) {
    X--;
    digits = scaledRound(x, p - 1 - X);
  }
  let s = digits.toString();
  if (X < -4 || X >= p) {
    let mant = s[0] + (s.length > 1 ? '.' + s.slice(1) : '');
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const ex = Math.abs(X).toString().padStart(2, '0');
    return `${sign}${mant}e${X < 0 ? '-' : '+'}${ex}`;
  }
  // Fixed notation with p - 1 - X decimals.
  const dec = p - 1 - X;
  if (dec > 0) {
    s = s.padStart(dec + 1, '0');
    let out = s.slice(0, s.length - dec) + '.' + s.slice(s.length - dec);
    out = out.replace(/0+$/, '').replace(/\.$/, '');
    return sign + out;
  }
  return sign + s + '0'.repeat(-dec);
}

/**
 * strtof: the float nearest to the decimal number at the start of `s` (leading whitespace skipped),
 * rounded once (not via a double). Returns 0 when nothing parses, like strtof.
 */
export function strtof(s: string): number {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?/.exec(s);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    const special = /^\s*([+-]?)(inf(inity)?|nan)/i.exec(s);
    if (!special) return 0;
    const v = special[2].toLowerCase().startsWith('inf') ? Infinity : NaN;
    return special[1] === '-' ? -v : v;
  }
  const neg = m[1] === '-';
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  let exp10 = (m[4] ? parseInt(m[4], 10) : 0) - frac.length;
  let mant = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
  if (mant === 0n) return neg ? -0 : 0;
  if (exp10 > 60) return neg ? -Infinity : Infinity;
  if (exp10 < -120) {
    // Far below the smallest float; keep enough digits to stay exact relative to it.
    const cut = -120 - exp10;
    mant = mant / 10n ** BigInt(cut);
    exp10 += cut;
    if (mant === 0n) return neg ? -0 : 0;
  }
  // value = num / den exactly.
  let num = mant;
  let den = 1n;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den = 10n ** BigInt(-exp10);
  // Scale to a 24-bit significand: find e with 2^23 <= num / den / 2^e < 2^24.
  let e = num.toString(2).length - den.toString(2).length - 24;
  const val = (ee: number): [bigint, bigint] => (ee >= 0 ? [num, den << BigInt(ee)] : [num << BigInt(-ee), den]);
  let [n, d] = val(e);
  while (n / d >= 1n << 24n) [n, d] = val(++e);
  while (n / d < 1n << 23n) [n, d] = val(--e);
  // Subnormals: the exponent cannot go below -149.
  if (e < -149) {
    e = -149;
    [n, d] = val(e);
  }
  let q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
  const f = Number(q) * 2 ** e;
  const out = Math.fround(f);
  return neg ? -out : out;
}

/**
 * strtol(s, 0, 10) then converted to a C int: leading whitespace, optional sign, digits; clamps to
 * the 64-bit long range on overflow and then keeps the low 32 bits, as the implicit conversion does.
 */
export function strtolInt(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  let v = BigInt(m[1]);
  const max = (1n << 63n) - 1n;
  if (v > max) v = max;
  if (v < -max - 1n) v = -max - 1n;
  return Number(BigInt.asIntN(32, v));
}

/** atof(s) as a float (crushtool's weights are floats parsed with atof). */
export function atofFloat(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m ? Math.fround(parseFloat(m[0])) : 0;
}
