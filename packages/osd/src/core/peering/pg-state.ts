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
