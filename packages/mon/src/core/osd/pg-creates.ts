/**
 * PG creation (OSDMonitor's creating_pgs, send_pg_creates, prepare_pg_created), simplified: every PG
 * of a pool flagged CREATING is "creating" until its primary reports MOSDPGCreated; the mon sends
 * each up primary an MOSDPGCreate2 for its creating PGs (on its osd_pg_creates subscription and
 * again with every new osdmap); once all PGs of a pool are created the CREATING flag is cleared in
 * a proposal. The PGs reported so far are stored with the next osdmap proposal (one comes soon:
 * primaries ask for up_thru before activating); reports since the last one are lost to a restart,
 * and as an OSD reports a PG only when it activates, such a pool can stay CREATING (a gap: Ceph
 * proposes for every report).
 */
import { UTime, Writer } from '@ts-ceph/denc';
import { clonePgPool, isUp, pgToUpActingOsds, PgT, PoolFlag, SpgT } from '@ts-ceph/maps';
import type { OSDMonitor } from './osd-monitor';
import type { StoreTransaction } from '../store-txn';

/** The store prefix of the epoch each pool was created in (creating_pgs_t's created epoch). */
export const OSD_PG_CREATING_PREFIX = 'osd_pg_creating';

/** PGs of one pool put in one MOSDPGCreate2 at most (a pool has at most a few thousand). */
export const pgCreatesLimits = { pgsPerMessageMax: 65536 };

/**
 * pg_history_t (src/osd/osd_types.h, ENCODE_START(10, 4)) of a PG that does not exist yet, as the mon
 * fills it: created, same interval/up/primary since and the pool's creation at `created`, the
 * three scrub stamps at the creation time, everything else 0.
 */
export function newPgHistory(created: number, stamp: UTime): Buffer {
  const w = new Writer();
  const eversionZero = (x: Writer) => x.u64(0).u32(0);
  const utime = (x: Writer) => x.u32(stamp.sec).u32(stamp.nsec);
  w.envelope(10, 4, (b) => {
    b.u32(created).u32(0).u32(0).u32(0); // epoch_created, last_epoch_started, _clean, _split
    b.u32(created).u32(created).u32(created); // same_interval_since, same_up_since, same_primary_since
    eversionZero(b);
    utime(b); // last_scrub_stamp
    eversionZero(b);
    utime(b); // last_deep_scrub_stamp
    utime(b); // last_clean_scrub_stamp
    b.u32(0).u32(0).u32(0); // last_epoch_marked_full, last_interval_started, last_interval_clean
    b.u32(created); // epoch_pool_created
    b.u64(0); // prior_readable_until_ub (ns)
  });
  return w.finish();
}

/** An empty PastIntervals (ENCODE_START(1, 1), type 2 = pi_compact_rep with nothing in it). */
export const EMPTY_PAST_INTERVALS = Buffer.from('0101170000000201011000000000000000000000000000000000000000', 'hex');

export class PgCreateTracker {
  /** pool → seeds whose primary said MOSDPGCreated (loaded from the store on first use). */
  readonly created = new Map<number, Set<number>>();
  /** Pools whose created set changed since the last osdmap proposal wrote it. */
  private readonly dirty = new Set<number>();

  private createdOf(osd: OSDMonitor, pool: number): Set<number> {
    let done = this.created.get(pool);
    if (!done) {
      done = new Set();
      const b = osd.storeGet(OSD_PG_CREATING_PREFIX, `${pool}_created`);
      if (b) for (let off = 4; off + 4 <= b.length && off < 4 + 4 * b.readUInt32LE(0); off += 4) done.add(b.readUInt32LE(off));
      this.created.set(pool, done);
    }
    return done;
  }

  /**
   * Written with every osdmap proposal (OSDMonitor.encodePending): each changed pool's created
   * seeds (le32 count, le32 seeds) under `<pool>_created`, erased once the pool is done.
   */
  encode(t: StoreTransaction): void {
    for (const pool of this.dirty) {
      const done = this.created.get(pool);
      if (!done) {
        t.erase(OSD_PG_CREATING_PREFIX, `${pool}_created`);
        continue;
      }
      const w = new Writer();
      w.u32(done.size);
      for (const seed of [...done].sort((a, b) => a - b)) w.u32(seed);
      t.put(OSD_PG_CREATING_PREFIX, `${pool}_created`, w.finish());
    }
    this.dirty.clear();
  }

  /** The epoch pool `id` was created in (stored at creation; its last_change for older pools). */
  createdEpoch(osd: OSDMonitor, id: number): number {
    const b = osd.storeGet(OSD_PG_CREATING_PREFIX, id);
    if (b && b.length >= 4) return b.readUInt32LE(0);
    return osd.osdmap.pools.get(id)?.lastChange ?? osd.epoch;
  }

  /** The creating PGs whose acting primary is `osdId`, for its MOSDPGCreate2 (empty: none). */
  createsFor(osd: OSDMonitor, osdId: number): { spg: SpgT; created: number; stamp: UTime }[] {
    const m = osd.osdmap;
    const out: { spg: SpgT; created: number; stamp: UTime }[] = [];
    if (!isUp(m, osdId)) return out;
    for (const [id, pool] of m.pools) {
      if (!(pool.flags & PoolFlag.CREATING)) continue;
      const done = this.createdOf(osd, id);
      const created = this.createdEpoch(osd, id);
      for (let seed = 0; seed < pool.pgNum && out.length < pgCreatesLimits.pgsPerMessageMax; seed++) {
        if (done?.has(seed)) continue;
        const pgid: PgT = { pool: id, seed };
        if (pgToUpActingOsds(m, pgid).actingPrimary !== osdId) continue;
        out.push({ spg: { pgid, shard: -1 }, created, stamp: pool.createTime });
      }
    }
    return out;
  }

  /**
   * prepare_pg_created: note the PG (stored with the next osdmap proposal); when a pool has all its
   * PGs, clear CREATING in the pending incremental. Returns whether there is something to propose.
   */
  noteCreated(osd: OSDMonitor, pgid: PgT): boolean {
    const pool = osd.osdmap.pools.get(pgid.pool);
    if (!pool || !(pool.flags & PoolFlag.CREATING) || pgid.seed >= pool.pgNum) return false;
    const done = this.createdOf(osd, pgid.pool);
    if (done.has(pgid.seed)) return false;
    done.add(pgid.seed);
    this.dirty.add(pgid.pool);
    if (done.size < pool.pgNum) return false;
    this.created.delete(pgid.pool);
    const p = osd.pending.newPools.get(pgid.pool) ?? clonePgPool(pool);
    p.flags &= ~PoolFlag.CREATING;
    osd.pending.newPools.set(pgid.pool, p);
    return true;
  }
}
