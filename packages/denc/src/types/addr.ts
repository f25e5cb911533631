import { isIPv4, isIPv6 } from 'node:net';
import { Reader } from '../reader';
import { Writer } from '../writer';
import { hasFeature, featureBit } from '../features';
import { EntityNameT, decodeEntityNameT, encodeEntityNameT } from './names';

/**
 * entity_addr_t and entity_addrvec_t (src/msg/msg_types.h, msg_types.cc).
 *
 * Two wire forms:
 *  - legacy (peer lacks MSG_ADDR2): le32 0 (marker byte 0 + 3 pad), le32 nonce, then a 128-byte
 *    sockaddr_storage whose family is big-endian;
 *  - msgr2: u8 marker 1, ENCODE_START(1,1) { le32 type, le32 nonce, le32 elen, le16 family (host order),
 *    sa_data[elen-2] }, elen being sizeof(sockaddr_in)=16, sizeof(sockaddr_in6)=28, or 28 otherwise.
 * Linux family numbers: AF_UNSPEC 0, AF_INET 2, AF_INET6 10.
 */
export const AddrType = { NONE: 0, LEGACY: 1, MSGR2: 2, ANY: 3, CIDR: 4 } as const;
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** sizeof(sockaddr_in6) minus the family: sa_data bytes we keep for every address. */
const SA_DATA_BYTES = 26;
const SOCKADDR_STORAGE_BYTES = 128;

export interface EntityAddr {
  type: number;
  nonce: number;
  family: number;
  /**
   * The sockaddr bytes after the family, always 26 long (sockaddr_in6 size), zero-padded.
   * AF_INET: be16 port, 4 address bytes, 8 zero; AF_INET6: be16 port, be32 flowinfo, 16 address bytes,
   * le32 scope id. Kept raw so every address re-encodes exactly; use addrIp()/addrPort() to read it.
   */
  sa: Buffer;
}

export function makeAddr(type: number, ip: string, port: number, nonce = 0): EntityAddr {
  const sa = Buffer.alloc(SA_DATA_BYTES);
  let family = AF_UNSPEC;
  if (isIPv4(ip)) {
    family = AF_INET;
    sa.writeUInt16BE(port, 0);
    ip.split('.').forEach((o, i) => (sa[2 + i] = Number(o)));
  } else if (isIPv6(ip)) {
    family = AF_INET6;
    sa.writeUInt16BE(port, 0);
    ipv6ToBytes(ip).copy(sa, 6);
  } else if (ip !== '') {
    throw new TypeError(`not an IP address: ${ip}`);
  }
  return { type, nonce: nonce >>> 0, family, sa };
}

export function blankAddr(): EntityAddr {
  return { type: AddrType.NONE, nonce: 0, family: AF_UNSPEC, sa: Buffer.alloc(SA_DATA_BYTES) };
}

export function addrPort(a: EntityAddr): number {
  return a.family === AF_INET || a.family === AF_INET6 ? a.sa.readUInt16BE(0) : 0;
}

export function addrIp(a: EntityAddr): string {
  if (a.family === AF_INET) return `${a.sa[2]}.${a.sa[3]}.${a.sa[4]}.${a.sa[5]}`;
  if (a.family === AF_INET6) return bytesToIpv6(a.sa.subarray(6, 22));
  return '';
}

export function withPort(a: EntityAddr, port: number): EntityAddr {
  const sa = Buffer.from(a.sa);
  sa.writeUInt16BE(port, 0);
  return { ...a, sa };
}

function sockaddrLen(family: number): number {
  return family === AF_INET ? 16 : 28;
}

function ipv6ToBytes(ip: string): Buffer {
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    tail = [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) {
    out.writeUInt16BE(tail[0]!, 12);
    out.writeUInt16BE(tail[1]!, 14);
  }
  return out;
}

function bytesToIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of zero groups (length >= 2) becomes "::", as inet_ntop does.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function decodeEntityAddr(r: Reader, field = 'entity_addr_t'): EntityAddr {
  return r.within(field, () => {
    const marker = r.u8('marker');
    if (marker === 0) return decodeLegacyAfterMarker(r);
    if (marker !== 1) r.fail('DENC_MALFORMED', `entity_addr_t marker ${marker} != 1`);
    return decodeAddrBody(r);
  });
}

