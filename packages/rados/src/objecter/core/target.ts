/**
 * Op targeting, pure (src/osdc/Objecter.cc _calc_target and target_should_be_paused): where an op
 * goes under an OSDMap (pool, namespace, locator key or hash → raw pg through the pool's object hash
 * → pg → CRUSH up/acting → acting primary), and whether a new map means the op must be sent again.
 * Nothing here does I/O or reads a clock: the Objecter feeds maps in and carries out the answers.
 */
import { isErasure, mapToPg, OSDMap, OsdMapFlag, pgToUpActingOsds, PgT, PoolFlag, SpgT, cephStableMod, pgNumMask, UpActing } from '@ts-ceph/maps';
import { CephOsdFlag } from '@ts-ceph/messages';

/** What an op names: an object in a pool (with namespace and locator), or one PG (pg ops such as pgnls). */
export interface OpTarget {
  pool: number;
  oid: string;
  nspace: string;
  /** The locator key: placement hashes this instead of the name when set. */
  key: string;
  /** object_locator_t::hash: an explicit placement hash (s64, -1 when unset). */
  locHash: number;
  /** Pg ops: the pg seed to send to (Ceph's precalc_pgid); the object name is then empty. */
  pgSeed?: number;
  /** CEPH_OSD_FLAG_* of the op (READ, WRITE, FULL_TRY ...). */
  flags: number;
}

/** Where the op was last sent (op_target_t's computed half), and the map facts that decide resends. */
export interface TargetState {
  epoch: number;
  /** The raw pg: full-precision seed (the object's hash), or the pg for pg ops. */
  rawPg: PgT;
  /** The pg on the current pg_num, with the shard for erasure pools. */
  actualPgid: SpgT;
  /** The OSD to send to (the acting primary), -1 when there is none. */
  osd: number;
  up: number[];
  upPrimary: number;
  acting: number[];
  actingPrimary: number;
  size: number;
  minSize: number;
  pgNum: number;
  pgNumPending: number;
  sortBitwise: boolean;
  recoveryDeletes: boolean;
  /** Held back by the map (pauserd/pausewr, a full cluster or pool). */
  paused: boolean;
  /** pg_pool_t::last_force_op_resend we already answered. */
  lastForceResend: number;
}

/** RECALC_OP_TARGET_*: what a (new) map means for an op. */
export type RecalcResult = 'no_action' | 'need_resend' | 'pool_dne';

/**
 * CRUSH placement per PG, remembered for one OSDMap: every op to a PG of an unchanged map has the
 * same up and acting sets, and CRUSH is the costliest step of targeting an op. A new map (another
 * object: maps are never changed in place) starts it afresh, so it holds at most one entry per PG
 * of the current map. The sets it returns are shared: callers must not change them.
 */
export class PlacementCache {
  private map: OSDMap | undefined;
  private readonly byPg = new Map<number, Map<number, UpActing>>();

  upActing(m: OSDMap, pg: PgT): UpActing {
    if (m !== this.map) {
      this.map = m;
      this.byPg.clear();
    }
    let pool = this.byPg.get(pg.pool);
    if (!pool) this.byPg.set(pg.pool, (pool = new Map()));
    let ua = pool.get(pg.seed);
    if (!ua) pool.set(pg.seed, (ua = pgToUpActingOsds(m, pg)));
    return ua;
  }
}

/** The raw pg and the hash the MOSDOp carries for `t` (hobject hash, or the pg seed for pg ops). */
export function targetRawPg(m: OSDMap, t: OpTarget): PgT {
  if (t.pgSeed !== undefined) return { pool: t.pool, seed: t.pgSeed >>> 0 };
  if (t.locHash >= 0) return { pool: t.pool, seed: t.locHash >>> 0 };
  return mapToPg(m, t.pool, t.oid, t.key, t.nspace);
}

/**
 * Objecter::target_should_be_paused: reads wait out PAUSERD, writes PAUSEWR and (unless FULL_TRY or
 * FULL_FORCE) a full cluster or a full pool.
 */
