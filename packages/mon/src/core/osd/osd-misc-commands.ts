/**
 * More `ceph osd ...` commands (OSDMonitor::preprocess_command / prepare_command_impl): pause and
 * unpause, the full/backfillfull/nearfull ratios, require_min_compat_client, pool snapshots by
 * name (mksnap/rmsnap), erasure-code profiles (read side), `osd map`, primary affinity, and the
 * CRUSH tree and weight-set listings.
 */

import {
  OsdMapFlag,
  PoolFlag,
  CephRelease,
  applyIncremental,
  crushOf,
  exists,
  mapObject,
  minCompatClient,
  osdMapFlagString,
  releaseFromName,
  releaseName,
  RELEASE_UNSET,
  CEPH_OSD_MAX_PRIMARY_AFFINITY,
  formatG,
  dumpCrushTree,
  printCrushTree,
} from '@ts-ceph/maps';
import { CommandHandler, fail, formatterFor, ok, proposeThen, reply } from '../commands/types';
import { getFloat, getInt, getStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';

/** pg_t's text form: pool.seed in hex. */
const pgText = (p: { pool: number; seed: number }) => `${p.pool}.${(p.seed >>> 0).toString(16)}`;

export function osdMiscCommands(osd: OSDMonitor): Record<string, CommandHandler> {
  const pauseFlags = OsdMapFlag.PAUSERD | OsdMapFlag.PAUSEWR;

  /** prepare_set_flag / prepare_unset_flag: always a new epoch, even when nothing changes. */
  const setFlags = (set: boolean) => () => {
    const p = osd.pending;
    if (p.newFlags < 0) p.newFlags = osd.osdmap.flags;
    p.newFlags = (set ? p.newFlags | pauseFlags : p.newFlags & ~pauseFlags) >>> 0;
    return proposeThen([osd], 0, `${osdMapFlagString(pauseFlags)} is ${set ? 'set' : 'unset'}`);
  };

  const ratio: CommandHandler = (req) => {
    const n = getFloat(req.cmdmap, 'ratio');
    if (n === undefined) return fail('EINVAL', `unable to parse 'ratio' value '${req.cmdmap.get('ratio') ?? ''}'`);
    if (req.prefix === 'osd set-full-ratio') osd.pending.newFullRatio = n;
    else if (req.prefix === 'osd set-backfillfull-ratio') osd.pending.newBackfillfullRatio = n;
    else osd.pending.newNearfullRatio = n;
    return proposeThen([osd], 0, `${req.prefix} ${formatG(n)}`);
  };

  const poolFor = (poolstr: string) => {
    const id = osd.lookupPool(poolstr);
    return id < 0 ? undefined : { id, pool: osd.osdmap.pools.get(id)! };
  };

  return {
    'osd pause': setFlags(true),
    'osd unpause': setFlags(false),
    'osd set-full-ratio': ratio,
    'osd set-backfillfull-ratio': ratio,
    'osd set-nearfull-ratio': ratio,
    'osd set-require-min-compat-client': (req) => {
      const v = getStr(req.cmdmap, 'version', '');
      const vno = releaseFromName(v);
      if (vno === RELEASE_UNSET || vno === 0) return fail('EINVAL', `version ${v} is not recognized`);
      const next = applyIncremental(osd.osdmap, osd.pending);
      next.requireMinCompatClient = vno;
      const mvno = minCompatClient(next);
      if (vno < mvno) return fail('EPERM', `osdmap current utilizes features that require ${releaseName(mvno)}; cannot set require_min_compat_client below that to ${releaseName(vno)}`);
      // Ceph also refuses when connected clients look older than `v` (unless
      // --yes-i-really-mean-it); ts-mon's sessions are all of this release's clients.
      osd.pending.newRequireMinCompatClient = vno;
      return proposeThen([osd], 0, `set require_min_compat_client to ${releaseName(vno)}`);
    },
    'osd pool mksnap': (req) => {
      const poolstr = getStr(req.cmdmap, 'pool', '');
      const snap = getStr(req.cmdmap, 'snap', '');
      const found = poolFor(poolstr);
      if (!found) return fail('ENOENT', `unrecognized pool '${poolstr}'`);
      const cur = osd.pending.newPools.get(found.id) ?? found.pool;
      if (cur.flags & PoolFlag.SELFMANAGED_SNAPS) return fail('EINVAL', `pool ${poolstr} is in unmanaged snaps mode`);
      if (cur.snaps.some((s) => s.name === snap)) return reply(0, `pool ${poolstr} snap ${snap} already exists`);
      if (cur.tierOf >= 0) return fail('EINVAL', `pool ${poolstr} is a cache tier`);
      // pg_pool_t::add_snap
      const p = osd.pendingPool(found.id);
      p.flags = (p.flags | PoolFlag.POOL_SNAPS) >>> 0;
      p.snapSeq += 1;
      p.snaps.push({ snapid: p.snapSeq, stamp: osd.stamp(req.now), name: snap });
      p.snapEpoch = osd.pending.epoch;
      return proposeThen([osd], 0, `created pool ${poolstr} snap ${snap}`);
    },
    'osd pool rmsnap': (req) => {
      const poolstr = getStr(req.cmdmap, 'pool', '');
      const snap = getStr(req.cmdmap, 'snap', '');
      const found = poolFor(poolstr);
      if (!found) return fail('ENOENT', `unrecognized pool '${poolstr}'`);
      if (found.pool.flags & PoolFlag.SELFMANAGED_SNAPS) return fail('EINVAL', `pool ${poolstr} is in unmanaged snaps mode`);
      if (!found.pool.snaps.some((s) => s.name === snap)) return reply(0, `pool ${poolstr} snap ${snap} does not exist`);
      const p = osd.pendingPool(found.id);
      const s = p.snaps.find((x) => x.name === snap);
      if (!s) return proposeThen([osd], 0, `already removed pool ${poolstr} snap ${snap}`);
      // pg_pool_t::remove_snap
      p.snaps = p.snaps.filter((x) => x.snapid !== s.snapid);
      p.snapSeq += 1;
      p.snapEpoch = osd.pending.epoch;
      return proposeThen([osd], 0, `removed pool ${poolstr} snap ${snap}`);
    },
    'osd erasure-code-profile ls': (req) => {
      const f = formatterFor(req);
      const names = [...osd.osdmap.erasureCodeProfiles.keys()].sort();
      if (!f) return ok(names.map((n) => `${n}\n`).join(''));
      f.openArray('erasure-code-profiles');
      for (const n of names) f.dumpString('profile', n);
      f.close();
      return ok(`${f.toString()}\n`);
    },
    'osd erasure-code-profile get': (req) => {
      const name = getStr(req.cmdmap, 'name', '');
      const profile = osd.osdmap.erasureCodeProfiles.get(name);
      if (!profile) return fail('ENOENT', `unknown erasure code profile '${name}'`);
      const keys = [...profile.keys()].sort();
      const f = formatterFor(req);
      if (!f) return ok(keys.map((k) => `${k}=${profile.get(k)}\n`).join(''));
      f.openObject('profile');
      for (const k of keys) f.dumpString(k, profile.get(k)!);
      f.close();
      return ok(`${f.toString()}\n`);
    },
    'osd map': (req) => {
      const poolstr = getStr(req.cmdmap, 'pool', '');
      const objstr = getStr(req.cmdmap, 'object', '');
      const nspace = getStr(req.cmdmap, 'nspace', '');
      const m = osd.osdmap;
      const pool = osd.lookupPool(poolstr);
      if (pool < 0) return fail('ENOENT', `pool ${poolstr} does not exist`);
      const r = mapObject(m, objstr, { pool, key: '', nspace, hash: -1 });
      const full = nspace ? `${nspace}/${objstr}` : objstr;
      const f = formatterFor(req);
      if (f) {
        f.openObject('osd_map');
        f.dumpUnsigned('epoch', m.epoch);
        f.dumpString('pool', poolstr);
        f.dumpInt('pool_id', pool);
        f.dumpString('objname', full);
        f.dumpString('raw_pgid', pgText(r.rawPg));
        f.dumpString('pgid', pgText(r.pgid));
        f.openArray('up');
        for (const o of r.up) f.dumpInt('osd', o);
        f.close();
        f.dumpInt('up_primary', r.upPrimary);
        f.openArray('acting');
        for (const o of r.acting) f.dumpInt('osd', o);
        f.close();
        f.dumpInt('acting_primary', r.actingPrimary);
        f.close();
        return ok(f.toString());
      }
      const vec = (v: number[]) => `[${v.map((o) => (o === 0x7fffffff ? 'NONE' : String(o))).join(',')}]`;
      return ok(
        `osdmap e${m.epoch} pool '${poolstr}' (${pool}) object '${full}' -> pg ${pgText(r.rawPg)} (${pgText(r.pgid)}) -> up (${vec(r.up)}, p${r.upPrimary}) acting (${vec(r.acting)}, p${r.actingPrimary})`,
      );
    },
    'osd primary-affinity': (req) => {
      const id = getInt(req.cmdmap, 'id');
      if (id === undefined) return fail('EINVAL', `invalid osd id value '${req.cmdmap.get('id') ?? ''}'`);
      const w = getFloat(req.cmdmap, 'weight');
      if (w === undefined) return fail('EINVAL', `unable to parse 'weight' value '${req.cmdmap.get('weight') ?? ''}'`);
      const ww = Math.trunc(CEPH_OSD_MAX_PRIMARY_AFFINITY * w);
      if (ww < 0) return fail('EINVAL', 'weight must be >= 0');
      const rmc = osd.osdmap.requireMinCompatClient;
      if (rmc !== RELEASE_UNSET && rmc !== 0 && rmc < CephRelease.firefly) return fail('EPERM', `require_min_compat_client ${releaseName(rmc)} < firefly, which is required for primary-affinity`);
      if (!exists(osd.osdmap, id)) return fail('ENOENT', `osd.${id} does not exist`);
      osd.pending.newPrimaryAffinity.set(id, ww);
      // Ceph streams std::ios::hex and std::ios::dec as the integers 8 and 2 around the value.
      return proposeThen([osd], 0, `set osd.${id} primary-affinity to ${formatG(w)} (8${ww}2)`);
    },
    'osd crush tree': (req) => {
      const shadow = getStr(req.cmdmap, 'shadow') === '--show-shadow';
      const cw = crushOf(osd.osdmap);
      const f = formatterFor(req);
      if (!f) return ok(printCrushTree(cw, shadow));
      f.openObject('crush_tree');
      dumpCrushTree(f, cw, shadow, osd.osdmap.poolName);
      f.close();
      return ok(f.toString());
    },
    'osd crush weight-set ls': (req) => {
      // ts-mon's maps carry no choose_args (weight sets) unless a set crush map brought some.
      const cw = crushOf(osd.osdmap);
      const names: string[] = [];
      for (const id of [...cw.chooseArgs.keys()].sort((a, b) => a - b)) {
        if (id === -1) names.unshift('(compat)');
        else if (id >= 0) names.push(osd.osdmap.poolName.get(id) ?? String(id));
      }
      const f = formatterFor(req);
      if (!f) return ok(names.map((n) => `${n}\n`).join(''));
      f.openArray('weight_sets');
      for (const n of names) f.dumpString('pool', n);
      f.close();
      return ok(f.toString());
    },
  };
}

