import {
  AddrType,
  EntityAddr,
  EntityAddrvec,
  Reader,
  UTime,
  Uuid,
  Writer,
  blankAddr,
  decodeEntityAddr,
  decodeEntityAddrvec,
  decodeEntityInst,
  decodeUTime,
  decodeUuid,
  encodeEntityAddr,
  encodeEntityAddrvec,
  encodeEntityInst,
  encodeUTime,
  encodeUuid,
  featureBit,
  hasFeature,
  EntityType,
  UTIME_ZERO,
  UUID_NIL,
} from '@ts-ceph/denc';
import { cmpStr } from '../format/text';
import { compareAddr, legacyOrFrontAddr, sameAddr } from '../format/addr';
import { mapsLimits } from '../limits';
import { CephRelease } from '../format/release';

/**
 * MonMap and mon_info_t (src/mon/MonMap.{h,cc}), mon_feature_t (src/mon/mon_types.h).
 */

/** ceph::features::mon::FEATURE_* bits of mon_feature_t. */
export const MonFeature = {
  KRAKEN: 1n << 0n,
  LUMINOUS: 1n << 1n,
  MIMIC: 1n << 2n,
  OSDMAP_PRUNE: 1n << 3n,
  NAUTILUS: 1n << 4n,
  OCTOPUS: 1n << 5n,
  PACIFIC: 1n << 6n,
  PINGING: 1n << 7n,
  RESERVED: 1n << 63n,
} as const;

/** What a 16.2 quorum makes persistent (get_persistent()) and its optional set (get_optional()). */
export const MON_FEATURES_PERSISTENT = MonFeature.KRAKEN | MonFeature.LUMINOUS | MonFeature.MIMIC | MonFeature.NAUTILUS | MonFeature.OSDMAP_PRUNE | MonFeature.OCTOPUS | MonFeature.PACIFIC | MonFeature.PINGING;
export const MON_FEATURES_OPTIONAL = MonFeature.OSDMAP_PRUNE;

export function monFeatureName(bit: bigint): string {
  switch (bit) {
    case MonFeature.KRAKEN:
      return 'kraken';
    case MonFeature.LUMINOUS:
      return 'luminous';
    case MonFeature.MIMIC:
      return 'mimic';
    case MonFeature.OSDMAP_PRUNE:
      return 'osdmap-prune';
    case MonFeature.NAUTILUS:
      return 'nautilus';
    case MonFeature.PINGING:
      return 'elector-pinging';
    case MonFeature.OCTOPUS:
      return 'octopus';
    case MonFeature.PACIFIC:
      return 'pacific';
    case MonFeature.RESERVED:
      return 'reserved';
    default:
      return 'unknown';
  }
}

/** mon_feature_t: ENCODE_START(1,1) { le64 features }. */
export function decodeMonFeatureT(r: Reader, field = 'mon_feature_t'): bigint {
  return r.envelope(field, 1, () => r.u64('features'));
}

export function encodeMonFeatureT(w: Writer, f: bigint): void {
  w.envelope(1, 1, () => w.u64(f));
}

/** infer_ceph_release_from_mon_features. */
export function inferReleaseFromMonFeatures(f: bigint): number {
  const has = (b: bigint) => (f & b) === b;
  if (has(MonFeature.PACIFIC)) return CephRelease.pacific;
  if (has(MonFeature.OCTOPUS)) return CephRelease.octopus;
  if (has(MonFeature.NAUTILUS)) return CephRelease.nautilus;
  if (has(MonFeature.MIMIC)) return CephRelease.mimic;
  if (has(MonFeature.LUMINOUS)) return CephRelease.luminous;
  if (has(MonFeature.KRAKEN)) return CephRelease.kraken;
  return CephRelease.unknown;
}

export interface MonInfoT {
  name: string;
  publicAddrs: EntityAddrvec;
  /** u16: lower is preferred. */
  priority: number;
  /** u16 connection weight. */
  weight: number;
  /** CRUSH location (stretch mode), sorted by key. */
  crushLoc: [string, string][];
}

export function newMonInfo(name: string, publicAddrs: EntityAddrvec, priority = 0, weight = 0): MonInfoT {
  return { name, publicAddrs, priority, weight, crushLoc: [] };
}

function decodeStrMap(r: Reader, field: string): [string, string][] {
  return r.pairs(field, (rr) => rr.string('key'), (rr) => rr.string('value'), 8);
}

function encodeStrMap(w: Writer, m: [string, string][]): void {
  w.pairs([...m].sort((a, b) => cmpStr(a[0], b[0])), (ww, k) => ww.string(k), (ww, v) => ww.string(v));
}

