/**
 * `ceph osd crush ...` edits of items and buckets (OSDMonitor::prepare_command_impl) through
 * @ts-ceph/crush on the pending CRUSH map, with Ceph's messages: add-bucket, rename-bucket,
 * set/add, create-or-move, move, link, rm/remove/unlink, reweight, reweight-all.
 */
import { Errno, cephError, strerror } from '@ts-ceph/common/core';
import {
  CRUSH_HASH_DEFAULT,
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
  parseLocMap,
} from '@ts-ceph/crush';
import { crushOf, exists, formatG } from '@ts-ceph/maps';
import { CommandOutcome, CommandRequest, fail, proposeThen, reply } from '../commands/types';
import { getFloat, getInt, getStr, getStrVec, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import { commitCrush } from './crush-edit';

/** operator<<(std::map<string,string>): "{host=a,root=default}". */
function locText(loc: Map<string, string>): string {
  return `{${[...loc.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',')}}`;
}

function locArgs(req: CommandRequest): Map<string, string> {
  const loc = parseLocMap(getStrVec(req.cmdmap, 'args') ?? []);
  // parse_loc_map's failure leaves the map partially filled in Ceph; the commands go on with it.
  return typeof loc === 'number' ? new Map() : loc;
}

function weightArg(req: CommandRequest): number {
  const w = getFloat(req.cmdmap, 'weight');
  if (w === undefined) throw cephError('EINVAL', `unable to parse weight value '${req.cmdmap.get('weight')}'`);
  return w;
}

/** The committed CRUSH map (the pending one is osd.pendingCrush()). */
const stable = (osd: OSDMonitor) => crushOf(osd.osdmap);

/** `osd crush add-bucket <name> <type> [<loc>...]`. */
export function addBucket(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'name');
  const typeStr = reqStr(req.cmdmap, 'type');
  const loc = locArgs(req);
  if (!osd.hasPendingCrush() && stable(osd).nameExists(name)) return reply(0, `bucket '${name}' already exists`);
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
  return commitCrush(osd, cw, loc.size ? `added bucket ${name} type ${typeStr} to location ${locText(loc)}` : `added bucket ${name} type ${typeStr} to crush map`);
}

/** `osd crush rename-bucket <srcname> <dstname>`. */
export function renameBucketCmd(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const src = reqStr(req.cmdmap, 'srcname');
  const dst = reqStr(req.cmdmap, 'dstname');
  const cw = osd.pendingCrush();
  const ss: string[] = [];
  const r = renameBucket(cw, src, dst, ss);
  if (r < 0) return reply(r, ss.join(''));
  return commitCrush(osd, cw, ss.join('') || `renamed bucket ${src} into ${dst}`);
}

/** The arguments set, add and create-or-move share: an existing OSD, its weight and its location. */
interface OsdItemArgs {
  id: number;
  name: string;
  w: number;
  loc: Map<string, string>;
}

/**
 * Read `id`, `weight` and `args` for an OSD item command. The OSD must exist in the map; Ceph's two
 * commands word that failure differently (`missing` is the text after the name).
 */
function osdItemArgs(osd: OSDMonitor, req: CommandRequest, missing: string): OsdItemArgs | CommandOutcome {
  // CephOsdName arrives as an int64 (the CLI turns osd.N into N), as cmd_getval reads it.
  const id = getInt(req.cmdmap, 'id');
  if (id === undefined) return fail('EINVAL', `unable to parse osd id value '${req.cmdmap.get('id') ?? ''}'`);
  const name = `osd.${id}`;
  if (!exists(osd.osdmap, id)) return fail('ENOENT', `${name} ${missing}`);
  return { id, name, w: weightArg(req), loc: locArgs(req) };
}

/** `osd crush set|add osd.N <weight> <loc>...`: set requires the item in the committed map. */
export function setOrAdd(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const a = osdItemArgs(osd, req, 'does not exist. Create it before updating the crush map');
  if (!('id' in a)) return a;
  const { id, name, w, loc } = a;
  if (req.prefix === 'osd crush set' && !stable(osd).itemExists(id)) return fail('ENOENT', `unable to set item id ${id} name '${name}' weight ${formatG(w)} at location ${locText(loc)}: does not exist`);
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
  return commitCrush(osd, cw, `${text} to crush map`);
}

