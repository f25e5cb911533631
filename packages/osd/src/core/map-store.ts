import { GHObject, ghobject } from '@ts-ceph/objectstore/interface';

/**
 * Where an OSD keeps the OSDMaps it has seen, and which of them it may drop (OSD::get_osdmap_pobject_name,
 * get_inc_osdmap_pobject_name and trim_maps in src/osd/OSD.cc). Every epoch the OSD applies goes to
 * the meta collection as `osdmap.N` (the full map) and `inc_osdmap.N` (the incremental, when the
 * monitor sent one), so a PG that peers after a restart or after missed epochs can compute its past
 * intervals over every epoch in between. Pure: names and decisions, no I/O.
 */

/** Named limits of the stored maps (docs/LIMITS.md). */
export const mapStoreLimits = {
  /**
   * Full maps kept on disk at most. Ceph keeps every epoch a PG may still need (the oldest
   * same_interval_since of its PGs) and the monitor trims below min_last_epoch_clean; past this
   * bound the oldest go anyway, and a PG that needed them peers with the intervals it still has.
   */
  storedMapsMax: 2_000,
  /**
   * The newest epochs always kept, whatever the PGs need: a PG is counted only once it exists, and
   * one created from a later map batch than its peers saw (its first epochs arrived while its
   * creation was queued) walks back through these to where its current interval began, as its peers
   * count it. Without them the epochs before the batch were trimmed, the replica started its interval
   * at the batch's epoch, and the primary's queries of the true interval were dropped for ever.
   */
  recentMapsMin: 50,
  /** Decoded maps kept in memory for peering's replays (the rest are read back from the store). */
  cachedMapsMax: 64,
  /** Epochs trimmed in one transaction (OSD::trim_maps' osd_target_transaction_size). */
  trimPerTxnMax: 30,
};

/** hobject_t(sobject_t(name, 0)) in the meta collection: pool -1 (POOL_META), snap 0. */
const metaObject = (name: string): GHObject => ghobject({ name, pool: -1, snap: 0n });

export const osdmapObject = (epoch: number): GHObject => metaObject(`osdmap.${epoch}`);
export const incOsdmapObject = (epoch: number): GHObject => metaObject(`inc_osdmap.${epoch}`);
/** OSD_SUPERBLOCK_GOBJECT: holds oldest_map / newest_map. */
export const superblockObject = (): GHObject => metaObject('osd_superblock');

/**
 * The epochs to drop so the stored range [oldest, newest] keeps every epoch from `neededFrom` on
 * (the oldest interval start of the OSD's PGs) and at most `storedMapsMax` maps; at most
 * `trimPerTxnMax` per call (the caller trims again on the next map).
 */
export function trimPlan(oldest: number, newest: number, neededFrom: number, lim = mapStoreLimits): number[] {
  if (oldest <= 0 || newest < oldest) return [];
  const keepFrom = Math.max(Math.min(neededFrom, newest - lim.recentMapsMin + 1), newest - lim.storedMapsMax + 1);
  const out: number[] = [];
  for (let e = oldest; e < keepFrom && out.length < lim.trimPerTxnMax; e++) out.push(e);
  return out;
}
