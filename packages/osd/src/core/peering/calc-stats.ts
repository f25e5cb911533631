import { PG_STATE } from './pg-state';
import type { MissingSet } from './log-merge';
import type { PeeringPG } from './peering-pg';

/**
 * A PG's object copy counts for its pg_stat_t as the primary works them out
 * (PeeringState::update_calc_stats, src/osd/PeeringState.cc, replicated pools only): how many
 * copies the pool wants (num_object_copies), how many of them are missing (degraded), how many sit
 * on an OSD that is not in the up set (misplaced), and what the primary lacks itself. Pure: the
 * caller gathers the counts from the peering core (calcStatsInputOf) and the object count.
 */

/** pg_shard_t::NO_OSD: the stand-in for the copies no OSD of the up set holds. */
const NO_OSD = 0x7fffffff;

/** One peer of peer_info (the primary left out). */
export interface CalcPeer {
  osd: number;
  /** peer_missing's num_missing; undefined when the primary has no missing set from it yet. */
  missing?: number;
  /** The peer's pg_info_t stats num_objects (backfill targets: what it holds so far). */
  numObjects: number;
}

export interface CalcStatsInput {
  /** The pool's size (OSDMap::get_pg_size), 1..10. */
  size: number;
  /** The up and acting sets, OSD ids (CRUSH_ITEM_NONE holes dropped by the caller or here). */
  up: readonly number[];
  acting: readonly number[];
  /** pg_whoami: the primary computing this. */
  primary: number;
  /** The PG's object count (pg_stat_t::stats.sum.num_objects), >= 0. */
  numObjects: number;
  /** The PG's PG_STATE_* bits (pg-state.ts): the gate and the recovering branch read them. */
  state: bigint;
  /** The primary's own missing set size (pg_log.get_missing().num_missing()). */
  primaryMissing: number;
  peers: readonly CalcPeer[];
  backfillTargets: ReadonlySet<number>;
  /**
   * missing_loc.get_missing_by_count() while recovering: for each object some copy lacks and some
   * copy has, how many copies in the up set (`up`) and outside it (`other`) hold it. Objects no copy
   * holds (unfound, deletes) are not in it.
   */
  missingLocs: readonly { up: number; other: number }[];
  /** Objects no reachable copy has (get_num_unfound). */
  unfound: number;
}

export interface CalcStats {
  /** num_object_copies: num_objects times max(size, |up|, |acting|). */
  copies: number;
  degraded: number;
  misplaced: number;
  missingOnPrimary: number;
  unfound: number;
  /** A peer's missing count was guessed from object counts during recovery (Ceph's "(est)"). */
  estimate: boolean;
}

const valid = (o: number): boolean => o >= 0 && o !== NO_OSD;
/** flat_set<pair<int64_t, pg_shard_t>> order: by count, then by OSD. */
const bySlot = (a: [number, number], b: [number, number]): number => a[0] - b[0] || a[1] - b[1];

