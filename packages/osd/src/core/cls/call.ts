import { CephError, Errno, cephError } from '@ts-ceph/common/core';
import { ClsContext } from './context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethodRef, ClsReturn } from './registry';

/** The three parts of a CEPH_OSD_OP_CALL's indata (ceph_osd_op.cls: class_len, method_len, indata_len). */
export interface ClsCall {
  className: string;
  methodName: string;
  input: Buffer;
}

/** Split a CALL's indata; EINVAL when it is shorter than the lengths say (bufferlist::copy throwing). */
export function parseClsCall(indata: Buffer, classLen: number, methodLen: number, indataLen: number): ClsCall {
  const need = classLen + methodLen + indataLen;
  if (need > indata.length) throw cephError('EINVAL', `call: indata has ${indata.length} bytes, class+method+input need ${need}`);
  return {
    className: indata.subarray(0, classLen).toString('latin1'),
    methodName: indata.subarray(classLen, classLen + methodLen).toString('latin1'),
    input: indata.subarray(classLen + methodLen, need),
  };
}

/** A method's outcome: the op's rval and outdata. */
export interface ClsOutcome {
  rval: number;
  outdata: Buffer;
}

const noData = Buffer.alloc(0);

/**
 * Count the reads and writes a method makes, as PrimaryLogPG's num_read / num_write do: every data,
 * xattr and omap read counts (stat does not, CEPH_OSD_OP_STAT being exempt), every mutation counts.
 */
function countingContext(ctx: ClsContext, n: { reads: number; writes: number }): ClsContext {
  const rd = <T>(f: () => Promise<T>): Promise<T> => {
    n.reads++;
    return f();
  };
  const wr = <T>(f: () => Promise<T>): Promise<T> => {
    n.writes++;
    return f();
  };
  return {
    origin: ctx.origin,
    now: ctx.now,
    canWrite: ctx.canWrite,
    clientFeatures: ctx.clientFeatures,
    stat: () => ctx.stat(),
    read: (o, l) => rd(() => ctx.read(o, l)),
    create: (x) => wr(() => ctx.create(x)),
    write: (o, d) => wr(() => ctx.write(o, d)),
    writeFull: (d) => wr(() => ctx.writeFull(d)),
    truncate: (s) => wr(() => ctx.truncate(s)),
    remove: () => wr(() => ctx.remove()),
    getxattr: (k) => rd(() => ctx.getxattr(k)),
    getxattrs: () => rd(() => ctx.getxattrs()),
    setxattr: (k, v) => wr(() => ctx.setxattr(k, v)),
    mapGetHeader: () => rd(() => ctx.mapGetHeader()),
    mapGetVal: (k) => rd(() => ctx.mapGetVal(k)),
    mapGetKeys: (a, m) => rd(() => ctx.mapGetKeys(a, m)),
    mapGetVals: (a, p, m) => rd(() => ctx.mapGetVals(a, p, m)),
    mapSetVal: (k, v) => wr(() => ctx.mapSetVal(k, v)),
    mapSetVals: (kv) => wr(() => ctx.mapSetVals(kv)),
    mapRemoveKey: (k) => wr(() => ctx.mapRemoveKey(k)),
    mapRemoveRange: (a, b) => wr(() => ctx.mapRemoveRange(a, b)),
    mapClear: () => wr(() => ctx.mapClear()),
    mapWriteHeader: (h) => wr(() => ctx.mapWriteHeader(h)),
    currentVersion: () => ctx.currentVersion(),
    subopVersion: () => ctx.subopVersion(),
    snapsetSeq: () => ctx.snapsetSeq(),
    log: (l, m) => ctx.log(l, m),
  };
}

function normalize(ret: ClsReturn): ClsOutcome {
  if (ret === undefined) return { rval: 0, outdata: noData };
  if (Buffer.isBuffer(ret)) return { rval: 0, outdata: ret };
  return { rval: ret.rval, outdata: ret.out };
}

/**
 * Run one class method as PrimaryLogPG::do_osd_ops runs a CEPH_OSD_OP_CALL: a CephError thrown by the
 * method (or by a context call it did not catch) becomes rval -errno with no output; a method that read
 * without CLS_METHOD_RD, or wrote without CLS_METHOD_WR, fails with EIO and no output whatever it
 * returned (its writes stay in the transaction, which the failed op discards). Any other exception is
 * our bug and propagates.
 */
export async function execClsMethod(method: ClsMethodRef, ctx: ClsContext, input: Buffer): Promise<ClsOutcome> {
  const n = { reads: 0, writes: 0 };
  let outcome: ClsOutcome;
  try {
    outcome = normalize(await method.fn(countingContext(ctx, n), input));
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    outcome = { rval: -e.errno, outdata: noData };
  }
  const name = `${method.className}.${method.methodName}`;
  if (n.reads > 0 && !(method.flags & CLS_METHOD_RD)) {
    ctx.log(0, `method ${name} tried to read object but is not marked RD`);
    return { rval: -Errno.EIO, outdata: noData };
  }
  if (n.writes > 0 && !(method.flags & CLS_METHOD_WR)) {
    ctx.log(0, `method ${name} tried to update object but is not marked WR`);
    return { rval: -Errno.EIO, outdata: noData };
  }
  return outcome;
}
