/**
 * Ceph's text form of addresses (operator<< in src/msg/msg_types.cc): TYPE_ANY prints no prefix
 * ("127.0.0.1:0/1234"), the others "v1:"/"v2:"; a vector of one prints bare, else "[a,b]".
 */
import { AddrType, EntityAddr, EntityAddrvec, addrIp, addrPort, AF_INET6 } from '@ts-ceph/denc';

export function addrText(a: EntityAddr): string {
  if (a.type === AddrType.NONE) return '-';
  const prefix = a.type === AddrType.ANY ? '' : a.type === AddrType.LEGACY ? 'v1:' : a.type === AddrType.MSGR2 ? 'v2:' : a.type === AddrType.CIDR ? 'cidr:' : `${a.type}:`;
  const ip = addrIp(a);
  const host = a.family === AF_INET6 ? `[${ip}]` : ip || ':';
  return `${prefix}${host}:${addrPort(a)}/${a.nonce}`;
}

export function addrvecText(v: EntityAddrvec): string {
  return v.length === 1 ? addrText(v[0]!) : `[${v.map(addrText).join(',')}]`;
}
