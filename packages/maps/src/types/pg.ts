import { Reader, Writer, EntityNameT, decodeEntityNameT, encodeEntityNameT, formatEntityNameT } from '@ts-ceph/denc';

/**
 * Placement-group identifiers and small OSD value types (src/osd/osd_types.h).
 */

/** shard_id_t::NO_SHARD: replicated pools have no shard (int8 -1). */
export const NO_SHARD = -1;
/** pg_shard_t::NO_OSD and CRUSH_ITEM_NONE: a hole in an erasure-coded set. */
export const CRUSH_ITEM_NONE = 0x7fffffff;

/** pg_t: pool id + placement seed. Wire: u8 v=1, le64 pool, le32 seed, le32 preferred (-1, ignored). */
export interface PgT {
  /** int64 pool id (Ceph keeps it as uint64 m_pool; negative values only appear as "no pool"). */
  pool: number;
  /** u32 placement seed. */
  seed: number;
}

export function decodePgT(r: Reader, field = 'pg_t'): PgT {
  return r.within(field, () => {
    r.u8('v');
    const pool = r.i64n('pool');
    const seed = r.u32('seed');
    r.skip(4, 'preferred');
    return { pool, seed };
  });
}

export function encodePgT(w: Writer, pg: PgT): void {
  w.u8(1).i64(pg.pool).u32(pg.seed >>> 0).i32(-1);
}

/** pg_t::compare: by pool, then seed. */
export function comparePg(a: PgT, b: PgT): number {
  return a.pool - b.pool || a.seed - b.seed;
}

/** operator<< for pg_t: "<pool>.<seed in hex>" (the pool printed as an unsigned 64-bit value). */
export function formatPg(pg: PgT): string {
  const pool = pg.pool < 0 ? BigInt.asUintN(64, BigInt(pg.pool)).toString() : String(pg.pool);
  return `${pool}.${(pg.seed >>> 0).toString(16)}`;
}

/** pg_t::parse: "<pool>.<hex seed>"; undefined if malformed. */
export function parsePg(s: string): PgT | undefined {
  const m = /^(\d+)\.([0-9a-fA-F]+)$/.exec(s);
  if (!m) return undefined;
  const pool = Number(m[1]);
  const seed = parseInt(m[2]!, 16);
  if (!Number.isSafeInteger(pool) || seed > 0xffffffff) return undefined;
  return { pool, seed };
}

/** A stable string key for maps keyed by pg_t. */
export function pgKey(pg: PgT): string {
  return `${pg.pool}.${pg.seed}`;
}

/** spg_t: a pg and the shard of it (erasure pools); ENCODE_START(1,1) { pg_t, s8 shard }. */
export interface SpgT {
  pgid: PgT;
  shard: number;
}

export function decodeSpgT(r: Reader, field = 'spg_t'): SpgT {
  return r.envelope(field, 1, () => ({ pgid: decodePgT(r, 'pgid'), shard: r.i8('shard') }));
}

export function encodeSpgT(w: Writer, s: SpgT): void {
  w.envelope(1, 1, () => {
    encodePgT(w, s.pgid);
    w.i8(s.shard);
  });
}

/** operator<< for spg_t: "1.a" or "1.as2". */
export function formatSpg(s: SpgT): string {
  return s.shard === NO_SHARD ? formatPg(s.pgid) : `${formatPg(s.pgid)}s${s.shard & 0xff}`;
}

/** pg_shard_t: ENCODE_START(1,1) { le32 osd, s8 shard }. */
export interface PgShardT {
  osd: number;
  shard: number;
}

export function decodePgShardT(r: Reader, field = 'pg_shard_t'): PgShardT {
  return r.envelope(field, 1, () => ({ osd: r.i32('osd'), shard: r.i8('shard') }));
}

export function encodePgShardT(w: Writer, s: PgShardT): void {
  w.envelope(1, 1, () => {
    w.i32(s.osd).i8(s.shard);
  });
}

/** operator<< for pg_shard_t: "?" for the undefined shard, "3", "3(1)", "NONE". */
export function formatPgShard(s: PgShardT): string {
  if (s.osd === -1) return '?';
  const osd = s.osd === CRUSH_ITEM_NONE ? 'NONE' : String(s.osd);
  return s.shard === NO_SHARD ? osd : `${osd}(${s.shard & 0xff})`;
}

/** eversion_t: le64 version + le32 epoch, packed (12 bytes, no header). */
export interface EversionT {
  epoch: number;
  /** u64 version; eversion_t::max() uses all ones, so it is kept as a bigint. */
  version: bigint;
}

export function decodeEversionT(r: Reader, field = 'eversion_t'): EversionT {
  return r.within(field, () => {
    const version = r.u64('version');
    return { version, epoch: r.u32('epoch') };
  });
}

export function encodeEversionT(w: Writer, e: EversionT): void {
  w.u64(e.version).u32(e.epoch >>> 0);
}

/** operator<< for eversion_t: "epoch'version". */
export function formatEversion(e: EversionT): string {
  return `${e.epoch}'${e.version}`;
}

export const EVERSION_ZERO: Readonly<EversionT> = Object.freeze({ epoch: 0, version: 0n });

/** osd_reqid_t: DENC_START(2,2) { entity_name_t name, le64 tid, le32 inc }. */
export interface OsdReqidT {
  name: EntityNameT;
  /** u64 transaction id. */
  tid: bigint;
  /** s32 client incarnation. */
  inc: number;
}

export function decodeOsdReqidT(r: Reader, field = 'osd_reqid_t'): OsdReqidT {
  return r.envelope(field, 2, () => ({ name: decodeEntityNameT(r, 'name'), tid: r.u64('tid'), inc: r.i32('inc') }));
}

export function encodeOsdReqidT(w: Writer, q: OsdReqidT): void {
  w.envelope(2, 2, () => {
    encodeEntityNameT(w, q.name);
    w.u64(q.tid).i32(q.inc);
  });
}

/** operator<< for osd_reqid_t: "client.4123.0:17". */
export function formatOsdReqid(q: OsdReqidT): string {
  return `${formatEntityNameT(q.name)}.${q.inc}:${q.tid}`;
}
