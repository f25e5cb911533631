import { AF_INET, AF_INET6, AddrType, EntityAddr } from '@ts-ceph/denc';
import { CephRelease, releaseLt } from '../format/release';
import { OSDMap } from './types';

/**
 * OSDMap::is_blocklisted (src/osd/OSDMap.cc): whether a client's address is fenced off. The OSD
 * refuses every op from such an address with -EBLOCKLISTED and drops its watches; librbd breaks a
 * dead exclusive-lock owner's lock only after its blocklist entry is in the map.
 *
 * An address is blocklisted when the map lists
 * - the exact instance (its IP, port and nonce; the type counts as TYPE_ANY, which every nautilus+
 *   entry has, so a v1 and a v2 address of one client match the same entry),
 * - its whole IP (the entry with port 0 and nonce 0, what `ceph osd blocklist add 10.0.0.5` makes),
 * - or a range holding it (`ceph osd blocklist range add 10.1.0.0/16`: a TYPE_CIDR entry whose nonce
 *   is the prefix length; OSDMap::range_bits, OSDMap v11).
 */

/** The parts of an OSDMap the check reads. */
export type BlocklistMap = Pick<OSDMap, 'blocklist' | 'rangeBlocklist' | 'requireOsdRelease'>;

const isIp = (a: EntityAddr): boolean => a.family === AF_INET || a.family === AF_INET6;

/** The address with another type, port 0 and nonce 0 when `wholeIp` (entity_addr_t set_type / set_port / set_nonce). */
function asEntry(a: EntityAddr, type: number, wholeIp: boolean): EntityAddr {
  if (!wholeIp) return { ...a, type };
  const sa = Buffer.from(a.sa);
  sa.writeUInt16BE(0, 0);
  return { type, nonce: 0, family: a.family, sa };
}

export function isBlocklisted(m: BlocklistMap, addr: EntityAddr): boolean {
  if (m.blocklist.size === 0 && m.rangeBlocklist.length === 0) return false;
  // Before nautilus the entries were TYPE_LEGACY.
  const type = releaseLt(m.requireOsdRelease, CephRelease.nautilus) ? AddrType.LEGACY : AddrType.ANY;
  if (m.blocklist.size) {
    if (m.blocklist.has(asEntry(addr, type, false))) return true;
    if (isIp(addr) && m.blocklist.has(asEntry(addr, type, true))) return true;
  }
  for (const [range] of m.rangeBlocklist) if (rangeMatches(range, addr)) return true;
  return false;
}

/** The entity_addrvec_t form: whether one of the addresses is blocklisted. */
export function isBlocklistedAny(m: BlocklistMap, addrs: readonly EntityAddr[]): boolean {
  return addrs.some((a) => isBlocklisted(m, a));
}

/**
 * OSDMap::range_bits::matches: the leading `nonce` bits of the address equal the range's; an IPv4
 * range matches only IPv4 addresses and an IPv6 one only IPv6 (a /0 range matches its whole family).
 */
export function rangeMatches(range: EntityAddr, addr: EntityAddr): boolean {
  const bits = range.nonce >>> 0;
  if (range.family === AF_INET6) return addr.family === AF_INET6 && prefixEqual(range.sa, addr.sa, 6, 128, bits);
  if (range.family === AF_INET) return addr.family === AF_INET && prefixEqual(range.sa, addr.sa, 2, 32, bits);
  return false;
}

/** Whether the first `bits` bits (at most `width`) of the addresses at `off` in the sockaddr bytes agree. */
function prefixEqual(a: Buffer, b: Buffer, off: number, width: number, bits: number): boolean {
  let left = Math.min(bits, width);
  for (let i = off; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}
