import { cephError } from '@ts-ceph/common/core';
import { decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { decodeSpgT, encodeSpgT, formatSpg, SpgT } from '@ts-ceph/maps';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { MSG_OSD_SCRUB2 } from './types';

/**
 * MOSDScrub2 (src/messages/MOSDScrub2.h), v1 compat 1, mgr → OSD: uuid fsid, le32 epoch (the
 * mgr's osdmap epoch), vector<spg_t> scrub_pgs, bool repair, bool deep. The mgr's `pg scrub|
 * deep-scrub|repair` names one PG, `osd scrub|deep-scrub|repair` every PG the OSD is primary of
 * (DaemonServer::_handle_command); the OSD queues a scrub on each (OSD::handle_fast_scrub).
 */
export interface MOSDScrub2 {
  fsid: Uuid;
  epoch: number;
  scrubPgs: SpgT[];
  repair: boolean;
  deep: boolean;
}

export const MOSDScrub2Codec = defineMessage<MOSDScrub2>({
  type: MSG_OSD_SCRUB2,
  name: 'scrub2',
  version: 1,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MOSDScrub2', (r) => {
      const fsid = decodeUuid(r, 'fsid');
      const epoch = r.u32('epoch');
      const n = r.count('scrub_pgs', 19);
      if (n > messagesLimits.osdPgsPerMessageMax) throw cephError('EINVAL', `scrub_pgs: ${n} PGs, over osdPgsPerMessageMax ${messagesLimits.osdPgsPerMessageMax}`);
      const scrubPgs: SpgT[] = [];
      for (let i = 0; i < n; i++) scrubPgs.push(decodeSpgT(r));
      return { fsid, epoch, scrubPgs, repair: r.bool('repair'), deep: r.bool('deep') };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodeUuid(w, p.fsid);
      w.u32(p.epoch).u32(p.scrubPgs.length);
      for (const s of p.scrubPgs) encodeSpgT(w, s);
      w.bool(p.repair).bool(p.deep);
    }),
  describe: (p) => `scrub2([${p.scrubPgs.map(formatSpg).join(',')}]${p.repair ? ' repair' : ''}${p.deep ? ' deep' : ''})`,
});
