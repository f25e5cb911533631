/**
 * The CRUSH data model, after Ceph's src/crush/crush.h (struct crush_map, crush_bucket_*, crush_rule,
 * crush_choose_arg). Field names follow Ceph's; units and ranges are noted where the C types narrow them.
 *
 * One bucket shape serves every algorithm (only the fields its `alg` uses are meaningful) so that the
 * mapper's hot loop sees a single object shape.
 */

/** crush_algorithm: the item selection algorithm of a bucket. */
export const CRUSH_BUCKET_UNIFORM = 1;
export const CRUSH_BUCKET_LIST = 2;
export const CRUSH_BUCKET_TREE = 3;
export const CRUSH_BUCKET_STRAW = 4;
export const CRUSH_BUCKET_STRAW2 = 5;

/** CRUSH_LEGACY_ALLOWED_BUCKET_ALGS: uniform, list and straw (tree was buggy, straw2 is newer). */
export const CRUSH_LEGACY_ALLOWED_BUCKET_ALGS = (1 << CRUSH_BUCKET_UNIFORM) | (1 << CRUSH_BUCKET_LIST) | (1 << CRUSH_BUCKET_STRAW);
/** What Ceph's jewel/optimal profiles allow: uniform, list, straw, straw2 (54). */
export const CRUSH_OPTIMAL_ALLOWED_BUCKET_ALGS = CRUSH_LEGACY_ALLOWED_BUCKET_ALGS | (1 << CRUSH_BUCKET_STRAW2);

/** crush_opcodes: rule step operations. */
export const CRUSH_RULE_NOOP = 0;
export const CRUSH_RULE_TAKE = 1;
export const CRUSH_RULE_CHOOSE_FIRSTN = 2;
export const CRUSH_RULE_CHOOSE_INDEP = 3;
export const CRUSH_RULE_EMIT = 4;
export const CRUSH_RULE_CHOOSELEAF_FIRSTN = 6;
export const CRUSH_RULE_CHOOSELEAF_INDEP = 7;
export const CRUSH_RULE_SET_CHOOSE_TRIES = 8;
export const CRUSH_RULE_SET_CHOOSELEAF_TRIES = 9;
export const CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES = 10;
export const CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES = 11;
export const CRUSH_RULE_SET_CHOOSELEAF_VARY_R = 12;
export const CRUSH_RULE_SET_CHOOSELEAF_STABLE = 13;

/** CRUSH_CHOOSE_N: a choose step's arg1 of 0 means "as many as the caller asked for". */
export const CRUSH_CHOOSE_N = 0;

/** The absence of an item in a result (indep rules keep positions, so holes are explicit). */
export const CRUSH_ITEM_NONE = 0x7fffffff;
/** Internal "not yet chosen" marker of crush_choose_indep. */
export const CRUSH_ITEM_UNDEF = 0x7ffffffe;

export const CRUSH_MAGIC = 0x00010000;
export const CRUSH_HASH_RJENKINS1 = 0;
export const CRUSH_HASH_DEFAULT = CRUSH_HASH_RJENKINS1;
/** CRUSH_MAX_RULES: crush_add_rule refuses to grow the rule array past this. */
export const CRUSH_MAX_RULES = 256;
/** Largest device weight the compiler accepts (100.0 in 16.16). */
export const CRUSH_MAX_DEVICE_WEIGHT = 100 * 0x10000;
/** Largest bucket weight the compiler accepts (65535.0 in 16.16). */
export const CRUSH_MAX_BUCKET_WEIGHT = 65535 * 0x10000;

/** pg_pool_t types as rule mask types (CEPH_PG_TYPE_*). */
export const CEPH_PG_TYPE_REPLICATED = 1;
export const CEPH_PG_TYPE_ERASURE = 3;

/** CrushWrapper::DEFAULT_CHOOSE_ARGS: the choose_args used when a pool has none of its own. */
export const DEFAULT_CHOOSE_ARGS = -1;

