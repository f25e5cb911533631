import { createHash } from 'node:crypto';
import { cephError } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import * as T from './types';
import {
  checkExists, decodeInput, listSnaps, out, readKey, readKeyOr, readSnap, readU64, removeKey, requireFeature, setOpFeatures,
  snapChildrenKey, snapKey, writeKey, writeSnap,
} from './util';

/**
 * cls_rbd's snapshot, parent and clone-v2 children methods (src/cls/rbd/cls_rbd.cc). Snapshots are
 * `snapshot_<id>` keys of the header (cls_rbd_snap); the image's parent is the `parent` key
 * (cls_rbd_parent); clone v2 children of a snapshot are `snap_children_<id>` (a set of ChildImageSpec)
 * with the count kept in the snapshot record.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;

const readSnapId = (r: Reader) => r.u64('snap_id');

async function snapshotGet(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const snapId = decodeInput(input, readSnapId);
  if (snapId === T.CEPH_NOSNAP) throw cephError('EINVAL', 'cls_rbd: snapshot_get of the head');
  const snap = await readSnap(ctx, snapId);
  return out((w) => T.encodeSnapshotInfo(w, snap));
}

/** snapshot_add(name, id[, namespace]): ESTALE when the id is below snap_seq, EEXIST on a duplicate, EDQUOT over the limit. */
async function snapshotAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({
    name: r.string('snap_name'),
    id: r.u64('snap_id'),
    namespace: r.remaining() > 0 ? T.decodeSnapshotNamespace(r) : T.USER_SNAPSHOT_NAMESPACE,
  }));
  if (a.namespace.type > T.SNAPSHOT_NAMESPACE_TYPE.MIRROR) throw cephError('EINVAL', 'cls_rbd: unknown snapshot namespace');
  if (a.id > T.CEPH_MAXSNAP) throw cephError('EINVAL', 'cls_rbd: snap id out of range');
  const seq = await readKey(ctx, 'snap_seq', readU64);
  if (a.id < seq) throw cephError('ESTALE', 'cls_rbd: snap id below snap_seq');
  const imageSize = await readKey(ctx, 'size', readU64);
  const flags = await readKeyOr(ctx, 'flags', readU64, 0n);
  const limit = await readKeyOr(ctx, 'snap_limit', readU64, 0xffffffffffffffffn);
  let seen = 0n;
  for (const old of await listSnaps(ctx)) {
    seen += 1n;
    if (seen >= limit) throw cephError('EDQUOT', 'cls_rbd: snapshot limit reached');
    if ((old.name === a.name && T.snapshotNamespaceEquals(old.namespace, a.namespace)) || old.id === a.id) {
      throw cephError('EEXIST', `cls_rbd: snapshot ${a.name} exists`);
    }
  }
  const parent = await readKeyOr(ctx, 'parent', T.decodeClsRbdParent, undefined);
  if (a.namespace.type === T.SNAPSHOT_NAMESPACE_TYPE.TRASH) {
    await setOpFeatures(ctx, T.RBD_OPERATION_FEATURE.SNAP_TRASH, T.RBD_OPERATION_FEATURE.SNAP_TRASH);
  }
  await writeKey(ctx, 'snap_seq', (w) => w.u64(a.id));
  // The Nautilus form keeps only the overlap in the snapshot; the spec stays in the `parent` key.
  const parentOverlap = parent && T.parentExists(parent) ? parent.headOverlap : undefined;
  await writeSnap(ctx, {
    id: a.id, name: a.name, imageSize, protectionStatus: T.RBD_PROTECTION_STATUS.UNPROTECTED, parent: T.emptyParent(),
    flags, namespace: a.namespace, timestamp: ctx.now, childCount: 0, parentOverlap,
  });
}

