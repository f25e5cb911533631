/**
 * Edits to the pending OSDMap incremental that several `ceph osd ...` commands share: naming an
 * OSD, finding or allocating its id, setting state bits, removing it.
 */
import { UUID_NIL } from '@ts-ceph/denc';
import { OSDMap, OsdState, exists, isUp } from '@ts-ceph/maps';
import { OSDMonitor } from './osd-monitor';

/** parse_osd_id: "3" or "osd.3". */
export function parseOsdId(s: string): number {
  const m = /^(?:osd\.)?(\d+)$/.exec(s.trim());
  return m ? Number(m[1]) : -1;
}

/** Set bits in the pending new_state (pending_osd_state_set: the bits are XORed at apply). */
export function pendingStateSet(osd: OSDMonitor, id: number, bits: number): void {
  osd.pending.newState.set(id, ((osd.pending.newState.get(id) ?? 0) | bits) >>> 0);
}

/** _allocate_osd_id: the first id that does not exist (nor is being created), else max_osd. */
export function allocateOsdId(osd: OSDMonitor): { id: number; existing: boolean } {
  const m = osd.osdmap;
  for (let i = 0; i < m.maxOsd; i++) {
    const ns = osd.pending.newState.get(i);
    if (!exists(m, i) && !osd.pending.newUpClient.has(i) && (ns === undefined || (ns & OsdState.EXISTS) === 0)) return { id: i, existing: true };
  }
  return { id: osd.pending.newMaxOsd < 0 ? m.maxOsd : osd.pending.newMaxOsd, existing: false };
}

/** identify_osd: the id of the existing OSD with this uuid, or -1. */
export function identifyOsd(m: OSDMap, uuid: string): number {
  for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && m.osdUuid[i] === uuid) return i;
  return -1;
}

/** prepare_command_osd_remove: clear every state bit and the uuid (the osd stops existing). */
export function removeOsd(osd: OSDMonitor, id: number): boolean {
  if (isUp(osd.osdmap, id)) return false;
  osd.pending.newState.set(id, osd.osdmap.osdState[id]! >>> 0);
  osd.pending.newUuid.set(id, UUID_NIL);
  return true;
}
