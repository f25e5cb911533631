/**
 * Bringing the client's OSDMap forward from an MOSDMap (Objecter::handle_osd_map), pure: apply each
 * incremental that follows the map we hold, or take a full map when there is no incremental for the
 * next epoch; if neither is there, say which epoch to ask the monitor for. Every epoch passed through
 * is reported, since ops must be rescanned per map (a PG can change and change back in between).
 */
import { Reader } from '@ts-ceph/denc';
import { applyIncremental, decodeIncremental, decodeOSDMap, OSDMap } from '@ts-ceph/maps';
import { MOSDMap } from '@ts-ceph/messages';

export interface MapFeedResult {
  /** The maps passed through, oldest first (empty when the message held nothing new). */
  maps: OSDMap[];
  /** An epoch we still lack (a gap between our map and the message's): subscribe from it. */
  missingFrom: number | undefined;
}

function decodeFull(bl: Buffer): OSDMap {
  return decodeOSDMap(new Reader(bl));
}

/** Move `current` (undefined: none yet) forward through `msg`. Throws DencError/CephError on a bad map. */
export function feedOSDMap(current: OSDMap | undefined, msg: MOSDMap): MapFeedResult {
  const epochs = [...msg.maps.keys(), ...msg.incrementalMaps.keys()];
  if (!epochs.length) return { maps: [], missingFrom: undefined };
  const last = Math.max(...epochs);
  const out: OSDMap[] = [];
  let m = current;
  if (!m) {
    // The first map: the newest full one in the message, then whatever incrementals follow it.
    const fulls = [...msg.maps.keys()].sort((a, b) => a - b);
    const newest = fulls[fulls.length - 1];
    if (newest === undefined) return { maps: [], missingFrom: Math.min(...epochs) };
    m = decodeFull(msg.maps.get(newest)!);
    out.push(m);
  }
  while (m.epoch < last) {
    const e = m.epoch + 1;
    const inc = msg.incrementalMaps.get(e);
    const full = msg.maps.get(e);
    if (inc) m = applyIncremental(m, decodeIncremental(new Reader(inc)));
    else if (full) m = decodeFull(full);
    else {
      // A gap: jump to the newest full map past it if the message has one, else ask for the rest.
      const later = [...msg.maps.keys()].filter((x) => x > e).sort((a, b) => b - a)[0];
      if (later === undefined) return { maps: out, missingFrom: e };
      m = decodeFull(msg.maps.get(later)!);
    }
    out.push(m);
  }
  return { maps: out, missingFrom: undefined };
}
