/**
 * `ceph osd pool get <pool> <var|all>` (OSDMonitor::preprocess_command, osd_pool_get_choices): the
 * variables in Ceph's enum order, tier-only and erasure-only ones hidden, pool options only if set.
 */
import { PoolFlag, PoolType, PgPoolT, PgAutoscaleMode, crushOf, poolOptByName, hitSetTypeName, formatG } from '@ts-ceph/maps';
import { CommandOutcome, CommandRequest, fail, formatterFor, ok } from '../commands/types';
import { reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';

type Getter = (p: PgPoolT, osd: OSDMonitor) => { json: [string, unknown, 'int' | 'str' | 'bool' | 'float'][]; text: string };

const flagVar = (name: string, flag: number): Getter => (p) => ({ json: [[name, (p.flags & flag) !== 0, 'bool']], text: `${name}: ${(p.flags & flag) !== 0}` });
const intVar = (name: string, get: (p: PgPoolT) => number | bigint): Getter => (p) => ({ json: [[name, get(p), 'int']], text: `${name}: ${get(p)}` });

/** The order of osd_pool_get_choices; the second element marks tier-only (t) / erasure-only (e). */
const CHOICES: [string, '' | 't' | 'e' | 'opt', Getter?][] = [
  ['size', '', intVar('size', (p) => p.size)],
  ['min_size', '', intVar('min_size', (p) => p.minSize)],
  ['pg_num', '', intVar('pg_num', (p) => p.pgNum)],
  ['pgp_num', '', intVar('pgp_num', (p) => p.pgpNum)],
  [
    'crush_rule',
    '',
    (p, osd) => {
      const cw = crushOf(osd.osdmap);
      const v = cw.ruleExists(p.crushRule) ? cw.getRuleName(p.crushRule)! : String(p.crushRule);
      return { json: [['crush_rule', v, 'str']], text: `crush_rule: ${v}` };
    },
  ],
  ['hashpspool', '', flagVar('hashpspool', PoolFlag.HASHPSPOOL)],
  ['allow_ec_overwrites', 'e', flagVar('allow_ec_overwrites', PoolFlag.EC_OVERWRITES)],
  ['nodelete', '', flagVar('nodelete', PoolFlag.NODELETE)],
  ['nopgchange', '', flagVar('nopgchange', PoolFlag.NOPGCHANGE)],
  ['nosizechange', '', flagVar('nosizechange', PoolFlag.NOSIZECHANGE)],
  ['write_fadvise_dontneed', '', flagVar('write_fadvise_dontneed', PoolFlag.WRITE_FADVISE_DONTNEED)],
  ['noscrub', '', flagVar('noscrub', PoolFlag.NOSCRUB)],
  ['nodeep-scrub', '', flagVar('nodeep-scrub', PoolFlag.NODEEP_SCRUB)],
  ['hit_set_type', 't', (p) => ({ json: [['hit_set_type', hitSetTypeName(p.hitSetParams.type), 'str']], text: `hit_set_type: ${hitSetTypeName(p.hitSetParams.type)}` })],
  ['hit_set_period', 't', intVar('hit_set_period', (p) => p.hitSetPeriod)],
  ['hit_set_count', 't', intVar('hit_set_count', (p) => p.hitSetCount)],
  ['hit_set_fpp', 't'],
  ['use_gmt_hitset', '', (p) => ({ json: [['use_gmt_hitset', p.useGmtHitset, 'bool']], text: `use_gmt_hitset: ${p.useGmtHitset ? 1 : 0}` })],
  ['target_max_objects', 't', intVar('target_max_objects', (p) => p.targetMaxObjects)],
  ['target_max_bytes', 't', intVar('target_max_bytes', (p) => p.targetMaxBytes)],
  ['cache_target_dirty_ratio', 't', ratio('cache_target_dirty_ratio', (p) => p.cacheTargetDirtyRatioMicro)],
  ['cache_target_dirty_high_ratio', 't', ratio('cache_target_dirty_high_ratio', (p) => p.cacheTargetDirtyHighRatioMicro)],
  ['cache_target_full_ratio', 't', ratio('cache_target_full_ratio', (p) => p.cacheTargetFullRatioMicro)],
  ['cache_min_flush_age', 't', intVar('cache_min_flush_age', (p) => p.cacheMinFlushAge)],
  ['cache_min_evict_age', 't', intVar('cache_min_evict_age', (p) => p.cacheMinEvictAge)],
  ['erasure_code_profile', 'e', (p) => ({ json: [['erasure_code_profile', p.erasureCodeProfile, 'str']], text: `erasure_code_profile: ${p.erasureCodeProfile}` })],
  ['min_read_recency_for_promote', 't', intVar('min_read_recency_for_promote', (p) => p.minReadRecencyForPromote)],
  ['min_write_recency_for_promote', 't', intVar('min_write_recency_for_promote', (p) => p.minWriteRecencyForPromote)],
  ['fast_read', '', (p) => ({ json: [['fast_read', p.fastRead ? 1 : 0, 'int']], text: `fast_read: ${p.fastRead ? 1 : 0}` })],
  ['hit_set_grade_decay_rate', 't', intVar('hit_set_grade_decay_rate', (p) => p.hitSetGradeDecayRate)],
  ['hit_set_search_last_n', 't', intVar('hit_set_search_last_n', (p) => p.hitSetSearchLastN)],
  ['scrub_min_interval', 'opt'],
  ['scrub_max_interval', 'opt'],
  ['deep_scrub_interval', 'opt'],
  ['recovery_priority', 'opt'],
  ['recovery_op_priority', 'opt'],
  ['scrub_priority', 'opt'],
  ['compression_mode', 'opt'],
  ['compression_algorithm', 'opt'],
  ['compression_required_ratio', 'opt'],
  ['compression_max_blob_size', 'opt'],
  ['compression_min_blob_size', 'opt'],
  ['csum_type', 'opt'],
  ['csum_max_block', 'opt'],
  ['csum_min_block', 'opt'],
  ['fingerprint_algorithm', 'opt'],
  [
    'pg_autoscale_mode',
    '',
    (p) => {
      const m = p.pgAutoscaleMode === PgAutoscaleMode.ON ? 'on' : p.pgAutoscaleMode === PgAutoscaleMode.WARN ? 'warn' : 'off';
      return { json: [['pg_autoscale_mode', m, 'str']], text: `pg_autoscale_mode: ${m}` };
    },
  ],
  ['pg_num_min', 'opt'],
  ['target_size_bytes', 'opt'],
  ['target_size_ratio', 'opt'],
  ['pg_autoscale_bias', 'opt'],
  ['dedup_tier', 'opt'],
  ['dedup_chunk_algorithm', 'opt'],
  ['dedup_cdc_chunk_size', 'opt'],
  ['pg_num_max', 'opt'],
  ['bulk', '', flagVar('bulk', PoolFlag.BULK)],
];

function ratio(name: string, get: (p: PgPoolT) => number): Getter {
  return (p) => ({
    json: [
      [`${name}_micro`, get(p), 'int'],
      [name, Math.fround(get(p) / 1e6), 'float'],
    ],
    text: `${name}: ${formatG(Math.fround(get(p) / 1e6))}`,
  });
}

function optGetter(name: string): Getter | undefined {
  const d = poolOptByName(name);
  if (!d) return undefined;
  return (p) => {
    const v = p.opts.get(d.key);
    if (!v) return { json: [], text: '' };
    const text = v.type === 2 ? formatG(v.v) : String(v.v);
    return { json: [[name, v.v, v.type === 0 ? 'str' : v.type === 1 ? 'int' : 'float']], text: `${name}: ${text}` };
  };
}

export function poolGet(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const name = reqStr(req.cmdmap, 'pool');
  const id = osd.lookupPool(name);
  if (id < 0) return fail('ENOENT', `unrecognized pool '${name}'`);
  const p = osd.osdmap.pools.get(id)!;
  const v = reqStr(req.cmdmap, 'var');
  const isTier = p.tierOf >= 0;
  const isErasure = p.type === PoolType.ERASURE;
  let selected = CHOICES;
  if (v === 'all') {
    selected = CHOICES.filter(([, k]) => (isTier || k !== 't') && (isErasure || k !== 'e'));
  } else {
    const c = CHOICES.find(([n]) => n === v);
    if (!c) return fail('EINVAL', `unrecognized variable '${v}'`);
    if (!isTier && c[1] === 't') return fail('EACCES', `pool '${name}' is not a tier pool: variable not applicable`);
    if (!isErasure && c[1] === 'e') return fail('EACCES', `pool '${name}' is not a erasure pool: variable not applicable`);
    const d = poolOptByName(v);
    if (c[1] === 'opt' && d && !p.opts.has(d.key)) return fail('ENOENT', `option '${v}' is not set on pool '${name}'`);
    selected = [c];
  }
  const f = formatterFor(req);
  const lines: string[] = [];
  if (f) {
    f.openObject('pool');
    f.dumpString('pool', name);
    f.dumpInt('pool_id', id);
  }
  for (const [n, kind, g] of selected) {
    const get = kind === 'opt' ? optGetter(n) : g;
    if (!get) continue;
    const r = get(p, osd);
    if (f) {
      for (const [k, val, t] of r.json) {
        if (t === 'bool') f.dumpBool(k, val as boolean);
        else if (t === 'float') f.dumpFloat(k, val as number);
        else if (t === 'int') f.dumpInt(k, val as number);
        else f.dumpString(k, String(val));
      }
    } else if (r.text) lines.push(r.text);
  }
  if (f) {
    f.close();
    return ok(f.toString());
  }
  return ok(lines.map((l) => l + '\n').join(''));
}
