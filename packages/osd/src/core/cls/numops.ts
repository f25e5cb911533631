import { cephError, isCephError } from '@ts-ceph/common/core';
import { ClsContext } from './context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';

/**
 * cls_numops (src/cls/numops/cls_numops.cc): add to or multiply a number kept as text in an omap
 * value. Input: two encoded strings, the key and the operand; the operand and the stored value are
 * parsed as C's strtod does (the whole string must parse; an empty one is 0), and the result is
 * stored as `std::setprecision(10) << value` prints it (%.10g).
 */

/** DECIMAL_PRECISION: significant digits of the stored result. */
const numopsDigits = 10;

/** strtod over the whole string: decimal (with exponent), hex, inf and nan forms; undefined if any is left over. */
export function strtodWhole(s: string): number | undefined {
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  // An empty string converts nothing and leaves end_ptr at its NUL: 0. Only blanks leave a blank.
  if (t === '') return s === '' ? 0 : undefined;
  const dec = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  if (dec.test(t)) return Number(t);
  const m = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(t);
  if (m) return (m[1] === '-' ? -1 : 1) * parseInt(m[2]!, 16);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : (special[1] === '-' ? -1 : 1) * Infinity;
  return undefined;
}

/** printf's %.{digits}g, as an ostream with setprecision(digits) prints a double. */
export function formatG(v: number, digits = numopsDigits): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v < 0 ? '-inf' : 'inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expText] = v.toExponential(digits - 1).split('e') as [string, string];
  const x = Number(expText);
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (x < -4 || x >= digits) {
    const e = Math.abs(x) < 10 ? `0${Math.abs(x)}` : String(Math.abs(x));
    return `${strip(mant)}e${x < 0 ? '-' : '+'}${e}`;
  }
  return strip(v.toFixed(digits - 1 - x));
}

function decodeInput(input: Buffer, method: string): { key: string; operand: string } {
  return decodeClsInput(method, input, (r) => ({ key: r.string('key'), operand: r.string('operand') }));
}

/** The stored number: a missing object, key or empty value is 0; text strtod cannot take is EBADMSG. */
async function storedValue(ctx: ClsContext, key: string, method: string): Promise<number> {
  let bl: Buffer;
  try {
    bl = await ctx.mapGetVal(key);
  } catch (e) {
    // cls_cxx_map_get_val's ENOENT (no object or no key) leaves the value empty: 0.
    if (isCephError(e, 'ENOENT') || isCephError(e, 'ENODATA')) return 0;
    throw e;
  }
  if (bl.length === 0) return 0;
  const v = strtodWhole(bl.toString('latin1'));
  if (v === undefined) throw cephError('EBADMSG', `${method}: invalid stored value`);
  return v;
}

function numop(method: string, apply: (value: number, operand: number) => number): ClsMethod['fn'] {
  return async (ctx, input) => {
    const { key, operand } = decodeInput(input, method);
    const d = strtodWhole(operand);
    if (d === undefined) throw cephError('EINVAL', `${method}: invalid input value`);
    const value = apply(await storedValue(ctx, key, method), d);
    await ctx.mapSetVal(key, Buffer.from(formatG(value)));
  };
}

export const numopsMethods: Readonly<Record<string, ClsMethod>> = {
  add: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: numop('add', (v, d) => v + d) },
  mul: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: numop('mul', (v, d) => v * d) },
};
