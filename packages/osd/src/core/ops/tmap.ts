import { Errno } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { CephOsdOp, OSDOp, osdOp, osdOpExtent, osdOpWriteFull } from '@ts-ceph/messages';
import { OpContext, OpHandler } from '../op-context';
import { decodeTmap, encodeTmap, tmapIsSorted, tmapUpdate } from '../tmap';

/**
 * The tmap ops (core/tmap.ts has the format): each runs plain data and omap ops on the object as
 * sub-ops, as PrimaryLogPG's do_osd_ops runs them (a READ then a WRITEFULL for TMAPUP), so reads see
 * the object before the op and writes land in the op's transaction with the usual size and
 * existence bookkeeping. librbd creates and removes format-1 images with TMAPUP on `rbd_directory`.
 */

/** CEPH_OSD_TMAP2OMAP_NULLOK: an empty object is not an error for TMAP2OMAP. */
const TMAP2OMAP_NULLOK = 1;

type Sub = (op: OSDOp) => Promise<OSDOp & { r: number }>;

function subRunner(ctx: OpContext, handlers: ReadonlyMap<number, OpHandler>): Sub {
  return async (op) => {
    const out: OSDOp = { ...op, data: Buffer.alloc(0), rval: 0 };
    const r = await handlers.get(op.op)!(ctx, op, out);
    return { ...out, r };
  };
}

/** The whole object as it was before the op (a READ of 0~0: up to its size), empty when missing. */
async function readWhole(sub: Sub): Promise<{ r: number; data: Buffer }> {
  const o = await sub(osdOpExtent(CephOsdOp.READ, 0, 0));
  return { r: o.r, data: o.data };
}

/** Handlers for TMAPGET, TMAPPUT, TMAPUP and TMAP2OMAP over the engine's own data and omap handlers. */
export function makeTmapOps(handlers: ReadonlyMap<number, OpHandler>): Map<number, OpHandler> {
  const tmapget: OpHandler = async (ctx, _op, out) => {
    if (ctx.env.pool.erasure) return -Errno.EOPNOTSUPP;
    const got = await readWhole(subRunner(ctx, handlers));
    out.data = got.data;
    return got.r;
  };

  // The data is written as sent when its keys are in order, else decoded and written out sorted.
  const tmapput: OpHandler = async (ctx, op) => {
    if (ctx.env.pool.erasure) return -Errno.EOPNOTSUPP;
    let data = op.data;
    if (!tmapIsSorted(data)) {
      const t = decodeTmap(data);
      data = encodeTmap(t.header, t.entries);
    }
    return (await subRunner(ctx, handlers)(osdOpWriteFull(data))).r;
  };

  const tmapup: OpHandler = async (ctx, op) => {
    if (ctx.env.pool.erasure) return -Errno.EOPNOTSUPP;
    ctx.numWrite++;
    const sub = subRunner(ctx, handlers);
    let old: Buffer = Buffer.alloc(0);
    if (op.data.length > 0) {
      const got = await readWhole(sub);
      if (got.r < 0) return got.r;
      old = got.data;
    }
    const u = tmapUpdate(old, op.data);
    if (u.rval < 0 || !u.data) return u.rval;
    const w = await sub(osdOpWriteFull(u.data));
    return w.r < 0 ? w.r : 0;
  };

  // _get_tmap then TRUNCATE 0, OMAPSETHEADER, OMAPSETVALS (the entries after the header are already
  // the omap-set-vals encoding); the object's bytes become its omap.
  const tmap2omap: OpHandler = async (ctx, op) => {
    ctx.numWrite++;
    if (ctx.oi.size === 0) return op.args[0]! & TMAP2OMAP_NULLOK ? 0 : -Errno.ENODATA;
    const sub = subRunner(ctx, handlers);
    const got = await readWhole(sub);
    let header: Buffer;
    let vals: Buffer;
    try {
      const r = new Reader(got.data);
      header = r.blob('tmap header');
      vals = got.data.subarray(got.data.length - r.remaining());
    } catch {
      return -Errno.EINVAL;
    }
    const steps = [osdOpExtent(CephOsdOp.TRUNCATE, 0, 0), osdOp(CephOsdOp.OMAPSETHEADER, { data: header }), osdOp(CephOsdOp.OMAPSETVALS, { data: vals })];
    let r = 0;
    for (const s of steps) {
      r = (await sub(s)).r;
      if (r < 0) return r;
    }
    return r;
  };

  return new Map<number, OpHandler>([
    [CephOsdOp.TMAPGET, tmapget],
    [CephOsdOp.TMAPPUT, tmapput],
    [CephOsdOp.TMAPUP, tmapup],
    [CephOsdOp.TMAP2OMAP, tmap2omap],
  ]);
}
