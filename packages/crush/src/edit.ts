/**
 * Editing a CrushWrapper the way the monitor's "ceph osd crush ..." commands do (CrushWrapper.cc:
 * insert_item, update_item, create_or_move_item, remove_item, move_bucket, link_bucket,
 * adjust_item_weight*, reweight, rename_item/rename_bucket; the rules' add_simple_rule_at, remove_rule and
 * rename_rule are in edit-rules.ts). Return values are
 * Ceph's: 0 or 1 (changed) on success, a negative errno on failure. Locations map type names to
 * bucket names (e.g. {host: 'node1', root: 'default'}).
 */
import { Errno } from '@ts-ceph/common/core';
import { reweightBucket } from './builder';
import { propagateWeightSets, reweightBucketChooseArgs, updateChooseArgs } from './choose-args';
import { classExists, getClassId, rebuildRootsWithClasses, splitIdClass } from './classes';
import { bucketItemWeight } from './builder';
import { CRUSH_HASH_DEFAULT, CRUSH_RULE_TAKE } from './types';
import { CrushWrapper, fixedToWeight, isValidCrushName, sortedEntries, validateWeightf, weightToFixed } from './wrapper';

const ELOOP = 40;

/** A CRUSH location: type name -> bucket name (Ceph's std::map<string,string>, iterated sorted). */
export type CrushLocation = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

