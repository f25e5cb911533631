import { Errno, CephError, cephError } from '@ts-ceph/common/core';
import { compareStringBytes } from '@ts-ceph/denc';
import { CephOsdCmpxattrMode, CephOsdCmpxattrOp, CephOsdOp, encodeStrBufferMap, opXattr } from '@ts-ceph/messages';
import { OpContext, OpHandler } from '../op-context';
import { OI_FLAG } from '../object-info';

/** Named limits of the xattr ops (docs/LIMITS.md). */
export const osdXattrLimits = {
  /** osd_max_attr_name_len: longer names get -ENAMETOOLONG. */
  nameBytesMax: 100,
  /**
   * osd_max_attr_size is 0 (unlimited) in Ceph 16.2, so a value is bounded only by the write's
   * message (osd_max_write_size, 90 MiB: EMSGSIZE); ours is the object store's xattrBytesMax
   * (64 MiB), EFBIG beyond, so values between 64 and 90 MiB are the one difference left.
   */
  valueBytesMax: 64 * 1024 * 1024,
};

const err = (e: number): number => -e;

/** User xattrs are stored with a '_' prefix, as Ceph's; '_' alone is the object info. */
const userAttr = (name: string): string => `_${name}`;

/** The attr as the object was before the op; undefined when missing (ENODATA). */
async function getAttr(ctx: OpContext, name: string): Promise<Buffer | undefined> {
  if (!ctx.before.exists) {
    if (ctx.obs.exists) return undefined;
    throw cephError('ENOENT', 'no such object');
  }
  try {
    return Buffer.from(await ctx.store.getattr(ctx.coll, ctx.oid, name));
  } catch (e) {
    if (e instanceof CephError && e.code === 'ENODATA') return undefined;
    throw e;
  }
}

/** Every user xattr (getattrs_maybe_cache: '_'-prefixed names, prefix stripped). */
export async function userXattrs(ctx: OpContext): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (!ctx.before.exists) return out;
  const all = await ctx.store.getattrs(ctx.coll, ctx.oid);
  for (const [k, v] of [...all.entries()].sort((a, b) => compareStringBytes(a[0], b[0]))) {
    if (k.length > 1 && k[0] === '_') out.set(k.slice(1), Buffer.from(v));
  }
  return out;
}

const getxattr: OpHandler = async (ctx, op, out) => {
  ctx.numRead++;
  const x = opXattr(op);
  if (x.name === undefined) return err(Errno.EINVAL);
  const v = await getAttr(ctx, userAttr(x.name));
  if (v === undefined) return err(Errno.ENODATA);
  out.data = v;
  const a = Buffer.from(out.args);
  a.writeUInt32LE(v.length, 4);
  out.args = a;
  return 0;
};

const getxattrs: OpHandler = async (ctx, _op, out) => {
  ctx.numRead++;
  out.data = encodeStrBufferMap(await userXattrs(ctx));
  return 0;
};

/** do_xattr_cmp_str / do_xattr_cmp_u64: 1 when the comparison holds, 0 when not, -EINVAL for a bad op. */
function compare(op: number, c: number): number {
  switch (op) {
    case CephOsdCmpxattrOp.EQ:
      return c === 0 ? 1 : 0;
    case CephOsdCmpxattrOp.NE:
      return c !== 0 ? 1 : 0;
    case CephOsdCmpxattrOp.GT:
      return c > 0 ? 1 : 0;
    case CephOsdCmpxattrOp.GTE:
      return c >= 0 ? 1 : 0;
    case CephOsdCmpxattrOp.LT:
      return c < 0 ? 1 : 0;
    case CephOsdCmpxattrOp.LTE:
      return c <= 0 ? 1 : 0;
    default:
      return err(Errno.EINVAL);
  }
}

/** strtoull(s, 10) as do_xattr_cmp_u64 reads the stored value: leading digits, 0 when none. */
function strtoull(b: Buffer): bigint {
  const m = /^\s*\+?(\d+)/.exec(b.toString('latin1'));
  if (!m) return 0n;
  const v = BigInt(m[1]!);
  return v > 0xffffffffffffffffn ? 0xffffffffffffffffn : v;
}

const cmpxattr: OpHandler = async (ctx, op) => {
  ctx.numRead++;
  const x = opXattr(op);
  if (x.name === undefined) return err(Errno.EINVAL);
  const stored = (await getAttr(ctx, userAttr(x.name))) ?? Buffer.alloc(0);
  let r: number;
  if (x.cmpMode === CephOsdCmpxattrMode.STRING) {
    if (x.nameLen + x.valueLen > op.data.length) return err(Errno.EINVAL);
    const mine = op.data.subarray(x.nameLen, x.nameLen + x.valueLen);
    r = compare(x.cmpOp, Buffer.compare(mine, stored));
  } else if (x.cmpMode === CephOsdCmpxattrMode.U64) {
    if (x.nameLen + 8 > op.data.length) return err(Errno.EINVAL);
    const mine = op.data.readBigUInt64LE(x.nameLen);
    const theirs = strtoull(stored);
    r = compare(x.cmpOp, mine === theirs ? 0 : mine > theirs ? 1 : -1);
  } else return err(Errno.EINVAL);
  // do_xattr_cmp_*: 1 when the comparison holds, which stays the op's result (see runOps).
  if (r === 0) return err(Errno.ECANCELED);
  return r;
};

const setxattr: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  const x = opXattr(op);
  if (x.valueLen > osdXattrLimits.valueBytesMax) return err(Errno.EFBIG);
  if (x.nameLen > osdXattrLimits.nameBytesMax) return err(Errno.ENAMETOOLONG);
  if (x.name === undefined || x.nameLen + x.valueLen > op.data.length) return err(Errno.EINVAL);
  ctx.maybeCreate();
  ctx.t.setattr(ctx.coll, ctx.oid, userAttr(x.name), x.value ?? Buffer.alloc(0));
  return 0;
};

const rmxattr: OpHandler = (ctx, op) => {
  ctx.numWrite++;
  const x = opXattr(op);
  if (x.name === undefined) return err(Errno.EINVAL);
  if (!ctx.obs.exists || ctx.oi.flags & OI_FLAG.WHITEOUT) return err(Errno.ENOENT);
  ctx.t.rmattr(ctx.coll, ctx.oid, userAttr(x.name));
  return 0;
};

export const xattrOps = new Map<number, OpHandler>([
  [CephOsdOp.GETXATTR, getxattr],
  [CephOsdOp.GETXATTRS, getxattrs],
  [CephOsdOp.CMPXATTR, cmpxattr],
  [CephOsdOp.SETXATTR, setxattr],
  [CephOsdOp.RMXATTR, rmxattr],
]);
