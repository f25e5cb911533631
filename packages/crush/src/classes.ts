/**
 * Device classes and their shadow trees (CrushWrapper.cc: device_class_clone, populate_classes,
 * trim_roots_with_class, rebuild_roots_with_classes, update_device_class, ...). For every root and
 * every class, a shadow copy of the hierarchy named "<bucket>~<class>" holds only that class's
 * devices; rules with "step take X class C" take the shadow root. Shadow bucket ids are kept stable
 * across rebuilds through the previous class_bucket table, exactly as Ceph does, because those ids
 * appear in compiled rules.
 */
import { Errno } from '@ts-ceph/common/core';
import { bucketAddItem, bucketItemWeight, makeBucket } from './builder';
import { updateChooseArgs } from './choose-args';
import { crushLimits } from './limits';
import { CRUSH_RULE_TAKE, emptyChooseArg } from './types';
import { CrushWrapper, isValidCrushName, sortedEntries } from './wrapper';

const ECHILD = 10;
const ELOOP = 40;

export function getClassId(cw: CrushWrapper, name: string): number {
  for (const [id, n] of cw.className) if (n === name) return id;
  return -Errno.EINVAL;
}

export function classExists(cw: CrushWrapper, name: string): boolean {
  return getClassId(cw, name) >= 0;
}

/** _alloc_class_id: one past the highest class id (searching upward from 0 if that wrapped). */
export function allocClassId(cw: CrushWrapper): number {
  if (cw.className.size === 0) return 0;
  const next = Math.max(...cw.className.keys()) + 1;
  if (next <= 0x7fffffff) return next;
  for (let id = 0; id <= 0x7fffffff; id++) if (!cw.className.has(id)) return id;
  throw new RangeError('no available class id');
}

export function getOrCreateClassId(cw: CrushWrapper, name: string): number {
  const c = getClassId(cw, name);
  if (c >= 0) return c;
  const id = allocClassId(cw);
  cw.className.set(id, name);
  return id;
}

/** The class name of item `id`, or undefined. */
export function getItemClass(cw: CrushWrapper, id: number): string | undefined {
  const c = cw.classMap.get(id);
  return c === undefined ? undefined : cw.className.get(c);
}

/** set_item_class(id, name): -EINVAL for an invalid class name. */
export function setItemClass(cw: CrushWrapper, id: number, name: string): number {
  if (!isValidCrushName(name)) return -Errno.EINVAL;
  cw.classMap.set(id, getOrCreateClassId(cw, name));
  return 0;
}

/** Devices (ids >= 0) of class `name`, ascending. */
export function getDevicesByClass(cw: CrushWrapper, name: string): number[] {
  const cid = getClassId(cw, name);
  if (cid < 0) return [];
  return sortedEntries(cw.classMap)
    .filter(([id, c]) => id >= 0 && c === cid)
    .map(([id]) => id);
}

/**
 * split_id_class: for a shadow bucket "<name>~<class>", the original bucket id and class id;
 * for anything else, the id itself and class -1. -EINVAL if `i` has no name, -ENOENT if the
 * original or the class is unknown.
 */
export function splitIdClass(cw: CrushWrapper, i: number): { id: number; classId: number } | number {
  const name = cw.getItemName(i);
  if (name === undefined) return -Errno.EINVAL;
  const pos = name.indexOf('~');
  if (pos < 0) return { id: i, classId: -1 };
  const base = name.slice(0, pos);
  if (!cw.nameExists(base)) return -Errno.ENOENT;
  const cid = getClassId(cw, name.slice(pos + 1));
  if (cid < 0) return -Errno.ENOENT;
  return { id: cw.getItemId(base), classId: cid };
}

/** Roots taken by rules that point at a shadow bucket of `classId`. */
function classTakenByRule(cw: CrushWrapper, classId: number): boolean {
  for (const r of cw.rules) {
    if (!r) continue;
    for (const s of r.steps) {
      if (s.op !== CRUSH_RULE_TAKE) continue;
      for (const m of cw.classBucket.values()) if (m.get(classId) === s.arg1) return true;
    }
  }
  return false;
}

/** class_is_in_use: rule names referencing a shadow root of the class (empty if none). */
export function classIsInUse(cw: CrushWrapper, classId: number): string[] {
  const names: string[] = [];
  cw.rules.forEach((r, i) => {
    if (!r) return;
    for (const s of r.steps) {
      if (s.op !== CRUSH_RULE_TAKE) continue;
      for (const m of cw.classBucket.values()) if (m.get(classId) === s.arg1) names.push(cw.getRuleName(i) ?? '');
    }
  });
  return names;
}

function classIsDead(cw: CrushWrapper, classId: number): boolean {
  for (const [id, c] of cw.classMap) if (id >= 0 && c === classId) return false;
  return !classTakenByRule(cw, classId);
}