export function decodeMonInfoT(r: Reader, field = 'mon_info_t'): MonInfoT {
  return r.envelope(field, 5, (_r, v) => {
    const m = newMonInfo(r.string('name'), decodeEntityAddrvec(r, 'public_addrs'));
    if (v >= 2) m.priority = r.u16('priority');
    if (v >= 4) m.weight = r.u16('weight');
    if (v >= 5) m.crushLoc = decodeStrMap(r, 'crush_loc');
    return m;
  });
}

/** entity_addrvec_t::as_legacy_addr: the v1 address, an "any" one retyped, or the front one retyped. */
function asLegacyAddr(v: EntityAddrvec): EntityAddr {
  for (const a of v) {
    if (a.type === AddrType.LEGACY) return a;
    if (a.type === AddrType.ANY) return { ...a, type: AddrType.LEGACY };
  }
  return { ...(v[0] ?? blankAddr()), type: AddrType.LEGACY };
}

export function legacyAddr(v: EntityAddrvec): EntityAddr {
  return v.find((a) => a.type === AddrType.LEGACY) ?? blankAddr();
}

export function encodeMonInfoT(w: Writer, m: MonInfoT): void {
  const v = hasFeature(w.features, 'SERVER_NAUTILUS') ? 5 : 2;
  w.envelope(v, m.crushLoc.length ? 4 : 1, () => {
    w.string(m.name);
    if (v < 3) {
      const a = legacyAddr(m.publicAddrs);
      // Old clients get a valid-looking (if unusable) legacy address rather than a blank one.
      encodeEntityAddr(w, sameAddr(a, blankAddr()) ? asLegacyAddr(m.publicAddrs) : a);
    } else {
      encodeEntityAddrvec(w, m.publicAddrs);
    }
    w.u16(m.priority).u16(m.weight);
    encodeStrMap(w, m.crushLoc);
  });
}

/** MonMap::election_strategy. */
export const ElectionStrategy = { CLASSIC: 1, DISALLOW: 2, CONNECTIVITY: 3 } as const;

export interface MonMap {
  epoch: number;
  fsid: Uuid;
  lastChanged: UTime;
  created: UTime;
  /** By name, iterated in name order like its std::map. */
  monInfo: Map<string, MonInfoT>;
  /** rank -> name. */
  ranks: string[];
  removedRanks: number[];
  persistentFeatures: bigint;
  optionalFeatures: bigint;
  /** ceph_release_t. */
  minMonRelease: number;
  strategy: number;
  disallowedLeaders: string[];
  stretchModeEnabled: boolean;
  tiebreakerMon: string;
  stretchMarkedDownMons: string[];
}

export function newMonMap(): MonMap {
  return {
    epoch: 0,
    fsid: UUID_NIL,
    lastChanged: { ...UTIME_ZERO },
    created: { ...UTIME_ZERO },
    monInfo: new Map(),
    ranks: [],
    removedRanks: [],
    persistentFeatures: 0n,
    optionalFeatures: 0n,
    minMonRelease: CephRelease.unknown,
    strategy: ElectionStrategy.CLASSIC,
    disallowedLeaders: [],
    stretchModeEnabled: false,
    tiebreakerMon: '',
    stretchMarkedDownMons: [],
  };
}

/** MonMap::calc_legacy_ranks: ranks ordered by (legacy-or-front address, name). */
export function calcLegacyRanks(m: MonMap): string[] {
  return [...m.monInfo.values()]
    .sort((a, b) => compareAddr(legacyOrFrontAddr(a.publicAddrs), legacyOrFrontAddr(b.publicAddrs)) || cmpStr(a.name, b.name))
    .map((i) => i.name);
}

function sortMonInfo(m: Map<string, MonInfoT>): Map<string, MonInfoT> {
  return new Map([...m.entries()].sort((a, b) => cmpStr(a[0], b[0])));
}

