import { createHash } from 'node:crypto';
import { cephError, isCephError } from '@ts-ceph/common/core';
import { DencError, Reader, Writer } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';

/**
 * cls_version (src/cls/version/cls_version.cc, cls_version_types.h, cls_version_ops.h): an object's
 * version (obj_version: a counter and a tag naming the object's incarnation) in the xattr
 * "ceph.objclass.version"; rgw guards its metadata objects with it. Same methods, flags, encodings
 * and errnos as Ceph.
 */

/** The xattr cls_version keeps obj_version in (VERSION_ATTR). */
export const clsVersionAttr = 'ceph.objclass.version';

/** obj_version: ver (u64, 0 when the object has none) and tag (the incarnation; empty: none). */
export interface ObjVersion {
  ver: bigint;
  tag: string;
}

/** VersionCond (cls_version_types.h). */
export const VerCond = { NONE: 0, EQ: 1, GT: 2, GE: 3, LT: 4, LE: 5, TAG_EQ: 6, TAG_NE: 7 } as const;

/** obj_version_cond: a version and the comparison (u32 VersionCond) the object's must pass. */
export interface ObjVersionCond {
  ver: ObjVersion;
  cond: number;
}

export function encodeObjVersion(w: Writer, v: ObjVersion): void {
  w.envelope(1, 1, () => w.u64(v.ver).string(v.tag));
}

export function decodeObjVersion(r: Reader): ObjVersion {
  return r.envelope('obj_version', 1, (r) => ({ ver: r.u64('ver'), tag: r.string('tag') }));
}

function decodeCond(r: Reader): ObjVersionCond {
  return r.envelope('obj_version_cond', 1, (r) => ({ ver: decodeObjVersion(r), cond: r.u32('cond') }));
}

/** cls_version_set_op, cls_version_inc_op and cls_version_check_op: objv, then (inc, check) conds. */
function decodeOp(input: Buffer, withConds: boolean): { objv: ObjVersion; conds: ObjVersionCond[] } {
  return decodeClsInput('cls_version', input, (r) =>
    r.envelope('cls_version_op', 1, (r) => {
      const objv = decodeObjVersion(r);
      const conds: ObjVersionCond[] = [];
      if (withConds) for (let n = r.count('conds', 4); n > 0; n--) conds.push(decodeCond(r));
      return { objv, conds };
    }),
  );
}

/**
 * init_version's tag: Ceph draws 24 random base64 characters (cls_gen_rand_base64). The op core
 * draws no randomness, so the tag is 24 base64 characters of a hash of what makes this creation
 * unique: the client, the time and the PG version the op writes at.
 */
function newTag(ctx: ClsContext): string {
  const seed = `${ctx.origin.name.type}.${ctx.origin.name.num} ${ctx.now.sec}.${ctx.now.nsec} ${ctx.currentVersion()}`;
  return createHash('sha256').update(seed).digest('base64').slice(0, 24);
}

async function setVersion(ctx: ClsContext, v: ObjVersion): Promise<void> {
  const w = new Writer();
  encodeObjVersion(w, v);
  await ctx.setxattr(clsVersionAttr, w.finish());
}

/** read_version: the stored obj_version; none stored is ver 0 (and, for set/inc, a new ver 1 and tag). */
async function readVersion(ctx: ClsContext, implicitCreate: boolean): Promise<ObjVersion> {
  let bl: Buffer;
  try {
    bl = await ctx.getxattr(clsVersionAttr);
  } catch (e) {
    if (!isCephError(e, 'ENOENT') && !isCephError(e, 'ENODATA')) throw e;
    if (!implicitCreate) return { ver: 0n, tag: '' };
    const v = { ver: 1n, tag: newTag(ctx) };
    await setVersion(ctx, v);
    return v;
  }
  try {
    return decodeObjVersion(new Reader(bl));
  } catch (e) {
    if (e instanceof DencError) throw cephError('EIO', 'cls_version: failed to decode the stored version');
    throw e;
  }
}

/** check_conds: every condition must hold (none: true). */
export function checkVersionConds(conds: ObjVersionCond[], v: ObjVersion): boolean {
  for (const c of conds) {
    const ok =
      c.cond === VerCond.EQ ? v.ver === c.ver.ver && v.tag === c.ver.tag
      : c.cond === VerCond.GT ? v.ver > c.ver.ver
      : c.cond === VerCond.GE ? v.ver >= c.ver.ver
      : c.cond === VerCond.LT ? v.ver < c.ver.ver
      : c.cond === VerCond.LE ? v.ver <= c.ver.ver
      : c.cond === VerCond.TAG_EQ ? v.tag === c.ver.tag
      : c.cond === VerCond.TAG_NE ? v.tag !== c.ver.tag
      : true;
    if (!ok) return false;
  }
  return true;
}

async function versionSet(ctx: ClsContext, input: Buffer): Promise<void> {
  await setVersion(ctx, decodeOp(input, false).objv);
}

async function versionInc(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeOp(input, true);
  const v = await readVersion(ctx, true);
  if (!checkVersionConds(op.conds, v)) throw cephError('ECANCELED', 'cls_version: a condition does not hold');
  await setVersion(ctx, { ver: v.ver + 1n, tag: v.tag });
}

async function versionCheck(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeOp(input, true);
  if (!checkVersionConds(op.conds, await readVersion(ctx, false))) throw cephError('ECANCELED', 'cls_version: a condition does not hold');
}

/** read: cls_version_read_ret { objv } (ver 0 and an empty tag when the object has none). */
async function versionRead(ctx: ClsContext): Promise<Buffer> {
  const v = await readVersion(ctx, false);
  const w = new Writer();
  w.envelope(1, 1, () => encodeObjVersion(w, v));
  return w.finish();
}

export const versionMethods: Readonly<Record<string, ClsMethod>> = {
  set: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: versionSet },
  inc: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: versionInc },
  inc_conds: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: versionInc },
  read: { flags: CLS_METHOD_RD, fn: versionRead },
  check_conds: { flags: CLS_METHOD_RD, fn: versionCheck },
};
