/**
 * The text a Python mgr module prints, reproduced for the modules we serve: json.dumps(obj,
 * indent=4, sort_keys=True) (ASCII-only, ", " item separator inside one line and "," at line ends,
 * ": " after keys) and PrettyTable(border=False) as the crash module configures it.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** json.dumps' default ensure_ascii escaping of a string. */
function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) {
      const units = c > 0xffff ? [0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff)] : [c];
      for (const u of units) out += `\\u${u.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** json.dumps(v, indent=4, sort_keys=True) */
export function pyJsonDumps(v: unknown, indent = 4, level = 0): string {
  const j = v as Json;
  if (j === null || j === undefined) return 'null';
  if (typeof j === 'boolean') return j ? 'true' : 'false';
  if (typeof j === 'number') return Number.isFinite(j) ? String(j) : j > 0 ? 'Infinity' : j < 0 ? '-Infinity' : 'NaN';
  if (typeof j === 'string') return pyString(j);
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (Array.isArray(j)) {
    if (!j.length) return '[]';
    return `[\n${j.map((x) => pad + pyJsonDumps(x, indent, level + 1)).join(',\n')}\n${end}]`;
  }
  const keys = Object.keys(j).sort();
  if (!keys.length) return '{}';
  return `{\n${keys.map((k) => `${pad}${pyString(k)}: ${pyJsonDumps(j[k], indent, level + 1)}`).join(',\n')}\n${end}}`;
}

/** PrettyTable._justify ('c' puts the odd space where str.center would). */
function justify(text: string, width: number, align: 'l' | 'r' | 'c'): string {
  const excess = width - text.length;
  if (align === 'l') return text + ' '.repeat(excess);
  if (align === 'r') return ' '.repeat(excess) + text;
  const half = Math.floor(excess / 2);
  if (excess % 2 === 0) return ' '.repeat(half) + text + ' '.repeat(half);
  return text.length % 2 ? ' '.repeat(half) + text + ' '.repeat(half + 1) : ' '.repeat(half + 1) + text + ' '.repeat(half);
}

/**
 * PrettyTable(fields, border=False) with left_padding_width 0 and right_padding_width 2; an
 * empty table prints nothing (print_empty has no effect without a border).
 */
export function prettyTableNoBorder(fields: string[], align: ('l' | 'r' | 'c')[], rows: string[][]): string {
  if (!rows.length) return '';
  const widths = fields.map((f, i) => Math.max(f.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => justify(c, widths[i]!, align[i] ?? 'c') + '  ').join('');
  return [line(fields), ...rows.map(line)].join('\n');
}
