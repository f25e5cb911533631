/**
 * The tunables profiles of CrushWrapper::set_tunables_* and the has_*_tunables predicates
 * (src/crush/CrushWrapper.h). "legacy" is argonaut with straw_calc_version 0; "optimal" and "default"
 * are jewel with straw_calc_version 1. The argonaut..jewel setters leave straw_calc_version alone.
 */
import { CRUSH_LEGACY_ALLOWED_BUCKET_ALGS, CRUSH_OPTIMAL_ALLOWED_BUCKET_ALGS, CrushTunables } from './types';

export type TunablesProfile = 'legacy' | 'argonaut' | 'bobtail' | 'firefly' | 'hammer' | 'jewel' | 'optimal' | 'default';

export const TUNABLES_PROFILES: readonly TunablesProfile[] = ['legacy', 'argonaut', 'bobtail', 'firefly', 'hammer', 'jewel', 'optimal', 'default'];

type Core = Omit<CrushTunables, 'strawCalcVersion'>;

/**
 * Each release's profile is the one before it plus what that release changed, as the tunables
 * documentation lists them (doc/rados/operations/crush-map.rst).
 */
const argonaut: Core = {
  chooseLocalTries: 2,
  chooseLocalFallbackTries: 5,
  chooseTotalTries: 19,
  chooseleafDescendOnce: 0,
  chooseleafVaryR: 0,
  chooseleafStable: 0,
  allowedBucketAlgs: CRUSH_LEGACY_ALLOWED_BUCKET_ALGS,
};
const bobtail: Core = { ...argonaut, chooseLocalTries: 0, chooseLocalFallbackTries: 0, chooseTotalTries: 50, chooseleafDescendOnce: 1 };
const firefly: Core = { ...bobtail, chooseleafVaryR: 1 };
const hammer: Core = { ...firefly, allowedBucketAlgs: CRUSH_OPTIMAL_ALLOWED_BUCKET_ALGS };
const jewel: Core = { ...hammer, chooseleafStable: 1 };
const PROFILES: Record<'argonaut' | 'bobtail' | 'firefly' | 'hammer' | 'jewel', Core> = { argonaut, bobtail, firefly, hammer, jewel };

/** set_tunables_optimal (what CrushWrapper::create starts a new map with): jewel, straw_calc_version 1. */
export function optimalTunables(): CrushTunables {
  return { ...jewel, strawCalcVersion: 1 };
}

/** Apply a named profile to `t` in place. */
export function setTunablesProfile(t: CrushTunables, profile: TunablesProfile): void {
  switch (profile) {
    case 'legacy':
      Object.assign(t, PROFILES.argonaut);
      t.strawCalcVersion = 0;
      return;
    case 'optimal':
    case 'default':
      Object.assign(t, optimalTunables());
      return;
    default:
      Object.assign(t, PROFILES[profile]);
  }
}

function matches(t: CrushTunables, p: Core): boolean {
  return (Object.keys(p) as (keyof Core)[]).every((k) => t[k] === p[k]);
}

/** The profile the tunables match (has_<name>_tunables), newest first, or undefined. */
export function tunablesProfileOf(t: CrushTunables): 'argonaut' | 'bobtail' | 'firefly' | 'hammer' | 'jewel' | undefined {
  for (const name of ['jewel', 'hammer', 'firefly', 'bobtail', 'argonaut'] as const) if (matches(t, PROFILES[name])) return name;
  return undefined;
}

/** has_optimal_tunables (= jewel) and has_legacy_tunables (= argonaut). */
export function hasOptimalTunables(t: CrushTunables): boolean {
  return matches(t, PROFILES.jewel);
}
export function hasLegacyTunables(t: CrushTunables): boolean {
  return matches(t, PROFILES.argonaut);
}
