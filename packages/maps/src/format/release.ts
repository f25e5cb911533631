/**
 * ceph_release_t (src/common/ceph_releases.h): a u8 on the wire. 0 is "unknown"; 0xff (and anything
 * with the sign bit set) is the old "-1 = not set" value, which compares below every release, exactly as
 * Ceph's operator< / operator> on the enum do (they cast to int8_t first).
 */
export const CephRelease = {
  unknown: 0,
  argonaut: 1,
  bobtail: 2,
  cuttlefish: 3,
  dumpling: 4,
  emperor: 5,
  firefly: 6,
  giant: 7,
  hammer: 8,
  infernalis: 9,
  jewel: 10,
  kraken: 11,
  luminous: 12,
  mimic: 13,
  nautilus: 14,
  octopus: 15,
  pacific: 16,
} as const;

/** The "not set" value Incremental uses for new_require_* (ceph_release_t{0xff}). */
export const RELEASE_UNSET = 0xff;

const names = Object.keys(CephRelease) as (keyof typeof CephRelease)[];

/** ceph_release_name(): "unspecified" for the signed-negative values, "unknown" past the last release. */
export function releaseName(r: number): string {
  const s = (r << 24) >> 24;
  if (s < 0) return 'unspecified';
  if (s === 0) return 'unknown';
  return names[s] ?? 'unknown';
}

export function releaseFromName(s: string): number {
  const v = (CephRelease as Record<string, number>)[s];
  return v === undefined || v === 0 ? 0 : v;
}

/** operator< on ceph_release_t: a negative (int8) lhs is below everything, a negative rhs above nothing. */
export function releaseLt(a: number, b: number): boolean {
  if (((a << 24) >> 24) < 0) return true;
  if (((b << 24) >> 24) < 0) return false;
  return a < b;
}

export function releaseGt(a: number, b: number): boolean {
  if (((a << 24) >> 24) < 0) return false;
  if (((b << 24) >> 24) < 0) return true;
  return a > b;
}

export function releaseGe(a: number, b: number): boolean {
  return !releaseLt(a, b);
}
