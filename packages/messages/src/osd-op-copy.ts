import { Reader, Writer, UTime, decodeUTime, encodeUTime, registerType } from '@ts-ceph/denc';
import { CEPH_NOSNAP, HobjectT, ObjectLocatorT, OsdReqidT, decodeHobjectT, decodeObjectLocatorT, decodeOsdReqidT, encodeHobjectT, encodeObjectLocatorT, encodeOsdReqidT } from '@ts-ceph/maps';
import { CephOsdOp } from './osd-op-codes';
import { OSDOp, osdOp } from './osd-op-struct';

/**
 * The copy ops' payloads (src/osd/osd_types.h): COPY_GET's request is an object_copy_cursor_t and
 * le64 max bytes, its reply an object_copy_data_t; COPY_FROM / COPY_FROM2 carry the source's name
 * and object_locator_t (and for COPY_FROM2 with FLAG_TRUNCATE_SEQ, le32 truncate_seq and le64
 * truncate_size). The legacy PGLS op answers a pg_ls_response_t. Registered under their corpus names.
 */

/** CEPH_OSD_COPY_FROM_FLAG_* (src/include/rados.h). */
export const CephOsdCopyFromFlag = { FLUSH: 1, IGNORE_OVERLAY: 2, IGNORE_CACHE: 4, MAP_SNAP_CLONE: 8, RWORDERED: 16, TRUNCATE_SEQ: 32 } as const;
/** CEPH_OSD_COPY_FROM_FLAGS: every flag copy-from2 accepts (others are -EINVAL). */
export const CEPH_OSD_COPY_FROM_FLAGS = 63;

/** object_copy_data_t::FLAG_*: which source digests the reply carries. */
export const ObjectCopyDataFlag = { DATA_DIGEST: 1, OMAP_DIGEST: 2 } as const;

/** object_copy_cursor_t: ENCODE_START(1,1) { bool attr_complete, le64 data_offset, bool data_complete, string omap_offset, bool omap_complete }. */
export interface ObjectCopyCursorT {
  attrComplete: boolean;
  /** Bytes of data already copied. */
  dataOffset: bigint;
  dataComplete: boolean;
  /** The last omap key copied ('' before the first). */
  omapOffset: string;
  omapComplete: boolean;
}

export function objectCopyCursor(): ObjectCopyCursorT {
  return { attrComplete: false, dataOffset: 0n, dataComplete: false, omapOffset: '', omapComplete: false };
}

export function cursorComplete(c: ObjectCopyCursorT): boolean {
  return c.attrComplete && c.dataComplete && c.omapComplete;
}

export function decodeObjectCopyCursorT(r: Reader, field = 'object_copy_cursor_t'): ObjectCopyCursorT {
  return r.envelope(field, 1, () => ({
    attrComplete: r.bool('attr_complete'),
    dataOffset: r.u64('data_offset'),
    dataComplete: r.bool('data_complete'),
    omapOffset: r.string('omap_offset'),
    omapComplete: r.bool('omap_complete'),
  }));
}

export function encodeObjectCopyCursorT(w: Writer, c: ObjectCopyCursorT): void {
  w.envelope(1, 1, () => {
    w.bool(c.attrComplete).u64(c.dataOffset).bool(c.dataComplete).string(c.omapOffset).bool(c.omapComplete);
  });
}

/** One recent request on the source (reqids: pair<osd_reqid_t, version_t>). */
export interface CopyReqid {
  reqid: OsdReqidT;
  userVersion: bigint;
}

/**
 * object_copy_data_t, ENCODE_START(8, 5): one COPY_GET chunk. `omapData` is the raw encoding of a
 * map<string, bufferlist> (le32 count then pairs), or empty when the chunk has no keys.
 */
export interface ObjectCopyDataT {
  /** Bytes; (u64)-1 in a default-constructed reply. */
  size: bigint;
  mtime: UTime;
  /** User xattrs without their '_' prefix, in the order they were encoded. */
  attrs: Map<string, Buffer>;
  data: Buffer;
  omapData: Buffer;
  cursor: ObjectCopyCursorT;
  omapHeader: Buffer;
  /** The clone's snaps (for a clone), else empty. */
  snaps: bigint[];
  /** The head's SnapSet seq. */
  snapSeq: bigint;
  /** ObjectCopyDataFlag bits. */
  flags: number;
  /** crc32c values, 0xffffffff when unset. */
  dataDigest: number;
  omapDigest: number;
  reqids: CopyReqid[];
  truncateSeq: bigint;
  truncateSize: bigint;
  /** Index into reqids → the request's return code. */
  reqidReturnCodes: Map<number, number>;
}

