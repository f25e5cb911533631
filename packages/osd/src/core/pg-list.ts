import { Errno } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';
import { HobjectT, decodeHobjectT, hobjectMax } from '@ts-ceph/maps';
import { OSDOp, encodePgNlsResponseT, ListObjectEntry, opPgls } from '@ts-ceph/messages';
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

/**
 * PrimaryLogPG::do_pg_op, CEPH_OSD_OP_PGNLS: list the PG's head objects from the cursor (the op's
 * indata, an hobject_t), in `nspace` (or all of them), at most `count`. Returns the rval: 1 when
 * the PG is exhausted (the handle is then the next PG's start), 0 when there is more, or -errno.
 */
export async function pgnls(store: StoreReader, pg: PG, pgNum: number, nspace: string, op: OSDOp, out: OSDOp): Promise<number> {
  let cursor: HobjectT;
  let count: number;
  try {
    cursor = decodeHobjectT(new Reader(op.data), 'pgnls_cursor');
    count = Number(opPgls(op).count);
  } catch {
    return -Errno.EINVAL;
  }
  const max = Math.max(1, Math.min(count, pgListLimits.entriesMax));
  const entries: ListObjectEntry[] = [];
  let pos = toGhobject(cursor);
  let next: GHObject = ghobjectMax();
  // Snapshots and other-namespace objects are skipped without counting, as Ceph does.
  for (;;) {
    const r = await store.collectionList(pg.coll, pos, ghobjectMax(), max - entries.length);
    for (const o of r.objects) {
      // The PG's meta object (hobject_t::is_pgmeta: an empty name) is not a client object.
      if (o.snap !== CEPH_NOSNAP || o.name === '') continue;
      if (nspace !== ALL_NSPACES && o.nspace !== nspace) continue;
      entries.push({ nspace: o.nspace, oid: o.name, locator: o.key });
    }
    next = r.next;
    if (next.max || entries.length >= max || r.objects.length === 0) break;
    pos = next;
  }
  const done = !!next.max;
  const w = new Writer();
  encodePgNlsResponseT(w, { handle: done ? pgHobjEnd(pg.pgid.pool, pg.pgid.seed, pgNum) : toHobject(next), entries });
  out.data = w.finish();
  return done ? 1 : 0;
}
