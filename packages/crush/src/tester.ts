/**
 * The mapping test of `crushtool --test` (src/crush/CrushTester.cc test()): run every selected rule
 * over a range of inputs and replica counts and print what crushtool prints (--show-mappings,
 * --show-bad-mappings, --show-statistics, --show-utilization[-all], --show-choose-tries). Output is
 * returned as text; the caller writes it. Random placement (--simulate) and the random mark-down
 * ratios are not supported.
 */
import { formatG } from './cfmt';
import { crushHash32_2 } from './hash';
import { CrushWork } from './choose';
import { doRule } from './mapper';
import { CRUSH_HASH_RJENKINS1, CRUSH_ITEM_NONE } from './types';
import { CrushWrapper } from './wrapper';

export interface CrushTestOptions {
  minX?: number;
  maxX?: number;
  minRule?: number;
  maxRule?: number;
  ruleset?: number;
  minRep?: number;
  maxRep?: number;
  poolId?: number;
  batches?: number;
  /** --weight: device id -> u32 16.16 (already clamped to [0, 0x10000]). */
  deviceWeight?: ReadonlyMap<number, number>;
  showMappings?: boolean;
  showBadMappings?: boolean;
  showStatistics?: boolean;
  showUtilization?: boolean;
  showUtilizationAll?: boolean;
  showChooseTries?: boolean;
}

/** CrushTester::set_device_weight: (int)(f * 0x10000) in float arithmetic, clamped to [0, 0x10000]. */
export function testerDeviceWeight(f: number): number {
  let w = Math.trunc(Math.fround(Math.fround(f) * 65536));
  if (!(w >= 0)) w = 0;
  if (w > 0x10000) w = 0x10000;
  return w;
}

/** The vector<int> stream operator: "[1,2,3]". */
function fmtVec(v: readonly number[]): string {
  return `[${v.join(',')}]`;
}

/** get_maximum_affected_by_rule: an upper bound on distinct results, for the expected counts. */
function maximumAffectedByRule(cw: CrushWrapper, ruleno: number): number {
  const rule = cw.rules[ruleno]!;
  const affected: number[] = [];
  const replications = new Map<number, number>();
  for (const s of rule.steps) {
    if (s.op >= 2 && s.op !== 4) {
      affected.push(s.arg2);
      replications.set(s.arg2, s.arg1);
    }
  }
  const maxOfType = new Map<number, number>();
  for (const t of affected) {
    for (const id of cw.nameMap.keys()) {
      const b = cw.getBucket(id);
      const btype = b ? b.type : -2;
      if (btype === t) maxOfType.set(t, (maxOfType.get(t) ?? 0) + 1);
    }
  }
  for (const t of affected) {
    const rep = replications.get(t) ?? 0;
    if (rep > 0 && rep < (maxOfType.get(t) ?? 0)) maxOfType.set(t, rep);
  }
  let maxAffected = Math.max(cw.buckets.length, cw.maxDevices);
  for (const t of affected) {
    const m = maxOfType.get(t) ?? 0;
    if (m > 0 && m < maxAffected) maxAffected = m;
  }
  return maxAffected;
}

