/**
 * `ceph osd ...` commands on OSDs and the map itself (OSDMonitor::preprocess_command /
 * prepare_command_impl): dump, ls, stat, tree, getmap, getcrushmap, setcrushmap, getmaxosd,
 * setmaxosd, set/unset, down/out/in/rm, reweight, new, create, purge, find, metadata, versions.
 */
import { Errno, cephError } from '@ts-ceph/common';
import { Reader, isUuid, UUID_NIL, EntityType, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { decodeCrushMap, encodeCrushMap } from '@ts-ceph/crush';
import { CryptoKey, capsBlob } from '@ts-ceph/cephx';
import {
  OSDMap,
  OsdState,
  OsdMapFlag,
  CEPH_OSD_IN,
  CEPH_OSD_OUT,
  decodeOSDMap,
  dumpOSDMap,
  printOSDMap,
  osdMapFlagString,
  exists,
  isUp,
  isDown,
  isIn,
  isOut,
  isDestroyed,
  crushOf,
  osdCounts,
  releaseName,
  JsonFormatter,
  dumpOsdTree,
  printOsdTree,
  TreeFilter,
} from '@ts-ceph/maps';
import type { PaxosService } from '../paxos-service';
import { CommandHandler, CommandRequest, fail, formatterFor, ok, proposeThen, reply } from '../commands/types';
import { getBool, getFloat, getInt, getStr, getStrVec, reqInt, reqStr } from '../commands/cmdmap';
import { timespanStr } from '../timespan';
import { OSDMonitor } from './osd-monitor';
import type { AuthMonitor } from '../auth/auth-monitor';
import { removeOsdFromCrush, setOsdDeviceClass } from './crush-edit';

const SET_FLAGS: Record<string, number> = {
  pause: OsdMapFlag.PAUSERD | OsdMapFlag.PAUSEWR,
  noup: OsdMapFlag.NOUP,
  nodown: OsdMapFlag.NODOWN,
  noout: OsdMapFlag.NOOUT,
  noin: OsdMapFlag.NOIN,
  nobackfill: OsdMapFlag.NOBACKFILL,
  norebalance: OsdMapFlag.NOREBALANCE,
  norecover: OsdMapFlag.NORECOVER,
  noscrub: OsdMapFlag.NOSCRUB,
  'nodeep-scrub': OsdMapFlag.NODEEP_SCRUB,
  notieragent: OsdMapFlag.NOTIERAGENT,
  nosnaptrim: OsdMapFlag.NOSNAPTRIM,
};

/** The map of `epoch`, from the store (ENOENT "there is no map for epoch N"). */
function mapAt(osd: OSDMonitor, req: CommandRequest): { map: OSDMap; bytes: Buffer } {
  const e = getInt(req.cmdmap, 'epoch', osd.epoch);
  const bytes = osd.fullBytes(e);
  if (!bytes) throw cephError('ENOENT', `there is no map for epoch ${e}`);
  return { map: e === osd.epoch ? osd.osdmap : decodeOSDMap(new Reader(bytes)), bytes };
}

/** parse_osd_id: "3" or "osd.3". */
export function parseOsdId(s: string): number {
  const m = /^(?:osd\.)?(\d+)$/.exec(s.trim());
  return m ? Number(m[1]) : -1;
}

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

/** Set bits in the pending new_state (pending_osd_state_set: the bits are XORed at apply). */
function pendingStateSet(osd: OSDMonitor, id: number, bits: number): void {
  osd.pending.newState.set(id, ((osd.pending.newState.get(id) ?? 0) | bits) >>> 0);
}

/** _allocate_osd_id: the first id that does not exist (nor is being created), else max_osd. */
function allocateOsdId(osd: OSDMonitor): { id: number; existing: boolean } {
  const m = osd.osdmap;
  for (let i = 0; i < m.maxOsd; i++) {
    const ns = osd.pending.newState.get(i);
    if (!exists(m, i) && !osd.pending.newUpClient.has(i) && (ns === undefined || (ns & OsdState.EXISTS) === 0)) return { id: i, existing: true };
  }
  return { id: osd.pending.newMaxOsd < 0 ? m.maxOsd : osd.pending.newMaxOsd, existing: false };
}

function identifyOsd(m: OSDMap, uuid: string): number {
  for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && m.osdUuid[i] === uuid) return i;
  return -1;
}

