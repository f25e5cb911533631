/**
 * CrushWrapper: a CRUSH map with its names, device classes and choose_args, after Ceph's
 * src/crush/CrushWrapper.{h,cc}. Methods keep Ceph's names and return conventions (0 / 1 for
 * "changed" / a negative errno) so that monitor code can follow Ceph's command handlers; the editing
 * operations live in wrapper-edit.ts, device classes in classes.ts, choose_args in choose-args.ts.
 *
 * Maps keyed by id are JS Maps in insertion order; everything that Ceph iterates as a std::map
 * (encoding, decompiling, name lookups) sorts by key first, so insertion order never shows.
 */
import { Errno } from '@ts-ceph/common/core';
import { addBucketChooseArgs, bucketAddItemChooseArgs, bucketRemoveItemChooseArgs, bucketAdjustItemWeightChooseArgs } from './choose-args';
import { bucketAddItem, bucketAdjustItemWeight, bucketItemWeight, bucketRemoveItem, makeBucket } from './builder';
import { CrushWork } from './choose';
import { crushFindRule, doRule, DoRuleOptions, WeightVector } from './mapper';
import { optimalTunables, setTunablesProfile, TunablesProfile } from './tunables';
import {
  CRUSH_BUCKET_LIST,
  CRUSH_BUCKET_STRAW,
  CRUSH_BUCKET_STRAW2,
  CRUSH_BUCKET_TREE,
  CRUSH_BUCKET_UNIFORM,
  CRUSH_MAX_RULES,
  CrushBucket,
  CrushChooseArgMap,
  CrushRule,
  CrushRuleStep,
  CrushTunables,
  DEFAULT_CHOOSE_ARGS,
} from './types';

