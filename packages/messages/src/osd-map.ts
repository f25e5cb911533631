import { cephError } from '@ts-ceph/common/core';
import { decodeUuid, encodeUuid, Reader, Uuid, Writer } from '@ts-ceph/denc';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { decodePaxos, encodePaxos, PaxosHead, PAXOS_HEAD_DEFAULT } from './paxos';
import { CEPH_MSG_MON_GET_OSDMAP, CEPH_MSG_OSD_MAP } from './types';

/**
 * MOSDMap (src/messages/MOSDMap.h), v4 compat 3: fsid, incremental maps and full maps by epoch
 * (each an encoded OSDMap[::Incremental], kept raw), oldest/newest map the sender has (v2+), and
 * gap_removed_snaps (v4; always empty since octopus, decoded so old senders round-trip).
 */
export interface MOSDMap {
  fsid: Uuid;
  incrementalMaps: Map<number, Buffer>;
  maps: Map<number, Buffer>;
  oldestMap: number;
  newestMap: number;
  /** pool → [start, len] snap intervals (removed in octopus). */
  gapRemovedSnaps: [bigint, [bigint, bigint][]][];
}

function decodeEpochMap(r: Reader, field: string, seen: { n: number }): Map<number, Buffer> {
  const n = r.count(field, 8);
  seen.n += n;
  if (seen.n > messagesLimits.osdMapsPerMessageMax) throw cephError('EINVAL', `MOSDMap with over osdMapsPerMessageMax ${messagesLimits.osdMapsPerMessageMax} maps`);
  const out = new Map<number, Buffer>();
  for (let i = 0; i < n; i++) out.set(r.u32('epoch'), Buffer.from(r.blob('map')));
  return out;
}

function encodeEpochMap(w: Writer, m: Map<number, Buffer>): void {
  const keys = [...m.keys()].sort((a, b) => a - b);
  w.u32(keys.length);
  for (const k of keys) w.u32(k).blob(m.get(k)!);
}

export const MOSDMapCodec = defineMessage<MOSDMap>({
  type: CEPH_MSG_OSD_MAP,
  name: 'osd_map',
  version: 4,
  compatVersion: 3,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MOSDMap', (r) => {
      const seen = { n: 0 };
      const fsid = decodeUuid(r, 'fsid');
      const incrementalMaps = decodeEpochMap(r, 'incremental_maps', seen);
      const maps = decodeEpochMap(r, 'maps', seen);
      let oldestMap = 0;
      let newestMap = 0;
      if (m.version >= 2) {
        oldestMap = r.u32('oldest_map');
        newestMap = r.u32('newest_map');
      }
      const gapRemovedSnaps: MOSDMap['gapRemovedSnaps'] = [];
      if (m.version >= 4) {
        const n = r.count('gap_removed_snaps', 12);
        for (let i = 0; i < n; i++) {
          const pool = r.i64('pool');
          gapRemovedSnaps.push([pool, r.list('intervals', (rr) => [rr.u64('start'), rr.u64('len')] as [bigint, bigint], 16)]);
        }
      }
      return { fsid, incrementalMaps, maps, oldestMap, newestMap, gapRemovedSnaps };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodeUuid(w, p.fsid);
      encodeEpochMap(w, p.incrementalMaps);
      encodeEpochMap(w, p.maps);
      w.u32(p.oldestMap).u32(p.newestMap);
      w.list(p.gapRemovedSnaps, (ww, [pool, iv]) => {
        ww.i64(pool);
        ww.list(iv, (w3, [s, l]) => w3.u64(s).u64(l));
      });
    }),
  describe: (p) => {
    const e = [...p.maps.keys(), ...p.incrementalMaps.keys()];
    return `osd_map(${e.length ? Math.min(...e) : 0}..${e.length ? Math.max(...e) : 0} src has ${p.oldestMap}..${p.newestMap})`;
  },
});

/** MMonGetOSDMap: ask the mon for full maps [fullFirst, fullLast] and incrementals [incFirst, incLast]. */
export interface MMonGetOSDMap {
  paxos: PaxosHead;
  fullFirst: number;
  fullLast: number;
  incFirst: number;
  incLast: number;
}

export const MMonGetOSDMapCodec = defineMessage<MMonGetOSDMap>({
  type: CEPH_MSG_MON_GET_OSDMAP,
  name: 'mon_get_osdmap',
  version: 1,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MMonGetOSDMap', (r) => ({
      paxos: decodePaxos(r),
      fullFirst: r.u32('full_first'),
      fullLast: r.u32('full_last'),
      incFirst: r.u32('inc_first'),
      incLast: r.u32('inc_last'),
    })),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      w.u32(p.fullFirst).u32(p.fullLast).u32(p.incFirst).u32(p.incLast);
    }),
});

export function mMonGetOSDMap(fullFirst: number, fullLast: number, incFirst: number, incLast: number): MMonGetOSDMap {
  return { paxos: PAXOS_HEAD_DEFAULT, fullFirst, fullLast, incFirst, incLast };
}
