import { EntityAddr } from '@ts-ceph/denc';
import { OSDMap, OsdMapFlag, OsdState, PgT, isBlocklisted } from '@ts-ceph/maps';
import { PG } from './core/pg';
import { PgMapping, isNewInterval } from './core/peering';
import { PeeringPG } from './core/peering/peering-pg';
import { OsdMapStore } from './osd-map-store';
import { upActingOf } from './pg-mappings';

/**
 * The PG mappings the driver feeds its cores from stored OSDMaps (osd-map-store.ts): a restarted
 * OSD's PGs replay their intervals, and a PG new to the OSD finds where its current interval began.
 */

/** Named limits of the replays (docs/LIMITS.md). */
export const pgReplayLimits = {
  /** Stored epochs a PG new to this OSD looks back through for the start of its current interval. */
  intervalWalkEpochsMax: 200,
};

/**
 * A PG new to this OSD (created, or again after its stray copy was purged) has no history of its
 * own: its current interval's start comes from the stored maps, walking back while the mapping
 * stays the same (at most `intervalWalkEpochsMax`), so its messages carry the interval its peers
 * are in (Ceph's query carries the primary's pg_history_t for the same end). Returns the mappings
 * before `map`'s, oldest first.
 */
export async function currentInterval(maps: OsdMapStore, pgid: PgT, map: OSDMap): Promise<PgMapping[]> {
  const out: PgMapping[] = [];
  let next = mappingOf(map, pgid);
  for (let e = map.epoch - 1; next && e >= Math.max(1, map.epoch - pgReplayLimits.intervalWalkEpochsMax); e--) {
    const older = await maps.get(e);
    const pm = older && mappingOf(older, pgid);
    if (!pm || isNewInterval(pm, next)) break;
    out.unshift(pm);
    next = pm;
  }
  return out;
}

/**
 * The mappings of the PGs `pgs` (by key) over the stored epochs from each one's resume epoch
 * through `to`, read once for all of them (a restart replays many PGs over the same maps).
 */
export async function replayStored(maps: OsdMapStore, pgs: ReadonlyMap<string, PG>, to: number): Promise<Map<string, PgMapping[]>> {
  const out = new Map<string, PgMapping[]>([...pgs.keys()].map((k) => [k, []]));
  const from = new Map([...pgs].map(([k, pg]) => [k, PeeringPG.resumeEpoch(pg)]));
  const first = Math.min(...from.values());
  for (const m of await maps.range(first || to, to)) {
    for (const [k, pg] of pgs) {
      if (m.epoch < from.get(k)!) continue;
      const pm = mappingOf(m, pg.pgid);
      if (pm) out.get(k)!.push(pm);
    }
  }
  return out;
}

/** `ceph osd set norecover|nobackfill`: the flags that hold back recovery and backfill (set only when on). */
function recoveryPauseOf(map: OSDMap): Pick<PgMapping, 'noRecover' | 'noBackfill'> {
  const out: Pick<PgMapping, 'noRecover' | 'noBackfill'> = {};
  if (map.flags & OsdMapFlag.NORECOVER) out.noRecover = true;
  if (map.flags & OsdMapFlag.NOBACKFILL) out.noBackfill = true;
  return out;
}

/** The PG's placement in `map` as the peering core reads it. */
export function mappingOf(map: OSDMap, pgid: PgT): PgMapping | undefined {
  const pool = map.pools.get(pgid.pool);
  if (!pool) return undefined;
  const ua = upActingOf(map, pgid);
  const upOsds = new Set<number>();
  const upThru = new Map<number, number>();
  for (let o = 0; o < map.maxOsd; o++) {
    if (map.osdState[o]! & OsdState.UP) upOsds.add(o);
    const info = map.osdInfo[o];
    if (info) upThru.set(o, info.upThru);
  }
  return { epoch: map.epoch, up: ua.up.filter((o) => o >= 0), upPrimary: ua.upPrimary, acting: ua.acting.filter((o) => o >= 0), primary: ua.actingPrimary, size: pool.size, minSize: pool.minSize, upOsds, upThru, isBlocklisted: blocklistCheckOf(map), ...recoveryPauseOf(map) };
}

/** One check per map, shared by its PGs' mappings; it keeps the blocklist, not the whole map. */
const checks = new WeakMap<OSDMap, ((addr: EntityAddr) => boolean) | undefined>();

/**
 * OSDMap::is_blocklisted over `map`'s blocklists, or undefined when it has none. Every op of a
 * client asks with its connection's address object: the answer is kept per object, so a map
 * with entries (librbd's lock breaks leave them for an hour) costs a lookup per connection and
 * map, not two hashes per op.
 */
export function blocklistCheckOf(map: OSDMap): ((addr: EntityAddr) => boolean) | undefined {
  if (checks.has(map)) return checks.get(map);
  const bl = { blocklist: map.blocklist, rangeBlocklist: map.rangeBlocklist, requireOsdRelease: map.requireOsdRelease };
  const seen = new WeakMap<EntityAddr, boolean>();
  const check = (addr: EntityAddr): boolean => {
    let r = seen.get(addr);
    if (r === undefined) seen.set(addr, (r = isBlocklisted(bl, addr)));
    return r;
  };
  const out = bl.blocklist.size || bl.rangeBlocklist.length ? check : undefined;
  checks.set(map, out);
  return out;
}
