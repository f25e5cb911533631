import { Reader } from '@ts-ceph/denc';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage } from './codec';
import { MSG_MGR_MAP } from './types';

/**
 * MMgrMap (src/messages/MMgrMap.h): the front is the encoded MgrMap itself (no length prefix). Kept
 * raw (@ts-ceph/maps decodes MgrMap); the epoch, the first field inside MgrMap's ENCODE_START
 * envelope, is read so subscribers can track it without decoding the whole map.
 */
export interface MMgrMap {
  map: Buffer;
  epoch: number;
}

export const MMgrMapCodec = defineMessage<MMgrMap>({
  type: MSG_MGR_MAP,
  name: 'mgrmap',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) => {
    const r = new Reader(m.front);
    const epoch = r.envelope('MgrMap', 255, (rr) => rr.u32('epoch'));
    return { map: Buffer.from(m.front), epoch };
  },
  encode: (p) => ({ front: p.map }),
  describe: (p) => `mgrmap(e ${p.epoch})`,
});
