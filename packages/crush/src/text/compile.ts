/**
 * The crushtool text format, compiling side (src/crush/CrushCompiler.cc compile/parse_*): text in,
 * CrushWrapper out, producing the same map `crushtool -c` produces (ids assigned the same way, weights
 * through the same float arithmetic, shadow trees built at the first rule, buckets reordered when
 * one is used before it is defined) and the same error messages.
 */
import { Errno } from '@ts-ceph/common/core';
import { strtof, strtolInt, formatG } from '../cfmt';
import { getClassId, getOrCreateClassId, populateClasses, setItemClass } from '../classes';
import { additionIsUnsafe } from '../builder';
import { crushLimits } from '../limits';
import {
  bucketAlgByName,
  CEPH_PG_TYPE_ERASURE,
  CEPH_PG_TYPE_REPLICATED,
  CRUSH_BUCKET_UNIFORM,
  CRUSH_HASH_RJENKINS1,
  CRUSH_MAX_BUCKET_WEIGHT,
  CRUSH_MAX_DEVICE_WEIGHT,
  CRUSH_RULE_CHOOSE_FIRSTN,
  CRUSH_RULE_CHOOSE_INDEP,
  CRUSH_RULE_CHOOSELEAF_FIRSTN,
  CRUSH_RULE_CHOOSELEAF_INDEP,
  CRUSH_RULE_EMIT,
  CRUSH_RULE_TAKE,
  CrushChooseArgMap,
  CrushRuleStep,
  emptyChooseArg,
} from '../types';
import { ruleSetStepByText } from '../rule-steps';
import { CrushWrapper } from '../wrapper';
import { BucketNode, ChooseArgsNode, DeviceNode, normaliseCrushText, parseCrushText, RuleNode, TopNode, TunableNode, TypeNode } from './parse';

/** A compile failure: `messages` are what crushtool prints on stderr. */
export class CrushCompileError extends Error {
  constructor(
    readonly messages: string[],
    readonly errno: number,
  ) {
    super(messages.join('\n') || 'crush map compile failed');
    this.name = 'CrushCompileError';
  }
}

/** float -> unsigned as gcc does on x86-64: truncate through a 64-bit integer, keep the low 32 bits. */
function floatToU32(v: number): number {
  const t = Math.trunc(v);
  if (!(Math.abs(t) < 2 ** 63)) return 0;
  return t >>> 0;
}

/** A weight token as the compiler reads it: strtof(s) * (float)0x10000, converted to unsigned. */
function weightOf(s: string): number {
  return floatToU32(Math.fround(strtof(s) * 65536));
}

class Compiler {
  readonly cw = CrushWrapper.create();
  readonly err: string[] = [];
  private readonly itemId = new Map<string, number>();
  private readonly idItem = new Map<number, string>();
  private readonly itemWeight = new Map<number, number>();
  private readonly typeId = new Map<string, number>();
  private readonly ruleId = new Map<string, number>();
  private readonly classBucket = new Map<number, Map<number, number>>();

  constructor() {
    // Always start from legacy tunables so a given text compiles to the same map forever.
    this.cw.setTunables('legacy');
  }

  private fail(msg: string, errno = -1): never {
    this.err.push(msg);
    throw new CrushCompileError(this.err, errno);
  }

  device(n: DeviceNode): void {
    const id = strtolInt(n.id);
    this.cw.setItemName(id, n.name);
    if (this.itemId.has(n.name)) this.fail(`item ${n.name} defined twice`);
    this.itemId.set(n.name, id);
    this.idItem.set(id, n.name);
    if (n.className !== undefined) setItemClass(this.cw, id, n.className);
  }

