/**
 * The per-algorithm "choose one item from this bucket for (x, r)" functions of src/crush/mapper.c.
 * Integer semantics follow the C code exactly: hashes are u32, products that C computes in 64 bits
 * are either below 2^53 (exact in doubles) or split by hand (the tree bucket's high word), and
 * straw2's 64-bit signed division is done on values below 2^49 where a double quotient truncates
 * to the same integer.
 */
import { crushHash32_3, crushHash32_4, hash32_3 } from './hash';
import { straw2LnTable } from './ln';
import {
  CRUSH_BUCKET_LIST,
  CRUSH_BUCKET_STRAW,
  CRUSH_BUCKET_STRAW2,
  CRUSH_BUCKET_TREE,
  CRUSH_BUCKET_UNIFORM,
  CrushBucket,
  CrushChooseArg,
  CRUSH_HASH_RJENKINS1,
} from './types';

/**
 * crush_work_bucket: the lazily computed permutation of a bucket for the current x. A workspace lives
 * for one crush_do_rule call (Ceph allocates it per call); `gen` lets us reuse the arrays across calls
 * while treating every bucket as fresh (perm_x = perm_n = 0) at the start of each call.
 */
export interface WorkBucket {
  gen: number;
  permX: number;
  permN: number;
  perm: Uint32Array;
}

export class CrushWork {
  gen = 0;
  private readonly buckets: (WorkBucket | undefined)[] = [];
  /** crush_do_rule's a/b/c result vectors, reused while large enough. */
  private scratchSize = 0;
  scratch: [Int32Array, Int32Array, Int32Array] = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];

  /** Scratch vectors of at least `n` entries. */
  vectors(n: number): [Int32Array, Int32Array, Int32Array] {
    if (n > this.scratchSize) {
      this.scratchSize = n;
      this.scratch = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
    }
    return this.scratch;
  }

  /** Start a new crush_do_rule call: every bucket's permutation state is reset. */
  begin(): void {
    this.gen++;
  }

  get(bucket: CrushBucket): WorkBucket {
    const idx = -1 - bucket.id;
    let w = this.buckets[idx];
    const size = bucket.items.length;
    if (w === undefined || w.perm.length < size) {
      w = { gen: this.gen, permX: 0, permN: 0, perm: new Uint32Array(Math.max(size, 1)) };
      this.buckets[idx] = w;
    } else if (w.gen !== this.gen) {
      w.gen = this.gen;
      w.permX = 0;
      w.permN = 0;
    }
    return w;
  }
}

/** bucket_perm_choose: a pseudo-random permutation of the bucket, computed up to position r % size. */
export function bucketPermChoose(bucket: CrushBucket, work: WorkBucket, x: number, r: number): number {
  const size = bucket.items.length;
  const pr = (r >>> 0) % size;
  const perm = work.perm;
  const ux = x >>> 0;
  if (work.permX !== ux || work.permN === 0) {
    work.permX = ux;
    // The common r = 0 case needs only the first element.
    if (pr === 0) {
      const s = crushHash32_3(bucket.hash, x, bucket.id, 0) % size;
      perm[0] = s;
      work.permN = 0xffff;
      return bucket.items[s];
    }
    for (let i = 0; i < size; i++) perm[i] = i;
    work.permN = 0;
  } else if (work.permN === 0xffff) {
    // Expand the r = 0 shortcut into a real partial permutation.
    for (let i = 1; i < size; i++) perm[i] = i;
    perm[perm[0]] = 0;
    work.permN = 1;
  }
  while (work.permN <= pr) {
    const p = work.permN;
    if (p < size - 1) {
      const i = crushHash32_3(bucket.hash, x, bucket.id, p) % (size - p);
      if (i) {
        const t = perm[p + i];
        perm[p + i] = perm[p];
        perm[p] = t;
      }
    }
    work.permN++;
  }
  return bucket.items[perm[pr]];
}

/** bucket_list_choose: walk from the tail, taking item i with probability weight[i] / sum[0..i]. */
function listChoose(bucket: CrushBucket, x: number, r: number): number {
  const items = bucket.items;
  for (let i = items.length - 1; i >= 0; i--) {
    let w = crushHash32_4(bucket.hash, x, items[i], r, bucket.id) & 0xffff;
    // w * sum < 2^48: exact.
    w = Math.floor((w * bucket.sumWeights[i]) / 65536);
    if (w < bucket.itemWeights[i]) return items[i];
  }
  return items[0];
}

