import { cephError } from '@ts-ceph/common/core';
import { EntityName, Reader, formatEntityName, parseEntityName, decodeEntityName, DencError } from '@ts-ceph/denc';
import { CryptoKey } from './crypto';
import { AuthCapsInfo, EntityAuth, capsBlob, capsText, compareEntityNames, compareStrings, decodeEntityAuth } from './auth-types';
import { KeyStore } from './protocol';

/**
 * KeyRing (src/auth/KeyRing.{h,cc}): entity name -> {key, caps}. The text form is what ceph-authtool
 * writes and every Ceph tool reads: an INI file parsed by ConfFile (src/common/ConfUtils.cc), one
 * section per entity, "key = <base64>" and "caps <service> = "<cap text>"" lines; option names have
 * their spaces turned into underscores and back, so "caps mon" and "caps_mon" are the same. KeyRing
 * also accepts the old binary form (u8 struct_v + map<EntityName, EntityAuth>), tried first as Ceph does.
 * This file is pure text; reading and writing files (mode 0600) is in ../keyring-file.ts.
 */

/** Largest keyring text we parse (Ceph's ConfFile limit is 1 GiB; a keyring is a few KiB). */
export const keyringBytesMax = 4 << 20;
/** Most entities one keyring may hold. */
export const keyringEntitiesMax = 65536;

export interface KeyRingEntry {
  name: EntityName;
  auth: EntityAuth;
}

export class KeyRing implements KeyStore {
  private readonly keys = new Map<string, KeyRingEntry>();

  /** Entries in Ceph's order (std::map<EntityName, ...>: entity type, then id). */
  entries(): KeyRingEntry[] {
    return [...this.keys.values()].sort((a, b) => compareEntityNames(a.name, b.name));
  }

  get size(): number {
    return this.keys.size;
  }

  has(name: EntityName): boolean {
    return this.keys.has(formatEntityName(name));
  }

  get(name: EntityName): EntityAuth | undefined {
    return this.keys.get(formatEntityName(name))?.auth;
  }

  getSecret(name: EntityName): CryptoKey | undefined {
    return this.get(name)?.key;
  }

  getServiceSecret(): CryptoKey | undefined {
    return undefined;
  }

  /** KeyRing::get_caps: undefined if the entity is unknown; empty caps if it has none for `service`. */
  getCaps(name: EntityName, service: string): AuthCapsInfo | undefined {
    const a = this.get(name);
    if (!a) return undefined;
    return { allowAll: false, caps: a.caps.get(service) ?? Buffer.alloc(0) };
  }

  /** Cap text per service. */
  capsOf(name: EntityName): Map<string, string> {
    const out = new Map<string, string>();
    const a = this.get(name);
    if (a) for (const [k, v] of a.caps) out.set(k, capsText({ allowAll: false, caps: v }));
    return out;
  }

  add(name: EntityName, auth: EntityAuth): void {
    if (!this.keys.has(formatEntityName(name)) && this.keys.size >= keyringEntitiesMax) {
      throw cephError('E2BIG', `keyring already holds keyringEntitiesMax ${keyringEntitiesMax} entities`);
    }
    this.keys.set(formatEntityName(name), { name: { ...name }, auth: { key: auth.key, caps: new Map(auth.caps) } });
  }

  setKey(name: EntityName, key: CryptoKey): void {
    const cur = this.get(name);
    this.add(name, { key, caps: cur?.caps ?? new Map() });
  }

  /** Replace all caps of `name` (ceph-authtool --cap replaces the set given on one command line). */
  setCaps(name: EntityName, caps: Iterable<readonly [string, string]>): void {
    const cur = this.get(name);
    const m = new Map<string, Buffer>();
    for (const [svc, text] of caps) m.set(svc, capsBlob(text));
    this.add(name, { key: cur?.key ?? CryptoKey.empty(), caps: m });
  }

  remove(name: EntityName): boolean {
    return this.keys.delete(formatEntityName(name));
  }

  /** KeyRing::import: entries of `other` replace ours. */
  import(other: KeyRing): void {
    for (const e of other.entries()) this.add(e.name, e.auth);
  }

  /** KeyRing::print: the text ceph-authtool writes (tab-indented, '"' in caps escaped as '\"'). */
  format(): string {
    let out = '';
    for (const { name, auth } of this.entries()) {
      out += `[${formatEntityName(name)}]\n`;
      out += `\tkey = ${auth.key.toBase64()}\n`;
      for (const svc of [...auth.caps.keys()].sort(compareStrings)) {
        const text = capsText({ allowAll: false, caps: auth.caps.get(svc)! });
        out += `\tcaps ${svc} = "${text.replace(/"/g, '\\"')}"\n`;
      }
    }
    return out;
  }

