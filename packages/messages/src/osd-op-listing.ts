import { blankAddr, decodeEntityAddr, decodeEntityNameT, encodeEntityAddr, encodeEntityNameT, EntityAddr, EntityNameT, makeAddr, AddrType, Reader, registerType, Writer } from '@ts-ceph/denc';
import { decodeHobjectT, encodeHobjectT, HobjectT, CEPH_NOSNAP } from '@ts-ceph/maps';
import { OSDOp } from './osd-op-struct';

/**
 * The reply data of the listing ops (src/osd/osd_types.h): list-watchers answers an
 * obj_list_watch_response_t, pgnls a pg_nls_response_t; pgnls' request data is the hobject_t cursor
 * to start from. Registered under their corpus names, so the 16.2.0 samples round-trip.
 */

/** watch_item_t: ENCODE_START(2,1) { entity_name_t name, le64 cookie, le32 timeout_seconds, entity_addr_t addr (v2+) }. */
export interface WatchItemT {
  name: EntityNameT;
  cookie: bigint;
  timeoutSeconds: number;
  addr: EntityAddr;
}

export function decodeWatchItemT(r: Reader, field = 'watch_item_t'): WatchItemT {
  return r.envelope(field, 2, (_r, v) => ({
    name: decodeEntityNameT(r, 'name'),
    cookie: r.u64('cookie'),
    timeoutSeconds: r.u32('timeout_seconds'),
    addr: v >= 2 ? decodeEntityAddr(r, 'addr') : blankAddr(),
  }));
}

export function encodeWatchItemT(w: Writer, v: WatchItemT): void {
  w.envelope(2, 1, () => {
    encodeEntityNameT(w, v.name);
    w.u64(v.cookie).u32(v.timeoutSeconds);
    encodeEntityAddr(w, v.addr);
  });
}

/** obj_list_watch_response_t: ENCODE_START(1,1) { list<watch_item_t> entries }. */
export function decodeObjListWatchResponseT(r: Reader, field = 'obj_list_watch_response_t'): WatchItemT[] {
  return r.envelope(field, 1, () => r.list('entries', (rr) => decodeWatchItemT(rr, 'watch_item_t'), 6));
}

export function encodeObjListWatchResponseT(w: Writer, entries: readonly WatchItemT[]): void {
  w.envelope(1, 1, () => {
    w.list(entries, (ww, e) => encodeWatchItemT(ww, e));
  });
}

/** One entry of a pgnls listing (librados::ListObjectImpl): namespace, object name, locator key. */
export interface ListObjectEntry {
  nspace: string;
  oid: string;
  locator: string;
}

/** pg_nls_response_t: ENCODE_START(1,1) { hobject_t handle (where to resume), le32 n, n × (nspace, oid, locator) }. */
export interface PgNlsResponseT {
  handle: HobjectT;
  entries: ListObjectEntry[];
}

export function decodePgNlsResponseT(r: Reader, field = 'pg_nls_response_t'): PgNlsResponseT {
  return r.envelope(field, 1, () => ({
    handle: decodeHobjectT(r, 'handle'),
    entries: r.list('entries', (rr) => ({ nspace: rr.string('nspace'), oid: rr.string('oid'), locator: rr.string('locator') }), 12),
  }));
}

export function encodePgNlsResponseT(w: Writer, v: PgNlsResponseT): void {
  w.envelope(1, 1, () => {
    encodeHobjectT(w, v.handle);
    w.list(v.entries, (ww, e) => ww.string(e.nspace).string(e.oid).string(e.locator));
  });
}

function whole<T>(o: OSDOp, name: string, fn: (r: Reader) => T): T {
  const r = new Reader(o.data);
  const v = fn(r);
  r.expectEnd(name);
  return v;
}

/** list-watchers out. */
export function listWatchersReply(o: OSDOp): WatchItemT[] {
  return whole(o, 'obj_list_watch_response_t', (r) => decodeObjListWatchResponseT(r));
}

/** pgnls / pgnls-filter in: the hobject_t cursor to list from (then, for -filter, the filter). */
export function pgnlsCursor(o: OSDOp): HobjectT {
  return decodeHobjectT(new Reader(o.data), 'pgnls_cursor');
}

/** pgnls out. */
export function pgnlsReply(o: OSDOp): PgNlsResponseT {
  return whole(o, 'pg_nls_response_t', (r) => decodePgNlsResponseT(r));
}

const owner = 'messages';
const hobj = (oid: string, hash: number): HobjectT => ({ oid, key: '', snap: CEPH_NOSNAP, hash, max: false, nspace: '', pool: 3 });

registerType<WatchItemT>({
  name: 'watch_item_t',
  owner,
  decode: (r) => decodeWatchItemT(r),
  encode: encodeWatchItemT,
  samples: () => [
    { name: { type: 8, num: 4100 }, cookie: 139688509729456n, timeoutSeconds: 30, addr: makeAddr(AddrType.ANY, '127.0.0.1', 0, 3625868925) },
    { name: { type: 8, num: -1 }, cookie: 0n, timeoutSeconds: 0, addr: blankAddr() },
  ],
});

registerType<WatchItemT[]>({
  name: 'obj_list_watch_response_t',
  owner,
  decode: (r) => decodeObjListWatchResponseT(r),
  encode: encodeObjListWatchResponseT,
  samples: () => [[], [{ name: { type: 8, num: 4100 }, cookie: 1n, timeoutSeconds: 30, addr: makeAddr(AddrType.ANY, '127.0.0.1', 0, 7) }]],
});

registerType<PgNlsResponseT>({
  name: 'pg_nls_response_t',
  owner,
  decode: (r) => decodePgNlsResponseT(r),
  encode: encodePgNlsResponseT,
  samples: () => [
    { handle: hobj('', 0), entries: [] },
    { handle: hobj('obj2', 0x1234), entries: [{ nspace: '', oid: 'obj1', locator: '' }, { nspace: 'ns', oid: 'o', locator: 'k' }] },
  ],
});