function locEntries(loc: CrushLocation): [string, string][] {
  const e = loc instanceof Map ? [...loc.entries()] : Object.entries(loc);
  return e.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
function locGet(loc: CrushLocation, k: string): string | undefined {
  return loc instanceof Map ? loc.get(k) : (loc as Record<string, string>)[k];
}

export function isValidCrushLoc(loc: CrushLocation): boolean {
  return locEntries(loc).every(([k, v]) => isValidCrushName(k) && isValidCrushName(v));
}

/** parse_loc_map: ["host=a", "root=default"] -> location; -EINVAL on a malformed entry. */
export function parseLocMap(args: readonly string[]): Map<string, string> | number {
  const m = new Map<string, string>();
  for (const a of args) {
    const pos = a.indexOf('=');
    if (pos < 0) return -Errno.EINVAL;
    const v = a.slice(pos + 1);
    if (!v.length) return -Errno.EINVAL;
    m.set(a.slice(0, pos), v);
  }
  return m;
}

/**
 * check_item_loc: is `item` directly inside the bucket named for the lowest type given in `loc`?
 * Returns the item's weight there (int 16.16), or undefined if not.
 */
export function checkItemLoc(cw: CrushWrapper, item: number, loc: CrushLocation): number | undefined {
  for (const [t, tname] of sortedEntries(cw.typeMap)) {
    if (t === 0) continue;
    const q = locGet(loc, tname);
    if (q === undefined) continue;
    if (!cw.nameExists(q)) return undefined;
    const id = cw.getItemId(q);
    if (id >= 0) return undefined;
    const b = cw.getBucket(id);
    if (!b) return undefined;
    const j = b.items.indexOf(item);
    return j >= 0 ? bucketItemWeight(b, j) : undefined;
  }
  return undefined;
}

/** adjust_item_weight_in_bucket: set `id`'s weight inside bucket `bucketId` and propagate upward. */
export function adjustItemWeightInBucket(cw: CrushWrapper, id: number, weight: number, bucketId: number, updateWeightSets: boolean, depth = 0): number {
  const b = cw.getBucket(bucketId);
  if (!b) return -Errno.ENOENT;
  let changed = 0;
  for (let i = 0; i < b.items.length; i++) {
    if (b.items[i] !== id) continue;
    cw.bucketAdjustItemWeight(b, id, weight, updateWeightSets);
    if (depth < 256) adjustItemWeight(cw, bucketId, b.weight | 0, false, depth + 1);
    changed++;
  }
  propagateWeightSets(cw, bucketId);
  return changed ? changed : -Errno.ENOENT;
}

/** adjust_item_weight: set `id`'s weight (int 16.16) in every bucket holding it. */
export function adjustItemWeight(cw: CrushWrapper, id: number, weight: number, updateWeightSets = true, depth = 0): number {
  let changed = 0;
  for (let bidx = 0; bidx < cw.buckets.length; bidx++) {
    if (!cw.buckets[bidx]) continue;
    if (adjustItemWeightInBucket(cw, id, weight, -1 - bidx, updateWeightSets, depth) > 0) changed++;
  }
  return changed ? changed : -Errno.ENOENT;
}

/** adjust_item_weightf: the float-weight form (weight in units of 1.0 = 0x10000). */
export function adjustItemWeightf(cw: CrushWrapper, id: number, weight: number, updateWeightSets = true): number {
  const r = validateWeightf(weight);
  return r < 0 ? r : adjustItemWeight(cw, id, weightToFixed(weight), updateWeightSets);
}

/** adjust_item_weight_in_loc: set `id`'s weight in the buckets named by `loc`. */
export function adjustItemWeightInLoc(cw: CrushWrapper, id: number, weight: number, loc: CrushLocation, updateWeightSets = true): number {
  let changed = 0;
  for (const [, name] of locEntries(loc)) {
    const bid = cw.getItemId(name);
    if (!cw.bucketExists(bid)) continue;
    if (adjustItemWeightInBucket(cw, id, weight, bid, updateWeightSets) > 0) changed++;
  }
  return changed ? changed : -Errno.ENOENT;
}

/** adjust_subtree_weight: set every device below bucket `id` to `weight` (int 16.16). */
export function adjustSubtreeWeight(cw: CrushWrapper, id: number, weight: number, updateWeightSets = true): number {
  const root = cw.getBucket(id);
  if (!root) return -Errno.ENOENT;
  let changed = 0;
  const q = [root];
  let guard = 0;
  while (q.length && guard++ <= cw.buckets.length * 4 + 4) {
    const b = q.shift()!;
    for (const n of [...b.items]) {
      if (n >= 0) {
        adjustItemWeightInBucket(cw, n, weight, b.id, updateWeightSets);
        changed++;
      } else {
        const sub = cw.getBucket(n);
        if (sub) q.push(sub);
      }
    }
  }
  const r = rebuildRootsWithClasses(cw);
  return r < 0 ? r : changed;
}

/** adjust_subtree_weightf: the float-weight form of adjust_subtree_weight (1.0 = 0x10000). */
export function adjustSubtreeWeightf(cw: CrushWrapper, id: number, weight: number, updateWeightSets = true): number {
  const r = validateWeightf(weight);
  return r < 0 ? r : adjustSubtreeWeight(cw, id, weightToFixed(weight), updateWeightSets);
}

/**
 * insert_item: add `item` (weight as a float, 1.0 = 0x10000) named `name` at `loc`, creating the
 * missing buckets from the most specific existing one down. Returns 0 or a negative errno.
 */
export function insertItem(cw: CrushWrapper, item: number, weight: number, name: string, loc: CrushLocation, initWeightSets = true): number {
  if (!isValidCrushName(name) || !isValidCrushLoc(loc)) return -Errno.EINVAL;
  const vr = validateWeightf(weight);
  if (vr < 0) return vr;
  if (cw.nameExists(name)) {
    if (cw.getItemId(name) !== item) return -Errno.EEXIST;
  } else {
    cw.setItemName(item, name);
  }
  let cur = item;
  for (const [t, tname] of sortedEntries(cw.typeMap)) {
    if (t === 0) continue;
    const q = locGet(loc, tname);
    if (q === undefined) continue;
    if (!cw.nameExists(q)) {
      const nb = cw.addBucket(0, 0, CRUSH_HASH_DEFAULT, t, [cur], [0]);
      if (nb.r < 0) return nb.r;
      cw.setItemName(nb.id, q);
      cur = nb.id;
      continue;
    }
    const id = cw.getItemId(q);
    const b = cw.getBucket(id);
    if (!b) return -Errno.EINVAL;
    // Refuse cycles: cur already below the target, or the target below cur.
    if (cw.subtreeContains(id, cur)) return -Errno.EINVAL;
    if (t !== b.type) return -Errno.EINVAL;
    if (cw.subtreeContains(cur, b.id)) return -ELOOP;
    cw.bucketAddItem(b, cur, 0);
    break;
  }
  if (adjustItemWeightInLoc(cw, item, weightToFixed(weight), loc, item >= 0 && initWeightSets) > 0) {
    if (item >= cw.maxDevices) cw.maxDevices = item + 1;
    const r = rebuildRootsWithClasses(cw);
    return r < 0 ? r : 0;
  }
  return -Errno.EINVAL;
}

/** detach_bucket: unlink bucket `item` from its (non-shadow) parent; returns its weight. */
export function detachBucket(cw: CrushWrapper, item: number): number {
  if (item >= 0) return -Errno.EINVAL;
  const b = cw.getBucket(item);
  if (!b) return -Errno.ENOENT;
  const weight = b.weight | 0;
  const pid = cw.getImmediateParentId(item);
  const parent = pid === undefined ? null : cw.getBucket(pid);
  if (parent) {
    adjustItemWeightInBucket(cw, item, 0, parent.id, true);
    cw.bucketRemoveItem(parent, item);
  }
  return weight;
}

/** move_bucket: detach bucket `id` and insert it at `loc`. */
export function moveBucket(cw: CrushWrapper, id: number, loc: CrushLocation): number {
  if (id >= 0) return -Errno.EINVAL;
  const name = cw.getItemName(id);
  if (name === undefined) return -Errno.ENOENT;
  const w = detachBucket(cw, id);
  return insertItem(cw, id, fixedToWeight(w), name, loc, false);
}

/** link_bucket: add another link to bucket `id` at `loc`, keeping the existing ones. */
export function linkBucket(cw: CrushWrapper, id: number, loc: CrushLocation): number {
  if (id >= 0) return -Errno.EINVAL;
  const name = cw.getItemName(id);
  if (name === undefined) return -Errno.ENOENT;
  const b = cw.getBucket(id);
  if (!b) return -Errno.ENOENT;
  return insertItem(cw, id, fixedToWeight(b.weight | 0), name, loc);
}

/** _bucket_is_in_use: a shadow bucket, or taken by a rule (directly or through its shadows). */
function bucketIsInUse(cw: CrushWrapper, item: number): boolean {
  for (const m of cw.classBucket.values()) for (const v of m.values()) if (v === item) return true;
  for (const r of cw.rules) {
    if (!r) continue;
    for (const s of r.steps) {
      if (s.op !== CRUSH_RULE_TAKE) continue;
      const sp = splitIdClass(cw, s.arg1);
      if (typeof sp === 'number') return false;
      if (s.arg1 === item || sp.id === item) return true;
    }
  }
  return false;
}

/** _maybe_remove_last_instance: after an unlink, drop the bucket/name if no link remains. */
function maybeRemoveLastInstance(cw: CrushWrapper, item: number, unlinkOnly: boolean): boolean {
  if (cw.searchItemExists(item)) return false;
  if (item < 0 && bucketIsInUse(cw, item)) return false;
  if (item < 0 && !unlinkOnly && cw.bucketExists(item)) {
    cw.removeBucketSlot(item);
    cw.classBucket.delete(item);
    cw.classMap.delete(item);
    updateChooseArgs(cw);
  }
  if ((item >= 0 || !unlinkOnly) && cw.nameMap.has(item)) {
    cw.nameMap.delete(item);
    if (item >= 0 && !unlinkOnly) cw.classMap.delete(item);
  }
  rebuildRootsWithClasses(cw);
  return true;
}

/**
 * remove_item: unlink every instance of `item`; unless unlinkOnly, also delete the (empty, unused)
 * bucket or the device's name and class. Returns 0, -ENOENT, -ENOTEMPTY or -EBUSY.
 */
export function removeItem(cw: CrushWrapper, item: number, unlinkOnly: boolean): number {
  let ret = -Errno.ENOENT;
  if (item < 0 && !unlinkOnly) {
    const t = cw.getBucket(item);
    if (!t) return -Errno.ENOENT;
    if (t.items.length) return -Errno.ENOTEMPTY;
    if (bucketIsInUse(cw, item)) return -Errno.EBUSY;
  }
  for (const b of cw.buckets) {
    if (!b) continue;
    for (let i = 0; i < b.items.length; i++) {
      if (b.items[i] !== item) continue;
      adjustItemWeightInBucket(cw, item, 0, b.id, true);
      cw.bucketRemoveItem(b, item);
      ret = 0;
    }
  }
  if (maybeRemoveLastInstance(cw, item, unlinkOnly)) ret = 0;
  return ret;
}

function removeItemUnderInner(cw: CrushWrapper, item: number, ancestor: number, unlinkOnly: boolean, depth: number): number {
  if (ancestor >= 0) return -Errno.EINVAL;
  const b = cw.getBucket(ancestor);
  if (!b) return -Errno.EINVAL;
  let ret = -Errno.ENOENT;
  for (let i = 0; i < b.items.length; i++) {
    const id = b.items[i];
    if (id === item) {
      adjustItemWeightInBucket(cw, item, 0, b.id, true);
      cw.bucketRemoveItem(b, item);
      ret = 0;
    } else if (id < 0 && depth < 256) {
      if (removeItemUnder(cw, item, id, unlinkOnly, depth + 1) === 0) ret = 0;
    }
  }
  return ret;
}

/** remove_item_under: like remove_item, but only below `ancestor`. */
export function removeItemUnder(cw: CrushWrapper, item: number, ancestor: number, unlinkOnly: boolean, depth = 0): number {
  if (!unlinkOnly && bucketIsInUse(cw, item)) return -Errno.EBUSY;
  let ret = removeItemUnderInner(cw, item, ancestor, unlinkOnly, depth);
  if (ret < 0) return ret;
  if (item < 0 && !unlinkOnly) {
    const t = cw.getBucket(item);
    if (!t) return -Errno.ENOENT;
    if (t.items.length) return -Errno.ENOTEMPTY;
  }
  if (maybeRemoveLastInstance(cw, item, unlinkOnly)) ret = 0;
  return ret;
}

/** create_or_move_item: put `item` at `loc`, keeping its current weight if it already exists. 1 = moved. */
export function createOrMoveItem(cw: CrushWrapper, item: number, weight: number, name: string, loc: CrushLocation, initWeightSets = true): number {
  if (!isValidCrushName(name)) return -Errno.EINVAL;
  if (checkItemLoc(cw, item, loc) !== undefined) return 0;
  if (cw.searchItemExists(item)) {
    weight = fixedToWeight(cw.getItemWeight(item));
    removeItem(cw, item, true);
  }
  const r = insertItem(cw, item, weight, name, loc, item >= 0 && initWeightSets);
  return r === 0 ? 1 : r;
}

/** update_item: put `item` at `loc` with `weight`, moving/reweighting/renaming as needed. 1 = changed. */
export function updateItem(cw: CrushWrapper, item: number, weight: number, name: string, loc: CrushLocation): number {
  if (!isValidCrushName(name) || !isValidCrushLoc(loc)) return -Errno.EINVAL;
  const vr = validateWeightf(weight);
  if (vr < 0) return vr;
  const iweight = weightToFixed(weight);
  const old = checkItemLoc(cw, item, loc);
  let ret = 0;
  if (old !== undefined) {
    if (old !== iweight) {
      adjustItemWeightInLoc(cw, item, iweight, loc);
      const r = rebuildRootsWithClasses(cw);
      if (r < 0) return r;
      ret = 1;
    }
    if (cw.getItemName(item) !== name) {
      cw.setItemName(item, name);
      ret = 1;
    }
    return ret;
  }
  if (cw.itemExists(item)) removeItem(cw, item, true);
  const r = insertItem(cw, item, weight, name, loc);
  return r === 0 ? 1 : r;
}

/** reweight: recompute every non-shadow tree's weights from its devices (and its weight sets). */
export function reweight(cw: CrushWrapper): number {
  for (const id of cw.findNonshadowRoots()) {
    const b = cw.getBucket(id);
    if (!b) continue;
    reweightBucket(cw.tunables.strawCalcVersion, (i) => cw.getBucket(i), b);
    for (const cmap of cw.chooseArgs.values()) reweightBucketChooseArgs(cw, b, cmap);
  }
  return rebuildRootsWithClasses(cw);
}

/** can_rename_item / rename_item */
export function renameItem(cw: CrushWrapper, src: string, dst: string, ss: string[] = [], bucketOnly = false): number {
  if (!cw.nameExists(src)) {
    if (cw.nameExists(dst)) {
      ss.push(`srcname = '${src}' does not exist and dstname = '${dst}' already exists`);
      return -Errno.EALREADY;
    }
    ss.push(`srcname = '${src}' does not exist`);
    return -Errno.ENOENT;
  }
  if (cw.nameExists(dst)) {
    ss.push(`dstname = '${dst}' already exists`);
    return -Errno.EEXIST;
  }
  if (!isValidCrushName(dst)) {
    ss.push(`dstname = '${dst}' does not match [-_.0-9a-zA-Z]+`);
    return -Errno.EINVAL;
  }
  const id = cw.getItemId(src);
  if (bucketOnly && id >= 0) {
    ss.push(`srcname = '${src}' is not a bucket because its id = ${id} is >= 0`);
    return -Errno.ENOTDIR;
  }
  return cw.setItemName(id, dst);
}

/** rename_bucket: rename_item restricted to buckets. */
export function renameBucket(cw: CrushWrapper, src: string, dst: string, ss: string[] = []): number {
  return renameItem(cw, src, dst, ss, true);
}
