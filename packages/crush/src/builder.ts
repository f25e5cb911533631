/**
 * Building and mutating buckets, after src/crush/builder.c: bucket construction per algorithm,
 * straw length calculation (both straw_calc_version behaviours), item add/remove/reweight, and
 * recursive reweighting. All weights are u32 16.16 and wrap as the C unsigned arithmetic does.
 */
import {
  CRUSH_BUCKET_LIST,
  CRUSH_BUCKET_STRAW,
  CRUSH_BUCKET_STRAW2,
  CRUSH_BUCKET_TREE,
  CRUSH_BUCKET_UNIFORM,
  CrushBucket,
  newBucket,
} from './types';

/** crush_addition_is_unsafe */
export function additionIsUnsafe(a: number, b: number): boolean {
  return 0xffffffff - (b >>> 0) < a >>> 0;
}

/** crush_multiplication_is_unsafe */
export function multiplicationIsUnsafe(a: number, b: number): boolean {
  if (!a) return false;
  if (!b) return true;
  return Math.floor(0xffffffff / (b >>> 0)) < a >>> 0;
}

const u32 = (v: number): number => v >>> 0;

// ---- tree geometry (leaf i is node 2i+1; internal nodes are even) ----

function height(n: number): number {
  let h = 0;
  while ((n & 1) === 0 && h < 31) {
    h++;
    n >>= 1;
  }
  return h;
}
function onRight(n: number, h: number): boolean {
  return (n & (1 << (h + 1))) !== 0;
}
function treeParent(n: number): number {
  const h = height(n);
  return onRight(n, h) ? n - (1 << h) : n + (1 << h);
}
export function calcDepth(size: number): number {
  if (size === 0) return 0;
  let depth = 1;
  let t = size - 1;
  while (t) {
    t >>= 1;
    depth++;
  }
  return depth;
}
/** crush_calc_tree_node */
export function treeNode(i: number): number {
  return ((i + 1) << 1) - 1;
}

/** crush_get_bucket_item_weight (an int in C: weights of 2^31 or more come back negative). */
export function bucketItemWeight(b: CrushBucket, pos: number): number {
  if (pos < 0 || pos >= b.items.length) return 0;
  switch (b.alg) {
    case CRUSH_BUCKET_UNIFORM:
      return b.itemWeight | 0;
    case CRUSH_BUCKET_LIST:
    case CRUSH_BUCKET_STRAW:
    case CRUSH_BUCKET_STRAW2:
      return b.itemWeights[pos] | 0;
    case CRUSH_BUCKET_TREE:
      return (b.nodeWeights[treeNode(pos)] ?? 0) | 0;
    default:
      return 0;
  }
}

// ---- straw ----

/** C's pow() where JS differs: pow(1, y) is 1 for every y (JS gives NaN for infinite y). */
function cpow(b: number, e: number): number {
  return b === 1 ? 1 : Math.pow(b, e);
}

/**
 * crush_calc_straw: straw lengths so that the longest-straw draw picks items in proportion to their
 * weights. Version 0 is the original (flawed) calculation; version 1 fixes the handling of equal
 * weights. Kept bit-for-bit with Ceph since changing a straw changes placements.
 */
