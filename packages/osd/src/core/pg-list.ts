import { Errno } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';
import { HobjectT, decodeHobjectT, hobjectMax } from '@ts-ceph/maps';
import { CephOsdOp, OSDOp, encodePgLsResponseT, encodePgNlsResponseT, opPgls } from '@ts-ceph/messages';
import { CEPH_NOSNAP, GHObject, NO_GEN, NO_SHARD, ghobjectMax, ghobjectMin, reverseBits32 } from '@ts-ceph/objectstore/interface';
import type { StoreReader } from './op-context';
import type { PG } from './pg';

/** Entries one pgnls reply lists at most (Ceph's osd_max_pgls default 1024). */
export const pgListLimits = { entriesMax: 1024 };

/** librados' LIBRADOS_ALL_NSPACES: list every namespace. */
const ALL_NSPACES = '\x01';

/** pg_pool_t::calc_bits_of. */
function calcBitsOf(n: number): number {
  let b = 0;
  while (n) {
    b++;
    n >>>= 1;
  }
  return b;
}

/** pg_t::get_split_bits. */
function splitBits(seed: number, pgNum: number): number {
  if (pgNum <= 1) return 0;
  const p = calcBitsOf(pgNum);
  const m = 2 ** (p - 1);
  return seed % m < pgNum % m ? p : p - 1;
}

/** pg_t::get_hobj_end: where the next PG starts in the bitwise hobject order (max for the last). */
export function pgHobjEnd(pool: number, seed: number, pgNum: number): HobjectT {
  const bits = splitBits(seed, pgNum);
  const revStart = reverseBits32(seed) >>> 0;
  // >>> 0: JavaScript's | is signed 32-bit; the end of the last PG is 2^32 (the max object).
  const revEnd = ((revStart | (0xffffffff >>> bits)) >>> 0) + 1;
  if (revEnd >= 0x100000000) return hobjectMax();
  return { oid: '', key: '', snap: CEPH_NOSNAP, hash: reverseBits32(revEnd >>> 0) >>> 0, max: false, nspace: '', pool };
}

function toGhobject(h: HobjectT): GHObject {
  if (h.max) return ghobjectMax();
  if (h.pool < -(2 ** 53)) return ghobjectMin();
  return { pool: h.pool, nspace: h.nspace, key: h.key, name: h.oid, snap: h.snap, hash: h.hash >>> 0, generation: NO_GEN, shard: NO_SHARD };
}

function toHobject(g: GHObject): HobjectT {
  if (g.max) return hobjectMax();
  return { oid: g.name, key: g.key, snap: g.snap, hash: g.hash >>> 0, max: false, nspace: g.nspace, pool: g.pool };
}

/** A PGLS filter (PGLSFilter): the xattr it looks at and the value it wants. */
interface PgLsFilter {
  xattr: string;
  value: Buffer;
}

/**
 * get_pgls_filter: the "plain" filter and cls_hello's "hello.hello" both take an xattr name and a
 * value and keep objects whose xattr equals it. Any other type (unknown class or filter, no dot) is
 * -EINVAL, as Ceph answers when it cannot open the class or find the filter.
 */
function parseFilter(r: Reader): PgLsFilter | number {
  r.string('cname');
  r.string('mname');
  const type = r.string('filter_type');
  if (type !== 'plain' && type !== 'hello.hello') return -Errno.EINVAL;
  return { xattr: r.string('xattr'), value: r.blob('value') };
}

/** pgls_filter: objects without the xattr are rejected (reject_empty_xattr), else the value must match. */
async function passes(store: StoreReader, pg: PG, o: GHObject, f: PgLsFilter | undefined): Promise<boolean> {
  if (!f) return true;
  let v: Buffer = Buffer.alloc(0);
  if (f.xattr !== '') {
    try {
      v = Buffer.from(await store.getattr(pg.coll, o, f.xattr));
    } catch {
      return false;
    }
  }
  return v.equals(f.value);
}

/**
 * Walk the PG's head objects from `pos`, keeping those `accept` takes, until `max` are kept or the
 * PG ends. Snapshots, the pgmeta object and objects `accept` refuses are skipped without counting.
 */
async function walkPg(store: StoreReader, pg: PG, from: GHObject, max: number, accept: (o: GHObject) => Promise<boolean>): Promise<{ kept: GHObject[]; next: GHObject }> {
  const kept: GHObject[] = [];
  let pos = from;
  let next: GHObject = ghobjectMax();
  for (;;) {
    const r = await store.collectionList(pg.coll, pos, ghobjectMax(), max - kept.length);
    for (const o of r.objects) {
      // The PG's meta object (hobject_t::is_pgmeta: an empty name) is not a client object.
      if (o.snap !== CEPH_NOSNAP || o.name === '') continue;
      if (await accept(o)) kept.push(o);
    }
    next = r.next;
    if (next.max || kept.length >= max || r.objects.length === 0) break;
    pos = next;
  }
  return { kept, next };
}

/**
 * PrimaryLogPG::do_pg_op for the listing ops: PGNLS / PGNLS_FILTER (entries with namespace and
 * locator, in `nspace` or all of them; at the end of the PG the handle is the next PG's start) and
 * the legacy PGLS / PGLS_FILTER (pg_ls_response_t: name and locator in exactly `nspace`, the handle
 * where to resume). The op's indata is the optional filter then the hobject_t cursor. Returns the
 * rval: 1 when the PG is exhausted, 0 when there is more, or -errno.
 */
export async function pgList(store: StoreReader, pg: PG, pgNum: number, nspace: string, snapid: bigint, op: OSDOp, out: OSDOp): Promise<number> {
  if (snapid !== CEPH_NOSNAP) return -Errno.EINVAL;
  const filtered = op.op === CephOsdOp.PGNLS_FILTER || op.op === CephOsdOp.PGLS_FILTER;
  const legacy = op.op === CephOsdOp.PGLS || op.op === CephOsdOp.PGLS_FILTER;
  let cursor: HobjectT;
  let count: number;
  let filter: PgLsFilter | undefined;
  try {
    const r = new Reader(op.data);
    if (filtered) {
      const f = parseFilter(r);
      if (typeof f === 'number') return f;
      filter = f;
    }
    cursor = decodeHobjectT(r, 'pgls_cursor');
    count = Number(opPgls(op).count);
  } catch {
    return -Errno.EINVAL;
  }
  const max = Math.max(1, Math.min(count, pgListLimits.entriesMax));
  const accept = async (o: GHObject): Promise<boolean> => (legacy || nspace !== ALL_NSPACES ? o.nspace === nspace : true) && passes(store, pg, o, filter);
  const { kept, next } = await walkPg(store, pg, toGhobject(cursor), max, accept);
  const done = !!next.max;
  const w = new Writer();
  if (legacy) encodePgLsResponseT(w, { handle: toHobject(next), entries: kept.map((o) => ({ oid: o.name, key: o.key })) });
  else encodePgNlsResponseT(w, { handle: done ? pgHobjEnd(pg.pgid.pool, pg.pgid.seed, pgNum) : toHobject(next), entries: kept.map((o) => ({ nspace: o.nspace, oid: o.name, locator: o.key })) });
  out.data = w.finish();
  return done ? 1 : 0;
}

/** The PG ops pgList answers. */
export const pgListOps = new Set<number>([CephOsdOp.PGNLS, CephOsdOp.PGNLS_FILTER, CephOsdOp.PGLS, CephOsdOp.PGLS_FILTER]);
