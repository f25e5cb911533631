import { Reader, UTime, Writer, decodeUTime, encodeUTime } from '@ts-ceph/denc';

/**
 * cls_rbd's on-disk and wire types (src/cls/rbd/cls_rbd.h, cls_rbd_types.{h,cc}), byte-exact. We
 * encode as an OSD whose require_osd_release is Nautilus or later (get_encode_features answers
 * CEPH_FEATURE_SERVER_NAUTILUS): cls_rbd_parent v2 and cls_rbd_snap with struct_compat 8, which is
 * what a 16.2 OSD writes.
 */

export const CEPH_NOSNAP = 0xfffffffffffffffen;
/** CEPH_MAXSNAP: the largest snapid a client may create (src/include/rados.h). */
export const CEPH_MAXSNAP = 0xfffffffffffffeffn;

/** src/include/rbd/features.h. */
export const RBD_FEATURE = {
  LAYERING: 1n << 0n,
  STRIPINGV2: 1n << 1n,
  EXCLUSIVE_LOCK: 1n << 2n,
  OBJECT_MAP: 1n << 3n,
  FAST_DIFF: 1n << 4n,
  DEEP_FLATTEN: 1n << 5n,
  JOURNALING: 1n << 6n,
  DATA_POOL: 1n << 7n,
  OPERATIONS: 1n << 8n,
  MIGRATING: 1n << 9n,
  NON_PRIMARY: 1n << 10n,
  DIRTY_CACHE: 1n << 11n,
} as const;
export const RBD_FEATURES_ALL = 0xfffn;
export const RBD_FEATURES_INCOMPATIBLE = RBD_FEATURE.LAYERING | RBD_FEATURE.STRIPINGV2 | RBD_FEATURE.DATA_POOL | RBD_FEATURE.DIRTY_CACHE;
export const RBD_FEATURES_RW_INCOMPATIBLE = RBD_FEATURES_INCOMPATIBLE | RBD_FEATURE.EXCLUSIVE_LOCK | RBD_FEATURE.OBJECT_MAP |
  RBD_FEATURE.FAST_DIFF | RBD_FEATURE.DEEP_FLATTEN | RBD_FEATURE.JOURNALING | RBD_FEATURE.OPERATIONS | RBD_FEATURE.MIGRATING |
  RBD_FEATURE.NON_PRIMARY;
export const RBD_FEATURES_MUTABLE = RBD_FEATURE.EXCLUSIVE_LOCK | RBD_FEATURE.OBJECT_MAP | RBD_FEATURE.FAST_DIFF |
  RBD_FEATURE.JOURNALING | RBD_FEATURE.NON_PRIMARY | RBD_FEATURE.DIRTY_CACHE;
export const RBD_FEATURES_DISABLE_ONLY = RBD_FEATURE.DEEP_FLATTEN;
export const RBD_FEATURES_INTERNAL = RBD_FEATURE.OPERATIONS | RBD_FEATURE.MIGRATING;

/** RBD_OPERATION_FEATURE_*: the op_features key, set while the image has clones, groups or trashed snapshots. */
export const RBD_OPERATION_FEATURE = { CLONE_PARENT: 1n, CLONE_CHILD: 2n, GROUP: 4n, SNAP_TRASH: 8n } as const;
export const RBD_OPERATION_FEATURES_ALL = 0xfn;

/** RBD_PROTECTION_STATUS_* (a u8): unprotected, unprotecting, protected; LAST is the first invalid value. */
export const RBD_PROTECTION_STATUS = { UNPROTECTED: 0, UNPROTECTING: 1, PROTECTED: 2, LAST: 3 } as const;

/** cls::rbd::SnapshotNamespaceType (a u32 on the wire). */
export const SNAPSHOT_NAMESPACE_TYPE = { USER: 0, GROUP: 1, TRASH: 2, MIRROR: 3 } as const;

/**
 * cls::rbd::SnapshotNamespace: ENCODE_START(1, 1) { u32 type, the namespace's fields }. We keep the
 * fields as the bytes the client sent (group and mirror namespaces are only stored and echoed); the
 * trash namespace is the one we build ourselves (snapshot_trash_add).
 */
export interface SnapshotNamespace {
  type: number;
  body: Buffer;
}

export const USER_SNAPSHOT_NAMESPACE: SnapshotNamespace = { type: SNAPSHOT_NAMESPACE_TYPE.USER, body: Buffer.alloc(0) };

export function decodeSnapshotNamespace(r: Reader): SnapshotNamespace {
  return r.envelope('SnapshotNamespace', 1, (rr) => {
    const type = rr.u32('snapshot_namespace_type');
    return { type, body: rr.bytes(rr.remaining(), 'namespace') };
  });
}

