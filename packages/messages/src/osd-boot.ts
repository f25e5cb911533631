import { cephError } from '@ts-ceph/common/core';
import { compareStringBytes, decodeEntityAddrvec, decodeUuid, EntityAddrvec, encodeEntityAddrvec, Reader, Uuid } from '@ts-ceph/denc';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { decodePaxos, encodePaxos, PaxosHead } from './paxos';
import { MSG_OSD_BOOT } from './types';

/**
 * The leading fields of an OSDSuperblock (src/osd/osd_types.h, ENCODE_START(9, 5)). The mon only
 * reads these; the whole encoding (envelope included) is kept in `raw` so a decoded MOSDBoot
 * re-encodes byte for byte without this package owning the full superblock format.
 */
export interface OSDSuperblockHead {
  clusterFsid: Uuid;
  /** This OSD's id (int32). */
  whoami: number;
  /** Newest osdmap epoch the OSD had committed (epoch_t). */
  currentEpoch: number;
  oldestMap: number;
  newestMap: number;
  /** Epochs of the last clean interval: mounted at, clean through (epoch_t). */
  mounted: number;
  cleanThru: number;
  /** The OSD's own uuid (the one given to `ceph osd new` / `--osd-uuid`). */
  osdFsid: Uuid;
  /** The encoded superblock as sent: u8 struct_v, u8 compat, le32 len, body. */
  raw: Buffer;
}

/** FeatureSet (src/include/CompatSet.h): le64 mask then map<u64, string> names; skipped. */
function skipFeatureSet(r: Reader, field: string): void {
  r.within(field, () => {
    r.u64('mask');
    r.list('names', (rr) => {
      rr.u64('id');
      rr.string('name');
    }, 12);
  });
}

export function decodeOSDSuperblockHead(r: Reader): OSDSuperblockHead {
  const start = r.off;
  const head = r.envelope('OSDSuperblock', 9, (rr) => {
    const clusterFsid = decodeUuid(rr, 'cluster_fsid');
    const whoami = rr.i32('whoami');
    const currentEpoch = rr.u32('current_epoch');
    const oldestMap = rr.u32('oldest_map');
    const newestMap = rr.u32('newest_map');
    rr.f64('weight');
    for (const f of ['compat', 'ro_compat', 'incompat']) skipFeatureSet(rr, f);
    const cleanThru = rr.u32('clean_thru');
    const mounted = rr.u32('mounted');
    const osdFsid = decodeUuid(rr, 'osd_fsid');
    return { clusterFsid, whoami, currentEpoch, oldestMap, newestMap, mounted, cleanThru, osdFsid };
  });
  return { ...head, raw: Buffer.from(r.buf.subarray(start, r.off)) };
}

/**
 * MOSDBoot (src/messages/MOSDBoot.h), v7 compat 7: an OSD asks to be marked up. PaxosServiceMessage
 * head (version = the osdmap epoch the OSD has), OSDSuperblock, hb_back_addrs, cluster_addrs,
 * le32 boot_epoch (the epoch the OSD last booted in, 0 the first time), hb_front_addrs,
 * map<string,string> metadata (hostname, ceph_version, devices ...), le64 osd_features.
 * The client (public) addrs are the connection's, not in the payload.
 */
export interface MOSDBoot {
  paxos: PaxosHead;
  sb: OSDSuperblockHead;
  hbBackAddrs: EntityAddrvec;
  clusterAddrs: EntityAddrvec;
  bootEpoch: number;
  hbFrontAddrs: EntityAddrvec;
  metadata: Map<string, string>;
  osdFeatures: bigint;
}

export const MOSDBootCodec = defineMessage<MOSDBoot>({
  type: MSG_OSD_BOOT,
  name: 'osd_boot',
  version: 7,
  compatVersion: 7,
  decode: (m) =>
    readFront(m, 'MOSDBoot', (r) => {
      if (m.version < 7) throw cephError('EINVAL', `MOSDBoot v${m.version} (pre-octopus) is not supported`);
      const paxos = decodePaxos(r);
      const sb = decodeOSDSuperblockHead(r);
      const hbBackAddrs = decodeEntityAddrvec(r, 'hb_back_addrs');
      const clusterAddrs = decodeEntityAddrvec(r, 'cluster_addrs');
      const bootEpoch = r.u32('boot_epoch');
      const hbFrontAddrs = decodeEntityAddrvec(r, 'hb_front_addrs');
      const n = r.count('metadata', 8);
      if (n > messagesLimits.osdBootMetadataMax) throw cephError('EINVAL', `MOSDBoot metadata has ${n} entries, over osdBootMetadataMax ${messagesLimits.osdBootMetadataMax}`);
      const metadata = new Map<string, string>();
      for (let i = 0; i < n; i++) metadata.set(r.string('key'), r.string('value'));
      const osdFeatures = r.u64('osd_features');
      return { paxos, sb, hbBackAddrs, clusterAddrs, bootEpoch, hbFrontAddrs, metadata, osdFeatures };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      w.bytes(p.sb.raw);
      encodeEntityAddrvec(w, p.hbBackAddrs);
      encodeEntityAddrvec(w, p.clusterAddrs);
      w.u32(p.bootEpoch);
      encodeEntityAddrvec(w, p.hbFrontAddrs);
      // std::map: keys in byte order.
      const keys = [...p.metadata.keys()].sort(compareStringBytes);
      w.u32(keys.length);
      for (const k of keys) w.string(k).string(p.metadata.get(k)!);
      w.u64(p.osdFeatures);
    }),
  describe: (p) => `osd_boot(osd.${p.sb.whoami} booted ${p.bootEpoch} features ${p.osdFeatures} v${p.paxos.version})`,
});
