import { cephError } from '@ts-ceph/common/core';
import { decodeUTime, encodeUTime, Reader, UTime } from '@ts-ceph/denc';
import { comparePg, decodeSpgT, encodeSpgT, formatPg, SpgT } from '@ts-ceph/maps';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { MSG_OSD_PG_CREATE2 } from './types';

/**
 * One versioned struct (u8 struct_v, u8 struct_compat, le32 len, body) kept as its raw bytes: the
 * pg_history_t and PastIntervals of MOSDPGCreate2's pg_extra, which the OSD interprets.
 */
function rawEnvelope(r: Reader, field: string): Buffer {
  const start = r.off;
  r.envelope(field, 255, (rr) => rr.skip(rr.remaining(), 'body'));
  return Buffer.from(r.buf.subarray(start, r.off));
}

function compareSpg(a: SpgT, b: SpgT): number {
  return comparePg(a.pgid, b.pgid) || a.shard - b.shard;
}

function pgCount(r: Reader, field: string): number {
  const n = r.count(field, 19);
  if (n > messagesLimits.osdPgsPerMessageMax) throw cephError('EINVAL', `${field}: ${n} PGs, over osdPgsPerMessageMax ${messagesLimits.osdPgsPerMessageMax}`);
  return n;
}

/**
 * MOSDPGCreate2 (src/messages/MOSDPGCreate2.h), v2 compat 1, mon → primary OSD: le32 epoch,
 * map<spg_t, pair<epoch_t created, utime_t creation stamp>> pgs, and (v2+) map<spg_t,
 * pair<pg_history_t, PastIntervals>> pg_extra, whose two structs are kept raw. Not a
 * PaxosServiceMessage. Resent every epoch until the OSD answers with MOSDPGCreated.
 */
export interface MOSDPGCreate2 {
  epoch: number;
  pgs: [SpgT, { created: number; stamp: UTime }][];
  pgExtra: [SpgT, { history: Buffer; pastIntervals: Buffer }][];
}

export const MOSDPGCreate2Codec = defineMessage<MOSDPGCreate2>({
  type: MSG_OSD_PG_CREATE2,
  name: 'pg_create2',
  version: 2,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MOSDPGCreate2', (r) => {
      const epoch = r.u32('epoch');
      const pgs: MOSDPGCreate2['pgs'] = [];
      for (let i = pgCount(r, 'pgs'); i > 0; i--) pgs.push([decodeSpgT(r), { created: r.u32('created'), stamp: decodeUTime(r, 'stamp') }]);
      const pgExtra: MOSDPGCreate2['pgExtra'] = [];
      if (m.version >= 2) {
        for (let i = pgCount(r, 'pg_extra'); i > 0; i--) pgExtra.push([decodeSpgT(r), { history: rawEnvelope(r, 'pg_history_t'), pastIntervals: rawEnvelope(r, 'PastIntervals') }]);
      }
      return { epoch, pgs, pgExtra };
    }),
  encode: (p) =>
    writeFront((w) => {
      w.u32(p.epoch);
      const pgs = [...p.pgs].sort((a, b) => compareSpg(a[0], b[0]));
      w.u32(pgs.length);
      for (const [spg, v] of pgs) {
        encodeSpgT(w, spg);
        w.u32(v.created);
        encodeUTime(w, v.stamp);
      }
      const extra = [...p.pgExtra].sort((a, b) => compareSpg(a[0], b[0]));
      w.u32(extra.length);
      for (const [spg, v] of extra) {
        encodeSpgT(w, spg);
        w.bytes(v.history).bytes(v.pastIntervals);
      }
    }),
  describe: (p) => `pg_create2(e${p.epoch} {${p.pgs.map(([s, v]) => `${formatPg(s.pgid)}=${v.created}`).join(',')}})`,
});
