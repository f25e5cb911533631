/**
 * Ceph's option schema (src/common/options.{h,cc}) as a real 16.2.15 mon reports it with
 * `config help <name> -f json` (data/config-options.jsonl), and Option::parse_value: the typed parse,
 * normalisation and min/max/enum checks `ceph config set` applies, with Ceph's error texts.
 */
import { cephError } from '@ts-ceph/common/core';
import { AddrType, isUuid, parseAddr, parseAddrvec, formatAddr, formatAddrvec } from '@ts-ceph/denc';
import { formatG } from '@ts-ceph/maps';

export type OptionType = 'str' | 'int' | 'uint' | 'float' | 'bool' | 'size' | 'secs' | 'millisecs' | 'uuid' | 'addr' | 'addrvec';

/** One option, exactly the fields `config help -f json` prints, in its order. */
export interface OptionSchema {
  name: string;
  type: OptionType;
  level: 'basic' | 'advanced' | 'dev';
  desc: string;
  long_desc: string;
  default: string | number | boolean;
  daemon_default: string | number | boolean;
  tags: string[];
  services: string[];
  see_also: string[];
  enum_values?: string[];
  min: string | number;
  max: string | number;
  can_update_at_runtime: boolean;
  flags: string[];
}

export class OptionTable {
  private readonly byName = new Map<string, OptionSchema>();
  /**
   * The options `config ls` lists: Ceph's option table without the per-subsystem debug_<subsys>
   * levels, which the config schema holds too (so `config set` accepts them) but `config ls` omits.
   */
  readonly listed: readonly OptionSchema[];

  constructor(readonly options: readonly OptionSchema[]) {
    for (const o of options) this.byName.set(o.name, o);
    this.listed = options.filter((o) => !(o.name.startsWith('debug_') && o.desc === `Debug level for ${o.name.slice(6)}`));
  }

  find(name: string): OptionSchema | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
}

export function hasFlag(o: OptionSchema, flag: 'no_mon_update' | 'startup' | 'runtime' | 'create' | 'cluster_create' | 'minimal_conf'): boolean {
  return o.flags.includes(flag);
}

/** The default a daemon (or a client, `isClient`) sees, as the text `config get` prints. */
export function defaultText(o: OptionSchema, isClient: boolean): string {
  const d = !isClient && o.daemon_default !== '' ? o.daemon_default : o.default;
  return valueText(o, d);
}

function valueText(o: OptionSchema, v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return o.type === 'float' ? formatG(v) : String(v);
  return v;
}

export class ParseError extends Error {}

/** strict_strtoll: the whole string must be a base-10 integer. */
function strictStrtoll(s: string): bigint {
  if (!/^\s*[+-]?\d+$/.test(s)) throw new ParseError(`Expected option value to be integer, got '${s}'`);
  const v = BigInt(s.trim());
  if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) throw new ParseError(`The option value '${s}' seems to be invalid`);
  return v;
}

/** strict_si_cast: an optional K/M/G/T/P/E suffix multiplies by powers of 1000 (B is ignored). */
export function strictSiCast(s: string, unsigned: boolean): bigint {
  if (s === '') throw new ParseError('strict_sistrtoll: value not specified');
  let n = s;
  let m = 0;
  if (/[^0-9+-]/.test(s)) {
    const u = s[s.length - 1]!;
    const pow: Record<string, number> = { K: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
    if (pow[u] !== undefined) m = pow[u]!;
    else if (u !== 'B') throw new ParseError('strict_si_cast: unit prefix not recognized');
    if (m >= 3) n = s.slice(0, -1);
  }
  const ll = strictStrtoll(n);
  if (ll < 0n && unsigned) throw new ParseError('strict_sistrtoll: value should not be negative');
  const coef = 10n ** BigInt(m);
  const max = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
  const min = unsigned ? 0n : -(2n ** 63n);
  if (ll > max / coef || ll < min / coef) throw new ParseError('strict_sistrtoll: value out of range');
  return ll * coef;
}

/** strict_iec_cast: K/Ki = 2^10 ... E/Ei = 2^60; B alone means bytes. */
export function strictIecCast(s: string): bigint {
  if (s === '') throw new ParseError('strict_iecstrtoll: value not specified');
  const u = s.search(/[^0-9+-]/);
  let n = s;
  let m = 0;
  if (u >= 0) {
    n = s.slice(0, u);
    const unit = s.slice(u);
    if (unit.endsWith('i') && unit.startsWith('B')) throw new ParseError('strict_iecstrtoll: illegal prefix "Bi"');
    if (unit.length > 2) throw new ParseError('strict_iecstrtoll: illegal prefix (length > 2)');
    const pow: Record<string, number> = { K: 10, M: 20, G: 30, T: 40, P: 50, E: 60, B: 0 };
    if (pow[unit[0]!] === undefined) throw new ParseError('strict_iecstrtoll: unit prefix not recognized');
    m = pow[unit[0]!]!;
    if (unit.length === 2 && unit[1] !== 'i') throw new ParseError('strict_iecstrtoll: illegal prefix (length > 2)');
  }
  const ll = strictStrtoll(n);
  if (ll < 0n) throw new ParseError('strict_iecstrtoll: value should not be negative');
  if (m > 0 && ll > (2n ** 63n - 1n) >> BigInt(m)) throw new ParseError('strict_iecstrtoll: the prefix would overflow');
  return ll << BigInt(m);
}

function strictStrtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)/i.exec(s);
  if (!m) throw new ParseError(`strict_strtod: expected double, got: '${s}'`);
  if (m[0].length !== s.length) throw new ParseError(`strict_strtod: garbage at end of string. got: '${s}'`);
  const v = Number(s.trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  return v;
}

