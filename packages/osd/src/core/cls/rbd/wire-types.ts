import { Reader, Writer, registerType } from '@ts-ceph/denc';
import { BitVector2 } from './bit-vector';
import * as S from './spec-types';
import * as P from './mirror-peers';
import * as T from './types';

/**
 * cls_rbd's types under their corpus directory names (test/unit/corpus.test.ts round-trips every
 * 16.2.0 sample byte for byte). BitVector<2> is in the corpus under its bare and its namespaced name.
 */
const owner = 'osd';
const t0 = { sec: 1_700_000_000, nsec: 250_000_000 };
const parent = (overlap?: bigint): T.ClsRbdParent => ({ poolId: 1n, poolNamespace: 'ns', imageId: 'image id', snapId: 234n, headOverlap: overlap });
const snap = (ns: T.SnapshotNamespace, overlap?: bigint): T.ClsRbdSnap => ({
  id: 3n, name: 'snap', imageSize: 4n << 30n, protectionStatus: T.RBD_PROTECTION_STATUS.PROTECTED, parent: T.emptyParent(),
  flags: 1n, namespace: ns, timestamp: t0, childCount: 2, parentOverlap: overlap,
});

function reg<V>(name: string, decode: (r: Reader) => V, encode: (w: Writer, v: V) => void, samples: () => V[]): void {
  registerType<V>({ name, owner, decode, encode, samples });
}

reg('cls_rbd_parent', T.decodeClsRbdParent, T.encodeClsRbdParent, () => [T.emptyParent(), parent(), parent(123n)]);
reg('cls_rbd_snap', T.decodeClsRbdSnap, T.encodeClsRbdSnap, () => [
  snap(T.USER_SNAPSHOT_NAMESPACE), snap(T.trashSnapshotNamespace(0, 'old'), 1n << 20n),
]);
reg('cls::rbd::SnapshotNamespace', T.decodeSnapshotNamespace, T.encodeSnapshotNamespace, () => [
  T.USER_SNAPSHOT_NAMESPACE, T.trashSnapshotNamespace(0, 'snap1'),
]);
reg('cls::rbd::SnapshotInfo', T.decodeSnapshotInfo, T.encodeSnapshotInfo, () => [{ ...snap(T.USER_SNAPSHOT_NAMESPACE), protectionStatus: 0, flags: 0n }]);
reg('cls::rbd::ParentImageSpec', T.decodeParentImageSpec, T.encodeParentImageSpec, () => [
  { poolId: -1n, poolNamespace: '', imageId: '', snapId: T.CEPH_NOSNAP }, { poolId: 1n, poolNamespace: 'ns', imageId: 'foo', snapId: 3n },
]);
reg('cls::rbd::ChildImageSpec', T.decodeChildImageSpec, T.encodeChildImageSpec, () => [{ poolId: 1n, poolNamespace: 'ns', imageId: 'child' }]);
reg('cls::rbd::GroupSpec', T.decodeGroupSpec, (w, v) => T.encodeGroupSpec(w, v.groupId, v.poolId), () => [{ groupId: '', poolId: -1n }, { groupId: '10152ae8944a', poolId: 3n }]);
for (const name of ['BitVector<2>', 'ceph::BitVector<2>']) {
  reg(name, (r) => BitVector2.decode(r), (w, v) => v.encode(w), () => [BitVector2.empty(), new BitVector2(5, Buffer.from([0x1b, 0x40])), new BitVector2(4, Buffer.from([0x14]), false)]);
}

const migration = (sourceSpec: string): S.MigrationSpec => ({
  headerType: S.MIGRATION_HEADER_TYPE.DST, poolId: 1n, poolNamespace: 'ns', imageName: 'image', imageId: '123', snapSeqs: new Map([[1n, 2n]]),
  overlap: 123n, flatten: true, mirroring: true, state: S.MIGRATION_STATE.EXECUTING, stateDescription: 'executing',
  mirrorImageMode: S.MIRROR_IMAGE_MODE.SNAPSHOT, sourceSpec,
});
reg('cls::rbd::MigrationSpec', S.decodeMigrationSpec, S.encodeMigrationSpec, () => [migration(''), migration('{"type":"raw"}')]);
reg('cls::rbd::GroupImageSpec', S.decodeGroupImageSpec, S.encodeGroupImageSpec, () => [{ imageId: '10152ae8944a', poolId: 0n }]);
reg('cls::rbd::GroupImageStatus', S.decodeGroupImageStatus, S.encodeGroupImageStatus, () => [
  { spec: { imageId: '10152ae8944a', poolId: 0n }, state: S.GROUP_IMAGE_LINK_STATE.INCOMPLETE },
]);
reg('cls::rbd::ImageSnapshotSpec', S.decodeImageSnapshotSpec, S.encodeImageSnapshotSpec, () => [{ pool: 1n, imageId: 'testimage', snapId: 7n }]);
reg('cls::rbd::GroupSnapshot', S.decodeGroupSnapshot, S.encodeGroupSnapshot, () => [
  { id: '1018643c9869', name: 'groupsnapshot2', state: S.GROUP_SNAPSHOT_STATE.COMPLETE, snaps: [{ pool: 1n, imageId: 'testimage', snapId: 7n }] },
]);
reg('cls::rbd::MirrorImage', S.decodeMirrorImage, S.encodeMirrorImage, () => [
  { globalImageId: 'uuid-123', state: S.MIRROR_IMAGE_STATE.ENABLED, mode: S.MIRROR_IMAGE_MODE.SNAPSHOT },
]);
reg('cls::rbd::MirrorPeer', P.decodeMirrorPeer, P.encodeMirrorPeer, () => [
  { uuid: '', siteName: '', clientName: '', direction: P.MIRROR_PEER_DIRECTION.RX_TX, mirrorUuid: '', lastSeen: { sec: 0, nsec: 0 } },
  { uuid: 'uuid-234', siteName: 'site B', clientName: '', direction: P.MIRROR_PEER_DIRECTION.TX, mirrorUuid: 'mirror_uuid', lastSeen: t0 },
]);
