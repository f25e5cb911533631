import { Reader, Writer, UTime, EntityAddr, EntityNameT, decodeEntityAddr, encodeEntityAddr } from '@ts-ceph/denc';
import { EversionT, OsdReqidT } from '@ts-ceph/maps';

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
 * What ts-osd keeps about each object in its `_` xattr, field for field the parts of Ceph's
 * object_info_t that the op engine uses (docs/formats/osd-object.md). The size is authoritative here
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

const objectInfoStructV = 2;
/** Watchers on one object we decode at most (docs/LIMITS.md). */
export const objectInfoLimits = { watchersMax: 65536 };

function ev(w: Writer, e: EversionT): void {
  w.u32(e.epoch).u64(e.version);
}
function rev(r: Reader, f: string): EversionT {
  return { epoch: r.u32(`${f}.epoch`), version: r.u64(`${f}.version`) };
}

/** Our v2 layout (docs/formats/osd-object.md): u8 struct_v then the fields in ObjectInfo order. */
export function encodeObjectInfo(oi: ObjectInfo): Buffer {
  const w = new Writer();
  w.u8(objectInfoStructV);
  ev(w, oi.version);
  ev(w, oi.priorVersion);
  w.u64(oi.userVersion);
  w.u8(oi.lastReqid.name.type).u64(oi.lastReqid.name.num).u64(oi.lastReqid.tid).i32(oi.lastReqid.inc);
  w.u64(oi.size).u32(oi.mtime.sec).u32(oi.mtime.nsec).u32(oi.localMtime.sec).u32(oi.localMtime.nsec);
  w.u32(oi.flags).u32(oi.truncateSeq).u64(oi.truncateSize).u32(oi.dataDigest).u32(oi.omapDigest);
  w.u64(oi.expectedObjectSize).u64(oi.expectedWriteSize).u32(oi.allocHintFlags);
  w.u32(oi.watchers.size);
  for (const x of oi.watchers.values()) {
    w.u64(x.cookie).u32(x.timeoutSeconds).u8(x.entity.type).u64(x.entity.num);
    encodeEntityAddr(w, x.addr);
  }
  return w.finish();
}

export function decodeObjectInfo(b: Uint8Array): ObjectInfo {
  const r = new Reader(b);
  const v = r.u8('struct_v');
  if (v !== objectInfoStructV) r.fail('DENC_INCOMPAT', `object info v${v}, only v${objectInfoStructV}`, 'object_info');
  const oi = newObjectInfo();
  oi.version = rev(r, 'version');
  oi.priorVersion = rev(r, 'prior_version');
  oi.userVersion = r.u64('user_version');
  oi.lastReqid = { name: { type: r.u8('reqid.type'), num: r.u64n('reqid.num') }, tid: r.u64('reqid.tid'), inc: r.i32('reqid.inc') };
  oi.size = r.u64n('size');
  oi.mtime = { sec: r.u32('mtime.sec'), nsec: r.u32('mtime.nsec') };
  oi.localMtime = { sec: r.u32('local_mtime.sec'), nsec: r.u32('local_mtime.nsec') };
  oi.flags = r.u32('flags');
  oi.truncateSeq = r.u32('truncate_seq');
  oi.truncateSize = r.u64('truncate_size');
  oi.dataDigest = r.u32('data_digest');
  oi.omapDigest = r.u32('omap_digest');
  oi.expectedObjectSize = r.u64('expected_object_size');
  oi.expectedWriteSize = r.u64('expected_write_size');
  oi.allocHintFlags = r.u32('alloc_hint_flags');
  const n = r.u32('watchers');
  if (n > objectInfoLimits.watchersMax) r.fail('DENC_LIMIT', `${n} watchers over watchersMax`, 'watchers');
  for (let i = 0; i < n; i++) {
    const cookie = r.u64('cookie');
    const timeoutSeconds = r.u32('timeout');
    const entity = { type: r.u8('entity.type'), num: r.u64n('entity.num') };
    const addr = decodeEntityAddr(r);
    oi.watchers.set(watchKey(cookie, entity), { cookie, timeoutSeconds, entity, addr });
  }
  return oi;
}
