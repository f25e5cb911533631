import { IntervalSet } from '@ts-ceph/maps';
import type { ByteRanges } from '@ts-ceph/maps';

/**
 * Snapshot arithmetic shared by the op engine and the snap trimmer: SnapContext (src/common/snap_types.h)
 * and the interval_set<uint64_t> operations SnapSet's clone_overlap needs. Pure functions.
 */

/** SnapContext: the newest snap id the writer knows (seq) and the live snaps, newest first. */
export interface SnapContext {
  seq: bigint;
  snaps: bigint[];
}

/** CEPH_MAXSNAP (src/include/rados.h): the largest snap id a SnapContext may name. */
export const CEPH_MAXSNAP = 0xfffffffffffffffdn;

/** SnapContext::is_valid: seq a real snap id, snaps strictly descending and none above seq. */
export function snapContextValid(c: SnapContext): boolean {
  if (c.seq > CEPH_MAXSNAP) return false;
  if (c.snaps.length === 0) return true;
  if (c.snaps[0]! > c.seq) return false;
  for (let i = 1; i < c.snaps.length; i++) if (c.snaps[i]! >= c.snaps[i - 1]! || c.snaps[i - 1] === 0n) return false;
  return true;
}

/** Whether `snap` lies in an interval_set of snap ids (removed_snaps_queue, purged_snaps). */
export function inSnapSet(s: IntervalSet | undefined, snap: bigint): boolean {
  if (!s) return false;
  const n = Number(snap);
  return s.some(([a, l]) => n >= a && n < a + l);
}

/** The snap ids of an interval_set, ascending (a removed-snaps queue is small: a few snaps). */
export function snapIds(s: IntervalSet): bigint[] {
  const out: bigint[] = [];
  for (const [a, l] of s) for (let i = 0; i < l; i++) out.push(BigInt(a + i));
  return out;
}

/** a ∪ b of interval_sets, normalised (sorted, merged). */
export function rangesUnion(a: ByteRanges, b: ByteRanges): ByteRanges {
  const all = [...a, ...b].filter(([, l]) => l > 0).sort((x, y) => x[0] - y[0]);
  const out: ByteRanges = [];
  for (const [o, l] of all) {
    const last = out[out.length - 1];
    if (last && o <= last[0] + last[1]) last[1] = Math.max(last[1], o + l - last[0]);
    else out.push([o, l]);
  }
  return out;
}

/** a ∩ b of interval_sets. */
export function rangesIntersect(a: ByteRanges, b: ByteRanges): ByteRanges {
  const out: ByteRanges = [];
  for (const [ao, al] of a) {
    for (const [bo, bl] of b) {
      const s = Math.max(ao, bo);
      const e = Math.min(ao + al, bo + bl);
      if (e > s) out.push([s, e - s]);
    }
  }
  return rangesUnion(out, []);
}

/** a − b of interval_sets. */
export function rangesSubtract(a: ByteRanges, b: ByteRanges): ByteRanges {
  let cur = rangesUnion(a, []);
  for (const [bo, bl] of b) {
    const next: ByteRanges = [];
    for (const [o, l] of cur) {
      if (bo + bl <= o || bo >= o + l) {
        next.push([o, l]);
        continue;
      }
      if (bo > o) next.push([o, bo - o]);
      if (bo + bl < o + l) next.push([bo + bl, o + l - (bo + bl)]);
    }
    cur = next;
  }
  return cur;
}

/** Total bytes of an interval_set (interval_set::size). */
export function rangesBytes(a: ByteRanges): number {
  return a.reduce((n, [, l]) => n + l, 0);
}

/** Look up a value in SnapSet's ascending [snap, value] pairs. */
export function pairGet<V>(pairs: [bigint, V][], k: bigint): V | undefined {
  return pairs.find(([s]) => s === k)?.[1];
}

/** Set a value in ascending [snap, value] pairs (keeps them sorted). */
export function pairSet<V>(pairs: [bigint, V][], k: bigint, v: V): void {
  const i = pairs.findIndex(([s]) => s >= k);
  if (i >= 0 && pairs[i]![0] === k) pairs[i]![1] = v;
  else if (i < 0) pairs.push([k, v]);
  else pairs.splice(i, 0, [k, v]);
}

export function pairDelete<V>(pairs: [bigint, V][], k: bigint): void {
  const i = pairs.findIndex(([s]) => s === k);
  if (i >= 0) pairs.splice(i, 1);
}