export function encodeSnapshotNamespace(w: Writer, ns: SnapshotNamespace): void {
  w.envelope(1, 1, (ww) => ww.u32(ns.type).bytes(ns.body));
}

/** TrashSnapshotNamespace { string original_name, u32 original_snapshot_namespace_type }. */
export function trashSnapshotNamespace(originalType: number, originalName: string): SnapshotNamespace {
  return { type: SNAPSHOT_NAMESPACE_TYPE.TRASH, body: new Writer().string(originalName).u32(originalType).finish() };
}

export function snapshotNamespaceEquals(a: SnapshotNamespace, b: SnapshotNamespace): boolean {
  return a.type === b.type && a.body.equals(b.body);
}

/** cls_rbd_parent (v2): the parent image snapshot a clone reads through, with the HEAD's overlap in bytes. */
export interface ClsRbdParent {
  poolId: bigint;
  poolNamespace: string;
  imageId: string;
  snapId: bigint;
  headOverlap?: bigint;
}

export function emptyParent(): ClsRbdParent {
  return { poolId: -1n, poolNamespace: '', imageId: '', snapId: CEPH_NOSNAP };
}

export function parentExists(p: ClsRbdParent): boolean {
  return p.poolId >= 0n && p.imageId !== '' && p.snapId !== CEPH_NOSNAP;
}

export function decodeClsRbdParent(r: Reader): ClsRbdParent {
  return r.envelope('cls_rbd_parent', 2, (rr, v) => {
    const poolId = rr.i64('pool_id');
    const poolNamespace = v >= 2 ? rr.string('pool_namespace') : '';
    const imageId = rr.string('image_id');
    const snapId = rr.u64('snap_id');
    const headOverlap = v === 1 ? rr.u64('head_overlap') : rr.optional('head_overlap', (x) => x.u64());
    return { poolId, poolNamespace, imageId, snapId, headOverlap };
  });
}

export function encodeClsRbdParent(w: Writer, p: ClsRbdParent): void {
  w.envelope(2, 2, (ww) => {
    ww.i64(p.poolId).string(p.poolNamespace).string(p.imageId).u64(p.snapId);
    encodeOptionalU64(ww, p.headOverlap);
  });
}

function encodeOptionalU64(w: Writer, v: bigint | undefined): void {
  if (v === undefined) w.u8(0);
  else w.u8(1).u64(v);
}

/** cls_rbd_snap: one `snapshot_<id>` key of the header. */
export interface ClsRbdSnap {
  id: bigint;
  name: string;
  imageSize: bigint;
  protectionStatus: number;
  /** Denormalized parent of pre-Nautilus records; empty in what we write. */
  parent: ClsRbdParent;
  flags: bigint;
  namespace: SnapshotNamespace;
  timestamp: UTime;
  childCount: number;
  parentOverlap?: bigint;
}

export function decodeClsRbdSnap(r: Reader): ClsRbdSnap {
  return r.envelope('cls_rbd_snap', 8, (rr, v, compat) => {
    const id = rr.u64('id');
    const name = rr.string('name');
    const imageSize = rr.u64('image_size');
    if (compat < 8) rr.u64('features');
    const parent = v >= 2 && compat < 8 ? decodeClsRbdParent(rr) : emptyParent();
    const s: ClsRbdSnap = {
      id, name, imageSize, parent, protectionStatus: RBD_PROTECTION_STATUS.UNPROTECTED, flags: 0n,
      namespace: USER_SNAPSHOT_NAMESPACE, timestamp: { sec: 0, nsec: 0 }, childCount: 0,
    };
    if (v >= 3) s.protectionStatus = rr.u8('protection_status');
    if (v >= 4) s.flags = rr.u64('flags');
    if (v >= 5) s.namespace = decodeSnapshotNamespace(rr);
    if (v >= 6) s.timestamp = decodeUTime(rr, 'timestamp');
    if (v >= 7) s.childCount = rr.u32('child_count');
    if (v >= 8) s.parentOverlap = rr.optional('parent_overlap', (x) => x.u64());
    return s;
  });
}

/** ENCODE_START(8, 8): the Nautilus form, where the parent lives in the header's `parent` key. */
export function encodeClsRbdSnap(w: Writer, s: ClsRbdSnap): void {
  w.envelope(8, 8, (ww) => {
    ww.u64(s.id).string(s.name).u64(s.imageSize).u8(s.protectionStatus).u64(s.flags);
    encodeSnapshotNamespace(ww, s.namespace);
    encodeUTime(ww, s.timestamp);
    ww.u32(s.childCount);
    encodeOptionalU64(ww, s.parentOverlap);
  });
}

