/**
 * Rule evaluation: crush_do_rule, crush_choose_firstn and crush_choose_indep of src/crush/mapper.c,
 * step for step. Differences from the C code are limited to inputs that would crash or hang it: a
 * reference to a bucket that does not exist is an unusable item (C dereferences NULL), and a descent
 * through more buckets than the map has (only possible if buckets contain each other; C loops
 * forever) is abandoned like an unusable item. Neither can happen in a map Ceph can use.
 */
import { hash32_2 } from './hash';
import { bucketChoose, bucketPermChoose, CrushWork } from './choose';
import {
  CRUSH_BUCKET_UNIFORM,
  CRUSH_ITEM_NONE,
  CRUSH_ITEM_UNDEF,
  CRUSH_RULE_CHOOSE_FIRSTN,
  CRUSH_RULE_CHOOSE_INDEP,
  CRUSH_RULE_CHOOSELEAF_FIRSTN,
  CRUSH_RULE_CHOOSELEAF_INDEP,
  CRUSH_RULE_EMIT,
  CRUSH_RULE_TAKE,
  CrushBucket,
  CrushChooseArgMap,
  CrushRule,
  CrushTunables,
} from './types';
import { RuleChooseSettings, ruleSetStepByOp } from './rule-steps';

/** What the mapper needs of a map: Ceph's struct crush_map. */
export interface CrushMapView {
  buckets: (CrushBucket | null)[];
  rules: (CrushRule | null)[];
  maxDevices: number;
  tunables: CrushTunables;
}

/** Device weights: u32 16.16 per device id (0x10000 = fully in, 0 = out). */
export type WeightVector = ArrayLike<number>;

/** State of one crush_do_rule call. */
class Ctx {
  constructor(
    readonly map: CrushMapView,
    readonly work: CrushWork,
    readonly weight: WeightVector,
    readonly x: number,
    readonly args: CrushChooseArgMap | undefined,
    /** --show-choose-tries histogram (map->choose_tries), indexed by total tries. */
    readonly chooseTries: number[] | undefined,
  ) {}

  isOut(item: number): boolean {
    const weight = this.weight;
    if (item >= weight.length) return true;
    const w = weight[item];
    if (w >= 0x10000) return false;
    if (w === 0) return true;
    return (hash32_2(this.x, item) & 0xffff) >= w;
  }

  bucket(item: number): CrushBucket | null {
    const idx = -1 - item;
    return idx >= 0 && idx < this.map.buckets.length ? this.map.buckets[idx] : null;
  }

  countTries(ftotal: number): void {
    const ct = this.chooseTries;
    if (ct !== undefined && ftotal <= this.map.tunables.chooseTotalTries) ct[ftotal] = (ct[ftotal] ?? 0) + 1;
  }
}

interface FirstnOpts {
  tries: number;
  recurseTries: number;
  localRetries: number;
  localFallbackRetries: number;
  recurseToLeaf: boolean;
  varyR: number;
  stable: number;
  /** The options of the recursive (leaf) descent: tries = recurseTries, no further recursion. */
  leaf: FirstnOpts | null;
}

/**
 * crush_choose_firstn: choose numrep distinct items of `type` below `bucket`, appending to
 * out[outOff + outpos ...]; with recurseToLeaf, also one leaf under each into out2. Returns the new outpos.
 */
function chooseFirstn(
  ctx: Ctx,
  bucket: CrushBucket,
  numrep: number,
  type: number,
  out: Int32Array,
  outOff: number,
  outpos: number,
  outSize: number,
  o: FirstnOpts,
  out2: Int32Array | null,
  out2Off: number,
  parentR: number,
): number {
  const map = ctx.map;
  let count = outSize;
  let item = 0;
  for (let rep = o.stable ? 0 : outpos; rep < numrep && count > 0; rep++) {
    let ftotal = 0;
    let skipRep = false;
    let retryDescent: boolean;
    do {
      retryDescent = false;
      let inb = bucket;
      let flocal = 0;
      let descents = 0;
      let retryBucket: boolean;
      do {
        let collide = false;
        let reject = false;
        retryBucket = false;
        const r = rep + parentR + ftotal;
        let itemtype = 0;
        if (inb.items.length === 0) {
          reject = true;
        } else {
          if (o.localFallbackRetries > 0 && flocal >= inb.items.length >> 1 && flocal > o.localFallbackRetries) {
            item = bucketPermChoose(inb, ctx.work.get(inb), ctx.x, r);
          } else {
            item = bucketChoose(inb, ctx.work, ctx.x, r, ctx.args ? ctx.args[-1 - inb.id] : undefined, outpos);
          }
          if (item >= map.maxDevices) {
            skipRep = true;
            break;
          }
          let sub: CrushBucket | null = null;
          if (item < 0) {
            sub = ctx.bucket(item);
            if (sub === null) {
              skipRep = true;
              break;
            }
            itemtype = sub.type;
          }
          if (itemtype !== type) {
            if (sub === null || ++descents > map.buckets.length) {
              skipRep = true;
              break;
            }
            inb = sub;
            retryBucket = true;
            continue;
          }
          for (let i = 0; i < outpos; i++) {
            if (out[outOff + i] === item) {
              collide = true;
              break;
            }
          }
          if (!collide && o.recurseToLeaf) {
            if (sub !== null) {
              const subR = o.varyR ? r >> (o.varyR - 1) : 0;
              const got = chooseFirstn(
                ctx,
                sub,
                o.stable ? 1 : outpos + 1,
                0,
                out2!,
                out2Off,
                outpos,
                count,
                o.leaf!,
                null,
                0,
                subR,
              );
              if (got <= outpos) reject = true;
            } else {
              out2![out2Off + outpos] = item;
            }
          }
          if (!reject && !collide && itemtype === 0) reject = ctx.isOut(item);
        }
        if (reject || collide) {
          ftotal++;
          flocal++;
          if (collide && flocal <= o.localRetries) retryBucket = true;
          else if (o.localFallbackRetries > 0 && flocal <= inb.items.length + o.localFallbackRetries) retryBucket = true;
          else if (ftotal < o.tries) retryDescent = true;
          else skipRep = true;
        }
      } while (retryBucket);
    } while (retryDescent);
    if (skipRep) continue;
    out[outOff + outpos] = item;
    outpos++;
    count--;
    ctx.countTries(ftotal);
  }
  return outpos;
}

