/**
 * The crushtool text format, decompiling side (src/crush/CrushCompiler.cc decompile): byte-for-byte
 * what `crushtool -d` prints, including its quirks (weights printed from floats with %.3f, choose_args
 * indexes printed as unsigned 64-bit, shadow buckets omitted, output cut short where Ceph gives up).
 */
import { formatFixed } from '../cfmt';
import { splitIdClass } from '../classes';
import { crushLimits } from '../limits';
import {
  bucketAlgName,
  CEPH_PG_TYPE_ERASURE,
  CEPH_PG_TYPE_REPLICATED,
  CRUSH_BUCKET_LIST,
  CRUSH_BUCKET_TREE,
  CRUSH_BUCKET_UNIFORM,
  CRUSH_LEGACY_ALLOWED_BUCKET_ALGS,
  CRUSH_RULE_CHOOSE_FIRSTN,
  CRUSH_RULE_CHOOSE_INDEP,
  CRUSH_RULE_CHOOSELEAF_FIRSTN,
  CRUSH_RULE_CHOOSELEAF_INDEP,
  CRUSH_RULE_EMIT,
  CRUSH_RULE_NOOP,
  CRUSH_RULE_TAKE,
  CrushChooseArgMap,
  CrushRule,
  hashName,
} from '../types';
import { ruleSetStepByOp } from '../rule-steps';
import { bucketItemWeight } from '../builder';
import { CrushWrapper, isValidCrushName, sortedEntries } from '../wrapper';

/** print_fixedpoint: (float)i / (float)0x10000 printed with %.3f. */
export function fixedpoint(i: number): string {
  return formatFixed(Math.fround(i | 0) / 65536, 3);
}

function typeName(cw: CrushWrapper, t: number): string {
  return cw.getTypeName(t) ?? (t === 0 ? 'device' : `type${t}`);
}

function itemName(cw: CrushWrapper, id: number): string {
  return cw.getItemName(id) ?? (id >= 0 ? `device${id}` : `bucket${-1 - id}`);
}

class Decompiler {
  readonly out: string[] = [];
  readonly err: string[] = [];
  private readonly state = new Map<number, 'progress' | 'done'>();

  constructor(private readonly cw: CrushWrapper) {}

  private bucketImpl(id: number): void {
    const cw = this.cw;
    const name = cw.getItemName(id);
    if (name !== undefined && !isValidCrushName(name)) return;
    const b = cw.getBucket(id)!;
    const o = this.out;
    o.push(`${typeName(cw, b.type)} ${itemName(cw, id)} {\n`);
    o.push(`\tid ${id}\t\t# do not change unnecessarily\n`);
    for (const [c, cid] of sortedEntries(cw.classBucket.get(id) ?? new Map<number, number>())) {
      o.push(`\tid ${cid} class ${cw.className.get(c) ?? ''}\t\t# do not change unnecessarily\n`);
    }
    o.push(`\t# weight ${fixedpoint(b.weight)}\n`);
    let line = `\talg ${bucketAlgName(b.alg)}`;
    let dopos = false;
    if (b.alg === CRUSH_BUCKET_UNIFORM) {
      line += `\t# do not change bucket size (${b.items.length}) unnecessarily`;
      dopos = true;
    } else if (b.alg === CRUSH_BUCKET_LIST) {
      line += '\t# add new items at the end; do not change order unnecessarily';
    } else if (b.alg === CRUSH_BUCKET_TREE) {
      line += '\t# do not change pos for existing items unnecessarily';
      dopos = true;
    }
    o.push(line + '\n');
    o.push(`\thash ${b.hash}\t# ${hashName(b.hash)}\n`);
    b.items.forEach((item, j) => {
      o.push(`\titem ${itemName(cw, item)} weight ${fixedpoint(bucketItemWeight(b, j))}${dopos ? ` pos ${j}` : ''}\n`);
    });
    o.push('}\n');
  }

