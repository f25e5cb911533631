/**
 * `ceph osd pool set <pool> <var> <val>` (OSDMonitor::prepare_command_pool_set): the variables a
 * replicated pool uses, with Ceph's parsing and messages. Returns the reply text, or undefined for
 * a no-op (nothing to propose).
 */
import { cephError } from '@ts-ceph/common/core';
import { PoolFlag, PoolType, PgAutoscaleMode, crushOf, poolOptByName, CacheMode, PoolOptsT, PgPoolT, clonePgPool } from '@ts-ceph/maps';
import { CommandRequest } from '../commands/types';
import { getBool, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import { erasureDataChunks } from './ec-profile-commands';
import { autoscaleModeByName, checkCrushRule, checkPgNum, defaultMinSize } from './pool-create';

const FLAG_VARS: Record<string, number> = {
  hashpspool: PoolFlag.HASHPSPOOL,
  nodelete: PoolFlag.NODELETE,
  nopgchange: PoolFlag.NOPGCHANGE,
  nosizechange: PoolFlag.NOSIZECHANGE,
  write_fadvise_dontneed: PoolFlag.WRITE_FADVISE_DONTNEED,
  noscrub: PoolFlag.NOSCRUB,
  'nodeep-scrub': PoolFlag.NODEEP_SCRUB,
  bulk: PoolFlag.BULK,
};

const TIER_ONLY = new Set([
  'hit_set_type', 'hit_set_period', 'hit_set_count', 'hit_set_fpp', 'target_max_objects', 'target_max_bytes', 'cache_target_full_ratio',
  'cache_target_dirty_ratio', 'cache_target_dirty_high_ratio', 'use_gmt_hitset', 'cache_min_flush_age', 'cache_min_evict_age',
  'hit_set_grade_decay_rate', 'hit_set_search_last_n', 'min_read_recency_for_promote', 'min_write_recency_for_promote',
]);

function strtoll(s: string): { n: number; err: string } {
  if (!/^\s*[+-]?\d+$/.test(s)) return { n: 0, err: `Expected option value to be integer, got '${s}'` };
  return { n: Number(s), err: '' };
}

function strtod(s: string): { f: number; err: string } {
  if (!/^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.test(s)) return { f: 0, err: `strict_strtod: expected double, got: '${s}'` };
  if (!/^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(s)) return { f: 0, err: `strict_strtod: garbage at end of string. got: '${s}'` };
  return { f: Number(s), err: '' };
}

export function poolSet(osd: OSDMonitor, req: CommandRequest): string | undefined {
  const m = req.cmdmap;
  const poolStr = reqStr(m, 'pool');
  const id = osd.lookupPool(poolStr);
  if (id < 0) throw cephError('ENOENT', `unrecognized pool '${poolStr}'`);
  const base = osd.pending.newPools.get(id) ?? osd.osdmap.pools.get(id)!;
  if (base.tierOf < 0 && TIER_ONLY.has(reqStr(m, 'var'))) throw cephError('EACCES', '');
  // Ceph edits a copy and stores it in the pending map only on success; a refused value must not
  // leave the pool (with a new last_change) in new_pools for the next proposal to carry.
  const before = osd.pending.newPools.get(id);
  const saved = before && clonePgPool(before);
  const p = osd.pendingPool(id);
  const restore = () => {
    if (saved) osd.pending.newPools.set(id, saved);
    else osd.pending.newPools.delete(id);
  };
  let rs: string | undefined;
  try {
    rs = setVar(osd, req, id, p);
  } catch (e) {
    restore();
    throw e;
  }
  if (rs === undefined) restore();
  return rs;
}

/** One variable on the pool copy `p`; the reply text, or undefined when nothing changes. */
function setVar(osd: OSDMonitor, req: CommandRequest, id: number, p: PgPoolT): string | undefined {
  const m = req.cmdmap;
  const v = reqStr(m, 'var');
  const val = reqStr(m, 'val');
  const { n, err: interr } = strtoll(val);
  const { f, err: floaterr } = strtod(val);
  const intErr = () => cephError('EINVAL', `error parsing integer value '${val}': ${interr}`);
  const force = getBool(m, 'yes_i_really_mean_it');
  const maxPg = Number(osd.conf.get('mon_max_pool_pg_num'));
  if (v === 'size') {
    if (p.flags & PoolFlag.NOSIZECHANGE) throw cephError('EPERM', 'pool size change is disabled; you must unset nosizechange flag for the pool first');
    if (p.type === PoolType.ERASURE) throw cephError('EOPNOTSUPP', 'can not change the size of an erasure-coded pool');
    if (interr) throw intErr();
    if (n <= 0 || n > 10) throw cephError('EINVAL', 'pool size must be between 1 and 10');
    if (n === 1) {
      if (osd.conf.get('mon_allow_pool_size_one') !== 'true') throw cephError('EPERM', 'configuring pool size as 1 is disabled by default.');
      if (!force) throw cephError('EPERM', 'WARNING: setting pool size 1 could lead to data loss without recovery. If you are *ABSOLUTELY CERTAIN* that is what you want, pass the flag --yes-i-really-mean-it.');
    }
    checkCrushRule(osd, p.crushRule, p.type, n);
    checkPgNum(osd, id, p.pgNum, n);
    p.size = n;
    p.minSize = defaultMinSize(osd, n);
  } else if (v === 'min_size') {
    if (p.flags & PoolFlag.NOSIZECHANGE) throw cephError('EPERM', 'pool min size change is disabled; you must unset nosizechange flag for the pool first');
    if (interr) throw intErr();
    const low = p.type === PoolType.ERASURE ? erasureDataChunks(osd, p.erasureCodeProfile) : 1;
    if (n < low || n > p.size) throw cephError('EINVAL', `pool min_size must be between ${low} and size, which is set to ${p.size}`);
    p.minSize = n;
  } else if (v === 'pg_num') {
    if (p.flags & PoolFlag.NOPGCHANGE) throw cephError('EPERM', 'pool pg_num change is disabled; you must unset nopgchange flag for the pool first');
    if (interr) throw intErr();
    if (n === p.pgNumTarget) return undefined;
    if (n <= 0 || n > maxPg) throw cephError('ERANGE', `'pg_num' must be greater than 0 and less than or equal to ${maxPg} (you may adjust 'mon max pool pg num' for higher values)`);
    if (n > p.pgNumTarget) {
      checkPgNum(osd, id, n, p.size);
      if (p.cacheMode !== CacheMode.NONE && !force) {
        throw cephError('EPERM', 'splits in cache pools must be followed by scrubs and leave sufficient free space to avoid overfilling.  use --yes-i-really-mean-it to force.');
      }
    }
    // Targets only; the adjustment of pg_num itself is the mgr's job (here: the mon's pg tick).
    if (p.pgNumTarget === p.pgpNumTarget) p.pgpNumTarget = n;
    p.pgNumTarget = n;
  } else if (v === 'pgp_num') {
    if (p.flags & PoolFlag.NOPGCHANGE) throw cephError('EPERM', 'pool pgp_num change is disabled; you must unset nopgchange flag for the pool first');
    if (interr) throw intErr();
    if (n <= 0) throw cephError('EINVAL', `specified pgp_num must > 0, but you set to ${n}`);
    if (n > p.pgNumTarget) throw cephError('EINVAL', `specified pgp_num ${n} > pg_num ${p.pgNumTarget}`);
    p.pgpNumTarget = n;
  } else if (v === 'pg_autoscale_mode') {
    const mode = autoscaleModeByName(val);
    if (mode === PgAutoscaleMode.UNKNOWN) throw cephError('EINVAL', `specified invalid mode ${val}`);
    p.pgAutoscaleMode = mode;
  } else if (v === 'crush_rule') {
    const rule = crushOf(osd.osdmap).getRuleId(val);
    if (rule < 0) throw cephError('ENOENT', `crush rule ${val} does not exist`);
    checkCrushRule(osd, rule, p.type, p.size);
    p.crushRule = rule;
  } else if (v in FLAG_VARS) {
    const flag = FLAG_VARS[v]!;
    if (flag === PoolFlag.HASHPSPOOL && !force) {
      throw cephError('EPERM', 'are you SURE?  this will remap all placement groups in this pool, this triggers large data movement, pass --yes-i-really-mean-it if you really do.');
    }
    if (val === 'true' || (!interr && n === 1)) p.flags = (p.flags | flag) >>> 0;
    else if (val === 'false' || (!interr && n === 0)) p.flags = (p.flags & ~flag) >>> 0;
    else throw cephError('EINVAL', "expecting value 'true', 'false', '0', or '1'");
  } else if (v === 'fast_read') {
    if (p.type === PoolType.REPLICATED) throw cephError('EINVAL', 'fast read is not supported in replication pool');
    if (val === 'true' || (!interr && n === 1)) p.fastRead = true;
    else if (val === 'false' || (!interr && n === 0)) p.fastRead = false;
    else throw cephError('EINVAL', "expecting value 'true', 'false', '0', or '1'");
  } else if (v === 'allow_ec_overwrites') {
    // Ceph also requires every OSD of the pool to be BlueStore (for scrub); ts-osd's store has
    // the same checksummed overwrite support, so ts-mon does not check.
    if (p.type !== PoolType.ERASURE) throw cephError('EINVAL', 'ec overwrites can only be enabled for an erasure coded pool');
    if (val === 'true' || (!interr && n === 1)) p.flags = (p.flags | PoolFlag.EC_OVERWRITES) >>> 0;
    else if (val === 'false' || (!interr && n === 0)) throw cephError('EINVAL', 'ec overwrites cannot be disabled once enabled');
    else throw cephError('EINVAL', "expecting value 'true', 'false', '0', or '1'");
  } else if (poolOptByName(v)) {
    setPoolOpt(p.opts, v, val, n, interr, f, floaterr, p.pgNumTarget);
  } else {
    throw cephError('EINVAL', `unrecognized variable '${v}'`);
  }
  return val !== 'unset' ? `set pool ${id} ${v} to ${val}` : `unset pool ${id} ${v}`;
}

function setPoolOpt(opts: PoolOptsT, name: string, val: string, n: number, interr: string, f: number, floaterr: string, pgNumTarget: number): void {
  const d = poolOptByName(name)!;
  const unset = val === 'unset';
  if (name === 'pg_num_min' && !interr && n > pgNumTarget) throw cephError('EINVAL', `specified pg_num_min ${n} > pg_num ${pgNumTarget}`);
  if (name === 'compression_mode' && !unset && !['none', 'passive', 'aggressive', 'force'].includes(val)) throw cephError('EINVAL', `unrecognized compression mode '${val}'`);
  if (name === 'compression_algorithm' && !unset && !['none', 'snappy', 'zlib', 'zstd', 'lz4'].includes(val)) throw cephError('EINVAL', `unrecognized compression_algorithm '${val}'`);
  if (d.type === 0) {
    if (unset) opts.delete(d.key);
    else opts.set(d.key, { type: 0, v: val });
  } else if (d.type === 1) {
    if (interr) throw cephError('EINVAL', `error parsing integer value '${val}': ${interr}`);
    if (n === 0) opts.delete(d.key);
    else opts.set(d.key, { type: 1, v: n });
  } else {
    if (floaterr) throw cephError('EINVAL', `error parsing floating point value '${val}': ${floaterr}`);
    if (f === 0) opts.delete(d.key);
    else opts.set(d.key, { type: 2, v: f });
  }
}