  tunable(n: TunableNode): void {
    const v = strtolInt(n.value);
    const t = this.cw.tunables;
    switch (n.name) {
      case 'choose_local_tries':
        t.chooseLocalTries = v >>> 0;
        break;
      case 'choose_local_fallback_tries':
        t.chooseLocalFallbackTries = v >>> 0;
        break;
      case 'choose_total_tries':
        t.chooseTotalTries = v >>> 0;
        break;
      case 'chooseleaf_descend_once':
        t.chooseleafDescendOnce = v ? 1 : 0;
        break;
      case 'chooseleaf_vary_r':
        t.chooseleafVaryR = v & 0xff;
        break;
      case 'chooseleaf_stable':
        t.chooseleafStable = v & 0xff;
        break;
      case 'straw_calc_version':
        t.strawCalcVersion = v & 0xff;
        break;
      case 'allowed_bucket_algs':
        t.allowedBucketAlgs = v >>> 0;
        break;
      default:
        this.fail(`tunable ${n.name} not recognized`);
    }
  }

  type(n: TypeNode): void {
    const id = strtolInt(n.id);
    this.typeId.set(n.name, id);
    this.cw.setTypeName(id, n.name);
  }

  bucket(n: BucketNode): void {
    const cw = this.cw;
    const type = this.typeId.get(n.typeName);
    if (type === undefined) this.fail(`bucket type '${n.typeName}' is not defined`);
    if (this.itemId.has(n.name)) this.fail(`bucket or device '${n.name}' is already defined`);
    let id = 0;
    const classIds = new Map<number, number>();
    for (const t of n.ids) {
      const maybe = strtolInt(t.id);
      if (t.className !== undefined) {
        // Not checked for existence: the shadow tree may be empty but still used by a rule.
        const cid = getOrCreateClassId(cw, t.className);
        if (classIds.has(cid)) this.fail(`duplicate device class ${t.className} for bucket ${n.name}`, -Errno.ERANGE);
        classIds.set(cid, maybe);
      } else {
        id = maybe;
      }
    }
    const alg = bucketAlgByName(n.alg);
    if (alg < 0) this.fail(`unknown bucket alg '${n.alg}'\n`, -Errno.EINVAL);
    let hash = 0;
    for (const h of n.hashes) hash = h === 'rjenkins1' ? CRUSH_HASH_RJENKINS1 : strtolInt(h);

    const used = new Set<number>();
    for (const it of n.items) {
      if (it.pos === undefined) continue;
      const pos = strtolInt(it.pos);
      if (used.has(pos)) this.fail(`item '${it.name}' in bucket '${n.name}' has explicit pos ${pos}, which is occupied`);
      used.add(pos);
    }
    let size = n.items.length;
    if (used.size) size = Math.max(size, Math.max(...used));
    if (size > crushLimits.bucketItemsMax) this.fail(`bucket '${n.name}' has too many items (${size})`, -Errno.ERANGE);
    const items = new Array<number>(size).fill(0);
    const weights = new Array<number>(size).fill(0);
    let curpos = 0;
    let bucketWeight = 0;
    let uniformWeight: number | undefined;
    for (const it of n.items) {
      const itemid = this.itemId.get(it.name);
      if (itemid === undefined) this.fail(`item '${it.name}' in bucket '${n.name}' is not defined`);
      let weight = this.itemWeight.get(itemid) ?? 0x10000;
      if (it.weight !== undefined) {
        weight = weightOf(it.weight);
        if (weight > CRUSH_MAX_DEVICE_WEIGHT && itemid >= 0) this.fail(`device weight limited to ${CRUSH_MAX_DEVICE_WEIGHT / 0x10000}`, -Errno.ERANGE);
        if (weight > CRUSH_MAX_BUCKET_WEIGHT && itemid < 0) this.fail(`bucket weight limited to ${CRUSH_MAX_BUCKET_WEIGHT / 0x10000} to prevent overflow`, -Errno.ERANGE);
      }
      if (alg === CRUSH_BUCKET_UNIFORM) {
        if (uniformWeight === undefined) uniformWeight = weight;
        else if (uniformWeight !== weight) {
          this.fail(
            `item '${it.name}' in uniform bucket '${n.name}' has weight ${weight} but previous item(s) have weight ` +
              `${formatG(Math.fround(uniformWeight) / 65536)}; uniform bucket items must all have identical weights.`,
          );
        }
      }
      let pos = it.pos === undefined ? -1 : strtolInt(it.pos);
      if (pos >= size) this.fail(`item '${it.name}' in bucket '${n.name}' has pos ${pos} >= size ${size}`);
      if (pos < 0) {
        while (used.has(curpos)) curpos++;
        pos = curpos++;
      }
      items[pos] = itemid;
      weights[pos] = weight;
      if (additionIsUnsafe(bucketWeight, weight)) {
        this.fail('oh no! our bucket weights are overflowing all over the place, better lower the item weights', -Errno.ERANGE);
      }
      bucketWeight = (bucketWeight + weight) >>> 0;
    }
    if (id === 0) for (id = -1; this.idItem.has(id); id--);
    for (const [cid, v] of classIds) {
      let m = this.classBucket.get(id);
      if (!m) this.classBucket.set(id, (m = new Map()));
      m.set(cid, v);
    }
    this.idItem.set(id, n.name);
    this.itemId.set(n.name, id);
    this.itemWeight.set(id, bucketWeight);
    const { r } = cw.addBucket(id, alg, hash, type, items, weights);
    if (r < 0) this.fail(r === -Errno.EEXIST ? `Duplicate bucket id ${id}` : `add_bucket failed error ${r}`, r);
    cw.setItemName(id, n.name);
  }

