import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { CEPH_MSG_MON_GET_MAP, CEPH_MSG_MON_MAP } from './types';

/** MMonGetMap (src/messages/MMonGetMap.h): "send me the monmap"; no payload. */
export type MMonGetMap = Record<string, never>;

export const MMonGetMapCodec = defineMessage<MMonGetMap>({
  type: CEPH_MSG_MON_GET_MAP,
  name: 'mon_getmap',
  version: 1,
  compatVersion: 1,
  decode: () => ({}),
  encode: () => ({ front: Buffer.alloc(0) }),
});

/**
 * MMonMap (src/messages/MMonMap.h): the encoded MonMap as a bufferlist (le32 length + bytes). Kept
 * raw: @ts-ceph/maps decodes it.
 */
export interface MMonMap {
  monmap: Buffer;
}

export const MMonMapCodec = defineMessage<MMonMap>({
  type: CEPH_MSG_MON_MAP,
  name: 'mon_map',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) => readFront(m, 'MMonMap', (r) => ({ monmap: Buffer.from(r.blob('monmapbl')) })),
  encode: (p) => writeFront((w) => w.blob(p.monmap)),
  describe: () => 'mon_map magic: 0',
});
