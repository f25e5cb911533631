/**
 * `ceph osd crush ...` (OSDMonitor::prepare_command_impl / preprocess_command): bucket and item
 * edits through @ts-ceph/crush on the pending CRUSH map, rules, classes, dumps; Ceph's messages.
 */
import { Errno, cephError, strerror } from '@ts-ceph/common';
import {
  CrushWrapper,
  CRUSH_HASH_DEFAULT,
  addSimpleRule,
  removeRule,
  insertItem,
  updateItem,
  createOrMoveItem,
  moveBucket,
  linkBucket,
  checkItemLoc,
  removeItem,
  removeItemUnder,
  adjustItemWeightf,
  reweight,
  renameBucket,
  updateDeviceClass,
  removeDeviceClass,
  getItemClass,
  getOrCreateClassId,
  classExists,
  parseLocMap,
  setTunablesProfile,
  TunablesProfile,
  TUNABLES_PROFILES,
  CEPH_PG_TYPE_REPLICATED,
} from '@ts-ceph/crush';
import { crushOf, exists, formatG } from '@ts-ceph/maps';
import { CommandHandler, CommandRequest, fail, formatterFor, formatterOrPretty, ok, proposeThen, reply } from '../commands/types';
import { getFloat, getInt, getStr, getStrVec, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import { parseOsdId } from './osd-pending';
import { dumpCrush, dumpRule, dumpTunables, ruleIds } from './crush-dump';

/** operator<<(std::map<string,string>): "{host=a,root=default}". */
function locText(loc: Map<string, string>): string {
  return `{${[...loc.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',')}}`;
}

function locArgs(req: CommandRequest): Map<string, string> {
  const loc = parseLocMap(getStrVec(req.cmdmap, 'args') ?? []);
  // parse_loc_map's failure leaves the map partially filled in Ceph; the commands go on with it.
  return typeof loc === 'number' ? new Map() : loc;
}

export function crushCommands(osd: OSDMonitor): Record<string, CommandHandler> {
  const stable = () => crushOf(osd.osdmap);
  const commit = (cw: CrushWrapper, rs: string, out = '') => {
    osd.crushChanged(cw);
    return proposeThen([osd], 0, rs, out);
  };
  const weightArg = (req: CommandRequest): number => {
    const w = getFloat(req.cmdmap, 'weight');
    if (w === undefined) throw cephError('EINVAL', `unable to parse weight value '${req.cmdmap.get('weight')}'`);
    return w;
  };

  const addBucket: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'name');
    const typeStr = reqStr(req.cmdmap, 'type');
    const loc = locArgs(req);
    if (!osd.hasPendingCrush() && stable().nameExists(name)) return reply(0, `bucket '${name}' already exists`);
    const cw = osd.pendingCrush();
    if (cw.nameExists(name)) return proposeThen([osd], 0, `bucket '${name}' already exists`);
    const type = cw.getTypeId(typeStr);
    if (type < 0) return fail('EINVAL', `type '${typeStr}' does not exist`);
    if (type === 0) return fail('EINVAL', `type '${typeStr}' is for devices, not buckets`);
    const { r, id } = cw.addBucket(0, 0, CRUSH_HASH_DEFAULT, type, [], []);
    if (r < 0) return reply(r, `add_bucket error: '${strerror(r)}'`);
    cw.setItemName(id, name);
    if (loc.size && checkItemLoc(cw, id, loc) === undefined) {
      const e = moveBucket(cw, id, loc);
      if (e < 0) return reply(e, `error moving bucket '${name}' to location ${locText(loc)}`);
    }
    return commit(cw, loc.size ? `added bucket ${name} type ${typeStr} to location ${locText(loc)}` : `added bucket ${name} type ${typeStr} to crush map`);
  };

  const setOrAdd: CommandHandler = (req) => {
    // CephOsdName arrives as an int64 (the CLI turns osd.N into N), as cmd_getval reads it.
    const id = getInt(req.cmdmap, 'id');
    if (id === undefined) return fail('EINVAL', `unable to parse osd id value '${req.cmdmap.get('id') ?? ''}'`);
    const name = `osd.${id}`;
    if (!exists(osd.osdmap, id)) return fail('ENOENT', `${name} does not exist. Create it before updating the crush map`);
    const w = weightArg(req);
    const loc = locArgs(req);
    if (req.prefix === 'osd crush set' && !stable().itemExists(id)) return fail('ENOENT', `unable to set item id ${id} name '${name}' weight ${formatG(w)} at location ${locText(loc)}: does not exist`);
    const cw = osd.pendingCrush();
    let action: string;
    let err: number;
    if (req.prefix === 'osd crush set' || checkItemLoc(cw, id, loc) !== undefined) {
      action = 'set';
      err = updateItem(cw, id, w, name, loc);
    } else {
      action = 'add';
      err = insertItem(cw, id, w, name, loc);
      if (err === 0) err = 1;
    }
    if (err < 0) return reply(err, '');
    const text = `${action} item id ${id} name '${name}' weight ${formatG(w)} at location ${locText(loc)}`;
    if (err === 0 && !osd.hasPendingCrush()) return reply(0, `${text}: no change`);
    return commit(cw, `${text} to crush map`);
  };

  const createOrMove: CommandHandler = (req) => {
    const id = getInt(req.cmdmap, 'id');
    if (id === undefined) return fail('EINVAL', `unable to parse osd id value '${req.cmdmap.get('id') ?? ''}'`);
    const name = `osd.${id}`;
    if (!exists(osd.osdmap, id)) return fail('ENOENT', `${name} does not exist.  create it before updating the crush map`);
    const w = weightArg(req);
    const loc = locArgs(req);
    const cw = osd.pendingCrush();
    const err = createOrMoveItem(cw, id, w, name, loc, osd.conf.get('osd_crush_update_weight_set') === 'true');
    if (err === 0) return reply(0, `create-or-move updated item name '${name}' weight ${formatG(w)} at location ${locText(loc)} to crush map`);
    if (err < 0) return reply(err, '');
    return commit(cw, `create-or-move updating item name '${name}' weight ${formatG(w)} at location ${locText(loc)} to crush map`);
  };

  const move: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'name');
    const loc = locArgs(req);
    const cw = osd.pendingCrush();
    if (!cw.nameExists(name)) return fail('ENOENT', `item ${name} does not exist`);
    const id = cw.getItemId(name);
    if (checkItemLoc(cw, id, loc) !== undefined) return reply(0, `no need to move item id ${id} name '${name}' to location ${locText(loc)} in crush map`);
    const err = id >= 0 ? createOrMoveItem(cw, id, 0, name, loc, osd.conf.get('osd_crush_update_weight_set') === 'true') : moveBucket(cw, id, loc);
    if (err < 0) return reply(err, '');
    return commit(cw, `moved item id ${id} name '${name}' to location ${locText(loc)} in crush map`);
  };

  const link: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'name');
    const loc = locArgs(req);
    if (!stable().nameExists(name)) return fail('ENOENT', `item ${name} does not exist`);
    const sid = stable().getItemId(name);
    if (checkItemLoc(stable(), sid, loc) !== undefined) return reply(0, `no need to move item id ${sid} name '${name}' to location ${locText(loc)} in crush map`);
    const cw = osd.pendingCrush();
    const id = cw.getItemId(name);
    const err = linkBucket(cw, id, loc);
    if (err < 0) return reply(err, `cannot link item id ${id} name '${name}' to location ${locText(loc)}`);
    return commit(cw, `linked item id ${id} name '${name}' to location ${locText(loc)} in crush map`);
  };

  const rm: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'name');
    if (!stable().nameExists(name)) return reply(0, `device '${name}' does not appear in the crush map`);
    const cw = osd.pendingCrush();
    if (!cw.nameExists(name)) return proposeThen([osd], 0, `device '${name}' does not appear in the crush map`);
    const id = cw.getItemId(name);
    const unlinkOnly = req.prefix === 'osd crush unlink';
    const ancestorStr = getStr(req.cmdmap, 'ancestor');
    let ancestor = 0;
    if (ancestorStr !== undefined) {
      if (!cw.nameExists(ancestorStr)) return fail('ENOENT', `ancestor item '${ancestorStr}' does not appear in the crush map`);
      ancestor = cw.getItemId(ancestorStr);
    }
    if (id < 0 && !unlinkOnly) {
      const b = cw.getBucket(id);
      if (b && b.items.length) return fail('ENOTEMPTY', `Error ENOTEMPTY: (39) Directory not empty`);
    }
    const err = ancestor < 0 ? removeItemUnder(cw, id, ancestor, unlinkOnly) : removeItem(cw, id, unlinkOnly);
    if (err === -Errno.ENOENT) return reply(0, `item ${id} does not appear in that position`);
    if (err < 0) return reply(err, '');
    if (!unlinkOnly) osd.pending.newCrushNodeFlags.set(id, 0);
    return commit(cw, `removed item id ${id} name '${name}' from crush map`);
  };

  const reweightCmd: CommandHandler = (req) => {
    const cw = osd.pendingCrush();
    const name = reqStr(req.cmdmap, 'name');
    if (!cw.nameExists(name)) return fail('ENOENT', `device '${name}' does not appear in the crush map`);
    const id = cw.getItemId(name);
    if (id < 0) return fail('EINVAL', `device '${name}' is not a leaf in the crush map`);
    const w = weightArg(req);
    const err = adjustItemWeightf(cw, id, w, osd.conf.get('osd_crush_update_weight_set') === 'true');
    if (err < 0) return reply(err, '');
    return commit(cw, `reweighted item id ${id} name '${name}' to ${formatG(w)} in crush map`);
  };

  const ruleCreate: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'name');
    if (stable().ruleNameExists(name)) return reply(0, `rule ${name} already exists`);
    const cw = osd.pendingCrush();
    if (cw.ruleNameExists(name)) return proposeThen([osd], 0, `rule ${name} already exists`);
    const errs: string[] = [];
    const mode = req.prefix === 'osd crush rule create-simple' ? getStr(req.cmdmap, 'mode', 'firstn') : 'firstn';
    const cls = req.prefix === 'osd crush rule create-replicated' ? getStr(req.cmdmap, 'class', '') : '';
    const r = addSimpleRule(cw, name, reqStr(req.cmdmap, 'root'), reqStr(req.cmdmap, 'type'), cls, mode, CEPH_PG_TYPE_REPLICATED, errs);
    if (r < 0) return reply(r, errs.join(''));
    return commit(cw, errs.join(''));
  };

  const ruleRm: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'name');
    if (!stable().ruleNameExists(name)) return reply(0, `rule ${name} does not exist`);
    const cw = osd.pendingCrush();
    if (!cw.ruleNameExists(name)) return proposeThen([osd], 0, `rule ${name} does not exist`);
    const ruleno = cw.getRuleId(name);
    const ruleset = cw.rules[ruleno]!.ruleset;
    for (const p of osd.osdmap.pools.values()) if (p.crushRule === ruleset) return fail('EBUSY', `crush ruleset ${name} ${ruleset} is in use`);
    const err = removeRule(cw, ruleno);
    if (err < 0) return reply(err, '');
    return commit(cw, '');
  };

  const setDeviceClass: CommandHandler = (req) => {
    const cls = reqStr(req.cmdmap, 'class');
    const ids = getStrVec(req.cmdmap, 'ids') ?? [];
    const cw = osd.pendingCrush();
    const updated: number[] = [];
    let rs = '';
    const all = ids[0] === 'any' || ids[0] === 'all' || ids[0] === '*';
    const osds = all ? [...Array(osd.osdmap.maxOsd).keys()].filter((i) => exists(osd.osdmap, i)) : ids.map(parseOsdId);
    for (const id of osds) {
      if (id < 0) return fail('EINVAL', `unable to parse osd id`);
      if (!exists(osd.osdmap, id)) {
        rs += `osd.${id} does not exist. `;
        continue;
      }
      const name = `osd.${id}`;
      if (cw.maxDevices < id + 1) cw.maxDevices = id + 1;
      if (!cw.itemExists(id)) cw.setItemName(id, name);
      const ss: string[] = [];
      const r = updateDeviceClass(cw, id, cls, name, ss);
      // Ceph's update_device_class writes into the reply's own stream ("... already set to ...").
      rs += ss.join('');
      if (r < 0) return reply(r, rs);
      if (r === 0 && !osd.hasPendingCrush()) {
        if (!all) rs += `set-device-class item id ${id} name '${name}' device_class '${cls}': no change. `;
      } else updated.push(id);
    }
    return commit(cw, `${rs}set osd(s) ${updated.join(',')} to class '${cls}'`);
  };

  const rmDeviceClass: CommandHandler = (req) => {
    const ids = getStrVec(req.cmdmap, 'ids') ?? [];
    const cw = osd.pendingCrush();
    const updated: number[] = [];
    const all = ids[0] === 'any' || ids[0] === 'all' || ids[0] === '*';
    const osds = all ? [...Array(osd.osdmap.maxOsd).keys()].filter((i) => exists(osd.osdmap, i)) : ids.map(parseOsdId);
    let rs = '';
    for (const id of osds) {
      if (!exists(osd.osdmap, id)) {
        rs += `osd.${id} does not exist. `;
        continue;
      }
      if (getItemClass(cw, id) === undefined) continue;
      const r = removeDeviceClass(cw, id);
      if (r < 0) return reply(r, rs);
      updated.push(id);
    }
    return commit(cw, `${rs}done removing class of osd(s): ${updated.join(',')}`);
  };

  const classCreate: CommandHandler = (req) => {
    const cls = reqStr(req.cmdmap, 'class');
    if (classExists(stable(), cls)) return reply(0, `class '${cls}' already exists`);
    const cw = osd.pendingCrush();
    if (classExists(cw, cls)) return proposeThen([osd], 0, `class '${cls}' already exists`);
    getOrCreateClassId(cw, cls);
    return commit(cw, `created class ${cls} with id ${cw.className.size - 1} to crush map`);
  };

  const tunables: CommandHandler = (req) => {
    const profile = reqStr(req.cmdmap, 'profile') as TunablesProfile;
    if (!TUNABLES_PROFILES.includes(profile)) return fail('EINVAL', `unrecognized profile '${profile}'`);
    const cw = osd.pendingCrush();
    setTunablesProfile(cw.tunables, profile);
    return commit(cw, `adjusted tunables profile to ${profile}`);
  };

  return {
    'osd crush add-bucket': addBucket,
    'osd crush rename-bucket': (req) => {
      const src = reqStr(req.cmdmap, 'srcname');
      const dst = reqStr(req.cmdmap, 'dstname');
      const cw = osd.pendingCrush();
      const ss: string[] = [];
      const r = renameBucket(cw, src, dst, ss);
      if (r < 0) return reply(r, ss.join(''));
      return commit(cw, ss.join('') || `renamed bucket ${src} into ${dst}`);
    },
    'osd crush set': setOrAdd,
    'osd crush add': setOrAdd,
    'osd crush create-or-move': createOrMove,
    'osd crush move': move,
    'osd crush link': link,
    'osd crush rm': rm,
    'osd crush remove': rm,
    'osd crush unlink': rm,
    'osd crush reweight': reweightCmd,
    'osd crush reweight-all': () => {
      const cw = osd.pendingCrush();
      reweight(cw);
      return commit(cw, 'reweighted crush hierarchy');
    },
    'osd crush rule create-replicated': ruleCreate,
    'osd crush rule create-simple': ruleCreate,
    'osd crush rule rm': ruleRm,
    'osd crush rule ls': (req) => listRules(req, stable()),
    'osd crush rule list': (req) => listRules(req, stable()),
    'osd crush rule dump': (req) => {
      const f = formatterOrPretty(req);
      const name = getStr(req.cmdmap, 'name', '');
      const cw = stable();
      if (!name) {
        f.openArray('rules');
        for (const r of ruleIds(cw)) dumpRule(f, cw, r);
        f.close();
      } else {
        const r = cw.getRuleId(name);
        if (r < 0) return fail('ENOENT', `unknown crush rule '${name}'`);
        dumpRule(f, cw, r);
      }
      return ok(f.toString() + '\n');
    },
    'osd crush dump': (req) => {
      const f = formatterOrPretty(req);
      f.openObject('crush_map');
      dumpCrush(f, stable());
      f.close();
      return ok(f.toString() + '\n');
    },
    'osd crush show-tunables': (req) => {
      const f = formatterOrPretty(req);
      f.openObject('crush_map_tunables');
      dumpTunables(f, stable());
      f.close();
      return ok(f.toString() + '\n');
    },
    'osd crush tunables': tunables,
    'osd crush set-device-class': setDeviceClass,
    'osd crush rm-device-class': rmDeviceClass,
    'osd crush class create': classCreate,
    'osd crush class ls': (req) => {
      const f = formatterOrPretty(req);
      f.openArray('crush_classes');
      for (const id of [...stable().className.keys()].sort((a, b) => a - b)) f.dumpString('class', stable().className.get(id)!);
      f.close();
      return ok(f.toString());
    },
    'osd crush ls': (req) => {
      const name = reqStr(req.cmdmap, 'node');
      const cw = stable();
      if (!cw.nameExists(name)) return fail('ENOENT', `node '${name}' does not exist`);
      const id = cw.getItemId(name);
      const items = id >= 0 ? [id] : (cw.getBucket(id)?.items ?? []);
      const f = formatterFor(req);
      if (f) {
        f.openArray('items');
        for (const i of items) f.dumpString('item', cw.getItemName(i) ?? '');
        f.close();
        return ok(f.toString());
      }
      return ok(items.map((i) => `${cw.getItemName(i) ?? ''}\n`).join(''));
    },
  };
}

function listRules(req: CommandRequest, cw: CrushWrapper) {
  const f = formatterFor(req);
  if (f) {
    f.openArray('rules');
    for (const r of ruleIds(cw)) f.dumpString('name', cw.getRuleName(r) ?? '');
    f.close();
    return ok(f.toString());
  }
  return ok(ruleIds(cw).map((r) => `${cw.getRuleName(r) ?? ''}\n`).join(''));
}
