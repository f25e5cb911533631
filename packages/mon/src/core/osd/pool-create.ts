/**
 * Pool creation (OSDMonitor::prepare_new_pool, prepare_pool_size, prepare_pool_crush_rule,
 * check_pg_num): validate, then add the new pg_pool_t and its name to the pending incremental.
 */
import { CephError, Errno, cephError, strerror } from '@ts-ceph/common/core';
import { CEPH_PG_TYPE_REPLICATED } from '@ts-ceph/crush';
import { PgPoolT, PoolType, PoolFlag, PgAutoscaleMode, newPgPool, crushOf, CEPH_STR_HASH_RJENKINS, poolOptByName, osdCounts } from '@ts-ceph/maps';
import { OSDMonitor } from './osd-monitor';
import { crushRuleCreateErasure, erasurePoolShape } from './ec-profile-commands';

export interface NewPoolRequest {
  name: string;
  pgNum: number;
  pgpNum: number;
  pgNumMin: number;
  pgNumMax: number;
  size: number;
  ruleName: string;
  type: number;
  /** The erasure pool's profile name ("" for replicated pools). */
  erasureCodeProfile?: string;
  expectedNumObjects: number;
  autoscaleMode: string;
  bulk: boolean;
  targetSizeBytes: number;
  targetSizeRatio: number;
  now: number;
}

function rangeError(msg: string): CephError {
  return cephError('ERANGE', msg);
}

/** osd_pool_default_min_size for a given size (0 means size - size/2). */
export function defaultMinSize(osd: OSDMonitor, size: number): number {
  const conf = Number(osd.conf.get('osd_pool_default_min_size'));
  return conf ? Math.min(conf, size) : size - Math.floor(size / 2);
}

/** check_pg_num: refuse a pool (or pg_num change) that would exceed mon_max_pg_per_osd. */
export function checkPgNum(osd: OSDMonitor, pool: number, pgNum: number, size: number): void {
  const maxPerOsd = Number(osd.conf.get('mon_max_pg_per_osd'));
  const numOsds = Math.max(osdCounts(osd.osdmap).in, 3);
  const max = maxPerOsd * numOsds;
  let projected = pool < 0 ? pgNum * size : 0;
  for (const [id, p] of osd.osdmap.pools) projected += id === pool ? pgNum * size : p.pgNumTarget * p.size;
  if (projected > max) {
    throw rangeError(`${pool >= 0 ? `pool id ${pool}` : ''} pg_num ${pgNum} size ${size} would mean ${projected} total pgs, which exceeds max ${max} (mon_max_pg_per_osd ${maxPerOsd} * num_in_osds ${numOsds})`);
  }
}

/** prepare_pool_crush_rule for replicated pools: the named rule, or osd_pool_default_crush_rule / the first replicated rule. */
function poolCrushRule(osd: OSDMonitor, ruleName: string): number {
  const cw = crushOf(osd.osdmap);
  if (ruleName) {
    const id = cw.getRuleId(ruleName);
    if (id < 0) {
      if (osd.hasPendingCrush() && osd.pendingCrush().getRuleId(ruleName) >= 0) throw cephError('EAGAIN', `rule ${ruleName} is being created`);
      throw cephError('ENOENT', `specified rule ${ruleName} doesn't exist`);
    }
    return id;
  }
  let rule = Number(osd.conf.get('osd_pool_default_crush_rule'));
  if (rule < 0) rule = cw.findFirstRuleset(CEPH_PG_TYPE_REPLICATED);
  else if (!cw.rulesetExists(rule)) rule = -1;
  if (rule < 0) throw cephError('ENOENT', "No suitable CRUSH rule exists, check 'osd pool default crush *' config options");
  return rule;
}

/** CrushWrapper::check_crush_rule: a rule with this ruleset and type whose size range fits. */
export function checkCrushRule(osd: OSDMonitor, ruleset: number, type: number, size: number): void {
  for (const r of crushOf(osd.osdmap).rules) {
    if (!r || r.ruleset !== ruleset || r.type !== type) continue;
    if (size < r.minSize) throw cephError('EINVAL', 'pool size is smaller than the crush rule min size');
    if (size > r.maxSize) throw cephError('EINVAL', 'pool size is bigger than the crush rule max size');
    return;
  }
  // check_crush_rule says nothing; the reply's status is then cpp_strerror(-EINVAL).
  throw cephError('EINVAL', `(22) ${strerror(Errno.EINVAL)}`);
}