/** The high 32 bits of the 64-bit product of two u32 values. */
function mulHi32(a: number, b: number): number {
  const ah = a >>> 16;
  const al = a & 0xffff;
  return Math.floor((ah * b + Math.floor((al * b) / 65536)) / 65536);
}

function treeHeight(n: number): number {
  let h = 0;
  while ((n & 1) === 0) {
    h++;
    n >>= 1;
  }
  return h;
}

/** bucket_tree_choose: descend the implicit binary tree of node weights. */
function treeChoose(bucket: CrushBucket, x: number, r: number): number {
  let n = bucket.numNodes >> 1;
  // A node count that wrapped to 0 (more than 128 items) would loop forever in C; refuse instead.
  if (n === 0) return bucket.items[0];
  while (!(n & 1)) {
    const w = bucket.nodeWeights[n] >>> 0;
    const t = mulHi32(crushHash32_4(bucket.hash, x, n, r, bucket.id), w);
    const h = treeHeight(n);
    const l = n - (1 << (h - 1));
    n = t < (bucket.nodeWeights[l] >>> 0) ? l : n + (1 << (h - 1));
  }
  return bucket.items[n >> 1];
}

/** bucket_straw_choose: the longest scaled straw wins. */
function strawChoose(bucket: CrushBucket, x: number, r: number): number {
  const items = bucket.items;
  let high = 0;
  let highDraw = 0;
  for (let i = 0; i < items.length; i++) {
    // (hash & 0xffff) * straw < 2^48: exact.
    const draw = (crushHash32_3(bucket.hash, x, items[i], r) & 0xffff) * bucket.straws[i];
    if (i === 0 || draw > highDraw) {
      high = i;
      highDraw = draw;
    }
  }
  return items[high];
}

/**
 * bucket_straw2_choose: each item draws an exponential variable ln(u) / weight; the largest wins.
 * ln(u) - 2^48 lies in [-2^48, 0]; C divides it by the weight as a signed int (a u32 weight of 2^31 or
 * more is negative there) and truncates toward zero; Math.trunc of the double quotient is the same
 * integer because |quotient| * weight <= 2^48 keeps it far from the next integer.
 */
function straw2Choose(bucket: CrushBucket, x: number, r: number, arg: CrushChooseArg | undefined, position: number): number {
  let weights = bucket.itemWeights;
  let ids = bucket.items;
  if (arg !== undefined) {
    const ws = arg.weightSet;
    if (ws.length > 0) weights = ws[position >= ws.length ? ws.length - 1 : position];
    if (arg.ids.length > 0) ids = arg.ids;
  }
  const ln = straw2LnTable();
  const size = bucket.items.length;
  // Unknown hash types hash to 0 (hash.c); only rjenkins1 is real.
  const rj = bucket.hash === CRUSH_HASH_RJENKINS1;
  let high = 0;
  let highDraw = 0;
  for (let i = 0; i < size; i++) {
    const wu = weights[i];
    let draw: number;
    if (wu) {
      const u = rj ? hash32_3(x, ids[i], r) & 0xffff : 0;
      draw = Math.trunc(ln[u] / (wu | 0));
    } else {
      draw = -Infinity;
    }
    if (i === 0 || draw > highDraw) {
      high = i;
      highDraw = draw;
    }
  }
  return bucket.items[high];
}

/** crush_bucket_choose: dispatch on the bucket algorithm. `arg` is only consulted by straw2. */
export function bucketChoose(bucket: CrushBucket, work: CrushWork, x: number, r: number, arg: CrushChooseArg | undefined, position: number): number {
  switch (bucket.alg) {
    case CRUSH_BUCKET_UNIFORM:
      return bucketPermChoose(bucket, work.get(bucket), x, r);
    case CRUSH_BUCKET_LIST:
      return listChoose(bucket, x, r);
    case CRUSH_BUCKET_TREE:
      return treeChoose(bucket, x, r);
    case CRUSH_BUCKET_STRAW:
      return strawChoose(bucket, x, r);
    case CRUSH_BUCKET_STRAW2:
      return straw2Choose(bucket, x, r, arg, position);
    default:
      return bucket.items[0];
  }
}