  /** decompile_bucket: children first, each bucket once; a cycle is an error. */
  bucket(cur: number, depth: number): boolean {
    if (cur === 0 || !this.cw.bucketExists(cur)) return true;
    const st = this.state.get(cur);
    if (st === 'done') return true;
    if (st === 'progress' || depth > crushLimits.hierarchyDepthMax) {
      this.err.push('decompile_crush_bucket: logic error: tried to decompile a bucket that is already being decompiled');
      return false;
    }
    this.state.set(cur, 'progress');
    for (const item of this.cw.getBucket(cur)!.items) {
      const d = this.state.get(item);
      if (d === undefined) {
        if (!this.bucket(item, depth + 1)) return false;
      } else if (d === 'progress') {
        this.err.push(
          `decompile_crush_bucket: error: while trying to output bucket ${cur}, we found out that it contains one of the buckets that contain it. ` +
            'This is not allowed. The buckets must form a directed acyclic graph.',
        );
        return false;
      }
    }
    this.bucketImpl(cur);
    this.state.set(cur, 'done');
    return true;
  }

  rule(i: number, r: CrushRule): boolean {
    const cw = this.cw;
    const o = this.out;
    o.push(`rule ${cw.getRuleName(i) ?? ''} {\n`);
    o.push(`\tid ${i}\n`);
    if (i !== r.ruleset) o.push(`\t# WARNING: ruleset ${r.ruleset} != id ${i}; this will not recompile to the same map\n`);
    if (r.type === CEPH_PG_TYPE_REPLICATED) o.push('\ttype replicated\n');
    else if (r.type === CEPH_PG_TYPE_ERASURE) o.push('\ttype erasure\n');
    else o.push(`\ttype ${r.type}\n`);
    o.push(`\tmin_size ${r.minSize}\n`);
    o.push(`\tmax_size ${r.maxSize}\n`);
    for (const s of r.steps) {
      switch (s.op) {
        case CRUSH_RULE_NOOP:
          o.push('\tstep noop\n');
          break;
        case CRUSH_RULE_TAKE: {
          o.push('\tstep take ');
          const sp = splitIdClass(cw, s.arg1);
          // Ceph stops decompiling here (the rest of the output is lost).
          if (typeof sp === 'number') return false;
          o.push(sp.classId >= 0 ? `${itemName(cw, sp.id)} class ${cw.className.get(sp.classId) ?? ''}` : itemName(cw, s.arg1));
          o.push('\n');
          break;
        }
        case CRUSH_RULE_EMIT:
          o.push('\tstep emit\n');
          break;
        case CRUSH_RULE_CHOOSE_FIRSTN:
          o.push(`\tstep choose firstn ${s.arg1} type ${typeName(cw, s.arg2)}\n`);
          break;
        case CRUSH_RULE_CHOOSE_INDEP:
          o.push(`\tstep choose indep ${s.arg1} type ${typeName(cw, s.arg2)}\n`);
          break;
        case CRUSH_RULE_CHOOSELEAF_FIRSTN:
          o.push(`\tstep chooseleaf firstn ${s.arg1} type ${typeName(cw, s.arg2)}\n`);
          break;
        case CRUSH_RULE_CHOOSELEAF_INDEP:
          o.push(`\tstep chooseleaf indep ${s.arg1} type ${typeName(cw, s.arg2)}\n`);
          break;
        default: {
          const set = ruleSetStepByOp(s.op);
          if (set) o.push(`\tstep ${set.text} ${s.arg1}\n`);
          break;
        }
      }
    }
    o.push('}\n');
    return true;
  }

