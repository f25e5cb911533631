/**
 * `ceph daemon osd.N dump_osd_network [value]` (OSD::asok_command): the heartbeat peers whose
 * longest 1/5/15-interval average ping time reaches the threshold (the argument in ms; without it
 * mon_warn_on_slow_ping_time, or mon_warn_on_slow_ping_ratio × osd_heartbeat_grace), longest first,
 * each interface separately. As 16.2.15, the "min" object repeats the maxima. Pure: the ping times,
 * the threshold and the wall clock come in.
 */
import { HbInterfaces, JsonFormatter } from '@ts-ceph/maps';

interface Item {
  pingtime: number;
  to: number;
  back: boolean;
  i: HbInterfaces;
}

/** fixed_u_to_string(us, 3): microseconds as milliseconds with three decimals. */
const fixedMs = (us: number): string => {
  const s = String(us).padStart(4, '0');
  return `${s.slice(0, -3)}.${s.slice(-3)}`;
};

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** ctime_r without its newline, in UTC (the zone ts-osd's stamps are kept in). */
function ctime(sec: number): string {
  const d = new Date(sec * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export interface OsdNetworkArgs {
  whoami: number;
  pingtimes: [number, HbInterfaces][];
  /** The threshold in microseconds. */
  thresholdUs: number;
  nowSec: number;
  /** osd_heartbeat_stale, seconds. */
  staleSec: number;
}

export function dumpOsdNetwork(f: JsonFormatter, a: OsdNetworkArgs): void {
  const items: Item[] = [];
  for (const [to, i] of a.pingtimes) {
    if (i.lastUpdate === 0) continue;
    const back = Math.max(...i.backPingtime);
    if (back >= a.thresholdUs) items.push({ pingtime: back, to, back: true, i });
    if (i.frontLast === 0) continue;
    const front = Math.max(...i.frontPingtime);
    if (front >= a.thresholdUs) items.push({ pingtime: front, to, back: false, i });
  }
  // The reverse walk of a std::set ordered by (pingtime, to, front before back).
  items.sort((x, y) => y.pingtime - x.pingtime || y.to - x.to || Number(x.back) - Number(y.back));
  f.openObject('network_ping_times');
  f.dumpInt('threshold', Math.trunc(a.thresholdUs / 1000));
  f.openArray('entries');
  for (const it of items) {
    const side = it.back ? 'back' : 'front';
    const times = it.i[`${side}Pingtime`];
    const max = it.i[`${side}Max`];
    f.openObject('entry');
    f.dumpString('last update', ctime(it.i.lastUpdate));
    f.dumpBool('stale', a.nowSec - it.i.lastUpdate > a.staleSec);
    f.dumpInt('from osd', a.whoami);
    f.dumpInt('to osd', it.to);
    f.dumpString('interface', side);
    for (const [name, v] of [['average', times], ['min', max], ['max', max]] as const) {
      f.openObject(name);
      f.dumpUnquoted('1min', fixedMs(v[0]));
      f.dumpUnquoted('5min', fixedMs(v[1]));
      f.dumpUnquoted('15min', fixedMs(v[2]));
      f.close();
    }
    f.dumpUnquoted('last', fixedMs(it.back ? it.i.backLast : it.i.frontLast));
    f.close();
  }
  f.close();
  f.close();
}

/** The threshold when no value is given: mon_warn_on_slow_ping_time (ms), else ratio × grace. */
export function osdNetworkThresholdUs(value: number | undefined, slowPingTimeMs: number, slowPingRatio: number, graceSec: number): number {
  const us = value !== undefined ? value * 1000 : slowPingTimeMs ? Math.trunc(slowPingTimeMs * 1000) : Math.trunc(graceSec * 1e6 * slowPingRatio);
  return Math.max(0, us);
}
