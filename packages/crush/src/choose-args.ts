/**
 * choose_args bookkeeping of CrushWrapper (weight sets used by the balancer): keeping every
 * crush_choose_arg_map in step with bucket edits, update_choose_args after decode, create/rm, and the
 * weight-set adjustments that preserve hierarchical sums. Behaviour (including Ceph's quirks, such as
 * weight sets created for non-straw2 buckets by add_bucket) follows CrushWrapper.{h,cc}.
 */
import { bucketItemWeight } from './builder';
import { CRUSH_BUCKET_STRAW2, CrushBucket, CrushChooseArg, CrushChooseArgMap, emptyChooseArg } from './types';
import type { CrushWrapper } from './wrapper';

const u32 = (v: number): number => v >>> 0;

/** Grow an arg map to `size` slots with empty args. */
function growArgs(cmap: CrushChooseArgMap, size: number): void {
  while (cmap.length < size) cmap.push(emptyChooseArg());
}

/** get_choose_args_positions: the positions of the first bucket that has a weight set, else 1. */
export function chooseArgsPositions(cmap: CrushChooseArgMap): number {
  for (const a of cmap) if (a.weightSet.length) return a.weightSet.length;
  return 1;
}

/** The choose_args part of CrushWrapper::add_bucket: a weight set per position, seeded with `weights`. */
export function addBucketChooseArgs(cw: CrushWrapper, pos: number, size: number, weights: readonly number[]): void {
  for (const cmap of cw.chooseArgs.values()) {
    growArgs(cmap, cw.buckets.length);
    if (size > 0) {
      const positions = chooseArgsPositions(cmap);
      const carg = cmap[pos];
      carg.weightSet = [];
      for (let p = 0; p < positions; p++) carg.weightSet.push(weights.slice(0, size).map(u32));
    }
  }
}

function argOf(cmap: CrushChooseArgMap, bucketId: number): CrushChooseArg | undefined {
  return cmap[-1 - bucketId];
}

/** The choose_args part of CrushWrapper::bucket_add_item. */
export function bucketAddItemChooseArgs(cw: CrushWrapper, b: CrushBucket, item: number, weight: number): void {
  for (const cmap of cw.chooseArgs.values()) {
    const arg = argOf(cmap, b.id);
    if (!arg) continue;
    for (const ws of arg.weightSet) ws.push(u32(weight));
    if (arg.ids.length) arg.ids.push(item);
  }
}

/** The choose_args part of CrushWrapper::bucket_remove_item (position = the item's old index). */
export function bucketRemoveItemChooseArgs(cw: CrushWrapper, b: CrushBucket, position: number): void {
  for (const cmap of cw.chooseArgs.values()) {
    const arg = argOf(cmap, b.id);
    if (!arg) continue;
    for (const ws of arg.weightSet) ws.splice(position, 1);
    if (arg.ids.length) arg.ids.splice(position, 1);
  }
}

/** The choose_args part of CrushWrapper::bucket_adjust_item_weight (adjust_weight_sets = true). */
export function bucketAdjustItemWeightChooseArgs(cw: CrushWrapper, b: CrushBucket, item: number, weight: number): void {
  const position = b.items.indexOf(item);
  if (position < 0) return;
  for (const cmap of cw.chooseArgs.values()) {
    const arg = argOf(cmap, b.id);
    if (!arg) continue;
    for (const ws of arg.weightSet) ws[position] = u32(weight);
  }
}

/**
 * update_choose_args: drop args of buckets that are gone or not straw2, and resize weight sets whose
 * size disagrees with their bucket (Ceph does this after every decode, for maps damaged by old bugs).
 */
export function updateChooseArgs(cw: CrushWrapper): void {
  for (const cmap of cw.chooseArgs.values()) {
    growArgs(cmap, cw.buckets.length);
    const positions = chooseArgsPositions(cmap);
    for (let j = 0; j < cw.buckets.length; j++) {
      const b = cw.buckets[j];
      const carg = cmap[j];
      if (!b || b.alg !== CRUSH_BUCKET_STRAW2) {
        carg.ids = [];
        carg.weightSet = [];
        continue;
      }
      if (carg.weightSet.length === 0 || carg.weightSet.length !== positions) continue;
      carg.weightSet = carg.weightSet.map((ws) => {
        if (ws.length === b.items.length) return ws;
        const fixed = new Array<number>(b.items.length).fill(0);
        for (let k = 0; k < Math.min(ws.length, b.items.length); k++) fixed[k] = ws[k];
        return fixed;
      });
    }
  }
}

/** create_choose_args: weight sets for every straw2 bucket seeded with canonical weights. */
export function createChooseArgs(cw: CrushWrapper, id: number, positions: number): boolean {
  if (cw.chooseArgs.has(id) || positions <= 0) return false;
  const cmap: CrushChooseArgMap = [];
  for (const b of cw.buckets) {
    const carg = emptyChooseArg();
    if (b && b.alg === CRUSH_BUCKET_STRAW2) {
      for (let p = 0; p < positions; p++) carg.weightSet.push(b.itemWeights.slice());
    }
    cmap.push(carg);
  }
  cw.chooseArgs.set(id, cmap);
  return true;
}

