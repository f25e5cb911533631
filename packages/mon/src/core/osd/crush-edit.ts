/**
 * CRUSH edits the OSD commands share (do_osd_create's device class, do_osd_crush_remove), applied to
 * the pending CRUSH map.
 */
import { CrushWrapper, removeItem, updateDeviceClass } from '@ts-ceph/crush';
import { CommandOutcome, proposeThen } from '../commands/types';
import { OSDMonitor } from './osd-monitor';

/** Name osd.<id> in CRUSH (if new) and set its device class; failures are not fatal (replays). */
export function setOsdDeviceClass(osd: OSDMonitor, id: number, deviceClass: string): boolean {
  const cw = osd.pendingCrush();
  if (cw.maxDevices < id + 1) cw.maxDevices = id + 1;
  const name = `osd.${id}`;
  if (!cw.itemExists(id)) cw.setItemName(id, name);
  const r = updateDeviceClass(cw, id, deviceClass, name);
  if (r < 0) return false;
  osd.crushChanged(cw);
  return true;
}

/** _prepare_command_osd_crush_remove for an OSD: unlink it everywhere and drop its name. */
export function removeOsdFromCrush(osd: OSDMonitor, id: number): boolean {
  const cw = osd.pendingCrush();
  if (!cw.itemExists(id) && !cw.searchItemExists(id)) return false;
  const r = removeItem(cw, id, false);
  if (r < 0) return false;
  osd.crushChanged(cw);
  return true;
}

/** Make the edited pending CRUSH map part of the proposal, and reply once it is committed. */
export function commitCrush(osd: OSDMonitor, cw: CrushWrapper, rs: string, out = ''): CommandOutcome {
  osd.crushChanged(cw);
  return proposeThen([osd], 0, rs, out);
}
