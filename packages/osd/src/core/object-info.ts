import { Reader, Writer, UTime, EntityAddr, EntityNameT } from '@ts-ceph/denc';
import { EversionT, OsdReqidT, decodeObjectInfoT, encodeObjectInfoT, newObjectInfo as newObjectInfoT } from '@ts-ceph/maps';
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
 * What ts-osd keeps about each object in its `_` xattr: the parts of Ceph's object_info_t that the
 * op engine uses (docs/formats/osd-object.md). The size is authoritative here
 * as in Ceph (the store's size always agrees: both change in one transaction).
 */
export interface ObjectInfo {
  /** eversion_t of the last modification, and of the one before. */
  version: EversionT;
  priorVersion: EversionT;
  /** u64, what clients see as the object's version (MOSDOpReply user_version). */
  userVersion: bigint;
  lastReqid: OsdReqidT;
  /** Bytes. */
  size: number;
  mtime: UTime;
  localMtime: UTime;
  /** object_info_t::FLAG_* (OI_FLAG below). */
  flags: number;
  truncateSeq: number;
  truncateSize: bigint;
  /** crc32c of the whole object / omap when the DATA_DIGEST / OMAP_DIGEST flags say so. */
  dataDigest: number;
  omapDigest: number;
  expectedObjectSize: bigint;
  expectedWriteSize: bigint;
  allocHintFlags: number;
  watchers: Map<string, WatchInfo>;
}

/** object_info_t::FLAG_*. */
export const OI_FLAG = { LOST: 1 << 0, WHITEOUT: 1 << 1, DIRTY: 1 << 2, OMAP: 1 << 3, DATA_DIGEST: 1 << 4, OMAP_DIGEST: 1 << 5 } as const;

/** The xattr name: Ceph's OI_ATTR. */
export const OI_ATTR = '_';
/** Ceph's SS_ATTR: the head's SnapSet. */
export const SS_ATTR = 'snapset';

const zeroEv = (): EversionT => ({ epoch: 0, version: 0n });

/** object_info_t's constructor defaults: digests unset (-1), no flags. */
export function newObjectInfo(): ObjectInfo {
  return {
    version: zeroEv(),
    priorVersion: zeroEv(),
    userVersion: 0n,
    lastReqid: { name: { type: 0, num: 0 }, tid: 0n, inc: 0 },
    size: 0,
    mtime: { sec: 0, nsec: 0 },
    localMtime: { sec: 0, nsec: 0 },
    flags: 0,
    truncateSeq: 0,
    truncateSize: 0n,
    dataDigest: 0xffffffff,
    omapDigest: 0xffffffff,
    expectedObjectSize: 0n,
    expectedWriteSize: 0n,
    allocHintFlags: 0,
    watchers: new Map(),
  };
}

/** Watchers on one object we decode at most (docs/LIMITS.md: mapsLimits.watchersPerObjectMax). */

/**
 * The `_` xattr holds Ceph's object_info_t (ENCODE_START(17, 8), src/osd/osd_types.cc), encoded with
 * all features, so a ceph-osd reads a ts-osd object's info and the reverse.
 */
export function encodeObjectInfo(oi: ObjectInfo, soid: GHObject): Buffer {
  const c = newObjectInfoT({ oid: soid.name, key: soid.key, snap: soid.snap, hash: soid.hash, max: false, nspace: soid.nspace, pool: soid.pool });
  c.version = oi.version;
  c.priorVersion = oi.priorVersion;
  c.userVersion = oi.userVersion;
  c.lastReqid = oi.lastReqid;
  c.size = oi.size;
  c.mtime = oi.mtime;
  c.localMtime = oi.localMtime;
  c.flags = oi.flags;
  c.truncateSeq = BigInt(oi.truncateSeq);
  c.truncateSize = oi.truncateSize;
  c.dataDigest = oi.dataDigest;
  c.omapDigest = oi.omapDigest;
  c.expectedObjectSize = oi.expectedObjectSize;
  c.expectedWriteSize = oi.expectedWriteSize;
  c.allocHintFlags = oi.allocHintFlags;
  c.watchers = [...oi.watchers.values()].map((x) => ({ cookie: x.cookie, entity: x.entity, info: { cookie: x.cookie, timeoutSeconds: x.timeoutSeconds, addr: x.addr } }));
  const w = new Writer();
  encodeObjectInfoT(w, c);
  return w.finish();
}

export function decodeObjectInfo(b: Uint8Array): ObjectInfo {
  const r = new Reader(b);
  const c = decodeObjectInfoT(r);
  r.expectEnd('object_info_t');
  const oi = newObjectInfo();
  oi.version = c.version;
  oi.priorVersion = c.priorVersion;
  oi.userVersion = c.userVersion;
  oi.lastReqid = c.lastReqid;
  oi.size = c.size;
  oi.mtime = c.mtime;
  oi.localMtime = c.localMtime;
  oi.flags = c.flags;
  oi.truncateSeq = Number(c.truncateSeq);
  oi.truncateSize = c.truncateSize;
  oi.dataDigest = c.dataDigest;
  oi.omapDigest = c.omapDigest;
  oi.expectedObjectSize = c.expectedObjectSize;
  oi.expectedWriteSize = c.expectedWriteSize;
  oi.allocHintFlags = c.allocHintFlags;
  for (const x of c.watchers) oi.watchers.set(watchKey(x.cookie, x.entity), { cookie: x.cookie, timeoutSeconds: x.info.timeoutSeconds, addr: x.info.addr, entity: x.entity });
  return oi;
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
