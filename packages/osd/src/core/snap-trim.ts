import { UTime } from '@ts-ceph/denc';
import { IntervalSet, SnapSetT } from '@ts-ceph/maps';
import { GHObject, Transaction } from '@ts-ceph/objectstore/interface';
import { OI_ATTR, OI_FLAG, SS_ATTR, encodeObjectInfo, loadObjectStateIn } from './object-info';
import type { StoreReader } from './op-context';
import { PG, PgLogEntry, PgLogOp, internalLogEntry } from './pg';
import { inSnapSet, pairDelete, pairGet, pairSet, rangesIntersect, rangesUnion } from './snap-context';
import { cloneOf, encodeSnapSet, loadSnapSet } from './snaps';

/**
 * The snap trimmer's core (PrimaryLogPG::trim_object, SnapTrimmer): which snaps a PG still has to
 * trim, which clones of an object hold them, and the transaction that trims one clone. The driver
 * (src/snap-trimmer.ts) finds the objects and runs each trim through the PG's op queue.
 */

/** snap_trimq: the pool's removed-not-purged snaps this PG has not trimmed yet. */
export function snapsToTrim(removedQueue: IntervalSet | undefined, purged: IntervalSet | undefined): IntervalSet {
  const out: IntervalSet = [];
  for (const [a, l] of removedQueue ?? []) {
    for (let s = a; s < a + l; s++) {
      if (inSnapSet(purged, BigInt(s))) continue;
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === s) last[1]++;
      else out.push([s, 1]);
    }
  }
  return out;
}

/** The clones of an object that serve a snap in `trim` (each must lose it, or go). */
export function planTrim(ss: SnapSetT, trim: IntervalSet): bigint[] {
  return ss.clones.filter((c) => (pairGet(ss.cloneSnaps, c) ?? []).some((s) => inSnapSet(trim, s)));
}


/**
 * trim_object: drop the removed snaps from clone `cloneSnap` of `head`. A clone left with no snap
 * is deleted (its overlap folds into the next older clone's) with a DELETE entry, else its object
 * info is rewritten with a MODIFY entry; then the head's SnapSet is saved (MODIFY), or a whiteout
 * head with no clones left is removed (DELETE). Returns undefined when there is nothing to do.
 */
export async function trimClone(store: StoreReader, pg: PG, head: GHObject, cloneSnap: bigint, trim: IntervalSet, env: { epoch: number; now: UTime }): Promise<Transaction | undefined> {
  const headState = await loadObjectStateIn(store, pg.coll, head);
  const coid = cloneOf(head, cloneSnap);
  const clone = await loadObjectStateIn(store, pg.coll, coid);
  if (!headState.exists || !clone.exists) return undefined;
  const ss = await loadSnapSet(store, pg.coll, head);
  const old = pairGet(ss.cloneSnaps, cloneSnap);
  const idx = ss.clones.indexOf(cloneSnap);
  if (!old || old.length === 0 || idx < 0 || ss.seq === 0n) return undefined;
  const keep = old.filter((s) => !inSnapSet(trim, s));
  if (keep.length === old.length) return undefined;

  const t = new Transaction();
  let at = pg.nextVersion(env.epoch);
  const entries: PgLogEntry[] = [];
  if (keep.length === 0) {
    if (idx > 0) {
      const older = ss.clones[idx - 1]!;
      pairSet(ss.cloneOverlap, older, rangesIntersect(pairGet(ss.cloneOverlap, older) ?? [], pairGet(ss.cloneOverlap, cloneSnap) ?? []));
    }
    ss.clones.splice(idx, 1);
    for (const m of [ss.cloneOverlap, ss.cloneSize] as [bigint, unknown][][]) pairDelete(m, cloneSnap);
    pairDelete(ss.cloneSnaps, cloneSnap);
    entries.push(internalLogEntry(PgLogOp.DELETE, coid, at, clone.oi.version, env.now, 0n));
    t.remove(pg.coll, coid);
  } else {
    pairSet(ss.cloneSnaps, cloneSnap, keep);
    const oi = { ...clone.oi, priorVersion: clone.oi.version, version: at };
    t.setattr(pg.coll, coid, OI_ATTR, encodeObjectInfo(oi, coid));
    entries.push(internalLogEntry(PgLogOp.MODIFY, coid, at, clone.oi.version, env.now, 0n));
  }
  at = { epoch: at.epoch, version: at.version + 1n };
  if (ss.clones.length === 0 && headState.oi.flags & OI_FLAG.WHITEOUT) {
    entries.push(internalLogEntry(PgLogOp.DELETE, head, at, headState.oi.version, env.now, 0n));
    t.remove(pg.coll, head);
  } else {
    ss.snaps = [];
    const oi = { ...headState.oi, priorVersion: headState.oi.version, version: at };
    entries.push(internalLogEntry(PgLogOp.MODIFY, head, at, headState.oi.version, env.now, 0n));
    t.setattrs(pg.coll, head, new Map([[SS_ATTR, encodeSnapSet(ss)], [OI_ATTR, encodeObjectInfo(oi, head)]]));
  }
  for (const e of entries) pg.append(e, t, env.epoch);
  return t;
}

/** The PG's purged snaps after trimming `trimmed` (pg_info_t::purged_snaps ∪ the trimmed snaps). */
export function addPurged(purged: IntervalSet | undefined, trimmed: IntervalSet): IntervalSet {
  return rangesUnion(purged ?? [], trimmed);
}

/**
 * The next trim of `head` (one clone, oldest first), read as the object is now: the snap trimmer's
 * internal write, built when the PG core runs it. Undefined when no clone of `head` holds a snap in
 * `trim` any more.
 */
export async function trimNextClone(store: StoreReader, pg: PG, head: GHObject, trim: IntervalSet, env: { epoch: number; now: UTime }): Promise<Transaction | undefined> {
  const ss = await loadSnapSet(store, pg.coll, head);
  for (const c of planTrim(ss, trim)) {
    const t = await trimClone(store, pg, head, c, trim, env);
    if (t) return t;
  }
  return undefined;
}