export function decodeMonMap(r: Reader, field = 'MonMap'): MonMap {
  return r.envelopeLegacy(
    field,
    9,
    3,
    3,
    (_r, v) => {
      const m = newMonMap();
      m.fsid = decodeUuid(r, 'fsid');
      m.epoch = r.u32('epoch');
      let monAddr: [string, EntityAddr][] = [];
      if (v === 1) {
        const insts = r.list('mon_inst', (rr) => decodeEntityInst(rr, 'inst'), 9);
        monAddr = insts.map((inst, i) => [String.fromCharCode(48 + i), inst.addr]);
      } else if (v < 6) {
        monAddr = r.pairs('mon_addr', (rr) => rr.string('name'), (rr) => decodeEntityAddr(rr, 'addr'), 8);
      }
      m.lastChanged = decodeUTime(r, 'last_changed');
      m.created = decodeUTime(r, 'created');
      if (v >= 4) {
        m.persistentFeatures = decodeMonFeatureT(r, 'persistent_features');
        m.optionalFeatures = decodeMonFeatureT(r, 'optional_features');
      }
      if (v < 5) {
        for (const [name, addr] of monAddr) m.monInfo.set(name, newMonInfo(name, [addr]));
        m.monInfo = sortMonInfo(m.monInfo);
      } else {
        const n = r.count('mon_info', 8);
        if (n > mapsLimits.monsPerMapMax) r.fail('DENC_LIMIT', `${n} monitors over limit ${mapsLimits.monsPerMapMax}`);
        for (let i = 0; i < n; i++) {
          const name = r.string('name');
          m.monInfo.set(name, decodeMonInfoT(r, `mon_info[${name}]`));
        }
      }
      m.ranks = v < 6 ? calcLegacyRanks(m) : r.list('ranks', (rr) => rr.string('rank'), 4);
      m.minMonRelease = v >= 7 ? r.u8('min_mon_release') : inferReleaseFromMonFeatures(m.persistentFeatures);
      if (v >= 8) {
        m.removedRanks = r.list('removed_ranks', (rr) => rr.i32('rank'), 4);
        m.strategy = r.u8('strategy');
        m.disallowedLeaders = r.list('disallowed_leaders', (rr) => rr.string('name'), 4);
      }
      if (v >= 9) {
        m.stretchModeEnabled = r.bool('stretch_mode_enabled');
        m.tiebreakerMon = r.string('tiebreaker_mon');
        m.stretchMarkedDownMons = r.list('stretch_marked_down_mons', (rr) => rr.string('name'), 4);
      }
      return m;
    },
    1,
  );
}

function legacyMonAddrs(w: Writer, m: MonMap): void {
  w.pairs([...sortMonInfo(m.monInfo).entries()], (ww, k) => ww.string(k), (ww, info) => encodeEntityAddr(ww, legacyAddr(info.publicAddrs)));
}

function encodeMonInfoMap(w: Writer, m: MonMap): void {
  w.pairs([...sortMonInfo(m.monInfo).entries()], (ww, k) => ww.string(k), (ww, info) => encodeMonInfoT(ww, info));
}

export function encodeMonMap(w: Writer, m: MonMap): void {
  const f = w.features;
  if ((f & featureBit('MONNAMES')) === 0n) {
    w.u16(1);
    encodeUuid(w, m.fsid);
    w.u32(m.epoch);
    w.list(m.ranks, (ww, name, i) => {
      const info = m.monInfo.get(name);
      encodeEntityInst(ww, { name: { type: EntityType.MON, num: i }, addr: legacyAddr(info?.publicAddrs ?? []) });
    });
    encodeUTime(w, m.lastChanged);
    encodeUTime(w, m.created);
    return;
  }
  if (!hasFeature(f, 'MONENC')) {
    w.u16(2);
    encodeUuid(w, m.fsid);
    w.u32(m.epoch);
    legacyMonAddrs(w, m);
    encodeUTime(w, m.lastChanged);
    encodeUTime(w, m.created);
    return;
  }
  if (!hasFeature(f, 'SERVER_NAUTILUS')) {
    w.envelope(5, 3, () => {
      encodeUuid(w, m.fsid);
      w.u32(m.epoch);
      legacyMonAddrs(w, m);
      encodeUTime(w, m.lastChanged);
      encodeUTime(w, m.created);
      encodeMonFeatureT(w, m.persistentFeatures);
      encodeMonFeatureT(w, m.optionalFeatures);
      encodeMonInfoMap(w, m);
    });
    return;
  }
  w.envelope(9, 6, () => {
    encodeUuid(w, m.fsid);
    w.u32(m.epoch);
    encodeUTime(w, m.lastChanged);
    encodeUTime(w, m.created);
    encodeMonFeatureT(w, m.persistentFeatures);
    encodeMonFeatureT(w, m.optionalFeatures);
    encodeMonInfoMap(w, m);
    w.list(m.ranks, (ww, s) => ww.string(s));
    w.u8(m.minMonRelease);
    w.list([...m.removedRanks].sort((a, b) => a - b), (ww, x) => ww.i32(x));
    w.u8(m.strategy);
    w.list([...m.disallowedLeaders].sort(cmpStr), (ww, s) => ww.string(s));
    w.bool(m.stretchModeEnabled);
    w.string(m.tiebreakerMon);
    w.list([...m.stretchMarkedDownMons].sort(cmpStr), (ww, s) => ww.string(s));
  });
}

/**
 * MonMap::add: once the map's persistent features include nautilus the new monitor takes the next rank;
 * older maps recompute the legacy address-ordered ranks.
 */
export function monMapAdd(m: MonMap, info: MonInfoT): void {
  m.monInfo.set(info.name, info);
  m.monInfo = sortMonInfo(m.monInfo);
  if ((m.persistentFeatures & MonFeature.NAUTILUS) === MonFeature.NAUTILUS) m.ranks.push(info.name);
  else m.ranks = calcLegacyRanks(m);
}
