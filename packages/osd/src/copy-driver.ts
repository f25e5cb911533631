import { Errno } from '@ts-ceph/common';
import { OSDMap, objectLocatorToPg, pgKey, rawPgToPg, PgT } from '@ts-ceph/maps';
import { CEPH_NOSNAP, ghobject } from '@ts-ceph/objectstore';
import type { CopySourceLocator } from './core/ops/copy';
import type { PG } from './core/pg';
import { upActingOf } from './pg-mappings';

/**
 * Where a copy-from source lives, from the osdmap (OSDMap::object_locator_to_pg, raw_pg_to_pg and
 * the acting primary) and this OSD's PGs. A source whose PG has another primary would be read
 * through the objecter once replication exists; until then the copy answers -EOPNOTSUPP and says
 * so in the log (docs/LIMITS.md).
 */
export function copySourceLocator(map: OSDMap, whoami: number, pgs: ReadonlyMap<string, PG>, log: (level: number, msg: string) => void): CopySourceLocator {
  return (src) => {
    let raw: PgT;
    try {
      raw = objectLocatorToPg(map, src.name, src.oloc);
    } catch {
      return -Errno.ENOENT;
    }
    const pool = map.pools.get(raw.pool)!;
    if (pool.type === 3) {
      log(1, `copy-from ${src.name} in erasure-coded pool ${raw.pool}: the EC data path is not implemented (docs/LIMITS.md)`);
      return -Errno.EOPNOTSUPP;
    }
    const pgid = rawPgToPg(pool, raw);
    const primary = upActingOf(map, pgid).actingPrimary;
    if (primary !== whoami) {
      log(1, `copy-from ${src.name}: source pg ${pgid.pool}.${pgid.seed.toString(16)} has primary osd.${primary}, copying from another OSD is not implemented (docs/LIMITS.md)`);
      return -Errno.EOPNOTSUPP;
    }
    const pg = pgs.get(pgKey(pgid));
    // A PG this OSD never created holds no objects yet.
    if (!pg) return -Errno.ENOENT;
    return { coll: pg.coll, oid: ghobject({ pool: raw.pool, nspace: src.oloc.nspace, key: src.oloc.key, name: src.name, hash: raw.seed >>> 0, snap: CEPH_NOSNAP }) };
  };
}