/** do_osd_create */
function doOsdCreate(osd: OSDMonitor, id: number, uuid: string, deviceClass: string): number {
  let newId = -1;
  const existing = uuid !== UUID_NIL ? identifyOsd(osd.osdmap, uuid) : -1;
  if (existing >= 0) newId = existing;
  else if (uuid !== UUID_NIL && id >= 0) newId = id;
  else {
    const a = allocateOsdId(osd);
    if (a.existing) newId = a.id;
    else {
      osd.pending.newMaxOsd = osd.pending.newMaxOsd < 0 ? osd.osdmap.maxOsd + 1 : osd.pending.newMaxOsd + 1;
      newId = osd.pending.newMaxOsd - 1;
    }
  }
  if (deviceClass) setOsdDeviceClass(osd, newId, deviceClass);
  if (osd.osdmap.maxOsd <= newId && osd.pending.newMaxOsd <= newId) osd.pending.newMaxOsd = newId + 1;
  osd.pending.newWeight.set(newId, CEPH_OSD_IN);
  pendingStateSet(osd, newId, OsdState.NEW);
  if (uuid !== UUID_NIL) osd.pending.newUuid.set(newId, uuid);
  return newId;
}

/** prepare_command_osd_remove: clear every state bit and the uuid (the osd stops existing). */
function removeOsd(osd: OSDMonitor, id: number): boolean {
  if (isUp(osd.osdmap, id)) return false;
  osd.pending.newState.set(id, osd.osdmap.osdState[id]! >>> 0);
  osd.pending.newUuid.set(id, UUID_NIL);
  return true;
}

