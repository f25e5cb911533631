import { Reader, Writer } from '@ts-ceph/denc';
import { IntervalSet, decodeIntervalSet, decodePastIntervals, encodeIntervalSet, encodePastIntervals } from '@ts-ceph/maps';
import { StoreReader } from '../op-context';
import { PG } from '../pg';
import { PastInterval } from './past-intervals';

/**
 * The PG meta object's `_biginfo` key, as PG::prepare_info_keymap writes it: PastIntervals
 * (pi_compact_rep: only the intervals that may have gone read-write, with their acting sets)
 * followed by pg_info_t::purged_snaps. With it a restarted OSD resumes peering from
 * history.same_interval_since instead of replaying every map since the PG was created.
 */
export const BIGINFO_KEY = '_biginfo';

export function encodeBigInfo(past: readonly PastInterval[], purged: IntervalSet): Buffer {
  const rw = past.filter((i) => i.maybeWentRw);
  const shards = (osds: readonly number[]): { osd: number; shard: number }[] => [...new Set(osds)].sort((a, b) => a - b).map((osd) => ({ osd, shard: -1 }));
  const w = new Writer();
  encodePastIntervals(w, {
    compact: rw.length
      ? { first: rw[0]!.first, last: rw[rw.length - 1]!.last, allParticipants: shards(rw.flatMap((i) => i.acting)), intervals: rw.map((i) => ({ first: i.first, last: i.last, acting: shards(i.acting) })) }
      : undefined,
  });
  encodeIntervalSet(w, purged);
  return w.finish();
}

/** The read-write past intervals a PG persisted (none for a PG that never peered). */
export function decodeBigInfo(b: Uint8Array): PastInterval[] {
  const r = new Reader(b);
  const pi = decodePastIntervals(r);
  decodeIntervalSet(r, 'purged_snaps');
  r.expectEnd('_biginfo');
  return (pi.compact?.intervals ?? []).map((i) => ({ first: i.first, last: i.last, acting: i.acting.map((s) => s.osd), primary: -1, maybeWentRw: true }));
}

export async function loadPastIntervals(store: StoreReader, pg: PG): Promise<PastInterval[]> {
  const v = (await store.omapGetValues(pg.coll, pg.meta, [BIGINFO_KEY])).get(BIGINFO_KEY);
  return v ? decodeBigInfo(v) : [];
}