export function objectCopyData(): ObjectCopyDataT {
  return {
    size: 0xffffffffffffffffn,
    mtime: { sec: 0, nsec: 0 },
    attrs: new Map(),
    data: Buffer.alloc(0),
    omapData: Buffer.alloc(0),
    cursor: objectCopyCursor(),
    omapHeader: Buffer.alloc(0),
    snaps: [],
    snapSeq: 0n,
    flags: 0,
    dataDigest: 0xffffffff,
    omapDigest: 0xffffffff,
    reqids: [],
    truncateSeq: 0n,
    truncateSize: 0n,
    reqidReturnCodes: new Map(),
  };
}

/** Decodes struct_v 5 to 8 (the layout since Firefly); older encodings are refused. */
export function decodeObjectCopyDataT(r: Reader, field = 'object_copy_data_t'): ObjectCopyDataT {
  return r.envelope(field, 8, (_r, v) => {
    if (v < 5) r.fail('DENC_INCOMPAT', `object_copy_data_t struct_v ${v} < 5 is not supported`, field);
    const d = objectCopyData();
    d.size = r.u64('size');
    d.mtime = decodeUTime(r, 'mtime');
    d.attrs = r.map('attrs', (rr) => rr.string('key'), (rr) => rr.blob('value'), 8);
    d.data = r.blob('data');
    d.omapData = r.blob('omap_data');
    d.cursor = decodeObjectCopyCursorT(r, 'cursor');
    d.omapHeader = r.blob('omap_header');
    d.snaps = r.list('snaps', (rr) => rr.u64('snap'), 8);
    d.snapSeq = r.u64('snap_seq');
    d.flags = r.u32('flags');
    d.dataDigest = r.u32('data_digest');
    d.omapDigest = r.u32('omap_digest');
    if (v >= 6) d.reqids = r.list('reqids', (rr) => ({ reqid: decodeOsdReqidT(rr, 'reqid'), userVersion: rr.u64('user_version') }), 8);
    if (v >= 7) {
      d.truncateSeq = r.u64('truncate_seq');
      d.truncateSize = r.u64('truncate_size');
    }
    if (v >= 8) d.reqidReturnCodes = r.map('reqid_return_codes', (rr) => rr.u32('index'), (rr) => rr.i32('rc'), 8);
    return d;
  });
}

export function encodeObjectCopyDataT(w: Writer, d: ObjectCopyDataT): void {
  w.envelope(8, 5, () => {
    w.u64(d.size);
    encodeUTime(w, d.mtime);
    w.map(d.attrs, (ww, k) => ww.string(k), (ww, v) => ww.blob(v));
    w.blob(d.data).blob(d.omapData);
    encodeObjectCopyCursorT(w, d.cursor);
    w.blob(d.omapHeader);
    w.list(d.snaps, (ww, s) => ww.u64(s));
    w.u64(d.snapSeq).u32(d.flags).u32(d.dataDigest).u32(d.omapDigest);
    w.list(d.reqids, (ww, q) => {
      encodeOsdReqidT(ww, q.reqid);
      ww.u64(q.userVersion);
    });
    w.u64(d.truncateSeq).u64(d.truncateSize);
    w.map(d.reqidReturnCodes, (ww, k) => ww.u32(k), (ww, v) => ww.i32(v));
  });
}

/** pg_ls_response_t: u8 v = 1, hobject_t handle, list<pair<object_t name, string key>> entries. */
export interface PgLsResponseT {
  handle: HobjectT;
  entries: { oid: string; key: string }[];
}

export function decodePgLsResponseT(r: Reader, field = 'pg_ls_response_t'): PgLsResponseT {
  return r.within(field, () => {
    const v = r.u8('v');
    if (v !== 1) r.fail('DENC_INCOMPAT', `pg_ls_response_t v ${v} != 1`, field);
    return { handle: decodeHobjectT(r, 'handle'), entries: r.list('entries', (rr) => ({ oid: rr.string('oid'), key: rr.string('key') }), 8) };
  });
}

export function encodePgLsResponseT(w: Writer, v: PgLsResponseT): void {
  w.u8(1);
  encodeHobjectT(w, v.handle);
  w.list(v.entries, (ww, e) => ww.string(e.oid).string(e.key));
}