/** cleanup_dead_classes: forget classes that no device has and no rule takes. */
export function cleanupDeadClasses(cw: CrushWrapper): void {
  for (const [id] of sortedEntries(cw.className)) if (classIsDead(cw, id)) cw.className.delete(id);
}

/** remove_root: remove a (shadow) subtree bottom-up; missing buckets are fine (idempotent). */
export function removeRoot(cw: CrushWrapper, item: number, depth = 0): number {
  const b = cw.getBucket(item);
  if (!b) return 0;
  if (depth > crushLimits.hierarchyDepthMax) return -ELOOP;
  for (const child of b.items) {
    if (child >= 0) continue;
    const r = removeRoot(cw, child, depth + 1);
    if (r < 0) return r;
  }
  cw.removeBucketSlot(item);
  cw.nameMap.delete(item);
  cw.classBucket.delete(item);
  cw.classMap.delete(item);
  updateChooseArgs(cw);
  return 0;
}

/** trim_roots_with_class: remove every shadow tree. */
export function trimRootsWithClass(cw: CrushWrapper): number {
  for (const r of cw.findShadowRoots()) {
    if (r >= 0) continue;
    const res = removeRoot(cw, r);
    if (res) return res;
  }
  return 0;
}

type ItemWeights = Map<number, Map<number, number[]>>;

/** device_class_clone: the shadow copy of `original` for `deviceClass`, created if missing. */
function deviceClassClone(
  cw: CrushWrapper,
  original: number,
  deviceClass: number,
  oldClassBucket: ReadonlyMap<number, ReadonlyMap<number, number>>,
  usedIds: ReadonlySet<number>,
  cmapItemWeight: ItemWeights,
  depth: number,
): number | { clone: number } {
  const itemName = cw.getItemName(original);
  if (itemName === undefined) return -ECHILD;
  const className = cw.className.get(deviceClass);
  if (className === undefined) return -Errno.EBADF;
  const copyName = `${itemName}~${className}`;
  if (cw.nameExists(copyName)) return { clone: cw.getItemId(copyName) };
  if (depth > crushLimits.hierarchyDepthMax) return -ELOOP;
  const orig = cw.getBucket(original);
  if (!orig) return -Errno.ENOENT;
  const copy = makeBucket(cw.tunables.strawCalcVersion, orig.alg, orig.hash, orig.type, [], [])!;
  const itemOrigPos: number[] = [];
  for (let i = 0; i < orig.items.length; i++) {
    const item = orig.items[i];
    if (item >= 0) {
      if (cw.classMap.get(item) !== deviceClass) continue;
      const res = bucketAddItem(cw.tunables.strawCalcVersion, copy, item, bucketItemWeight(orig, i));
      if (res) return res;
    } else {
      const sub = deviceClassClone(cw, item, deviceClass, oldClassBucket, usedIds, cmapItemWeight, depth + 1);
      if (typeof sub === 'number') return sub;
      const childCopy = cw.getBucket(sub.clone);
      if (!childCopy) return -Errno.ENOENT;
      const res = bucketAddItem(cw.tunables.strawCalcVersion, copy, sub.clone, childCopy.weight);
      if (res) return res;
    }
    itemOrigPos.push(i);
  }
  let bno = oldClassBucket.get(original)?.get(deviceClass);
  if (bno === undefined) {
    // A new shadow id unused by the current map and by any previous shadow bucket.
    bno = -1;
    while ((-1 - bno < cw.buckets.length && cw.buckets[-1 - bno]) || usedIds.has(bno)) bno--;
  }
  const res = cw.insertBucket(bno, copy);
  if (res < 0) return res;
  const clone = copy.id;
  cw.classMap.set(clone, deviceClass);
  // Set directly: the name is deliberately not a valid crush name.
  cw.nameMap.set(clone, copyName);
  let m = cw.classBucket.get(original);
  if (!m) cw.classBucket.set(original, (m = new Map()));
  m.set(deviceClass, clone);

  for (const [index, cmap] of cw.chooseArgs) {
    while (cmap.length < cw.buckets.length) cmap.push(emptyChooseArg());
    const o = cmap[-1 - original];
    const n = cmap[-1 - bno];
    n.ids = [];
    n.weightSet = o.weightSet.map(() => new Array<number>(copy.items.length).fill(0));
    let perIndex = cmapItemWeight.get(index);
    if (!perIndex) cmapItemWeight.set(index, (perIndex = new Map()));
    for (let s = 0; s < n.weightSet.length; s++) {
      // As in Ceph, only position s of this vector is filled on iteration s, and the last one is kept.
      const bucketWeights = new Array<number>(n.weightSet.length).fill(0);
      for (let i = 0; i < copy.items.length; i++) {
        const item = copy.items[i];
        let wv = 0;
        if (item >= 0) wv = o.weightSet[s][itemOrigPos[i]] ?? 0;
        else wv = perIndex.get(item)?.[s] ?? 0;
        n.weightSet[s][i] = wv >>> 0;
        bucketWeights[s] = (bucketWeights[s] + n.weightSet[s][i]) | 0;
      }
      perIndex.set(bno, bucketWeights);
    }
  }
  return { clone };
}

