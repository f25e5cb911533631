import { UTime, Uuid, UUID_NIL, featureBit, featureMask } from '@ts-ceph/denc';
import { buildSimpleCrushMap, CEPH_PG_TYPE_REPLICATED } from '@ts-ceph/crush';
import { CephRelease, releaseFromName, releaseLt } from '../format/release';
import { CEPH_STR_HASH_RJENKINS, PgAutoscaleMode, PoolFlag, PoolType, newPgPool } from '../types/pool';
import { crushOf, setCrush } from './crush';
import { OSDMap, OsdMapFlag, newOSDMap, setMaxOsd } from './types';

/**
 * New maps, as Ceph makes them: OSDMap::build_simple[_with_pool] (osdmaptool --createsimple) and
 * OSDMonitor::create_initial (the first OSDMap of a new cluster).
 */

/** The ceph.conf options build_simple reads, with Ceph 16.2's defaults. */
export interface BuildSimpleConf {
  /** osd_pool_default_size */
  osdPoolDefaultSize: number;
  /** osd_pool_default_min_size (0: size - size/2) */
  osdPoolDefaultMinSize: number;
  /** osd_pool_default_flags */
  osdPoolDefaultFlags: number;
  osdPoolDefaultFlagHashpspool: boolean;
  osdPoolDefaultFlagNodelete: boolean;
  osdPoolDefaultFlagNopgchange: boolean;
  osdPoolDefaultFlagNosizechange: boolean;
  /** osd_pool_default_pg_autoscale_mode */
  osdPoolDefaultPgAutoscaleMode: string;
  /** osd_pool_default_crush_rule (-1: the first replicated rule) */
  osdPoolDefaultCrushRule: number;
  /** osd_crush_chooseleaf_type (1 = host) */
  osdCrushChooseleafType: number;
  /** osd_pool_default_erasure_code_profile */
  osdPoolDefaultErasureCodeProfile: string;
}

export const BUILD_SIMPLE_DEFAULTS: Readonly<BuildSimpleConf> = Object.freeze({
  osdPoolDefaultSize: 3,
  osdPoolDefaultMinSize: 0,
  osdPoolDefaultFlags: 0,
  osdPoolDefaultFlagHashpspool: true,
  osdPoolDefaultFlagNodelete: false,
  osdPoolDefaultFlagNopgchange: false,
  osdPoolDefaultFlagNosizechange: false,
  osdPoolDefaultPgAutoscaleMode: 'on',
  osdPoolDefaultCrushRule: -1,
  osdCrushChooseleafType: 1,
  osdPoolDefaultErasureCodeProfile: 'plugin=jerasure technique=reed_sol_van k=2 m=2',
});

export interface BuildSimpleOptions {
  epoch?: number;
  fsid?: Uuid;
  /** created = modified = now (Ceph reads the clock here; we take it as input). */
  now: UTime;
  /** Number of OSDs (all under host "localhost"); they start non-existent and out. */
  numOsd: number;
  /** Create the "rbd" pool with (max(numOsd,1) << pgBits) PGs. */
  defaultPool?: boolean;
  pgBits?: number;
  pgpBits?: number;
  conf?: Partial<BuildSimpleConf>;
}

/**
 * get_json_str_map's plain form: whitespace-separated "key=value" words (a bare word maps to ""),
 * sorted by key as the std::map is.
 */
