import { OSDMap, PgT, pgToUpActingOsds } from '@ts-ceph/maps';

type UpActing = ReturnType<typeof pgToUpActingOsds>;

/**
 * Each PG's up and acting sets, computed once per OSDMap (an epoch's map is never changed: a new
 * epoch is a new object). The PG driver, the heartbeat peers, the PG stats report and copy-from
 * each ask for every PG on every map or report; CRUSH runs once per PG and epoch instead. Callers
 * must not change the arrays they get.
 */
const byMap = new WeakMap<OSDMap, Map<number, UpActing>>();

export function upActingOf(map: OSDMap, pgid: PgT): UpActing {
  let m = byMap.get(map);
  if (!m) byMap.set(map, (m = new Map()));
  // pool ids and seeds are both below 2^31: one number keys the pair exactly.
  const key = pgid.pool * 2 ** 32 + pgid.seed;
  let r = m.get(key);
  if (!r) m.set(key, (r = pgToUpActingOsds(map, pgid)));
  return r;
}
