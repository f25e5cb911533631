import { cephError } from '@ts-ceph/common/core';
import { compareStringBytes, stringByteLength, stringToBytes } from '@ts-ceph/denc';

/**
 * The store's names for collections and objects, as plain data the OSD can convert to and from its
 * wire types (packages/maps owns the wire encodings of hobject_t / ghobject_t).
 * Source: src/common/hobject.{h,cc} (hobject_t, ghobject_t, cmp), src/osd/osd_types.{h,cc} (coll_t,
 * spg_t::calc_name), src/include/rados.h (CEPH_NOSNAP).
 */

/** snapid_t of the head object. */
export const CEPH_NOSNAP = 0xfffffffffffffffen;
export const CEPH_SNAPDIR = 0xffffffffffffffffn;
/** ghobject_t::NO_GEN */
export const NO_GEN = 0xffffffffffffffffn;
/** shard_id_t::NO_SHARD */
export const NO_SHARD = -1;
/** hobject_t::get_min() uses INT64_MIN as the pool; exactly representable as a double. */
export const POOL_MIN = -9223372036854775808;

/** ghobject_t flattened: hobject_t's fields plus generation and shard. */
export interface GHObject {
  pool: number;
  nspace: string;
  /** The locator key; empty means "use the name" (hobject_t::get_effective_key). */
  key: string;
  name: string;
  snap: bigint;
  /** The 32-bit placement hash (ceph_str_hash_rjenkins of the effective key, computed by the OSD). */
  hash: number;
  generation: bigint;
  shard: number;
  /** The maximum object (hobject_t::get_max()); sorts after everything. */
  max?: boolean;
}

export function ghobject(o: Partial<GHObject> & { name: string }): GHObject {
  return {
    pool: o.pool ?? 0,
    nspace: o.nspace ?? '',
    key: o.key ?? '',
    name: o.name,
    snap: o.snap ?? CEPH_NOSNAP,
    hash: o.hash ?? 0,
    generation: o.generation ?? NO_GEN,
    shard: o.shard ?? NO_SHARD,
    ...(o.max ? { max: true } : {}),
  };
}

export function ghobjectMin(): GHObject {
  return { pool: POOL_MIN, nspace: '', key: '', name: '', snap: 0n, hash: 0, generation: 0n, shard: NO_SHARD };
}

export function ghobjectMax(): GHObject {
  return { pool: 0, nspace: '', key: '', name: '', snap: 0n, hash: 0, generation: NO_GEN, shard: NO_SHARD, max: true };
}

