import { decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { PoolStatT, decodePoolStatT, encodePoolStatT } from '@ts-ceph/maps';
import { defineMessage, readFront, writeFront } from './codec';
import { decodePaxos, encodePaxos, PaxosHead } from './paxos';
import { MSG_GETPOOLSTATS, MSG_GETPOOLSTATSREPLY } from './types';

/** MGetPoolStats (src/messages/MGetPoolStats.h): head, fsid, the pool names wanted. */
export interface MGetPoolStats {
  paxos: PaxosHead;
  fsid: Uuid;
  pools: string[];
}

export const MGetPoolStatsCodec = defineMessage<MGetPoolStats>({
  type: MSG_GETPOOLSTATS,
  name: 'getpoolstats',
  version: 1,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MGetPoolStats', (r) => ({
      paxos: decodePaxos(r),
      fsid: decodeUuid(r, 'fsid'),
      pools: r.list('pools', (rr) => rr.string('pool'), 4),
    })),
  encode: (p) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      w.list(p.pools, (ww, s) => ww.string(s));
    }),
});

/** MGetPoolStatsReply, v2: head, fsid, flat_map<pool name, pool_stat_t>, per_pool (v2+). */
export interface MGetPoolStatsReply {
  paxos: PaxosHead;
  fsid: Uuid;
  poolStats: [string, PoolStatT][];
  perPool: boolean;
}

export const MGetPoolStatsReplyCodec = defineMessage<MGetPoolStatsReply>({
  type: MSG_GETPOOLSTATSREPLY,
  name: 'getpoolstatsreply',
  version: 2,
  compatVersion: 1,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MGetPoolStatsReply', (r) => ({
      paxos: decodePaxos(r),
      fsid: decodeUuid(r, 'fsid'),
      poolStats: r.pairs('pool_stats', (rr) => rr.string('pool'), (rr) => decodePoolStatT(rr), 8),
      perPool: m.version >= 2 ? r.bool('per_pool') : false,
    })),
  encode: (p, features) =>
    writeFront((w) => {
      encodePaxos(w, p.paxos);
      encodeUuid(w, p.fsid);
      w.pairs(
        [...p.poolStats].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
        (ww, k) => ww.string(k),
        (ww, v) => encodePoolStatT(ww, v),
      );
      w.bool(p.perPool);
    }, features),
});
