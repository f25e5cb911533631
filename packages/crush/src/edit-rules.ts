/**
 * Editing a CrushWrapper's rules the way "ceph osd crush rule ..." does (CrushWrapper.cc:
 * add_simple_rule_at, remove_rule, rename_rule). Return values are Ceph's: a rule id or 0 on
 * success, a negative errno on failure with the reason pushed onto the caller's message list.
 */
import { Errno } from '@ts-ceph/common/core';
import { classExists, getClassId, rebuildRootsWithClasses } from './classes';
import {
  CRUSH_CHOOSE_N,
  CRUSH_RULE_CHOOSE_FIRSTN,
  CRUSH_RULE_CHOOSE_INDEP,
  CRUSH_RULE_CHOOSELEAF_FIRSTN,
  CRUSH_RULE_CHOOSELEAF_INDEP,
  CRUSH_RULE_EMIT,
  CRUSH_RULE_SET_CHOOSE_TRIES,
  CRUSH_RULE_SET_CHOOSELEAF_TRIES,
  CRUSH_RULE_TAKE,
  CrushRuleStep,
} from './types';
import { CrushWrapper } from './wrapper';

/**
 * add_simple_rule_at: "take root [class] / chooseleaf (or choose) firstn|indep 0 type T / emit",
 * as `ceph osd crush rule create-replicated` builds it. rno < 0 picks the lowest free id.
 * Returns the rule id or a negative errno with the reason in `err`.
 */
export function addSimpleRuleAt(
  cw: CrushWrapper,
  name: string,
  rootName: string,
  failureDomain: string,
  deviceClass: string,
  mode: string,
  ruleType: number,
  rno: number,
  err: string[] = [],
): number {
  if (cw.ruleNameExists(name)) {
    err.push(`rule ${name} exists`);
    return -Errno.EEXIST;
  }
  if (rno >= 0) {
    if (cw.ruleExists(rno)) {
      err.push(`rule with ruleno ${rno} exists`);
      return -Errno.EEXIST;
    }
    if (cw.rulesetExists(rno)) {
      err.push(`ruleset ${rno} exists`);
      return -Errno.EEXIST;
    }
  } else {
    for (rno = 0; rno < cw.rules.length; rno++) if (!cw.ruleExists(rno) && !cw.rulesetExists(rno)) break;
  }
  if (!cw.nameExists(rootName)) {
    err.push(`root item ${rootName} does not exist`);
    return -Errno.ENOENT;
  }
  let root = cw.getItemId(rootName);
  let type = 0;
  if (failureDomain.length) {
    type = cw.getTypeId(failureDomain);
    if (type < 0) {
      err.push(`unknown type ${failureDomain}`);
      return -Errno.EINVAL;
    }
  }
  if (deviceClass.length) {
    if (!classExists(cw, deviceClass)) {
      err.push(`device class ${deviceClass} does not exist`);
      return -Errno.EINVAL;
    }
    const shadow = cw.classBucket.get(root)?.get(getClassId(cw, deviceClass));
    if (shadow === undefined) {
      err.push(`root ${rootName} has no devices with class ${deviceClass}`);
      return -Errno.EINVAL;
    }
    root = shadow;
  }
  if (mode !== 'firstn' && mode !== 'indep') {
    err.push(`unknown mode ${mode}`);
    return -Errno.EINVAL;
  }
  const firstn = mode === 'firstn';
  const steps: CrushRuleStep[] = [];
  if (!firstn) {
    steps.push({ op: CRUSH_RULE_SET_CHOOSELEAF_TRIES, arg1: 5, arg2: 0 });
    steps.push({ op: CRUSH_RULE_SET_CHOOSE_TRIES, arg1: 100, arg2: 0 });
  }
  steps.push({ op: CRUSH_RULE_TAKE, arg1: root, arg2: 0 });
  if (type) steps.push({ op: firstn ? CRUSH_RULE_CHOOSELEAF_FIRSTN : CRUSH_RULE_CHOOSELEAF_INDEP, arg1: CRUSH_CHOOSE_N, arg2: type });
  else steps.push({ op: firstn ? CRUSH_RULE_CHOOSE_FIRSTN : CRUSH_RULE_CHOOSE_INDEP, arg1: CRUSH_CHOOSE_N, arg2: 0 });
  steps.push({ op: CRUSH_RULE_EMIT, arg1: 0, arg2: 0 });
  const rule = cw.makeRule(rno, ruleType, firstn ? 1 : 3, firstn ? 10 : 20, steps);
  const ret = cw.addRule(rule, rno);
  if (ret < 0) {
    err.push(`failed to add rule ${rno} because error ${ret}`);
    return ret;
  }
  cw.setRuleName(rno, name);
  return rno;
}

/** add_simple_rule: add_simple_rule_at with the lowest free id. */
export function addSimpleRule(cw: CrushWrapper, name: string, rootName: string, failureDomain: string, deviceClass: string, mode: string, ruleType: number, err: string[] = []): number {
  return addSimpleRuleAt(cw, name, rootName, failureDomain, deviceClass, mode, ruleType, -1, err);
}

/** remove_rule */
export function removeRule(cw: CrushWrapper, ruleno: number): number {
  if (!cw.ruleExists(ruleno)) return -Errno.ENOENT;
  cw.rules[ruleno] = null;
  cw.ruleNameMap.delete(ruleno);
  return rebuildRootsWithClasses(cw);
}

/** rename_rule */
export function renameRule(cw: CrushWrapper, src: string, dst: string, ss: string[] = []): number {
  if (!cw.ruleNameExists(src)) {
    ss.push(`source rule name '${src}' does not exist`);
    return -Errno.ENOENT;
  }
  if (cw.ruleNameExists(dst)) {
    ss.push(`destination rule name '${dst}' already exists`);
    return -Errno.EEXIST;
  }
  cw.ruleNameMap.set(cw.getRuleId(src), dst);
  return 0;
}
