/**
 * The cluster's PG and usage statistics, which a mgr normally aggregates from OSD reports into a
 * PGMapDigest (src/mon/PGMap.cc). ts-mon serves them itself: every PG of every pool is known from
 * the OSDMap; PGs no OSD has reported on are "unknown", as a fresh mgr shows them. OSD reports
 * (states, object and byte counts, OSD statfs) update the view when they arrive.
 */
import { OSDMap, osdCounts } from '@ts-ceph/maps';
import { Health, HealthCheckMap, addCheck } from '../health/health-check';

/** PG_STATE_* bits used here (src/osd/osd_types.h). */
export const PgState = { CREATING: 1 << 0, ACTIVE: 1 << 1, CLEAN: 1 << 2 } as const;

export interface PgReport {
  state: number;
  stateName: string;
  numObjects: number;
  numBytes: number;
  /** When the PG last changed state (ms), for the stuck checks. */
  lastChange: number;
  lastActive: number;
}

export interface OsdStatfs {
  total: number;
  available: number;
  used: number;
}

export interface PgSummary {
  numPg: number;
  numPools: number;
  byState: [string, number][];
  numUnknown: number;
  numActive: number;
  numObjects: number;
  dataBytes: number;
  bytesUsed: number;
  bytesAvail: number;
  bytesTotal: number;
}

export class PGStatService {
  /** pgid "1.1f" -> last report */
  private readonly reports = new Map<string, PgReport>();
  /** When we first saw each pool (ms): unknown PGs count as stuck from then. */
  private readonly poolSeen = new Map<number, number>();
  readonly osdStatfs = new Map<number, OsdStatfs>();

  /** Register pools of a new map (PGMapUpdater::register_new_pgs) and forget removed ones. */
  notePools(m: OSDMap, now: number): void {
    for (const id of m.pools.keys()) if (!this.poolSeen.has(id)) this.poolSeen.set(id, now);
    for (const id of [...this.poolSeen.keys()]) if (!m.pools.has(id)) this.poolSeen.delete(id);
    for (const k of [...this.reports.keys()]) {
      const [pool, seed] = k.split('.') as [string, string];
      const p = m.pools.get(Number(pool));
      if (!p || parseInt(seed, 16) >= p.pgNum) this.reports.delete(k);
    }
  }

  report(pgid: string, r: PgReport): void {
    this.reports.set(pgid, r);
  }

  private *pgs(m: OSDMap): Generator<[string, number, PgReport | undefined]> {
    for (const [id, p] of m.pools) for (let s = 0; s < p.pgNum; s++) {
      const key = `${id}.${s.toString(16)}`;
      yield [key, id, this.reports.get(key)];
    }
  }

  /** Per pool: PGs by state name, objects and bytes (pg_summary's by_pool and the pool stat sums). */
  byPool(m: OSDMap): Map<number, { states: Map<string, number>; numObjects: number; numBytes: number }> {
    const out = new Map<number, { states: Map<string, number>; numObjects: number; numBytes: number }>();
    for (const id of m.pools.keys()) out.set(id, { states: new Map(), numObjects: 0, numBytes: 0 });
    for (const [, pool, r] of this.pgs(m)) {
      const p = out.get(pool)!;
      const name = r ? r.stateName : 'unknown';
      p.states.set(name, (p.states.get(name) ?? 0) + 1);
      p.numObjects += r?.numObjects ?? 0;
      p.numBytes += r?.numBytes ?? 0;
    }
    return out;
  }

  /** The objects and bytes the reports count in one pool (pool_stat_t's sum), 0 for unreported PGs. */
  poolSum(m: OSDMap, pool: number): { numObjects: number; numBytes: number } {
    const sum = { numObjects: 0, numBytes: 0 };
    for (const [, p, r] of this.pgs(m)) {
      if (p !== pool) continue;
      sum.numObjects += r?.numObjects ?? 0;
      sum.numBytes += r?.numBytes ?? 0;
    }
    return sum;
  }

