import { Reader, Writer, EntityAddr, EntityNameT, UTime, UTIME_ZERO, blankAddr, decodeEntityAddr, encodeEntityAddr, decodeEntityNameT, encodeEntityNameT, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { EversionT, OsdReqidT, EVERSION_ZERO, decodeEversionT, encodeEversionT, decodeOsdReqidT, encodeOsdReqidT } from '../types/pg';
import { HobjectT, CEPH_NOSNAP, decodeHobjectT, encodeHobjectT, decodeObjectLocatorT, encodeObjectLocatorT, objectLocator } from '../types/hobject';
import { mapsLimits } from '../limits';

/**
 * object_info_t and its parts (src/osd/osd_types.h/.cc): the "_" xattr an OSD keeps on every object,
 * with its version, size, times, flags, digests, watchers and (for tiering) manifest.
 */

/** watch_info_t: ENCODE_START(4, 3) { le64 cookie, le32 timeout_seconds, entity_addr_t addr (features) }. */
export interface WatchInfoT {
  /** u64 watch cookie the client chose. */
  cookie: bigint;
  /** u32 seconds without a ping before the OSD drops the watch. */
  timeoutSeconds: number;
  /** The watcher's address. */
  addr: EntityAddr;
}

export function decodeWatchInfoT(r: Reader, field = 'watch_info_t'): WatchInfoT {
  return r.envelopeLegacy(field, 4, 3, 3, (_r, v) => {
    const cookie = r.u64('cookie');
    if (v < 2) r.u64('ver');
    const timeoutSeconds = r.u32('timeout_seconds');
    const addr = v >= 4 ? decodeEntityAddr(r, 'addr') : blankAddr();
    return { cookie, timeoutSeconds, addr };
  });
}

export function encodeWatchInfoT(w: Writer, wi: WatchInfoT): void {
  w.envelope(4, 3, () => {
    w.u64(wi.cookie).u32(wi.timeoutSeconds);
    encodeEntityAddr(w, wi.addr);
  });
}

/** chunk_info_t flags (cflag_t). */
export const CHUNK_FLAG_DIRTY = 1;
export const CHUNK_FLAG_MISSING = 2;
export const CHUNK_FLAG_HAS_REFERENCE = 4;
export const CHUNK_FLAG_HAS_FINGERPRINT = 8;

/** chunk_info_t: ENCODE_START(1, 1) { le32 offset, le32 length, hobject_t oid, le32 flags }. */
export interface ChunkInfoT {
  /** u32 byte offset in the chunk object. */
  offset: number;
  /** u32 bytes. */
  length: number;
  oid: HobjectT;
  /** u32 CHUNK_FLAG_* bits. */
  flags: number;
}

export function decodeChunkInfoT(r: Reader, field = 'chunk_info_t'): ChunkInfoT {
  return r.envelope(field, 1, () => ({ offset: r.u32('offset'), length: r.u32('length'), oid: decodeHobjectT(r, 'oid'), flags: r.u32('flags') }));
}

export function encodeChunkInfoT(w: Writer, c: ChunkInfoT): void {
  w.envelope(1, 1, () => {
    w.u32(c.offset).u32(c.length);
    encodeHobjectT(w, c.oid);
    w.u32(c.flags);
  });
}

/** object_manifest_t types. */
export const MANIFEST_TYPE_NONE = 0;
export const MANIFEST_TYPE_REDIRECT = 1;
export const MANIFEST_TYPE_CHUNKED = 2;

/**
 * object_manifest_t: ENCODE_START(1, 1) { u8 type, then hobject_t redirect_target (REDIRECT) or
 * map<le64 offset, chunk_info_t> chunk_map (CHUNKED) }. Any other type is refused, as Ceph aborts on it.
 */
export interface ObjectManifestT {
  type: number;
  redirectTarget: HobjectT | undefined;
  /** (u64 byte offset in the object, chunk), ascending by offset. */
  chunkMap: [offset: bigint, chunk: ChunkInfoT][];
}

export function newObjectManifest(): ObjectManifestT {
  return { type: MANIFEST_TYPE_NONE, redirectTarget: undefined, chunkMap: [] };
}

export function decodeObjectManifestT(r: Reader, field = 'object_manifest_t'): ObjectManifestT {
  return r.envelope(field, 1, () => {
    const m = newObjectManifest();
    m.type = r.u8('type');
    if (m.type === MANIFEST_TYPE_REDIRECT) m.redirectTarget = decodeHobjectT(r, 'redirect_target');
    else if (m.type === MANIFEST_TYPE_CHUNKED) m.chunkMap = r.pairs('chunk_map', (rr) => rr.u64('offset'), (rr) => decodeChunkInfoT(rr, 'chunk'), 8 + 6);
    else if (m.type !== MANIFEST_TYPE_NONE) r.fail('DENC_MALFORMED', `unknown manifest type ${m.type}`, 'type');
    return m;
  });
}

export function encodeObjectManifestT(w: Writer, m: ObjectManifestT): void {
  w.envelope(1, 1, () => {
    w.u8(m.type);
    if (m.type === MANIFEST_TYPE_REDIRECT) encodeHobjectT(w, m.redirectTarget!);
    else if (m.type === MANIFEST_TYPE_CHUNKED) w.pairs(m.chunkMap, (ww, k) => ww.u64(k), encodeChunkInfoT);
  });
}

/** object_info_t::flag_t bits. */
export const FLAG_LOST = 1 << 0;
/** The object logically does not exist (a cache-tier whiteout). */
export const FLAG_WHITEOUT = 1 << 1;
/** Modified since last flushed to the base tier. */
export const FLAG_DIRTY = 1 << 2;
/** Has (or may have) omap data. */
export const FLAG_OMAP = 1 << 3;
/** data_digest holds the crc32c of the whole object. */
export const FLAG_DATA_DIGEST = 1 << 4;
/** omap_digest holds the crc32c of the omap. */
export const FLAG_OMAP_DIGEST = 1 << 5;
export const FLAG_CACHE_PIN = 1 << 6;
/** The manifest field is encoded. */
export const FLAG_MANIFEST = 1 << 7;
/** Deprecated; still carried as a bool on the wire. */
export const FLAG_USES_TMAP = 1 << 8;
export const FLAG_REDIRECT_HAS_REFERENCE = 1 << 9;

/** One object_info_t watcher: the key (cookie, watcher's entity name) and its watch_info_t. */
export interface ObjectWatcher {
  cookie: bigint;
  entity: EntityNameT;
  info: WatchInfoT;
}

/**
 * object_info_t: ENCODE_START(17, 8), decoded with DECODE_START_LEGACY_COMPAT_LEN(17, 8, 8). Encoded
 * with features (the watchers' addresses). Ceph re-derives the object locator from soid on encode and
 * writes zeroes where fields were retired (category, wrlock_by, legacy snaps), so those are not kept.
 */
export interface ObjectInfoT {
  soid: HobjectT;
  /** The PG-log version of the last change. */
  version: EversionT;
  /** The version before the last change (0'0 for a new object). */
  priorVersion: EversionT;
  /** u64 version the client sees (reply version, assert-version). */
  userVersion: bigint;
  lastReqid: OsdReqidT;
  /** u64 bytes of data. */
  size: number;
  /** Client-supplied modification time. */
  mtime: UTime;
  /** The OSD's clock at the last change. */
  localMtime: UTime;
  /** FLAG_* bits (u32 on the wire since v13). */
  flags: number;
  /** u64 truncate sequence (CephFS). */
  truncateSeq: bigint;
  /** u64 bytes. */
  truncateSize: bigint;
  /** Ascending by (cookie, entity), as Ceph's std::map. */
  watchers: ObjectWatcher[];
  /** u32 crc32c of the data; -1 as u32 (0xffffffff) when unknown. */
  dataDigest: number;
  /** u32 crc32c of the omap; 0xffffffff when unknown. */
  omapDigest: number;
  /** u64 bytes (set-alloc-hint). */
  expectedObjectSize: bigint;
  /** u64 bytes (set-alloc-hint). */
  expectedWriteSize: bigint;
  /** u32 CEPH_OSD_ALLOC_HINT_FLAG_* bits. */
  allocHintFlags: number;
  /** Encoded only when FLAG_MANIFEST is set. */
  manifest: ObjectManifestT;
  /** Clone snaps from a pre-luminous object (read on decode, never written again, as Ceph). */
  legacySnaps: bigint[];
}

/** object_info_t(soid): Ceph's defaults (no flags, digests -1, zero versions). */
export function newObjectInfo(soid: HobjectT): ObjectInfoT {
  return {
    soid,
    version: { ...EVERSION_ZERO },
    priorVersion: { ...EVERSION_ZERO },
    userVersion: 0n,
    lastReqid: { name: { type: 0, num: 0 }, tid: 0n, inc: 0 },
    size: 0,
    mtime: { ...UTIME_ZERO },
    localMtime: { ...UTIME_ZERO },
    flags: 0,
    truncateSeq: 0n,
    truncateSize: 0n,
    watchers: [],
    dataDigest: 0xffffffff,
    omapDigest: 0xffffffff,
    expectedObjectSize: 0n,
    expectedWriteSize: 0n,
    allocHintFlags: 0,
    manifest: newObjectManifest(),
    legacySnaps: [],
  };
}

const WATCHER_BYTES_MIN = 8 + 9 + 6;

function decodeWatcherMap(r: Reader, field: string, withCookie: boolean): ObjectWatcher[] {
  const n = r.count(field, WATCHER_BYTES_MIN);
  const out: ObjectWatcher[] = [];
  for (let i = 0; i < n; i++) {
    r.within(`${field}[${i}]`, () => {
      const cookie = withCookie ? r.u64('cookie') : 0n;
      const entity = decodeEntityNameT(r, 'entity');
      const info = decodeWatchInfoT(r, 'info');
      out.push({ cookie: withCookie ? cookie : info.cookie, entity, info });
    });
  }
  return out;
}

function skipLocator(r: Reader): undefined {
  return r.envelopeLegacy('myoloc', 6, 3, 3, (_r, v) => (v < 3 ? r.fail('DENC_MALFORMED', `object_locator_t v${v} inside object_info_t v10+`) : undefined));
}

export function decodeObjectInfoT(r: Reader, field = 'object_info_t'): ObjectInfoT {
  return r.envelopeLegacy(field, 17, 8, 8, (_r, v) => {
    const oi = newObjectInfo(decodeHobjectT(r, 'soid'));
    // Since v10 the locator is only a copy of soid's (its pool may be hobject_t's minimum, which does
    // not fit a locator), so it is skipped rather than decoded.
    const oloc = v < 10 ? decodeObjectLocatorT(r, 'myoloc') : skipLocator(r);
    r.string('category');
    oi.version = decodeEversionT(r, 'version');
    oi.priorVersion = decodeEversionT(r, 'prior_version');
    oi.lastReqid = decodeOsdReqidT(r, 'last_reqid');
    oi.size = r.u64n('size');
    oi.mtime = decodeUTime(r, 'mtime');
    if (oi.soid.snap === CEPH_NOSNAP) decodeOsdReqidT(r, 'wrlock_by');
    else oi.legacySnaps = r.list('legacy_snaps', (rr) => rr.u64('snap'), 8);
    oi.truncateSeq = r.u64('truncate_seq');
    oi.truncateSize = r.u64('truncate_size');
    oi.flags = r.u8('lost');
    const old = decodeWatcherMap(r, 'old_watchers', false);
    oi.userVersion = decodeEversionT(r, 'user_version').version;
    if (v < 9 || r.bool('uses_tmap')) oi.flags |= FLAG_USES_TMAP;
    if (oloc) oi.soid = { ...oi.soid, pool: oloc.pool };
    oi.watchers = v >= 11 ? decodeWatcherMap(r, 'watchers', true) : old;
    if (v >= 13) oi.flags = r.u32('flags');
    if (v >= 14) oi.localMtime = decodeUTime(r, 'local_mtime');
    if (v >= 15) {
      oi.dataDigest = r.u32('data_digest');
      oi.omapDigest = r.u32('omap_digest');
    } else {
      oi.flags &= ~(FLAG_DATA_DIGEST | FLAG_OMAP_DIGEST);
    }
    if (v >= 16) {
      oi.expectedObjectSize = r.u64('expected_object_size');
      oi.expectedWriteSize = r.u64('expected_write_size');
      oi.allocHintFlags = r.u32('alloc_hint_flags');
    }
    if (v >= 17 && oi.flags & FLAG_MANIFEST) oi.manifest = decodeObjectManifestT(r, 'manifest');
    if (oi.watchers.length > mapsLimits.watchersPerObjectMax) r.fail('DENC_LIMIT', `${oi.watchers.length} watchers over limit ${mapsLimits.watchersPerObjectMax}`, 'watchers');
    return oi;
  });
}

function compareName(a: EntityNameT, b: EntityNameT): number {
  return a.type - b.type || a.num - b.num;
}

function compareWatcher(a: ObjectWatcher, b: ObjectWatcher): number {
  return a.cookie < b.cookie ? -1 : a.cookie > b.cookie ? 1 : compareName(a.entity, b.entity);
}

/** object_info_t::encode: `w.features` decide the watchers' address encoding. */
export function encodeObjectInfoT(w: Writer, oi: ObjectInfoT): void {
  const watchers = [...oi.watchers].sort(compareWatcher);
  // The pre-v11 map is keyed by entity alone; like std::map::insert, the first watcher of an entity wins.
  const old: ObjectWatcher[] = [];
  for (const x of watchers) if (!old.some((o) => compareName(o.entity, x.entity) === 0)) old.push(x);
  old.sort((a, b) => compareName(a.entity, b.entity));
  w.envelope(17, 8, () => {
    encodeHobjectT(w, oi.soid);
    encodeObjectLocatorT(w, objectLocator(oi.soid.pool, oi.soid.nspace, oi.soid.key));
    w.u32(0);
    encodeEversionT(w, oi.version);
    encodeEversionT(w, oi.priorVersion);
    encodeOsdReqidT(w, oi.lastReqid);
    w.u64(oi.size);
    encodeUTime(w, oi.mtime);
    if (oi.soid.snap === CEPH_NOSNAP) encodeOsdReqidT(w, { name: { type: 0, num: 0 }, tid: 0n, inc: 0 });
    else w.u32(0);
    w.u64(oi.truncateSeq).u64(oi.truncateSize);
    w.bool((oi.flags & FLAG_LOST) !== 0);
    w.pairs(old.map((x) => [x.entity, x.info] as const), encodeEntityNameT, encodeWatchInfoT);
    encodeEversionT(w, { epoch: 0, version: oi.userVersion });
    w.bool((oi.flags & FLAG_USES_TMAP) !== 0);
    w.u32(watchers.length);
    for (const x of watchers) {
      w.u64(x.cookie);
      encodeEntityNameT(w, x.entity);
      encodeWatchInfoT(w, x.info);
    }
    w.u32(oi.flags >>> 0);
    encodeUTime(w, oi.localMtime);
    w.u32(oi.dataDigest >>> 0).u32(oi.omapDigest >>> 0);
    w.u64(oi.expectedObjectSize).u64(oi.expectedWriteSize).u32(oi.allocHintFlags >>> 0);
    if (oi.flags & FLAG_MANIFEST) encodeObjectManifestT(w, oi.manifest);
  });
}

/** object_info_t::get_flag_string: "dirty|omap|data_digest". */
export function objectInfoFlagString(flags: number): string {
  const names: [number, string][] = [
    [FLAG_LOST, 'lost'],
    [FLAG_WHITEOUT, 'whiteout'],
    [FLAG_DIRTY, 'dirty'],
    [FLAG_USES_TMAP, 'uses_tmap'],
    [FLAG_OMAP, 'omap'],
    [FLAG_DATA_DIGEST, 'data_digest'],
    [FLAG_OMAP_DIGEST, 'omap_digest'],
    [FLAG_CACHE_PIN, 'cache_pin'],
    [FLAG_MANIFEST, 'manifest'],
    [FLAG_REDIRECT_HAS_REFERENCE, 'redirect_has_reference'],
  ];
  return names
    .filter(([b]) => flags & b)
    .map(([, n]) => n)
    .join('|');
}
