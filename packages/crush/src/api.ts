/**
 * The package's short-form entry points (the names other packages use): map in, placements out.
 */
import { CEPH_FEATURES_ALL, Reader, Writer } from '@ts-ceph/denc';
import { decodeCrushWrapper, encodeCrushWrapper } from './encoding';
import { WeightVector } from './mapper';
import { CrushWrapper } from './wrapper';

/**
 * crush_do_rule through CrushWrapper::do_rule: up to `resultMax` devices for input `x` (holes of
 * indep rules are CRUSH_ITEM_NONE). `weights` is u32 16.16 per device id (0x10000 = in, 0 = out);
 * `chooseArgsIndex` selects a pool's weight set (falling back to the default one, -1).
 */
export function crushDoRule(map: CrushWrapper, ruleno: number, x: number, resultMax: number, weights: WeightVector, chooseArgsIndex?: number): number[] {
  return map.doRule(ruleno, x, resultMax, weights, chooseArgsIndex);
}

/** CrushWrapper::find_rule: the rule id matching (ruleset, pool type, size), or -1. */
export function findRule(map: CrushWrapper, ruleset: number, type: number, size: number): number {
  return map.findRule(ruleset, type, size);
}

/** Decode a whole crushmap file / OSDMap crush blob; trailing bytes are an error. */
export function decodeCrushMap(buf: Uint8Array): CrushWrapper {
  const r = new Reader(buf);
  const cw = decodeCrushWrapper(r);
  r.expectEnd('CrushWrapper');
  return cw;
}

/** Encode for a peer with `features` (default: all, as crushtool writes files). */
export function encodeCrushMap(map: CrushWrapper, features: bigint = CEPH_FEATURES_ALL): Buffer {
  const w = new Writer(features);
  encodeCrushWrapper(w, map);
  return w.finish();
}