export function targetShouldBePaused(m: OSDMap, t: OpTarget): boolean {
  const pool = m.pools.get(t.pool);
  const respectsFull = (t.flags & (CephOsdFlag.FULL_TRY | CephOsdFlag.FULL_FORCE)) === 0;
  const full = (m.flags & OsdMapFlag.FULL) !== 0 || (pool !== undefined && (pool.flags & (PoolFlag.FULL | PoolFlag.FULL_QUOTA)) !== 0);
  const pausewr = (m.flags & OsdMapFlag.PAUSEWR) !== 0 || (respectsFull && full);
  const pauserd = (m.flags & OsdMapFlag.PAUSERD) !== 0;
  return ((t.flags & CephOsdFlag.READ) !== 0 && pauserd) || ((t.flags & CephOsdFlag.WRITE) !== 0 && pausewr);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * PastIntervals::is_new_interval, for what a client can see: the acting or up set or primary, the
 * pool's size or min_size, pg_num (a split or merge) or the sort order changed.
 */
function isNewInterval(prev: TargetState, next: TargetState): boolean {
  return (
    prev.actingPrimary !== next.actingPrimary ||
    prev.upPrimary !== next.upPrimary ||
    !sameList(prev.acting, next.acting) ||
    !sameList(prev.up, next.up) ||
    prev.size !== next.size ||
    prev.minSize !== next.minSize ||
    prev.pgNum !== next.pgNum ||
    prev.pgNumPending !== next.pgNumPending ||
    prev.sortBitwise !== next.sortBitwise ||
    prev.recoveryDeletes !== next.recoveryDeletes
  );
}

/**
 * Objecter::_calc_target. With no previous state the op is new and must be sent. `anyChange`
 * (Ceph's any_change) also resends on any new interval of the PG, not only a new primary: the
 * Objecter passes it when scanning requests after a map change, so an op that raced the interval
 * change is not left waiting on an OSD that dropped it.
 */
export function calcTarget(m: OSDMap, t: OpTarget, prev: TargetState | undefined, anyChange = false, placement?: PlacementCache): { state: TargetState | undefined; result: RecalcResult } {
  const pool = m.pools.get(t.pool);
  if (!pool) return { state: undefined, result: 'pool_dne' };
  let forceResend = false;
  const lastForce = prev?.lastForceResend ?? 0;
  let nextForce = lastForce;
  if (m.epoch === pool.lastForceOpResend) {
    if (lastForce < pool.lastForceOpResend) {
      nextForce = pool.lastForceOpResend;
      forceResend = true;
    } else if (lastForce === 0) forceResend = true;
  }
  const rawPg = targetRawPg(m, t);
  const actualSeed = cephStableMod(rawPg.seed, pool.pgNum, pgNumMask(pool));
  const pg = { pool: t.pool, seed: actualSeed };
  const ua = placement ? placement.upActing(m, pg) : pgToUpActingOsds(m, pg);
  let shard = -1;
  if (isErasure(pool)) shard = Math.max(-1, ua.acting.indexOf(ua.actingPrimary));
  const state: TargetState = {
    epoch: m.epoch,
    rawPg,
    actualPgid: { pgid: { pool: t.pool, seed: actualSeed }, shard },
    osd: ua.actingPrimary,
    up: ua.up,
    upPrimary: ua.upPrimary,
    acting: ua.acting,
    actingPrimary: ua.actingPrimary,
    size: pool.size,
    minSize: pool.minSize,
    pgNum: pool.pgNum,
    pgNumPending: pool.pgNumPending,
    sortBitwise: (m.flags & OsdMapFlag.SORTBITWISE) !== 0,
    recoveryDeletes: (m.flags & OsdMapFlag.RECOVERY_DELETES) !== 0,
    paused: targetShouldBePaused(m, t),
    lastForceResend: nextForce,
  };
  if (!prev) return { state, result: 'need_resend' };
  if (anyChange && isNewInterval(prev, state)) forceResend = true;
  const unpaused = prev.paused && !state.paused;
  const legacyChange = prev.rawPg.seed !== rawPg.seed || prev.actingPrimary !== state.actingPrimary || (anyChange && !sameList(prev.acting, state.acting));
  // With RESEND_ON_SPLIT (every luminous+ OSD) a split or merge of the op's PG resends it; a change
  // of pg_num is when that can happen, and resending one op too many costs only a duplicate the
  // OSD recognises by its reqid.
  const splitOrMerge = prev.pgNum !== state.pgNum;
  if (legacyChange || unpaused || forceResend || splitOrMerge) return { state, result: 'need_resend' };
  // Nothing that matters moved: keep where it was sent, with the new epoch and pause state.
  return { state: { ...prev, epoch: m.epoch, paused: state.paused, lastForceResend: nextForce }, result: 'no_action' };
}