/** copy_from / copy_from2 union: le64 snapid, le64 src_version, u8 flags, le32 src_fadvise_flags. */
export interface OpCopyFrom {
  snapid: bigint;
  srcVersion: bigint;
  flags: number;
  srcFadviseFlags: number;
}

export function opCopyFrom(o: OSDOp): OpCopyFrom {
  const a = o.args;
  return { snapid: a.readBigUInt64LE(0), srcVersion: a.readBigUInt64LE(8), flags: a.readUInt8(16), srcFadviseFlags: a.readUInt32LE(17) };
}

/** copy_from's indata: the source's object name and locator (and copy-from2's truncate_seq/size). */
export interface CopyFromSource {
  name: string;
  oloc: ObjectLocatorT;
  truncate?: { seq: number; size: bigint };
}

export function copyFromSource(o: OSDOp): CopyFromSource {
  const r = new Reader(o.data);
  const name = r.string('src_name');
  const oloc = decodeObjectLocatorT(r, 'src_oloc');
  const withTrunc = o.op === CephOsdOp.COPY_FROM2 && (opCopyFrom(o).flags & CephOsdCopyFromFlag.TRUNCATE_SEQ) !== 0;
  return withTrunc ? { name, oloc, truncate: { seq: r.u32('truncate_seq'), size: r.u64('truncate_size') } } : { name, oloc };
}

/** Builder: ObjectOperation::copy_from / copy_from2. */
export function osdOpCopyFrom(src: CopyFromSource, o: { snapid?: bigint; srcVersion?: bigint; flags?: number; srcFadviseFlags?: number; v2?: boolean } = {}): OSDOp {
  const args = Buffer.alloc(28);
  args.writeBigUInt64LE(o.snapid ?? CEPH_NOSNAP, 0);
  args.writeBigUInt64LE(o.srcVersion ?? 0n, 8);
  args.writeUInt8(o.flags ?? 0, 16);
  args.writeUInt32LE(o.srcFadviseFlags ?? 0, 17);
  const w = new Writer();
  w.string(src.name);
  encodeObjectLocatorT(w, src.oloc);
  if (src.truncate) w.u32(src.truncate.seq).u64(src.truncate.size);
  return osdOp(o.v2 ? CephOsdOp.COPY_FROM2 : CephOsdOp.COPY_FROM, { args, data: w.finish() });
}

/** Builder: ObjectOperation::copy_get (union le64 max; indata cursor + le64 max). */
export function osdOpCopyGet(cursor: ObjectCopyCursorT, max: bigint): OSDOp {
  const args = Buffer.alloc(28);
  args.writeBigUInt64LE(max, 0);
  const w = new Writer();
  encodeObjectCopyCursorT(w, cursor);
  w.u64(max);
  return osdOp(CephOsdOp.COPY_GET, { args, data: w.finish() });
}

/** copy_get's indata. */
export function copyGetRequest(o: OSDOp): { cursor: ObjectCopyCursorT; max: bigint } {
  const r = new Reader(o.data);
  return { cursor: decodeObjectCopyCursorT(r, 'cursor'), max: r.u64('out_max') };
}

const owner = 'messages';

registerType<ObjectCopyCursorT>({
  name: 'object_copy_cursor_t',
  owner,
  decode: (r) => decodeObjectCopyCursorT(r),
  encode: encodeObjectCopyCursorT,
  samples: () => [objectCopyCursor(), { attrComplete: true, dataOffset: 8388608n, dataComplete: true, omapOffset: 'k9', omapComplete: false }],
});

registerType<ObjectCopyDataT>({
  name: 'object_copy_data_t',
  owner,
  decode: (r) => decodeObjectCopyDataT(r),
  encode: encodeObjectCopyDataT,
  samples: () => {
    const full = objectCopyData();
    full.size = 20n;
    full.attrs.set('hello', Buffer.from('there'));
    full.data = Buffer.from('iamsomedatatocontain');
    full.omapHeader = Buffer.from('this is an omap header');
    full.reqids.push({ reqid: { name: { type: 8, num: 4100 }, tid: 3n, inc: 0 }, userVersion: 7n });
    full.reqidReturnCodes.set(0, -2);
    return [objectCopyData(), full];
  },
});

registerType<PgLsResponseT>({
  name: 'pg_ls_response_t',
  owner,
  decode: (r) => decodePgLsResponseT(r),
  encode: encodePgLsResponseT,
  samples: () => [{ handle: { oid: 'a', key: '', snap: CEPH_NOSNAP, hash: 7, max: false, nspace: '', pool: 1 }, entries: [{ oid: 'a', key: 'k' }] }],
});
