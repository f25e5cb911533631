/**
 * Ceph's JSONFormatter (src/common/Formatter.cc), reproduced for byte-identical command output:
 * "json" is compact (`{"a":1,"b":[]}`), "json-pretty" indents by four spaces, writes `"key": value`,
 * and ends the top-level section with a newline. Floats print like C++ `ostream << double` at
 * max_digits10 precision (`%.17g`); strings escape `"`, `\`, tab, newline and control characters.
 */
import { assert } from '@ts-ceph/common';

interface Entry {
  isArray: boolean;
  size: number;
}

/** A double for dump_float (plain JS numbers are dumped as integers). */
export class CephFloat {
  constructor(readonly value: number) {}
}
export const float = (v: number) => new CephFloat(v);

export class JSONFormatter {
  private out: string[] = [];
  private stack: Entry[] = [];

  constructor(readonly pretty: boolean) {}

  private indent(): string {
    return '    '.repeat(Math.max(0, this.stack.length - 1));
  }

  private printComma(e: Entry): void {
    if (e.size) this.out.push(this.pretty ? ',\n' + this.indent() : ',');
    else if (this.pretty) this.out.push('\n' + this.indent());
    if (this.pretty && e.isArray) this.out.push('    ');
  }

  private printName(name: string): void {
    const e = this.stack[this.stack.length - 1];
    if (!e) return;
    this.printComma(e);
    if (!e.isArray) {
      if (this.pretty) this.out.push('    ');
      this.out.push(`"${name}"`, this.pretty ? ': ' : ':');
    }
    e.size++;
  }

  openObject(name = ''): this {
    return this.openSection(name, false);
  }
  openArray(name = ''): this {
    return this.openSection(name, true);
  }
  private openSection(name: string, isArray: boolean): this {
    this.printName(name);
    this.out.push(isArray ? '[' : '{');
    this.stack.push({ isArray, size: 0 });
    return this;
  }

  close(): this {
    const e = this.stack[this.stack.length - 1];
    assert(e, 'JSONFormatter: close_section without an open section');
    if (this.pretty && e.size) this.out.push('\n' + this.indent());
    this.out.push(e.isArray ? ']' : '}');
    this.stack.pop();
    if (this.pretty && this.stack.length === 0) this.out.push('\n');
    return this;
  }

  private raw(name: string, text: string): this {
    this.printName(name);
    this.out.push(text);
    return this;
  }

  dumpString(name: string, s: string): this {
    return this.raw(name, `"${jsonEscape(s)}"`);
  }
  /** dump_stream: the text of an ostream<<, quoted like a string. */
  dumpStream(name: string, s: string): this {
    return this.dumpString(name, s);
  }
  dumpInt(name: string, n: number | bigint): this {
    return this.raw(name, typeof n === 'bigint' ? n.toString() : String(Math.trunc(n)));
  }
  dumpUnsigned(name: string, n: number | bigint): this {
    return this.dumpInt(name, n);
  }
  dumpFloat(name: string, d: number): this {
    return this.raw(name, formatDouble(d));
  }
  dumpBool(name: string, b: boolean): this {
    return this.raw(name, b ? 'true' : 'false');
  }
  dumpNull(name: string): this {
    return this.raw(name, 'null');
  }

  /**
   * Dump a plain value: objects become object sections, arrays array sections, numbers integers,
   * CephFloat doubles, bigints integers, strings quoted, booleans, null.
   */
  dump(name: string, v: unknown): this {
    if (v === null || v === undefined) return this.dumpNull(name);
    if (v instanceof CephFloat) return this.dumpFloat(name, v.value);
    switch (typeof v) {
      case 'string':
        return this.dumpString(name, v);
      case 'number':
        return Number.isInteger(v) ? this.dumpInt(name, v) : this.dumpFloat(name, v);
      case 'bigint':
        return this.dumpInt(name, v);
      case 'boolean':
        return this.dumpBool(name, v);
    }
    if (Array.isArray(v)) {
      this.openArray(name);
      for (const x of v) this.dump('', x);
      return this.close();
    }
    if (v instanceof Map) {
      this.openObject(name);
      for (const [k, x] of v) this.dump(String(k), x);
      return this.close();
    }
    this.openObject(name);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) this.dump(k, x);
    return this.close();
  }

  toString(): string {
    return this.out.join('');
  }
}

export function jsonEscape(s: string): string {
  let o = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') o += '\\"';
    else if (ch === '\\') o += '\\\\';
    else if (ch === '\t') o += '\\t';
    else if (ch === '\n') o += '\\n';
    else if (c < 0x20 || c === 0x7f) o += '\\u' + c.toString(16).padStart(4, '0');
    else o += ch;
  }
  return o;
}

/** C++ `ostream << double` with precision 17 (printf `%.17g`). */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return d < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(d)) return d < 0 ? '-inf' : 'inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const P = 17;
  const exp = Math.floor(Math.log10(Math.abs(d)));
  // toExponential gives the exponent exactly (log10 can be off by one near powers of ten).
  const e = Number(d.toExponential(P - 1).split('e')[1]);
  const x = Number.isFinite(e) ? e : exp;
  if (x < -4 || x >= P) {
    let [mant, ex] = d.toExponential(P - 1).split('e') as [string, string];
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const sign = ex.startsWith('-') ? '-' : '+';
    const digits = ex.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  let s = d.toFixed(Math.max(0, P - 1 - x));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** Formatter::create for the formats a mon command accepts; undefined for plain text. */
export function createFormatter(format: string | undefined): JSONFormatter | undefined {
  if (format === 'json') return new JSONFormatter(false);
  if (format === 'json-pretty') return new JSONFormatter(true);
  return undefined;
}

/** Render `v` (under an unnamed top-level section) in `format`: Ceph's f->dump_*; f->flush. */
export function renderJSON(v: unknown, pretty: boolean): string {
  return new JSONFormatter(pretty).dump('', v).toString();
}