/**
 * crush_choose_indep: breadth-first, positionally stable choice of `left` items into
 * out[outOff + outpos ...]; failed positions are CRUSH_ITEM_NONE.
 */
function chooseIndep(
  ctx: Ctx,
  bucket: CrushBucket,
  left: number,
  numrep: number,
  type: number,
  out: Int32Array,
  outOff: number,
  outpos: number,
  tries: number,
  recurseTries: number,
  recurseToLeaf: boolean,
  out2: Int32Array | null,
  out2Off: number,
  parentR: number,
): void {
  const map = ctx.map;
  const endpos = outpos + left;
  for (let rep = outpos; rep < endpos; rep++) {
    out[outOff + rep] = CRUSH_ITEM_UNDEF;
    if (out2) out2[out2Off + rep] = CRUSH_ITEM_UNDEF;
  }
  let ftotal = 0;
  for (; left > 0 && ftotal < tries; ftotal++) {
    for (let rep = outpos; rep < endpos; rep++) {
      if (out[outOff + rep] !== CRUSH_ITEM_UNDEF) continue;
      let inb = bucket;
      let descents = 0;
      for (;;) {
        // The choice depends on the position even in nested calls, to spread data movement.
        let r = rep + parentR;
        if (inb.alg === CRUSH_BUCKET_UNIFORM && inb.items.length % numrep === 0) r += (numrep + 1) * ftotal;
        else r += numrep * ftotal;
        if (inb.items.length === 0) break;
        const item = bucketChoose(inb, ctx.work, ctx.x, r, ctx.args ? ctx.args[-1 - inb.id] : undefined, outpos);
        if (item >= map.maxDevices) {
          out[outOff + rep] = CRUSH_ITEM_NONE;
          if (out2) out2[out2Off + rep] = CRUSH_ITEM_NONE;
          left--;
          break;
        }
        let itemtype = 0;
        let sub: CrushBucket | null = null;
        if (item < 0) {
          sub = ctx.bucket(item);
          itemtype = sub === null ? -1 : sub.type;
        }
        if (itemtype !== type) {
          if (sub === null || ++descents > map.buckets.length) {
            out[outOff + rep] = CRUSH_ITEM_NONE;
            if (out2) out2[out2Off + rep] = CRUSH_ITEM_NONE;
            left--;
            break;
          }
          inb = sub;
          continue;
        }
        let collide = false;
        for (let i = outpos; i < endpos; i++) {
          if (out[outOff + i] === item) {
            collide = true;
            break;
          }
        }
        if (collide) break;
        if (recurseToLeaf) {
          if (sub !== null) {
            chooseIndep(ctx, sub, 1, numrep, 0, out2!, out2Off, rep, recurseTries, 0, false, null, 0, r);
            if (out2 && out2[out2Off + rep] === CRUSH_ITEM_NONE) break;
          } else if (out2) {
            out2[out2Off + rep] = item;
          }
        }
        if (itemtype === 0 && ctx.isOut(item)) break;
        out[outOff + rep] = item;
        left--;
        break;
      }
    }
  }
  for (let rep = outpos; rep < endpos; rep++) {
    if (out[outOff + rep] === CRUSH_ITEM_UNDEF) out[outOff + rep] = CRUSH_ITEM_NONE;
    if (out2 && out2[out2Off + rep] === CRUSH_ITEM_UNDEF) out2[out2Off + rep] = CRUSH_ITEM_NONE;
  }
  ctx.countTries(ftotal);
}

