import { EntityType, featureBit, featureMask, hasFeature } from '@ts-ceph/denc';
import { CephRelease, releaseGe } from '../format/release';
import { PoolFlag } from '../types/pool';
import { crushFeatures, crushOf } from './crush';
import { CEPH_OSD_DEFAULT_PRIMARY_AFFINITY, OSDMap } from './types';

/**
 * OSDMap::get_features and get_min_compat_client (src/osd/OSDMap.cc): which client features this map
 * requires, and the oldest release that has them.
 */
export function getFeatures(m: OSDMap, entityType: number = EntityType.CLIENT): bigint {
  const cw = crushOf(m);
  const rules: number[] = [];
  for (const p of m.pools.values()) rules.push(cw.findRule(p.crushRule, p.type, p.size));
  let f = crushFeatures(cw, rules);
  if (m.pgUpmap.size || m.pgUpmapItems.size) f |= featureMask('OSDMAP_PG_UPMAP');
  for (const p of m.pools.values()) {
    if (p.flags & PoolFlag.HASHPSPOOL) f |= featureBit('OSDHASHPSPOOL');
    if (p.tiers.length || p.tierOf >= 0) f |= featureBit('OSD_CACHEPOOL');
  }
  if (m.osdPrimaryAffinity && m.osdPrimaryAffinity.slice(0, m.maxOsd).some((a) => a !== CEPH_OSD_DEFAULT_PRIMARY_AFFINITY)) {
    f |= featureBit('OSD_PRIMARY_AFFINITY');
  }
  if (entityType === EntityType.OSD) {
    if (releaseGe(m.requireOsdRelease, CephRelease.jewel)) f |= featureBit('SERVER_JEWEL');
    if (releaseGe(m.requireOsdRelease, CephRelease.kraken)) f |= featureMask('SERVER_KRAKEN') | featureBit('MSG_ADDR2');
    if (m.stretchModeEnabled) f |= featureMask('STRETCH_MODE');
  }
  if (releaseGe(m.requireMinCompatClient, CephRelease.nautilus)) f |= featureMask('CEPHX_V2');
  else if (releaseGe(m.requireOsdRelease, CephRelease.nautilus) && entityType === EntityType.OSD) f |= featureMask('CEPHX_V2');
  return f;
}

/** OSDMap::get_min_compat_client. */
export function minCompatClient(m: OSDMap): number {
  const f = getFeatures(m, EntityType.CLIENT);
  if (hasFeature(f, 'OSDMAP_PG_UPMAP') || hasFeature(f, 'CRUSH_CHOOSE_ARGS')) return CephRelease.luminous;
  if (hasFeature(f, 'CRUSH_TUNABLES5')) return CephRelease.jewel;
  if (hasFeature(f, 'CRUSH_V4')) return CephRelease.hammer;
  if (hasFeature(f, 'OSD_PRIMARY_AFFINITY') || hasFeature(f, 'CRUSH_TUNABLES3') || hasFeature(f, 'OSD_CACHEPOOL')) return CephRelease.firefly;
  if (hasFeature(f, 'CRUSH_TUNABLES2') || hasFeature(f, 'OSDHASHPSPOOL')) return CephRelease.dumpling;
  return CephRelease.argonaut;
}