  chooseArgs(index: number, cmap: CrushChooseArgMap): void {
    const o = this.out;
    // Ceph converts the int64 key to unsigned long when printing: -1 prints as 2^64 - 1.
    o.push(`choose_args ${BigInt.asUintN(64, BigInt(index))} {\n`);
    cmap.forEach((a, i) => {
      if (a.ids.length === 0 && a.weightSet.length === 0) return;
      o.push('  {\n');
      o.push(`    bucket_id ${-1 - i}\n`);
      if (a.weightSet.length > 0) {
        o.push('    weight_set [\n');
        for (const ws of a.weightSet) o.push(`      [ ${ws.map((w) => fixedpoint(w) + ' ').join('')}]\n`);
        o.push('    ]\n');
      }
      if (a.ids.length > 0) o.push(`    ids [ ${a.ids.map((id) => `${id} `).join('')}]\n`);
      o.push('  }\n');
    });
    o.push('}\n');
  }

  run(): void {
    const cw = this.cw;
    const t = cw.tunables;
    const o = this.out;
    o.push('# begin crush map\n');
    // Only tunables that differ from the legacy defaults are written.
    if (t.chooseLocalTries !== 2) o.push(`tunable choose_local_tries ${t.chooseLocalTries}\n`);
    if (t.chooseLocalFallbackTries !== 5) o.push(`tunable choose_local_fallback_tries ${t.chooseLocalFallbackTries}\n`);
    if (t.chooseTotalTries !== 19) o.push(`tunable choose_total_tries ${t.chooseTotalTries}\n`);
    if (t.chooseleafDescendOnce !== 0) o.push(`tunable chooseleaf_descend_once ${t.chooseleafDescendOnce}\n`);
    if (t.chooseleafVaryR !== 0) o.push(`tunable chooseleaf_vary_r ${t.chooseleafVaryR}\n`);
    if (t.chooseleafStable !== 0) o.push(`tunable chooseleaf_stable ${t.chooseleafStable}\n`);
    if (t.strawCalcVersion !== 0) o.push(`tunable straw_calc_version ${t.strawCalcVersion}\n`);
    if (t.allowedBucketAlgs !== CRUSH_LEGACY_ALLOWED_BUCKET_ALGS) o.push(`tunable allowed_bucket_algs ${t.allowedBucketAlgs}\n`);

    o.push('\n# devices\n');
    for (let i = 0; i < cw.maxDevices; i++) {
      const name = cw.getItemName(i);
      if (name === undefined) continue;
      const c = cw.classMap.get(i);
      const cname = c === undefined ? undefined : cw.className.get(c);
      o.push(`device ${i} ${name}${cname !== undefined ? ` class ${cname}` : ''}\n`);
    }

    o.push('\n# types\n');
    let n = cw.typeMap.size;
    const top = cw.getMaxTypeId();
    for (let i = 0; n && i <= top; i++) {
      const name = cw.getTypeName(i);
      if (name === undefined) {
        if (i === 0) o.push('type 0 osd\n');
        continue;
      }
      n--;
      o.push(`type ${i} ${name}\n`);
    }

    o.push('\n# buckets\n');
    for (let b = -1; b > -1 - cw.buckets.length; b--) if (!this.bucket(b, 0)) return;

    o.push('\n# rules\n');
    for (let i = 0; i < cw.rules.length; i++) {
      const r = cw.rules[i];
      if (r && !this.rule(i, r)) return;
    }
    if (cw.chooseArgs.size > 0) {
      o.push('\n# choose_args\n');
      for (const [index, cmap] of sortedEntries(cw.chooseArgs)) this.chooseArgs(index, cmap);
    }
    o.push('\n# end crush map\n');
  }
}

export interface DecompileResult {
  text: string;
  /** What crushtool would print on stderr (a cycle among buckets). */
  errors: string[];
}

/** CrushCompiler::decompile, with the messages it writes to stderr. */
export function decompileCrushDetailed(cw: CrushWrapper): DecompileResult {
  const d = new Decompiler(cw);
  d.run();
  return { text: d.out.join(''), errors: d.err };
}

/** The text of `crushtool -d`. */
export function decompileCrush(cw: CrushWrapper): string {
  return decompileCrushDetailed(cw).text;
}
