/**
 * `ceph osd crush ...` (OSDMonitor::prepare_command_impl / preprocess_command) as a table from
 * prefix to handler: item and bucket edits are in crush-item-commands.ts; rules, device classes,
 * tunables and the dumps are here. Edits go through @ts-ceph/crush on the pending CRUSH map.
 */
import { Errno, cephError, strerror } from '@ts-ceph/common/core';
import {
  CrushWrapper,
  addSimpleRule,
  removeRule,
  updateDeviceClass,
  removeDeviceClass,
  getItemClass,
  getOrCreateClassId,
  classExists,
  setTunablesProfile,
  TunablesProfile,
  TUNABLES_PROFILES,
  CEPH_PG_TYPE_REPLICATED,
} from '@ts-ceph/crush';
import { crushOf, exists } from '@ts-ceph/maps';
import { CommandHandler, CommandOutcome, CommandRequest, fail, formatterFor, formatterOrPretty, ok, proposeThen, reply } from '../commands/types';
import { getStr, getStrVec, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import { parseOsdId } from './osd-pending';
import { commitCrush } from './crush-edit';
import { dumpCrush, dumpRule, dumpTunables, ruleIds } from './crush-dump';
import * as I from './crush-item-commands';

/** The committed CRUSH map (the pending one is osd.pendingCrush()). */
const stable = (osd: OSDMonitor) => crushOf(osd.osdmap);

/** `osd crush rule create-replicated|create-simple`. */
export function ruleCreate(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'name');
  if (stable(osd).ruleNameExists(name)) return reply(0, `rule ${name} already exists`);
  const cw = osd.pendingCrush();
  if (cw.ruleNameExists(name)) return proposeThen([osd], 0, `rule ${name} already exists`);
  const errs: string[] = [];
  const mode = req.prefix === 'osd crush rule create-simple' ? getStr(req.cmdmap, 'mode', 'firstn') : 'firstn';
  const cls = req.prefix === 'osd crush rule create-replicated' ? getStr(req.cmdmap, 'class', '') : '';
  const r = addSimpleRule(cw, name, reqStr(req.cmdmap, 'root'), reqStr(req.cmdmap, 'type'), cls, mode, CEPH_PG_TYPE_REPLICATED, errs);
  if (r < 0) return reply(r, errs.join(''));
  return commitCrush(osd, cw, errs.join(''));
}

/** `osd crush rule rm <name>`: EBUSY while a pool uses it. */
export function ruleRm(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'name');
  if (!stable(osd).ruleNameExists(name)) return reply(0, `rule ${name} does not exist`);
  const cw = osd.pendingCrush();
  if (!cw.ruleNameExists(name)) return proposeThen([osd], 0, `rule ${name} does not exist`);
  const ruleno = cw.getRuleId(name);
  const ruleset = cw.rules[ruleno]!.ruleset;
  for (const p of osd.osdmap.pools.values()) if (p.crushRule === ruleset) return fail('EBUSY', `crush ruleset ${name} ${ruleset} is in use`);
  const err = removeRule(cw, ruleno);
  if (err < 0) return reply(err, '');
  return commitCrush(osd, cw, '');
}

/** `osd crush set-device-class <class> <ids...>`. */
export function setDeviceClass(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
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
  return commitCrush(osd, cw, `${rs}set osd(s) ${updated.join(',')} to class '${cls}'`);
}

/** `osd crush rm-device-class <ids...>`. */
export function rmDeviceClass(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
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
  return commitCrush(osd, cw, `${rs}done removing class of osd(s): ${updated.join(',')}`);
}

/** `osd crush class create <class>`. */
export function classCreate(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const cls = reqStr(req.cmdmap, 'class');
  if (classExists(stable(osd), cls)) return reply(0, `class '${cls}' already exists`);
  const cw = osd.pendingCrush();
  if (classExists(cw, cls)) return proposeThen([osd], 0, `class '${cls}' already exists`);
  getOrCreateClassId(cw, cls);
  return commitCrush(osd, cw, `created class ${cls} with id ${cw.className.size - 1} to crush map`);
}