/** CrushTester::test(): the lines crushtool prints to stdout. */
export function crushTest(cw: CrushWrapper, o: CrushTestOptions = {}): string {
  const out: string[] = [];
  let minRule = o.minRule ?? -1;
  let maxRule = o.maxRule ?? -1;
  if (minRule < 0 || maxRule < 0) {
    minRule = 0;
    maxRule = cw.rules.length - 1;
  }
  let minX = o.minX ?? -1;
  let maxX = o.maxX ?? -1;
  if (minX < 0 || maxX < 0) {
    minX = 0;
    maxX = 1023;
  }
  const ruleset = o.ruleset ?? -1;
  const showStats = !!(o.showStatistics || o.showUtilization || o.showUtilizationAll);
  const weight = new Uint32Array(Math.max(cw.maxDevices, 0));
  for (let d = 0; d < weight.length; d++) {
    const dw = o.deviceWeight?.get(d);
    weight[d] = dw !== undefined ? dw : cw.checkItemPresent(d) ? 0x10000 : 0;
  }
  const chooseTries = o.showChooseTries ? new Array<number>(cw.tunables.chooseTotalTries + 1).fill(0) : undefined;
  const work = new CrushWork();
  const batches = o.batches && o.batches > 0 ? o.batches : 1;

  for (let r = minRule; r < cw.rules.length && r <= maxRule; r++) {
    if (!cw.ruleExists(r)) {
      if (showStats) out.push(`rule ${r} dne`);
      continue;
    }
    const rule = cw.rules[r]!;
    if (ruleset >= 0 && rule.ruleset !== ruleset) continue;
    let minr = o.minRep ?? -1;
    let maxr = o.maxRep ?? -1;
    if (minr < 0 || maxr < 0) {
      minr = rule.minSize;
      maxr = rule.maxSize;
    }
    const rname = cw.getRuleName(r) ?? '';
    if (showStats) out.push(`rule ${r} (${rname}), x = ${minX}..${maxX}, numrep = ${minr}..${maxr}`);
    for (let nr = minr; nr <= maxr; nr++) {
      let total = 0;
      for (const w of weight) total = (total + w) | 0;
      if (total === 0) continue;
      const per = new Array<number>(weight.length).fill(0);
      const sizes = new Map<number, number>();
      const numObjects = maxX - minX + 1;
      const objectsPerBatch = Math.trunc(numObjects / batches);
      let batchMin = minX;
      let batchMax = minX + objectsPerBatch - 1;
      for (let batch = 0; batch < batches; batch++) {
        if (batch === batches - 1) batchMax = maxX;
        for (let x = batchMin; x <= batchMax; x++) {
          const realX = o.poolId !== undefined && o.poolId !== -1 ? crushHash32_2(CRUSH_HASH_RJENKINS1, x, o.poolId >>> 0) : x;
          const res = doRule(cw, r, realX, nr, weight, cw.chooseArgsGetWithFallback(0), { work, chooseTries });
          if (o.showMappings) out.push(`CRUSH rule ${r} x ${x} ${fmtVec(res)}`);
          let hasNone = false;
          for (const d of res) {
            if (d !== CRUSH_ITEM_NONE) per[d] = (per[d] ?? 0) + 1;
            else hasNone = true;
          }
          sizes.set(res.length, (sizes.get(res.length) ?? 0) + 1);
          if (o.showBadMappings && (res.length !== nr || hasNone)) out.push(`bad mapping rule ${r} x ${x} num_rep ${nr} result ${fmtVec(res)}`);
        }
        batchMin = batchMax + 1;
        batchMax = batchMin + objectsPerBatch - 1;
      }
      if (o.showUtilization && !showStats) for (let i = 0; i < per.length; i++) out.push(`  device ${i}:\t${per[i]}`);
      if (showStats) {
        for (const [size, n] of [...sizes.entries()].sort((a, b) => a[0] - b[0])) {
          out.push(`rule ${r} (${rname}) num_rep ${nr} result size == ${size}:\t${n}/${maxX - minX + 1}`);
        }
        if (o.showUtilization || o.showUtilizationAll) {
          const expectedObjects = Math.fround(Math.min(nr, maximumAffectedByRule(cw, r)) * numObjects);
          for (let i = 0; i < per.length; i++) {
            const prop = Math.fround(Math.fround(weight[i]) / Math.fround(total));
            const expected = Math.fround(prop * expectedObjects);
            if (o.showUtilization ? expected > 0 && per[i] > 0 : true) {
              out.push(`  device ${i}:\t\t stored : ${per[i]}\t expected : ${formatG(expected)}`);
            }
          }
        }
      }
    }
  }
  if (chooseTries) {
    for (let i = 0; i < cw.tunables.chooseTotalTries; i++) out.push(`${String(i).padStart(2)}: ${String(chooseTries[i]).padStart(9)}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** CrushTester::compare: run both maps over the same inputs and count differing mappings. */
export function compareMaps(a: CrushWrapper, b: CrushWrapper, o: CrushTestOptions = {}): { stdout: string; stderr: string; equivalent: boolean } {
  const out: string[] = [];
  let minRule = o.minRule ?? -1;
  let maxRule = o.maxRule ?? -1;
  if (minRule < 0 || maxRule < 0) {
    minRule = 0;
    maxRule = a.rules.length - 1;
  }
  let minX = o.minX ?? -1;
  let maxX = o.maxX ?? -1;
  if (minX < 0 || maxX < 0) {
    minX = 0;
    maxX = 1023;
  }
  const weight = new Uint32Array(Math.max(a.maxDevices, 0));
  for (let d = 0; d < weight.length; d++) {
    const dw = o.deviceWeight?.get(d);
    weight[d] = dw !== undefined ? dw : a.checkItemPresent(d) ? 0x10000 : 0;
  }
  let equivalent = true;
  const showStats = !!(o.showStatistics || o.showUtilization || o.showUtilizationAll);
  for (let r = minRule; r < a.rules.length && r <= maxRule; r++) {
    const rule = a.rules[r];
    if (!rule) {
      if (showStats) out.push(`rule ${r} dne`);
      continue;
    }
    if ((o.ruleset ?? -1) >= 0 && rule.ruleset !== o.ruleset) continue;
    let minr = o.minRep ?? -1;
    let maxr = o.maxRep ?? -1;
    if (minr < 0 || maxr < 0) {
      minr = rule.minSize;
      maxr = rule.maxSize;
    }
    let bad = 0;
    for (let nr = minr; nr <= maxr; nr++) {
      for (let x = minX; x <= maxX; x++) {
        const m1 = a.doRule(r, x, nr, weight, 0);
        const m2 = b.doRule(r, x, nr, weight, 0);
        if (m1.length !== m2.length || m1.some((v, i) => v !== m2[i])) bad++;
      }
    }
    if (bad) equivalent = false;
    const max = (maxr - minr + 1) * (maxX - minX + 1);
    out.push(`rule ${r} had ${bad}/${max} mismatched mappings (${formatG(bad / max)})`);
  }
  if (equivalent) out.push('maps appear equivalent');
  return { stdout: out.map((l) => l + '\n').join(''), stderr: equivalent ? '' : 'warning: maps are NOT equivalent\n', equivalent };
}