export function calcStraw(strawCalcVersion: number, b: CrushBucket): void {
  const size = b.items.length;
  const weights = b.itemWeights;
  // Ascending sort by weight, stable, by insertion as builder.c does.
  const reverse: number[] = [];
  if (size) reverse[0] = 0;
  for (let i = 1; i < size; i++) {
    let j = 0;
    for (; j < i; j++) {
      if (u32(weights[i]) < u32(weights[reverse[j]])) {
        for (let k = i; k > j; k--) reverse[k] = reverse[k - 1];
        reverse[j] = i;
        break;
      }
    }
    if (j === i) reverse[i] = i;
  }
  const straws = new Array<number>(size).fill(0);
  let numleft = size;
  let straw = 1.0;
  let wbelow = 0;
  let lastw = 0;
  let i = 0;
  while (i < size) {
    const wi = u32(weights[reverse[i]]);
    if (wi === 0) {
      // Zero-weight items get zero-length straws.
      straws[reverse[i]] = 0;
      i++;
      if (strawCalcVersion >= 1) numleft--;
      continue;
    }
    straws[reverse[i]] = u32(Math.trunc(straw * 0x10000));
    i++;
    if (i === size) break;
    const wprev = u32(weights[reverse[i - 1]]);
    const wcur = u32(weights[reverse[i]]);
    if (strawCalcVersion === 0) {
      if (wcur === wprev) continue;
      wbelow += (wprev - lastw) * numleft;
      for (let j = i; j < size; j++) {
        if (u32(weights[reverse[j]]) === wcur) numleft--;
        else break;
      }
    } else {
      wbelow += (wprev - lastw) * numleft;
      numleft--;
    }
    // numleft * (u32 difference) is unsigned 32-bit arithmetic in C.
    const wnext = u32(Math.imul(numleft, u32(wcur - wprev)));
    const pbelow = wbelow / (wbelow + wnext);
    straw *= cpow(1.0 / pbelow, 1.0 / numleft);
    lastw = wprev;
  }
  b.straws = straws;
}

// ---- construction ----

/**
 * crush_make_bucket: a bucket of `alg` holding items with weights (u32 16.16). Returns null where
 * builder.c fails (unsafe arithmetic). `strawCalcVersion` is the map's tunable.
 */
export function makeBucket(strawCalcVersion: number, alg: number, hash: number, type: number, items: readonly number[], weights: readonly number[]): CrushBucket | null {
  const size = items.length;
  const b = newBucket(0, alg, hash, type);
  switch (alg) {
    case CRUSH_BUCKET_UNIFORM: {
      const iw = size && weights.length ? u32(weights[0]) : 0;
      if (multiplicationIsUnsafe(size, iw)) return null;
      b.weight = u32(size * iw);
      b.itemWeight = iw;
      b.items = items.slice(0, size);
      return b;
    }
    case CRUSH_BUCKET_LIST: {
      let w = 0;
      for (let i = 0; i < size; i++) {
        b.items.push(items[i]);
        b.itemWeights.push(u32(weights[i]));
        if (additionIsUnsafe(w, weights[i])) return null;
        w = u32(w + u32(weights[i]));
        b.sumWeights.push(w);
      }
      b.weight = w;
      return b;
    }
    case CRUSH_BUCKET_TREE: {
      if (size === 0) return b;
      const depth = calcDepth(size);
      const nodes = 1 << depth;
      b.numNodes = nodes & 0xff;
      b.nodeWeights = new Array<number>(nodes).fill(0);
      for (let i = 0; i < size; i++) {
        b.items.push(items[i]);
        let node = treeNode(i);
        const wi = u32(weights[i]);
        b.nodeWeights[node] = wi;
        if (additionIsUnsafe(b.weight, wi)) return null;
        b.weight = u32(b.weight + wi);
        for (let j = 1; j < depth; j++) {
          node = treeParent(node);
          if (additionIsUnsafe(b.nodeWeights[node], wi)) return null;
          b.nodeWeights[node] = u32(b.nodeWeights[node] + wi);
        }
      }
      return b;
    }
    case CRUSH_BUCKET_STRAW:
    case CRUSH_BUCKET_STRAW2: {
      for (let i = 0; i < size; i++) {
        b.items.push(items[i]);
        b.weight = u32(b.weight + u32(weights[i]));
        b.itemWeights.push(u32(weights[i]));
      }
      if (alg === CRUSH_BUCKET_STRAW) calcStraw(strawCalcVersion, b);
      return b;
    }
    default:
      return null;
  }
}

// ---- adding items ----

