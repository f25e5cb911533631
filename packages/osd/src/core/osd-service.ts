import { Reader } from '@ts-ceph/denc';
import { OSDMap, OsdState, PgT, applyIncremental, decodeIncremental, decodeOSDMap } from '@ts-ceph/maps';
import type { MOSDMap } from '@ts-ceph/messages';

/**
 * What the OSD daemon decides about the cluster around it, as a sans-I/O core (the way the mon's
 * osd-liveness.ts returns decisions): which osdmap it now has, when to boot, when to send a beacon,
 * which client ops wait for a newer map. The driver (osd-daemon.ts) carries the decisions out.
 */
export type OsdDecision =
  /** Send MOSDBoot (OSD::_send_boot) with the current map's epoch. */
  | { kind: 'boot'; epoch: number }
  /** Send MOSDBeacon (OSD::send_beacon) listing these PGs. */
  | { kind: 'beacon'; epoch: number; pgs: PgT[] }
  /** Ask the monitor for maps from `from` on (a gap, or a client ahead of us). */
  | { kind: 'subscribe'; from: number }
  /** Run the ops that waited for a newer map again. */
  | { kind: 'retry-waiting-ops' };

/** Named limits of the OSD service core (docs/LIMITS.md). */
export const osdServiceLimits = {
  /** osd_beacon_report_interval: how often a beacon goes to the monitor (ms). */
  beaconIntervalMs: 300_000,
};

/**
 * OSD::handle_osd_map, the pure part: the newest full map in the message (if newer than ours), then
 * the incrementals that follow on. Returns the map (the same object when nothing applied), every
 * map it stepped through in epoch order (`maps`: peering must see each epoch, or it misses the
 * intervals in between), and the first epoch still missing when the message left a gap.
 */
export function applyMapMessage(current: OSDMap | undefined, m: Pick<MOSDMap, 'maps' | 'incrementalMaps'>): { map: OSDMap | undefined; maps: OSDMap[]; missingFrom?: number } {
  let map = current;
  const maps: OSDMap[] = [];
  const fulls = [...m.maps.keys()].sort((a, b) => a - b);
  const last = fulls[fulls.length - 1];
  // The full maps that continue ours epoch by epoch count as stepped through; a jump keeps the last.
  for (const e of fulls) {
    if (e <= (map?.epoch ?? 0) || (e !== last && (!map || e !== map.epoch + 1))) continue;
    map = decodeOSDMap(new Reader(m.maps.get(e)!));
    maps.push(map);
  }
  const incs = [...m.incrementalMaps.keys()].sort((a, b) => a - b);
  for (const e of incs) {
    if (!map || e !== map.epoch + 1) continue;
    map = applyIncremental(map, decodeIncremental(new Reader(m.incrementalMaps.get(e)!)));
    maps.push(map);
  }
  const newest = Math.max(last ?? 0, incs[incs.length - 1] ?? 0);
  return { map, maps, missingFrom: map && newest > map.epoch ? map.epoch + 1 : undefined };
}

function isUp(map: OSDMap, id: number): boolean {
  return id < map.maxOsd && (map.osdState[id]! & OsdState.UP) !== 0;
}

/** The OSD's boot and beacon state machine. Time is the monotonic clock in ms, passed in. */
export class OsdService {
  private booted = false;
  private lastBeaconMs = -Infinity;

  get isBooted(): boolean {
    return this.booted;
  }

  constructor(
    readonly id: number,
    private readonly beaconIntervalMs = osdServiceLimits.beaconIntervalMs,
  ) {}

  /**
   * A new map: boot if we have not, or again if the map shows us down (a restart or a markdown);
   * a beacon if one is due; the waiting ops run again.
   */
  onMap(map: OSDMap, now: number, monConnected: boolean, pgs: PgT[], missingFrom?: number): OsdDecision[] {
    const out: OsdDecision[] = [];
    if (missingFrom !== undefined) out.push({ kind: 'subscribe', from: missingFrom });
    if (!this.booted || !isUp(map, this.id)) {
      this.booted = true;
      out.push({ kind: 'boot', epoch: map.epoch });
    }
    out.push(...this.beacon(map, now, monConnected, pgs));
    out.push({ kind: 'retry-waiting-ops' });
    return out;
  }

  /** The periodic tick: a beacon when osd_beacon_report_interval has passed and we are up. */
  onTick(map: OSDMap | undefined, now: number, monConnected: boolean, pgs: PgT[]): OsdDecision[] {
    return map ? this.beacon(map, now, monConnected, pgs) : [];
  }

  private beacon(map: OSDMap, now: number, monConnected: boolean, pgs: PgT[]): OsdDecision[] {
    if (!monConnected || now - this.lastBeaconMs < this.beaconIntervalMs || !isUp(map, this.id)) return [];
    this.lastBeaconMs = now;
    return [{ kind: 'beacon', epoch: map.epoch, pgs }];
  }

  /** OSD::handle_op's require_same_or_newer_map: an op from a client ahead of us waits for the map. */
  admitOp(map: OSDMap | undefined, clientEpoch: number): 'run' | 'wait' {
    return !map || clientEpoch > map.epoch ? 'wait' : 'run';
  }
}
