import { cephError } from '@ts-ceph/common/core';
import { stringToBytes } from '@ts-ceph/denc';
import { crushHash32_2, CRUSH_HASH_RJENKINS1 } from '@ts-ceph/crush';
import { ObjectLocatorT } from '../types/hobject';
import { CRUSH_ITEM_NONE, PgT } from '../types/pg';
import { PgPoolT, PoolFlag, canShiftOsds, pgNumMask, pgpNumMask } from '../types/pool';
import { cephStableMod, cephStrHash } from '../placement/hash';
import { crushOf } from './crush';
import { CEPH_OSD_DEFAULT_PRIMARY_AFFINITY, CEPH_OSD_MAX_PRIMARY_AFFINITY, OSDMap, exists, isDown } from './types';

/**
 * OSDMap placement (src/osd/OSDMap.cc, src/osd/osd_types.cc pg_pool_t): object -> raw pg -> pg ->
 * CRUSH raw set -> upmap -> up set (+ primary affinity) -> acting set (pg_temp, primary_temp).
 */

/** pg_pool_t::hash_key: the object's (or locator key's) hash, with the namespace and "\037" in front. */
export function hashKey(pool: PgPoolT, key: string | Uint8Array, nspace = ''): number {
  if (nspace === '') return cephStrHash(pool.objectHash, key);
  const k = typeof key === 'string' ? stringToBytes(key) : key;
  return cephStrHash(pool.objectHash, Buffer.concat([stringToBytes(nspace), Buffer.from([0x1f]), k]));
}

/** pg_pool_t::raw_hash_to_pg. */
export function rawHashToPg(pool: PgPoolT, v: number): number {
  return cephStableMod(v, pool.pgNum, pgNumMask(pool));
}

/** pg_pool_t::raw_pg_to_pg: fold a full-precision seed onto the pool's pg_num. */
export function rawPgToPg(pool: PgPoolT, pg: PgT): PgT {
  return { pool: pg.pool, seed: cephStableMod(pg.seed, pool.pgNum, pgNumMask(pool)) };
}

/** pg_pool_t::raw_pg_to_pps: the placement seed fed to CRUSH (pool mixed in with hashpspool). */
export function rawPgToPps(pool: PgPoolT, pg: PgT): number {
  const ps = cephStableMod(pg.seed, pool.pgpNum, pgpNumMask(pool));
  if (pool.flags & PoolFlag.HASHPSPOOL) return crushHash32_2(CRUSH_HASH_RJENKINS1, ps, pg.pool >>> 0) >>> 0;
  // Legacy: ps + pool, so the PGs of different pools overlap (0.5 == 1.4 == 2.3 ...).
  return (ps + pg.pool) >>> 0;
}

/** OSDMap::map_to_pg: ENOENT for a pool that does not exist. */
export function mapToPg(m: OSDMap, poolId: number, name: string | Uint8Array, key = '', nspace = ''): PgT {
  const pool = m.pools.get(poolId);
  if (!pool) throw cephError('ENOENT', `pool ${poolId} does not exist`);
  return { pool: poolId, seed: hashKey(pool, key !== '' ? key : name, nspace) };
}

/** OSDMap::object_locator_to_pg: an explicit locator hash wins over the name. Returns the raw pg. */
export function objectLocatorToPg(m: OSDMap, oid: string | Uint8Array, loc: ObjectLocatorT): PgT {
  if (loc.hash >= 0) {
    if (!m.pools.has(loc.pool)) throw cephError('ENOENT', `pool ${loc.pool} does not exist`);
    return { pool: loc.pool, seed: loc.hash >>> 0 };
  }
  return mapToPg(m, loc.pool, oid, loc.key, loc.nspace);
}

/** OSDMap::raw_pg_to_pg. */
export function osdMapRawPgToPg(m: OSDMap, pg: PgT): PgT {
  const pool = m.pools.get(pg.pool);
  if (!pool) throw cephError('ENOENT', `pool ${pg.pool} does not exist`);
  return rawPgToPg(pool, pg);
}

