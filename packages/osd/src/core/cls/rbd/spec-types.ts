import { Reader, Writer } from '@ts-ceph/denc';

/**
 * cls_rbd's migration, group and mirroring types (src/cls/rbd/cls_rbd_types.{h,cc}), byte-exact. The
 * enums (header type, states, modes) are each one u8 on the wire, except MirrorMode, a u32.
 */

/** cls::rbd::MigrationHeaderType: which side of a migration an image header is. */
export const MIGRATION_HEADER_TYPE = { SRC: 1, DST: 2 } as const;

/** cls::rbd::MigrationState. */
export const MIGRATION_STATE = { ERROR: 0, PREPARING: 1, PREPARED: 2, EXECUTING: 3, EXECUTED: 4, ABORTING: 5 } as const;

/** cls::rbd::MirrorMode (a u32 in `mirror_mode`), MirrorImageMode and MirrorImageState (u8s). */
export const MIRROR_MODE = { DISABLED: 0, IMAGE: 1, POOL: 2 } as const;
export const MIRROR_IMAGE_MODE = { JOURNAL: 0, SNAPSHOT: 1 } as const;
export const MIRROR_IMAGE_STATE = { DISABLING: 0, ENABLED: 1, DISABLED: 2, CREATING: 3 } as const;

/** cls::rbd::GroupImageLinkState and GroupSnapshotState. */
export const GROUP_IMAGE_LINK_STATE = { ATTACHED: 0, INCOMPLETE: 1 } as const;
export const GROUP_SNAPSHOT_STATE = { INCOMPLETE: 0, COMPLETE: 1 } as const;

/** cls::rbd::MigrationSpec: the `migration` key of a migrating image's header (source and destination). */
export interface MigrationSpec {
  headerType: number;
  poolId: bigint;
  poolNamespace: string;
  imageName: string;
  imageId: string;
  /** Source snapshot id -> destination snapshot id. */
  snapSeqs: Map<bigint, bigint>;
  overlap: bigint;
  flatten: boolean;
  mirroring: boolean;
  state: number;
  stateDescription: string;
  mirrorImageMode: number;
  /** A JSON source spec (import from a file or URL); empty for a migration between pools. */
  sourceSpec: string;
}

export function decodeMigrationSpec(r: Reader): MigrationSpec {
  return r.envelope('MigrationSpec', 3, (rr, v) => ({
    headerType: rr.u8('header_type'),
    poolId: rr.i64('pool_id'),
    poolNamespace: rr.string('pool_namespace'),
    imageName: rr.string('image_name'),
    imageId: rr.string('image_id'),
    snapSeqs: rr.map('snap_seqs', (x) => x.u64(), (x) => x.u64(), 16),
    overlap: rr.u64('overlap'),
    flatten: rr.bool('flatten'),
    mirroring: rr.bool('mirroring'),
    state: rr.u8('state'),
    stateDescription: rr.string('state_description'),
    mirrorImageMode: v >= 2 ? rr.u8('mirror_image_mode') : MIRROR_IMAGE_MODE.JOURNAL,
    sourceSpec: v >= 3 ? rr.string('source_spec') : '',
  }));
}

/** ENCODE_START(3, 1), or (3, 3) when a source spec is set: older decoders cannot import from one. */
export function encodeMigrationSpec(w: Writer, m: MigrationSpec): void {
  w.envelope(3, m.sourceSpec === '' ? 1 : 3, (ww) => {
    ww.u8(m.headerType).i64(m.poolId).string(m.poolNamespace).string(m.imageName).string(m.imageId);
    ww.map(m.snapSeqs, (x, k) => x.u64(k), (x, v) => x.u64(v));
    ww.u64(m.overlap).bool(m.flatten).bool(m.mirroring).u8(m.state).string(m.stateDescription);
    ww.u8(m.mirrorImageMode).string(m.sourceSpec);
  });
}

/** cls::rbd::GroupImageSpec ENCODE_START(1, 1) { string image_id, i64 pool_id }. */
export interface GroupImageSpec {
  imageId: string;
  poolId: bigint;
}

export function decodeGroupImageSpec(r: Reader): GroupImageSpec {
  return r.envelope('GroupImageSpec', 1, (rr) => ({ imageId: rr.string('image_id'), poolId: rr.i64('pool_id') }));
}