/** _choose_args_adjust_item_weight_in_bucket */
function adjustInBucket(cw: CrushWrapper, cmap: CrushChooseArgMap, bucketId: number, id: number, weight: readonly number[], ss?: string[]): number {
  let changed = 0;
  const bidx = -1 - bucketId;
  const b = cw.buckets[bidx]!;
  if (bidx >= cmap.length) {
    ss?.push(`no weight-set for bucket ${b.id}`);
    return 0;
  }
  const carg = cmap[bidx];
  if (carg.weightSet.length === 0) {
    // Create a weight set for this bucket, populated with the bucket's weights.
    const positions = chooseArgsPositions(cmap);
    for (let p = 0; p < positions; p++) carg.weightSet.push(b.items.map((_, i) => u32(bucketItemWeight(b, i))));
    changed++;
  }
  if (carg.weightSet.length !== weight.length) {
    ss?.push(`weight_set_positions != ${weight.length} for bucket ${b.id}`);
    return 0;
  }
  for (let i = 0; i < b.items.length; i++) {
    if (b.items[i] === id) {
      for (let j = 0; j < weight.length; j++) carg.weightSet[j][i] = u32(weight[j]);
      changed++;
    }
  }
  if (changed) {
    const bucketWeight = new Array<number>(weight.length).fill(0);
    for (let i = 0; i < b.items.length; i++) {
      for (let j = 0; j < weight.length; j++) bucketWeight[j] = (bucketWeight[j] + carg.weightSet[j][i]) | 0;
    }
    chooseArgsAdjustItemWeight(cw, cmap, b.id, bucketWeight);
  }
  return changed;
}

/**
 * choose_args_adjust_item_weight: set `id`'s weight-set weights (one per position) wherever it
 * appears and propagate the sums to its ancestors. Returns the number of changes or -ENOENT.
 */
export function chooseArgsAdjustItemWeight(cw: CrushWrapper, cmap: CrushChooseArgMap, id: number, weight: readonly number[], ss?: string[]): number {
  let changed = 0;
  for (const b of cw.buckets) {
    if (!b) continue;
    changed += adjustInBucket(cw, cmap, b.id, id, weight, ss);
  }
  if (!changed) {
    ss?.push(`item ${id} not found in crush map`);
    return -2;
  }
  return changed;
}

/**
 * CrushWrapper::reweight_bucket for one choose_args map: recompute weight-set sums bottom-up.
 * Like Ceph it reads and writes the first position's weights for every position.
 */
export function reweightBucketChooseArgs(cw: CrushWrapper, b: CrushBucket, cmap: CrushChooseArgMap): number[] {
  const idx = -1 - b.id;
  const arg = cmap[idx] ?? emptyChooseArg();
  const npos = arg.weightSet.length;
  const weightv = new Array<number>(npos).fill(0);
  for (let i = 0; i < b.items.length; i++) {
    const item = b.items[i];
    if (item >= 0) {
      for (let pos = 0; pos < npos; pos++) weightv[pos] = u32(weightv[pos] + arg.weightSet[0][i]);
    } else {
      const sub = cw.getBucket(item);
      if (!sub) continue;
      const subw = reweightBucketChooseArgs(cw, sub, cmap);
      for (let pos = 0; pos < npos; pos++) {
        weightv[pos] = u32(weightv[pos] + (subw[pos] ?? 0));
        arg.weightSet[0][i] = subw[pos] ?? 0;
      }
    }
  }
  return weightv;
}

/** The weight-set propagation done at the end of CrushWrapper::adjust_item_weight_in_bucket. */
export function propagateWeightSets(cw: CrushWrapper, bucketId: number): void {
  const b = cw.getBucket(bucketId);
  if (!b) return;
  for (const cmap of cw.chooseArgs.values()) {
    const arg = cmap[-1 - bucketId];
    if (!arg || arg.weightSet.length === 0) continue;
    const w = new Array<number>(arg.weightSet.length).fill(0);
    for (let i = 0; i < b.items.length; i++) {
      for (let j = 0; j < arg.weightSet.length; j++) w[j] = (w[j] + (arg.weightSet[j][i] ?? 0)) | 0;
    }
    chooseArgsAdjustItemWeight(cw, cmap, bucketId, w, []);
  }
}

/** choose_args_adjust_item_weightf: weights as doubles, converted with (int)(w * (double)0x10000). */
export function chooseArgsAdjustItemWeightf(cw: CrushWrapper, cmap: CrushChooseArgMap, id: number, weightf: readonly number[], ss?: string[]): number {
  return chooseArgsAdjustItemWeight(cw, cmap, id, weightf.map((w) => Math.trunc(w * 0x10000) | 0), ss);
}