function removeNonexistent(m: OSDMap, pool: PgPoolT, osds: number[]): number[] {
  if (canShiftOsds(pool)) return osds.filter((o) => exists(m, o));
  return osds.map((o) => (exists(m, o) ? o : CRUSH_ITEM_NONE));
}

/** _pg_to_raw_osds: CRUSH, minus OSDs that do not exist. */
function pgToRawOsds(m: OSDMap, pool: PgPoolT, pg: PgT): { raw: number[]; pps: number } {
  const pps = rawPgToPps(pool, pg);
  const cw = crushOf(m);
  const ruleno = cw.findRule(pool.crushRule, pool.type, pool.size);
  const raw = ruleno >= 0 ? cw.doRule(ruleno, pps, pool.size, m.osdWeight, pg.pool) : [];
  return { raw: removeNonexistent(m, pool, raw), pps };
}

function pickPrimary(osds: number[]): number {
  for (const o of osds) if (o !== CRUSH_ITEM_NONE) return o;
  return -1;
}

/** _apply_upmap: an explicit pg_upmap (unless a target is out), then pg_upmap_items swaps. */
function applyUpmap(m: OSDMap, pool: PgPoolT, rawPg: PgT, raw: number[]): number[] {
  const pg = rawPgToPg(pool, rawPg);
  const isOutTarget = (o: number) => o !== CRUSH_ITEM_NONE && o < m.maxOsd && o >= 0 && m.osdWeight[o] === 0;
  const explicit = m.pgUpmap.get(pg);
  if (explicit) {
    // A target marked out makes Ceph ignore the whole mapping (and the items too).
    if (explicit.some(isOutTarget)) return raw;
    raw = [...explicit];
  }
  const items = m.pgUpmapItems.get(pg);
  if (items) {
    raw = [...raw];
    for (const [from, to] of items) {
      // Replace the first `from` unless `to` is already in the set or is marked out.
      let found = false;
      let pos = -1;
      for (let i = 0; i < raw.length; i++) {
        const o = raw[i]!;
        if (o === to) {
          found = true;
          break;
        }
        if (o === from && pos < 0 && !isOutTarget(to)) pos = i;
      }
      if (!found && pos >= 0) raw[pos] = to;
    }
  }
  return raw;
}

/** _raw_to_up_osds: drop (replicated) or blank (erasure) OSDs that are down or gone. */
function rawToUp(m: OSDMap, pool: PgPoolT, raw: number[]): number[] {
  if (canShiftOsds(pool)) return raw.filter((o) => exists(m, o) && !isDown(m, o));
  return raw.map((o) => (!exists(m, o) || isDown(m, o) ? CRUSH_ITEM_NONE : o));
}

/** _apply_primary_affinity: OSDs with affinity < 1 decline primaryship for a hashed share of PGs. */
function applyPrimaryAffinity(m: OSDMap, seed: number, pool: PgPoolT, osds: number[], primary: number): { osds: number[]; primary: number } {
  const aff = m.osdPrimaryAffinity;
  if (!aff) return { osds, primary };
  if (!osds.some((o) => o !== CRUSH_ITEM_NONE && aff[o] !== CEPH_OSD_DEFAULT_PRIMARY_AFFINITY)) return { osds, primary };
  let pos = -1;
  for (let i = 0; i < osds.length; i++) {
    const o = osds[i]!;
    if (o === CRUSH_ITEM_NONE) continue;
    const a = aff[o]!;
    if (a < CEPH_OSD_MAX_PRIMARY_AFFINITY && crushHash32_2(CRUSH_HASH_RJENKINS1, seed, o) >>> 16 >= a) {
      // Declined; remember it as a fallback in case nobody accepts.
      if (pos < 0) pos = i;
    } else {
      pos = i;
      break;
    }
  }
  if (pos < 0) return { osds, primary };
  const p = osds[pos]!;
  if (canShiftOsds(pool) && pos > 0) {
    const out = [...osds];
    for (let i = pos; i > 0; i--) out[i] = out[i - 1]!;
    out[0] = p;
    return { osds: out, primary: p };
  }
  return { osds, primary: p };
}