/** populate_classes: build the shadow trees of every non-shadow root for every class. */
export function populateClasses(cw: CrushWrapper, oldClassBucket: ReadonlyMap<number, ReadonlyMap<number, number>>): number {
  const usedIds = new Set<number>();
  for (const m of oldClassBucket.values()) for (const v of m.values()) usedIds.add(v);
  const cmapItemWeight: ItemWeights = new Map();
  for (const r of cw.findNonshadowRoots()) {
    for (const [c] of sortedEntries(cw.className)) {
      const res = deviceClassClone(cw, r, c, oldClassBucket, usedIds, cmapItemWeight, 0);
      if (typeof res === 'number') return res;
    }
  }
  return 0;
}

/** rebuild_roots_with_classes: drop dead classes and every shadow tree, then rebuild them. */
export function rebuildRootsWithClasses(cw: CrushWrapper): number {
  const old = new Map<number, Map<number, number>>();
  for (const [k, m] of cw.classBucket) old.set(k, new Map(m));
  cleanupDeadClasses(cw);
  const r = trimRootsWithClass(cw);
  if (r < 0) return r;
  cw.classBucket.clear();
  return populateClasses(cw, old);
}

/**
 * update_device_class: bind device `id` to class `className` and rebuild the shadow trees.
 * Returns 1 if changed, 0 if already so, or a negative errno (with a message in `ss`).
 */
export function updateDeviceClass(cw: CrushWrapper, id: number, className: string, name: string, ss: string[] = []): number {
  if (!cw.itemExists(id)) {
    ss.push(`item ${id} does not exist`);
    return -Errno.ENOENT;
  }
  const old = getItemClass(cw, id);
  if (old !== undefined && old !== className) {
    ss.push(
      `osd.${id} has already bound to class '${old}', can not reset class to '${className}'; use 'ceph osd crush rm-device-class <id>' to remove old class first`,
    );
    return -Errno.EBUSY;
  }
  const classId = getOrCreateClassId(cw, className);
  if (id < 0) {
    ss.push(`${name} id ${id} is negative`);
    return -Errno.EINVAL;
  }
  if (cw.classMap.get(id) === classId) {
    ss.push(`${name} already set to class ${className}. `);
    return 0;
  }
  cw.classMap.set(id, classId);
  const r = rebuildRootsWithClasses(cw);
  return r < 0 ? r : 1;
}

/** remove_device_class: unbind device `id` from its class and rebuild the shadow trees. */
export function removeDeviceClass(cw: CrushWrapper, id: number, ss: string[] = []): number {
  if (cw.getItemName(id) === undefined) {
    ss.push(`osd.${id} does not have a name`);
    return -Errno.ENOENT;
  }
  const cls = getItemClass(cw, id);
  if (cls === undefined) {
    ss.push(`osd.${id} has not been bound to a specific class yet`);
    return 0;
  }
  cw.classMap.delete(id);
  const r = rebuildRootsWithClasses(cw);
  if (r < 0) ss.push(`unable to rebuild roots with class '${cls}' of osd.${id}: error ${r}`);
  return r < 0 ? r : 0;
}

/** rename_class: rename a class and its shadow buckets. */
export function renameClass(cw: CrushWrapper, src: string, dst: string): number {
  const id = getClassId(cw, src);
  if (id < 0) return -Errno.ENOENT;
  if (getClassId(cw, dst) >= 0) return -Errno.EEXIST;
  for (const [item, c] of cw.classMap) {
    if (item >= 0 || c !== id) continue;
    const old = cw.getItemName(item) ?? '';
    const pos = old.indexOf('~');
    cw.nameMap.set(item, `${old.slice(0, pos)}~${dst}`);
  }
  cw.className.set(id, dst);
  return 0;
}

/** set_subtree_class: bind every device below `subtree` to `className` (no rebuild, as in Ceph). */
export function setSubtreeClass(cw: CrushWrapper, subtree: string, className: string): number {
  if (!cw.nameExists(subtree)) return -Errno.ENOENT;
  const cid = getOrCreateClassId(cw, className);
  const q = [cw.getItemId(subtree)];
  let guard = 0;
  while (q.length) {
    const b = cw.getBucket(q.shift()!);
    if (!b) return -Errno.ENOENT;
    if (++guard > cw.buckets.length + 1) return -ELOOP;
    for (const item of b.items) {
      if (item >= 0) cw.classMap.set(item, cid);
      else q.push(item);
    }
  }
  return 0;
}
