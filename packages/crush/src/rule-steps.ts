/**
 * The rule steps that override a choose setting for the rest of a rule (the CRUSH_RULE_SET_* cases
 * of crush_do_rule in src/crush/mapper.c), one table for the mapper, the compiler and the
 * decompiler: the opcode, its crushtool text, the setting it overrides and the smallest argument
 * that takes effect (a try count must be at least 1; the local retries, vary_r and stable accept 0).
 */
import {
  CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES,
  CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES,
  CRUSH_RULE_SET_CHOOSE_TRIES,
  CRUSH_RULE_SET_CHOOSELEAF_STABLE,
  CRUSH_RULE_SET_CHOOSELEAF_TRIES,
  CRUSH_RULE_SET_CHOOSELEAF_VARY_R,
} from './types';

/** The per-rule choose settings crush_do_rule starts from the tunables and the set_* steps override. */
export interface RuleChooseSettings {
  chooseTries: number;
  chooseLeafTries: number;
  localRetries: number;
  localFallbackRetries: number;
  varyR: number;
  stable: number;
}

export interface RuleSetStep {
  readonly op: number;
  /** The step's keyword in crushtool's text ("step set_choose_tries 100"). */
  readonly text: string;
  readonly setting: keyof RuleChooseSettings;
  readonly argMin: number;
}

export const CRUSH_RULE_SET_STEPS: readonly RuleSetStep[] = [
  { op: CRUSH_RULE_SET_CHOOSE_TRIES, text: 'set_choose_tries', setting: 'chooseTries', argMin: 1 },
  { op: CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES, text: 'set_choose_local_tries', setting: 'localRetries', argMin: 0 },
  { op: CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES, text: 'set_choose_local_fallback_tries', setting: 'localFallbackRetries', argMin: 0 },
  { op: CRUSH_RULE_SET_CHOOSELEAF_TRIES, text: 'set_chooseleaf_tries', setting: 'chooseLeafTries', argMin: 1 },
  { op: CRUSH_RULE_SET_CHOOSELEAF_VARY_R, text: 'set_chooseleaf_vary_r', setting: 'varyR', argMin: 0 },
  { op: CRUSH_RULE_SET_CHOOSELEAF_STABLE, text: 'set_chooseleaf_stable', setting: 'stable', argMin: 0 },
];

const byOp = new Map(CRUSH_RULE_SET_STEPS.map((s) => [s.op, s]));
const byText = new Map(CRUSH_RULE_SET_STEPS.map((s) => [s.text, s]));

/** The set_* step with this opcode, or undefined for any other step. */
export function ruleSetStepByOp(op: number): RuleSetStep | undefined {
  return byOp.get(op);
}

/** The set_* step with this crushtool keyword, or undefined. */
export function ruleSetStepByText(text: string): RuleSetStep | undefined {
  return byText.get(text);
}
