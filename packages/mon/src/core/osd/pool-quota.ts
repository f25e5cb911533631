/**
 * Pool quotas in force (OSDMonitor::update_pools_status, run from OSDMonitor::tick): a pool whose
 * objects or bytes, as the PG statistics sum them, reach its quota_max_objects / quota_max_bytes
 * gets FULL_QUOTA and FULL (NEARFULL and BACKFILLFULL cleared: FULL wins), so librados holds its
 * writes and the OSDs refuse them; once it is back under both quotas the two flags go (the next
 * commit's pool flag pass sets FULL again if a full OSD still serves the pool: osd-full.ts).
 */
import { byteU, PoolFlag } from '@ts-ceph/maps';
import { Clog } from '../log/log-entry';
import type { OSDMonitor } from './osd-monitor';

/** A pool's counts as the PG statistics sum them (pool_stat_t's stats.sum), undefined without stats. */
export type PoolCounts = (id: number) => { numObjects: number; numBytes: number } | undefined;

/**
 * Queue the flag changes in the pending incremental; returns the cluster log lines (priority,
 * text) to write, empty when nothing changed.
 */
export function updatePoolsStatus(osd: OSDMonitor, counts: PoolCounts): [prio: number, text: string][] {
  const lines: [number, string][] = [];
  for (const [id, pool] of osd.osdmap.pools) {
    // A pool with no quota and no quota flag has nothing to change: its counts (a sum over its PGs) are not needed.
    if (pool.quotaMaxBytes <= 0n && pool.quotaMaxObjects <= 0n && !(pool.flags & PoolFlag.FULL_QUOTA)) continue;
    const c = counts(id);
    if (!c) continue;
    const name = osd.osdmap.poolName.get(id) ?? '';
    const overBytes = pool.quotaMaxBytes > 0n && BigInt(c.numBytes) >= pool.quotaMaxBytes;
    const overObjects = pool.quotaMaxObjects > 0n && BigInt(c.numObjects) >= pool.quotaMaxObjects;
    if (pool.flags & PoolFlag.FULL_QUOTA) {
      if (overBytes || overObjects) continue;
      lines.push([Clog.INFO, `pool '${name}' no longer out of quota; removing NO_QUOTA flag`]);
      const p = osd.pendingPool(id);
      p.flags &= ~(PoolFlag.FULL_QUOTA | PoolFlag.FULL);
      continue;
    }
    if (!overBytes && !overObjects) continue;
    if (overBytes) lines.push([Clog.WARN, `pool '${name}' is full (reached quota's max_bytes: ${byteU(Number(pool.quotaMaxBytes))})`]);
    if (overObjects) lines.push([Clog.WARN, `pool '${name}' is full (reached quota's max_objects: ${pool.quotaMaxObjects})`]);
    const p = osd.pendingPool(id);
    p.flags = (p.flags | PoolFlag.FULL_QUOTA | PoolFlag.FULL) & ~(PoolFlag.NEARFULL | PoolFlag.BACKFILLFULL);
  }
  return lines;
}
