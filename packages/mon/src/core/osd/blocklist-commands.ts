/**
 * `ceph osd blocklist [range] add|rm <addr> [expire]`, `osd blocklist ls`, `osd blocklist clear`,
 * OSDMonitor's: entries go into the pending
 * incremental's new_blocklist / old_blocklist (new_range_blocklist for CIDR ranges) and expire at
 * the mon's tick (OSDMonitor::tick). librbd blocklists a dead lock owner this way.
 */
import { AddrType, AF_INET6, EntityAddr, addrPort, UTime, formatAddr, formatUTime, parseAddr, utimeFromMs } from '@ts-ceph/denc';
import { compareAddr, JsonFormatter, formatG } from '@ts-ceph/maps';
import { CommandHandler, CommandRequest, fail, formatterFor, proposeThen, reply } from '../commands/types';
import { getFloat, getStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';

const same = (a: EntityAddr, b: EntityAddr) => compareAddr(a, b) === 0;
const utimeMs = (t: UTime) => t.sec * 1000 + t.nsec / 1e6;

/** entity_addr_t::get_legacy_str: the address without a type prefix. */
function legacyText(a: EntityAddr): string {
  return formatAddr({ ...a, type: AddrType.ANY });
}

export function blocklistCommands(osd: OSDMonitor): Record<string, CommandHandler> {
  const inc = () => osd.pending;

  const change: CommandHandler = (req) => {
    const addrStr = getStr(req.cmdmap, 'addr', '');
    const parsed = parseAddr(addrStr, AddrType.MSGR2);
    if (!parsed) return fail('EINVAL', `unable to parse address ${addrStr}`);
    const range = getStr(req.cmdmap, 'range') === 'range';
    let addr: EntityAddr;
    if (range) {
      // maybe_cidr: an address with a prefix length in the nonce and no port.
      const bits = parsed.nonce;
      if (!/\/\d+$/.test(addrStr) || addrPort(parsed) !== 0) return fail('EINVAL', `You specified a range command, but ${formatAddr(parsed)} does not parse as a CIDR range`);
      if (bits > (parsed.family === AF_INET6 ? 128 : 32)) return fail('EINVAL', 'Too many bits in range for that protocol!');
      addr = { ...parsed, type: AddrType.CIDR };
    } else {
      // A nautilus+ map always blocklists TYPE_ANY (matching v1 and v2 addresses alike).
      addr = { ...parsed, type: AddrType.ANY };
    }
    const op = getStr(req.cmdmap, 'blocklistop') ?? getStr(req.cmdmap, 'blacklistop');
    const p = inc();
    const adds = range ? p.newRangeBlocklist : p.newBlocklist;
    const dels = range ? p.oldRangeBlocklist : p.oldBlocklist;
    const listed = (): boolean => (range ? osd.osdmap.rangeBlocklist.some(([a]) => same(a, addr)) : osd.osdmap.blocklist.has(addr));
    if (op === 'add') {
      const d = getFloat(req.cmdmap, 'expire') ?? Number(osd.conf.get('mon_osd_blocklist_default_expire'));
      const expires = utimeFromMs(req.now + d * 1000);
      const i = adds.findIndex(([a]) => same(a, addr));
      if (i >= 0) adds[i] = [addr, expires];
      else adds.push([addr, expires]);
      // cancel a pending un-blocklisting of the same address
      const j = dels.findIndex((a) => same(a, addr));
      if (j >= 0) dels.splice(j, 1);
      return proposeThen([osd], 0, `blocklisting ${formatAddr(addr)} until ${formatUTime(expires)} (${formatG(d)} sec)`);
    }
    if (listed() || adds.some(([a]) => same(a, addr))) {
      if (listed()) dels.push(addr);
      else adds.splice(adds.findIndex(([a]) => same(a, addr)), 1);
      return proposeThen([osd], 0, `un-blocklisting ${formatAddr(addr)}`);
    }
    return reply(0, `${formatAddr(addr)} isn't blocklisted`);
  };

  const ls: CommandHandler = (req: CommandRequest) => {
    const f = formatterFor(req);
    const m = osd.osdmap;
    let text = '';
    const dumpList = (name: string, key: string, entries: Iterable<[EntityAddr, UTime]>, fmt: JsonFormatter | undefined) => {
      fmt?.openArray(name);
      for (const [a, until] of entries) {
        if (fmt) {
          fmt.openObject('entry');
          fmt.dumpString(key, legacyText(a));
          fmt.dumpString('until', formatUTime(until));
          fmt.close();
        } else text += `${formatAddr(a)} ${formatUTime(until)}\n`;
      }
      fmt?.close();
    };
    dumpList('blocklist', 'addr', m.blocklist.entries(), f);
    let out = f ? f.toString() : '';
    // 16.2.7+ lists the CIDR ranges after the addresses, as a second JSON document.
    const f2 = formatterFor(req);
    dumpList('range_blocklist', 'range', m.rangeBlocklist, f2);
    if (f2) out += f2.toString();
    return { reply: { r: 0, rs: `listed ${m.blocklist.size + m.rangeBlocklist.length} entries`, outbl: Buffer.from(f ? out : text) } };
  };

  const clear: CommandHandler = () => {
    const p = inc();
    p.newBlocklist.length = 0;
    p.newRangeBlocklist.length = 0;
    for (const [a] of osd.osdmap.blocklist.entries()) p.oldBlocklist.push(a);
    for (const [a] of osd.osdmap.rangeBlocklist) p.oldRangeBlocklist.push(a);
    return proposeThen([osd], 0, ' removed all blocklist entries');
  };

  return {
    'osd blocklist': change,
    'osd blocklist ls': ls,
    'osd blocklist clear': clear,
  };
}

/** OSDMonitor::tick: queue the removal of entries whose time has passed; true if any. */
export function expireBlocklist(osd: OSDMonitor, now: number): boolean {
  const p = osd.pending;
  let any = false;
  for (const [a, until] of osd.osdmap.blocklist.entries()) {
    if (utimeMs(until) < now && !p.oldBlocklist.some((x) => same(x, a))) {
      p.oldBlocklist.push(a);
      any = true;
    }
  }
  for (const [a, until] of osd.osdmap.rangeBlocklist) {
    if (utimeMs(until) < now && !p.oldRangeBlocklist.some((x) => same(x, a))) {
      p.oldRangeBlocklist.push(a);
      any = true;
    }
  }
  return any;
}