  summary(m: OSDMap): PgSummary {
    const byState = new Map<string, number>();
    let numPg = 0;
    let numUnknown = 0;
    let numActive = 0;
    let numObjects = 0;
    let dataBytes = 0;
    for (const [, , r] of this.pgs(m)) {
      numPg++;
      const name = r ? r.stateName : 'unknown';
      byState.set(name, (byState.get(name) ?? 0) + 1);
      if (!r || r.state === 0) numUnknown++;
      if (r && r.state & PgState.ACTIVE) numActive++;
      numObjects += r?.numObjects ?? 0;
      dataBytes += r?.numBytes ?? 0;
    }
    let total = 0;
    let avail = 0;
    let used = 0;
    for (let i = 0; i < m.maxOsd; i++) {
      const s = this.osdStatfs.get(i);
      if (!s) continue;
      total += s.total;
      avail += s.available;
      used += s.used;
    }
    // Ordered by count, descending (a multimap walked backwards: equal counts in reverse name order).
    const states = [...byState.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
    return { numPg, numPools: m.pools.size, byState: states, numUnknown, numActive, numObjects, dataBytes, bytesUsed: used, bytesAvail: avail, bytesTotal: total };
  }

  /** The PGMap health checks ts-mon can evaluate: TOO_FEW_OSDS and PG_AVAILABILITY (stuck inactive). */
  health(m: OSDMap, now: number, conf: { warnTooFewOsds: boolean; poolDefaultSize: number; stuckThresholdSec: number; warnPoolNoApp?: boolean }): HealthCheckMap {
    const checks: HealthCheckMap = new Map();
    const num = osdCounts(m).num;
    if (conf.warnTooFewOsds && num < conf.poolDefaultSize) {
      addCheck(checks, 'TOO_FEW_OSDS', Health.WARN, `OSD count ${num} < osd_pool_default_size ${conf.poolDefaultSize}`, conf.poolDefaultSize - num);
    }
    const cutoff = now - conf.stuckThresholdSec * 1000;
    const detail: string[] = [];
    for (const [pgid, pool, r] of this.pgs(m)) {
      if (r && r.state & PgState.ACTIVE) continue;
      const since = r ? r.lastActive : 0;
      const changed = r ? r.lastChange : (this.poolSeen.get(pool) ?? now);
      if (since === 0 && changed >= cutoff) continue;
      if (since >= cutoff && since !== 0) continue;
      const from = since || changed;
      detail.push(`pg ${pgid} is stuck inactive for ${stuckAge(now - from)}, current state ${r ? r.stateName : 'unknown'}, last acting []`);
    }
    if (conf.warnPoolNoApp ?? true) {
      // POOL_APP_NOT_ENABLED: pools holding objects with no application (and not a cache tier).
      const objects = new Map<number, number>();
      for (const [, pool, r] of this.pgs(m)) objects.set(pool, (objects.get(pool) ?? 0) + (r?.numObjects ?? 0));
      const noApp: string[] = [];
      for (const [id, p] of m.pools) {
        if ((objects.get(id) ?? 0) > 0 && p.applicationMetadata.size === 0 && p.tierOf < 0) noApp.push(`application not enabled on pool '${m.poolName.get(id) ?? ''}'`);
      }
      if (noApp.length) {
        const n = noApp.length;
        noApp.push("use 'ceph osd pool application enable <pool-name> <app-name>', where <app-name> is 'cephfs', 'rbd', 'rgw', or freeform for custom applications.");
        addCheck(checks, 'POOL_APP_NOT_ENABLED', Health.WARN, `${n} pool(s) do not have an application enabled`, n, noApp);
      }
    }
    if (detail.length) {
      addCheck(checks, 'PG_AVAILABILITY', Health.WARN, `Reduced data availability: ${detail.length} pg${detail.length > 1 ? 's' : ''} inactive`, detail.length, detail.slice(0, 50));
    }
    return checks;
  }
}

function stuckAge(ms: number): string {
  // utimespan_str
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}
