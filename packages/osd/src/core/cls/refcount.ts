import { cephError, isCephError } from '@ts-ceph/common/core';
import { DencError, Reader, Writer, compareStringBytes } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';

/**
 * cls_refcount (src/cls/refcount/cls_refcount.cc, cls_refcount_ops.h): reference tags on an object
 * kept in the xattr "refcount"; the last put removes the object. rgw takes one per copy of a tail
 * object. Same methods, flags, encodings and errnos as Ceph.
 */

/** The xattr cls_refcount keeps obj_refcount in (REFCOUNT_ATTR). */
export const clsRefcountAttr = 'refcount';

/**
 * obj_refcount: the tags holding the object (map<string, bool>, the bool always true) and the tags
 * already put (so a replayed put is a no-op). ENCODE_START(2, 1).
 */
export interface ObjRefcount {
  refs: Map<string, boolean>;
  retiredRefs: string[];
}

/** cls_refcount_get_op and cls_refcount_put_op: the tag, and whether an object without the attr holds the wildcard ref. */
export interface ClsRefcountTagOp {
  tag: string;
  implicitRef: boolean;
}

const byteOrder = compareStringBytes;

export function encodeObjRefcount(w: Writer, o: ObjRefcount): void {
  w.envelope(2, 1, () => {
    w.pairs([...o.refs].sort((a, b) => byteOrder(a[0], b[0])), (w, k) => w.string(k), (w, v) => w.bool(v));
    w.list([...o.retiredRefs].sort(byteOrder), (w, s) => w.string(s));
  });
}

export function decodeObjRefcount(r: Reader): ObjRefcount {
  return r.envelope('obj_refcount', 2, (r, v) => ({
    refs: r.map('refs', (r) => r.string('tag'), (r) => r.bool('ref'), 5),
    retiredRefs: v >= 2 ? r.list('retired_refs', (r) => r.string('tag'), 4) : [],
  }));
}

export function encodeClsRefcountTagOp(w: Writer, o: ClsRefcountTagOp): void {
  w.envelope(1, 1, () => w.string(o.tag).bool(o.implicitRef));
}

export function decodeClsRefcountTagOp(r: Reader): ClsRefcountTagOp {
  return r.envelope('cls_refcount_op', 1, (r) => ({ tag: r.string('tag'), implicitRef: r.bool('implicit_ref') }));
}

/** cls_refcount_read_op: implicit_ref only. */
export function encodeClsRefcountReadOp(w: Writer, implicitRef: boolean): void {
  w.envelope(1, 1, () => w.bool(implicitRef));
}

export function decodeClsRefcountReadOp(r: Reader): boolean {
  return r.envelope('cls_refcount_read_op', 1, (r) => r.bool('implicit_ref'));
}

/** cls_refcount_set_op and cls_refcount_read_ret: a list<string> of tags. */
export function encodeClsRefcountRefs(w: Writer, refs: readonly string[]): void {
  w.envelope(1, 1, () => w.list(refs, (w, s) => w.string(s)));
}

export function decodeClsRefcountRefs(r: Reader): string[] {
  return r.envelope('cls_refcount_refs', 1, (r) => r.list('refs', (r) => r.string('tag'), 4));
}

/** The wildcard tag (the empty string): the reference an object made before refcounting holds. */
const wildcardTag = '';

/** read_refcount: no attr is no refs (or the wildcard one with implicit_ref); undecodable is EIO. */
async function readRefcount(ctx: ClsContext, implicitRef: boolean): Promise<ObjRefcount> {
  let bl: Buffer;
  try {
    bl = await ctx.getxattr(clsRefcountAttr);
  } catch (e) {
    if (!isCephError(e, 'ENODATA')) throw e;
    return { refs: new Map(implicitRef ? [[wildcardTag, true]] : []), retiredRefs: [] };
  }
  try {
    return decodeObjRefcount(new Reader(bl));
  } catch (e) {
    if (e instanceof DencError) throw cephError('EIO', 'cls_refcount: failed to decode the stored refcount');
    throw e;
  }
}

async function setRefcount(ctx: ClsContext, o: ObjRefcount): Promise<void> {
  const w = new Writer();
  encodeObjRefcount(w, o);
  await ctx.setxattr(clsRefcountAttr, w.finish());
}

async function refcountGet(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeClsInput('cls_refcount.get', input, decodeClsRefcountTagOp);
  const o = await readRefcount(ctx, op.implicitRef);
  o.refs.set(op.tag, true);
  await setRefcount(ctx, o);
}

/** put: drop the tag (or, with implicit_ref, the wildcard); a tag put before is a no-op; the last ref removes the object. */
async function refcountPut(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeClsInput('cls_refcount.put', input, decodeClsRefcountTagOp);
  const o = await readRefcount(ctx, op.implicitRef);
  if (o.refs.size === 0) throw cephError('EINVAL', 'cls_refcount.put: the object holds no references');
  const tag = o.refs.has(op.tag) ? op.tag : op.implicitRef && o.refs.has(wildcardTag) ? wildcardTag : undefined;
  if (tag === undefined || o.retiredRefs.includes(op.tag)) return;
  o.retiredRefs.push(op.tag);
  o.refs.delete(tag);
  if (o.refs.size === 0) return ctx.remove();
  await setRefcount(ctx, o);
}

/** set: replace the refs with the given tags (forgetting retired ones); none removes the object. */
async function refcountSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const refs = decodeClsInput('cls_refcount.set', input, decodeClsRefcountRefs);
  if (refs.length === 0) return ctx.remove();
  await setRefcount(ctx, { refs: new Map(refs.map((t) => [t, true])), retiredRefs: [] });
}

/** read: cls_refcount_read_ret, the tags in order. */
async function refcountRead(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const implicitRef = decodeClsInput('cls_refcount.read', input, decodeClsRefcountReadOp);
  const o = await readRefcount(ctx, implicitRef);
  const w = new Writer();
  encodeClsRefcountRefs(w, [...o.refs.keys()].sort(byteOrder));
  return w.finish();
}

export const refcountMethods: Readonly<Record<string, ClsMethod>> = {
  get: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: refcountGet },
  put: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: refcountPut },
  set: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: refcountSet },
  read: { flags: CLS_METHOD_RD, fn: refcountRead },
};
