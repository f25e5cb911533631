import { EntityAddrvec, UTime, Uuid } from '@ts-ceph/denc';
import { CrushWrapper, encodeCrushMap } from '@ts-ceph/crush';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import { PgT } from '../types/pg';
import { PgPoolT, clonePgPool } from '../types/pool';
import { applyIncremental } from './apply';
import { getEncodingFeatures } from './build';
import { encodeOSDMap } from './codec';
import { encodeIncremental } from './incremental';
import { Incremental, newIncremental } from './incremental-types';
import { CEPH_OSD_IN, OSDMap, OsdState, OsdXinfoT, exists, isUp } from './types';

/**
 * Building the next epoch, the way OSDMonitor fills its pending_inc: start from the current map,
 * record edits in an Incremental, then encodePending() applies it and produces the bytes a monitor
 * stores and publishes (full map with its crc, and the incremental carrying that crc).
 */

/** A pending incremental for the epoch after `m`. */
export function newPendingIncremental(m: OSDMap, modified: UTime): Incremental {
  const inc = newIncremental(m.epoch + 1);
  inc.fsid = m.fsid;
  inc.modified = { ...modified };
  return inc;
}

/** Incremental::get_new_pool: the pool's pending copy, made from the current map's on first use. */
export function pendingPool(inc: Incremental, m: OSDMap, pool: number): PgPoolT {
  let p = inc.newPools.get(pool);
  if (!p) {
    const orig = m.pools.get(pool);
    if (!orig) throw cephError('ENOENT', `pool ${pool} does not exist`);
    p = clonePgPool(orig);
    inc.newPools.set(pool, p);
  }
  return p;
}

/** A new pool: its id (pool_max + 1, as OSDMonitor::prepare_new_pool picks it), name and contents. */
export function pendingCreatePool(inc: Incremental, m: OSDMap, name: string, pool: PgPoolT): number {
  const base = inc.newPoolMax !== -1 ? inc.newPoolMax : m.poolMax;
  const id = base + 1;
  inc.newPoolMax = id;
  inc.newPools.set(id, pool);
  inc.newPoolNames.set(id, name);
  return id;
}

export function pendingRemovePool(inc: Incremental, pool: number): void {
  if (!inc.oldPools.includes(pool)) inc.oldPools.push(pool);
  inc.newPools.delete(pool);
  inc.newPoolNames.delete(pool);
}

/** Incremental::pending_osd_state_set: XOR bits into new_state unless already pending. */
export function pendingOsdStateSet(inc: Incremental, osd: number, state: number): boolean {
  const cur = inc.newState.get(osd) ?? 0;
  if (cur & state) return false;
  inc.newState.set(osd, (cur | state) >>> 0);
  return true;
}

export function pendingOsdStateClear(inc: Incremental, osd: number, state: number): boolean {
  const cur = inc.newState.get(osd);
  if (cur === undefined || !(cur & state)) return false;
  const next = (cur & ~state) >>> 0;
  if (next) inc.newState.set(osd, next);
  else inc.newState.delete(osd);
  return true;
}

/** An OSD boots: new_up_client / cluster / heartbeat addresses, xinfo, and up_thru reset as a mon does. */
export function pendingOsdUp(
  inc: Incremental,
  osd: number,
  addrs: { client: EntityAddrvec; cluster: EntityAddrvec; hbBack: EntityAddrvec; hbFront: EntityAddrvec },
  xinfo?: OsdXinfoT,
): void {
  inc.newUpClient.set(osd, addrs.client);
  inc.newUpCluster.set(osd, addrs.cluster);
  inc.newHbBackUp.set(osd, addrs.hbBack);
  inc.newHbFrontUp.set(osd, addrs.hbFront);
  if (xinfo) inc.newXinfo.set(osd, xinfo);
}

/** Mark an up OSD down (new_state toggles CEPH_OSD_UP). */
export function pendingOsdDown(inc: Incremental, m: OSDMap, osd: number): void {
  if (!isUp(m, osd)) throw cephError('EINVAL', `osd.${osd} is not up`);
  pendingOsdStateSet(inc, osd, OsdState.UP);
}

/**
 * A new OSD id with its uuid (`ceph osd new`): new_max_osd grows if needed, the OSD comes in (weight
 * 1, which also makes it exist) and is flagged NEW, as OSDMonitor::do_osd_create records it.
 */
export function pendingOsdCreate(inc: Incremental, m: OSDMap, osd: number, uuid: Uuid): void {
  if (exists(m, osd)) throw cephError('EEXIST', `osd.${osd} exists`);
  const maxOsd = Math.max(inc.newMaxOsd >= 0 ? inc.newMaxOsd : m.maxOsd, osd + 1);
  if (maxOsd > m.maxOsd) inc.newMaxOsd = maxOsd;
  inc.newState.set(osd, ((inc.newState.get(osd) ?? 0) | OsdState.NEW) >>> 0);
  inc.newWeight.set(osd, CEPH_OSD_IN);
  inc.newUuid.set(osd, uuid);
}

/** A new CRUSH map for the next epoch. */
export function pendingSetCrush(inc: Incremental, cw: CrushWrapper): void {
  inc.crush = encodeCrushMap(cw, CEPH_FEATURES_ALL);
}

export function pendingPgTemp(inc: Incremental, pg: PgT, osds: number[]): void {
  inc.newPgTemp.set(pg, [...osds]);
}

export interface EncodedEpoch {
  /** The map after the incremental. */
  map: OSDMap;
  /** The canonical full map (what `ceph osd getmap` returns and OSDs check crcs against). */
  full: Buffer;
  /** The incremental, with full_crc filled in. */
  incremental: Buffer;
  /** The feature bits both were encoded with (OSDMap::get_encoding_features of the new map). */
  features: bigint;
}

/**
 * The map-only part of OSDMonitor::encode_pending's finalisation: blank new_state entries are dropped
 * (0 would mean "toggle up"), and last_up_change / last_in_change are stamped when OSDs go up or down
 * or in or out. (Cleaning pg_temp and upmaps, pool creating/full flags are monitor policy, not here.)
 */
export function finalizePending(prev: OSDMap, inc: Incremental): void {
  for (const [osd, s] of [...inc.newState.entries()]) {
    if (s === 0) inc.newState.delete(osd);
    else if (s & OsdState.UP) inc.newLastUpChange = { ...inc.modified };
  }
  if (inc.newUpClient.size) inc.newLastUpChange = { ...inc.modified };
  for (const [osd, w] of [...inc.newWeight.entries()].sort((a, b) => a[0] - b[0])) {
    const changed = osd >= prev.maxOsd ? w !== 0 : (w !== 0) !== (prev.osdWeight[osd] !== 0);
    if (changed) {
      inc.newLastInChange = { ...inc.modified };
      break;
    }
  }
}

/**
 * OSDMonitor::encode_pending's encoding step: finalize (see finalizePending), apply, pick the new
 * map's encoding features, encode the full map, put its crc in the incremental as full_crc, and encode
 * the incremental with the same features.
 */
export function encodePending(prev: OSDMap, inc: Incremental): EncodedEpoch {
  finalizePending(prev, inc);
  const map = applyIncremental(prev, inc);
  const features = getEncodingFeatures(map);
  const full = encodeOSDMap(map, features);
  inc.fullCrc = map.crc!;
  inc.encodeFeatures = features;
  const incremental = encodeIncremental(inc, features);
  return { map, full, incremental, features };
}