/** crush_bucket_add_item: returns 0 or a negative errno (-EINVAL uniform weight, -ERANGE overflow). */
export function bucketAddItem(strawCalcVersion: number, b: CrushBucket, item: number, weight: number): number {
  weight = u32(weight);
  switch (b.alg) {
    case CRUSH_BUCKET_UNIFORM:
      if (b.itemWeight !== weight) return -22;
      b.items.push(item);
      if (additionIsUnsafe(b.weight, weight)) return -34;
      b.weight = u32(b.weight + weight);
      return 0;
    case CRUSH_BUCKET_LIST: {
      const n = b.items.length;
      b.items.push(item);
      b.itemWeights.push(weight);
      if (n > 0) {
        if (additionIsUnsafe(b.sumWeights[n - 1], weight)) return -34;
        b.sumWeights.push(u32(b.sumWeights[n - 1] + weight));
      } else {
        b.sumWeights.push(weight);
      }
      b.weight = u32(b.weight + weight);
      return 0;
    }
    case CRUSH_BUCKET_TREE: {
      const newsize = b.items.length + 1;
      const depth = calcDepth(newsize);
      const nodes = 1 << depth;
      b.numNodes = nodes & 0xff;
      while (b.nodeWeights.length < nodes) b.nodeWeights.push(0);
      let node = treeNode(newsize - 1);
      b.nodeWeights[node] = weight;
      // When the depth grows, the new root starts with the old root's (left subtree's) weight.
      const root = nodes / 2;
      if (depth >= 2 && node - 1 === root) b.nodeWeights[root] = b.nodeWeights[root / 2];
      for (let j = 1; j < depth; j++) {
        node = treeParent(node);
        if (additionIsUnsafe(b.nodeWeights[node], weight)) return -34;
        b.nodeWeights[node] = u32(b.nodeWeights[node] + weight);
      }
      if (additionIsUnsafe(b.weight, weight)) return -34;
      b.items.push(item);
      b.weight = u32(b.weight + weight);
      return 0;
    }
    case CRUSH_BUCKET_STRAW:
    case CRUSH_BUCKET_STRAW2:
      b.items.push(item);
      b.itemWeights.push(weight);
      if (additionIsUnsafe(b.weight, weight)) return -34;
      b.weight = u32(b.weight + weight);
      if (b.alg === CRUSH_BUCKET_STRAW) calcStraw(strawCalcVersion, b);
      return 0;
    default:
      return -1;
  }
}

// ---- removing items ----

/** crush_bucket_remove_item: returns 0 or -ENOENT. */
export function bucketRemoveItem(strawCalcVersion: number, b: CrushBucket, item: number): number {
  const i = b.items.indexOf(item);
  if (i < 0) return -2;
  switch (b.alg) {
    case CRUSH_BUCKET_UNIFORM:
      b.items.splice(i, 1);
      b.weight = b.itemWeight < b.weight ? u32(b.weight - b.itemWeight) : 0;
      return 0;
    case CRUSH_BUCKET_LIST: {
      const w = b.itemWeights[i];
      for (let j = i; j < b.items.length - 1; j++) b.sumWeights[j] = u32(b.sumWeights[j + 1] - w);
      b.items.splice(i, 1);
      b.itemWeights.splice(i, 1);
      b.sumWeights.length = b.items.length;
      b.weight = w < b.weight ? u32(b.weight - w) : 0;
      return 0;
    }
    case CRUSH_BUCKET_TREE: {
      // Tree positions are stable: the slot is zeroed and only trailing empty slots are dropped.
      const depth = calcDepth(b.items.length);
      b.items[i] = 0;
      let node = treeNode(i);
      const w = b.nodeWeights[node];
      b.nodeWeights[node] = 0;
      for (let j = 1; j < depth; j++) {
        node = treeParent(node);
        b.nodeWeights[node] = u32(b.nodeWeights[node] - w);
      }
      b.weight = w < b.weight ? u32(b.weight - w) : 0;
      let newsize = b.items.length;
      while (newsize > 0 && !b.nodeWeights[treeNode(newsize - 1)]) newsize--;
      if (newsize !== b.items.length) {
        if (calcDepth(b.items.length) !== calcDepth(newsize)) {
          const nodes = 1 << calcDepth(newsize);
          b.numNodes = nodes & 0xff;
          b.nodeWeights.length = nodes;
        }
        b.items.length = newsize;
      }
      return 0;
    }
    case CRUSH_BUCKET_STRAW:
    case CRUSH_BUCKET_STRAW2:
      b.weight = b.itemWeights[i] < b.weight ? u32(b.weight - b.itemWeights[i]) : 0;
      b.items.splice(i, 1);
      b.itemWeights.splice(i, 1);
      if (b.alg === CRUSH_BUCKET_STRAW) {
        if (b.items.length === 0) b.straws = [];
        else calcStraw(strawCalcVersion, b);
      }
      return 0;
    default:
      return -1;
  }
}