export function parseStrMap(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const word of s.split(/[\s,;]+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq < 0) out.set(word, '');
    else out.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return new Map([...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** OSDMap::build_simple_optioned. */
export function buildSimple(o: BuildSimpleOptions): OSDMap {
  const conf = { ...BUILD_SIMPLE_DEFAULTS, ...o.conf };
  const m = newOSDMap();
  m.epoch = o.epoch ?? 0;
  m.fsid = o.fsid ?? UUID_NIL;
  m.created = { ...o.now };
  m.modified = { ...o.now };
  setMaxOsd(m, o.numOsd);
  setCrush(m, buildSimpleCrushMap(o.numOsd, { chooseleafType: conf.osdCrushChooseleafType, defaultRule: conf.osdPoolDefaultCrushRule }));
  const cw = crushOf(m);
  const poolbase = m.maxOsd ? m.maxOsd : 1;
  let rule = conf.osdPoolDefaultCrushRule;
  if (rule < 0) rule = cw.findFirstRuleset(CEPH_PG_TYPE_REPLICATED);
  else if (!cw.rulesetExists(rule)) rule = -1;
  if (o.defaultPool) {
    const pgBits = o.pgBits ?? 6;
    const pgpBits = Math.min(o.pgpBits ?? 6, pgBits);
    const id = ++m.poolMax;
    const p = newPgPool();
    p.type = PoolType.REPLICATED;
    p.flags = conf.osdPoolDefaultFlags;
    if (conf.osdPoolDefaultFlagHashpspool) p.flags |= PoolFlag.HASHPSPOOL;
    if (conf.osdPoolDefaultFlagNodelete) p.flags |= PoolFlag.NODELETE;
    if (conf.osdPoolDefaultFlagNopgchange) p.flags |= PoolFlag.NOPGCHANGE;
    if (conf.osdPoolDefaultFlagNosizechange) p.flags |= PoolFlag.NOSIZECHANGE;
    p.size = conf.osdPoolDefaultSize;
    p.minSize = conf.osdPoolDefaultMinSize ? Math.min(conf.osdPoolDefaultMinSize, p.size) : p.size - Math.floor(p.size / 2);
    p.crushRule = rule & 0xff;
    p.objectHash = CEPH_STR_HASH_RJENKINS;
    p.pgNum = p.pgNumPending = p.pgNumTarget = (poolbase << pgBits) >>> 0;
    p.pgpNum = p.pgpNumTarget = (poolbase << pgpBits) >>> 0;
    p.lastChange = m.epoch;
    p.applicationMetadata.set('rbd', new Map());
    const mode = conf.osdPoolDefaultPgAutoscaleMode;
    p.pgAutoscaleMode = mode === 'off' ? PgAutoscaleMode.OFF : mode === 'warn' ? PgAutoscaleMode.WARN : mode === 'on' ? PgAutoscaleMode.ON : PgAutoscaleMode.OFF;
    m.pools.set(id, p);
    m.poolName.set(id, 'rbd');
  }
  m.erasureCodeProfiles.set('default', parseStrMap(conf.osdPoolDefaultErasureCodeProfile));
  return m;
}

/** The monitor options create_initial reads, with 16.2 defaults. */
export interface CreateInitialConf {
  monOsdFullRatio: number;
  monOsdBackfillfullRatio: number;
  monOsdNearfullRatio: number;
  monOsdInitialRequireMinCompatClient: string;
}

export const CREATE_INITIAL_DEFAULTS: Readonly<CreateInitialConf> = Object.freeze({
  monOsdFullRatio: 0.95,
  monOsdBackfillfullRatio: 0.9,
  monOsdNearfullRatio: 0.85,
  monOsdInitialRequireMinCompatClient: 'luminous',
});

/**
 * OSDMonitor::create_initial: epoch 1, no OSDs, sortbitwise + recovery_deletes + purged_snapdirs +
 * pglog_hardlimit, the full ratios, require_osd_release pacific and the initial min compat client.
 */
export function createInitialOSDMap(o: { fsid: Uuid; now: UTime; conf?: Partial<CreateInitialConf>; buildConf?: Partial<BuildSimpleConf> }): OSDMap {
  const conf = { ...CREATE_INITIAL_DEFAULTS, ...o.conf };
  const m = buildSimple({ epoch: 0, fsid: o.fsid, now: o.now, numOsd: 0, conf: o.buildConf });
  m.epoch = 1;
  m.created = { ...o.now };
  m.modified = { ...o.now };
  m.flags = (m.flags | OsdMapFlag.SORTBITWISE | OsdMapFlag.RECOVERY_DELETES | OsdMapFlag.PURGED_SNAPDIRS | OsdMapFlag.PGLOG_HARDLIMIT) >>> 0;
  const ratio = (r: number) => Math.fround(r > 1.0 ? Math.fround(r) / 100 : r);
  m.fullRatio = ratio(conf.monOsdFullRatio);
  m.backfillfullRatio = ratio(conf.monOsdBackfillfullRatio);
  m.nearfullRatio = ratio(conf.monOsdNearfullRatio);
  m.requireOsdRelease = CephRelease.pacific;
  m.requireMinCompatClient = releaseFromName(conf.monOsdInitialRequireMinCompatClient);
  return m;
}

/**
 * OSDMap::get_encoding_features: the feature bits the canonical encoding of this map uses, trimmed
 * to what its require_osd_release lets every OSD decode.
 */
export function getEncodingFeatures(m: OSDMap): bigint {
  let f =
    featureBit('PGID64') |
    featureBit('PGPOOL3') |
    featureBit('OSDENC') |
    featureBit('OSDMAP_ENC') |
    featureBit('OSD_POOLRESEND') |
    featureBit('NEW_OSDOP_ENCODING') |
    featureBit('MSG_ADDR2') |
    featureBit('CRUSH_TUNABLES5') |
    featureMask('CRUSH_CHOOSE_ARGS') |
    featureMask('SERVER_LUMINOUS') |
    featureMask('SERVER_MIMIC') |
    featureMask('SERVER_NAUTILUS') |
    featureMask('SERVER_OCTOPUS');
  const r = m.requireOsdRelease;
  if (releaseLt(r, CephRelease.octopus)) f &= ~featureBit('SERVER_OCTOPUS');
  if (releaseLt(r, CephRelease.nautilus)) f &= ~featureBit('SERVER_NAUTILUS');
  if (releaseLt(r, CephRelease.mimic)) f &= ~featureBit('SERVER_MIMIC');
  if (releaseLt(r, CephRelease.luminous)) f &= ~(featureBit('SERVER_LUMINOUS') | featureBit('CRUSH_CHOOSE_ARGS'));
  if (releaseLt(r, CephRelease.kraken)) f &= ~(featureBit('SERVER_KRAKEN') | featureBit('MSG_ADDR2'));
  if (releaseLt(r, CephRelease.jewel)) f &= ~(featureBit('SERVER_JEWEL') | featureBit('NEW_OSDOP_ENCODING') | featureBit('CRUSH_TUNABLES5'));
  return f;
}


