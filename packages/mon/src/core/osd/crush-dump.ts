/**
 * CrushWrapper's JSON dumps (src/crush/CrushWrapper.cc dump, dump_rule, dump_tunables,
 * dump_choose_args) and list_rules, for `osd crush dump / rule dump / rule ls / show-tunables`.
 */
import {
  CrushWrapper,
  getItemClass,
  tunablesProfileOf,
  hasOptimalTunables,
  hasLegacyTunables,
  CRUSH_RULE_NOOP,
  CRUSH_RULE_TAKE,
  CRUSH_RULE_EMIT,
  CRUSH_RULE_CHOOSE_FIRSTN,
  CRUSH_RULE_CHOOSE_INDEP,
  CRUSH_RULE_CHOOSELEAF_FIRSTN,
  CRUSH_RULE_CHOOSELEAF_INDEP,
  CRUSH_RULE_SET_CHOOSE_TRIES,
  CRUSH_RULE_SET_CHOOSELEAF_TRIES,
} from '@ts-ceph/crush';
import { JsonFormatter } from '@ts-ceph/maps';

const ALG_NAMES: Record<number, string> = { 1: 'uniform', 2: 'list', 3: 'tree', 4: 'straw', 5: 'straw2' };

export function dumpRule(f: JsonFormatter, cw: CrushWrapper, ruleno: number): void {
  const r = cw.rules[ruleno]!;
  f.openObject('rule');
  f.dumpInt('rule_id', ruleno);
  const name = cw.getRuleName(ruleno);
  if (name !== undefined) f.dumpString('rule_name', name);
  f.dumpInt('ruleset', r.ruleset);
  f.dumpInt('type', r.type);
  f.dumpInt('min_size', r.minSize);
  f.dumpInt('max_size', r.maxSize);
  f.openArray('steps');
  for (const s of r.steps) {
    f.openObject('step');
    const typed = (op: string) => {
      f.dumpString('op', op);
      f.dumpInt('num', s.arg1);
      f.dumpString('type', cw.getTypeName(s.arg2) ?? '');
    };
    switch (s.op) {
      case CRUSH_RULE_NOOP:
        f.dumpString('op', 'noop');
        break;
      case CRUSH_RULE_TAKE:
        f.dumpString('op', 'take');
        f.dumpInt('item', s.arg1);
        f.dumpString('item_name', cw.getItemName(s.arg1) ?? '');
        break;
      case CRUSH_RULE_EMIT:
        f.dumpString('op', 'emit');
        break;
      case CRUSH_RULE_CHOOSE_FIRSTN:
        typed('choose_firstn');
        break;
      case CRUSH_RULE_CHOOSE_INDEP:
        typed('choose_indep');
        break;
      case CRUSH_RULE_CHOOSELEAF_FIRSTN:
        typed('chooseleaf_firstn');
        break;
      case CRUSH_RULE_CHOOSELEAF_INDEP:
        typed('chooseleaf_indep');
        break;
      case CRUSH_RULE_SET_CHOOSE_TRIES:
        f.dumpString('op', 'set_choose_tries');
        f.dumpInt('num', s.arg1);
        break;
      case CRUSH_RULE_SET_CHOOSELEAF_TRIES:
        f.dumpString('op', 'set_chooseleaf_tries');
        f.dumpInt('num', s.arg1);
        break;
      default:
        f.dumpInt('opcode', s.op);
        f.dumpInt('arg1', s.arg1);
        f.dumpInt('arg2', s.arg2);
    }
    f.close();
  }
  f.close();
  f.close();
}

export function ruleIds(cw: CrushWrapper): number[] {
  return cw.rules.map((r, i) => (r ? i : -1)).filter((i) => i >= 0);
}

