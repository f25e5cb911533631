import { Formatter } from '../format/formatter';
import { formatG } from '../format/number';
import { sortedByName, utimeLocal } from '../format/text';
import { formatIntervalSet } from './interval-set';
import { formatEversion, formatPg } from './pg';
import { CacheMode, PgAutoscaleMode, PgPoolT, PoolFlag, gradeTable } from './pool';
import { PoolOptValue, hitSetTypeName, poolOptsByName, HitSetParams } from './pool-parts';

/**
 * pg_pool_t::dump (what `ceph osd dump -f json` shows per pool) and operator<< (the `pool N 'name' ...`
 * line of `ceph osd dump`), field for field as src/osd/osd_types.cc writes them.
 */

const flagNames: Record<number, string> = {
  [PoolFlag.HASHPSPOOL]: 'hashpspool',
  [PoolFlag.FULL]: 'full',
  [PoolFlag.EC_OVERWRITES]: 'ec_overwrites',
  [PoolFlag.INCOMPLETE_CLONES]: 'incomplete_clones',
  [PoolFlag.NODELETE]: 'nodelete',
  [PoolFlag.NOPGCHANGE]: 'nopgchange',
  [PoolFlag.NOSIZECHANGE]: 'nosizechange',
  [PoolFlag.WRITE_FADVISE_DONTNEED]: 'write_fadvise_dontneed',
  [PoolFlag.NOSCRUB]: 'noscrub',
  [PoolFlag.NODEEP_SCRUB]: 'nodeep-scrub',
  [PoolFlag.FULL_QUOTA]: 'full_quota',
  [PoolFlag.NEARFULL]: 'nearfull',
  [PoolFlag.BACKFILLFULL]: 'backfillfull',
  [PoolFlag.SELFMANAGED_SNAPS]: 'selfmanaged_snaps',
  [PoolFlag.POOL_SNAPS]: 'pool_snaps',
  [PoolFlag.CREATING]: 'creating',
  [PoolFlag.EIO]: 'eio',
  [PoolFlag.BULK]: 'bulk',
};

/** pg_pool_t::get_flags_string. */
export function poolFlagsString(flags: number): string {
  const out: string[] = [];
  for (let n = 0; n < 53; n++) {
    const bit = 2 ** n;
    if (Math.floor(flags / bit) % 2 === 1) out.push(flagNames[bit] ?? '???');
  }
  return out.join(',');
}

export function poolFlagByName(name: string): number {
  for (const [bit, n] of Object.entries(flagNames)) if (n === name) return Number(bit);
  return 0;
}

export function poolTypeName(t: number): string {
  return t === 1 ? 'replicated' : t === 3 ? 'erasure' : '???';
}

export function cacheModeName(m: number): string {
  return ['none', 'writeback', 'forward', 'readonly', 'readforward', 'readproxy', 'proxy'][m] ?? 'unknown';
}

export function autoscaleModeName(m: number): string {
  return m === PgAutoscaleMode.OFF ? 'off' : m === PgAutoscaleMode.ON ? 'on' : m === PgAutoscaleMode.WARN ? 'warn' : '???';
}

/** ceph_str_hash_name. */
export function objectHashName(h: number): string {
  return h === 1 ? 'linux' : h === 2 ? 'rjenkins' : 'unknown';
}

function dumpOpt(f: Formatter, name: string, v: PoolOptValue): void {
  if (v.type === 0) f.dumpString(name, v.v);
  else if (v.type === 1) f.dumpInt(name, v.v);
  else f.dumpFloat(name, v.v);
}

function printOpt(v: PoolOptValue): string {
  return v.type === 0 ? v.v : v.type === 1 ? String(v.v) : formatG(v.v, 6);
}

export function dumpHitSetParams(f: Formatter, p: HitSetParams): void {
  f.dumpString('type', hitSetTypeName(p.type));
  if (p.type === 3) {
    f.dumpFloat('false_positive_probability', p.fppMicro / 1000000.0);
    f.dumpInt('target_size', BigInt.asIntN(64, p.targetSize));
    f.dumpInt('seed', BigInt.asIntN(64, p.seed));
  }
}

/** operator<< for HitSet::Params. */
export function printHitSetParams(p: HitSetParams): string {
  let s = hitSetTypeName(p.type);
  if (p.type !== 0) {
    s += '{';
    if (p.type === 3) s += `false_positive_probability: ${formatG(p.fppMicro / 1000000.0, 6)}, target_size: ${p.targetSize}, seed: ${p.seed}`;
  }
  return `${s}}`;
}

