import { Reader, Writer } from '@ts-ceph/denc';
import { CEPH_NOSNAP } from '../types/hobject';
import { mapsLimits } from '../limits';

/**
 * Snapshot bookkeeping of one object (src/osd/osd_types.h/.cc): SnapSet (the head's "snapset"
 * xattr), and clone_info / obj_list_snap_response_t (the CEPH_OSD_OP_LIST_SNAPS reply).
 */

/** Byte ranges [offset, length] of an object, ascending (interval_set<uint64_t>). */
export type ByteRanges = [offset: number, length: number][];

function decodeRanges(r: Reader, field: string): ByteRanges {
  return r.within(field, () => {
    const n = r.count('count', 16);
    if (n > mapsLimits.intervalsPerSetMax) r.fail('DENC_LIMIT', `${n} intervals over limit ${mapsLimits.intervalsPerSetMax}`);
    const out: ByteRanges = [];
    for (let i = 0; i < n; i++) out.push([r.u64n('offset'), r.u64n('length')]);
    return out;
  });
}

function encodeRanges(w: Writer, s: ByteRanges): void {
  w.pairs(s, (ww, o) => ww.u64(o), (ww, l) => ww.u64(l));
}

function snapList(r: Reader, field: string): bigint[] {
  const v = r.list(field, (rr) => rr.u64('snap'), 8);
  if (v.length > mapsLimits.clonesPerSnapSetMax) r.fail('DENC_LIMIT', `${v.length} snaps over limit ${mapsLimits.clonesPerSnapSetMax}`, field);
  return v;
}

const u64s = (w: Writer, v: readonly bigint[]) => w.list(v, (ww, s) => ww.u64(s));

/**
 * SnapSet: ENCODE_START(3, 2), decoded with DECODE_START_LEGACY_COMPAT_LEN(3, 2, 2) { u64 seq, bool
 * head_exists (always true), vector snaps (pre-octopus only, descending), vector clones (ascending),
 * map<snap, interval_set> clone_overlap, map<snap, u64> clone_size, map<snap, vector snaps>
 * clone_snaps (v3, each descending) }. Maps are kept as ascending [snap, value] pairs.
 */
export interface SnapSetT {
  /** u64 the newest SnapContext seq this object has seen. */
  seq: bigint;
  /** Legacy: all snaps of the object, newest first. */
  snaps: bigint[];
  /** Clone ids (the snap each clone was made for), oldest first. */
  clones: bigint[];
  /** Per clone: the bytes it shares with the next newer clone or the head. */
  cloneOverlap: [bigint, ByteRanges][];
  /** Per clone: u64 bytes. */
  cloneSize: [bigint, number][];
  /** Per clone: the snaps it serves, newest first. */
  cloneSnaps: [bigint, bigint[]][];
}

export function newSnapSet(): SnapSetT {
  return { seq: 0n, snaps: [], clones: [], cloneOverlap: [], cloneSize: [], cloneSnaps: [] };
}

export function decodeSnapSetT(r: Reader, field = 'SnapSet'): SnapSetT {
  return r.envelopeLegacy(field, 3, 2, 2, (_r, v) => {
    const s = newSnapSet();
    s.seq = r.u64('seq');
    r.skip(1, 'head_exists');
    s.snaps = snapList(r, 'snaps');
    s.clones = snapList(r, 'clones');
    s.cloneOverlap = r.pairs('clone_overlap', (rr) => rr.u64('snap'), (rr) => decodeRanges(rr, 'overlap'), 12);
    s.cloneSize = r.pairs('clone_size', (rr) => rr.u64('snap'), (rr) => rr.u64n('size'), 16);
    if (v >= 3) s.cloneSnaps = r.pairs('clone_snaps', (rr) => rr.u64('snap'), (rr) => snapList(rr, 'snaps'), 12);
    return s;
  });
}

export function encodeSnapSetT(w: Writer, s: SnapSetT): void {
  w.envelope(3, 2, () => {
    w.u64(s.seq).bool(true);
    u64s(w, s.snaps);
    u64s(w, s.clones);
    w.pairs(s.cloneOverlap, (ww, k) => ww.u64(k), encodeRanges);
    w.pairs(s.cloneSize, (ww, k) => ww.u64(k), (ww, n) => ww.u64(n));
    w.pairs(s.cloneSnaps, (ww, k) => ww.u64(k), u64s);
  });
}

/** clone_info: ENCODE_START(1, 1) { u64 cloneid (CEPH_NOSNAP for the head), vector snaps, vector<pair<u64,u64>> overlap, u64 size }. */
export interface CloneInfoT {
  cloneid: bigint;
  /** Snaps this clone serves, as the OSD lists them. */
  snaps: bigint[];
  /** (offset, length) byte ranges shared with the next newer clone. */
  overlap: ByteRanges;
  /** u64 bytes. */
  size: number;
}

export function decodeCloneInfo(r: Reader, field = 'clone_info'): CloneInfoT {
  return r.envelope(field, 1, () => ({ cloneid: r.u64('cloneid'), snaps: snapList(r, 'snaps'), overlap: decodeRanges(r, 'overlap'), size: r.u64n('size') }));
}

export function encodeCloneInfo(w: Writer, c: CloneInfoT): void {
  w.envelope(1, 1, () => {
    w.u64(c.cloneid);
    u64s(w, c.snaps);
    encodeRanges(w, c.overlap);
    w.u64(c.size);
  });
}

/** obj_list_snap_response_t: ENCODE_START(2, 1) { vector<clone_info> clones, u64 seq (v2; CEPH_NOSNAP before) }. */
export interface ObjListSnapResponseT {
  clones: CloneInfoT[];
  /** The object's SnapSet seq. */
  seq: bigint;
}

export function decodeObjListSnapResponseT(r: Reader, field = 'obj_list_snap_response_t'): ObjListSnapResponseT {
  return r.envelope(field, 2, (_r, v) => {
    const clones = r.list('clones', (rr) => decodeCloneInfo(rr, 'clone'), 6 + 24);
    if (clones.length > mapsLimits.clonesPerSnapSetMax) r.fail('DENC_LIMIT', `${clones.length} clones over limit`, 'clones');
    return { clones, seq: v >= 2 ? r.u64('seq') : CEPH_NOSNAP };
  });
}

export function encodeObjListSnapResponseT(w: Writer, l: ObjListSnapResponseT): void {
  w.envelope(2, 1, () => {
    w.list(l.clones, encodeCloneInfo);
    w.u64(l.seq);
  });
}