/** snapshot_remove: EBUSY while protected or with clone v2 children. */
async function snapshotRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const snapId = decodeInput(input, readSnapId);
  const snap = await readSnap(ctx, snapId);
  if (snap.protectionStatus !== T.RBD_PROTECTION_STATUS.UNPROTECTED) throw cephError('EBUSY', 'cls_rbd: snapshot is protected');
  if (snap.childCount > 0) throw cephError('EBUSY', 'cls_rbd: snapshot has children');
  await ctx.mapRemoveKey(snapKey(snapId));
  let hasChildSnaps = false;
  let hasTrashSnaps = false;
  for (const s of await listSnaps(ctx)) {
    if (s.id === snapId) continue;
    if (s.parent.poolId !== -1n || s.parentOverlap !== undefined) hasChildSnaps = true;
    if (s.namespace.type === T.SNAPSHOT_NAMESPACE_TYPE.TRASH) hasTrashSnaps = true;
  }
  const parent = await readKeyOr(ctx, 'parent', T.decodeClsRbdParent, undefined);
  const hasParent = parent !== undefined && T.parentExists(parent);
  const isHeadChild = hasParent && parent.headOverlap !== undefined;
  if (hasParent && !isHeadChild && !hasChildSnaps) await removeKey(ctx, 'parent');
  let mask = 0n;
  if (!hasChildSnaps && !isHeadChild) mask |= T.RBD_OPERATION_FEATURE.CLONE_CHILD;
  if (!hasTrashSnaps) mask |= T.RBD_OPERATION_FEATURE.SNAP_TRASH;
  if (mask !== 0n) await setOpFeatures(ctx, 0n, mask);
}

async function snapshotRename(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ id: r.u64('src_snap_id'), name: r.string('dst_snap_name') }));
  for (const s of await listSnaps(ctx)) {
    if (s.namespace.type === T.SNAPSHOT_NAMESPACE_TYPE.USER && s.name === a.name) throw cephError('EEXIST', 'cls_rbd: name in use');
  }
  const snap = await readSnap(ctx, a.id);
  if (snap.namespace.type !== T.SNAPSHOT_NAMESPACE_TYPE.USER) throw cephError('EINVAL', 'cls_rbd: not a user snapshot');
  snap.name = a.name;
  await writeSnap(ctx, snap);
}

/**
 * The uuid-shaped name a trashed snapshot takes. Ceph draws a random uuid; the core takes no
 * randomness, so we derive one from the op (time, client, snap id), which is as unique within an image.
 */
