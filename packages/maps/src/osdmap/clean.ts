import { CrushWrapper, CRUSH_RULE_CHOOSE_FIRSTN, CRUSH_RULE_CHOOSE_INDEP, CRUSH_RULE_CHOOSELEAF_FIRSTN, CRUSH_RULE_CHOOSELEAF_INDEP, CRUSH_RULE_EMIT, CRUSH_RULE_TAKE } from '@ts-ceph/crush';
import { CRUSH_ITEM_NONE, PgT } from '../types/pg';
import { PgMap } from '../types/pg-map';
import { PgPoolT } from '../types/pool';
import { crushOf } from './crush';
import { Incremental } from './incremental-types';
import { pgToRawUp, pgToRawUpmap, pgToUpActingOsds, rawPgToPg } from './placement';
import { OSDMap, isDown, weightf } from './types';

/**
 * The map hygiene a monitor runs before publishing an epoch (src/osd/OSDMap.cc clean_temps,
 * check_pg_upmaps / clean_pg_upmaps, with CrushWrapper::verify_upmap and get_rule_weight_osd_map):
 * drop pg_temp / primary_temp entries that are moot and upmaps that are invalid or redundant.
 */

/** OSDMap::clean_temps: record in `inc` the removal of temps that `next` (the pending map) does not need. */
export function cleanTemps(old: OSDMap, next: OSDMap, inc: Incremental): void {
  for (const [pg, osds] of next.pgTemp) {
    const pool = next.pools.get(pg.pool);
    if (!pool) {
      inc.newPgTemp.set(pg, []);
      continue;
    }
    if (!osds.some((o) => !isDown(next, o))) {
      inc.newPgTemp.set(pg, []);
      continue;
    }
    const { up } = pgToRawUp(next, pg);
    const redundant = up.length === osds.length && up.every((o, i) => o === osds[i]);
    if (redundant || osds.length > pool.size) {
      if (old.pgTemp.has(pg)) inc.newPgTemp.set(pg, []);
      else inc.newPgTemp.delete(pg);
    }
  }
  for (const [pg, osd] of next.primaryTemp) {
    if (isDown(next, osd)) {
      inc.newPrimaryTemp.set(pg, -1);
      continue;
    }
    const real = pgToUpActingOsds(next, pg).actingPrimary;
    const templess = pgToRawUp(next, pg).primary;
    if (real === templess) {
      if (old.primaryTemp.has(pg)) inc.newPrimaryTemp.set(pg, -1);
      else inc.newPrimaryTemp.delete(pg);
    }
  }
}

function subtreeContains(cw: CrushWrapper, root: number, item: number): boolean {
  if (root === item) return true;
  if (root >= 0) return false;
  const b = cw.getBucket(root);
  return !!b && b.items.some((c) => subtreeContains(cw, c, item));
}

function childrenOfType(cw: CrushWrapper, id: number, type: number, out: number[]): void {
  if (id >= 0) {
    if (type === 0) out.push(id);
    return;
  }
  const b = cw.getBucket(id);
  if (!b || b.type < type) return;
  if (b.type === type) {
    out.push(b.id);
    return;
  }
  for (const c of b.items) childrenOfType(cw, c, type, out);
}

function takesOf(cw: CrushWrapper, rule: number): number[] {
  const r = rule >= 0 ? cw.rules[rule] : null;
  return r ? [...new Set(r.steps.filter((s) => s.op === CRUSH_RULE_TAKE).map((s) => s.arg1))].sort((a, b) => a - b) : [];
}

/** CrushWrapper::get_parent_of_type with a rule: the bucket of `type` under the rule's takes holding `item`, or 0. */
function parentOfType(cw: CrushWrapper, item: number, type: number, rule: number): number {
  for (const root of takesOf(cw, rule)) {
    const candidates: number[] = [];
    childrenOfType(cw, root, type, candidates);
    for (const c of candidates) if (subtreeContains(cw, c, item)) return c;
  }
  return 0;
}

/** CrushWrapper::verify_upmap: does `up` still satisfy the rule's failure domains? 0 or a negative errno. */
export function verifyUpmap(cw: CrushWrapper, ruleId: number, poolSize: number, up: number[]): number {
  const rule = ruleId >= 0 ? cw.rules[ruleId] : null;
  if (!rule) return -2;
  let root = 0;
  let cursor = 0;
  const typeStack = new Map<number, number>();
  for (const step of rule.steps) {
    switch (step.op) {
      case CRUSH_RULE_TAKE:
        root = step.arg1;
        break;
      case CRUSH_RULE_CHOOSELEAF_FIRSTN:
      case CRUSH_RULE_CHOOSELEAF_INDEP:
      case CRUSH_RULE_CHOOSE_FIRSTN:
      case CRUSH_RULE_CHOOSE_INDEP: {
        const numrep = step.arg1 <= 0 ? step.arg1 + poolSize : step.arg1;
        const type = step.arg2;
        if (!typeStack.has(type)) typeStack.set(type, numrep);
        if (type === 0) break;
        const leaf = step.op === CRUSH_RULE_CHOOSELEAF_FIRSTN || step.op === CRUSH_RULE_CHOOSELEAF_INDEP;
        const byParent = new Map<number, Set<number>>();
        for (const osd of up) {
          const p = parentOfType(cw, osd, type, ruleId);
          if (p < 0) byParent.set(p, (byParent.get(p) ?? new Set()).add(osd));
        }
        if (leaf) {
          for (const osds of byParent.values()) if (osds.size > 1) return -22;
        } else if (byParent.size > numrep) return -22;
        break;
      }
      case CRUSH_RULE_EMIT: {
        if (root < 0) {
          let numOsds = 1;
          for (const n of typeStack.values()) numOsds *= n;
          for (let c = 0; cursor < up.length && c < numOsds; cursor++, c++) if (!subtreeContains(cw, root, up[cursor]!)) return -22;
        }
        typeStack.clear();
        root = 0;
        break;
      }
      default:
        break;
    }
  }
  return 0;
}

