/**
 * PG_STATE_* bits and pg_state_string (src/osd/osd_types.h/.cc): the names `ceph -s`, `pg stat` and
 * `pg dump` print, joined with "+" in Ceph's fixed order.
 */
export const PgState = {
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

/** The order pg_state_string prints the bits in. */
const ORDER: [bigint, string][] = [
  [PgState.STALE, 'stale'],
  [PgState.CREATING, 'creating'],
  [PgState.ACTIVE, 'active'],
  [PgState.ACTIVATING, 'activating'],
  [PgState.CLEAN, 'clean'],
  [PgState.RECOVERY_WAIT, 'recovery_wait'],
  [PgState.RECOVERY_TOOFULL, 'recovery_toofull'],
  [PgState.RECOVERING, 'recovering'],
  [PgState.FORCED_RECOVERY, 'forced_recovery'],
  [PgState.DOWN, 'down'],
  [PgState.RECOVERY_UNFOUND, 'recovery_unfound'],
  [PgState.BACKFILL_UNFOUND, 'backfill_unfound'],
  [PgState.UNDERSIZED, 'undersized'],
  [PgState.DEGRADED, 'degraded'],
  [PgState.REMAPPED, 'remapped'],
  [PgState.PREMERGE, 'premerge'],
  [PgState.SCRUBBING, 'scrubbing'],
  [PgState.DEEP_SCRUB, 'deep'],
  [PgState.INCONSISTENT, 'inconsistent'],
  [PgState.PEERING, 'peering'],
  [PgState.REPAIR, 'repair'],
  [PgState.BACKFILL_WAIT, 'backfill_wait'],
  [PgState.BACKFILLING, 'backfilling'],
  [PgState.FORCED_BACKFILL, 'forced_backfill'],
  [PgState.BACKFILL_TOOFULL, 'backfill_toofull'],
  [PgState.INCOMPLETE, 'incomplete'],
  [PgState.PEERED, 'peered'],
  [PgState.SNAPTRIM, 'snaptrim'],
  [PgState.SNAPTRIM_WAIT, 'snaptrim_wait'],
  [PgState.SNAPTRIM_ERROR, 'snaptrim_error'],
  [PgState.FAILED_REPAIR, 'failed_repair'],
  [PgState.LAGGY, 'laggy'],
  [PgState.WAIT, 'wait'],
];

/** pg_state_string: "active+clean"; "unknown" for no bits. */
export function pgStateString(state: bigint): string {
  const names = ORDER.filter(([bit]) => state & bit).map(([, n]) => n);
  return names.length ? names.join('+') : 'unknown';
}

/** pg_string_state: the bit of one state name (for `pg ls <states>`), or undefined. */
export function pgStateBit(name: string): bigint | undefined {
  return ORDER.find(([, n]) => n === name)?.[0];
}
