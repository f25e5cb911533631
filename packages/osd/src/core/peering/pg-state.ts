import type { PeeringPG } from './peering-pg';

/**
 * PG states as Ceph names them (PG_STATE_* in src/osd/osd_types.h): a bit set the peering core
 * keeps per PG and the mgr work reports. Bits above 31 are bigints' territory in C++; we keep the
 * whole set as a bigint so every bit has Ceph's value.
 */
export const PG_STATE = {
  CREATING: 1n << 0n,
  ACTIVE: 1n << 1n,
  CLEAN: 1n << 2n,
  DOWN: 1n << 4n,
  RECOVERY_UNFOUND: 1n << 5n,
  BACKFILL_UNFOUND: 1n << 6n,
  PREMERGE: 1n << 7n,
  SCRUBBING: 1n << 8n,
  DEGRADED: 1n << 10n,
  INCONSISTENT: 1n << 11n,
  PEERING: 1n << 12n,
  REPAIR: 1n << 13n,
  RECOVERING: 1n << 14n,
  BACKFILL_WAIT: 1n << 15n,
  INCOMPLETE: 1n << 16n,
  STALE: 1n << 17n,
  REMAPPED: 1n << 18n,
  DEEP_SCRUB: 1n << 19n,
  BACKFILLING: 1n << 20n,
  BACKFILL_TOOFULL: 1n << 21n,
  RECOVERY_WAIT: 1n << 22n,
  UNDERSIZED: 1n << 23n,
  ACTIVATING: 1n << 24n,
  PEERED: 1n << 25n,
  SNAPTRIM: 1n << 26n,
  SNAPTRIM_WAIT: 1n << 27n,
  RECOVERY_TOOFULL: 1n << 28n,
  SNAPTRIM_ERROR: 1n << 29n,
  FORCED_RECOVERY: 1n << 30n,
  FORCED_BACKFILL: 1n << 31n,
  FAILED_REPAIR: 1n << 32n,
  LAGGY: 1n << 33n,
  WAIT: 1n << 34n,
} as const;

/** The order pg_state_string (src/osd/osd_types.cc) prints the names in. */
const order: [bigint, string][] = [
  [PG_STATE.STALE, 'stale'],
  [PG_STATE.CREATING, 'creating'],
  [PG_STATE.ACTIVE, 'active'],
  [PG_STATE.ACTIVATING, 'activating'],
  [PG_STATE.CLEAN, 'clean'],
  [PG_STATE.RECOVERY_WAIT, 'recovery_wait'],
  [PG_STATE.RECOVERY_TOOFULL, 'recovery_toofull'],
  [PG_STATE.RECOVERING, 'recovering'],
  [PG_STATE.FORCED_RECOVERY, 'forced_recovery'],
  [PG_STATE.DOWN, 'down'],
  [PG_STATE.RECOVERY_UNFOUND, 'recovery_unfound'],
  [PG_STATE.BACKFILL_UNFOUND, 'backfill_unfound'],
  [PG_STATE.UNDERSIZED, 'undersized'],
  [PG_STATE.DEGRADED, 'degraded'],
  [PG_STATE.REMAPPED, 'remapped'],
  [PG_STATE.PREMERGE, 'premerge'],
  [PG_STATE.SCRUBBING, 'scrubbing'],
  [PG_STATE.DEEP_SCRUB, 'deep'],
  [PG_STATE.INCONSISTENT, 'inconsistent'],
  [PG_STATE.PEERING, 'peering'],
  [PG_STATE.REPAIR, 'repair'],
  [PG_STATE.BACKFILL_WAIT, 'backfill_wait'],
  [PG_STATE.BACKFILLING, 'backfilling'],
  [PG_STATE.FORCED_BACKFILL, 'forced_backfill'],
  [PG_STATE.BACKFILL_TOOFULL, 'backfill_toofull'],
  [PG_STATE.INCOMPLETE, 'incomplete'],
  [PG_STATE.PEERED, 'peered'],
  [PG_STATE.SNAPTRIM, 'snaptrim'],
  [PG_STATE.SNAPTRIM_WAIT, 'snaptrim_wait'],
  [PG_STATE.SNAPTRIM_ERROR, 'snaptrim_error'],
  [PG_STATE.FAILED_REPAIR, 'failed_repair'],
  [PG_STATE.LAGGY, 'laggy'],
  [PG_STATE.WAIT, 'wait'],
];

/** pg_state_string: the set names joined by '+', or "unknown" for an empty set. */
export function pgStateString(state: bigint): string {
  const names = order.filter(([bit]) => (state & bit) !== 0n).map(([, n]) => n);
  return names.length ? names.join('+') : 'unknown';
}

/**
 * PeeringState's state bits, for pg_state_string and the mgr's PG stats: Down and Incomplete
 * replace peering (as their state constructors clear PG_STATE_PEERING); undersized is set from
 * activation on; degraded means some object copy is missing (an estimate without the object
 * count: acting short of size while the PG has written anything, or a missing set). The bit the
 * mgr gets follows the reported num_objects_degraded (calc-stats.ts, set in pg-stats-report.ts).
 */
export function peeringStateBits(pg: PeeringPG): bigint {
  const m = pg.mapping;
  if (!m) return 0n;
  const p = pg.phase;
  let s = 0n;
  if (m.acting.length !== m.up.length || m.acting.some((o, i) => o !== m.up[i])) s |= PG_STATE.REMAPPED;
  if (p === 'down') return s | PG_STATE.DOWN;
  if (p === 'incomplete') return s | PG_STATE.INCOMPLETE;
  if (p !== 'activating' && p !== 'active' && p !== 'replica_active') return s | PG_STATE.PEERING;
  if (m.acting.length < m.size) s |= PG_STATE.UNDERSIZED;
  if (p === 'activating') return s | PG_STATE.ACTIVATING;
  s |= pg.rep.peeredOnly ? PG_STATE.PEERED : PG_STATE.ACTIVE;
  const missing = pg.ownMissing.size + [...pg.peerMissing.values()].reduce((n, x) => n + x.size, 0);
  // What backfill targets outside the acting set (a pg_temp's up members) lack is misplaced, not degraded.
  const actingMissing = pg.ownMissing.size + [...pg.peerMissing].reduce((n, [o, x]) => n + (m.acting.includes(o) ? x.size : 0), 0);
  const degraded = actingMissing > 0 || (m.acting.length < m.size && pg.pg.info.lastUpdate.version > 0n);
  if (degraded) s |= PG_STATE.DEGRADED;
  const backfill = pg.pg.info.incomplete || [...pg.rep.backfillTargets].some((o) => (pg.peerMissing.get(o)?.size ?? 0) > 0);
  if (pg.rep.recovering.size > 0) s |= backfill ? PG_STATE.BACKFILLING : PG_STATE.RECOVERING;
  else if (missing > 0) s |= pg.rep.unfound.size ? PG_STATE.RECOVERY_UNFOUND : PG_STATE.RECOVERY_WAIT;
  if (missing === 0 && m.acting.length >= m.size && !pg.rep.peeredOnly) s |= PG_STATE.CLEAN;
  return s;
}