export function dumpTunables(f: JsonFormatter, cw: CrushWrapper): void {
  const t = cw.tunables;
  f.dumpInt('choose_local_tries', t.chooseLocalTries);
  f.dumpInt('choose_local_fallback_tries', t.chooseLocalFallbackTries);
  f.dumpInt('choose_total_tries', t.chooseTotalTries);
  f.dumpInt('chooseleaf_descend_once', t.chooseleafDescendOnce);
  f.dumpInt('chooseleaf_vary_r', t.chooseleafVaryR);
  f.dumpInt('chooseleaf_stable', t.chooseleafStable);
  f.dumpInt('straw_calc_version', t.strawCalcVersion);
  f.dumpInt('allowed_bucket_algs', t.allowedBucketAlgs);
  f.dumpString('profile', tunablesProfileOf(t) ?? 'unknown');
  f.dumpInt('optimal_tunables', hasOptimalTunables(t) ? 1 : 0);
  f.dumpInt('legacy_tunables', hasLegacyTunables(t) ? 1 : 0);
  const profile = tunablesProfileOf(t);
  f.dumpString('minimum_required_version', profile === 'jewel' ? 'jewel' : profile === 'hammer' ? 'hammer' : profile === 'firefly' ? 'firefly' : profile === 'bobtail' ? 'bobtail' : 'argonaut');
  f.dumpInt('require_feature_tunables', t.chooseLocalTries !== 2 || t.chooseLocalFallbackTries !== 5 || t.chooseTotalTries !== 19 ? 1 : 0);
  f.dumpInt('require_feature_tunables2', t.chooseleafDescendOnce !== 0 ? 1 : 0);
  f.dumpInt('has_v2_rules', 0);
  f.dumpInt('require_feature_tunables3', t.chooseleafVaryR !== 0 ? 1 : 0);
  f.dumpInt('has_v3_rules', 0);
  f.dumpInt('has_v4_buckets', cw.buckets.some((b) => b && b.alg === 5) ? 1 : 0);
  f.dumpInt('require_feature_tunables5', t.chooseleafStable !== 0 ? 1 : 0);
  f.dumpInt('has_v5_rules', 0);
}

export function dumpCrush(f: JsonFormatter, cw: CrushWrapper): void {
  f.openArray('devices');
  for (let i = 0; i < cw.maxDevices; i++) {
    f.openObject('device');
    f.dumpInt('id', i);
    f.dumpString('name', cw.getItemName(i) ?? `device${i}`);
    const c = getItemClass(cw, i);
    if (c !== undefined) f.dumpString('class', c);
    f.close();
  }
  f.close();
  f.openArray('types');
  if (!cw.typeMap.has(0) && cw.typeMap.size) {
    f.openObject('type');
    f.dumpInt('type_id', 0);
    f.dumpString('name', 'device');
    f.close();
  }
  for (const id of [...cw.typeMap.keys()].sort((a, b) => a - b)) {
    f.openObject('type');
    f.dumpInt('type_id', id);
    f.dumpString('name', cw.typeMap.get(id)!);
    f.close();
  }
  f.close();
  f.openArray('buckets');
  cw.buckets.forEach((b, i) => {
    if (!b) return;
    const id = -1 - i;
    f.openObject('bucket');
    f.dumpInt('id', id);
    const n = cw.getItemName(id);
    if (n !== undefined) f.dumpString('name', n);
    f.dumpInt('type_id', b.type);
    const tn = cw.getTypeName(b.type);
    if (tn !== undefined) f.dumpString('type_name', tn);
    f.dumpInt('weight', b.weight | 0);
    f.dumpString('alg', ALG_NAMES[b.alg] ?? 'unknown');
    f.dumpString('hash', b.hash === 0 ? 'rjenkins1' : 'unknown');
    f.openArray('items');
    b.items.forEach((it, pos) => {
      f.openObject('item');
      f.dumpInt('id', it);
      f.dumpInt('weight', cw.getBucketItemWeight(id, pos) | 0);
      f.dumpInt('pos', pos);
      f.close();
    });
    f.close();
    f.close();
  });
  f.close();
  f.openArray('rules');
  for (const r of ruleIds(cw)) dumpRule(f, cw, r);
  f.close();
  f.openObject('tunables');
  dumpTunables(f, cw);
  f.close();
  f.openObject('choose_args');
  f.close();
}
