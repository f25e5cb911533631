import { cephError } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { decodeInput, out, readKeyOr } from './util';

/**
 * Clone v1 bookkeeping and the clone data path (src/cls/rbd/cls_rbd.cc). librbd picks clone v1 while
 * the cluster's require_min_compat_client is below mimic: the pool's `rbd_children` object maps a
 * parent snapshot to the set of its children's image ids, under a binary key (u64 pool, string image
 * id, u64 snap id, as parent_key encodes them). copyup / sparse_copyup write the parent's data into a
 * child object only while that object does not exist yet.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;

interface ParentRef {
  poolId: bigint;
  imageId: string;
  snapId: bigint;
}

const decodeParent = (r: Reader): ParentRef => ({ poolId: r.u64('p_pool_id'), imageId: r.string('p_image_id'), snapId: r.u64('p_snap_id') });

/** parent_key: the encoded triple used as the omap key itself (latin1 keeps the bytes as they are). */
function parentKey(p: ParentRef): string {
  return out((w) => w.u64(p.poolId).string(p.imageId).u64(p.snapId)).toString('latin1');
}

const decodeStringSet = (r: Reader): string[] => r.list('children', (x) => x.string());

async function writeSet(ctx: ClsContext, key: string, children: string[]): Promise<void> {
  const sorted = [...children].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  await ctx.mapSetVal(key, out((w) => {
    w.u32(sorted.length);
    for (const c of sorted) w.string(c);
  }));
}

/** add_child(parent, child id): EEXIST when already listed. */
async function addChild(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ parent: decodeParent(r), child: r.string('c_image_id') }));
  const key = parentKey(a.parent);
  const children = await readKeyOr(ctx, key, decodeStringSet, []);
  if (children.includes(a.child)) throw cephError('EEXIST', 'cls_rbd: child already listed');
  await writeSet(ctx, key, [...children, a.child]);
}

/** remove_child: ENOENT when the parent has no children or not this one. */
async function removeChild(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ parent: decodeParent(r), child: r.string('c_image_id') }));
  const key = parentKey(a.parent);
  const children = await readKeyOr(ctx, key, decodeStringSet, undefined);
  if (children === undefined) throw cephError('ENOENT', 'cls_rbd: parent has no children');
  if (!children.includes(a.child)) throw cephError('ENOENT', 'cls_rbd: child not listed');
  const rest = children.filter((c) => c !== a.child);
  if (rest.length === 0) await ctx.mapRemoveKey(key);
  else await writeSet(ctx, key, rest);
}

/** get_children(parent) -> set<string>; ENOENT when the parent has none. */
async function getChildren(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const parent = decodeInput(input, decodeParent);
  return ctx.mapGetVal(parentKey(parent));
}

async function exists(ctx: ClsContext): Promise<boolean> {
  return ctx.stat().then(() => true, () => false);
}

async function copyup(ctx: ClsContext, input: Buffer): Promise<void> {
  if (!(await exists(ctx))) await ctx.write(0, input);
}

/** sparse_copyup(map<u64 offset, u64 length>, data): the extents packed one after the other in data. */
async function sparseCopyup(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({
    extents: r.pairs('extent_map', (x) => x.u64n('offset'), (x) => x.u64n('length')),
    data: r.blob('data'),
  }));
  if (await exists(ctx)) return;
  if (a.extents.length === 0) {
    await ctx.create(true);
    return;
  }
  let at = 0;
  for (const [off, len] of a.extents) {
    if (at + len > a.data.length) throw cephError('EINVAL', 'cls_rbd: extents longer than the data');
    await ctx.write(off, a.data.subarray(at, at + len));
    at += len;
  }
}

export const childrenMethods: Readonly<Record<string, ClsMethod>> = {
  add_child: { flags: RDWR, fn: addChild },
  remove_child: { flags: RDWR, fn: removeChild },
  get_children: { flags: RD, fn: getChildren },
  copyup: { flags: RDWR, fn: copyup },
  sparse_copyup: { flags: RDWR, fn: sparseCopyup },
};