function strictStrtob(s: string): boolean {
  if (s.toLowerCase() === 'false') return false;
  if (s.toLowerCase() === 'true') return true;
  const v = strictStrtoll(s);
  if (v > 2147483647n || v < -2147483648n) throw new ParseError(`The option value '${s}' seems to be invalid`);
  return v !== 0n;
}

/** parse_timespan (src/common/ceph_time.cc): "30", "30s", "1m", "2h 3m", "1d" ... -> seconds. */
function parseTimespan(s: string): bigint {
  const units: [RegExp, bigint][] = [
    [/^(s|sec|second|seconds)$/, 1n],
    [/^(m|min|minute|minutes)$/, 60n],
    [/^(h|hr|hour|hours)$/, 3600n],
    [/^(d|day|days)$/, 86400n],
    [/^(w|wk|week|weeks)$/, 604800n],
    [/^(mo|month|months)$/, 2592000n],
    [/^(y|yr|year|years)$/, 31536000n],
  ];
  let total = 0n;
  const re = /\s*(\d+)\s*([a-z]*)/gy;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < s.length && (m = re.exec(s))) {
    pos = re.lastIndex;
    const unit = m[2]!;
    if (unit === '') {
      total += BigInt(m[1]!);
      continue;
    }
    const u = units.find(([r]) => r.test(unit));
    if (!u) throw new ParseError(`unknown unit '${unit}'`);
    total += BigInt(m[1]!) * u[1];
  }
  if (pos !== s.length || s.trim() === '') throw new ParseError(`invalid duration '${s}'`);
  return total;
}

function checkRange(o: OptionSchema, v: bigint | number, text: string): void {
  const lim = (x: string | number): number | bigint | undefined => (x === '' ? undefined : typeof v === 'bigint' ? BigInt(Math.trunc(Number(x))) : Number(x));
  const min = lim(o.min);
  const max = lim(o.max);
  if (min !== undefined && v < min) throw new ParseError(`Value '${text}' is below minimum ${o.min}`);
  if (max !== undefined && v > max) throw new ParseError(`Value '${text}' exceeds maximum ${o.max}`);
}

/**
 * Option::parse_value: the normalized text to store, or EINVAL "error parsing value: <why>".
 */
export function parseOptionValue(o: OptionSchema, raw: string): string {
  const r = tryParseOptionValue(o, raw);
  if ('error' in r) throw cephError('EINVAL', `error parsing value: ${r.error}`);
  return r.value;
}

/** Option::parse_value as md_config_t::_set_val calls it: the value, or the bare reason (injectargs prints it). */
export function tryParseOptionValue(o: OptionSchema, raw: string): { value: string } | { error: string } {
  try {
    return { value: normalize(o, raw) };
  } catch (e) {
    if (e instanceof ParseError) return { error: e.message };
    throw e;
  }
}

function normalize(o: OptionSchema, v: string): string {
  switch (o.type) {
    case 'int':
    case 'uint': {
      const n = strictSiCast(v, o.type === 'uint');
      checkRange(o, n, n.toString());
      return n.toString();
    }
    case 'size': {
      const n = strictIecCast(v);
      checkRange(o, n, n.toString());
      return n.toString();
    }
    case 'float': {
      const d = strictStrtod(v);
      const text = formatG(d);
      checkRange(o, d, text);
      return text;
    }
    case 'bool':
      return strictStrtob(v) ? 'true' : 'false';
    case 'secs': {
      const n = parseTimespan(v);
      checkRange(o, n, n.toString());
      return n.toString();
    }
    case 'millisecs': {
      if (!/^\d+$/.test(v)) throw new ParseError(`bad lexical cast: source type value could not be interpreted as target`);
      return BigInt(v).toString();
    }
    case 'uuid':
      if (!isUuid(v)) throw new ParseError('');
      return v.toLowerCase();
    case 'addr': {
      // entity_addr_t::parse: no "v1:"/"v2:" prefix means TYPE_DEFAULT, which is msgr2.
      const a = parseAddr(v, AddrType.MSGR2);
      if (!a) throw new ParseError('');
      return formatAddr(a);
    }
    case 'addrvec': {
      const a = parseAddrvec(v, AddrType.MSGR2);
      if (!a) throw new ParseError('');
      return formatAddrvec(a);
    }
    case 'str':
      if (o.enum_values && o.enum_values.length && !o.enum_values.includes(v)) {
        throw new ParseError(`'${v}' is not one of the permitted values: ${o.enum_values.join(', ')}`);
      }
      return v;
  }
}
