import { CephError, Errno, ErrnoName } from '@ts-ceph/common/core';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { CephOsdOp, OSDOp, osdOp, osdOpExtent, osdOpWrite, osdOpWriteFull, opCall } from '@ts-ceph/messages';
import { ClsContext, ClsRegistry, builtinClsRegistry, execClsMethod, parseClsCall, CLS_METHOD_WR } from '../cls';
import { OI_FLAG } from '../object-info';
import { OpContext, OpHandler } from '../op-context';
import { userXattrs } from './xattr';
import { clampMax, walkOmap } from './omap';

/** The classes every ts-osd serves (osd_class_default_list). */
export const clsRegistry: ClsRegistry = builtinClsRegistry();

/** cls reads see the object before the op: ENOENT when it did not exist then. */
function existedBefore(ctx: OpContext): void {
  if (!ctx.before.exists) throw new CephError('ENOENT', Errno.ENOENT, 'no such object');
}

/** A negative rval from a sub-op as the CephError a class method sees (and may catch). */
function throwIf(r: number, what: string): void {
  if (r >= 0) return;
  const name = (Object.keys(Errno) as ErrnoName[]).find((k) => Errno[k] === -r) ?? 'EIO';
  throw new CephError(name, -r, `${what}: ${name}`);
}

/**
 * ClsContext over an OpContext, as src/osd/objclass.cc runs each cls_cxx_* call as a sub-op of the
 * CALL (do_osd_ops): reads see the object before the op, writes go into the op's transaction.
 */
export function clsContextFor(ctx: OpContext, handlers: ReadonlyMap<number, OpHandler>, canWrite: boolean): ClsContext {
  const sub = async (op: OSDOp, what: string): Promise<OSDOp> => {
    const out: OSDOp = { ...op, data: Buffer.alloc(0), rval: 0 };
    const h = handlers.get(op.op)!;
    throwIf(await h(ctx, op, out), what);
    return out;
  };
  const mustExistBefore = (): void => existedBefore(ctx);
  return {
    origin: ctx.env.origin,
    now: ctx.env.now,
    canWrite,
    clientFeatures: ctx.req.features || CEPH_FEATURES_ALL,
    async stat() {
      if (!ctx.obs.exists) throw new CephError('ENOENT', Errno.ENOENT, 'no such object');
      return { size: ctx.oi.size, mtime: ctx.oi.mtime };
    },
    async read(offset, length) {
      mustExistBefore();
      return (await sub(osdOpExtent(CephOsdOp.READ, offset, length), 'read')).data;
    },
    async create(exclusive) {
      await sub(osdOp(CephOsdOp.CREATE, { flags: exclusive ? 1 : 0 }), 'create');
    },
    async write(offset, data) {
      await sub(osdOpWrite(offset, data), 'write');
    },
    async writeFull(data) {
      await sub(osdOpWriteFull(data), 'writefull');
    },
    async truncate(size) {
      await sub(osdOpExtent(CephOsdOp.TRUNCATE, size, 0), 'truncate');
    },
    async remove() {
      await sub(osdOp(CephOsdOp.DELETE), 'remove');
    },
    async getxattr(name) {
      mustExistBefore();
      return Buffer.from(await ctx.store.getattr(ctx.coll, ctx.oid, `_${name}`));
    },
    async getxattrs() {
      mustExistBefore();
      return userXattrs(ctx);
    },
    async setxattr(name, value) {
      ctx.numWrite++;
      ctx.maybeCreate();
      ctx.t.setattr(ctx.coll, ctx.oid, `_${name}`, value);
    },
    ...clsOmapContext(ctx),
    currentVersion: () => ctx.env.pg.info.lastUserVersion,
    async snapsetSeq() {
      const whiteout = (ctx.oi.flags & OI_FLAG.WHITEOUT) !== 0 && ctx.snapset.clones.length === 0;
      if (!ctx.obs.exists || whiteout) throw new CephError('ENOENT', Errno.ENOENT, 'no such object');
      return ctx.snapset.seq;
    },
    log: () => undefined,
  };
}

/** The omap half of the ClsContext: reads of the omap before the op, writes into the op's transaction. */
function clsOmapContext(ctx: OpContext): Pick<ClsContext, 'mapGetHeader' | 'mapGetVal' | 'mapGetKeys' | 'mapGetVals' | 'mapSetVal' | 'mapSetVals' | 'mapRemoveKey' | 'mapRemoveRange' | 'mapClear' | 'mapWriteHeader'> {
  const mustExistBefore = (): void => existedBefore(ctx);
  const omapWrite = (): void => {
    ctx.numWrite++;
    ctx.maybeCreate();
  };
  return {
  async mapGetHeader() {
    mustExistBefore();
    return Buffer.from(await ctx.store.omapGetHeader(ctx.coll, ctx.oid));
  },
  async mapGetVal(key) {
    mustExistBefore();
    const v = (await ctx.store.omapGetValues(ctx.coll, ctx.oid, [key])).get(key);
    if (v === undefined) throw new CephError('ENOENT', Errno.ENOENT, `no omap key ${key}`);
    return Buffer.from(v);
  },
  // cls_cxx_map_get_keys/vals run omap-get-keys/vals as sub-ops: the same walk and limits.
  async mapGetKeys(startAfter, max) {
    mustExistBefore();
    const r = await walkOmap(ctx, startAfter, '', clampMax(BigInt(max)), false);
    return { keys: [...r.vals.keys()], more: r.truncated };
  },
  async mapGetVals(startAfter, prefix, max) {
    mustExistBefore();
    const r = await walkOmap(ctx, startAfter, prefix, clampMax(BigInt(max)), true);
    return { vals: r.vals, more: r.truncated };
  },
  async mapSetVal(key, value) {
    omapWrite();
    ctx.t.omapSetKeys(ctx.coll, ctx.oid, new Map([[key, value]]));
  },
  async mapSetVals(kv) {
    omapWrite();
    ctx.t.omapSetKeys(ctx.coll, ctx.oid, kv);
  },
  async mapRemoveKey(key) {
    omapWrite();
    ctx.t.omapRmKeys(ctx.coll, ctx.oid, [key]);
  },
  async mapRemoveRange(first, last) {
    omapWrite();
    ctx.t.omapRmKeyRange(ctx.coll, ctx.oid, first, last);
  },
  async mapClear() {
    omapWrite();
    ctx.t.omapClear(ctx.coll, ctx.oid);
  },
  async mapWriteHeader(header) {
    omapWrite();
    ctx.t.omapSetHeader(ctx.coll, ctx.oid, header);
  },
  };
}

/** CEPH_OSD_OP_CALL: run a class method (the class and method were resolved and cap-checked before). */
export function makeCallHandler(handlers: ReadonlyMap<number, OpHandler>): OpHandler {
  return async (ctx, op, out) => {
    const c = opCall(op);
    const call = parseClsCall(op.data, op.args[0]!, op.args[1]!, c.indataLen);
    const m = clsRegistry.lookupMethod(call.className, call.methodName);
    if (m.flags & CLS_METHOD_WR) ctx.userModify = true;
    const r = await execClsMethod(m, clsContextFor(ctx, handlers, (m.flags & CLS_METHOD_WR) !== 0), call.input);
    out.data = r.outdata;
    // Ceph records the output length in the reply op's extent.length (bytes 8..15 of the union).
    const a = Buffer.from(out.args);
    a.writeBigUInt64LE(BigInt(r.outdata.length), 8);
    out.args = a;
    return r.rval;
  };
}
