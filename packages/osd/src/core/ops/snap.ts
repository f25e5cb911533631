import { Errno } from '@ts-ceph/common/core';
import { Writer } from '@ts-ceph/denc';
import { CEPH_NOSNAP, CloneInfoT, encodeObjListSnapResponseT } from '@ts-ceph/maps';
import { CephOsdOp, opSnapId } from '@ts-ceph/messages';
import { OI_FLAG } from '../object-info';
import { loadObjectStateIn as loadObjectState } from '../object-info';
import { OpHandler } from '../op-context';
import { pairGet, rangesIntersect, rangesSubtract } from '../snap-context';
import { cloneOf, findSnapObject } from '../snaps';

const err = (e: number): number => -e;

/**
 * CEPH_OSD_OP_LIST_SNAPS (on CEPH_SNAPDIR): every clone with the snaps it serves (oldest first),
 * its overlap with the next newer object and its size, then the head unless it is a whiteout, and
 * the SnapSet's seq (obj_list_snap_response_t).
 */
const listSnaps: OpHandler = async (ctx, _op, out) => {
  ctx.numRead++;
  const ss = ctx.snapset;
  const clones: CloneInfoT[] = [];
  for (const c of ss.clones) {
    const snaps = pairGet(ss.cloneSnaps, c);
    const overlap = pairGet(ss.cloneOverlap, c);
    const size = pairGet(ss.cloneSize, c);
    // An inconsistent SnapSet (Ceph logs it to the cluster log) fails the op.
    if (!snaps || !overlap || size === undefined) return err(Errno.EINVAL);
    clones.push({ cloneid: c, snaps: [...snaps].reverse(), overlap: overlap.map(([o, l]) => [o, l]), size });
  }
  if (!(ctx.oi.flags & OI_FLAG.WHITEOUT)) clones.push({ cloneid: CEPH_NOSNAP, snaps: [], overlap: [], size: ctx.oi.size });
  const w = new Writer();
  encodeObjListSnapResponseT(w, { clones, seq: ss.seq });
  out.data = w.finish();
  return 0;
};

/**
 * _rollback_to: the head becomes the object as it was at the snap. No object then: the head is
 * deleted (a whiteout if clones remain); the head itself serves the snap: nothing to copy, but the
 * op is still a logged write; else the head is replaced by a copy of the clone.
 */
export function makeRollbackHandler(del: OpHandler): OpHandler {
  return async (ctx, op, out) => {
    ctx.numWrite++;
    const snap = opSnapId(op);
    const load = (o: typeof ctx.oid) => loadObjectState(ctx.store, ctx.coll, o);
    const target = await findSnapObject(ctx.store, ctx.coll, ctx.oid, snap, ctx.env.pool.snaps?.removed, load);
    if (typeof target === 'number' || target.state.oi.flags & OI_FLAG.WHITEOUT) {
      if (ctx.oi.watchers.size) return err(Errno.EBUSY);
      await del(ctx, op, out);
      return 0;
    }
    if (target.oid.snap === CEPH_NOSNAP) {
      ctx.modify = true;
      return 0;
    }
    const ss = ctx.snapset;
    if (ctx.obs.exists) ctx.t.remove(ctx.coll, ctx.oid);
    ctx.t.clone(ctx.coll, target.oid, ctx.oid);
    // The head bytes that differ from the clone: those not shared all the way from the snap's clone.
    let overlaps: [number, number][] | undefined;
    for (const [c, o] of ss.cloneOverlap) if (c >= snap) overlaps = overlaps ? rangesIntersect(overlaps, o) : o;
    if (ctx.oi.size > 0) {
      const whole: [number, number][] = [[0, ctx.oi.size]];
      const kept = rangesIntersect(overlaps ?? [], whole);
      for (const [o, l] of rangesSubtract(whole, kept)) ctx.markModified(o, l);
    }
    ctx.maybeCreate();
    const from = target.state.oi;
    ctx.bytesAdded += from.size - ctx.oi.size;
    ctx.oi.size = from.size;
    ctx.oi.dataDigest = from.flags & OI_FLAG.DATA_DIGEST ? from.dataDigest : 0xffffffff;
    ctx.oi.omapDigest = from.flags & OI_FLAG.OMAP_DIGEST ? from.omapDigest : 0xffffffff;
    const keep = OI_FLAG.DATA_DIGEST | OI_FLAG.OMAP_DIGEST | OI_FLAG.OMAP;
    ctx.oi.flags = (ctx.oi.flags & ~keep) | (from.flags & keep);
    return 0;
  };
}

export const snapOps = new Map<number, OpHandler>([[CephOsdOp.LIST_SNAPS, listSnaps]]);

export { cloneOf };
