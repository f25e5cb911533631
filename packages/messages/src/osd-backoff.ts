import { Reader } from '@ts-ceph/denc';
import { decodeHobjectT, decodeSpgT, encodeHobjectT, encodeSpgT, HobjectT, SpgT } from '@ts-ceph/maps';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { formatHobject } from './osd-op';
import { CEPH_MSG_OSD_BACKOFF } from './types';

/** CEPH_OSD_BACKOFF_OP_* (src/include/rados.h): what an MOSDBackoff asks of the client. */
export const CephOsdBackoffOp = { BLOCK: 1, ACK_BLOCK: 2, UNBLOCK: 3 } as const;

/** ceph_osd_backoff_op_name (src/common/ceph_strings.cc). */
export function cephOsdBackoffOpName(op: number): string {
  return ({ 1: 'block', 2: 'ack-block', 3: 'unblock' } as Record<number, string>)[op] ?? '???';
}

/**
 * MOSDBackoff (src/messages/MOSDBackoff.h), v1 compat 1, both directions on a client's OSD session:
 * spg_t pgid, le32 map_epoch, u8 op (CEPH_OSD_BACKOFF_OP_*), le64 id (unique within the session),
 * hobject_t begin, hobject_t end. The OSD sends BLOCK for the range [begin, end) (a single object
 * when begin == end) and later UNBLOCK with the same id; the client answers BLOCK with ACK_BLOCK
 * and holds its ops on that range until the UNBLOCK, then resends them.
 */
export interface MOSDBackoff {
  pgid: SpgT;
  mapEpoch: number;
  op: number;
  id: bigint;
  begin: HobjectT;
  end: HobjectT;
}

export const MOSDBackoffCodec = defineMessage<MOSDBackoff>({
  type: CEPH_MSG_OSD_BACKOFF,
  name: 'osd_backoff',
  version: 1,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MOSDBackoff', (r: Reader) => ({
      pgid: decodeSpgT(r, 'pgid'),
      mapEpoch: r.u32('map_epoch'),
      op: r.u8('op'),
      id: r.u64('id'),
      begin: decodeHobjectT(r, 'begin'),
      end: decodeHobjectT(r, 'end'),
    })),
  encode: (p) =>
    writeFront((w) => {
      encodeSpgT(w, p.pgid);
      w.u32(p.mapEpoch).u8(p.op).u64(p.id);
      encodeHobjectT(w, p.begin);
      encodeHobjectT(w, p.end);
    }),
  describe: (p) => formatMOSDBackoff(p),
});

/** MOSDBackoff::print: "osd_backoff(3.7 block id 42 [3:2c480000:::a:head,3:1e6a0000:::b:head) e29)". */
export function formatMOSDBackoff(p: MOSDBackoff): string {
  const h = (o: HobjectT): string => (o.max ? 'MAX' : formatHobject(o.pool, o.hash, o.nspace, o.key, o.oid, o.snap));
  const shard = p.pgid.shard >= 0 ? `s${p.pgid.shard}` : '';
  return `osd_backoff(${p.pgid.pgid.pool}.${p.pgid.pgid.seed.toString(16)}${shard} ${cephOsdBackoffOpName(p.op)} id ${p.id} [${h(p.begin)},${h(p.end)}) e${p.mapEpoch})`;
}