export function osdCommands(osd: OSDMonitor, auth: AuthMonitor): Record<string, CommandHandler> {
  const created = (req: CommandRequest, id: number) => {
    const f = formatterFor(req);
    if (!f) return String(id);
    f.openObject('created_osd');
    f.dumpInt('osdid', id);
    f.close();
    return f.toString();
  };

  const handlers: Record<string, CommandHandler> = {
    'osd stat': (req) => {
      const f = formatterFor(req);
      if (f) {
        f.dump('osdmap', osdSummaryJSON(osd.osdmap));
        return ok(f.toString());
      }
      const m = osd.osdmap;
      let out = osdSummaryText(m, req.now, true) + '\n';
      const important = m.flags & ~(OsdMapFlag.REQUIRE_JEWEL | OsdMapFlag.REQUIRE_KRAKEN | OsdMapFlag.REQUIRE_LUMINOUS | OsdMapFlag.RECOVERY_DELETES | OsdMapFlag.SORTBITWISE | OsdMapFlag.PURGED_SNAPDIRS | OsdMapFlag.PGLOG_HARDLIMIT);
      if (important) out += `flags ${osdMapFlagString(important)}\n`;
      return ok(out);
    },
    'osd dump': (req) => {
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
    },
    'osd ls': (req) => {
      const ids = [...Array(osd.osdmap.maxOsd).keys()].filter((i) => exists(osd.osdmap, i));
      const f = formatterFor(req);
      if (f) {
        f.openArray('osds');
        for (const i of ids) f.dumpInt('osd', i);
        f.close();
        return ok(f.toString());
      }
      return ok(ids.join('\n'));
    },
    'osd tree': (req) => {
      const { map } = mapAt(osd, req);
      let filter = 0;
      for (const s of getStrVec(req.cmdmap, 'states') ?? []) {
        const bit = ({ up: TreeFilter.UP, down: TreeFilter.DOWN, in: TreeFilter.IN, out: TreeFilter.OUT, destroyed: TreeFilter.DESTROYED } as Record<string, number>)[s];
        if (!bit) return fail('EINVAL', `unrecognized state '${s}'`);
        filter |= bit;
      }
      if ((filter & (TreeFilter.IN | TreeFilter.OUT)) === (TreeFilter.IN | TreeFilter.OUT)) return fail('EINVAL', "cannot specify both 'in' and 'out'");
      const two = (a: number, b: number) => (filter & (a | b)) === (a | b);
      if (two(TreeFilter.UP, TreeFilter.DOWN) || two(TreeFilter.UP, TreeFilter.DESTROYED) || two(TreeFilter.DOWN, TreeFilter.DESTROYED)) {
        return fail('EINVAL', "can specify only one of 'up', 'down' and 'destroyed'");
      }
      const f = formatterFor(req);
      if (f) {
        f.openObject('tree');
        dumpOsdTree(f, map, filter);
        f.close();
        return ok(f.toString());
      }
      return ok(printOsdTree(map, filter));
    },
    'osd getmap': (req) => {
      const { map, bytes } = mapAt(osd, req);
      return reply(0, `got osdmap epoch ${map.epoch}`, bytes);
    },
    'osd getcrushmap': (req) => {
      const { map } = mapAt(osd, req);
      return reply(0, String(map.crushVersion), encodeCrushMap(crushOf(map), CEPH_FEATURES_ALL));
    },
    'osd setcrushmap': (req) => {
      if (osd.hasPendingCrush()) throw cephError('EAGAIN', 'a crush change is pending; retry');
      let cw;
      try {
        cw = decodeCrushMap(req.inbuf);
      } catch (e) {
        return fail('EINVAL', `Failed to parse crushmap: ${(e as Error).message}`);
      }
      const prior = getInt(req.cmdmap, 'prior_version');
      if (prior !== undefined) {
        if (prior === osd.osdmap.crushVersion - 1 && encodeCrushMap(cw).equals(encodeCrushMap(crushOf(osd.osdmap)))) return reply(0, String(osd.osdmap.crushVersion));
        if (prior !== osd.osdmap.crushVersion) return fail('EPERM', `prior_version ${prior} != crush version ${osd.osdmap.crushVersion}`);
      }
      if (cw.hasLegacyRuleIds()) return fail('EINVAL', 'crush maps with ruleset != ruleid are no longer allowed');
      for (const [id, p] of osd.osdmap.pools) {
        if (!cw.ruleExists(p.crushRule)) return fail('EINVAL', ` the crush rule no ${p.crushRule} for pool id ${id} is in use`);
      }
      osd.setPendingCrushBytes(Buffer.from(req.inbuf));
      return proposeThen([osd], 0, String(osd.osdmap.crushVersion + 1));
    },
    'osd getmaxosd': (req) => {
      const f = formatterFor(req);
      if (f) {
        f.openObject('getmaxosd');
        f.dumpUnsigned('epoch', osd.epoch);
        f.dumpInt('max_osd', osd.osdmap.maxOsd);
        f.close();
        return ok(f.toString());
      }
      return ok(`max_osd = ${osd.osdmap.maxOsd} in epoch ${osd.epoch}`);
    },
    'osd setmaxosd': (req) => {
      const n = getInt(req.cmdmap, 'newmax', -1);
      if (n < 0) return fail('EINVAL', `unable to parse 'newmax' value '${req.cmdmap.get('newmax')}'`);
      const max = Number(osd.conf.get('mon_max_osd'));
      if (n > max) return fail('ERANGE', `cannot set max_osd to ${n} which is > conf.mon_max_osd (${max})`);
      for (let i = n; i < osd.osdmap.maxOsd; i++) if (exists(osd.osdmap, i)) return fail('EBUSY', `cannot shrink max_osd to ${n} because osd.${i} (and possibly others) still in use`);
      osd.pending.newMaxOsd = n;
      return proposeThen([osd], 0, `set new max_osd = ${n}`);
    },
    'osd set': (req) => flag(req, true),
    'osd unset': (req) => flag(req, false),
    'osd down': (req) => stateChange(req, 'down'),
    'osd out': (req) => stateChange(req, 'out'),
    'osd in': (req) => stateChange(req, 'in'),
    'osd rm': (req) => stateChange(req, 'rm'),
    'osd reweight': (req) => {
      const id = getInt(req.cmdmap, 'id');
      if (id === undefined) return fail('EINVAL', `unable to parse osd id value '${req.cmdmap.get('id')}'`);
      const w = getFloat(req.cmdmap, 'weight');
      if (w === undefined) return fail('EINVAL', `unable to parse weight value '${req.cmdmap.get('weight')}'`);
      const ww = Math.trunc(CEPH_OSD_IN * w);
      if (ww < 0) return fail('EINVAL', 'weight must be >= 0');
      if (!exists(osd.osdmap, id)) return fail('ENOENT', `osd.${id} does not exist`);
      osd.pending.newWeight.set(id, ww);
      return proposeThen([osd], 0, `reweighted osd.${id} to ${formatG6(w)} (${ww.toString(16)})`);
    },
    'osd new': (req) => osdNew(req),
    'osd create': (req) => {
      const cmdId = getInt(req.cmdmap, 'id');
      if (cmdId !== undefined && cmdId < 0) return fail('EINVAL', `invalid osd id value '${cmdId}'`);
      const uuidStr = getStr(req.cmdmap, 'uuid');
      let uuid = UUID_NIL;
      let id = -1;
      if (uuidStr !== undefined) {
        if (!isUuid(uuidStr)) return fail('EINVAL', `invalid uuid value '${uuidStr}'`);
        uuid = uuidStr.toLowerCase();
        id = cmdId ?? -1;
        const existing = identifyOsd(osd.osdmap, uuid);
        if (existing >= 0) {
          if (id >= 0 && existing !== id) return fail('EEXIST', `uuid ${uuid} already in use for different id ${existing}`);
          return reply(0, '', created(req, existing));
        }
        if (id >= 0 && exists(osd.osdmap, id)) return fail('EINVAL', `id ${id} already in use and does not match uuid ${uuid}`);
      }
      const newId = doOsdCreate(osd, id, uuid, '');
      return proposeThen([osd], 0, '', created(req, newId));
    },
    'osd purge': (req) => purge(req),
    'osd purge-actual': (req) => purge(req),
    'osd find': (req) => {
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
    },
    'osd metadata': (req) => {
      const f = formatterFor(req) ?? new JsonFormatter(true);
      const n = getInt(req.cmdmap, 'id');
      // dump_osd_metadata: "id" then the boot metadata, every value a string.
      const dumpOne = (i: number, md: Map<string, string>) => {
        f.dumpUnsigned('id', i);
        for (const [k, v] of md) f.dumpString(k, v);
      };
      if (n !== undefined) {
        if (!exists(osd.osdmap, n)) return fail('ENOENT', `osd.${n} does not exist`);
        // An OSD that never booted has no metadata: ENOENT, no message.
        const md = osd.osdMetadata(n);
        if (!md) return reply(-Errno.ENOENT, '');
        f.openObject('osd_metadata');
        dumpOne(n, md);
        f.close();
        return ok(f.toString());
      }
      f.openArray('osd_metadata');
      for (let i = 0; i < osd.osdmap.maxOsd; i++) {
        if (!exists(osd.osdmap, i)) continue;
        f.openObject('osd');
        dumpOne(i, osd.osdMetadata(i) ?? new Map());
        f.close();
      }
      f.close();
      return ok(f.toString());
    },
    'osd versions': (req) => {
      const f = formatterFor(req) ?? new JsonFormatter(true);
      f.openObject('version');
      f.close();
      return ok(f.toString());
    },
    'osd get-require-min-compat-client': () => ok(`${releaseName(osd.osdmap.requireMinCompatClient)}\n`),
  };

  function flag(req: CommandRequest, set: boolean) {
    const key = reqStr(req.cmdmap, 'key');
    const bit = SET_FLAGS[key];
    if (!bit) return fail('EINVAL', `unrecognized flag '${key}'`);
    if (osd.pending.newFlags < 0) osd.pending.newFlags = osd.osdmap.flags;
    osd.pending.newFlags = (set ? osd.pending.newFlags | bit : osd.pending.newFlags & ~bit) >>> 0;
    return proposeThen([osd], 0, `${osdMapFlagString(bit)} is ${set ? 'set' : 'unset'}`);
  }

  function stateChange(req: CommandRequest, op: 'down' | 'out' | 'in' | 'rm') {
    const m = osd.osdmap;
    const ids = getStrVec(req.cmdmap, 'ids') ?? [];
    const dead = getBool(req.cmdmap, 'definitely_dead');
    let rs = '';
    let any = false;
    let err = 0;
    for (let j = 0; j < ids.length; j++) {
      let osds: number[];
      let verbose = true;
      if (j === 0 && ['any', 'all', '*'].includes(ids[0]!)) {
        osds = [...Array(m.maxOsd).keys()].filter((i) => exists(m, i) && (op !== 'in' || isOut(m, i)));
        verbose = false;
        j = ids.length;
      } else {
        const id = parseOsdId(ids[j]!);
        if (id < 0) {
          rs += `invalid osd id${id}`;
          err = -22;
          continue;
        }
        if (!exists(m, id)) {
          rs += `osd.${id} does not exist. `;
          continue;
        }
        osds = [id];
      }
      for (const id of osds) {
        if (op === 'down') {
          if (isDown(m, id)) {
            if (verbose) rs += `osd.${id} is already down. `;
          } else {
            pendingStateSet(osd, id, OsdState.UP);
            rs += `marked down osd.${id}. `;
            any = true;
          }
          if (dead) {
            const x = { ...(osd.pending.newXinfo.get(id) ?? m.osdXinfo[id]!) };
            if (x.deadEpoch < osd.pending.epoch) any = true;
            x.deadEpoch = osd.pending.epoch;
            osd.pending.newXinfo.set(id, x);
          }
        } else if (op === 'out') {
          if (isOut(m, id)) {
            if (verbose) rs += `osd.${id} is already out. `;
          } else {
            osd.pending.newWeight.set(id, CEPH_OSD_OUT);
            if (m.osdWeight[id]) osd.pending.newXinfo.set(id, { ...(osd.pending.newXinfo.get(id) ?? m.osdXinfo[id]!), oldWeight: m.osdWeight[id]! });
            rs += `marked out osd.${id}. `;
            any = true;
          }
        } else if (op === 'in') {
          if (isIn(m, id)) {
            if (verbose) rs += `osd.${id} is already in. `;
          } else {
            const old = m.osdXinfo[id]!.oldWeight;
            if (old > 0) {
              osd.pending.newWeight.set(id, old);
              osd.pending.newXinfo.set(id, { ...(osd.pending.newXinfo.get(id) ?? m.osdXinfo[id]!), oldWeight: 0 });
            } else osd.pending.newWeight.set(id, CEPH_OSD_IN);
            rs += `marked in osd.${id}. `;
            any = true;
          }
        } else if (!removeOsd(osd, id)) {
          if (any) rs += ', ';
          rs += `osd.${id} is still up; must be down before removal. `;
        } else {
          rs += any ? `, osd.${id}` : `removed osd.${id}`;
          any = true;
        }
      }
    }
    const text = rs.split('\n')[0]!;
    return any ? proposeThen([osd], err, text) : reply(err, text);
  }

  function osdNew(req: CommandRequest) {
    const uuidStr = getStr(req.cmdmap, 'uuid');
    if (uuidStr === undefined) return fail('EINVAL', "requires the OSD's UUID to be specified.");
    if (!isUuid(uuidStr)) return fail('EINVAL', `invalid UUID value '${uuidStr}'.`);
    const uuid = uuidStr.toLowerCase();
    let id = getInt(req.cmdmap, 'id', -1);
    if (req.cmdmap.has('id') && id < 0) return fail('EINVAL', 'invalid OSD id; must be greater or equal than zero.');
    let params: Record<string, string> = {};
    if (req.inbuf.length) {
      try {
        params = JSON.parse(req.inbuf.toString('utf8')) as Record<string, string>;
      } catch (e) {
        return fail('EINVAL', `unable to parse json: ${(e as Error).message}`);
      }
    }
    const m = osd.osdmap;
    const recreate = id >= 0 && isDestroyed(m, id);
    let idempotent = false;
    const existing = identifyOsd(m, uuid);
    if (existing >= 0) {
      if (id >= 0 && existing !== id) return fail('EEXIST', `uuid ${uuid} already in use for different id ${existing}`);
      idempotent = true;
      id = existing;
    } else if (id >= 0 && !recreate && exists(m, id)) {
      return fail('EINVAL', `id ${id} already in use and does not match uuid ${uuid}`);
    }
    if (!idempotent && id < 0) id = allocateOsdId(osd).id;
    const secret = params.cephx_secret;
    const name = { type: EntityType.OSD, id: String(id) };
    let key: CryptoKey | undefined;
    if (secret !== undefined) {
      try {
        key = CryptoKey.fromBase64(secret);
      } catch {
        return fail('EINVAL', 'invalid cephx secret.');
      }
      const cur = auth.getAuth(name);
      if (cur && !cur.key.secret.equals(key.secret)) return fail('EEXIST', `entity osd.${id} exists but key does not match`);
      if (idempotent && !cur) return fail('EEXIST', `osd.${id} exists but secrets do not match`);
      if (cur) key = undefined;
    }
    if (idempotent) return reply(0, '', created(req, id));
    if (key) {
      auth.addEntity(name, {
        key,
        caps: new Map([
          ['mgr', capsBlob('allow profile osd')],
          ['mon', capsBlob('allow profile osd')],
          ['osd', capsBlob('allow *')],
        ]),
      });
    }
    if (recreate) {
      pendingStateSet(osd, id, OsdState.DESTROYED | ((m.osdState[id]! & OsdState.NEW) === 0 ? OsdState.NEW : 0) | (m.osdState[id]! & OsdState.UP));
      osd.pending.newUuid.set(id, uuid);
    } else doOsdCreate(osd, id, uuid, params.crush_device_class ?? '');
    return proposeThen(key ? [osd, auth] : [osd], 0, '', created(req, id));
  }

  function purge(req: CommandRequest) {
    const id = parseOsdId(String(req.cmdmap.get('id') ?? ''));
    if (id < 0) return fail('EINVAL', 'no osd id specified');
    if (!getBool(req.cmdmap, 'yes_i_really_mean_it')) {
      return fail('EPERM', "Are you SURE?  Did you verify with 'ceph osd safe-to-destroy'?  This will mean real, permanent data loss, as well as deletion of cephx and lockbox keys. Pass --yes-i-really-mean-it if you really do.");
    }
    if (!exists(osd.osdmap, id)) return reply(0, `osd.${id} does not exist`);
    if (isUp(osd.osdmap, id)) return fail('EBUSY', `osd.${id} is not \`down\`.`);
    removeOsdFromCrush(osd, id);
    const name = { type: EntityType.OSD, id: String(id) };
    const services: PaxosService[] = [osd];
    if (auth.contains(name)) {
      auth.removeEntity(name);
      services.push(auth);
    }
    removeOsd(osd, id);
    return proposeThen(services, 0, `purged osd.${id}`);
  }

  return handlers;
}

/** C++ ostream << double at default precision (6 significant digits). */
function formatG6(v: number): string {
  return Number(v.toPrecision(6)).toString();
}
