import { AddrType, EntityAddr, EntityAddrvec, parseAddrvec, withPort, addrPort } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { sameAddr } from '../format/addr';
import { MonMap, monMapAdd, newMonInfo } from './monmap';

/**
 * MonMap::build_initial's address handling (src/mon/MonMap.cc): a mon_host list becomes monitors
 * "noname-a", "noname-b", ...; an address without a v1:/v2: prefix is ambiguous and is resolved by its
 * port (6789 legacy, 3300 msgr2, none: both) — for a client (not mkfs) as separate "-legacy" entries,
 * for mkfs as one monitor with both addresses.
 */

export const CEPH_MON_PORT_LEGACY = 6789;
export const CEPH_MON_PORT_IANA = 3300;

/** MonMap::contains(entity_addr_t): some monitor publishes exactly this address. */
export function monMapContainsAddr(m: MonMap, a: EntityAddr): boolean {
  for (const info of m.monInfo.values()) if (info.publicAddrs.some((x) => sameAddr(x, a))) return true;
  return false;
}

function containsAny(m: MonMap, v: EntityAddrvec): boolean {
  return v.some((a) => monMapContainsAddr(m, a));
}

function typed(a: EntityAddr, type: number, port?: number): EntityAddr {
  const b = port === undefined ? a : withPort(a, port);
  return { ...b, type };
}

/** MonMap::_add_ambiguous_addr. */
export function monMapAddAmbiguousAddr(m: MonMap, name: string, addr: EntityAddr, forMkfs: boolean, priority = 0, weight = 0): void {
  const add = (n: string, v: EntityAddrvec) => monMapAdd(m, newMonInfo(n, v, priority, weight));
  const port = addrPort(addr);
  if (addr.type !== AddrType.ANY) {
    let a = addr;
    if (port === 0) {
      if (addr.type === AddrType.LEGACY) a = withPort(addr, CEPH_MON_PORT_LEGACY);
      else if (addr.type === AddrType.MSGR2) a = withPort(addr, CEPH_MON_PORT_IANA);
      else return;
    }
    if (!monMapContainsAddr(m, a)) add(name, [a]);
    return;
  }
  if (port === CEPH_MON_PORT_LEGACY) {
    const a = typed(addr, AddrType.LEGACY);
    if (!monMapContainsAddr(m, a)) add(forMkfs ? name : `${name}-legacy`, [a]);
  } else if (port === CEPH_MON_PORT_IANA) {
    const a = typed(addr, AddrType.MSGR2);
    if (!monMapContainsAddr(m, a)) add(name, [a]);
  } else if (port === 0) {
    const v2 = typed(addr, AddrType.MSGR2, CEPH_MON_PORT_IANA);
    const v1 = typed(addr, AddrType.LEGACY, CEPH_MON_PORT_LEGACY);
    if (!forMkfs) {
      if (!monMapContainsAddr(m, v2)) add(name, [v2]);
      if (!monMapContainsAddr(m, v1)) add(`${name}-legacy`, [v1]);
    } else if (!containsAny(m, [v2, v1])) add(name, [v2, v1]);
  } else {
    const v2 = typed(addr, AddrType.MSGR2);
    if (!monMapContainsAddr(m, v2)) add(name, [v2]);
    if (!forMkfs) {
      const v1 = typed(addr, AddrType.LEGACY);
      if (!monMapContainsAddr(m, v1)) add(`${name}-legacy`, [v1]);
    }
  }
}

/** MonMap::init_with_addrs: names prefix + 'a', 'b', ...; a single address is ambiguous, a vector is taken as given. */
export function monMapInitWithAddrs(m: MonMap, addrs: EntityAddrvec[], forMkfs: boolean, prefix = 'noname-'): void {
  let id = 'a'.charCodeAt(0);
  for (const v of addrs) {
    const name = `${prefix}${String.fromCharCode(id++)}`;
    if (v.length === 1) monMapAddAmbiguousAddr(m, name, v[0]!, forMkfs);
    else monMapAdd(m, newMonInfo(name, v));
  }
}

/**
 * parse_ip_port_vec: a mon_host value ("1.2.3.4:6789, [v2:1.2.3.5:3300,v1:1.2.3.5:6789] [::1]")
 * into address vectors, separated by commas, semicolons or spaces outside brackets. EINVAL on a word
 * that is not an address (host names need DNS, which protocol code does not do).
 */
export function parseMonHost(s: string): EntityAddrvec[] {
  const words: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (depth === 0 && /[,; \t\n]/.test(ch)) {
      if (cur) words.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) words.push(cur);
  return words.map((w) => {
    const v = parseAddrvec(w, AddrType.ANY);
    if (!v) throw cephError('EINVAL', `unable to parse addrs in '${s}'`);
    return v;
  });
}
