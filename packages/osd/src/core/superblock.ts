import { Writer, encodeUuid } from '@ts-ceph/denc';
import type { OSDSuperblockHead } from '@ts-ceph/messages';

/**
 * OSDSuperblock::encode (src/osd/osd_types.cc), v9 compat 5, as the OSD sends it in MOSDBoot:
 * cluster_fsid, s32 whoami, u32 current_epoch, oldest_map, newest_map, f64 weight, CompatSet
 * (three FeatureSets: u64 mask, map<u64,string> names), u32 clean_thru, u32 mounted, osd_fsid,
 * u32 last_epoch_marked_full (0), u32 pool_last_epoch_marked_full count (0), u32
 * purged_snaps_last, utime last_purged_snaps_scrub. ts-osd keeps no superblock on disk yet: the
 * fields come from the daemon's state.
 */
/** The superblock fields MOSDBoot's decoder reads back (everything but the raw bytes). */
export type SuperblockFields = Omit<OSDSuperblockHead, 'raw'>;

export function encodeOSDSuperblock(sb: SuperblockFields): Buffer {
  const w = new Writer();
  w.envelope(9, 5, () => {
    encodeUuid(w, sb.clusterFsid);
    w.i32(sb.whoami).u32(sb.currentEpoch).u32(sb.oldestMap).u32(sb.newestMap).f64(0);
    // CompatSet: compat, ro_compat, incompat; FeatureSet's mask always has bit 0 set.
    for (let i = 0; i < 3; i++) w.u64(1n).u32(0);
    w.u32(sb.cleanThru).u32(sb.mounted);
    encodeUuid(w, sb.osdFsid);
    w.u32(0).u32(0).u32(0).u32(0).u32(0);
  });
  return w.finish();
}
