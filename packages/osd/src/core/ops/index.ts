import { Errno } from '@ts-ceph/common/core';
import { Writer } from '@ts-ceph/denc';
import { CephOsdOp, encodeObjListWatchResponseT, opAssertVer } from '@ts-ceph/messages';
import { OpHandler } from '../op-context';
import { dataOps } from './data';
import { xattrOps } from './xattr';
import { omapOps } from './omap';
import { makeCallHandler } from './call';
import { watchOps, withWatchDisconnects } from './watch';
import { makeRollbackHandler, snapOps } from './snap';
import { copyOps } from './copy';
import { makeTmapOps } from './tmap';

export { osdDataOpLimits } from './data';
export { osdXattrLimits } from './xattr';
export { osdOmapLimits } from './omap';
export { osdCopyLimits } from './copy';

const err = (e: number): number => -e;

const assertVer: OpHandler = (ctx, op) => {
  ctx.numRead++;
  const ver = opAssertVer(op);
  if (ver === 0n) return err(Errno.EINVAL);
  if (ver < ctx.oi.userVersion) return err(Errno.ERANGE);
  if (ver > ctx.oi.userVersion) return err(Errno.EOVERFLOW);
  return 0;
};

const listWatchers: OpHandler = (ctx, _op, out) => {
  ctx.numRead++;
  const entries = [...ctx.oi.watchers.values()]
    .sort((a, b) => (a.cookie !== b.cookie ? (a.cookie < b.cookie ? -1 : 1) : a.entity.num - b.entity.num))
    .map((w) => ({ name: w.entity, cookie: w.cookie, timeoutSeconds: w.timeoutSeconds, addr: w.addr }));
  const w = new Writer();
  encodeObjListWatchResponseT(w, entries);
  out.data = w.finish();
  return 0;
};

/** Every op code the engine executes, by CEPH_OSD_OP_*; anything else is -EOPNOTSUPP (do_osd_ops' default). */
export const opHandlers = new Map<number, OpHandler>([
  ...dataOps,
  ...xattrOps,
  ...omapOps,
  ...watchOps,
  ...snapOps,
  ...copyOps,
  [CephOsdOp.ASSERT_VER, assertVer],
  [CephOsdOp.LIST_WATCHERS, listWatchers],
]);
opHandlers.set(CephOsdOp.CALL, makeCallHandler(opHandlers));
// The tmap ops run data and omap ops as sub-ops (format-1 rbd images keep rbd_directory as a tmap).
for (const [code, h] of makeTmapOps(opHandlers)) opHandlers.set(code, h);

// _delete_oid also disconnects the object's watchers (ops/watch.ts).
opHandlers.set(CephOsdOp.DELETE, withWatchDisconnects(opHandlers.get(CephOsdOp.DELETE)!));
// _rollback_to deletes the head through _delete_oid when the object did not exist at the snap.
opHandlers.set(CephOsdOp.ROLLBACK, makeRollbackHandler(opHandlers.get(CephOsdOp.DELETE)!));

/** Register more handlers (the cls CALL op, watch/notify, snapshots live in their own modules). */
export function addOpHandlers(m: Map<number, OpHandler>): void {
  for (const [k, v] of m) opHandlers.set(k, v);
}