export function updateCalcStats(i: CalcStatsInput): CalcStats {
  const upset = new Set(i.up.filter(valid));
  const actingset = new Set(i.acting.filter(valid));
  // An up set larger than the pool's size (transient) is the target; an undersized acting set may be larger with OSDs out.
  const target = Math.max(i.size, upset.size);
  const nrep = Math.max(actingset.size, upset.size);
  const numObjects = Math.max(0, i.numObjects);
  const out: CalcStats = { copies: numObjects * Math.max(target, nrep), degraded: 0, misplaced: 0, missingOnPrimary: 0, unfound: 0, estimate: false };
  const s = i.state;
  const has = (bit: bigint): boolean => (s & bit) !== 0n;
  const notClean = has(PG_STATE.REMAPPED) || has(PG_STATE.UNDERSIZED) || !has(PG_STATE.CLEAN);
  if (!notClean || !(has(PG_STATE.ACTIVE) || has(PG_STATE.PEERED) || has(PG_STATE.ACTIVATING))) return out;
  const recovering = has(PG_STATE.RECOVERING);

  // Copies missing from up members (missing_target_objects) and from acting members outside up (acting_source_objects).
  const targets: [number, number][] = [];
  const sources: [number, number][] = [];
  (upset.has(i.primary) ? targets : sources).push([i.primaryMissing, i.primary]);
  out.missingOnPrimary = i.primaryMissing;
  for (const p of i.peers) {
    if (p.osd === i.primary) continue;
    const peerObjects = Math.max(0, p.numObjects);
    let missing: number;
    // Backfill targets track num_objects accurately, every other peer its missing set.
    if (i.backfillTargets.has(p.osd)) missing = Math.max(0, numObjects - peerObjects);
    else if (p.missing !== undefined) missing = p.missing;
    else {
      if (recovering) out.estimate = true;
      missing = Math.max(0, numObjects - peerObjects);
    }
    if (upset.has(p.osd)) targets.push([missing, p.osd]);
    else if (actingset.has(p.osd)) sources.push([missing, p.osd]);
  }

  if (recovering) {
    for (const l of i.missingLocs) {
      const missingShards = upset.size - l.up;
      const misplaced = Math.min(missingShards, l.other);
      out.misplaced += misplaced;
      out.degraded += missingShards - misplaced;
    }
    // The copies the up set is short of the pool's size.
    out.degraded += numObjects * (target - upset.size);
  } else {
    const needed = target - targets.length;
    if (needed > 0) targets.push([numObjects * needed, NO_OSD]);
    targets.sort(bySlot);
    sources.sort(bySlot);
    // The most-missing target first, paired with the most complete acting source left.
    for (let t = targets.length - 1; t >= 0; t--) {
      const m = targets[t]![0];
      const extra = sources.length ? sources.shift()![0] : -1;
      if (extra >= 0 && m >= extra) {
        // Which of the target's missing objects the source lacks too is not known: those are degraded.
        out.misplaced += m - extra;
        out.degraded += extra;
      } else out.degraded += m;
    }
    // Acting members outside up that no target was paired with hold misplaced copies.
    for (const [m] of sources) out.misplaced += Math.max(0, numObjects - m);
  }
  out.unfound = i.unfound;
  return out;
}

/** Objects a missing set says the copy lacks (a pending delete is an object it has one too many of). */
const lacking = (m: MissingSet | undefined): number => {
  let n = 0;
  for (const x of m?.values() ?? []) if (!x.gone) n++;
  return n;
};

/**
 * The primary's peering state as update_calc_stats reads it. A backfill target's missing set here
 * lists every object it lacks, so its object count (Ceph's peer_info stats, which backfill moves
 * up) is the PG's less those. missing_loc is worked out from the missing sets: an object's
 * locations are the copies (primary and activated, complete peers) not missing it.
 */
export function calcStatsInputOf(p: PeeringPG, numObjects: number, state: bigint): CalcStatsInput | undefined {
  const m = p.mapping;
  if (!m || !p.isPrimary) return undefined;
  const bt = p.rep.backfillTargets;
  const peers: CalcPeer[] = p.replicas.map((osd) => {
    const miss = p.peerMissing.get(osd);
    return bt.has(osd) ? { osd, numObjects: Math.max(0, numObjects - lacking(miss)) } : { osd, missing: miss?.size, numObjects };
  });
  const missingLocs: { up: number; other: number }[] = [];
  if (state & PG_STATE.RECOVERING) {
    const sets = new Map<number, MissingSet>([[p.whoami, p.ownMissing]]);
    for (const [osd, miss] of p.peerMissing) if (p.replicas.includes(osd) && !(bt.has(osd) && miss.size > 0)) sets.set(osd, miss);
    const items = new Map([...sets.values()].flatMap((s) => [...s]));
    for (const [k, item] of items) {
      if (item.gone) continue;
      const loc = { up: 0, other: 0 };
      for (const [osd, miss] of sets) if (!miss.has(k)) loc[m.up.includes(osd) ? 'up' : 'other']++;
      if (loc.up + loc.other) missingLocs.push(loc);
    }
  }
  return { size: m.size, up: m.up, acting: m.acting, primary: p.whoami, numObjects, state, primaryMissing: p.ownMissing.size, peers, backfillTargets: bt, missingLocs, unfound: p.rep.unfound.size };
}
