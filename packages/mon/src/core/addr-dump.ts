/**
 * entity_addr_t::dump / entity_addrvec_t::dump (src/msg/msg_types.cc) as plain values for the
 * JSON formatter: {"type":"v2","addr":"127.0.0.1:3300","nonce":0}.
 */
import { EntityAddr, EntityAddrvec, addrIp, addrPort, AF_INET6 } from '@ts-ceph/denc';

const typeNames: Record<number, string> = { 0: 'none', 1: 'v1', 2: 'v2', 3: 'any', 4: 'cidr' };

export function addrJSON(a: EntityAddr): Record<string, unknown> {
  const ip = addrIp(a);
  const sock = a.family === AF_INET6 ? `[${ip}]:${addrPort(a)}` : ip ? `${ip}:${addrPort(a)}` : '(unrecognized address family 0)';
  return { type: typeNames[a.type] ?? 'unknown', addr: sock, nonce: a.nonce };
}

export function addrvecJSON(v: EntityAddrvec): Record<string, unknown> {
  return { addrvec: v.map(addrJSON) };
}
