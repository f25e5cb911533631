/**
 * MStatfs and MGetPoolStats at the mon (`ceph df`'s cousins for clients: rados df, librados
 * cluster_stat and get_pool_stats), answered from our PG statistics without a commit.
 */
import { messageTypes } from '@ts-ceph/messenger';
import { CEPH_MSG_STATFS, MSG_GETPOOLSTATS, MGetPoolStats, MGetPoolStatsReplyCodec, MStatfsReplyCodec, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import { PoolStatT, newObjectStatSum, newStoreStatfs } from '@ts-ceph/maps';
import type { OSDMonitor } from '../core/osd/osd-monitor';
import type { PGStatService } from '../core/mgrstat/pg-stats';
import type { MonHandler } from './handler';

/** What the statistics handlers use of the monitor. */
export interface StatfsContext {
  readonly fsid: string;
  readonly osd: Pick<OSDMonitor, 'epoch' | 'osdmap' | 'lookupPool'>;
  readonly pgstats: Pick<PGStatService, 'summary'>;
}

function emptyPoolStat(): PoolStatT {
  return { stats: { sum: newObjectStatSum() }, storeStats: newStoreStatfs(), logSize: 0, ondiskLogSize: 0, up: 0, acting: 0, numStoreStats: 0 };
}

const onGetPoolStats: MonHandler<StatfsContext> = (ctx, con, s, msg, payload) => {
  const m = payload as MGetPoolStats;
  const stats: [string, PoolStatT][] = [];
  for (const name of m.pools) if (ctx.osd.lookupPool(name) >= 0) stats.push([name, emptyPoolStat()]);
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