/** prepare_new_pool: returns the new pool id (or the pending one of the same name). */
export function prepareNewPool(osd: OSDMonitor, q: NewPoolRequest): number {
  if (!q.name) throw cephError('EINVAL', 'pool name is empty');
  let pgNum = q.pgNum || Number(osd.conf.get('osd_pool_default_pg_num'));
  let pgpNum = q.pgpNum || Number(osd.conf.get('osd_pool_default_pgp_num'));
  if (!pgpNum) pgpNum = pgNum;
  const maxPg = Number(osd.conf.get('mon_max_pool_pg_num'));
  if (pgNum > maxPg) throw rangeError(`'pg_num' must be greater than 0 and less than or equal to ${maxPg} (you may adjust 'mon max pool pg num' for higher values)`);
  if (pgpNum > pgNum) throw rangeError(`'pgp_num' must be greater than 0 and lower or equal than 'pg_num', which in this case is ${pgNum}`);
  const erasure = q.type === PoolType.ERASURE;
  const profile = q.erasureCodeProfile ?? '';
  let rule: number;
  if (erasure) {
    // prepare_pool_crush_rule: a rule made now must be committed before the pool (EAGAIN: retry).
    const r = crushRuleCreateErasure(osd, q.ruleName, profile);
    if (r.state !== 'exists') throw cephError('EAGAIN', '');
    rule = r.ruleset;
  } else rule = poolCrushRule(osd, q.ruleName);
  const shape = erasure ? erasurePoolShape(osd, profile) : undefined;
  const size = shape ? shape.size : q.size || Number(osd.conf.get('osd_pool_default_size'));
  const minSize = shape ? shape.minSize : defaultMinSize(osd, size);
  checkPgNum(osd, -1, pgNum, size);
  checkCrushRule(osd, rule, q.type, size);
  for (const [id, n] of osd.pending.newPoolNames) if (n === q.name && !osd.osdmap.poolName.has(id)) return id;

  if (osd.pending.newPoolMax === -1) osd.pending.newPoolMax = osd.osdmap.poolMax;
  const id = ++osd.pending.newPoolMax;
  const p: PgPoolT = newPgPool();
  p.createTime = osd.stamp(q.now);
  p.type = q.type;
  p.fastRead = erasure && osd.conf.get('osd_pool_default_ec_fast_read') === 'true';
  p.flags = Number(osd.conf.get('osd_pool_default_flags'));
  if (osd.conf.get('osd_pool_default_flag_hashpspool') === 'true') p.flags |= PoolFlag.HASHPSPOOL;
  if (osd.conf.get('osd_pool_default_flag_nodelete') === 'true') p.flags |= PoolFlag.NODELETE;
  if (osd.conf.get('osd_pool_default_flag_nopgchange') === 'true') p.flags |= PoolFlag.NOPGCHANGE;
  if (osd.conf.get('osd_pool_default_flag_nosizechange') === 'true') p.flags |= PoolFlag.NOSIZECHANGE;
  if (q.bulk) p.flags |= PoolFlag.BULK;
  p.flags |= PoolFlag.CREATING;
  p.flags >>>= 0;
  p.useGmtHitset = osd.conf.get('osd_pool_use_gmt_hitset') === 'true';
  p.size = size;
  p.minSize = minSize;
  p.crushRule = rule;
  p.expectedNumObjects = BigInt(q.expectedNumObjects);
  p.objectHash = CEPH_STR_HASH_RJENKINS;
  p.pgAutoscaleMode = autoscaleModeByName(osd.conf.get('osd_pool_default_pg_autoscale_mode'));
  if (p.pgAutoscaleMode === PgAutoscaleMode.UNKNOWN) p.pgAutoscaleMode = PgAutoscaleMode.OFF;
  const maxInitial = Number(osd.conf.get('mon_osd_max_initial_pgs'));
  p.pgNum = maxInitial > 0 ? Math.min(pgNum, Math.max(1, maxInitial)) : pgNum;
  p.pgNumPending = p.pgNum;
  p.pgNumTarget = pgNum;
  p.pgpNum = p.pgNum;
  p.pgpNumTarget = pgpNum;
  if (q.pgNumMin) setIntOpt(p, 'pg_num_min', q.pgNumMin);
  if (q.pgNumMax) setIntOpt(p, 'pg_num_max', q.pgNumMax);
  const m = autoscaleModeByName(q.autoscaleMode);
  if (m !== PgAutoscaleMode.UNKNOWN) p.pgAutoscaleMode = m;
  p.lastChange = osd.pending.epoch;
  p.auid = 0n;
  p.erasureCodeProfile = erasure ? profile : '';
  p.stripeWidth = shape?.stripeWidth ?? 0;
  if (q.targetSizeBytes) setIntOpt(p, 'target_size_bytes', q.targetSizeBytes);
  if (q.targetSizeRatio > 0) p.opts.set(poolOptByName('target_size_ratio')!.key, { type: 2, v: q.targetSizeRatio });
  p.cacheTargetDirtyRatioMicro = Math.trunc(Number(osd.conf.get('osd_pool_default_cache_target_dirty_ratio')) * 1e6);
  p.cacheTargetDirtyHighRatioMicro = Math.trunc(Number(osd.conf.get('osd_pool_default_cache_target_dirty_high_ratio')) * 1e6);
  p.cacheTargetFullRatioMicro = Math.trunc(Number(osd.conf.get('osd_pool_default_cache_target_full_ratio')) * 1e6);
  p.cacheMinFlushAge = Number(osd.conf.get('osd_pool_default_cache_min_flush_age'));
  p.cacheMinEvictAge = Number(osd.conf.get('osd_pool_default_cache_min_evict_age'));
  osd.pending.newPools.set(id, p);
  osd.pending.newPoolNames.set(id, q.name);
  return id;
}

function setIntOpt(p: PgPoolT, name: string, v: number): void {
  p.opts.set(poolOptByName(name)!.key, { type: 1, v });
}

export function autoscaleModeByName(s: string): number {
  return s === 'off' ? PgAutoscaleMode.OFF : s === 'warn' ? PgAutoscaleMode.WARN : s === 'on' ? PgAutoscaleMode.ON : PgAutoscaleMode.UNKNOWN;
}