export function encodeGroupImageSpec(w: Writer, s: GroupImageSpec): void {
  w.envelope(1, 1, (ww) => ww.string(s.imageId).i64(s.poolId));
}

export const RBD_GROUP_IMAGE_KEY_PREFIX = 'image_';

/** GroupImageSpec::image_key: "image_" + the pool as 16 hex digits + "_" + image id; "" for pool -1. */
export function groupImageKey(s: GroupImageSpec): string {
  if (s.poolId === -1n) return '';
  return `${RBD_GROUP_IMAGE_KEY_PREFIX}${BigInt.asUintN(64, s.poolId).toString(16).padStart(16, '0')}_${s.imageId}`;
}

/** GroupImageSpec::from_key; undefined (Ceph's EIO) when the key has no "_" after the prefix. */
export function groupImageSpecFromKey(key: string): GroupImageSpec | undefined {
  const rest = key.slice(RBD_GROUP_IMAGE_KEY_PREFIX.length);
  const p = rest.indexOf('_');
  if (p < 0 || !/^[0-9a-f]+$/.test(rest.slice(0, p))) return undefined;
  return { poolId: BigInt.asIntN(64, BigInt('0x' + rest.slice(0, p))), imageId: rest.slice(p + 1) };
}

/** cls::rbd::GroupImageStatus ENCODE_START(1, 1) { GroupImageSpec spec, u8 state }. */
export interface GroupImageStatus {
  spec: GroupImageSpec;
  state: number;
}

export function decodeGroupImageStatus(r: Reader): GroupImageStatus {
  return r.envelope('GroupImageStatus', 1, (rr) => ({ spec: decodeGroupImageSpec(rr), state: rr.u8('state') }));
}

export function encodeGroupImageStatus(w: Writer, s: GroupImageStatus): void {
  w.envelope(1, 1, (ww) => {
    encodeGroupImageSpec(ww, s.spec);
    ww.u8(s.state);
  });
}

/** cls::rbd::ImageSnapshotSpec ENCODE_START(1, 1) { i64 pool, string image_id, u64 snap_id }. */
export interface ImageSnapshotSpec {
  pool: bigint;
  imageId: string;
  snapId: bigint;
}

export function decodeImageSnapshotSpec(r: Reader): ImageSnapshotSpec {
  return r.envelope('ImageSnapshotSpec', 1, (rr) => ({ pool: rr.i64('pool'), imageId: rr.string('image_id'), snapId: rr.u64('snap_id') }));
}

export function encodeImageSnapshotSpec(w: Writer, s: ImageSnapshotSpec): void {
  w.envelope(1, 1, (ww) => ww.i64(s.pool).string(s.imageId).u64(s.snapId));
}

/** cls::rbd::GroupSnapshot ENCODE_START(1, 1) { id, name, u8 state, vector<ImageSnapshotSpec> snaps }. */
export interface GroupSnapshot {
  id: string;
  name: string;
  state: number;
  snaps: ImageSnapshotSpec[];
}

export function decodeGroupSnapshot(r: Reader): GroupSnapshot {
  return r.envelope('GroupSnapshot', 1, (rr) => ({
    id: rr.string('id'),
    name: rr.string('name'),
    state: rr.u8('state'),
    snaps: rr.list('snaps', decodeImageSnapshotSpec, 6),
  }));
}

export function encodeGroupSnapshot(w: Writer, s: GroupSnapshot): void {
  w.envelope(1, 1, (ww) => {
    ww.string(s.id).string(s.name).u8(s.state);
    ww.list(s.snaps, encodeImageSnapshotSpec);
  });
}

/** cls::rbd::MirrorImage ENCODE_START(2, 1) { string global_image_id, u8 state, u8 mode (v2) }. */
export interface MirrorImage {
  globalImageId: string;
  state: number;
  mode: number;
}

export function decodeMirrorImage(r: Reader): MirrorImage {
  return r.envelope('MirrorImage', 2, (rr, v) => ({
    globalImageId: rr.string('global_image_id'),
    state: rr.u8('state'),
    mode: v >= 2 ? rr.u8('mode') : MIRROR_IMAGE_MODE.JOURNAL,
  }));
}

export function encodeMirrorImage(w: Writer, m: MirrorImage): void {
  w.envelope(2, 1, (ww) => ww.string(m.globalImageId).u8(m.state).u8(m.mode));
}
