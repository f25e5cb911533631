/**
 * MStatfs and MGetPoolStats at the mon (`ceph df`'s cousins for clients: rados df, librados
 * cluster_stat and get_pool_stats), answered from our PG statistics without a commit.
 */
import { messageTypes } from '@ts-ceph/messenger';
import { CEPH_MSG_STATFS, MSG_GETPOOLSTATS, MGetPoolStats, MGetPoolStatsReplyCodec, MStatfsReplyCodec, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import { PoolStatT, newObjectStatSum, newStoreStatfs } from '@ts-ceph/maps';
import type { OSDMonitor } from '../core/osd/osd-monitor';
import type { PGMap } from '@ts-ceph/mgr';
import type { MonHandler } from './handler';

/** What the statistics handlers use of the monitor. */
export interface StatfsContext {
  readonly fsid: string;
  readonly osd: Pick<OSDMonitor, 'epoch' | 'osdmap' | 'lookupPool'>;
  readonly pgstats: Pick<PGMap, 'summary' | 'poolSum'>;
}

/** pool_stat_t from the mgr's PG map (PGMapDigest::pg_pool_sum). */
function poolStat(ctx: StatfsContext, pool: number): PoolStatT {
  const m = ctx.osd.osdmap;
  const p = ctx.pgstats.poolSum(m, pool);
  const copies = p.numPg * (m.pools.get(pool)?.size ?? 1);
  return { stats: { sum: { ...newObjectStatSum(), ...p.sum } }, storeStats: { ...newStoreStatfs(), ...p.statfs }, logSize: p.logSize, ondiskLogSize: p.ondiskLogSize, up: copies, acting: copies, numStoreStats: p.statfs.total || p.statfs.allocated ? 1 : 0 };
}

const onGetPoolStats: MonHandler<StatfsContext> = (ctx, con, s, msg, payload) => {
  const m = payload as MGetPoolStats;
  const stats: [string, PoolStatT][] = [];
  for (const name of m.pools) {
    const id = ctx.osd.lookupPool(name);
    if (id >= 0) stats.push([name, poolStat(ctx, id)]);
  }
  con.send(messageTypes.build(MGetPoolStatsReplyCodec, { paxos: PAXOS_HEAD_DEFAULT, fsid: ctx.fsid, poolStats: stats, perPool: true }, { tid: msg.tid, features: s.features }));
};

const onStatfs: MonHandler<StatfsContext> = (ctx, con, _s, msg) => {
  const sum = ctx.pgstats.summary(ctx.osd.osdmap);
  con.send(
    messageTypes.build(
      MStatfsReplyCodec,
      { fsid: ctx.fsid, version: ctx.osd.epoch, kb: Math.floor(sum.bytesTotal / 1024), kbUsed: Math.floor(sum.bytesUsed / 1024), kbAvail: Math.floor(sum.bytesAvail / 1024), numObjects: sum.numObjects },
      { tid: msg.tid },
    ),
  );
};

export const statfsHandlers: Record<number, MonHandler<StatfsContext>> = {
  [MSG_GETPOOLSTATS]: onGetPoolStats,
  [CEPH_MSG_STATFS]: onStatfs,
};
