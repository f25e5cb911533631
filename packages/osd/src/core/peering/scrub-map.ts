import { Writer, crc32c } from '@ts-ceph/denc';
import { CollT, GHObject } from '@ts-ceph/objectstore/interface';
import { StoreReader } from '../op-context';
import { OI_ATTR, OI_FLAG, ObjectInfo, decodeObjectInfo } from '../object-info';

/**
 * ScrubMap (src/osd/osd_types.h, ScrubMap::object) cut to what a replicated pool compares: per
 * object its size, every xattr, and after a deep scrub the crc32c of its data and of its omap.
 * Each acting member builds one for a chunk of objects; the primary compares them (PgScrubber's
 * be_compare_scrubmaps, here `compareScrubMaps`).
 */
export interface ScrubObject {
  size: number;
  attrs: Map<string, Buffer>;
  /** Deep scrub only: crc32c (seed -1) of the whole data, as object_info_t::data_digest. */
  dataDigest?: number;
  /** Deep scrub only: crc32c (seed -1) of the omap header then every encoded key and value. */
  omapDigest?: number;
  /** The store answered EIO reading the object (a checksum failure): SHARD_READ_ERR. */
  readError?: boolean;
}
export type ScrubMap = Map<string, ScrubObject>;

/** librados::err_t (src/include/rados/rados_types.hpp): one shard's errors. */
export const SHARD_ERR = {
  SHARD_MISSING: 1 << 1,
  SHARD_STAT_ERR: 1 << 2,
  SHARD_READ_ERR: 1 << 3,
  DATA_DIGEST_MISMATCH_INFO: 1 << 9,
  OMAP_DIGEST_MISMATCH_INFO: 1 << 10,
  SIZE_MISMATCH_INFO: 1 << 11,
  INFO_MISSING: 1 << 14,
  INFO_CORRUPTED: 1 << 15,
} as const;

/** librados::obj_err_t: errors between the shards of one object. */
export const OBJ_ERR = {
  OBJECT_INFO_INCONSISTENCY: 1 << 1,
  DATA_DIGEST_MISMATCH: 1 << 4,
  OMAP_DIGEST_MISMATCH: 1 << 5,
  SIZE_MISMATCH: 1 << 6,
  ATTR_VALUE_MISMATCH: 1 << 7,
  ATTR_NAME_MISMATCH: 1 << 8,
} as const;

/** One shard's view of an inconsistent object (librados::shard_info_t). */
export interface ShardInfo {
  osd: number;
  primary: boolean;
  errors: number;
  size?: number;
  dataDigest?: number;
  omapDigest?: number;
  /** This shard's object_info_t was the one chosen as authoritative. */
  selectedOi: boolean;
  /** The shard's xattrs (list-inconsistent-obj shows them); empty for a missing shard. */
  attrs: [string, Buffer][];
}

/** librados::inconsistent_obj_t: what `rados list-inconsistent-obj` shows for one object. */
export interface InconsistentObj {
  key: string;
  /** The object, when the scrubber knows it (scrub.ts sets it), for the SCRUBLS answer. */
  oid?: GHObject;
  /** The authoritative object_info_t's version (inconsistent_obj_t::version), 0 without one. */
  version: bigint;
  errors: number;
  unionShardErrors: number;
  /** The authoritative shard, or -1 when no shard qualifies (the object cannot be repaired). */
  authOsd: number;
  shards: ShardInfo[];
}

export interface ScrubCompare {
  inconsistent: InconsistentObj[];
  /** Per object: the shards to overwrite from `from` (repair). */
  repairs: { key: string; from: number; to: number[] }[];
}

/** Read one object into its ScrubMap entry (the store returns undefined for an absent object). */
export async function scrubObject(store: StoreReader, coll: CollT, oid: GHObject, deep: boolean): Promise<ScrubObject | undefined> {
  if (!(await store.exists(coll, oid))) return undefined;
  const attrs = new Map(await store.getattrs(coll, oid));
  if (!deep) return { size: (await store.stat(coll, oid)).size, attrs };
  let data: Buffer;
  try {
    data = await store.read(coll, oid, 0, 0);
  } catch {
    // A checksummed store (ts-osd's native one) answers EIO for a flipped block: a read error.
    return { size: (await store.stat(coll, oid)).size, attrs, readError: true };
  }
  const w = new Writer();
  w.blob(await store.omapGetHeader(coll, oid));
  for (let after = ''; ; ) {
    const page = await store.omapGetValsAfter(coll, oid, after, 1024);
    for (const [k, v] of page.values) w.string(k).blob(v), (after = k);
    if (!page.more || page.values.size === 0) break;
  }
  return { size: data.length, attrs, dataDigest: crc32c(0xffffffff, data), omapDigest: crc32c(0xffffffff, w.finish()) };
}

type OiRead = { oi: ObjectInfo } | { err: number };
function readOi(o: ScrubObject): OiRead {
  const b = o.attrs.get(OI_ATTR);
  if (!b) return { err: SHARD_ERR.INFO_MISSING };
  try {
    return { oi: decodeObjectInfo(b) };
  } catch {
    return { err: SHARD_ERR.INFO_CORRUPTED };
  }
}