/** `osd crush create-or-move osd.N <weight> <loc>...` (what an OSD runs at start). */
export function createOrMove(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const a = osdItemArgs(osd, req, 'does not exist.  create it before updating the crush map');
  if (!('id' in a)) return a;
  const { id, name, w, loc } = a;
  const cw = osd.pendingCrush();
  const err = createOrMoveItem(cw, id, w, name, loc, osd.conf.get('osd_crush_update_weight_set') === 'true');
  if (err === 0) return reply(0, `create-or-move updated item name '${name}' weight ${formatG(w)} at location ${locText(loc)} to crush map`);
  if (err < 0) return reply(err, '');
  return commitCrush(osd, cw, `create-or-move updating item name '${name}' weight ${formatG(w)} at location ${locText(loc)} to crush map`);
}

/** `osd crush move <name> <loc>...`: a device by create_or_move_item, a bucket by move_bucket. */
export function move(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'name');
  const loc = locArgs(req);
  const cw = osd.pendingCrush();
  if (!cw.nameExists(name)) return fail('ENOENT', `item ${name} does not exist`);
  const id = cw.getItemId(name);
  if (checkItemLoc(cw, id, loc) !== undefined) return reply(0, `no need to move item id ${id} name '${name}' to location ${locText(loc)} in crush map`);
  const err = id >= 0 ? createOrMoveItem(cw, id, 0, name, loc, osd.conf.get('osd_crush_update_weight_set') === 'true') : moveBucket(cw, id, loc);
  if (err < 0) return reply(err, '');
  return commitCrush(osd, cw, `moved item id ${id} name '${name}' to location ${locText(loc)} in crush map`);
}

/** `osd crush link <name> <loc>...`: one more parent for a bucket. */
export function link(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'name');
  const loc = locArgs(req);
  if (!stable(osd).nameExists(name)) return fail('ENOENT', `item ${name} does not exist`);
  const sid = stable(osd).getItemId(name);
  if (checkItemLoc(stable(osd), sid, loc) !== undefined) return reply(0, `no need to move item id ${sid} name '${name}' to location ${locText(loc)} in crush map`);
  const cw = osd.pendingCrush();
  const id = cw.getItemId(name);
  const err = linkBucket(cw, id, loc);
  if (err < 0) return reply(err, `cannot link item id ${id} name '${name}' to location ${locText(loc)}`);
  return commitCrush(osd, cw, `linked item id ${id} name '${name}' to location ${locText(loc)} in crush map`);
}

/** `osd crush rm|remove|unlink <name> [<ancestor>]`. */
export function rm(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'name');
  if (!stable(osd).nameExists(name)) return reply(0, `device '${name}' does not appear in the crush map`);
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
  return commitCrush(osd, cw, `removed item id ${id} name '${name}' from crush map`);
}

/** `osd crush reweight <name> <weight>` (devices only). */
export function reweightCmd(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const cw = osd.pendingCrush();
  const name = reqStr(req.cmdmap, 'name');
  if (!cw.nameExists(name)) return fail('ENOENT', `device '${name}' does not appear in the crush map`);
  const id = cw.getItemId(name);
  if (id < 0) return fail('EINVAL', `device '${name}' is not a leaf in the crush map`);
  const w = weightArg(req);
  const err = adjustItemWeightf(cw, id, w, osd.conf.get('osd_crush_update_weight_set') === 'true');
  if (err < 0) return reply(err, '');
  return commitCrush(osd, cw, `reweighted item id ${id} name '${name}' to ${formatG(w)} in crush map`);
}

/** `osd crush reweight-all`: every bucket's weight recomputed from its items. */
export function reweightAll(osd: OSDMonitor): CommandOutcome {
  const cw = osd.pendingCrush();
  reweight(cw);
  return commitCrush(osd, cw, 'reweighted crush hierarchy');
}