function trashName(ctx: ClsContext, snapId: bigint): string {
  const h = createHash('sha256')
    .update(`${ctx.now.sec}.${ctx.now.nsec}/${ctx.origin.name.type}.${ctx.origin.name.num}/${snapId}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** snapshot_trash_add: the snapshot moves to the trash namespace under a random uuid name. */
async function snapshotTrashAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const snapId = decodeInput(input, readSnapId);
  const snap = await readSnap(ctx, snapId);
  if (snap.protectionStatus !== T.RBD_PROTECTION_STATUS.UNPROTECTED) throw cephError('EBUSY', 'cls_rbd: snapshot is protected');
  if (snap.namespace.type === T.SNAPSHOT_NAMESPACE_TYPE.TRASH) throw cephError('EEXIST', 'cls_rbd: already in the trash');
  await setOpFeatures(ctx, T.RBD_OPERATION_FEATURE.SNAP_TRASH, T.RBD_OPERATION_FEATURE.SNAP_TRASH);
  snap.namespace = T.trashSnapshotNamespace(snap.namespace.type, snap.name);
  snap.name = trashName(ctx, snap.id);
  await writeSnap(ctx, snap);
}

async function getProtectionStatus(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const snapId = decodeInput(input, readSnapId);
  await checkExists(ctx);
  if (snapId === T.CEPH_NOSNAP) throw cephError('EINVAL', 'cls_rbd: the head has no protection status');
  const snap = await readSnap(ctx, snapId);
  if (snap.protectionStatus >= T.RBD_PROTECTION_STATUS.LAST) throw cephError('EIO', 'cls_rbd: bad protection status');
  return out((w) => w.u8(snap.protectionStatus));
}

async function setProtectionStatus(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ id: r.u64('snap_id'), status: r.u8('status') }));
  await checkExists(ctx);
  await requireFeature(ctx, T.RBD_FEATURE.LAYERING);
  if (a.id === T.CEPH_NOSNAP) throw cephError('EINVAL', 'cls_rbd: cannot protect the head');
  if (a.status >= T.RBD_PROTECTION_STATUS.LAST) throw cephError('EINVAL', 'cls_rbd: bad protection status');
  const snap = await readSnap(ctx, a.id);
  snap.protectionStatus = a.status;
  await writeSnap(ctx, snap);
}

function snapField(pick: (s: T.ClsRbdSnap) => Buffer): ClsMethod {
  return {
    flags: RD,
    fn: async (ctx, input) => {
      const snapId = decodeInput(input, readSnapId);
      if (snapId === T.CEPH_NOSNAP) throw cephError('EINVAL', 'cls_rbd: the head is no snapshot');
      return pick(await readSnap(ctx, snapId));
    },
  };
}

/** parent_get: the HEAD's parent spec (an empty spec without one or without layering). */
async function parentGet(ctx: ClsContext): Promise<Buffer> {
  await checkExists(ctx);
  let parent = T.emptyParent();
  const layering = await requireFeature(ctx, T.RBD_FEATURE.LAYERING).then(() => true, () => false);
  if (layering) parent = await readKeyOr(ctx, 'parent', T.decodeClsRbdParent, parent);
  return out((w) => T.encodeParentImageSpec(w, parent));
}

/** parent_overlap_get(snap_id) -> optional<u64> overlap. */
async function parentOverlapGet(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const snapId = decodeInput(input, readSnapId);
  await checkExists(ctx).catch(() => undefined);
  let overlap: bigint | undefined;
  if (await requireFeature(ctx, T.RBD_FEATURE.LAYERING).then(() => true, () => false)) {
    if (snapId === T.CEPH_NOSNAP) {
      overlap = (await readKeyOr(ctx, 'parent', T.decodeClsRbdParent, undefined))?.headOverlap;
    } else {
      const snap = await readSnap(ctx, snapId);
      overlap = snap.parentOverlap ?? (T.parentExists(snap.parent) ? snap.parent.headOverlap : undefined);
    }
  }
  return out((w) => (overlap === undefined ? w.u8(0) : w.u8(1).u64(overlap)));
}

/** parent_attach(ParentImageSpec, u64 overlap, bool reattach). */
async function parentAttach(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ spec: T.decodeParentImageSpec(r), overlap: r.u64('parent_overlap'), reattach: r.bool('reattach') }));
  await checkExists(ctx);
  await requireFeature(ctx, T.RBD_FEATURE.LAYERING);
  const parent: T.ClsRbdParent = { ...a.spec, headOverlap: a.overlap };
  if (!T.parentExists(parent) || a.overlap === 0n) throw cephError('EINVAL', 'cls_rbd: invalid parent');
  const onDisk = await readKeyOr(ctx, 'parent', T.decodeClsRbdParent, undefined);
  if (onDisk && !a.reattach) {
    const same = onDisk.poolId === parent.poolId && onDisk.poolNamespace === parent.poolNamespace &&
      onDisk.imageId === parent.imageId && onDisk.snapId === parent.snapId;
    if (onDisk.headOverlap !== undefined || !same) throw cephError('EEXIST', 'cls_rbd: image already has a parent');
  }
  const size = await readKey(ctx, 'size', readU64);
  parent.headOverlap = a.overlap < size ? a.overlap : size;
  await writeKey(ctx, 'parent', (w) => T.encodeClsRbdParent(w, parent));
}

/** parent_detach (flatten's last step): snapshots keep the spec unless deep-flatten drops their links. */
async function parentDetach(ctx: ClsContext): Promise<void> {
  await checkExists(ctx);
  const features = await readKeyOr(ctx, 'features', readU64, 0n);
  if ((features & T.RBD_FEATURE.LAYERING) === 0n) throw cephError('ENOEXEC', 'cls_rbd: layering not enabled');
  const parent = await readKey(ctx, 'parent', T.decodeClsRbdParent);
  if (parent.headOverlap === undefined) throw cephError('ENOENT', 'cls_rbd: no parent on the head');
  let hasChildSnaps = false;
  for (const s of await listSnaps(ctx)) {
    if (s.parent.poolId === -1n && s.parentOverlap === undefined) continue;
    if ((features & T.RBD_FEATURE.DEEP_FLATTEN) === 0n) {
      hasChildSnaps = true;
      break;
    }
    await writeSnap(ctx, { ...s, parent: T.emptyParent(), parentOverlap: undefined });
  }
  if (hasChildSnaps) {
    await writeKey(ctx, 'parent', (w) => T.encodeClsRbdParent(w, { ...parent, headOverlap: undefined }));
  } else {
    await removeKey(ctx, 'parent');
    await setOpFeatures(ctx, 0n, T.RBD_OPERATION_FEATURE.CLONE_CHILD);
  }
}

async function readChildren(ctx: ClsContext, snapId: bigint): Promise<T.ChildImageSpec[]> {
  return readKeyOr(ctx, snapChildrenKey(snapId), (r) => r.list('children', T.decodeChildImageSpec), []);
}

async function writeChildren(ctx: ClsContext, snapId: bigint, children: T.ChildImageSpec[]): Promise<void> {
  children.sort(T.compareChildImageSpec);
  await writeKey(ctx, snapChildrenKey(snapId), (w) => {
    w.u32(children.length);
    for (const c of children) T.encodeChildImageSpec(w, c);
  });
}

const decodeChildInput = (r: Reader) => ({ snapId: r.u64('snap_id'), child: T.decodeChildImageSpec(r) });

/** child_attach: a clone v2 child links to the snapshot (EEXIST twice, ENOENT on a trashed snapshot). */
async function childAttach(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, decodeChildInput);
  const snap = await readSnap(ctx, a.snapId);
  if (snap.namespace.type === T.SNAPSHOT_NAMESPACE_TYPE.TRASH) throw cephError('ENOENT', 'cls_rbd: snapshot is in the trash');
  const children = await readChildren(ctx, a.snapId);
  if (children.some((c) => T.compareChildImageSpec(c, a.child) === 0)) throw cephError('EEXIST', 'cls_rbd: child already attached');
  children.push(a.child);
  await writeChildren(ctx, a.snapId, children);
  snap.childCount += 1;
  await writeSnap(ctx, snap);
  await setOpFeatures(ctx, T.RBD_OPERATION_FEATURE.CLONE_PARENT, T.RBD_OPERATION_FEATURE.CLONE_PARENT);
}

async function childDetach(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, decodeChildInput);
  const snap = await readSnap(ctx, a.snapId);
  const children = await readChildren(ctx, a.snapId);
  if (snap.childCount !== children.length) throw cephError('EINVAL', 'cls_rbd: child count does not match');
  const rest = children.filter((c) => T.compareChildImageSpec(c, a.child) !== 0);
  if (rest.length === children.length) throw cephError('ENOENT', 'cls_rbd: child not attached');
  if (rest.length === 0) await removeKey(ctx, snapChildrenKey(a.snapId));
  else await writeChildren(ctx, a.snapId, rest);
  snap.childCount -= 1;
  await writeSnap(ctx, snap);
  if (snap.childCount === 0) {
    const inUse = (await listSnaps(ctx)).some((s) => s.id !== a.snapId && s.childCount > 0);
    if (!inUse) await setOpFeatures(ctx, 0n, T.RBD_OPERATION_FEATURE.CLONE_PARENT);
  }
}

/** children_list(snap_id): ENOENT when the snapshot has no children key. */
async function childrenList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const snapId = decodeInput(input, readSnapId);
  await readSnap(ctx, snapId);
  return ctx.mapGetVal(snapChildrenKey(snapId));
}

export const snapshotMethods: Readonly<Record<string, ClsMethod>> = {
  snapshot_get: { flags: RD, fn: snapshotGet },
  snapshot_add: { flags: RDWR, fn: snapshotAdd },
  snapshot_remove: { flags: RDWR, fn: snapshotRemove },
  snapshot_rename: { flags: RDWR, fn: snapshotRename },
  snapshot_trash_add: { flags: RDWR, fn: snapshotTrashAdd },
  get_protection_status: { flags: RD, fn: getProtectionStatus },
  set_protection_status: { flags: RDWR, fn: setProtectionStatus },
  get_snapshot_name: snapField((s) => out((w) => w.string(s.name))),
  get_snapshot_timestamp: snapField((s) => out((w) => w.u32(s.timestamp.sec).u32(s.timestamp.nsec))),
  parent_get: { flags: RD, fn: parentGet },
  parent_overlap_get: { flags: RD, fn: parentOverlapGet },
  parent_attach: { flags: RDWR, fn: parentAttach },
  parent_detach: { flags: RDWR, fn: parentDetach },
  child_attach: { flags: RDWR, fn: childAttach },
  child_detach: { flags: RDWR, fn: childDetach },
  children_list: { flags: RD, fn: childrenList },
};
