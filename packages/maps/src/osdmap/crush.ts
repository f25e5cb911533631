import { CEPH_FEATURES_ALL, Reader, featureBit, featureMask } from '@ts-ceph/denc';
import {
  CrushWrapper,
  decodeCrushMap,
  decodeCrushWrapper,
  encodeCrushMap,
  hasIncompatChooseArgs,
  CRUSH_BUCKET_STRAW2,
  CRUSH_RULE_CHOOSE_INDEP,
  CRUSH_RULE_CHOOSELEAF_INDEP,
  CRUSH_RULE_SET_CHOOSE_TRIES,
  CRUSH_RULE_SET_CHOOSELEAF_TRIES,
  CRUSH_RULE_SET_CHOOSELEAF_VARY_R,
  CRUSH_RULE_SET_CHOOSELEAF_STABLE,
} from '@ts-ceph/crush';
import { setCrushReencoder } from './crush-encoding';
import type { OSDMap } from './types';

/**
 * The OSDMap's view of its CRUSH map through @ts-ceph/crush. The map keeps the encoded bytes; the
 * decoded CrushWrapper is cached per buffer (a new buffer means a new map), so callers must not mutate
 * the returned wrapper in place: build a changed copy and store it with setCrush().
 */

const cache = new WeakMap<Buffer, CrushWrapper>();

export function crushOf(m: OSDMap): CrushWrapper {
  let cw = cache.get(m.crush);
  if (!cw) {
    // Like OSDMap::decode, read the CRUSH map from the blob and ignore whatever a newer encoder
    // appended after what this version understands.
    cw = m.crush.length ? decodeCrushWrapper(new Reader(m.crush)) : CrushWrapper.create();
    cache.set(m.crush, cw);
  }
  return cw;
}

/** Store a CRUSH map in the OSDMap, encoded as the monitor does (all features). */
export function setCrush(m: OSDMap, cw: CrushWrapper): void {
  m.crush = encodeCrushMap(cw, CEPH_FEATURES_ALL);
  cache.set(m.crush, cw);
}

let emptyCrush: Buffer | undefined;

/** The encoded bytes of an empty CrushWrapper (what OSDMap() starts with). */
export function emptyCrushBytes(): Buffer {
  emptyCrush ??= encodeCrushMap(CrushWrapper.create(), CEPH_FEATURES_ALL);
  return emptyCrush;
}

setCrushReencoder((crush, features) => encodeCrushMap(decodeCrushMap(crush), features));

function ruleHasOp(cw: CrushWrapper, ruleid: number, ops: number[]): boolean {
  const r = cw.rules[ruleid];
  return !!r && r.steps.some((s) => ops.includes(s.op));
}

/** The CEPH_FEATURE bits a client needs to use this CRUSH map for the given rules (OSDMap::get_features). */
export function crushFeatures(cw: CrushWrapper, ruleIds: Iterable<number>): bigint {
  const t = cw.tunables;
  let f = 0n;
  if (t.chooseLocalTries !== 2 || t.chooseLocalFallbackTries !== 5 || t.chooseTotalTries !== 19) f |= featureBit('CRUSH_TUNABLES');
  if (t.chooseleafDescendOnce !== 0) f |= featureBit('CRUSH_TUNABLES2');
  if (t.chooseleafVaryR !== 0) f |= featureBit('CRUSH_TUNABLES3');
  if (cw.buckets.some((b) => b && b.alg === CRUSH_BUCKET_STRAW2)) f |= featureBit('CRUSH_V4');
  if (t.chooseleafStable !== 0) f |= featureBit('CRUSH_TUNABLES5');
  if (hasIncompatChooseArgs(cw)) f |= featureMask('CRUSH_CHOOSE_ARGS');
  for (const id of ruleIds) {
    if (id < 0) continue;
    if (ruleHasOp(cw, id, [CRUSH_RULE_CHOOSE_INDEP, CRUSH_RULE_CHOOSELEAF_INDEP, CRUSH_RULE_SET_CHOOSE_TRIES, CRUSH_RULE_SET_CHOOSELEAF_TRIES])) f |= featureBit('CRUSH_V2');
    if (ruleHasOp(cw, id, [CRUSH_RULE_SET_CHOOSELEAF_VARY_R])) f |= featureBit('CRUSH_TUNABLES3');
    if (ruleHasOp(cw, id, [CRUSH_RULE_SET_CHOOSELEAF_STABLE])) f |= featureBit('CRUSH_TUNABLES5');
  }
  return f;
}
