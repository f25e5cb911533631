import { CephError, Errno, ErrnoName } from '@ts-ceph/common/core';
import { CEPH_FEATURES_ALL, Writer } from '@ts-ceph/denc';
import { CephOsdOp, OSDOp, encodeStrBufferMap, osdOp, osdOpExtent, osdOpWrite, osdOpWriteFull, opCall } from '@ts-ceph/messages';
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
  return countingSubops(ctx, {
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
    ...clsOmapContext(ctx, sub),
    currentVersion: () => ctx.env.pg.info.lastUserVersion,
    subopVersion: () => `${ctx.env.pg.info.lastUserVersion}.${ctx.processedSubops}`,
    async snapsetSeq() {
      const whiteout = (ctx.oi.flags & OI_FLAG.WHITEOUT) !== 0 && ctx.snapset.clones.length === 0;
      if (!ctx.obs.exists || whiteout) throw new CephError('ENOENT', Errno.ENOENT, 'no such object');
      return ctx.snapset.seq;
    },
    log: () => undefined,
  });
}

/** The ClsContext calls Ceph runs as one do_osd_ops sub-op each (objclass.cc). */
const subopCalls = [
  'stat', 'read', 'create', 'write', 'writeFull', 'truncate', 'remove', 'getxattr', 'getxattrs', 'setxattr',
  'mapGetHeader', 'mapGetVal', 'mapGetKeys', 'mapGetVals', 'mapSetVal', 'mapSetVals', 'mapRemoveKey', 'mapRemoveRange', 'mapClear', 'mapWriteHeader',
] as const;

/**
 * Count each sub-op that succeeds in ctx.processedSubops, as do_osd_ops' loop does (a failed sub-op
 * leaves its loop before the count).
 */
function countingSubops(ctx: OpContext, c: ClsContext): ClsContext {
  const out: ClsContext = { ...c };
  for (const name of subopCalls) {
    const f = c[name] as (...a: unknown[]) => Promise<unknown>;
    (out as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
      const v = await f(...a);
      ctx.processedSubops++;
      return v;
    };
  }
  return out;
}

/**
 * The omap half of the ClsContext. Reads see the omap before the op and, as Ceph's omap-get ops
 * check oi.is_omap() rather than existence, an object without omap (or not there at all: a WR
 * method on a new object) reads as empty. Writes run the omap op handlers as sub-ops, so the
 * object's OMAP flag, creation and the ENOENT of a key removal on a missing object are Ceph's.
 */
function clsOmapContext(ctx: OpContext, sub: (op: OSDOp, what: string) => Promise<OSDOp>): Pick<ClsContext, 'mapGetHeader' | 'mapGetVal' | 'mapGetKeys' | 'mapGetVals' | 'mapSetVal' | 'mapSetVals' | 'mapRemoveKey' | 'mapRemoveRange' | 'mapClear' | 'mapWriteHeader'> {
  const noOmap = (): boolean => !ctx.before.exists || !ctx.obs.exists || (ctx.oi.flags & OI_FLAG.OMAP) === 0;
  const setVals = async (kv: ReadonlyMap<string, Buffer>): Promise<void> => {
    await sub(osdOp(CephOsdOp.OMAPSETVALS, { data: encodeStrBufferMap(kv) }), 'omap-set-vals');
  };
  return {
    async mapGetHeader() {
      if (noOmap()) return Buffer.alloc(0);
      return Buffer.from(await ctx.store.omapGetHeader(ctx.coll, ctx.oid));
    },
    async mapGetVal(key) {
      const v = noOmap() ? undefined : (await ctx.store.omapGetValues(ctx.coll, ctx.oid, [key])).get(key);
      if (v === undefined) throw new CephError('ENOENT', Errno.ENOENT, `no omap key ${key}`);
      return Buffer.from(v);
    },
    // cls_cxx_map_get_keys/vals run omap-get-keys/vals as sub-ops: the same walk and limits.
    async mapGetKeys(startAfter, max) {
      if (noOmap()) return { keys: [], more: false };
      const r = await walkOmap(ctx, startAfter, '', clampMax(BigInt(max)), false);
      return { keys: [...r.vals.keys()], more: r.truncated };
    },
    async mapGetVals(startAfter, prefix, max) {
      if (noOmap()) return { vals: new Map<string, Buffer>(), more: false };
      const r = await walkOmap(ctx, startAfter, prefix, clampMax(BigInt(max)), true);
      return { vals: r.vals, more: r.truncated };
    },
    mapSetVal: (key, value) => setVals(new Map([[key, value]])),
    mapSetVals: (kv) => setVals(kv),
    async mapRemoveKey(key) {
      const w = new Writer();
      w.list([key], (w, k) => w.string(k));
      await sub(osdOp(CephOsdOp.OMAPRMKEYS, { data: w.finish() }), 'omap-rm-keys');
    },
    async mapRemoveRange(first, last) {
      await sub(osdOp(CephOsdOp.OMAPRMKEYRANGE, { data: new Writer().string(first).string(last).finish() }), 'omap-rm-key-range');
    },
    async mapClear() {
      await sub(osdOp(CephOsdOp.OMAPCLEAR), 'omap-clear');
    },
    async mapWriteHeader(header) {
      await sub(osdOp(CephOsdOp.OMAPSETHEADER, { data: header }), 'omap-set-header');
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
