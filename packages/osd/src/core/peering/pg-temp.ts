import type { PgInfo } from '../pg';
import { logsOverlap } from './log-merge';
import type { PgMapping } from './past-intervals';
import type { PeeringPG } from './peering-pg';

/**
 * pg_temp (PeeringState::choose_acting / calc_replicated_acting, cut down): when the up set's
 * primary would have to be backfilled (its copy is incomplete or its log does not reach the
 * authoritative tail), the PG asks the monitor for a temporary acting set of complete copies
 * (MOSDPGTemp), so a complete primary keeps serving while the new members are backfilled as
 * targets outside the acting set; once they hold everything, the pg_temp is removed and the PG
 * peers with acting = up. Members that log recovery can bring up to date need no pg_temp.
 */

/**
 * The acting set the PG wants: the up primary when its copy can follow the authoritative log
 * (else the authoritative OSD), the up members that can, then complete copies from the current
 * acting set and the other OSDs that answered, up to the pool size.
 */
export function wantActing(m: PgMapping, infos: ReadonlyMap<number, PgInfo>, authOsd: number): number[] {
  const auth = infos.get(authOsd);
  if (!auth) return m.acting;
  const usable = (o: number): boolean => {
    const i = infos.get(o);
    return i !== undefined && m.upOsds.has(o) && logsOverlap(i, auth);
  };
  const want = [usable(m.upPrimary) ? m.upPrimary : authOsd];
  const candidates = [...m.up, ...m.acting, ...[...infos.keys()].sort((a, b) => a - b)];
  for (const o of candidates) if (want.length < m.size && !want.includes(o) && usable(o)) want.push(o);
  return want;
}

const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * choose_acting's outcome for the primary that heard every info: undefined to go on peering with
 * the acting set it has, or the pg_temp to ask for (an empty list removes one: the wanted set is
 * the up set itself). Only a primary whose up set needs a backfilled member changes anything.
 */
export function chooseActing(p: PeeringPG, authOsd: number): number[] | undefined {
  const m = p.mapping!;
  if (p.conf.noPgTemp) return undefined;
  const want = wantActing(m, p.infos, authOsd);
  if (sameList(want, m.acting)) return undefined;
  // Fewer complete copies than the acting set has: keep it (Ceph keeps it too, as long as it is min_size).
  if (want.length < Math.min(m.size, m.acting.length)) return undefined;
  return sameList(want, m.up) ? [] : want;
}

/**
 * The primary of a pg_temp interval: every member of the up set now holds every object (the
 * backfill ended), so the pg_temp goes and the PG peers with acting = up.
 */
export function backfillDone(p: PeeringPG): boolean {
  const m = p.mapping;
  if (p.conf.noPgTemp || !m || !p.isPrimary || p.phase !== 'active' || sameList(m.acting, m.up)) return false;
  return m.up.every((o) => (o === p.whoami ? p.ownMissing.size === 0 : p.peerMissing.has(o) && p.peerMissing.get(o)!.size === 0));
}
