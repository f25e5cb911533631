import { CephError, Errno } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';
import { EversionT, SnapSetT, decodeSnapSetT, encodeSnapSetT, newSnapSet } from '@ts-ceph/maps';
import { CephOsdFlag, MOSDOp } from '@ts-ceph/messages';
import { CEPH_NOSNAP, CollT, GHObject, Transaction } from '@ts-ceph/objectstore/interface';
import { OI_ATTR, OI_FLAG, SS_ATTR, ObjectInfo, encodeObjectInfo, newObjectInfo } from './object-info';
import type { ObjectState, OpContext, OpPool, StoreReader } from './op-context';
import { PgLogEntry, PgLogOp, internalLogEntry } from './pg';
import { SnapContext, inSnapSet, pairGet, pairSet, rangesSubtract, rangesIntersect } from './snap-context';

/**
 * Snapshots in the op path (src/osd/PrimaryLogPG.cc): the SnapContext of a write (execute_ctx),
 * cloning the head on the first write after a snap (make_writeable), and which object serves a
 * read at a snap id (find_object_context). The head's SnapSet lives in its `snapset` xattr
 * (docs/formats/osd-snaps.md).
 */

export const cloneOf = (head: GHObject, snap: bigint): GHObject => ({ ...head, snap });

/** The head's SnapSet (SS_ATTR); an object without one (or no object) has the empty SnapSet. */
export async function loadSnapSet(store: StoreReader, coll: CollT, head: GHObject): Promise<SnapSetT> {
  let raw: Buffer;
  try {
    raw = await store.getattr(coll, head, SS_ATTR);
  } catch (e) {
    if (e instanceof CephError) return newSnapSet();
    throw e;
  }
  return decodeSnapSetT(new Reader(raw));
}

export function encodeSnapSet(s: SnapSetT): Buffer {
  const w = new Writer();
  encodeSnapSetT(w, s);
  return w.finish();
}

/**
 * execute_ctx: a write uses the pool's SnapContext in pool-snaps mode unless the client enforces
 * its own (ENFORCE_SNAPC), else the client's, without the snaps being removed (filter_snapc).
 */
export function opSnapContext(req: MOSDOp, pool: OpPool, purged?: import('@ts-ceph/maps').IntervalSet): SnapContext {
  const ps = pool.snaps;
  if (ps?.poolSnapsMode && !(req.flags & CephOsdFlag.ENFORCE_SNAPC)) return { seq: ps.snapc.seq, snaps: [...ps.snapc.snaps] };
  const snaps = req.snaps.filter((s) => !inSnapSet(ps?.removed, s) && !inSnapSet(purged, s));
  return { seq: req.snapSeq, snaps };
}

/** The object a read at `snap` sees: a clone, or the head; a negative errno when there is none. */
export interface SnapTarget {
  oid: GHObject;
  state: ObjectState;
}

/**
 * find_object_context for a snap id (map_snapid_to_clone false): the head when the snap is newer
 * than every write the head has seen, else the oldest clone made at or after the snap, provided
 * that clone still serves the snap and the snap is not being removed.
 */
export async function findSnapObject(
  store: StoreReader,
  coll: CollT,
  head: GHObject,
  snap: bigint,
  removed: import('@ts-ceph/maps').IntervalSet | undefined,
  load: (o: GHObject) => Promise<ObjectState>,
): Promise<SnapTarget | number> {
  const headState = await load(head);
  if (!headState.exists) return -Errno.ENOENT;
  const ss = await loadSnapSet(store, coll, head);
  if (snap > ss.seq) return { oid: head, state: headState };
  const clone = ss.clones.find((c) => c >= snap);
  if (clone === undefined) return -Errno.ENOENT;
  const oid = cloneOf(head, clone);
  const state = await load(oid);
  if (!state.exists) return -Errno.ENOENT;
  const snaps = pairGet(ss.cloneSnaps, clone) ?? [];
  if (!snaps.includes(snap) || inSnapSet(removed, snap)) return -Errno.ENOENT;
  return { oid, state };
}

/** A CLONE log entry and the transaction ops that make the clone (before the op's own ops). */
export interface CloneStep {
  t: Transaction;
  entry: PgLogEntry;
}

/** object_info_t::copy_user_bits: what a clone inherits from the head. */
function cloneInfo(head: ObjectInfo, at: EversionT): ObjectInfo {
  const oi = newObjectInfo();
  Object.assign(oi, {
    size: head.size,
    mtime: head.mtime,
    localMtime: head.localMtime,
    lastReqid: head.lastReqid,
    truncateSeq: head.truncateSeq,
    truncateSize: head.truncateSize,
    flags: head.flags,
    userVersion: head.userVersion,
    dataDigest: head.dataDigest,
    omapDigest: head.omapDigest,
  });
  oi.version = at;
  oi.priorVersion = head.version;
  return oi;
}

/**
 * make_writeable: on the first write after a snap (the SnapContext's newest snap is newer than the
 * SnapSet's seq) the head as it was is cloned to `<head>:<snapc.seq>`, serving the snaps newer than
 * the SnapSet's seq; the CLONE entry takes `at` and the write the next version. Then the newest
 * clone stops sharing the bytes this op changes, and the SnapSet's seq follows the SnapContext.
 */
export function makeWriteable(ctx: OpContext, at: EversionT): CloneStep | undefined {
  const { snapc, snapset: ss, before } = ctx;
  let step: CloneStep | undefined;
  if (before.exists && !(before.oi.flags & OI_FLAG.WHITEOUT) && snapc.snaps.length > 0 && snapc.snaps[0]! > ss.seq) {
    const snaps = snapc.snaps.filter((s) => s > ss.seq);
    const coid = cloneOf(ctx.oid, snapc.seq);
    const t = new Transaction();
    t.clone(ctx.coll, ctx.oid, coid);
    t.setattr(ctx.coll, coid, OI_ATTR, encodeObjectInfo(cloneInfo(before.oi, at), coid));
    t.rmattr(ctx.coll, coid, SS_ATTR);
    ss.clones.push(coid.snap);
    pairSet(ss.cloneSize, coid.snap, before.oi.size);
    pairSet(ss.cloneSnaps, coid.snap, snaps);
    pairSet(ss.cloneOverlap, coid.snap, before.oi.size ? [[0, before.oi.size]] : []);
    const entry = internalLogEntry(PgLogOp.CLONE, coid, at, before.oi.version, ctx.obs.oi.mtime, before.oi.userVersion, snaps);
    step = { t, entry };
  }
  const newest = ss.cloneOverlap[ss.cloneOverlap.length - 1];
  if (ss.clones.length > 0 && newest) newest[1] = rangesSubtract(newest[1], rangesIntersect(ctx.modified, newest[1]));
  if (snapc.seq > ss.seq) {
    ss.seq = snapc.seq;
    // Octopus and later keep SnapSet::snaps empty.
    ss.snaps = [];
  }
  return step;
}

/** The head's attrs after a write: object info and SnapSet (finish_ctx). */
export function headAttrs(oi: ObjectInfo, soid: GHObject, ss: SnapSetT): Map<string, Buffer> {
  const m = new Map<string, Buffer>([[OI_ATTR, encodeObjectInfo(oi, soid)]]);
  if (soid.snap === CEPH_NOSNAP) m.set(SS_ATTR, encodeSnapSet(ss));
  return m;
}
