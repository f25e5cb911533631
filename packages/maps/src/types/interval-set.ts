import { Reader, Writer } from '@ts-ceph/denc';
import { mapsLimits } from '../limits';

/**
 * interval_set<snapid_t> (src/include/interval_set.h): disjoint [start, start+len) ranges, kept sorted.
 * Wire: le32 count, then count × (le64 start, le64 len), the encoding of its std::map<start,len>.
 * Snap ids are u64 on the wire; real ones stay far below 2^53, so they are numbers here.
 */
export type IntervalSet = [start: number, len: number][];

export function decodeIntervalSet(r: Reader, field: string): IntervalSet {
  return r.within(field, () => {
    const n = r.count('count', 16);
    if (n > mapsLimits.intervalsPerSetMax) r.fail('DENC_LIMIT', `${n} intervals over limit ${mapsLimits.intervalsPerSetMax}`);
    const out: IntervalSet = [];
    for (let i = 0; i < n; i++) out.push([r.u64n('start'), r.u64n('len')]);
    return out;
  });
}

export function encodeIntervalSet(w: Writer, s: IntervalSet): void {
  w.u32(s.length);
  for (const [start, len] of s) w.u64(start).u64(len);
}

/** operator<< for interval_set: "[1~3,7~1]". */
export function formatIntervalSet(s: IntervalSet): string {
  return `[${s.map(([a, l]) => `${a}~${l}`).join(',')}]`;
}

export function intervalSetContains(s: IntervalSet, x: number): boolean {
  return s.some(([a, l]) => x >= a && x < a + l);
}

/** interval_set::union_of. */
export function intervalSetUnion(a: IntervalSet, b: IntervalSet): IntervalSet {
  const all = [...a, ...b].map(([s, l]) => [s, s + l] as [number, number]).sort((x, y) => x[0] - y[0]);
  const out: IntervalSet = [];
  for (const [s, e] of all) {
    const last = out[out.length - 1];
    if (last && s <= last[0] + last[1]) last[1] = Math.max(last[0] + last[1], e) - last[0];
    else out.push([s, e - s]);
  }
  return out;
}

/** interval_set::subtract (b must be contained in a, as Ceph asserts). */
export function intervalSetSubtract(a: IntervalSet, b: IntervalSet): IntervalSet {
  let cur: [number, number][] = a.map(([s, l]) => [s, s + l]);
  for (const [bs, bl] of b) {
    const be = bs + bl;
    const next: [number, number][] = [];
    for (const [s, e] of cur) {
      if (be <= s || bs >= e) next.push([s, e]);
      else {
        if (s < bs) next.push([s, bs]);
        if (be < e) next.push([be, e]);
      }
    }
    cur = next;
  }
  return cur.map(([s, e]) => [s, e - s]);
}

/** interval_set::insert of a single value, merging with neighbours. */
export function intervalSetInsert(a: IntervalSet, x: number, len = 1): IntervalSet {
  return intervalSetUnion(a, [[x, len]]);
}
