/**
 * OSDMap::Incremental::propagate_base_properties_to_tiers (src/osd/OSDMap.cc): a cache tier shares
 * its base pool's snapshot state and application metadata, so whenever a base pool with tiers
 * changes in an incremental, its tiers change with it. The monitor runs this before encoding
 * each pending incremental.
 */
import { cephError } from '@ts-ceph/common/core';
import { PgPoolT, PoolFlag, clonePgPool } from '../types/pool';
import { Incremental } from './incremental-types';
import { OSDMap } from './types';

export function propagateBasePropertiesToTiers(inc: Incremental, map: OSDMap): void {
  for (const [baseId, base] of [...inc.newPools]) {
    for (const tierId of base.tiers) {
      let tier: PgPoolT | undefined = inc.newPools.get(tierId);
      if (!tier) {
        const orig = map.pools.get(tierId);
        if (!orig) throw cephError('EIO', `propagate_base_properties_to_tiers: no pool ${tierId}`);
        tier = clonePgPool(orig);
        inc.newPools.set(tierId, tier);
      }
      if (tier.tierOf !== baseId) throw cephError('EIO', `propagate_base_properties_to_tiers: pool ${tierId} tier_of != ${baseId}`);
      tier.snapSeq = base.snapSeq;
      tier.snapEpoch = base.snapEpoch;
      tier.snaps = base.snaps.map((s) => ({ ...s, stamp: { ...s.stamp } }));
      tier.removedSnaps = base.removedSnaps.map(([a, l]) => [a, l]);
      tier.flags |= base.flags & (PoolFlag.SELFMANAGED_SNAPS | PoolFlag.POOL_SNAPS);
      const removed = inc.newRemovedSnaps.get(baseId);
      if (removed) inc.newRemovedSnaps.set(tierId, removed.map(([a, l]) => [a, l]));
      tier.applicationMetadata = new Map([...base.applicationMetadata].map(([k, v]) => [k, new Map(v)]));
    }
  }
}