/** CrushWrapper::get_rule_weight_osd_map: each OSD under the rule's takes and its normalised weight (floats). */
export function ruleWeightOsdMap(cw: CrushWrapper, ruleId: number): Map<number, number> | undefined {
  const rule = ruleId >= 0 ? cw.rules[ruleId] : null;
  if (!rule) return undefined;
  const out = new Map<number, number>();
  for (const step of rule.steps) {
    const m = new Map<number, number>();
    let sum = 0;
    if (step.op === CRUSH_RULE_TAKE) {
      const n = step.arg1;
      if (n >= 0) {
        m.set(n, 1);
        sum = 1;
      } else {
        const q = [n];
        while (q.length) {
          const b = cw.getBucket(q.shift()!);
          if (!b) continue;
          b.items.forEach((item, j) => {
            if (item >= 0) {
              const w = Math.fround(cw.getBucketItemWeight(b.id, j));
              m.set(item, w);
              sum = Math.fround(sum + w);
            } else q.push(item);
          });
        }
      }
    }
    for (const [osd, w] of m) out.set(osd, Math.fround((out.get(osd) ?? 0) + Math.fround(w / sum)));
  }
  return out;
}

/** pg_pool_t::is_pending_merge. */
function isPendingMerge(pool: PgPoolT, pg: PgT): boolean {
  if (pool.pgNumPending >= pool.pgNum) return false;
  if (pg.seed >= pool.pgNumPending && pg.seed < pool.pgNum) return true;
  for (let ps = pool.pgNumPending; ps < pool.pgNum; ps++) {
    const bits = 32 - Math.clz32(ps);
    if ((ps & ~(~0 << (bits - 1))) >>> 0 === pg.seed) return true;
  }
  return false;
}

/** OSDMap::check_pg_upmaps: which upmapped PGs to cancel and which pg_upmap_items to simplify. */
export function checkPgUpmaps(m: OSDMap, toCheck: PgT[]): { toCancel: PgT[]; toRemap: PgMap<[number, number][]> } {
  const cw = crushOf(m);
  const toCancel: PgT[] = [];
  const toRemap = new PgMap<[number, number][]>();
  const weights = new Map<number, Map<number, number> | undefined>();
  for (const pg of toCheck) {
    const pool = m.pools.get(pg.pool);
    if (!pool || pg.seed >= pool.pgNumPending || isPendingMerge(pool, pg)) {
      toCancel.push(pg);
      continue;
    }
    const rawPg = rawPgToPg(pool, pg);
    const { raw, upmapped } = pgToRawUpmap(m, pg);
    const rule = pool.crushRule;
    if (verifyUpmap(cw, rule, pool.size, upmapped) < 0) {
      toCancel.push(pg);
      continue;
    }
    if (!weights.has(rule)) weights.set(rule, ruleWeightOsdMap(cw, rule));
    const wm = weights.get(rule);
    if (!wm) continue;
    let cancelled = false;
    for (const osd of upmapped) {
      const w = wm.get(osd);
      if (w === undefined || Math.fround(weightf(m, osd) * w) === 0) {
        toCancel.push(pg);
        cancelled = true;
        break;
      }
    }
    if (cancelled) continue;
    const explicit = m.pgUpmap.get(rawPg);
    if (explicit && explicit.length === raw.length && explicit.every((o, i) => o === raw[i])) {
      toCancel.push(pg);
      continue;
    }
    const items = m.pgUpmapItems.get(rawPg);
    if (items) {
      const kept = items.filter(([from, to]) => raw.includes(from) && !(to !== CRUSH_ITEM_NONE && to < m.maxOsd && to >= 0 && m.osdWeight[to] === 0));
      if (kept.length === 0) toCancel.push(pg);
      else if (kept.length !== items.length) toRemap.set(pg, kept);
    }
  }
  return { toCancel, toRemap };
}

/** OSDMap::clean_pg_upmaps: record the cancellations and simplifications in `inc`; true if anything changed. */
export function cleanPgUpmaps(m: OSDMap, inc: Incremental): boolean {
  const toCheck = [...new Map([...m.pgUpmap.keys(), ...m.pgUpmapItems.keys()].map((pg) => [`${pg.pool}.${pg.seed}`, pg])).values()];
  toCheck.sort((a, b) => a.pool - b.pool || a.seed - b.seed);
  const { toCancel, toRemap } = checkPgUpmaps(m, toCheck);
  const addOld = (list: PgT[], pg: PgT) => {
    if (!list.some((x) => x.pool === pg.pool && x.seed === pg.seed)) list.push(pg);
  };
  for (const pg of toCancel) {
    inc.newPgUpmap.delete(pg);
    if (m.pgUpmap.has(pg)) addOld(inc.oldPgUpmap, pg);
    inc.newPgUpmapItems.delete(pg);
    if (m.pgUpmapItems.has(pg)) addOld(inc.oldPgUpmapItems, pg);
  }
  for (const [pg, items] of toRemap) inc.newPgUpmapItems.set(pg, items);
  return toCancel.length > 0 || toRemap.size > 0;
}