function decodeAddrBody(r: Reader): EntityAddr {
  return r.envelope('v1', 1, () => {
    const type = r.u32('type');
    const nonce = r.u32('nonce');
    let elen = r.u32('elen');
    const sa = Buffer.alloc(SA_DATA_BYTES);
    let family = AF_UNSPEC;
    if (elen) {
      if (elen < 2) r.fail('DENC_MALFORMED', 'elen smaller than family len', 'elen');
      family = r.u16('family');
      elen -= 2;
      if (elen > sockaddrLen(family) - 2) r.fail('DENC_MALFORMED', `elen ${elen + 2} exceeds sockaddr len ${sockaddrLen(family)}`, 'elen');
      r.bytes(elen, 'sa_data').copy(sa, 0);
    }
    return { type, nonce, family, sa };
  });
}

function decodeLegacyAfterMarker(r: Reader): EntityAddr {
  r.u8('pad');
  r.u16('rest');
  const nonce = r.u32('nonce');
  const ss = r.bytes(SOCKADDR_STORAGE_BYTES, 'sockaddr_storage');
  // entity_addr_t::set_sockaddr: only INET/INET6 are copied; anything else leaves a zeroed AF_UNSPEC.
  let family = ss.readUInt16BE(0);
  const sa = Buffer.alloc(SA_DATA_BYTES);
  if (family === AF_INET || family === AF_INET6) ss.copy(sa, 0, 2, sockaddrLen(family));
  else family = AF_UNSPEC;
  return { type: family === AF_UNSPEC ? AddrType.NONE : AddrType.LEGACY, nonce, family, sa };
}

export function encodeEntityAddr(w: Writer, a: EntityAddr): void {
  if ((w.features & featureBit('MSG_ADDR2')) === 0n) {
    w.u32(0).u32(a.nonce);
    const ss = Buffer.alloc(SOCKADDR_STORAGE_BYTES);
    ss.writeUInt16BE(a.family, 0);
    a.sa.copy(ss, 2, 0, sockaddrLen(a.family) - 2);
    w.bytes(ss);
    return;
  }
  w.u8(1);
  w.envelope(1, 1, () => {
    const type = !hasFeature(w.features, 'SERVER_NAUTILUS') && a.type === AddrType.ANY ? AddrType.LEGACY : a.type;
    w.u32(type).u32(a.nonce);
    const elen = sockaddrLen(a.family);
    w.u32(elen).u16(a.family);
    w.bytes(a.sa.subarray(0, elen - 2));
  });
}

export type EntityAddrvec = EntityAddr[];

export function decodeEntityAddrvec(r: Reader, field = 'entity_addrvec_t'): EntityAddrvec {
  return r.within(field, () => {
    const marker = r.u8('marker');
    if (marker === 0) return [decodeLegacyAfterMarker(r)];
    if (marker === 1) return [decodeAddrBody(r)];
    if (marker > 2) r.fail('DENC_MALFORMED', `entity_addrvec marker ${marker} > 2`);
    return r.list('v', (rr) => decodeEntityAddr(rr, 'addr'), 9);
  });
}

export function encodeEntityAddrvec(w: Writer, v: EntityAddrvec): void {
  if ((w.features & featureBit('MSG_ADDR2')) === 0n) {
    encodeEntityAddr(w, legacyAddrOf(v));
    return;
  }
  w.u8(2);
  w.list(v, (ww, a) => encodeEntityAddr(ww, a));
}

/** entity_addrvec_t::legacy_addr(): the TYPE_LEGACY address, or a blank one. */
export function legacyAddrOf(v: EntityAddrvec): EntityAddr {
  return v.find((a) => a.type === AddrType.LEGACY) ?? blankAddr();
}

/** entity_inst_t: entity_name_t + entity_addr_t. */
export interface EntityInst {
  name: EntityNameT;
  addr: EntityAddr;
}

export function decodeEntityInst(r: Reader, field = 'entity_inst_t'): EntityInst {
  return r.within(field, () => ({ name: decodeEntityNameT(r, 'name'), addr: decodeEntityAddr(r, 'addr') }));
}

