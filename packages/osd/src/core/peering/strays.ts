import type { PeeringPG } from './peering-pg';
import { PG_STATE } from './pg-state';

/**
 * Stray copies (PeeringState's stray_set, purge_strays and the Stray state): an OSD that holds a
 * PG but is in neither its up nor its acting set tells the primary so (MOSDPGNotify) each tick;
 * the primary, once the PG is active+clean without it, tells it to delete its copy (MOSDPGRemove),
 * and the stray asks its driver to remove the collection. Until the PG is clean the stray's copy
 * may be the only complete one, so it is kept: peering probes it like any other.
 */

/** Whether `osd` is in the current up or acting set. */
function member(p: PeeringPG, osd: number): boolean {
  const m = p.mapping;
  return !!m && (m.up.includes(osd) || m.acting.includes(osd));
}

/** The primary heard from `osd` (a notify or a prior-set info): remember it when it is a stray. */
export function noteStray(p: PeeringPG, osd: number): void {
  if (p.isPrimary && osd !== p.whoami && !member(p, osd)) p.rep.strays.add(osd);
}

/**
 * purge_strays: the PG is active+clean (every acting copy whole, acting = pool size): each stray
 * that is up gets a remove. Sent again on later ticks while the stray still notifies.
 */
export function purgeStrays(p: PeeringPG): void {
  if (!p.isPrimary || p.phase !== 'active' || !p.rep.strays.size) return;
  if ((p.state() & PG_STATE.CLEAN) === 0n) return;
  for (const osd of p.rep.strays) {
    if (member(p, osd)) continue;
    if (p.mapping!.upOsds.has(osd)) p.send(osd, { type: 'remove' });
  }
  p.rep.strays.clear();
}

/** The Stray state's notify to the primary: we hold a copy it may want, or may purge. */
export function notifyPrimary(p: PeeringPG): void {
  const m = p.mapping;
  if (!m || p.phase !== 'stray' || p.removing || m.primary < 0 || m.primary === p.whoami) return;
  p.send(m.primary, { type: 'stray' });
}

/**
 * MOSDPGRemove at the stray: only from the current primary, and only while this OSD is still out
 * of the up and acting sets (a newer map that made us a member again wins: the message is from an
 * older interval and dropped before it gets here).
 */
export function handleRemove(p: PeeringPG, from: number): void {
  const m = p.mapping;
  if (!m || p.phase !== 'stray' || p.removing || from !== m.primary || member(p, p.whoami)) return;
  p.removing = true;
  p.out.push({ kind: 'remove_pg' });
}
