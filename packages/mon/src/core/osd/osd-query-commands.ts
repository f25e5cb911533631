/**
 * The read side of `ceph osd ...` (OSDMonitor::preprocess_command): stat, dump, ls, tree, getmap,
 * getcrushmap, getmaxosd, find, metadata, versions, get-require-min-compat-client.
 */
import { Errno, cephError } from '@ts-ceph/common/core';
import { Reader, UUID_NIL, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { encodeCrushMap } from '@ts-ceph/crush';
import { OSDMap, OsdMapFlag, decodeOSDMap, dumpOSDMap, printOSDMap, osdMapFlagString, exists, crushOf, osdCounts, releaseName, JsonFormatter, dumpOsdTree, printOsdTree, TreeFilter } from '@ts-ceph/maps';
import { CommandOutcome, CommandRequest, fail, formatterFor, ok, reply } from '../commands/types';
import { getInt, getStrVec, reqInt } from '../commands/cmdmap';
import { timespanStr } from '../timespan';
import { OSDMonitor } from './osd-monitor';

/** OSDMap::print_summary (the `ceph osd stat` and `ceph -s` osd line, without the newline). */
export function osdSummaryText(m: OSDMap, now: number, extra: boolean): string {
  const c = osdCounts(m);
  let out = `${c.num} osds: ${c.up} up`;
  const up = m.lastUpChange.sec * 1000 + m.lastUpChange.nsec / 1e6;
  if (up) out += ` (since ${timespanStr(now - up)})`;
  out += `, ${c.in} in`;
  const inn = m.lastInChange.sec * 1000 + m.lastInChange.nsec / 1e6;
  if (inn) out += ` (since ${timespanStr(now - inn)})`;
  if (extra) out += `; epoch: e${m.epoch}`;
  if (m.pgTemp.size) out += `; ${m.pgTemp.size} remapped pgs`;
  return out;
}

export function osdSummaryJSON(m: OSDMap): Record<string, number> {
  const c = osdCounts(m);
  return {
    epoch: m.epoch,
    num_osds: c.num,
    num_up_osds: c.up,
    osd_up_since: Math.floor((m.lastUpChange.sec * 1000 + Math.floor(m.lastUpChange.nsec / 1e6)) / 1000),
    num_in_osds: c.in,
    osd_in_since: Math.floor((m.lastInChange.sec * 1000 + Math.floor(m.lastInChange.nsec / 1e6)) / 1000),
    num_remapped_pgs: m.pgTemp.size,
  };
}

/** The map of `epoch`, from the store (ENOENT "there is no map for epoch N"). */
function mapAt(osd: OSDMonitor, req: CommandRequest): { map: OSDMap; bytes: Buffer } {
  const e = getInt(req.cmdmap, 'epoch', osd.epoch);
  const bytes = osd.fullBytes(e);
  if (!bytes) throw cephError('ENOENT', `there is no map for epoch ${e}`);
  return { map: e === osd.epoch ? osd.osdmap : decodeOSDMap(new Reader(bytes)), bytes };
}

/** The flags `osd stat` leaves out: the ones every Pacific cluster has set. */
const routineFlags = OsdMapFlag.REQUIRE_JEWEL | OsdMapFlag.REQUIRE_KRAKEN | OsdMapFlag.REQUIRE_LUMINOUS | OsdMapFlag.RECOVERY_DELETES | OsdMapFlag.SORTBITWISE | OsdMapFlag.PURGED_SNAPDIRS | OsdMapFlag.PGLOG_HARDLIMIT;

export function osdStat(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterFor(req);
  if (f) {
    f.dump('osdmap', osdSummaryJSON(osd.osdmap));
    return ok(f.toString());
  }
  const m = osd.osdmap;
  let out = osdSummaryText(m, req.now, true) + '\n';
  const important = m.flags & ~routineFlags;
  if (important) out += `flags ${osdMapFlagString(important)}\n`;
  return ok(out);
}

export function osdDump(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const { map } = mapAt(osd, req);
  const f = formatterFor(req);
  if (f) {
    f.openObject('osdmap');
    dumpOSDMap(f, map);
    f.close();
    return ok(f.toString());
  }
  // A 16.2.15 mon's `osd dump` text has no empty lines (osdmaptool --print of the same map has).
  return ok(printOSDMap(map).replace(/\n+/g, '\n'));
}

export function osdLs(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const ids = [...Array(osd.osdmap.maxOsd).keys()].filter((i) => exists(osd.osdmap, i));
  const f = formatterFor(req);
  if (f) {
    f.openArray('osds');
    for (const i of ids) f.dumpInt('osd', i);
    f.close();
    return ok(f.toString());
  }
  return ok(ids.join('\n'));
}

const treeStates: Record<string, number> = { up: TreeFilter.UP, down: TreeFilter.DOWN, in: TreeFilter.IN, out: TreeFilter.OUT, destroyed: TreeFilter.DESTROYED };

/** The `states` argument of `osd tree` as TreeFilter bits, or the error Ceph gives. */
function treeFilter(req: CommandRequest): number | CommandOutcome {
  let filter = 0;
  for (const s of getStrVec(req.cmdmap, 'states') ?? []) {
    const bit = treeStates[s];
    if (!bit) return fail('EINVAL', `unrecognized state '${s}'`);
    filter |= bit;
  }
  if ((filter & (TreeFilter.IN | TreeFilter.OUT)) === (TreeFilter.IN | TreeFilter.OUT)) return fail('EINVAL', "cannot specify both 'in' and 'out'");
  const two = (a: number, b: number) => (filter & (a | b)) === (a | b);
  if (two(TreeFilter.UP, TreeFilter.DOWN) || two(TreeFilter.UP, TreeFilter.DESTROYED) || two(TreeFilter.DOWN, TreeFilter.DESTROYED)) {
    return fail('EINVAL', "can specify only one of 'up', 'down' and 'destroyed'");
  }
  return filter;
}

export function osdTree(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const { map } = mapAt(osd, req);
  const filter = treeFilter(req);
  if (typeof filter !== 'number') return filter;
  const f = formatterFor(req);
  if (f) {
    f.openObject('tree');
    dumpOsdTree(f, map, filter);
    f.close();
    return ok(f.toString());
  }
  return ok(printOsdTree(map, filter));
}

export function osdGetmap(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const { map, bytes } = mapAt(osd, req);
  return reply(0, `got osdmap epoch ${map.epoch}`, bytes);
}

export function osdGetcrushmap(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const { map } = mapAt(osd, req);
  return reply(0, String(map.crushVersion), encodeCrushMap(crushOf(map), CEPH_FEATURES_ALL));
}

export function osdGetmaxosd(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterFor(req);
  if (f) {
    f.openObject('getmaxosd');
    f.dumpUnsigned('epoch', osd.epoch);
    f.dumpInt('max_osd', osd.osdmap.maxOsd);
    f.close();
    return ok(f.toString());
  }
  return ok(`max_osd = ${osd.osdmap.maxOsd} in epoch ${osd.epoch}`);
}

export function osdFind(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const id = reqInt(req.cmdmap, 'id');
  if (id < 0 || !exists(osd.osdmap, id)) return fail('ENOENT', `osd.${id} does not exist`);
  const f = formatterFor(req) ?? new JsonFormatter(true);
  f.openObject('osd_location');
  f.dumpUnsigned('osd', id);
  f.dump('addrs', { addrvec: [] });
  f.dumpString('osd_fsid', osd.osdmap.osdUuid[id] ?? UUID_NIL);
  f.openObject('crush_location');
  for (const [k, v] of crushOf(osd.osdmap).getFullLocationOrdered(id)) f.dumpString(k, v);
  f.close();
  f.close();
  return ok(f.toString());
}

/** dump_osd_metadata: "id" then the boot metadata, every value a string. */
function dumpOsdMetadata(f: JsonFormatter, id: number, md: Map<string, string>): void {
  f.dumpUnsigned('id', id);
  for (const [k, v] of md) f.dumpString(k, v);
}

export function osdMetadata(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterFor(req) ?? new JsonFormatter(true);
  const n = getInt(req.cmdmap, 'id');
  if (n !== undefined) {
    if (!exists(osd.osdmap, n)) return fail('ENOENT', `osd.${n} does not exist`);
    // An OSD that never booted has no metadata: ENOENT, no message.
    const md = osd.osdMetadata(n);
    if (!md) return reply(-Errno.ENOENT, '');
    f.openObject('osd_metadata');
    dumpOsdMetadata(f, n, md);
    f.close();
    return ok(f.toString());
  }
  f.openArray('osd_metadata');
  for (let i = 0; i < osd.osdmap.maxOsd; i++) {
    if (!exists(osd.osdmap, i)) continue;
    f.openObject('osd');
    dumpOsdMetadata(f, i, osd.osdMetadata(i) ?? new Map());
    f.close();
  }
  f.close();
  return ok(f.toString());
}

export function osdVersions(_osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterFor(req) ?? new JsonFormatter(true);
  f.openObject('version');
  f.close();
  return ok(f.toString());
}

export function osdGetRequireMinCompatClient(osd: OSDMonitor): CommandOutcome {
  return ok(`${releaseName(osd.osdmap.requireMinCompatClient)}\n`);
}
