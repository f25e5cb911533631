import { cephError, logger } from '@ts-ceph/common';
import type { MonMap } from '@ts-ceph/maps';
import { AddrType, EntityAddr, EntityAddrvec, makeAddr, parseAddrvec, withPort, addrIp, addrPort } from '@ts-ceph/denc';

/** CEPH_MON_PORT_IANA / CEPH_MON_PORT_LEGACY (src/include/msgr.h). */
export const CEPH_MON_PORT_IANA = 3300;
export const CEPH_MON_PORT_LEGACY = 6789;
/** Most monitors we take from mon_host (monHostEntriesMax). */
export const monHostEntriesMax = 64;

export interface InitialMon {
  /** "noname-a", "noname-b" ... as MonMap::build_initial names them. */
  name: string;
  addrs: EntityAddrvec;
}

/**
 * Parse mon_host the way MonMap::build_initial / init_with_addrs + _add_ambiguous_addr do:
 * entries separated by commas, spaces or semicolons; each an address vector "[v2:ip:port,v1:ip:port]"
 * or one address. An address without a v1:/v2: prefix and without a port becomes both
 * v2:ip:3300 and v1:ip:6789; with port 6789 it is v1, with any other port v2; a prefixed address
 * without a port gets its protocol's default port. Host names are not resolved (IPs only).
 */
export function parseMonHost(monHost: string): InitialMon[] {
  const entries: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of monHost) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (depth === 0 && (ch === ',' || ch === ';' || ch === ' ' || ch === '\t')) {
      if (cur.trim()) entries.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) entries.push(cur.trim());
  if (entries.length === 0) throw cephError('EINVAL', 'mon_host is empty');
  if (entries.length > monHostEntriesMax) throw cephError('EINVAL', `mon_host lists ${entries.length} entries, over monHostEntriesMax ${monHostEntriesMax}`);
  return entries.map((e, i) => {
    const v = parseAddrvec(e.startsWith('[') ? e : e.replace(/^\[|\]$/g, ''), AddrType.ANY);
    if (!v || v.length === 0) throw cephError('EINVAL', `mon_host: cannot parse '${e}' (host names are not resolved; use IP addresses)`);
    const addrs: EntityAddrvec = [];
    for (const a of v) addrs.push(...ambiguous(a));
    return { name: `noname-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`, addrs };
  });
}

function ambiguous(a: EntityAddr): EntityAddr[] {
  if (a.type !== AddrType.ANY) {
    if (addrPort(a) === 0) return [withPort(a, a.type === AddrType.LEGACY ? CEPH_MON_PORT_LEGACY : CEPH_MON_PORT_IANA)];
    return [a];
  }
  const port = addrPort(a);
  if (port) return [{ ...a, type: port === CEPH_MON_PORT_LEGACY ? AddrType.LEGACY : AddrType.MSGR2 }];
  return [makeAddr(AddrType.MSGR2, addrIp(a), CEPH_MON_PORT_IANA, a.nonce), makeAddr(AddrType.LEGACY, addrIp(a), CEPH_MON_PORT_LEGACY, a.nonce)];
}

/** The msgr2 address of a monitor, or undefined if it only speaks msgr1 (which we do not). */
export function msgr2Addr(v: EntityAddrvec): EntityAddr | undefined {
  return v.find((a) => a.type === AddrType.MSGR2);
}

const log = logger('monc');

/** A monitor to hunt for: its name (the round's key) and msgr2 address. */
export interface HuntCandidate {
  key: string;
  addr: EntityAddr;
}

/**
 * The monitors to hunt over: the monmap's, or mon_host's when the monmap names none we can reach
 * over msgr2 (a monmap comes from a monitor: one listing only v1 addresses must not leave us with
 * nothing to contact).
 */
export function huntCandidates(monmap: MonMap | undefined, initialMons: InitialMon[]): HuntCandidate[] {
  const out: HuntCandidate[] = [];
  for (const [name, info] of monmap?.monInfo ?? []) {
    const a = msgr2Addr(info.publicAddrs);
    if (a) out.push({ key: name, addr: a });
  }
  if (!out.length) {
    if (monmap?.monInfo.size) log.dout(1, `monmap e${monmap.epoch} has no msgr2 address; hunting over mon_host`);
    for (const m of initialMons) {
      const a = msgr2Addr(m.addrs);
      if (a) out.push({ key: m.name, addr: a });
    }
  }
  if (!out.length) throw cephError('EINVAL', 'no monitor with a msgr2 (v2:) address to contact');
  return out;
}

/** MonClient::_add_conns: each round tries monitors not tried yet in it, `parallel` at a time, in random order. */
export class HuntRound {
  private readonly tried = new Set<string>();

  next(all: HuntCandidate[], parallel: number): EntityAddr[] {
    let c = all.filter((x) => !this.tried.has(x.key));
    if (!c.length) {
      this.tried.clear();
      c = all.slice();
    }
    for (let i = c.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [c[i], c[j]] = [c[j]!, c[i]!];
    }
    const pick = c.slice(0, Math.max(1, parallel));
    for (const x of pick) this.tried.add(x.key);
    return pick.map((x) => x.addr);
  }
}