export interface CrushBucket {
  /** Negative and unique; the bucket lives at buckets[-1-id]. */
  id: number;
  /** u16 bucket type (> 0; 0 is the device type). */
  type: number;
  /** u8 crush_algorithm. */
  alg: number;
  /** u8 hash function (0 = rjenkins1; any other value hashes to 0, as in hash.c). */
  hash: number;
  /** u32 16.16 fixed-point sum of the children's weights. */
  weight: number;
  /** s32 children: >= 0 devices, < 0 buckets. items.length is the C `size`. */
  items: number[];
  /** uniform: the u32 16.16 weight every item has. */
  itemWeight: number;
  /** list, straw, straw2: u32 16.16 weight per item. */
  itemWeights: number[];
  /** list: u32 running sums of itemWeights[0..i]. */
  sumWeights: number[];
  /** straw: u32 16.16 straw lengths computed by crush_calc_straw. */
  straws: number[];
  /** tree: u8 node count (a power of two, wrapped to 8 bits as in struct crush_bucket_tree). */
  numNodes: number;
  /** tree: u32 16.16 node weights, numNodes entries; leaf i is node 2i+1. */
  nodeWeights: number[];
}

export interface CrushRuleStep {
  /** u32 crush_opcodes value. */
  op: number;
  /** s32 */
  arg1: number;
  /** s32 */
  arg2: number;
}

export interface CrushRule {
  /** crush_rule_mask: all u8. */
  ruleset: number;
  type: number;
  minSize: number;
  maxSize: number;
  steps: CrushRuleStep[];
}

export interface CrushTunables {
  /** u32 localized retries before re-descent (legacy 2, optimal 0). */
  chooseLocalTries: number;
  /** u32 localized retries through a fallback permutation (legacy 5, optimal 0). */
  chooseLocalFallbackTries: number;
  /** u32 total descent attempts (legacy 19, optimal 50). */
  chooseTotalTries: number;
  /** u32 chooseleaf descends once on reject (bobtail+). */
  chooseleafDescendOnce: number;
  /** u8 feed r into chooseleaf shifted by (vary_r - 1) (firefly+). */
  chooseleafVaryR: number;
  /** u8 chooseleaf firstn restarts rep at 0 in the recursion (jewel+). */
  chooseleafStable: number;
  /** u8 straw bucket straw-length calculation version (0 legacy, 1 fixed). */
  strawCalcVersion: number;
  /** u32 bitmask of (1 << alg) the map may create. */
  allowedBucketAlgs: number;
}

/** crush_choose_arg: replacement weights (per position) and ids for one straw2 bucket. */
export interface CrushChooseArg {
  /** Replacement ids (hash inputs) for the bucket's items; empty = use the items. */
  ids: number[];
  /** weight_set[position][item]: u32 16.16 weights; empty = use the bucket's weights. */
  weightSet: number[][];
}

/** crush_choose_arg_map: one CrushChooseArg per bucket slot (length = max_buckets). */
export type CrushChooseArgMap = CrushChooseArg[];

export function emptyChooseArg(): CrushChooseArg {
  return { ids: [], weightSet: [] };
}

/** A fresh bucket record with every algorithm field empty. */
export function newBucket(id: number, alg: number, hash: number, type: number): CrushBucket {
  return { id, type, alg, hash, weight: 0, items: [], itemWeight: 0, itemWeights: [], sumWeights: [], straws: [], numNodes: 0, nodeWeights: [] };
}

export function bucketAlgName(alg: number): string {
  switch (alg) {
    case CRUSH_BUCKET_UNIFORM:
      return 'uniform';
    case CRUSH_BUCKET_LIST:
      return 'list';
    case CRUSH_BUCKET_TREE:
      return 'tree';
    case CRUSH_BUCKET_STRAW:
      return 'straw';
    case CRUSH_BUCKET_STRAW2:
      return 'straw2';
    default:
      return 'unknown';
  }
}

export function bucketAlgByName(name: string): number {
  switch (name) {
    case 'uniform':
      return CRUSH_BUCKET_UNIFORM;
    case 'list':
      return CRUSH_BUCKET_LIST;
    case 'tree':
      return CRUSH_BUCKET_TREE;
    case 'straw':
      return CRUSH_BUCKET_STRAW;
    case 'straw2':
      return CRUSH_BUCKET_STRAW2;
    default:
      return -1;
  }
}

export function hashName(hash: number): string {
  return hash === CRUSH_HASH_RJENKINS1 ? 'rjenkins1' : 'unknown';
}