/** The 32-bit hash with its bits reversed (hobject_t::get_bitwise_key_u32), the sort key. */
export function reverseBits32(v: number): number {
  let x = v >>> 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

/** Names are std::strings, compared as bytes (denc's string-bytes.ts keeps every byte). */
const cmpBytes = compareStringBytes;

const cmpNum = (a: number | bigint, b: number | bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** cmp(ghobject_t, ghobject_t): max, shard, then hobject_t's order, then generation. */
export function cmpGHObject(l: GHObject, r: GHObject): number {
  const lm = l.max ? 1 : 0;
  const rm = r.max ? 1 : 0;
  if (lm !== rm) return lm - rm;
  if (lm) return 0;
  return (
    cmpNum(l.shard, r.shard) ||
    cmpNum(l.pool, r.pool) ||
    cmpNum(reverseBits32(l.hash), reverseBits32(r.hash)) ||
    cmpBytes(l.nspace, r.nspace) ||
    (l.key || r.key ? cmpBytes(l.key || l.name, r.key || r.name) : 0) ||
    cmpBytes(l.name, r.name) ||
    cmpNum(l.snap, r.snap) ||
    cmpNum(l.generation, r.generation)
  );
}

export function ghobjectEquals(a: GHObject, b: GHObject): boolean {
  return cmpGHObject(a, b) === 0;
}

/** Largest object name, key or namespace we accept (Ceph's osd_max_object_name_len default is 2048). */
export const objectNameBytesMax = 2048;
export const objectNamespaceBytesMax = 256;

export function validateGHObject(o: GHObject, what = 'object'): void {
  if (o.max) throw cephError('EINVAL', `${what}: the max object cannot be stored`);
  if (!Number.isSafeInteger(o.pool) && o.pool !== POOL_MIN) throw cephError('EINVAL', `${what}: pool ${o.pool} is not an integer`);
  if (!Number.isInteger(o.hash) || o.hash < 0 || o.hash > 0xffffffff) throw cephError('EINVAL', `${what}: hash ${o.hash} is not a u32`);
  if (!Number.isInteger(o.shard) || o.shard < -1 || o.shard > 127) throw cephError('EINVAL', `${what}: shard ${o.shard} out of range`);
  if (typeof o.snap !== 'bigint' || o.snap < 0n || o.snap > CEPH_SNAPDIR) throw cephError('EINVAL', `${what}: snap is not a u64`);
  if (typeof o.generation !== 'bigint' || o.generation < 0n || o.generation > NO_GEN) throw cephError('EINVAL', `${what}: generation is not a u64`);
  if (stringByteLength(o.name) > objectNameBytesMax) throw cephError('ENAMETOOLONG', `${what}: name longer than ${objectNameBytesMax} bytes`);
  if (stringByteLength(o.key) > objectNameBytesMax) throw cephError('ENAMETOOLONG', `${what}: key longer than ${objectNameBytesMax} bytes`);
  if (stringByteLength(o.nspace) > objectNamespaceBytesMax) throw cephError('ENAMETOOLONG', `${what}: namespace longer than ${objectNamespaceBytesMax} bytes`);
}

/** Human form, close to ghobject_t's operator<<: shard#pool:hash:nspace:key:name:snap#gen. */
export function ghobjectToString(o: GHObject): string {
  if (o.max) return 'GHMAX';
  const snap = o.snap === CEPH_NOSNAP ? 'head' : o.snap === CEPH_SNAPDIR ? 'snapdir' : o.snap.toString(16);
  const gen = o.generation === NO_GEN ? '' : o.generation.toString(16);
  return `${o.shard === NO_SHARD ? '' : o.shard}#${o.pool}:${reverseBits32(o.hash).toString(16).padStart(8, '0')}:${o.nspace}:${o.key}:${o.name}:${snap}#${gen}`;
}

/**
 * An order-preserving byte key for a ghobject (bytewise order == cmpGHObject order), as a latin1
 * string so that JS string comparison is byte comparison. Strings are escaped (0x00 -> 00 01) and
 * terminated (00 00) so a prefix sorts first. Layout: shard+1 (u8), pool+2^63 (u64 BE),
 * reversed hash (u32 BE), nspace, effective key, name, snap (u64 BE), generation (u64 BE).
 */
export function ghobjectSortKey(o: GHObject): string {
  if (o.max) return '\xff\xff';
  // Built as few strings as we can: it is computed several times per object op (the store's cache
  // keys, prefetch, lookups), and was one of the largest allocation sites of a 4 KiB write. The
  // fixed-width head is one fromCharCode call, a head object's snap and generation are constants,
  // and the name is escaped once when it is also the effective key.
  const hi = Math.floor(o.pool / 0x100000000);
  const lo = o.pool - hi * 0x100000000;
  const p = (hi + 0x80000000) >>> 0;
  const h = reverseBits32(o.hash);
  // prettier-ignore
  const head = String.fromCharCode(o.shard + 1, p >>> 24, (p >>> 16) & 0xff, (p >>> 8) & 0xff, p & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
  const name = escapeString(o.name);
  return head + escapeString(o.nspace) + (o.key ? escapeString(o.key) : name) + name + u64SortKey(o.snap) + u64SortKey(o.generation);
}

const u32be = (v: number): string => String.fromCharCode(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
const u64be = (v: bigint): string => u32be(Number(v >> 32n)) + u32be(Number(v & 0xffffffffn));
const NOSNAP_SORT_KEY = u64be(CEPH_NOSNAP);
const NO_GEN_SORT_KEY = u64be(NO_GEN);
/** A u64 big-endian as latin1 chars; the values of a head object without a generation are made once. */
const u64SortKey = (v: bigint): string => (v === CEPH_NOSNAP ? NOSNAP_SORT_KEY : v === NO_GEN ? NO_GEN_SORT_KEY : u64be(v));

/** The string's bytes (string-bytes.ts) as latin1 chars, 0x00 escaped as 00 01, terminated by 00 00. */
function escapeString(s: string): string {
  // Names are nearly always printable ASCII, whose UTF-8 bytes are the string itself.
  if (/^[\x01-\x7f]*$/.test(s)) return s + '\x00\x00';
  return stringToBytes(s).toString('latin1').replace(/\x00/g, '\x00\x01') + '\x00\x00';
}

/** coll_t: the meta collection, a PG's head collection, or its temp collection. */
export interface CollT {
  type: 'meta' | 'pg' | 'pg_temp';
  pool: number;
  /** pg_t::m_seed */
  seed: number;
  shard: number;
}

export function collMeta(): CollT {
  return { type: 'meta', pool: 0, seed: 0, shard: NO_SHARD };
}

export function collPG(pool: number, seed: number, shard = NO_SHARD, temp = false): CollT {
  return { type: temp ? 'pg_temp' : 'pg', pool, seed, shard };
}

/** coll_t::to_str (coll_t::calc_str): "meta", "<pool>.<seed hex>[s<shard>]_head" or "..._TEMP". */
export function collToString(c: CollT): string {
  if (c.type === 'meta') return 'meta';
  const shard = c.shard === NO_SHARD ? '' : `s${c.shard}`;
  return `${c.pool}.${c.seed.toString(16)}${shard}${c.type === 'pg' ? '_head' : '_TEMP'}`;
}

/** coll_t::parse */
export function parseColl(s: string): CollT {
  if (s === 'meta') return collMeta();
  const m = /^(-?\d+)\.([0-9a-f]+)(?:s(\d+))?_(head|TEMP)$/.exec(s);
  if (!m) throw cephError('EINVAL', `'${s}' is not a collection name (meta, <pool>.<seed>[s<shard>]_head|_TEMP)`);
  const c = collPG(Number(m[1]), parseInt(m[2]!, 16), m[3] === undefined ? NO_SHARD : Number(m[3]), m[4] === 'TEMP');
  if (collToString(c) !== s) throw cephError('EINVAL', `'${s}' is not in canonical form`);
  return c;
}

export function validateColl(c: CollT): void {
  if (c.type !== 'meta' && c.type !== 'pg' && c.type !== 'pg_temp') throw cephError('EINVAL', `bad collection type ${String(c.type)}`);
  if (c.type !== 'meta') {
    if (!Number.isSafeInteger(c.pool)) throw cephError('EINVAL', `collection pool ${c.pool} invalid`);
    if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff) throw cephError('EINVAL', `collection seed ${c.seed} invalid`);
    if (!Number.isInteger(c.shard) || c.shard < -1 || c.shard > 127) throw cephError('EINVAL', `collection shard ${c.shard} invalid`);
  }
}
