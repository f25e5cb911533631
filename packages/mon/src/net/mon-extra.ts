/**
 * Handlers for the mon messages beyond the client bootstrap set: MLog (cluster log from daemons and
 * clients, acked after commit), MPoolOp (pool create/delete and snapshots, replied after commit with
 * the osdmap epoch), MGetPoolStats and MStatfs (served from our PG statistics).
 */
import { Errno, logger } from '@ts-ceph/common';
import { Writer } from '@ts-ceph/denc';
import { Connection, CephMessage, messageTypes } from '@ts-ceph/messenger';
import {
  CEPH_MSG_POOLOP,
  MSG_GETPOOLSTATS,
  CEPH_MSG_STATFS,
  MSG_LOG,
  MPoolOp,
  MPoolOpReplyCodec,
  MGetPoolStats,
  MGetPoolStatsReplyCodec,
  MStatfsReplyCodec,
  PAXOS_HEAD_DEFAULT,
} from '@ts-ceph/messages';
import { PoolStatT, newObjectStatSum, newStoreStatfs } from '@ts-ceph/maps';
import { OSDCap, capsText } from '@ts-ceph/cephx';
import { MonSession } from '../core/session';
import { handlePoolOp, PoolOp } from '../core/osd/pool-op';
import { MLog, MLogAckCodec } from '../messages/log';
import type { MonServer } from './mon-server';
import { monOsdHandlers } from './mon-osd';

const log = logger('mon');

export type ExtraHandler = (server: MonServer, con: Connection, s: MonSession, msg: CephMessage, payload: unknown) => void;

/** enforce_pool_op_caps: unmanaged snaps need osd write on the pool (or the mon cap); the rest mon osd 'w'. */
function poolOpPermitted(server: MonServer, s: MonSession, m: MPoolOp): boolean {
  if (m.op === PoolOp.CREATE_UNMANAGED_SNAP || m.op === PoolOp.DELETE_UNMANAGED_SNAP) {
    const poolName = server.mon.osd.osdmap.poolName.get(m.pool) ?? '';
    if (s.isCapable('osd', false, true, false, 'osd pool op unmanaged-snap', new Map([['pool', poolName]]))) return true;
    const caps = server.mon.auth.keyServer.getCaps(s.entityName, 'osd');
    if (!caps) return false;
    if (caps.allowAll) return true;
    try {
      const text = capsText(caps);
      return OSDCap.parse(text).isCapable({ pool: poolName, write: true });
    } catch {
      return false;
    }
  }
  return s.isCapable('osd', false, true, false);
}

function onPoolOp(server: MonServer, con: Connection, s: MonSession, msg: CephMessage, payload: unknown): void {
  const m = payload as MPoolOp;
  const mon = server.mon;
  const reply = (code: number, epoch: number, data?: Buffer) =>
    con.send(messageTypes.build(MPoolOpReplyCodec, { paxos: { ...PAXOS_HEAD_DEFAULT, version: mon.osd.lastCommitted }, fsid: mon.fsid, replyCode: code, epoch, responseData: data }, { tid: msg.tid }));
  if (!poolOpPermitted(server, s, m)) return reply(-Errno.EPERM, mon.osd.epoch);
  if (m.fsid !== mon.fsid) return reply(-Errno.EINVAL, mon.osd.epoch);
  void mon.pipeline
    .run(async () => {
      const r = handlePoolOp(mon.osd, { pool: m.pool, name: m.name, op: m.op, snapid: m.snapid, crushRule: m.crushRule, now: mon.opts.clock.wallNow() });
      if (!r.propose) return reply(r.code, mon.osd.epoch);
      const epoch = mon.osd.pending.epoch;
      await mon.pipeline.propose([mon.osd]);
      let data: Buffer | undefined;
      if (r.snapid !== undefined) data = new Writer().u64(r.snapid).finish();
      reply(r.code, epoch, data);
    })
    .catch((e: unknown) => {
      log.error(`pool op failed: ${(e as Error).message}`);
      reply(-Errno.EIO, mon.osd.epoch);
    });
}

function emptyPoolStat(): PoolStatT {
  return { stats: { sum: newObjectStatSum() }, storeStats: newStoreStatfs(), logSize: 0, ondiskLogSize: 0, up: 0, acting: 0, numStoreStats: 0 };
}

function onGetPoolStats(server: MonServer, con: Connection, s: MonSession, msg: CephMessage, payload: unknown): void {
  const m = payload as MGetPoolStats;
  const mon = server.mon;
  const stats: [string, PoolStatT][] = [];
  for (const name of m.pools) if (mon.osd.lookupPool(name) >= 0) stats.push([name, emptyPoolStat()]);
  con.send(messageTypes.build(MGetPoolStatsReplyCodec, { paxos: PAXOS_HEAD_DEFAULT, fsid: mon.fsid, poolStats: stats, perPool: true }, { tid: msg.tid, features: s.features }));
}

function onStatfs(server: MonServer, con: Connection, _s: MonSession, msg: CephMessage): void {
  const mon = server.mon;
  const sum = mon.pgstats.summary(mon.osd.osdmap);
  con.send(
    messageTypes.build(
      MStatfsReplyCodec,
      { fsid: mon.fsid, version: mon.osd.epoch, kb: Math.floor(sum.bytesTotal / 1024), kbUsed: Math.floor(sum.bytesUsed / 1024), kbAvail: Math.floor(sum.bytesAvail / 1024), numObjects: sum.numObjects },
      { tid: msg.tid },
    ),
  );
}

function onLog(server: MonServer, con: Connection, s: MonSession, _msg: CephMessage, payload: unknown): void {
  const m = payload as MLog;
  const mon = server.mon;
  if (!s.isCapable('log', false, true, false)) return;
  if (m.entries.length === 0) return;
  void mon.pipeline
    .run(async () => {
      for (const e of m.entries) mon.logm.add(e);
      await mon.pipeline.propose([mon.logm]);
      const last = m.entries[m.entries.length - 1]!;
      con.send(messageTypes.build(MLogAckCodec, { fsid: mon.fsid, last: last.seq, channel: last.channel }));
    })
    .catch((e: unknown) => log.error(`log commit failed: ${(e as Error).message}`));
}

export const monExtraHandlers: Record<number, ExtraHandler> = {
  [CEPH_MSG_POOLOP]: onPoolOp,
  [MSG_GETPOOLSTATS]: onGetPoolStats,
  [CEPH_MSG_STATFS]: (server, con, s, msg) => onStatfs(server, con, s, msg),
  [MSG_LOG]: onLog,
  ...monOsdHandlers,
};