/** Entries of a Map sorted by numeric key, as a std::map iterates. */
export function sortedEntries<V>(m: ReadonlyMap<number, V>): [number, V][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

/** CrushWrapper::is_valid_crush_name: [-_.0-9a-zA-Z]+ */
export function isValidCrushName(s: string): boolean {
  return /^[-_.0-9a-zA-Z]+$/.test(s);
}

/** A float weight as CrushWrapper turns it into 16.16: (int)(weight * (float)0x10000) in float arithmetic. */
export function weightToFixed(weight: number): number {
  return Math.trunc(Math.fround(Math.fround(weight) * 65536)) | 0;
}

/** (float)w / (float)0x10000: how CrushWrapper turns an int weight back into a float. */
export function fixedToWeight(w: number): number {
  return Math.fround(Math.fround(w) / 65536);
}

/** CrushWrapper::validate_weightf: a weight whose 16.16 value does not fit an int is -EOVERFLOW. */
export function validateWeightf(weight: number): number {
  const t = Math.trunc(Math.fround(Math.fround(weight) * 65536));
  return t < 0 || t > 0x7fffffff || Number.isNaN(t) ? -Errno.EOVERFLOW : 0;
}

export class CrushWrapper {
  /** buckets[-1-id]; null slots are removed buckets. length = max_buckets. */
  buckets: (CrushBucket | null)[] = [];
  /** rules[ruleno]; length = max_rules. */
  rules: (CrushRule | null)[] = [];
  /** One past the highest device id (crush_finalize recomputes it). */
  maxDevices = 0;
  tunables: CrushTunables = optimalTunables();
  /** type id -> type name */
  typeMap = new Map<number, string>();
  /** item (device or bucket) id -> name; shadow buckets are named "<bucket>~<class>". */
  nameMap = new Map<number, string>();
  ruleNameMap = new Map<number, string>();
  /** item id -> class id */
  classMap = new Map<number, number>();
  /** class id -> class name */
  className = new Map<number, string>();
  /** bucket id -> (class id -> shadow bucket id) */
  classBucket = new Map<number, Map<number, number>>();
  /** choose_args index (a pool id, or -1 for the default) -> per-bucket replacement weights */
  chooseArgs = new Map<number, CrushChooseArgMap>();

  private readonly work = new CrushWork();

  /** CrushWrapper() / create(): an empty map with the default (jewel, straw_calc_version 1) tunables. */
  static create(): CrushWrapper {
    return new CrushWrapper();
  }

  // ---- tunables ----

  /** set_tunables_<profile>(): legacy/argonaut, bobtail, firefly, hammer, jewel, optimal, default. */
  setTunables(profile: TunablesProfile): void {
    setTunablesProfile(this.tunables, profile);
  }

  getDefaultBucketAlg(): number {
    const a = this.tunables.allowedBucketAlgs;
    for (const alg of [CRUSH_BUCKET_STRAW2, CRUSH_BUCKET_STRAW, CRUSH_BUCKET_TREE, CRUSH_BUCKET_LIST, CRUSH_BUCKET_UNIFORM]) {
      if (a & (1 << alg)) return alg;
    }
    return 0;
  }

  // ---- types ----

  getTypeName(t: number): string | undefined {
    return this.typeMap.get(t);
  }
  setTypeName(t: number, name: string): void {
    this.typeMap.set(t, name);
  }
  /** The type id of `name`, or -1. */
  getTypeId(name: string): number {
    return reverseLookup(this.typeMap, name) ?? -1;
  }
  getMaxTypeId(): number {
    return this.typeMap.size ? Math.max(...this.typeMap.keys()) : 0;
  }

  // ---- items ----

  nameExists(name: string): boolean {
    return reverseLookup(this.nameMap, name) !== undefined;
  }
  itemExists(id: number): boolean {
    return this.nameMap.has(id);
  }
  /** The id of the item named `name`, or 0 if there is none (as Ceph; check nameExists first). */
  getItemId(name: string): number {
    return reverseLookup(this.nameMap, name) ?? 0;
  }
  getItemName(id: number): string | undefined {
    return this.nameMap.get(id);
  }
  /** set_item_name: -EINVAL for a name outside [-_.0-9a-zA-Z]+. */
  setItemName(id: number, name: string): number {
    if (!isValidCrushName(name)) return -Errno.EINVAL;
    this.nameMap.set(id, name);
    return 0;
  }
  /** A shadow (device class) bucket: its name is not a valid crush name. */
  isShadowItem(id: number): boolean {
    const n = this.nameMap.get(id);
    return n !== undefined && !isValidCrushName(n);
  }

  // ---- rules ----

  getRuleName(r: number): string | undefined {
    return this.ruleNameMap.get(r);
  }
  setRuleName(r: number, name: string): void {
    this.ruleNameMap.set(r, name);
  }
  ruleExists(r: number): boolean {
    return r >= 0 && r < this.rules.length && this.rules[r] !== null;
  }
  ruleNameExists(name: string): boolean {
    return reverseLookup(this.ruleNameMap, name) !== undefined;
  }
  /** The rule id of `name`, or -ENOENT. */
  getRuleId(name: string): number {
    return reverseLookup(this.ruleNameMap, name) ?? -Errno.ENOENT;
  }
  rulesetExists(ruleset: number): boolean {
    return this.rules.some((r) => r !== null && r.ruleset === ruleset);
  }
  /** The lowest ruleset of rules of `type`, or -1. */
  findFirstRuleset(type: number): number {
    let result = -1;
    for (const r of this.rules) {
      if (r && r.type === type && (r.ruleset < result || result === -1)) result = r.ruleset;
    }
    return result;
  }
  hasLegacyRuleIds(): boolean {
    return this.rules.some((r, i) => r !== null && r.ruleset !== i);
  }

  /**
   * crush_add_rule: place `rule` at `ruleno` (or the first free slot if negative), growing the rule
   * array. Returns the rule number or -ENOSPC.
   */
  addRule(rule: CrushRule, ruleno: number): number {
    let r = ruleno;
    if (r < 0) {
      r = this.rules.findIndex((x) => x === null);
      if (r < 0) r = this.rules.length;
      if (r >= CRUSH_MAX_RULES) return -Errno.ENOSPC;
    }
    if (r >= this.rules.length) {
      if (this.rules.length + 1 > CRUSH_MAX_RULES) return -Errno.ENOSPC;
      while (this.rules.length < r + 1) this.rules.push(null);
    }
    this.rules[r] = rule;
    return r;
  }

  /** crush_make_rule + CrushWrapper::add_rule: an empty rule with `steps` no-op steps to fill. */
  makeRule(ruleset: number, type: number, minSize: number, maxSize: number, steps: CrushRuleStep[] = []): CrushRule {
    return { ruleset: ruleset & 0xff, type: type & 0xff, minSize: minSize & 0xff, maxSize: maxSize & 0xff, steps };
  }

  // ---- buckets ----

  /** The bucket with this id, or null. */
  getBucket(id: number): CrushBucket | null {
    const pos = -1 - id;
    if (pos < 0 || pos >= this.buckets.length) return null;
    return this.buckets[pos];
  }
  bucketExists(id: number): boolean {
    return this.getBucket(id) !== null;
  }
  getBucketWeight(id: number): number {
    const b = this.getBucket(id);
    return b ? b.weight | 0 : -Errno.ENOENT;
  }
  /** crush_get_next_bucket_id: the id of the first free slot. */
  getNextBucketId(): number {
    const pos = this.buckets.findIndex((b) => b === null);
    return -1 - (pos < 0 ? this.buckets.length : pos);
  }

  /**
   * CrushWrapper::add_bucket: make a bucket (alg 0 = the map's default) and add it with id `bucketno`
   * (0 = the next free id). `r` is 0 or a negative errno (-EEXIST, -EINVAL, -ERANGE); `id` is the
   * bucket's id (Ceph's idout).
   */
  addBucket(bucketno: number, alg: number, hash: number, type: number, items: readonly number[], weights: readonly number[]): { r: number; id: number } {
    if (alg === 0) {
      alg = this.getDefaultBucketAlg();
      if (alg === 0) return { r: -Errno.EINVAL, id: 0 };
    }
    const b = makeBucket(this.tunables.strawCalcVersion, alg, hash, type, items, weights);
    if (!b) return { r: -Errno.ERANGE, id: 0 };
    const r = this.insertBucket(bucketno, b);
    if (r < 0) return { r, id: 0 };
    addBucketChooseArgs(this, -1 - b.id, items.length, weights);
    return { r: 0, id: b.id };
  }

  /**
   * crush_add_bucket: install `b` at `id` (0 = first free), doubling the bucket array as Ceph does.
   * Returns 0 (b.id is set) or -EEXIST / -EINVAL.
   */
  insertBucket(id: number, b: CrushBucket): number {
    if (id === 0) id = this.getNextBucketId();
    if (id >= 0) return -Errno.EINVAL;
    const pos = -1 - id;
    while (pos >= this.buckets.length) {
      const grow = this.buckets.length ? this.buckets.length : 8;
      for (let i = 0; i < grow; i++) this.buckets.push(null);
    }
    if (this.buckets[pos] !== null) return -Errno.EEXIST;
    b.id = id;
    this.buckets[pos] = b;
    return 0;
  }

  /** crush_remove_bucket: free the slot (the array keeps its size). */
  removeBucketSlot(id: number): void {
    const pos = -1 - id;
    if (pos >= 0 && pos < this.buckets.length) this.buckets[pos] = null;
  }

  /** CrushWrapper::bucket_add_item: add with weight, keeping choose_args weight sets in step. */
  bucketAddItem(b: CrushBucket, item: number, weight: number): number {
    const r = bucketAddItem(this.tunables.strawCalcVersion, b, item, weight);
    if (r < 0) return r;
    bucketAddItemChooseArgs(this, b, item, weight);
    return 0;
  }

  /** CrushWrapper::bucket_remove_item */
  bucketRemoveItem(b: CrushBucket, item: number): number {
    const position = b.items.indexOf(item);
    if (position < 0) return -Errno.ENOENT;
    const r = bucketRemoveItem(this.tunables.strawCalcVersion, b, item);
    if (r < 0) return r;
    bucketRemoveItemChooseArgs(this, b, position);
    return 0;
  }

  /** CrushWrapper::bucket_adjust_item_weight: returns the weight difference. */
  bucketAdjustItemWeight(b: CrushBucket, item: number, weight: number, adjustWeightSets: boolean): number {
    if (adjustWeightSets) bucketAdjustItemWeightChooseArgs(this, b, item, weight);
    return bucketAdjustItemWeight(this.tunables.strawCalcVersion, b, item, weight);
  }

  /** crush_get_bucket_item_weight via the bucket id; 0 for a bad position. */
  getBucketItemWeight(id: number, pos: number): number {
    const b = this.getBucket(id);
    return b ? bucketItemWeight(b, pos) : -Errno.ENOENT;
  }

  /** CrushWrapper::finalize: recompute max_devices from the buckets and the device names. */
  finalize(): void {
    let max = 0;
    for (const b of this.buckets) {
      if (!b) continue;
      for (const it of b.items) if (it >= max) max = it + 1;
    }
    this.maxDevices = max;
    if (this.nameMap.size) {
      const top = Math.max(...this.nameMap.keys());
      if (top >= this.maxDevices) this.maxDevices = top + 1;
    }
  }

  // ---- hierarchy queries ----

  /** Is `item` a child of any bucket? (_search_item_exists) */
  searchItemExists(item: number): boolean {
    return this.buckets.some((b) => b !== null && b.items.includes(item));
  }
  /** check_item_present: same question, used by crushtool to decide default device weights. */
  checkItemPresent(id: number): boolean {
    return this.searchItemExists(id);
  }
  /** find_roots: buckets that are nobody's child. */
  findRoots(): number[] {
    const out = new Set<number>();
    for (const b of this.buckets) if (b && !this.searchItemExists(b.id)) out.add(b.id);
    return [...out].sort((a, b) => a - b);
  }
  findShadowRoots(): number[] {
    return this.findRoots().filter((r) => this.isShadowItem(r));
  }
  findNonshadowRoots(): number[] {
    return this.findRoots().filter((r) => !this.isShadowItem(r));
  }
  subtreeContains(root: number, item: number): boolean {
    if (root === item) return true;
    if (root >= 0) return false;
    const b = this.getBucket(root);
    if (!b) return false;
    return b.items.some((c) => this.subtreeContains(c, item));
  }
  /** get_item_weight: the weight of the first instance of `id` (or the bucket's own weight). */
  getItemWeight(id: number): number {
    for (const b of this.buckets) {
      if (!b) continue;
      if (b.id === id) return b.weight | 0;
      const i = b.items.indexOf(id);
      if (i >= 0) return bucketItemWeight(b, i);
    }
    return -Errno.ENOENT;
  }
  /** get_immediate_parent_id: the first non-shadow bucket holding `id`, or undefined. */
  getImmediateParentId(id: number): number | undefined {
    for (const b of this.buckets) {
      if (!b || this.isShadowItem(b.id)) continue;
      if (b.items.includes(id)) return b.id;
    }
    return undefined;
  }
  /** get_immediate_parent: [type name, bucket name] of the first non-shadow parent. */
  getImmediateParent(id: number): [string, string] | undefined {
    const p = this.getImmediateParentId(id);
    if (p === undefined) return undefined;
    const b = this.getBucket(p)!;
    return [this.typeMap.get(b.type) ?? '', this.nameMap.get(p) ?? ''];
  }
  /** get_full_location_ordered: [type, name] pairs from the immediate parent up. */
  getFullLocationOrdered(id: number): [string, string][] {
    const path: [string, string][] = [];
    if (!this.itemExists(id)) return path;
    let cur = id;
    const seen = new Set<number>();
    for (;;) {
      const p = this.getImmediateParent(cur);
      if (!p) break;
      path.push(p);
      cur = this.getItemId(p[1]);
      if (seen.has(cur)) break;
      seen.add(cur);
    }
    return path;
  }
  /** get_full_location: type name -> bucket name. */
  getFullLocation(id: number): Map<string, string> {
    const m = new Map<string, string>();
    for (const [t, n] of this.getFullLocationOrdered(id)) if (!m.has(t)) m.set(t, n);
    return m;
  }

  // ---- mapping ----

  /** find_rule: the rule for (ruleset, type, size), or -1. */
  findRule(ruleset: number, type: number, size: number): number {
    const r = ruleset >= 0 && ruleset < this.rules.length ? this.rules[ruleset] : null;
    if (r && !this.hasLegacyRuleIds() && r.type === type && r.minSize <= size && r.maxSize >= size) return ruleset;
    return crushFindRule(this, ruleset, type, size);
  }

  /** choose_args_get_with_fallback: the pool's weight sets, else the default ones, else none. */
  chooseArgsGetWithFallback(index: number): CrushChooseArgMap | undefined {
    return this.chooseArgs.get(index) ?? this.chooseArgs.get(DEFAULT_CHOOSE_ARGS);
  }

  /**
   * do_rule: map `x` with rule `ruleno` to at most `maxout` devices, using device weights `weight`
   * (u32 16.16 per device id) and the choose_args of `chooseArgsIndex` (with the default fallback).
   */
  doRule(ruleno: number, x: number, maxout: number, weight: WeightVector, chooseArgsIndex?: number, opts: DoRuleOptions = {}): number[] {
    const args = chooseArgsIndex === undefined ? undefined : this.chooseArgsGetWithFallback(chooseArgsIndex);
    return doRule(this, ruleno, x, maxout, weight, args, { work: this.work, ...opts });
  }
}

/** The key whose value is `name`; the largest such key wins, as Ceph's rebuilt reverse maps do. */
function reverseLookup(m: ReadonlyMap<number, string>, name: string): number | undefined {
  let found: number | undefined;
  for (const [k, v] of m) if (v === name && (found === undefined || k > found)) found = k;
  return found;
}

/** True if the bucket algorithm keeps per-item weights in itemWeights. */
export function hasItemWeights(alg: number): boolean {
  return alg === CRUSH_BUCKET_LIST || alg === CRUSH_BUCKET_STRAW || alg === CRUSH_BUCKET_STRAW2;
}