export function dumpPgPool(f: Formatter, p: PgPoolT): void {
  f.dumpStream('create_time', utimeLocal(p.createTime));
  f.dumpUnsigned('flags', p.flags);
  f.dumpString('flags_names', poolFlagsString(p.flags));
  f.dumpInt('type', p.type);
  f.dumpInt('size', p.size);
  f.dumpInt('min_size', p.minSize);
  f.dumpInt('crush_rule', p.crushRule);
  f.dumpInt('peering_crush_bucket_count', p.peeringCrushBucketCount);
  f.dumpInt('peering_crush_bucket_target', p.peeringCrushBucketTarget);
  f.dumpInt('peering_crush_bucket_barrier', p.peeringCrushBucketBarrier);
  f.dumpInt('peering_crush_bucket_mandatory_member', p.peeringCrushMandatoryMember);
  f.dumpInt('object_hash', p.objectHash);
  f.dumpString('pg_autoscale_mode', autoscaleModeName(p.pgAutoscaleMode));
  f.dumpUnsigned('pg_num', p.pgNum);
  f.dumpUnsigned('pg_placement_num', p.pgpNum);
  f.dumpUnsigned('pg_placement_num_target', p.pgpNumTarget);
  f.dumpUnsigned('pg_num_target', p.pgNumTarget);
  f.dumpUnsigned('pg_num_pending', p.pgNumPending);
  f.openObject('last_pg_merge_meta');
  const m = p.lastPgMergeMeta;
  f.dumpStream('source_pgid', formatPg(m.sourcePgid));
  f.dumpUnsigned('ready_epoch', m.readyEpoch);
  f.dumpUnsigned('last_epoch_started', m.lastEpochStarted);
  f.dumpUnsigned('last_epoch_clean', m.lastEpochClean);
  f.dumpStream('source_version', formatEversion(m.sourceVersion));
  f.dumpStream('target_version', formatEversion(m.targetVersion));
  f.close();
  f.dumpStream('last_change', String(p.lastChange));
  f.dumpStream('last_force_op_resend', String(p.lastForceOpResend));
  f.dumpStream('last_force_op_resend_prenautilus', String(p.lastForceOpResendPrenautilus));
  f.dumpStream('last_force_op_resend_preluminous', String(p.lastForceOpResendPreluminous));
  f.dumpUnsigned('auid', p.auid);
  f.dumpString('snap_mode', p.flags & PoolFlag.POOL_SNAPS ? 'pool' : 'selfmanaged');
  f.dumpUnsigned('snap_seq', p.snapSeq);
  f.dumpUnsigned('snap_epoch', p.snapEpoch);
  f.openArray('pool_snaps');
  for (const s of p.snaps) {
    f.openObject('pool_snap_info');
    f.dumpUnsigned('snapid', s.snapid);
    f.dumpStream('stamp', utimeLocal(s.stamp));
    f.dumpString('name', s.name);
    f.close();
  }
  f.close();
  f.dumpStream('removed_snaps', formatIntervalSet(p.removedSnaps));
  f.dumpUnsigned('quota_max_bytes', p.quotaMaxBytes);
  f.dumpUnsigned('quota_max_objects', p.quotaMaxObjects);
  f.openArray('tiers');
  for (const t of p.tiers) f.dumpUnsigned('pool_id', t);
  f.close();
  f.dumpInt('tier_of', p.tierOf);
  f.dumpInt('read_tier', p.readTier);
  f.dumpInt('write_tier', p.writeTier);
  f.dumpString('cache_mode', cacheModeName(p.cacheMode));
  f.dumpUnsigned('target_max_bytes', p.targetMaxBytes);
  f.dumpUnsigned('target_max_objects', p.targetMaxObjects);
  f.dumpUnsigned('cache_target_dirty_ratio_micro', p.cacheTargetDirtyRatioMicro);
  f.dumpUnsigned('cache_target_dirty_high_ratio_micro', p.cacheTargetDirtyHighRatioMicro);
  f.dumpUnsigned('cache_target_full_ratio_micro', p.cacheTargetFullRatioMicro);
  f.dumpUnsigned('cache_min_flush_age', p.cacheMinFlushAge);
  f.dumpUnsigned('cache_min_evict_age', p.cacheMinEvictAge);
  f.dumpString('erasure_code_profile', p.erasureCodeProfile);
  f.openObject('hit_set_params');
  dumpHitSetParams(f, p.hitSetParams);
  f.close();
  f.dumpUnsigned('hit_set_period', p.hitSetPeriod);
  f.dumpUnsigned('hit_set_count', p.hitSetCount);
  f.dumpBool('use_gmt_hitset', p.useGmtHitset);
  f.dumpUnsigned('min_read_recency_for_promote', p.minReadRecencyForPromote);
  f.dumpUnsigned('min_write_recency_for_promote', p.minWriteRecencyForPromote);
  f.dumpUnsigned('hit_set_grade_decay_rate', p.hitSetGradeDecayRate);
  f.dumpUnsigned('hit_set_search_last_n', p.hitSetSearchLastN);
  f.openArray('grade_table');
  for (const g of gradeTable(p)) f.dumpUnsigned('value', g);
  f.close();
  f.dumpUnsigned('stripe_width', p.stripeWidth);
  f.dumpUnsigned('expected_num_objects', p.expectedNumObjects);
  f.dumpBool('fast_read', p.fastRead);
  f.openObject('options');
  for (const { name, value } of poolOptsByName(p.opts)) dumpOpt(f, name, value);
  f.close();
  f.openObject('application_metadata');
  for (const [app, kv] of sortedByName(p.applicationMetadata)) {
    f.openObject(app);
    for (const [k, v] of sortedByName(kv)) f.dumpString(k, v);
    f.close();
  }
  f.close();
}