/** `osd crush tunables <profile>`. */
export function tunables(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const profile = reqStr(req.cmdmap, 'profile') as TunablesProfile;
  if (!TUNABLES_PROFILES.includes(profile)) return fail('EINVAL', `unrecognized profile '${profile}'`);
  const cw = osd.pendingCrush();
  setTunablesProfile(cw.tunables, profile);
  return commitCrush(osd, cw, `adjusted tunables profile to ${profile}`);
}

function listRules(req: CommandRequest, cw: CrushWrapper): CommandOutcome {
  const f = formatterFor(req);
  if (f) {
    f.openArray('rules');
    for (const r of ruleIds(cw)) f.dumpString('name', cw.getRuleName(r) ?? '');
    f.close();
    return ok(f.toString());
  }
  return ok(ruleIds(cw).map((r) => `${cw.getRuleName(r) ?? ''}\n`).join(''));
}

/** `osd crush rule dump [<name>]`. */
function ruleDump(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterOrPretty(req);
  const name = getStr(req.cmdmap, 'name', '');
  const cw = stable(osd);
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
}

function crushDump(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterOrPretty(req);
  f.openObject('crush_map');
  dumpCrush(f, stable(osd));
  f.close();
  return ok(f.toString() + '\n');
}

function showTunables(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterOrPretty(req);
  f.openObject('crush_map_tunables');
  dumpTunables(f, stable(osd));
  f.close();
  return ok(f.toString() + '\n');
}

function classLs(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const f = formatterOrPretty(req);
  f.openArray('crush_classes');
  for (const id of [...stable(osd).className.keys()].sort((a, b) => a - b)) f.dumpString('class', stable(osd).className.get(id)!);
  f.close();
  return ok(f.toString());
}

/** `osd crush ls <node>`: a bucket's items by name (a device lists itself). */
function crushLs(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'node');
  const cw = stable(osd);
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
}

type CrushCommand = (osd: OSDMonitor, req: CommandRequest) => CommandOutcome;

export const crushCommandTable: Record<string, CrushCommand> = {
  'osd crush add-bucket': I.addBucket,
  'osd crush rename-bucket': I.renameBucketCmd,
  'osd crush set': I.setOrAdd,
  'osd crush add': I.setOrAdd,
  'osd crush create-or-move': I.createOrMove,
  'osd crush move': I.move,
  'osd crush link': I.link,
  'osd crush rm': I.rm,
  'osd crush remove': I.rm,
  'osd crush unlink': I.rm,
  'osd crush reweight': I.reweightCmd,
  'osd crush reweight-all': (osd) => I.reweightAll(osd),
  'osd crush rule create-replicated': ruleCreate,
  'osd crush rule create-simple': ruleCreate,
  'osd crush rule rm': ruleRm,
  'osd crush rule ls': (osd, req) => listRules(req, stable(osd)),
  'osd crush rule list': (osd, req) => listRules(req, stable(osd)),
  'osd crush rule dump': ruleDump,
  'osd crush dump': crushDump,
  'osd crush show-tunables': showTunables,
  'osd crush tunables': tunables,
  'osd crush set-device-class': setDeviceClass,
  'osd crush rm-device-class': rmDeviceClass,
  'osd crush class create': classCreate,
  'osd crush class ls': classLs,
  'osd crush ls': crushLs,
};

/** The table bound to one mon's OSDMonitor, as the command dispatcher registers it. */
export function crushCommands(osd: OSDMonitor): Record<string, CommandHandler> {
  const out: Record<string, CommandHandler> = {};
  for (const [prefix, h] of Object.entries(crushCommandTable)) out[prefix] = (req) => h(osd, req);
  return out;
}
