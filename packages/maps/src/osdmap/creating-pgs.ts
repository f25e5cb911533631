import { Reader, UTime, Writer, decodeUTime, encodeUTime, hasFeature } from '@ts-ceph/denc';
import { PgT, decodePgT, encodePgT } from '../types/pg';
import { PgMap } from '../types/pg-map';

/**
 * creating_pgs_t (src/mon/CreatingPGs.h): the monitor's record of PGs being created. The pg_history_t
 * and PastIntervals inside each pg_create_info are OSD peering state; they are carried as their raw
 * ENCODE_START envelopes (byte-exact) and interpreted by the OSD code that owns them.
 */

export interface PgCreateInfo {
  createEpoch: number;
  createStamp: UTime;
  up: number[];
  upPrimary: number;
  acting: number[];
  actingPrimary: number;
  /** The encoded pg_history_t envelope (undefined in the pre-octopus legacy form). */
  history: Buffer | undefined;
  /** The encoded PastIntervals envelope (undefined in the pre-octopus legacy form). */
  pastIntervals: Buffer | undefined;
}

export interface PoolCreateInfo {
  created: number;
  modified: UTime;
  start: bigint;
  end: bigint;
}

export interface CreatingPgsT {
  lastScanEpoch: number;
  pgs: PgMap<PgCreateInfo>;
  createdPools: number[];
  queue: Map<number, PoolCreateInfo>;
}

export function newCreatingPgs(): CreatingPgsT {
  return { lastScanEpoch: 0, pgs: new PgMap(), createdPools: [], queue: new Map() };
}

/** The raw bytes of one ENCODE_START envelope (v, compat, le32 len, body). */
function rawEnvelope(r: Reader, field: string): Buffer {
  return r.within(field, () => {
    const start = r.off;
    r.u8('struct_v');
    r.u8('struct_compat');
    const len = r.u32('struct_len');
    r.skip(len, 'body');
    return Buffer.from(r.buf.subarray(start, r.off));
  });
}

/** pg_history_t and PastIntervals of a PG created at `epoch` (what the monitor sends in MOSDPGCreate2). */
export function newPgHistoryAndIntervals(epoch: number, stamp: UTime): { history: Buffer; pastIntervals: Buffer } {
  const h = new Writer();
  h.envelope(10, 4, () => {
    h.u32(epoch).u32(0).u32(0).u32(0); // epoch_created, last_epoch_started, last_epoch_clean, last_epoch_split
    h.u32(epoch).u32(epoch).u32(epoch); // same_interval_since, same_up_since, same_primary_since
    h.u64(0).u32(0); // last_scrub (eversion_t)
    encodeUTime(h, stamp);
    h.u64(0).u32(0); // last_deep_scrub
    encodeUTime(h, stamp);
    encodeUTime(h, stamp); // last_clean_scrub_stamp
    h.u32(0).u32(0).u32(0); // last_epoch_marked_full, last_interval_started, last_interval_clean
    h.u32(epoch); // epoch_pool_created
    h.i64(0); // prior_readable_until_ub (signedspan, ns)
  });
  const p = new Writer();
  p.envelope(1, 1, () => p.u8(0)); // an empty PastIntervals has no representation (type 0)
  return { history: Buffer.from(h.finish()), pastIntervals: Buffer.from(p.finish()) };
}

export function decodePgCreateInfo(r: Reader, field = 'creating_pgs_t::pg_create_info'): PgCreateInfo {
  return r.envelope(field, 1, () => ({
    createEpoch: r.u32('create_epoch'),
    createStamp: decodeUTime(r, 'create_stamp'),
    up: r.list('up', (rr) => rr.i32('osd'), 4),
    upPrimary: r.i32('up_primary'),
    acting: r.list('acting', (rr) => rr.i32('osd'), 4),
    actingPrimary: r.i32('acting_primary'),
    history: rawEnvelope(r, 'history'),
    pastIntervals: rawEnvelope(r, 'past_intervals'),
  }));
}

export function encodePgCreateInfo(w: Writer, c: PgCreateInfo): void {
  if (!hasFeature(w.features, 'SERVER_OCTOPUS')) {
    w.u32(c.createEpoch);
    encodeUTime(w, c.createStamp);
    return;
  }
  const fresh = c.history && c.pastIntervals ? undefined : newPgHistoryAndIntervals(c.createEpoch, c.createStamp);
  w.envelope(1, 1, () => {
    w.u32(c.createEpoch);
    encodeUTime(w, c.createStamp);
    w.list(c.up, (ww, o) => ww.i32(o)).i32(c.upPrimary);
    w.list(c.acting, (ww, o) => ww.i32(o)).i32(c.actingPrimary);
    w.bytes(c.history ?? fresh!.history);
    w.bytes(c.pastIntervals ?? fresh!.pastIntervals);
  });
}

function legacyCreateInfo(r: Reader): PgCreateInfo {
  return { createEpoch: r.u32('create_epoch'), createStamp: decodeUTime(r, 'create_stamp'), up: [], upPrimary: -1, acting: [], actingPrimary: -1, history: undefined, pastIntervals: undefined };
}

export function decodeCreatingPgs(r: Reader, field = 'creating_pgs_t'): CreatingPgsT {
  return r.envelope(field, 3, (_r, v) => {
    const c = newCreatingPgs();
    c.lastScanEpoch = r.u32('last_scan_epoch');
    const pgs = r.pairs('pgs', (rr) => decodePgT(rr, 'pgid'), (rr) => (v >= 3 ? decodePgCreateInfo(rr, 'info') : legacyCreateInfo(rr)), 25);
    c.pgs = new PgMap<PgCreateInfo>(pgs as [PgT, PgCreateInfo][]);
    c.createdPools = r.list('created_pools', (rr) => rr.i64n('pool'), 8);
    if (v >= 2) {
      c.queue = new Map(
        r.pairs('queue', (rr) => rr.i64n('pool'), (rr) => ({ created: rr.u32('created'), modified: decodeUTime(rr, 'modified'), start: rr.u64('start'), end: rr.u64('end') }), 32),
      );
    }
    return c;
  });
}

export function encodeCreatingPgs(w: Writer, c: CreatingPgsT): void {
  w.envelope(hasFeature(w.features, 'SERVER_OCTOPUS') ? 3 : 2, 1, () => {
    w.u32(c.lastScanEpoch);
    w.pairs(c.pgs.entries(), (ww, pg) => encodePgT(ww, pg), (ww, info) => encodePgCreateInfo(ww, info));
    w.list([...c.createdPools].sort((a, b) => a - b), (ww, p) => ww.i64(p));
    w.pairs(
      [...c.queue.entries()].sort((a, b) => a[0] - b[0]),
      (ww, k) => ww.i64(k),
      (ww, q) => {
        ww.u32(q.created);
        encodeUTime(ww, q.modified);
        ww.u64(q.start).u64(q.end);
      },
    );
  });
}