// ---- adjusting weights ----

/** crush_bucket_adjust_item_weight: returns the (int) weight difference, 0 if the item is absent. */
export function bucketAdjustItemWeight(strawCalcVersion: number, b: CrushBucket, item: number, weight: number): number {
  weight = u32(weight);
  if (b.alg === CRUSH_BUCKET_UNIFORM) {
    const diff = Math.imul(weight - b.itemWeight, b.items.length);
    b.itemWeight = weight;
    b.weight = u32(Math.imul(weight, b.items.length));
    return diff;
  }
  const i = b.items.indexOf(item);
  if (i < 0) return 0;
  switch (b.alg) {
    case CRUSH_BUCKET_LIST: {
      const diff = (weight - b.itemWeights[i]) | 0;
      b.itemWeights[i] = weight;
      b.weight = u32(b.weight + diff);
      for (let j = i; j < b.items.length; j++) b.sumWeights[j] = u32(b.sumWeights[j] + diff);
      return diff;
    }
    case CRUSH_BUCKET_TREE: {
      const depth = calcDepth(b.items.length);
      let node = treeNode(i);
      const diff = (weight - b.nodeWeights[node]) | 0;
      b.nodeWeights[node] = weight;
      b.weight = u32(b.weight + diff);
      for (let j = 1; j < depth; j++) {
        node = treeParent(node);
        b.nodeWeights[node] = u32(b.nodeWeights[node] + diff);
      }
      return diff;
    }
    case CRUSH_BUCKET_STRAW:
    case CRUSH_BUCKET_STRAW2: {
      const diff = (weight - b.itemWeights[i]) | 0;
      b.itemWeights[i] = weight;
      b.weight = u32(b.weight + diff);
      if (b.alg === CRUSH_BUCKET_STRAW) calcStraw(strawCalcVersion, b);
      return diff;
    }
    default:
      return -1;
  }
}

// ---- recursive reweight ----

export type BucketLookup = (id: number) => CrushBucket | null;

/** crush_reweight_bucket: recompute bucket weights bottom-up from the devices. Returns 0 or -ERANGE. */
export function reweightBucket(strawCalcVersion: number, get: BucketLookup, b: CrushBucket): number {
  if (b.alg === CRUSH_BUCKET_UNIFORM) {
    let sum = 0;
    let n = 0;
    let leaves = 0;
    for (const id of b.items) {
      if (id < 0) {
        const c = get(id);
        if (!c) continue;
        reweightBucket(strawCalcVersion, get, c);
        if (additionIsUnsafe(sum, c.weight)) return -34;
        sum = u32(sum + c.weight);
        n++;
      } else {
        leaves++;
      }
    }
    // More bucket children than leaves: use their average.
    if (n > leaves) b.itemWeight = Math.floor(sum / n);
    b.weight = u32(Math.imul(b.itemWeight, b.items.length));
    return 0;
  }
  const tree = b.alg === CRUSH_BUCKET_TREE;
  b.weight = 0;
  for (let i = 0; i < b.items.length; i++) {
    const id = b.items[i];
    const slot = tree ? treeNode(i) : i;
    const arr = tree ? b.nodeWeights : b.itemWeights;
    if (id < 0) {
      const c = get(id);
      if (c) {
        reweightBucket(strawCalcVersion, get, c);
        arr[slot] = c.weight;
      }
    }
    if (additionIsUnsafe(b.weight, arr[slot])) return -34;
    b.weight = u32(b.weight + arr[slot]);
  }
  if (b.alg === CRUSH_BUCKET_STRAW) calcStraw(strawCalcVersion, b);
  return 0;
}
