import { Reader, Writer, EntityAddr, EntityNameT } from '@ts-ceph/denc';
import { ObjectInfoT, decodeObjectInfoT, encodeObjectInfoT, newObjectInfo as newObjectInfoT } from '@ts-ceph/maps';
import type { CollT, GHObject } from '@ts-ceph/objectstore/interface';
import type { ObjectState, StoreReader } from './op-context';

/**
 * watch_info_t (src/osd/osd_types.h) plus the watcher's entity: one registered watch on an object.
 * Keyed in ObjectInfo.watchers by `watchKey(cookie, entity)` as object_info_t keys its map by
 * pair<cookie, entity_name_t>.
 */
export interface WatchInfo {
  cookie: bigint;
  /** Seconds without a ping before the watch times out (osd_client_watch_timeout by default). */
  timeoutSeconds: number;
  addr: EntityAddr;
  /** entity_name_t of the watcher: type and num. */
  entity: EntityNameT;
}

export function watchKey(cookie: bigint, entity: EntityNameT): string {
  return `${cookie}:${entity.type}.${entity.num}`;
}

/**
 * What ts-osd keeps about each object in its `_` xattr: Ceph's object_info_t (ObjectInfoT, from
 * @ts-ceph/maps) less what the op engine derives from elsewhere (soid: the object's own name; the
 * manifest and legacy snaps: never used on our pools), with the truncate sequence as a number and the
 * watchers keyed by watchKey() (docs/formats/osd-object.md). The size is authoritative here as in
 * Ceph (the store's size always agrees: both change in one transaction).
 */
export type ObjectInfo = Omit<ObjectInfoT, 'soid' | 'watchers' | 'manifest' | 'legacySnaps' | 'truncateSeq'> & {
  truncateSeq: number;
  watchers: Map<string, WatchInfo>;
};

/** object_info_t::FLAG_*. */
export const OI_FLAG = { LOST: 1 << 0, WHITEOUT: 1 << 1, DIRTY: 1 << 2, OMAP: 1 << 3, DATA_DIGEST: 1 << 4, OMAP_DIGEST: 1 << 5 } as const;

/** The xattr name: Ceph's OI_ATTR. */
export const OI_ATTR = '_';
/** Ceph's SS_ATTR: the head's SnapSet. */
export const SS_ATTR = 'snapset';


/** object_info_t's constructor defaults: digests unset (-1), no flags. */
export function newObjectInfo(): ObjectInfo {
  return fromObjectInfoT(newObjectInfoT({ oid: '', key: '', snap: 0n, hash: 0, max: false, nspace: '', pool: 0 }));
}

/** The op engine's view of a decoded object_info_t. */
function fromObjectInfoT(c: ObjectInfoT): ObjectInfo {
  const { soid: _soid, watchers, manifest: _manifest, legacySnaps: _legacy, truncateSeq, ...same } = c;
  const oi: ObjectInfo = { ...same, truncateSeq: Number(truncateSeq), watchers: new Map() };
  for (const x of watchers) oi.watchers.set(watchKey(x.cookie, x.entity), { cookie: x.cookie, timeoutSeconds: x.info.timeoutSeconds, addr: x.info.addr, entity: x.entity });
  return oi;
}

/** Watchers on one object we decode at most (docs/LIMITS.md: mapsLimits.watchersPerObjectMax). */

/**
 * The `_` xattr holds Ceph's object_info_t (ENCODE_START(17, 8), src/osd/osd_types.cc), encoded with
 * all features, so a ceph-osd reads a ts-osd object's info and the reverse.
 */
export function encodeObjectInfo(oi: ObjectInfo, soid: GHObject): Buffer {
  const c = newObjectInfoT({ oid: soid.name, key: soid.key, snap: soid.snap, hash: soid.hash, max: false, nspace: soid.nspace, pool: soid.pool });
  const { watchers, truncateSeq, ...same } = oi;
  Object.assign(c, same);
  c.truncateSeq = BigInt(truncateSeq);
  c.watchers = [...watchers.values()].map((x) => ({ cookie: x.cookie, entity: x.entity, info: { cookie: x.cookie, timeoutSeconds: x.timeoutSeconds, addr: x.addr } }));
  const w = new Writer();
  encodeObjectInfoT(w, c);
  return w.finish();
}

export function decodeObjectInfo(b: Uint8Array): ObjectInfo {
  const r = new Reader(b);
  const c = decodeObjectInfoT(r);
  r.expectEnd('object_info_t');
  return fromObjectInfoT(c);
}

/** The object as the store has it (ObjectContext): existence and its object info. */
export async function loadObjectStateIn(store: StoreReader, coll: CollT, o: GHObject): Promise<ObjectState> {
  if (!(await store.exists(coll, o))) return { exists: false, oi: newObjectInfo() };
  let oi: ObjectInfo;
  try {
    oi = decodeObjectInfo(await store.getattr(coll, o, OI_ATTR));
  } catch {
    // An object written before object infos existed: its size is the store's.
    oi = newObjectInfo();
    oi.size = (await store.stat(coll, o)).size;
  }
  return { exists: true, oi };
}