/** A shard's own errors against its object_info_t (the *_MISMATCH_INFO kinds). */
function shardErrors(o: ScrubObject | undefined, deep: boolean): number {
  if (!o) return SHARD_ERR.SHARD_MISSING;
  if (o.readError) return SHARD_ERR.SHARD_READ_ERR;
  const r = readOi(o);
  if ('err' in r) return r.err;
  let e = 0;
  if (o.size !== r.oi.size) e |= SHARD_ERR.SIZE_MISMATCH_INFO;
  if (deep && r.oi.flags & OI_FLAG.DATA_DIGEST && o.dataDigest !== r.oi.dataDigest) e |= SHARD_ERR.DATA_DIGEST_MISMATCH_INFO;
  if (deep && r.oi.flags & OI_FLAG.OMAP_DIGEST && o.omapDigest !== r.oi.omapDigest) e |= SHARD_ERR.OMAP_DIGEST_MISMATCH_INFO;
  return e;
}

/**
 * be_select_auth_object, simplified: a shard qualifies when it has the object, read it without
 * error, holds a decodable object_info_t and agrees with that info's size and recorded digests.
 * Among qualifying shards the object_info_t bytes most of them share win (a majority vote), ties
 * going to the earlier shard in `order` (the primary first), as Ceph prefers the primary.
 */
export function selectAuth(shards: Map<number, ScrubObject | undefined>, order: readonly number[], deep: boolean): number {
  const votes = new Map<string, { n: number; first: number }>();
  for (const osd of order) {
    const o = shards.get(osd);
    if (!o || shardErrors(o, deep) !== 0) continue;
    const k = o.attrs.get(OI_ATTR)!.toString('hex');
    const v = votes.get(k);
    if (v) v.n++;
    else votes.set(k, { n: 1, first: osd });
  }
  let best: { n: number; first: number } | undefined;
  for (const v of votes.values()) if (!best || v.n > best.n) best = v;
  return best?.first ?? -1;
}

const bufEq = (a: Buffer | undefined, b: Buffer | undefined): boolean => a !== undefined && b !== undefined && a.equals(b);

/** The errors of shard `o` against the authoritative copy (obj_err_t kinds). */
function objErrors(o: ScrubObject, auth: ScrubObject, deep: boolean, skipDataDigest: boolean): number {
  let e = 0;
  if (o.size !== auth.size) e |= OBJ_ERR.SIZE_MISMATCH;
  if (deep && !skipDataDigest && o.dataDigest !== auth.dataDigest) e |= OBJ_ERR.DATA_DIGEST_MISMATCH;
  if (deep && o.omapDigest !== auth.omapDigest) e |= OBJ_ERR.OMAP_DIGEST_MISMATCH;
  const names = new Set([...o.attrs.keys(), ...auth.attrs.keys()]);
  for (const n of names) {
    if (!o.attrs.has(n) || !auth.attrs.has(n)) e |= OBJ_ERR.ATTR_NAME_MISMATCH;
    else if (!bufEq(o.attrs.get(n), auth.attrs.get(n))) e |= n === OI_ATTR ? OBJ_ERR.OBJECT_INFO_INCONSISTENCY : OBJ_ERR.ATTR_VALUE_MISMATCH;
  }
  return e;
}

/**
 * be_compare_scrubmaps: every object any shard lists, compared shard by shard against the
 * authoritative copy. `order` is the acting set with the primary first. `skipDataDigest` is the
 * simulation's planted bug (a scrub that never compares data digests between shards).
 */
export function compareScrubMaps(maps: Map<number, ScrubMap>, order: readonly number[], deep: boolean, skipDataDigest = false): ScrubCompare {
  const keys = new Set<string>();
  for (const m of maps.values()) for (const k of m.keys()) keys.add(k);
  const out: ScrubCompare = { inconsistent: [], repairs: [] };
  for (const key of [...keys].sort()) {
    const shards = new Map(order.map((osd) => [osd, maps.get(osd)?.get(key)] as const));
    const authOsd = selectAuth(shards, order, deep);
    const auth = authOsd >= 0 ? shards.get(authOsd)! : undefined;
    let errors = 0;
    let union = 0;
    const bad: number[] = [];
    const infos: ShardInfo[] = order.map((osd) => {
      const o = shards.get(osd);
      let se = shardErrors(o, deep);
      if (skipDataDigest) se &= ~SHARD_ERR.DATA_DIGEST_MISMATCH_INFO;
      const oe = o && auth ? objErrors(o, auth, deep, skipDataDigest) : 0;
      errors |= oe;
      union |= se;
      if (se || oe) bad.push(osd);
      return { osd, primary: osd === order[0], errors: se, size: o?.size, dataDigest: o?.dataDigest, omapDigest: o?.omapDigest, selectedOi: osd === authOsd, attrs: o ? [...o.attrs] : [] };
    });
    if (!bad.length) continue;
    const oi = auth ? readOi(auth) : undefined;
    const version = oi && 'oi' in oi ? oi.oi.version.version : 0n;
    out.inconsistent.push({ key, version, errors, unionShardErrors: union, authOsd, shards: infos });
    if (authOsd >= 0) out.repairs.push({ key, from: authOsd, to: bad.filter((o) => o !== authOsd) });
  }
  return out;
}
