import { Errno } from '@ts-ceph/common/core';
import { DencError } from '@ts-ceph/denc';
import { CephOsdOp, CephOsdWatchOp, notifyAckArgs, opNotify, opWatch } from '@ts-ceph/messages';
import { OpContext, OpHandler } from '../op-context';
import { WatchInfo, watchKey } from '../object-info';
import { WatchRegistry, encodeNotifyId, utimeMs } from '../watch';

/**
 * CEPH_OSD_OP_WATCH, NOTIFY and NOTIFY_ACK as PrimaryLogPG::do_osd_ops runs them. The persisted
 * part (object_info_t::watchers) changes in the op's transaction; what happens to live watches
 * and notifies is an effect (do_osd_op_effects) the driver runs once the op is done, through the
 * OSD's WatchRegistry (ctx.env.watches). An engine without a registry answers -EOPNOTSUPP.
 */

const err = (e: number): number => -e;

/** populate_obc_watchers: the object's persisted watchers get live (disconnected) watches. */
function registryOf(ctx: OpContext): WatchRegistry | undefined {
  const reg = ctx.env.watches;
  reg?.populate(ctx.env.pg.pgid, ctx.oid, ctx.before.oi.watchers, utimeMs(ctx.env.now));
  return reg;
}

const watch: OpHandler = async (ctx, op) => {
  ctx.numWrite++;
  const reg = registryOf(ctx);
  if (!reg) return err(Errno.EOPNOTSUPP);
  if (!ctx.obs.exists) return err(Errno.ENOENT);
  const w = opWatch(op);
  const entity = ctx.env.reqid.name;
  const key = watchKey(w.cookie, entity);
  const { pgid } = ctx.env.pg;
  const nowMs = utimeMs(ctx.env.now);
  const client = ctx.env.client;
  const info: WatchInfo = { cookie: w.cookie, timeoutSeconds: w.timeout || reg.config.clientWatchTimeoutSeconds, addr: ctx.env.origin.addr, entity };
  const connect = (willPing: boolean): void => {
    const known = ctx.oi.watchers.get(key) ?? info;
    ctx.effects.push(() => reg.emit(reg.connect(pgid, ctx.oid, known, client, willPing, utimeMs(ctx.env.now))));
  };
  switch (w.op) {
    case CephOsdWatchOp.WATCH:
    case CephOsdWatchOp.LEGACY_WATCH:
      if (!ctx.oi.watchers.has(key)) {
        ctx.oi.watchers.set(key, info);
        // t->nop: the object info must be written even though no data changes.
        ctx.t.nop();
      }
      connect(w.op === CephOsdWatchOp.WATCH);
      return 0;
    case CephOsdWatchOp.RECONNECT:
      if (!ctx.oi.watchers.has(key)) return err(Errno.ENOTCONN);
      connect(true);
      return 0;
    case CephOsdWatchOp.PING:
      // Not a write (no log entry, never resent). A watch the OSD lost track of (its connection
      // reset, or the OSD restarted) answers ETIMEDOUT so the client reconnects; the gen is not checked.
      if (!ctx.oi.watchers.has(key)) return err(Errno.ENOTCONN);
      if (!reg.isConnected(pgid, ctx.oid, w.cookie, entity)) return err(Errno.ETIMEDOUT);
      reg.ping(pgid, ctx.oid, w.cookie, entity, nowMs);
      return 0;
    case CephOsdWatchOp.UNWATCH:
      if (ctx.oi.watchers.delete(key)) {
        ctx.t.nop();
        ctx.effects.push(() => reg.emit(reg.remove(pgid, ctx.oid, w.cookie, entity, false)));
      }
      return 0;
    default:
      return 0;
  }
};

/** notify: the id goes back in the out data; the watchers hear of it once the op is done. */
const notify: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const reg = registryOf(ctx);
  if (!reg) return err(Errno.EOPNOTSUPP);
  const n = opNotify(op);
  const timeoutSeconds = n.timeout || reg.config.notifyTimeoutSeconds;
  const id = reg.nextNotifyId(ctx.env.epoch);
  out.data = encodeNotifyId(id);
  const { pgid } = ctx.env.pg;
  const client = ctx.env.client;
  const req = { id, cookie: n.cookie, notifierGid: BigInt(ctx.env.reqid.name.num), client, payload: n.payload ?? Buffer.alloc(0), timeoutSeconds, version: ctx.obs.oi.userVersion };
  ctx.effects.push(() => reg.emit(reg.notify(pgid, ctx.oid, req, utimeMs(ctx.env.now))));
  return 0;
};

/**
 * notify-ack: le64 notify_id, le64 cookie, optional reply bufferlist. Data that does not decode is
 * the old form, whose notify id is the op's watch.cookie and which acks every watch of the client.
 */
const notifyAck: OpHandler = async (ctx, op) => {
  ctx.numRead++;
  const reg = registryOf(ctx);
  if (!reg) return err(Errno.EOPNOTSUPP);
  let a: { notifyId: bigint; cookie: bigint | undefined; reply: Buffer };
  try {
    a = notifyAckArgs(op);
  } catch (e) {
    if (!(e instanceof DencError)) throw e;
    a = { notifyId: opWatch(op).cookie, cookie: undefined, reply: Buffer.alloc(0) };
  }
  const { pgid } = ctx.env.pg;
  const entity = ctx.env.reqid.name;
  ctx.effects.push(() => reg.emit(reg.notifyAck(pgid, ctx.oid, entity, a.cookie, a.notifyId, a.reply)));
  return 0;
};

/** The op handlers of this module (ops/index.ts adds them to the engine's table). */
export const watchOps = new Map<number, OpHandler>([
  [CephOsdOp.WATCH, watch],
  [CephOsdOp.NOTIFY, notify],
  [CephOsdOp.NOTIFY_ACK, notifyAck],
]);

/**
 * _delete_oid disconnects every watcher (with a DISCONNECT): wrap the delete handler so the
 * watchers the object had get that effect once the delete is done.
 */
export function withWatchDisconnects(remove: OpHandler): OpHandler {
  return async (ctx, op, out) => {
    const had = [...ctx.oi.watchers.values()];
    const r = await remove(ctx, op, out);
    const reg = ctx.env.watches;
    if (r >= 0 && reg && had.length > 0 && ctx.oi.watchers.size === 0) {
      const { pgid } = ctx.env.pg;
      ctx.effects.push(() => reg.emit(had.flatMap((w) => reg.remove(pgid, ctx.oid, w.cookie, w.entity, true))));
    }
    return r;
  };
}