export interface DoRuleOptions {
  /** A workspace to reuse across calls (saves allocation in loops). */
  work?: CrushWork;
  /** Collect the choose-tries histogram (crushtool --show-choose-tries). */
  chooseTries?: number[];
}

/**
 * crush_do_rule: map input `x` through rule `ruleno`, returning at most `resultMax` items
 * (CRUSH_ITEM_NONE marks holes left by indep steps). `weight` holds a u32 16.16 weight per device.
 */
export function doRule(
  map: CrushMapView,
  ruleno: number,
  x: number,
  resultMax: number,
  weight: WeightVector,
  args?: CrushChooseArgMap,
  opts: DoRuleOptions = {},
): number[] {
  const result: number[] = [];
  if (ruleno < 0 || ruleno >= map.rules.length || resultMax <= 0) return result;
  const rule = map.rules[ruleno];
  if (rule === null) return result;
  const t = map.tunables;
  const work = opts.work ?? new CrushWork();
  work.begin();
  const ctx = new Ctx(map, work, weight, x | 0, args, opts.chooseTries);

  const vec = work.vectors(resultMax);
  let w = vec[0];
  let o = vec[1];
  const c = vec[2];
  let wsize = 0;
  const k: RuleChooseSettings = {
    // The original choose_total_tries counted retries, not tries: add one.
    chooseTries: t.chooseTotalTries + 1,
    chooseLeafTries: 0,
    localRetries: t.chooseLocalTries,
    localFallbackRetries: t.chooseLocalFallbackTries,
    varyR: t.chooseleafVaryR,
    stable: t.chooseleafStable,
  };

  for (const step of rule.steps) {
    const a1 = step.arg1;
    switch (step.op) {
      case CRUSH_RULE_TAKE: {
        const bi = -1 - a1;
        if ((a1 >= 0 && a1 < map.maxDevices) || (bi >= 0 && bi < map.buckets.length && map.buckets[bi])) {
          w[0] = a1;
          wsize = 1;
        }
        break;
      }
      case CRUSH_RULE_CHOOSELEAF_FIRSTN:
      case CRUSH_RULE_CHOOSE_FIRSTN:
      case CRUSH_RULE_CHOOSELEAF_INDEP:
      case CRUSH_RULE_CHOOSE_INDEP: {
        if (wsize === 0) break;
        const firstn = step.op === CRUSH_RULE_CHOOSELEAF_FIRSTN || step.op === CRUSH_RULE_CHOOSE_FIRSTN;
        const recurseToLeaf = step.op === CRUSH_RULE_CHOOSELEAF_FIRSTN || step.op === CRUSH_RULE_CHOOSELEAF_INDEP;
        let osize = 0;
        for (let i = 0; i < wsize; i++) {
          let numrep = a1;
          if (numrep <= 0) {
            numrep += resultMax;
            if (numrep <= 0) continue;
          }
          const bno = -1 - w[i];
          if (bno < 0 || bno >= map.buckets.length) continue;
          const b = map.buckets[bno];
          if (b === null) continue;
          if (firstn) {
            const recurseTries = k.chooseLeafTries ? k.chooseLeafTries : t.chooseleafDescendOnce ? 1 : k.chooseTries;
            const { localRetries, localFallbackRetries, varyR, stable } = k;
            const leaf: FirstnOpts = { tries: recurseTries, recurseTries: 0, localRetries, localFallbackRetries, recurseToLeaf: false, varyR, stable, leaf: null };
            const fo: FirstnOpts = { tries: k.chooseTries, recurseTries, localRetries, localFallbackRetries, recurseToLeaf, varyR, stable, leaf };
            osize += chooseFirstn(ctx, b, numrep, step.arg2, o, osize, 0, resultMax - osize, fo, c, osize, 0);
          } else {
            const outSize = Math.min(numrep, resultMax - osize);
            chooseIndep(ctx, b, outSize, numrep, step.arg2, o, osize, 0, k.chooseTries, k.chooseLeafTries ? k.chooseLeafTries : 1, recurseToLeaf, c, osize, 0);
            osize += outSize;
          }
        }
        // Copy the final leaf values to the output set.
        if (recurseToLeaf) o.set(c.subarray(0, osize));
        const tmp = o;
        o = w;
        w = tmp;
        wsize = osize;
        break;
      }
      case CRUSH_RULE_EMIT:
        for (let i = 0; i < wsize && result.length < resultMax; i++) result.push(w[i]);
        wsize = 0;
        break;
      default: {
        const set = ruleSetStepByOp(step.op);
        if (set && a1 >= set.argMin) k[set.setting] = a1;
        break;
      }
    }
  }
  return result;
}

/** crush_find_rule: the first rule whose mask matches (ruleset, type, size), or -1. */
export function crushFindRule(map: CrushMapView, ruleset: number, type: number, size: number): number {
  for (let i = 0; i < map.rules.length; i++) {
    const r = map.rules[i];
    if (r && r.ruleset === ruleset && r.type === type && r.minSize <= size && r.maxSize >= size) return i;
  }
  return -1;
}