  rule(n: RuleNode): void {
    const cw = this.cw;
    const rname = n.name ?? '';
    if (n.name !== undefined && this.ruleId.has(n.name)) this.fail(`rule name '${n.name}' already defined\n`);
    const ruleno = strtolInt(n.id);
    const type = n.type === 'replicated' ? CEPH_PG_TYPE_REPLICATED : CEPH_PG_TYPE_ERASURE;
    if (cw.ruleExists(ruleno)) this.fail(`rule ${ruleno} already exists`);
    const steps: CrushRuleStep[] = [];
    for (const s of n.steps) {
      switch (s.op) {
        case 'take': {
          let id = this.itemId.get(s.item);
          if (id === undefined) this.fail(`in rule '${rname}' item '${s.item}' not defined`);
          if (s.className !== undefined) {
            const c = getClassId(cw, s.className);
            // Ceph gives up here without a message.
            if (c < 0) throw new CrushCompileError(this.err, c);
            const m = cw.classBucket.get(id);
            if (!m) this.fail(`in rule '${rname}' step take ${s.item} has no class information`, -Errno.EINVAL);
            const shadow = m.get(c);
            if (shadow === undefined) this.fail(`in rule '${rname}' step take ${s.item} no matching bucket for class ${s.className}`, -Errno.EINVAL);
            id = shadow;
          }
          steps.push({ op: CRUSH_RULE_TAKE, arg1: id, arg2: 0 });
          break;
        }
        case 'choose':
        case 'chooseleaf': {
          const t = this.typeId.get(s.type);
          if (t === undefined) this.fail(`in rule '${rname}' type '${s.type}' not defined`);
          const op =
            s.op === 'choose'
              ? s.mode === 'firstn'
                ? CRUSH_RULE_CHOOSE_FIRSTN
                : CRUSH_RULE_CHOOSE_INDEP
              : s.mode === 'firstn'
                ? CRUSH_RULE_CHOOSELEAF_FIRSTN
                : CRUSH_RULE_CHOOSELEAF_INDEP;
          steps.push({ op, arg1: strtolInt(s.num), arg2: t });
          break;
        }
        case 'emit':
          steps.push({ op: CRUSH_RULE_EMIT, arg1: 0, arg2: 0 });
          break;
        default:
          // The parser only lets through the set_* keywords the table holds.
          steps.push({ op: ruleSetStepByText(s.op)!.op, arg1: strtolInt(s.value), arg2: 0 });
      }
    }
    const r = cw.addRule(cw.makeRule(ruleno, type, strtolInt(n.minSize), strtolInt(n.maxSize), steps), ruleno);
    if (r !== ruleno) this.fail(`unable to add rule id ${ruleno} for rule '${rname}'`);
    if (n.name !== undefined) {
      cw.setRuleName(ruleno, n.name);
      this.ruleId.set(n.name, ruleno);
    }
  }

