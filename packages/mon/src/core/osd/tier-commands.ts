/**
 * `ceph osd tier add|rm|remove|set-overlay|rm-overlay|remove-overlay|cache-mode`
 * (OSDMonitor::prepare_command_impl, _check_become_tier, _check_remove_tier): the pg_pool_t fields
 * tiers, tier_of, read_tier, write_tier and cache_mode, with Ceph's checks and messages. Only the
 * OSDMap side is served: ts-osd does not act as a cache tier. There is no CephFS, so the checks
 * about pools in use by CephFS never apply.
 */
import { CacheMode, PgPoolT, PoolFlag, cacheModeName, isErasure } from '@ts-ceph/maps';
import { CommandHandler, CommandOutcome, fail, ok, proposeThen, retryAfter } from '../commands/types';
import { getBool, getStr, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';

export interface TierContext {
  osd: OSDMonitor;
  /** Objects the PG statistics count in a pool (a tier must be empty unless forced). */
  poolObjects(id: number): number;
  /** mon_debug_unsafe_allow_tier_with_nonempty_snaps */
  allowTierWithSnaps(): boolean;
}

/** pg_pool_t::get_cache_mode_from_str; -1 for an unknown name. */
function cacheModeFromString(s: string): number {
  for (const [, v] of Object.entries(CacheMode)) if (cacheModeName(v) === s) return v;
  return -1;
}

type CmdMap = Parameters<typeof reqStr>[0];
type PoolArg = { id: number; p: PgPoolT; str: string };

/** What every tier command uses: the pool lookups and the pending-epoch helpers. */
class TierOps {
  constructor(readonly ctx: TierContext) {}

  get osd(): OSDMonitor {
    return this.ctx.osd;
  }

  name(id: number): string {
    return this.osd.osdmap.poolName.get(id) ?? '';
  }

  /** A pool named by a command argument: its id and committed pg_pool_t, or the ENOENT reply. */
  pool(arg: string, cmdmap: CmdMap): PoolArg | CommandOutcome {
    const str = reqStr(cmdmap, arg);
    const id = this.osd.lookupPool(str);
    if (id < 0) return fail('ENOENT', `unrecognized pool '${str}'`);
    return { id, p: this.osd.osdmap.pools.get(id)!, str };
  }

  /** The pool as the pending epoch has it, without copying it into new_pools. */
  pendingView(id: number): PgPoolT {
    return this.osd.pending.newPools.get(id) ?? this.osd.osdmap.pools.get(id)!;
  }

  /** pg_pool_t::set_last_force_op_resend: clients resend their ops to the new target. */
  forceResend(p: PgPoolT): void {
    const e = this.osd.pending.epoch;
    p.lastForceOpResend = e;
    p.lastForceOpResendPrenautilus = e;
    p.lastForceOpResendPreluminous = e;
  }
}

const isOutcome = (x: object): x is CommandOutcome => 'reply' in x;

/** pg_pool_t::clear_tier (with clear_tier_tunables): the pool stands alone again. */
function clearTier(p: PgPoolT): void {
  p.tierOf = -1;
  p.readTier = -1;
  p.writeTier = -1;
  if (p.cacheMode !== CacheMode.NONE) p.flags |= PoolFlag.INCOMPLETE_CLONES;
  p.cacheMode = CacheMode.NONE;
  p.targetMaxBytes = 0n;
  p.targetMaxObjects = 0n;
  p.cacheTargetDirtyRatioMicro = 0;
  p.cacheTargetDirtyHighRatioMicro = 0;
  p.cacheTargetFullRatioMicro = 0;
  p.hitSetParams = { type: 0 };
  p.hitSetPeriod = 0;
  p.hitSetCount = 0;
  p.hitSetGradeDecayRate = 0;
  p.hitSetSearchLastN = 0;
}

/** _check_become_tier: undefined to go on, else the reply (an error, or 0 when already done). */
function checkBecomeTier(o: TierOps, tier: PoolArg, base: PoolArg): CommandOutcome | undefined {
  const { p, id: baseId } = base;
  const { p: tp, id: tierId } = tier;
  if (p.tiers.includes(tierId)) return ok('', `pool '${o.name(tierId)}' is now (or already was) a tier of '${o.name(baseId)}'`);
  if (p.tierOf >= 0) return fail('EINVAL', `pool '${o.name(baseId)}' is already a tier of '${o.name(p.tierOf)}', multiple tiers are not yet supported.`);
  if (tp.tiers.length) return fail('EINVAL', `pool '${o.name(tierId)}' has following tier(s) already:${tp.tiers.map((t) => `'${o.name(t)}',`).join('')} multiple tiers are not yet supported.`);
  if (tp.tierOf >= 0) return fail('EINVAL', `tier pool '${o.name(tierId)}' is already a tier of '${o.name(tp.tierOf)}'`);
  return undefined;
}

function tierAdd(o: TierOps, cmdmap: CmdMap): CommandOutcome {
  const base = o.pool('pool', cmdmap);
  if (isOutcome(base)) return base;
  const tier = o.pool('tierpool', cmdmap);
  if (isOutcome(tier)) return tier;
  const stop = checkBecomeTier(o, tier, base);
  if (stop) return stop;
  const force = getStr(cmdmap, 'force_nonempty', '') === '--force-nonempty';
  if (o.ctx.poolObjects(tier.id) !== 0 && !force) return fail('ENOTEMPTY', `tier pool '${tier.str}' is not empty; --force-nonempty to force`);
  if (isErasure(tier.p)) return fail('EOPNOTSUPP', `tier pool '${tier.str}' is an ec pool, which cannot be a tier`);
  if ((tier.p.removedSnaps.length || tier.p.snaps.length) && (!force || !o.ctx.allowTierWithSnaps())) {
    return fail('ENOTEMPTY', `tier pool '${tier.str}' has snapshot state; it cannot be added as a tier without breaking the pool`);
  }
  if (o.pendingView(base.id).tiers.includes(tier.id) || o.pendingView(tier.id).tierOf >= 0) return retryAfter([o.osd]);
  const np = o.osd.pendingPool(base.id);
  const ntp = o.osd.pendingPool(tier.id);
  np.tiers = [...np.tiers, tier.id].sort((a, b) => a - b);
  // The tier takes the base pool's snap state in this epoch (propagateBasePropertiesToTiers).
  np.snapEpoch = o.osd.pending.epoch;
  ntp.tierOf = base.id;
  return proposeThen([o.osd], 0, `pool '${tier.str}' is now (or already was) a tier of '${base.str}'`);
}

function tierRemove(o: TierOps, cmdmap: CmdMap): CommandOutcome {
  const base = o.pool('pool', cmdmap);
  if (isOutcome(base)) return base;
  const tier = o.pool('tierpool', cmdmap);
  if (isOutcome(tier)) return tier;
  const done = `pool '${tier.str}' is now (or already was) not a tier of '${base.str}'`;
  if (!base.p.tiers.includes(tier.id)) return ok('', done);
  if (tier.p.tierOf !== base.id) return fail('EINVAL', `tier pool '${tier.str}' is a tier of '${o.name(tier.p.tierOf)}': THIS SHOULD NOT HAVE HAPPENED AT ALL`);
  if (base.p.readTier === tier.id) return fail('EBUSY', `tier pool '${tier.str}' is the overlay for '${base.str}'; please remove-overlay first`);
  const pb = o.pendingView(base.id);
  if (!pb.tiers.includes(tier.id) || o.pendingView(tier.id).tierOf !== base.id || pb.readTier === tier.id) return retryAfter([o.osd]);
  const np = o.osd.pendingPool(base.id);
  np.tiers = np.tiers.filter((t) => t !== tier.id);
  clearTier(o.osd.pendingPool(tier.id));
  return proposeThen([o.osd], 0, done);
}

function setOverlay(o: TierOps, cmdmap: CmdMap): CommandOutcome {
  const base = o.pool('pool', cmdmap);
  if (isOutcome(base)) return base;
  const over = o.pool('overlaypool', cmdmap);
  if (isOutcome(over)) return over;
  if (!base.p.tiers.includes(over.id)) return fail('EINVAL', `tier pool '${over.str}' is not a tier of '${base.str}'`);
  const done = `overlay for '${base.str}' is now (or already was) '${over.str}'`;
  if (base.p.readTier === over.id) return ok('', done);
  if (base.p.readTier >= 0) return fail('EINVAL', `pool '${base.str}' has overlay '${o.name(base.p.readTier)}'; please remove-overlay first`);
  const np = o.osd.pendingPool(base.id);
  np.readTier = over.id;
  np.writeTier = over.id;
  o.forceResend(np);
  o.forceResend(o.osd.pendingPool(over.id));
  return proposeThen([o.osd], 0, done + (over.p.cacheMode === CacheMode.NONE ? ' (WARNING: overlay pool cache_mode is still NONE)' : ''));
}

function removeOverlay(o: TierOps, cmdmap: CmdMap): CommandOutcome {
  const base = o.pool('pool', cmdmap);
  if (isOutcome(base)) return base;
  const done = `there is now (or already was) no overlay for '${base.str}'`;
  if (base.p.readTier < 0) return ok('', done);
  const np = o.osd.pendingPool(base.id);
  if (np.readTier >= 0) o.forceResend(o.osd.pendingPool(np.readTier));
  if (np.writeTier >= 0) o.forceResend(o.osd.pendingPool(np.writeTier));
  np.readTier = -1;
  np.writeTier = -1;
  o.forceResend(np);
  return proposeThen([o.osd], 0, done);
}

export function tierCommands(ctx: TierContext): Record<string, CommandHandler> {
  const o = new TierOps(ctx);
  return {
    'osd tier add': (req) => tierAdd(o, req.cmdmap),
    'osd tier rm': (req) => tierRemove(o, req.cmdmap),
    'osd tier remove': (req) => tierRemove(o, req.cmdmap),
    'osd tier set-overlay': (req) => setOverlay(o, req.cmdmap),
    'osd tier rm-overlay': (req) => removeOverlay(o, req.cmdmap),
    'osd tier remove-overlay': (req) => removeOverlay(o, req.cmdmap),
    'osd tier cache-mode': (req) => cacheMode(o, req.cmdmap),
  };
}

function cacheMode(o: TierOps, cmdmap: CmdMap): CommandOutcome {
  const osd = o.osd;
  const t = o.pool('pool', cmdmap);
  if (isOutcome(t)) return t;
  if (t.p.tierOf < 0) return fail('EINVAL', `pool '${t.str}' is not a tier`);
  const modestr = reqStr(cmdmap, 'mode');
  const mode = cacheModeFromString(modestr);
  if (mode < 0) return fail('EINVAL', `'${modestr}' is not a valid cache mode`);
  if (mode === CacheMode.FORWARD || mode === CacheMode.READFORWARD) return fail('EPERM', `'${modestr}' is no longer a supported cache mode`);
  const wellSupported: number[] = [CacheMode.WRITEBACK, CacheMode.NONE, CacheMode.PROXY, CacheMode.READPROXY];
  if (!wellSupported.includes(mode) && !getBool(cmdmap, 'yes_i_really_mean_it')) {
    return fail('EPERM', `'${modestr}' is not a well-supported cache mode and may corrupt your data.  pass --yes-i-really-mean-it to force.`);
  }
  const done = `set cache-mode for pool '${t.str}' to ${cacheModeName(mode)}`;
  const pend = osd.pending.newPools.get(t.id);
  if (t.p.cacheMode === mode && (!pend || pend.cacheMode === t.p.cacheMode)) return ok('', done);
  if (t.p.cacheMode === CacheMode.WRITEBACK && mode !== CacheMode.PROXY && mode !== CacheMode.READPROXY) {
    return fail('EINVAL', `unable to set cache-mode '${cacheModeName(mode)}' on a '${cacheModeName(t.p.cacheMode)}' pool; only '${cacheModeName(CacheMode.PROXY)}','${cacheModeName(CacheMode.READPROXY)}' allowed.`);
  }
  // Ceph refuses to leave proxy/readproxy for a mode other than writeback/(read)proxy while the pool
  // has dirty objects; ts-osd serves no cache tiering, so no pool ever has dirty objects.
  const np = osd.pendingPool(t.id);
  np.cacheMode = mode;
  // Set when moving to and from NONE, to capture pools made before the flag existed.
  np.flags |= PoolFlag.INCOMPLETE_CLONES;
  let rs = done;
  if (mode === CacheMode.NONE) {
    const b = osd.osdmap.pools.get(np.tierOf);
    if (b && (b.readTier === t.id || b.writeTier === t.id)) rs += ' (WARNING: pool is still configured as read or write tier)';
  }
  return proposeThen([osd], 0, rs);
}
