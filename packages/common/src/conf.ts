import { hostname } from 'node:os';
import { cephError } from './errors';

/**
 * ceph.conf: an INI file with [global], [<type>] and [<type>.<id>] sections. Option names are
 * normalised as Ceph does (spaces and dashes become underscores), so `mon host`, `mon-host` and
 * `mon_host` are one option. A lookup for entity `osd.3` searches [osd.3], [osd], [global].
 * Source: src/common/ConfUtils.cc, src/common/config.cc (metavariable expansion).
 */
export function normalizeOptionName(name: string): string {
  return name.trim().replace(/[ \-]+/g, '_');
}

/** Limits on what we accept from a conf file (docs/LIMITS.md). */
export const confBytesMax = 4 * 1024 * 1024;

export class CephConf {
  readonly sections = new Map<string, Map<string, string>>();

  static parse(text: string, source = 'ceph.conf'): CephConf {
    if (text.length > confBytesMax) throw cephError('EINVAL', `${source}: larger than ${confBytesMax} bytes`);
    const conf = new CephConf();
    let section: Map<string, string> | undefined;
    let pending = '';
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      let line = pending + (lines[i] ?? '');
      pending = '';
      if (line.endsWith('\\')) {
        pending = line.slice(0, -1);
        continue;
      }
      line = stripComment(line).trim();
      if (!line) continue;
      if (line.startsWith('[')) {
        const m = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
        if (!m) throw cephError('EINVAL', `${source}:${i + 1}: malformed section header '${line}'`);
        const name = m[1]!;
        section = conf.sections.get(name) ?? new Map();
        conf.sections.set(name, section);
        continue;
      }
      const eq = line.indexOf('=');
      if (eq < 0) throw cephError('EINVAL', `${source}:${i + 1}: expected 'name = value', got '${line}'`);
      if (!section) {
        section = conf.sections.get('global') ?? new Map();
        conf.sections.set('global', section);
      }
      const key = normalizeOptionName(line.slice(0, eq));
      let value = line.slice(eq + 1).trim();
      if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) value = value.slice(1, -1);
      section.set(key, value);
    }
    return conf;
  }

  set(section: string, key: string, value: string): void {
    let s = this.sections.get(section);
    if (!s) this.sections.set(section, (s = new Map()));
    s.set(normalizeOptionName(key), value);
  }

  /** The raw value of `key` for `entity` (e.g. "client.admin", "mon.a"), metavariables expanded. */
  get(key: string, entity = 'client.admin', cluster = 'ceph'): string | undefined {
    const k = normalizeOptionName(key);
    for (const s of searchOrder(entity)) {
      const v = this.sections.get(s)?.get(k);
      if (v !== undefined) return expandMeta(v, entity, cluster);
    }
    return undefined;
  }

  toString(): string {
    const out: string[] = [];
    for (const [name, kv] of this.sections) {
      out.push(`[${name}]`);
      for (const [k, v] of kv) out.push(`\t${k} = ${v}`);
      out.push('');
    }
    return out.join('\n');
  }
}

function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' || c === ';') return line.slice(0, i);
  }
  return line;
}

export function searchOrder(entity: string): string[] {
  const dot = entity.indexOf('.');
  const type = dot < 0 ? entity : entity.slice(0, dot);
  return dot < 0 ? [type, 'global'] : [entity, type, 'global'];
}

/** Ceph's metavariables in a value: $cluster, $type, $id, $name, $host, $pid. */
export function expandMeta(v: string, entity: string, cluster: string): string {
  if (!v.includes('$')) return v;
  const dot = entity.indexOf('.');
  const type = dot < 0 ? entity : entity.slice(0, dot);
  const id = dot < 0 ? '' : entity.slice(dot + 1);
  const vars: Record<string, string> = { cluster, type, id, name: entity, host: hostname().split('.')[0] ?? '', pid: String(process.pid) };
  return v.replace(/\$\{?(cluster|type|id|name|host|pid)\}?/g, (_m, n: string) => vars[n] ?? '');
}

/** Ceph's boolean parsing: true/false, yes/no, 1/0 (case-insensitive). */
export function parseBool(v: string, name = 'option'): boolean {
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === 'yes' || s === '1' || s === 'on') return true;
  if (s === 'false' || s === 'no' || s === '0' || s === 'off') return false;
  throw cephError('EINVAL', `${name}: '${v}' is not a boolean`);
}

export function parseIntStrict(v: string, name = 'option'): number {
  const s = v.trim();
  if (!/^[-+]?\d+$/.test(s)) throw cephError('EINVAL', `${name}: '${v}' is not an integer`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw cephError('EINVAL', `${name}: '${v}' is out of range`);
  return n;
}

/** Sizes with Ceph's suffixes: 4096, 4K, 4KiB, 1M, 2G, 1T (binary multiples). */
export function parseSize(v: string, name = 'option'): number {
  const m = /^\s*(\d+)\s*([kKmMgGtTpP]?)(i?[bB])?\s*$/.exec(v);
  if (!m) throw cephError('EINVAL', `${name}: '${v}' is not a size`);
  const mult: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
  return Number(m[1]) * mult[(m[2] ?? '').toLowerCase()]!;
}
