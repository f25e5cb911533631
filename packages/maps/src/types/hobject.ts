import { Reader, Writer } from '@ts-ceph/denc';
import { Formatter } from '../format/formatter';
import { NO_SHARD } from './pg';

/**
 * object_locator_t, hobject_t and ghobject_t (src/osd/osd_types.{h,cc}, src/common/hobject.{h,cc}).
 */

/** CEPH_NOSNAP / CEPH_SNAPDIR (src/include/rados.h): the head object and the snapdir, as u64. */
export const CEPH_NOSNAP = 0xfffffffffffffffen;
export const CEPH_SNAPDIR = 0xffffffffffffffffn;
/** ghobject_t::NO_GEN. */
export const NO_GEN = 0xffffffffffffffffn;
/** The pool of hobject_t::get_min(): INT64_MIN, exactly representable as a double. */
export const POOL_MIN = -(2 ** 63);

/** An int64 that is either a safe integer or INT64_MIN (the only huge value hobjects carry). */
function readPool(r: Reader, field: string): number {
  const v = r.i64(field);
  if (v === -(1n << 63n)) return POOL_MIN;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) r.fail('DENC_LIMIT', `pool ${v} exceeds 2^53`, field);
  return Number(v);
}

/** object_locator_t: which pool (and namespace, key or explicit hash) an object lives in. */
export interface ObjectLocatorT {
  pool: number;
  key: string;
  nspace: string;
  /** s64 explicit placement hash, or -1 (only one of key and hash may be set). */
  hash: number;
}

export function objectLocator(pool: number, nspace = '', key = '', hash = -1): ObjectLocatorT {
  return { pool, key, nspace, hash };
}

export function decodeObjectLocatorT(r: Reader, field = 'object_locator_t'): ObjectLocatorT {
  return r.envelopeLegacy(field, 6, 3, 3, (_r, v) => {
    let pool: number;
    if (v < 2) {
      pool = r.i32('pool');
      r.i16('preferred');
    } else {
      pool = r.i64n('pool');
      r.i32('preferred');
    }
    const key = r.string('key');
    const nspace = v >= 5 ? r.string('nspace') : '';
    const hash = v >= 6 ? r.i64n('hash') : -1;
    if (hash !== -1 && key !== '') r.fail('DENC_MALFORMED', 'object_locator_t has both a key and a hash');
    return { pool, key, nspace, hash };
  });
}

/** ENCODE_START(6, 3) raised to compat 6 (ENCODE_FINISH_NEW_COMPAT) when an explicit hash is set. */
export function encodeObjectLocatorT(w: Writer, l: ObjectLocatorT): void {
  w.envelope(6, l.hash !== -1 ? 6 : 3, () => {
    w.i64(l.pool).i32(-1).string(l.key).string(l.nspace).i64(l.hash);
  });
}

export function dumpObjectLocator(f: Formatter, l: ObjectLocatorT): void {
  f.dumpInt('pool', l.pool);
  f.dumpString('key', l.key);
  f.dumpString('namespace', l.nspace);
  f.dumpInt('hash', l.hash);
}

/** operator<< for object_locator_t: "@pool[;ns][:key]". */
export function formatObjectLocator(l: ObjectLocatorT): string {
  return `@${l.pool}${l.nspace ? `;${l.nspace}` : ''}${l.key ? `:${l.key}` : ''}`;
}

/** hobject_t: the hashed object name an OSD sorts and stores by. */
export interface HobjectT {
  oid: string;
  key: string;
  /** snapid_t (u64); CEPH_NOSNAP for the head. */
  snap: bigint;
  /** u32 full-precision placement hash. */
  hash: number;
  max: boolean;
  nspace: string;
  /** s64 pool (POOL_MIN for the minimum object, negative pools for temp objects). */
  pool: number;
}

/** hobject_t::get_max(): a default hobject_t (pool INT64_MIN) with max set, as Ceph encodes it. */
export function hobjectMax(): HobjectT {
  return { oid: '', key: '', snap: 0n, hash: 0, max: true, nspace: '', pool: POOL_MIN };
}

function decodeHobjectFields(r: Reader, v: number): HobjectT {
  const key = v >= 1 ? r.string('key') : '';
  const oid = r.string('oid');
  const snap = r.u64('snap');
  const hash = r.u32('hash');
  const max = v >= 2 ? r.bool('max') : false;
  let nspace = '';
  let pool = -1;
  if (v >= 4) {
    nspace = r.string('nspace');
    pool = readPool(r, 'pool');
  }
  return { oid, key, snap, hash, max, nspace, pool };
}

/** The normalisations hobject_t::decode applies (hammer's pool -1 minimum, non-canonical max). */
function normalise(h: HobjectT, v: number): HobjectT {
  if (v < 4) return h;
  if (h.pool === -1 && h.snap === 0n && h.hash === 0 && !h.max && h.oid === '') return { ...h, pool: POOL_MIN };
  return h;
}

export function decodeHobjectT(r: Reader, field = 'hobject_t'): HobjectT {
  return r.envelopeLegacy(field, 4, 3, 3, (_r, v) => {
    const h = normalise(decodeHobjectFields(r, v), v);
    return v >= 4 && h.max ? hobjectMax() : h;
  });
}

function encodeHobjectFields(w: Writer, h: HobjectT): void {
  w.string(h.key).string(h.oid).u64(h.snap).u32(h.hash >>> 0).bool(h.max).string(h.nspace).i64(BigInt(h.pool));
}

export function encodeHobjectT(w: Writer, h: HobjectT): void {
  w.envelope(4, 3, () => encodeHobjectFields(w, h));
}

export function dumpHobject(f: Formatter, h: HobjectT): void {
  f.dumpString('oid', h.oid);
  f.dumpString('key', h.key);
  f.dumpInt('snapid', BigInt.asIntN(64, h.snap));
  f.dumpInt('hash', h.hash | 0);
  f.dumpInt('max', h.max ? 1 : 0);
  f.dumpInt('pool', BigInt(h.pool));
  f.dumpString('namespace', h.nspace);
}

/** ghobject_t: an hobject_t plus generation and shard, the ObjectStore's object key. */
export interface GhobjectT {
  hobj: HobjectT;
  /** u64 generation, NO_GEN when unset. */
  generation: bigint;
  /** s8 shard id, NO_SHARD for replicated pools. */
  shard: number;
  max: boolean;
}

export function decodeGhobjectT(r: Reader, field = 'ghobject_t'): GhobjectT {
  return r.envelopeLegacy(field, 6, 3, 3, (_r, v) => {
    const hobj = normalise(decodeHobjectFields(r, v), v);
    const generation = v >= 5 ? r.u64('generation') : NO_GEN;
    const shard = v >= 5 ? r.i8('shard_id') : NO_SHARD;
    const max = v >= 6 ? r.bool('max') : false;
    return { hobj, generation, shard, max };
  });
}

export function encodeGhobjectT(w: Writer, g: GhobjectT): void {
  w.envelope(6, 3, () => {
    encodeHobjectFields(w, g.hobj);
    w.u64(g.generation).i8(g.shard).bool(g.max);
  });
}

export function dumpGhobject(f: Formatter, g: GhobjectT): void {
  dumpHobject(f, g.hobj);
  if (g.generation !== NO_GEN) f.dumpInt('generation', BigInt.asIntN(64, g.generation));
  if (g.shard !== NO_SHARD) f.dumpInt('shard_id', g.shard);
  f.dumpInt('max', g.max ? 1 : 0);
}