  chooseArgs(n: ChooseArgsNode): void {
    const cw = this.cw;
    const index = strtolInt(n.index);
    if (cw.chooseArgs.has(index)) this.fail(`${index} duplicated`);
    const cmap: CrushChooseArgMap = cw.buckets.map(() => emptyChooseArg());
    for (const a of n.args) {
      const bucketId = strtolInt(a.bucketId);
      if (-1 - bucketId < 0 || -1 - bucketId >= cw.buckets.length) this.fail(`${bucketId} is out of range`);
      const b = cw.getBucket(bucketId);
      if (!b) this.fail(`${bucketId} does not exist`);
      const arg = cmap[-1 - bucketId];
      if (a.weightSet !== undefined) {
        arg.weightSet = a.weightSet.map((ws) => {
          if (ws.length !== b.items.length) this.fail(`${bucketId} needs exactly ${b.items.length} weights but got ${ws.length}`);
          return ws.map(weightOf);
        });
      }
      if (a.ids !== undefined) {
        if (a.ids.length !== b.items.length) this.fail(`${bucketId} needs exactly ${b.items.length} ids but got ${a.ids.length}`);
        arg.ids = a.ids.map(strtolInt);
      }
    }
    cw.chooseArgs.set(index, cmap);
  }

  /** parse_crush: ids in use first, then every item in order; shadow trees at the first rule. */
  run(nodes: TopNode[]): void {
    for (const n of nodes) {
      if (n.kind !== 'bucket') continue;
      for (const t of n.ids) this.idItem.set(strtolInt(t.id), '');
    }
    let sawRule = false;
    for (const n of nodes) {
      switch (n.kind) {
        case 'tunable':
          this.tunable(n);
          break;
        case 'device':
          this.device(n);
          break;
        case 'type':
          this.type(n);
          break;
        case 'bucket':
          if (sawRule) this.fail('buckets must be defined before rules');
          this.bucket(n);
          break;
        case 'rule':
          if (!sawRule) {
            sawRule = true;
            populateClasses(this.cw, this.classBucket);
          }
          this.rule(n);
          break;
        case 'choose_args':
          this.chooseArgs(n);
          break;
      }
    }
    this.cw.finalize();
  }
}

/**
 * adjust_bucket_item_place: when bucket A (earlier) contains bucket B (later), swap their places so
 * that B is compiled first. Like Ceph, the remembered places are not updated after a swap.
 */
function adjustBucketItemPlace(nodes: TopNode[], err: string[]): void {
  const names: string[] = [];
  const place = new Map<string, number>();
  const contents = new Map<string, Set<string>>();
  nodes.forEach((n, i) => {
    if (n.kind !== 'bucket') return;
    names.push(n.name);
    place.set(n.name, i);
    contents.set(n.name, new Set(n.items.map((it) => it.name)));
  });
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      if (!contents.get(names[i])!.has(names[j])) continue;
      if (contents.get(names[j])!.has(names[i])) {
        err.push(`bucket  '${names[i]}' and bucket '${names[j]}' are included each other`);
        throw new CrushCompileError(err, -1);
      }
      const a = place.get(names[i])!;
      const b = place.get(names[j])!;
      [nodes[a], nodes[b]] = [nodes[b], nodes[a]];
    }
  }
}

/**
 * Compile crushtool text into a CrushWrapper, as `crushtool -c` does. Throws CrushCompileError with
 * crushtool's messages; `infn` names the input in parse errors.
 */
export function compileCrush(text: string, infn = '<input>'): CrushWrapper {
  if (text.length > crushLimits.textBytesMax) throw new CrushCompileError([`${infn}: text map larger than ${crushLimits.textBytesMax} bytes`], -Errno.EFBIG);
  const { big, linePos, lines } = normaliseCrushText(text);
  const parsed = parseCrushText(big);
  if (parsed.stop !== undefined) {
    let line = 1;
    let start = 0;
    for (const [p, l] of linePos) {
      if (p > parsed.stop) break;
      line = l;
      start = p;
    }
    const rest = (lines[line - 1] ?? '').slice(parsed.stop - start);
    throw new CrushCompileError([`${infn}:${line} error: parse error at '${rest}'`], -Errno.EINVAL);
  }
  const err: string[] = [];
  adjustBucketItemPlace(parsed.nodes, err);
  const c = new Compiler();
  c.run(parsed.nodes);
  return c.cw;
}
