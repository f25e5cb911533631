import { osdStateSet } from '@ts-ceph/maps';
import { defineMessage, readFront, writeFront } from './codec';
import { decodePaxos, encodePaxos, PaxosHead } from './paxos';
import { MSG_OSD_FULL } from './types';

/**
 * MOSDFull (src/messages/MOSDFull.h), v1: PaxosServiceMessage head (version = the OSD's osdmap
 * epoch), le32 map_epoch, le32 state. The OSD asks the monitor to set its fullness bits in the
 * osdmap: `state` holds at most one of CEPH_OSD_FULL, CEPH_OSD_BACKFILLFULL, CEPH_OSD_NEARFULL
 * (0: none); the monitor masks out every other bit.
 */
export interface MOSDFull {
  paxos: PaxosHead;
  mapEpoch: number;
  state: number;
}

export const MOSDFullCodec = defineMessage<MOSDFull>({
  type: MSG_OSD_FULL,
  name: 'osd_full',
  version: 1,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MOSDFull', (r) => ({ paxos: decodePaxos(r), mapEpoch: r.u32('map_epoch'), state: r.u32('state') })),
  encode: (p) => writeFront((w) => (encodePaxos(w, p.paxos), w.u32(p.mapEpoch).u32(p.state))),
  describe: (p) => `osd_full(e${p.mapEpoch} ${osdStateSet(p.state).join(',')} v${p.paxos.version})`,
});