/** _get_temp_osds: pg_temp (minus down/gone OSDs) and primary_temp. */
function getTempOsds(m: OSDMap, pool: PgPoolT, rawPg: PgT): { temp: number[]; primary: number } {
  const pg = rawPgToPg(pool, rawPg);
  const temp: number[] = [];
  for (const o of m.pgTemp.get(pg) ?? []) {
    if (!exists(m, o) || isDown(m, o)) {
      if (!canShiftOsds(pool)) temp.push(CRUSH_ITEM_NONE);
    } else temp.push(o);
  }
  const pt = m.primaryTemp.get(pg);
  let primary = -1;
  if (pt !== undefined) primary = pt;
  else if (temp.length) primary = pickPrimary(temp);
  return { temp, primary };
}

export interface UpActing {
  up: number[];
  upPrimary: number;
  acting: number[];
  actingPrimary: number;
}

/**
 * OSDMap::pg_to_up_acting_osds (Ceph's _pg_to_up_acting_osds). A raw seed is folded onto pg_num
 * (`rawPgToPg`, Ceph's default); with it false, a seed at or above pg_num maps to nothing, as
 * is_up_acting_osd_shard asks.
 */
export function pgToUpActingOsds(m: OSDMap, pg: PgT, rawPgToPg = true): UpActing {
  const pool = m.pools.get(pg.pool);
  if (!pool || (!rawPgToPg && pg.seed >= pool.pgNum)) return { up: [], upPrimary: -1, acting: [], actingPrimary: -1 };
  const { temp, primary: tempPrimary } = getTempOsds(m, pool, pg);
  const { raw, pps } = pgToRawOsds(m, pool, pg);
  const upmapped = applyUpmap(m, pool, pg, raw);
  const up0 = rawToUp(m, pool, upmapped);
  const { osds: up, primary: upPrimary } = applyPrimaryAffinity(m, pps, pool, up0, pickPrimary(up0));
  if (temp.length === 0) return { up, upPrimary, acting: [...up], actingPrimary: tempPrimary === -1 ? upPrimary : tempPrimary };
  return { up, upPrimary, acting: temp, actingPrimary: tempPrimary };
}

/** OSDMap::pg_to_raw_osds: CRUSH's answer (minus nonexistent OSDs) and its first OSD. */
export function pgToRawOsdsPublic(m: OSDMap, pg: PgT): { raw: number[]; primary: number } {
  const pool = m.pools.get(pg.pool);
  if (!pool) return { raw: [], primary: -1 };
  const { raw } = pgToRawOsds(m, pool, pg);
  return { raw, primary: pickPrimary(raw) };
}

/** OSDMap::pg_to_raw_upmap: CRUSH's set (minus nonexistent OSDs) and that set with upmaps applied. */
export function pgToRawUpmap(m: OSDMap, pg: PgT): { raw: number[]; upmapped: number[] } {
  const pool = m.pools.get(pg.pool);
  if (!pool) return { raw: [], upmapped: [] };
  const { raw } = pgToRawOsds(m, pool, pg);
  return { raw, upmapped: applyUpmap(m, pool, pg, raw) };
}

/** OSDMap::pg_to_raw_up: raw -> upmap -> up, with primary affinity. */
export function pgToRawUp(m: OSDMap, pg: PgT): { up: number[]; primary: number } {
  const pool = m.pools.get(pg.pool);
  if (!pool) return { up: [], primary: -1 };
  const { raw, pps } = pgToRawOsds(m, pool, pg);
  const upmapped = applyUpmap(m, pool, pg, raw);
  const up0 = rawToUp(m, pool, upmapped);
  const r = applyPrimaryAffinity(m, pps, pool, up0, pickPrimary(upmapped));
  return { up: r.osds, primary: r.primary };
}

/** Where an object lives: raw pg, pg, and the up/acting sets (what the Objecter computes per op). */
export function mapObject(m: OSDMap, oid: string | Uint8Array, loc: ObjectLocatorT): { rawPg: PgT; pgid: PgT } & UpActing {
  const rawPg = objectLocatorToPg(m, oid, loc);
  const pgid = osdMapRawPgToPg(m, rawPg);
  return { rawPg, pgid, ...pgToUpActingOsds(m, pgid) };
}
