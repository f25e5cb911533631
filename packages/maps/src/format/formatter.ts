import { formatG } from './number';

/**
 * Ceph's JSONFormatter (src/common/Formatter.cc), byte for byte: the same section/value calls produce
 * the same text, pretty (4-space indent, "json-pretty") or compact ("json"). Dumps are written against
 * this interface in the order Ceph's dump() functions call it, so that `ceph osd dump -f json` and
 * friends come out identical. Names are written as given (Ceph does not escape them); string values
 * are escaped as escape_json_attr does.
 */
export interface Formatter {
  openObject(name?: string): void;
  openArray(name?: string): void;
  close(): void;
  dumpString(name: string, s: string): void;
  /** dump_stream: the text of an ostream<<, always quoted. */
  dumpStream(name: string, s: string): void;
  dumpInt(name: string, v: number | bigint): void;
  dumpUnsigned(name: string, v: number | bigint): void;
  /** dump_float: printed with max_digits10 (17) significant digits. */
  dumpFloat(name: string, v: number): void;
  dumpBool(name: string, v: boolean): void;
}

interface Level {
  isArray: boolean;
  size: number;
}

export class JsonFormatter implements Formatter {
  private out = '';
  private readonly stack: Level[] = [];
  constructor(readonly pretty: boolean) {}

  private indent(n: number): string {
    return '    '.repeat(n);
  }

  private comma(e: Level): void {
    if (e.size) this.out += this.pretty ? `,\n${this.indent(this.stack.length - 1)}` : ',';
    else if (this.pretty) this.out += `\n${this.indent(this.stack.length - 1)}`;
    if (this.pretty && e.isArray) this.out += '    ';
  }

  private name(name: string): void {
    const e = this.stack[this.stack.length - 1];
    if (!e) return;
    this.comma(e);
    if (!e.isArray) this.out += this.pretty ? `    "${name}": ` : `"${name}":`;
    e.size++;
  }

  private open(name: string, isArray: boolean): void {
    this.name(name);
    this.out += isArray ? '[' : '{';
    this.stack.push({ isArray, size: 0 });
  }

  openObject(name = ''): void {
    this.open(name, false);
  }
  openArray(name = ''): void {
    this.open(name, true);
  }
  close(): void {
    const e = this.stack.pop();
    if (!e) throw new Error('JsonFormatter: close() without an open section');
    if (this.pretty && e.size) this.out += `\n${this.indent(this.stack.length)}`;
    this.out += e.isArray ? ']' : '}';
    if (this.pretty && this.stack.length === 0) this.out += '\n';
  }
  private raw(name: string, v: string): void {
    this.name(name);
    this.out += v;
  }
  dumpString(name: string, s: string): void {
    this.raw(name, `"${escapeJson(s)}"`);
  }
  dumpStream(name: string, s: string): void {
    this.dumpString(name, s);
  }
  /** dump_int takes an int64_t: a fractional number is truncated as the C++ conversion does. */
  dumpInt(name: string, v: number | bigint): void {
    this.raw(name, typeof v === 'bigint' ? String(v) : String(Math.trunc(v)));
  }
  dumpUnsigned(name: string, v: number | bigint): void {
    this.dumpInt(name, v);
  }
  dumpFloat(name: string, v: number): void {
    this.raw(name, formatG(v, 17));
  }
  dumpBool(name: string, v: boolean): void {
    this.raw(name, v ? 'true' : 'false');
  }
  dumpNull(name: string): void {
    this.raw(name, 'null');
  }
  /** dump_format_unquoted: the caller's text as is (a number it formatted itself). */
  dumpUnquoted(name: string, text: string): void {
    this.raw(name, text);
  }

  /**
   * Dump a plain value the way a hand-written dump() would: objects and Maps become object sections
   * (undefined members left out), arrays array sections, integers dump_int, other numbers dump_float,
   * bigints dump_int, strings, booleans, and null or undefined as null.
   */
  dump(name: string, v: unknown): void {
    if (v === null || v === undefined) return this.dumpNull(name);
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
    } else if (v instanceof Map) {
      this.openObject(name);
      for (const [k, x] of v) this.dump(String(k), x);
    } else {
      this.openObject(name);
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) this.dump(k, x);
    }
    this.close();
  }

  /** Everything written so far (a pretty dump ends with the newline the root close_section wrote). */
  toString(): string {
    return this.out;
  }
}

/** escape_json_attr (src/common/escape.cc): quote, backslash, tab, newline, other control bytes as \uXXXX. */
export function escapeJson(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** Format a dump: `fn` writes into an object section named `root` (the name a JSON dump never shows). */
export function dumpJson(fn: (f: Formatter) => void, pretty = true): string {
  const f = new JsonFormatter(pretty);
  f.openObject('root');
  fn(f);
  f.close();
  return f.toString();
}