export function encodeEntityInst(w: Writer, i: EntityInst): void {
  encodeEntityNameT(w, i.name);
  encodeEntityAddr(w, i.addr);
}

/** entity_addr_t::get_type_name: "none", "v1", "v2", "any", "cidr", and "???" for any other type. */
export function addrTypeName(t: number): string {
  return ['none', 'v1', 'v2', 'any', 'cidr'][t] ?? '???';
}

/** operator<<(ostream&, const sockaddr*): "1.2.3.4:port", "[::1]:port" or "(unrecognized address family N)". */
export function formatSockaddr(a: EntityAddr): string {
  if (a.family === AF_INET) return `${addrIp(a)}:${addrPort(a)}`;
  if (a.family === AF_INET6) return `[${addrIp(a)}]:${addrPort(a)}`;
  return `(unrecognized address family ${a.family})`;
}

/**
 * Ceph's text form (operator<< in src/msg/msg_types.cc): "-" for TYPE_NONE, otherwise the type name
 * and a colon ("v1:", "v2:"; nothing for TYPE_ANY), the sockaddr, then "/nonce".
 */
export function formatAddr(a: EntityAddr): string {
  if (a.type === AddrType.NONE) return '-';
  const prefix = a.type === AddrType.ANY ? '' : `${addrTypeName(a.type)}:`;
  return `${prefix}${formatSockaddr(a)}/${a.nonce}`;
}

/** entity_addrvec_t's text form: empty, the single address, or "[a,b]". */
export function formatAddrvec(v: EntityAddrvec): string {
  if (v.length === 0) return '';
  return v.length === 1 ? formatAddr(v[0]!) : `[${v.map(formatAddr).join(',')}]`;
}

/**
 * Parse one address as Ceph's entity_addr_t::parse does: optional "v1:", "v2:" or "any:" prefix, an
 * IPv4 address or a bracketed IPv6 address, an optional ":port", an optional "/nonce".
 * `defaultType` applies when there is no prefix.
 */
export function parseAddr(s: string, defaultType: number = AddrType.ANY): EntityAddr | undefined {
  let rest = s.trim();
  let type = defaultType;
  for (const [t, p] of [
    [AddrType.LEGACY, 'v1:'],
    [AddrType.MSGR2, 'v2:'],
    [AddrType.ANY, 'any:'],
  ] as const) {
    if (rest.startsWith(p)) {
      type = t;
      rest = rest.slice(p.length);
    }
  }
  let nonce = 0;
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    nonce = Number(rest.slice(slash + 1));
    if (!Number.isInteger(nonce) || nonce < 0 || nonce > 0xffffffff) return undefined;
    rest = rest.slice(0, slash);
  }
  let ip: string;
  let port = 0;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return undefined;
    ip = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after.startsWith(':')) port = Number(after.slice(1));
    else if (after !== '') return undefined;
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && isIPv4(rest.slice(0, colon))) {
      ip = rest.slice(0, colon);
      port = Number(rest.slice(colon + 1));
    } else ip = rest;
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  if (!isIPv4(ip) && !isIPv6(ip)) return undefined;
  return makeAddr(type, ip, port, nonce);
}

/** Parse "[v2:1.2.3.4:3300,v1:1.2.3.4:6789]" or a single address. */
export function parseAddrvec(s: string, defaultType: number = AddrType.ANY): EntityAddrvec | undefined {
  const t = s.trim();
  if (t.startsWith('[') && (t.startsWith('[v') || t.startsWith('[any:')) && t.endsWith(']')) {
    const out: EntityAddrvec = [];
    for (const part of t.slice(1, -1).split(',')) {
      const a = parseAddr(part, defaultType);
      if (!a) return undefined;
      out.push(a);
    }
    return out;
  }
  const a = parseAddr(t, defaultType);
  return a ? [a] : undefined;
}

export function addrEquals(a: EntityAddr, b: EntityAddr): boolean {
  return a.type === b.type && a.nonce === b.nonce && a.family === b.family && a.sa.equals(b.sa);
}