/** operator<<(ostream&, const pg_pool_t&). */
export function printPgPool(p: PgPoolT): string {
  let s = poolTypeName(p.type);
  if (p.type === 3) s += ` profile ${p.erasureCodeProfile}`;
  s += ` size ${p.size} min_size ${p.minSize} crush_rule ${p.crushRule} object_hash ${objectHashName(p.objectHash)}`;
  s += ` pg_num ${p.pgNum} pgp_num ${p.pgpNum}`;
  if (p.pgNumTarget !== p.pgNum) s += ` pg_num_target ${p.pgNumTarget}`;
  if (p.pgpNumTarget !== p.pgpNum) s += ` pgp_num_target ${p.pgpNumTarget}`;
  if (p.pgNumPending !== p.pgNum) s += ` pg_num_pending ${p.pgNumPending}`;
  if (p.pgAutoscaleMode !== PgAutoscaleMode.UNKNOWN) s += ` autoscale_mode ${autoscaleModeName(p.pgAutoscaleMode)}`;
  s += ` last_change ${p.lastChange}`;
  if (p.lastForceOpResend || p.lastForceOpResendPrenautilus || p.lastForceOpResendPreluminous) {
    s += ` lfor ${p.lastForceOpResend}/${p.lastForceOpResendPrenautilus}/${p.lastForceOpResendPreluminous}`;
  }
  if (p.auid) s += ` owner ${p.auid}`;
  if (p.flags) s += ` flags ${poolFlagsString(p.flags)}`;
  if (p.quotaMaxBytes) s += ` max_bytes ${p.quotaMaxBytes}`;
  if (p.quotaMaxObjects) s += ` max_objects ${p.quotaMaxObjects}`;
  if (p.tiers.length) s += ` tiers ${[...p.tiers].sort((a, b) => a - b).join(',')}`;
  if (p.tierOf >= 0) s += ` tier_of ${p.tierOf}`;
  if (p.readTier >= 0) s += ` read_tier ${p.readTier}`;
  if (p.writeTier >= 0) s += ` write_tier ${p.writeTier}`;
  if (p.cacheMode !== CacheMode.NONE) s += ` cache_mode ${cacheModeName(p.cacheMode)}`;
  if (p.targetMaxBytes) s += ` target_bytes ${p.targetMaxBytes}`;
  if (p.targetMaxObjects) s += ` target_objects ${p.targetMaxObjects}`;
  if (p.hitSetParams.type !== 0) {
    s += ` hit_set ${printHitSetParams(p.hitSetParams)} ${p.hitSetPeriod}s x${p.hitSetCount} decay_rate ${p.hitSetGradeDecayRate} search_last_n ${p.hitSetSearchLastN}`;
  }
  if (p.minReadRecencyForPromote) s += ` min_read_recency_for_promote ${p.minReadRecencyForPromote}`;
  if (p.minWriteRecencyForPromote) s += ` min_write_recency_for_promote ${p.minWriteRecencyForPromote}`;
  s += ` stripe_width ${p.stripeWidth}`;
  if (p.expectedNumObjects) s += ` expected_num_objects ${p.expectedNumObjects}`;
  if (p.fastRead) s += ` fast_read 1`;
  for (const { name, value } of poolOptsByName(p.opts)) s += ` ${name} ${printOpt(value)}`;
  if (p.applicationMetadata.size) s += ` application ${sortedByName(p.applicationMetadata).map(([k]) => k).join(',')}`;
  return s;
}
