/**
 * Named limits of the crush package (STYLE §11), listed in docs/LIMITS.md. Decoding refuses a count
 * that the remaining input cannot hold before these apply; these bound what a well-formed but hostile
 * map could make us allocate or loop over.
 */
export const crushLimits = {
  /** Largest max_buckets a decoded map may declare (bucket slots, including empty ones). */
  bucketsMax: 1 << 20,
  /** Largest max_rules a decoded map may declare. */
  rulesMax: 1 << 16,
  /** Most steps in one rule. */
  ruleStepsMax: 1 << 12,
  /** Most items in one bucket. */
  bucketItemsMax: 1 << 22,
  /** Most choose_args maps (one per pool at most, plus the default). */
  chooseArgsMax: 1 << 16,
  /** Most weight-set positions in one choose_arg (Ceph uses one per replica). */
  weightSetPositionsMax: 1 << 8,
  /** Largest crushtool text map we compile. */
  textBytesMax: 64 << 20,
  /** Deepest bucket nesting walked by recursive operations (reweight, decompile, class clones). */
  hierarchyDepthMax: 256,
};