/** cls::rbd::SnapshotInfo, snapshot_get's answer. */
export function encodeSnapshotInfo(w: Writer, s: ClsRbdSnap): void {
  w.envelope(1, 1, (ww) => {
    ww.u64(s.id);
    encodeSnapshotNamespace(ww, s.namespace);
    ww.string(s.name).u64(s.imageSize);
    encodeUTime(ww, s.timestamp);
    ww.u32(s.childCount);
  });
}

/** SnapshotInfo as decoded (the fields cls_rbd_snap does not carry take their defaults). */
export function decodeSnapshotInfo(r: Reader): ClsRbdSnap {
  return r.envelope('SnapshotInfo', 1, (rr) => {
    const id = rr.u64('id');
    const namespace = decodeSnapshotNamespace(rr);
    const name = rr.string('name');
    const imageSize = rr.u64('image_size');
    const timestamp = decodeUTime(rr, 'timestamp');
    const childCount = rr.u32('child_count');
    return { id, namespace, name, imageSize, timestamp, childCount, protectionStatus: 0, parent: emptyParent(), flags: 0n };
  });
}

/** cls::rbd::ParentImageSpec, parent_get's answer. */
export interface ParentImageSpec {
  poolId: bigint;
  poolNamespace: string;
  imageId: string;
  snapId: bigint;
}

export function decodeParentImageSpec(r: Reader): ParentImageSpec {
  return r.envelope('ParentImageSpec', 1, (rr) => ({
    poolId: rr.i64('pool_id'), poolNamespace: rr.string('pool_namespace'), imageId: rr.string('image_id'), snapId: rr.u64('snap_id'),
  }));
}

export function encodeParentImageSpec(w: Writer, p: ParentImageSpec): void {
  w.envelope(1, 1, (ww) => ww.i64(p.poolId).string(p.poolNamespace).string(p.imageId).u64(p.snapId));
}

/** cls::rbd::ChildImageSpec: a clone (v2) attached to a snapshot. */
export interface ChildImageSpec {
  poolId: bigint;
  poolNamespace: string;
  imageId: string;
}

export function decodeChildImageSpec(r: Reader): ChildImageSpec {
  return r.envelope('ChildImageSpec', 2, (rr, v) => {
    const poolId = rr.i64('pool_id');
    const imageId = rr.string('image_id');
    return { poolId, imageId, poolNamespace: v >= 2 ? rr.string('pool_namespace') : '' };
  });
}

export function encodeChildImageSpec(w: Writer, c: ChildImageSpec): void {
  w.envelope(2, 1, (ww) => ww.i64(c.poolId).string(c.imageId).string(c.poolNamespace));
}

/** std::set<ChildImageSpec> order: operator< compares pool_id, pool_namespace, image_id. */
export function compareChildImageSpec(a: ChildImageSpec, b: ChildImageSpec): number {
  if (a.poolId !== b.poolId) return a.poolId < b.poolId ? -1 : 1;
  if (a.poolNamespace !== b.poolNamespace) return a.poolNamespace < b.poolNamespace ? -1 : 1;
  return a.imageId === b.imageId ? 0 : a.imageId < b.imageId ? -1 : 1;
}

/** cls::rbd::TrashImageSpec: ENCODE_START(2, 1) { u8 source, name, deletion_time, deferment_end_time, u8 state (v2) }. */
export interface TrashImageSpec {
  source: number;
  name: string;
  deletionTime: UTime;
  defermentEndTime: UTime;
  state: number;
}

export function decodeTrashImageSpec(r: Reader): TrashImageSpec {
  return r.envelope('TrashImageSpec', 2, (rr, v) => ({
    source: rr.u8('source'),
    name: rr.string('name'),
    deletionTime: decodeUTime(rr, 'deletion_time'),
    defermentEndTime: decodeUTime(rr, 'deferment_end_time'),
    state: v >= 2 ? rr.u8('state') : 0,
  }));
}

export function encodeTrashImageSpec(w: Writer, t: TrashImageSpec): void {
  w.envelope(2, 1, (ww) => {
    ww.u8(t.source).string(t.name);
    encodeUTime(ww, t.deletionTime);
    encodeUTime(ww, t.defermentEndTime);
    ww.u8(t.state);
  });
}

export function decodeGroupSpec(r: Reader): { groupId: string; poolId: bigint } {
  return r.envelope('GroupSpec', 1, (rr) => {
    const poolId = rr.i64('pool_id');
    return { poolId, groupId: rr.string('group_id') };
  });
}

/** cls::rbd::GroupSpec ENCODE_START(1, 1) { i64 pool_id, group_id }: image_group_get's answer (pool -1: in no group). */
export function encodeGroupSpec(w: Writer, groupId: string, poolId: bigint): void {
  w.envelope(1, 1, (ww) => ww.i64(poolId).string(groupId));
}
