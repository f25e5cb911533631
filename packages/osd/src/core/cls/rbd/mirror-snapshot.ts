import { CephError, cephError } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { ClsRbdSnap, SNAPSHOT_NAMESPACE_TYPE } from './types';
import { decodeInput, listSnaps, readSnap, writeSnap } from './util';

/**
 * The two cls_rbd methods that edit a mirror snapshot's namespace (src/cls/rbd/cls_rbd.cc,
 * mirror::image_snapshot_unlink_peer and image_snapshot_set_copy_progress). `rbd mirror image enable
 * IMG snapshot` creates a primary mirror snapshot and marks it complete with set_copy_progress.
 */

const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;

/** cls::rbd::MirrorSnapshotState (a u8). */
export const MIRROR_SNAPSHOT_STATE = { PRIMARY: 0, PRIMARY_DEMOTED: 1, NON_PRIMARY: 2, NON_PRIMARY_DEMOTED: 3 } as const;

/**
 * MirrorSnapshotNamespace's fields, after the SnapshotNamespace type (no envelope of its own): u8
 * state, bool complete, set<string> mirror_peer_uuids, string primary_mirror_uuid, u64
 * primary_snap_id (clean_since_snap_id on a primary), u64 last_copied_object_number, map<u64, u64>
 * snap_seqs.
 */
export interface MirrorSnapshotNamespace {
  state: number;
  complete: boolean;
  mirrorPeerUuids: string[];
  primaryMirrorUuid: string;
  primarySnapId: bigint;
  lastCopiedObjectNumber: bigint;
  snapSeqs: [bigint, bigint][];
}

export function decodeMirrorSnapshotNamespace(r: Reader): MirrorSnapshotNamespace {
  return {
    state: r.u8('state'),
    complete: r.bool('complete'),
    mirrorPeerUuids: r.list('mirror_peer_uuids', (x) => x.string(), 4),
    primaryMirrorUuid: r.string('primary_mirror_uuid'),
    primarySnapId: r.u64('primary_snap_id'),
    lastCopiedObjectNumber: r.u64('last_copied_object_number'),
    snapSeqs: r.pairs('snap_seqs', (x) => x.u64(), (x) => x.u64(), 16),
  };
}

export function encodeMirrorSnapshotNamespace(w: Writer, ns: MirrorSnapshotNamespace): void {
  w.u8(ns.state).bool(ns.complete).list(ns.mirrorPeerUuids, (x, s) => x.string(s));
  w.string(ns.primaryMirrorUuid).u64(ns.primarySnapId).u64(ns.lastCopiedObjectNumber);
  w.pairs(ns.snapSeqs, (x, k) => x.u64(k), (x, v) => x.u64(v));
}

/** The snapshot's mirror namespace; EINVAL when it is not a mirror snapshot, EIO when it does not decode. */
function mirrorNamespace(snap: ClsRbdSnap): MirrorSnapshotNamespace {
  if (snap.namespace.type !== SNAPSHOT_NAMESPACE_TYPE.MIRROR) throw cephError('EINVAL', `cls_rbd: snapshot ${snap.id} is not a mirror snapshot`);
  try {
    return decodeMirrorSnapshotNamespace(new Reader(snap.namespace.body));
  } catch (e) {
    if (!(e instanceof CephError)) throw e;
    throw cephError('EIO', `cls_rbd: snapshot ${snap.id}'s mirror namespace does not decode`);
  }
}

async function writeMirrorNamespace(ctx: ClsContext, snap: ClsRbdSnap, ns: MirrorSnapshotNamespace): Promise<void> {
  const w = new Writer();
  encodeMirrorSnapshotNamespace(w, ns);
  await writeSnap(ctx, { ...snap, namespace: { type: SNAPSHOT_NAMESPACE_TYPE.MIRROR, body: w.finish() } });
}

/**
 * mirror_image_snapshot_unlink_peer(u64 snap_id, string peer uuid): ENOENT for a peer not linked;
 * ERESTART when it is the last peer and a newer mirror snapshot exists (the caller removes the
 * snapshot instead).
 */
async function unlinkPeer(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ snapId: r.u64('snap_id'), peer: r.string('mirror_peer_uuid') }));
  const snap = await readSnap(ctx, a.snapId);
  const ns = mirrorNamespace(snap);
  if (!ns.mirrorPeerUuids.includes(a.peer)) throw cephError('ENOENT', `cls_rbd: peer ${a.peer} is not linked`);
  if (ns.mirrorPeerUuids.length === 1) {
    const newer = (await listSnaps(ctx)).some((s) => s.id > a.snapId && s.namespace.type === SNAPSHOT_NAMESPACE_TYPE.MIRROR);
    // ERESTART is 85, which @ts-ceph/common names by Ceph's alias for it, EOLDSNAPC.
    if (newer) throw cephError('EOLDSNAPC', 'cls_rbd: last peer of a superseded mirror snapshot');
  }
  await writeMirrorNamespace(ctx, snap, { ...ns, mirrorPeerUuids: ns.mirrorPeerUuids.filter((p) => p !== a.peer) });
}

/** mirror_image_snapshot_set_copy_progress(u64 snap_id, bool complete, u64 last_copied_object_number). */
async function setCopyProgress(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ snapId: r.u64('snap_id'), complete: r.bool('complete'), last: r.u64('last_copied_object_number') }));
  const snap = await readSnap(ctx, a.snapId);
  const ns = mirrorNamespace(snap);
  const nonPrimary = ns.state === MIRROR_SNAPSHOT_STATE.NON_PRIMARY || ns.state === MIRROR_SNAPSHOT_STATE.NON_PRIMARY_DEMOTED;
  await writeMirrorNamespace(ctx, snap, { ...ns, complete: a.complete, lastCopiedObjectNumber: nonPrimary ? a.last : ns.lastCopiedObjectNumber });
}

export const mirrorSnapshotMethods: Readonly<Record<string, ClsMethod>> = {
  mirror_image_snapshot_unlink_peer: { flags: RDWR, fn: unlinkPeer },
  mirror_image_snapshot_set_copy_progress: { flags: RDWR, fn: setCopyProgress },
};