  /** KeyRing::decode: the binary form if it decodes whole, else the text form. */
  static decode(data: Uint8Array, source = 'keyring'): KeyRing {
    if (data.length > keyringBytesMax) throw cephError('EINVAL', `${source}: ${data.length} bytes exceeds keyringBytesMax ${keyringBytesMax}`);
    const bin = KeyRing.tryDecodeBinary(data);
    if (bin) return bin;
    return KeyRing.parse(Buffer.from(data).toString('utf8'), source);
  }

  private static tryDecodeBinary(data: Uint8Array): KeyRing | undefined {
    try {
      const r = new Reader(data);
      r.u8('struct_v');
      const pairs = r.pairs('keys', (r) => decodeEntityName(r), (r) => decodeEntityAuth(r), 8);
      r.expectEnd('KeyRing');
      const kr = new KeyRing();
      for (const [name, auth] of pairs) kr.add(name, auth);
      return kr;
    } catch (e) {
      if (e instanceof DencError) return undefined;
      throw e;
    }
  }

  /** KeyRing::decode_plaintext. Throws EINVAL naming the line for anything Ceph would refuse. */
  static parse(text: string, source = 'keyring'): KeyRing {
    if (Buffer.byteLength(text) > keyringBytesMax) throw cephError('EINVAL', `${source}: larger than keyringBytesMax ${keyringBytesMax}`);
    const kr = new KeyRing();
    for (const sect of parseIni(text, source)) {
      if (sect.name === 'global') continue;
      const name = parseEntityName(sect.name);
      if (!name) throw cephError('EINVAL', `${source}:${sect.line}: bad entity name in keyring: ${sect.name}`);
      let key = kr.get(name)?.key ?? CryptoKey.empty();
      const caps = new Map(kr.get(name)?.caps ?? []);
      for (const { key: k, value, line } of sect.values) {
        const opt = k.replace(/_/g, ' ');
        if (opt === 'key') {
          try {
            key = CryptoKey.fromBase64(value);
          } catch (e) {
            throw cephError('EINVAL', `${source}:${line}: error setting modifier for [${sect.name}] type=key val=${value}`, { cause: e });
          }
        } else if (opt.startsWith('caps ') && opt.length > 5) {
          caps.set(opt.slice(5), capsBlob(value));
        } else if (opt !== 'auid') {
          throw cephError('EINVAL', `${source}:${line}: error setting modifier for [${sect.name}] type=${opt} val=${value}`);
        }
      }
      kr.add(name, { key, caps });
    }
    return kr;
  }
}

interface IniSection {
  name: string;
  line: number;
  values: { key: string; value: string; line: number }[];
}

/**
 * The subset of ConfFile's grammar keyrings use: [section] headers, "key = value" lines, '#' and ';'
 * comments, '\' escaping the next character (and a trailing '\' continuing the line), values in
 * double or single quotes. Keys are normalised as ConfFile does (trimmed, inner whitespace -> '_');
 * within a section the last value of a key wins.
 */
function parseIni(text: string, source: string): IniSection[] {
  const sections = new Map<string, IniSection>();
  let cur: IniSection | undefined;
  const lines = text.replace(/\\\r?\n/g, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line[0] === '#' || line[0] === ';') return;
    if (line[0] === '[') {
      const m = /^\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
      if (!m) throw cephError('EINVAL', `${source}:${lineNo}: parse error: malformed section name '${line}'`);
      const name = m[1]!;
      cur = sections.get(name) ?? { name, line: lineNo, values: [] };
      sections.set(name, cur);
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw cephError('EINVAL', `${source}:${lineNo}: parse error: expected 'key = value', got '${line}'`);
    if (!cur) throw cephError('EINVAL', `${source}:${lineNo}: parse error: '${line}' outside any [section]`);
    const key = line.slice(0, eq).trim().replace(/\s+/g, '_');
    const value = parseValue(line.slice(eq + 1).trim(), `${source}:${lineNo}`);
    const at = cur.values.findIndex((v) => v.key === key);
    if (at >= 0) cur.values.splice(at, 1);
    cur.values.push({ key, value, line: lineNo });
  });
  return [...sections.values()];
}

function parseValue(s: string, where: string): string {
  const q = s[0];
  let out = '';
  if (q === '"' || q === "'") {
    let i = 1;
    for (; i < s.length && s[i] !== q; i++) {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      out += s[i];
    }
    if (i >= s.length) throw cephError('EINVAL', `${where}: parse error: unterminated quoted value`);
    const rest = s.slice(i + 1).trim();
    if (rest !== '' && rest[0] !== '#' && rest[0] !== ';') throw cephError('EINVAL', `${where}: parse error: text after quoted value: '${rest}'`);
    return out;
  }
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      out += s[++i];
      continue;
    }
    if (c === '#' || c === ';') break;
    out += c;
  }
  return out.trim();
}
