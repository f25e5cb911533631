import { isIPv4, isIPv6 } from 'node:net';
import { EntityAddr, AF_INET, AF_INET6 } from '@ts-ceph/denc';

/**
 * The "network <cidr>" restriction of a cap grant (parse_network / network_contains in
 * src/common/ipaddr.cc). A network that does not parse makes the grant match nothing, as in Ceph.
 */
export interface CapNetwork {
  text: string;
  /** undefined when the text is not a valid CIDR (the grant then never applies). */
  family?: number;
  addr?: Buffer;
  prefix?: number;
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    tail = [...ipv4Bytes(v4[1]!)];
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const hs = head ? head.split(':') : [];
  const rs = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? hs : [...hs, ...Array(8 - hs.length - rs.length).fill('0'), ...rs];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) Buffer.from(tail).copy(out, 12);
  return out;
}

export function parseCapNetwork(text: string): CapNetwork {
  const slash = text.indexOf('/');
  if (slash < 0 || slash === text.length - 1) return { text };
  const num = text.slice(slash + 1);
  if (!/^[+-]?\d+$/.test(num)) return { text };
  const prefix = Number(num);
  if (prefix < 0) return { text };
  const ip = text.slice(0, slash);
  if (isIPv4(ip)) return { text, family: AF_INET, addr: ipv4Bytes(ip), prefix };
  if (isIPv6(ip)) return { text, family: AF_INET6, addr: ipv6Bytes(ip), prefix };
  return { text };
}

function masked(bytes: Buffer, prefix: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = out[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** The raw address bytes of an entity_addr_t (4 for IPv4, 16 for IPv6), or undefined. */
export function addrBytes(a: EntityAddr | undefined): { family: number; bytes: Buffer } | undefined {
  if (!a) return undefined;
  if (a.family === AF_INET) return { family: AF_INET, bytes: a.sa.subarray(2, 6) };
  if (a.family === AF_INET6) return { family: AF_INET6, bytes: a.sa.subarray(6, 22) };
  return undefined;
}

/** network_contains: same family and equal under the prefix mask. */
export function networkContains(n: CapNetwork, a: EntityAddr | undefined): boolean {
  const b = addrBytes(a);
  if (n.family === undefined || !n.addr || n.prefix === undefined || !b || b.family !== n.family) return false;
  return masked(n.addr, n.prefix).equals(masked(b.bytes, n.prefix));
}
