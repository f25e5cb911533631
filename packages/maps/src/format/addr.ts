import { AddrType, EntityAddr, EntityAddrvec, addrTypeName, blankAddr, formatSockaddr } from '@ts-ceph/denc';
import { Formatter } from './formatter';

/**
 * How Ceph dumps and orders addresses (src/msg/msg_types.{h,cc}): entity_addr_t::dump,
 * get_legacy_str, and operator< (memcmp of the in-memory struct: le32 type, le32 nonce, sockaddr with
 * a host-order family). operator<< is denc's formatAddr / formatAddrvec.
 */

/** entity_addrvec_t::legacy_or_front_addr. */
export function legacyOrFrontAddr(v: EntityAddrvec): EntityAddr {
  return v.find((a) => a.type === AddrType.LEGACY) ?? v[0] ?? blankAddr();
}

/** entity_addr_t::get_legacy_str: "ip:port/nonce" without a type prefix. */
export function legacyStr(a: EntityAddr): string {
  return `${formatSockaddr(a)}/${a.nonce}`;
}

export function addrvecLegacyStr(v: EntityAddrvec): string {
  return legacyStr(legacyOrFrontAddr(v));
}

/** entity_addr_t::dump. */
export function dumpAddr(f: Formatter, a: EntityAddr): void {
  f.dumpString('type', addrTypeName(a.type));
  f.dumpStream('addr', formatSockaddr(a));
  f.dumpUnsigned('nonce', a.nonce);
}

/** entity_addrvec_t::dump, inside the caller's open object section. */
export function dumpAddrvec(f: Formatter, v: EntityAddrvec): void {
  f.openArray('addrvec');
  for (const a of v) {
    f.openObject('addr');
    dumpAddr(f, a);
    f.close();
  }
  f.close();
}

/** f->dump_object(name, addrvec). */
export function dumpAddrvecObject(f: Formatter, name: string, v: EntityAddrvec): void {
  f.openObject(name);
  dumpAddrvec(f, v);
  f.close();
}

/** The 36 bytes entity_addr_t's operator== / operator< compare with memcmp. */
export function addrMemBytes(a: EntityAddr): Buffer {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(a.type >>> 0, 0);
  b.writeUInt32LE(a.nonce >>> 0, 4);
  b.writeUInt16LE(a.family, 8);
  a.sa.copy(b, 10, 0, 26);
  return b;
}

/** entity_addr_t operator< as a comparator. */
export function compareAddr(a: EntityAddr, b: EntityAddr): number {
  return Buffer.compare(addrMemBytes(a), addrMemBytes(b));
}

export function sameAddr(a: EntityAddr, b: EntityAddr): boolean {
  return compareAddr(a, b) === 0;
}
