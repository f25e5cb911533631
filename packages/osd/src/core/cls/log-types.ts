import { Reader, UTime, Writer, compareStringBytes, decodeUTime, encodeUTime, stringToBytes } from '@ts-ceph/denc';

/**
 * cls_log's types (src/cls/log/cls_log_types.h, cls_log_ops.h), shared with cls_timeindex's time
 * keys. rgw's metadata and data logs are cls_log objects.
 */

/** cls_log_entry: ENCODE_START(2, 1); id (the omap key) came in v2. */
export interface ClsLogEntry {
  id: string;
  section: string;
  name: string;
  timestamp: UTime;
  data: Buffer;
}

/** cls_log_header: the largest key and timestamp added so far (the omap header). */
export interface ClsLogHeader {
  maxMarker: string;
  maxTime: UTime;
}

/** cls_log_add_op: entries, and whether a timestamp older than max_time is raised to it (v2; default true). */
export interface ClsLogAddOp {
  entries: ClsLogEntry[];
  monotonicInc: boolean;
}

/** cls_log_list_op: from_time or marker (which wins), to_time (exclusive; zero from_time: none), max_entries (i32). */
export interface ClsLogListOp {
  fromTime: UTime;
  marker: string;
  toTime: UTime;
  maxEntries: number;
}

export interface ClsLogListRet {
  entries: ClsLogEntry[];
  marker: string;
  truncated: boolean;
}

/** cls_log_trim_op: from/to time (to inclusive) or markers (v2), which win when not empty. */
export interface ClsLogTrimOp {
  fromTime: UTime;
  toTime: UTime;
  fromMarker: string;
  toMarker: string;
}

export function encodeClsLogEntry(w: Writer, e: ClsLogEntry): void {
  w.envelope(2, 1, () => {
    w.string(e.section).string(e.name);
    encodeUTime(w, e.timestamp);
    w.blob(e.data).string(e.id);
  });
}

export function decodeClsLogEntry(r: Reader): ClsLogEntry {
  return r.envelope('cls_log_entry', 2, (r, v) => {
    const section = r.string('section');
    const name = r.string('name');
    const timestamp = decodeUTime(r, 'timestamp');
    const data = Buffer.from(r.blob('data'));
    return { section, name, timestamp, data, id: v >= 2 ? r.string('id') : '' };
  });
}

export function encodeClsLogHeader(w: Writer, h: ClsLogHeader): void {
  w.envelope(1, 1, () => {
    w.string(h.maxMarker);
    encodeUTime(w, h.maxTime);
  });
}

export function decodeClsLogHeader(r: Reader): ClsLogHeader {
  return r.envelope('cls_log_header', 1, (r) => ({ maxMarker: r.string('max_marker'), maxTime: decodeUTime(r, 'max_time') }));
}

export function encodeClsLogAddOp(w: Writer, o: ClsLogAddOp): void {
  w.envelope(2, 1, () => w.list(o.entries, encodeClsLogEntry).bool(o.monotonicInc));
}

export function decodeClsLogAddOp(r: Reader): ClsLogAddOp {
  return r.envelope('cls_log_add_op', 2, (r, v) => ({
    entries: r.list('entries', decodeClsLogEntry, 6),
    monotonicInc: v >= 2 ? r.bool('monotonic_inc') : true,
  }));
}

export function encodeClsLogListOp(w: Writer, o: ClsLogListOp): void {
  w.envelope(1, 1, () => {
    encodeUTime(w, o.fromTime);
    w.string(o.marker);
    encodeUTime(w, o.toTime);
    w.i32(o.maxEntries);
  });
}

export function decodeClsLogListOp(r: Reader): ClsLogListOp {
  return r.envelope('cls_log_list_op', 1, (r) => ({
    fromTime: decodeUTime(r, 'from_time'),
    marker: r.string('marker'),
    toTime: decodeUTime(r, 'to_time'),
    maxEntries: r.i32('max_entries'),
  }));
}

export function encodeClsLogListRet(w: Writer, o: ClsLogListRet): void {
  w.envelope(1, 1, () => w.list(o.entries, encodeClsLogEntry).string(o.marker).bool(o.truncated));
}

export function decodeClsLogListRet(r: Reader): ClsLogListRet {
  return r.envelope('cls_log_list_ret', 1, (r) => ({ entries: r.list('entries', decodeClsLogEntry, 6), marker: r.string('marker'), truncated: r.bool('truncated') }));
}

export function encodeClsLogTrimOp(w: Writer, o: ClsLogTrimOp): void {
  w.envelope(2, 1, () => {
    encodeUTime(w, o.fromTime);
    encodeUTime(w, o.toTime);
    w.string(o.fromMarker).string(o.toMarker);
  });
}

export function decodeClsLogTrimOp(r: Reader): ClsLogTrimOp {
  return r.envelope('cls_log_trim_op', 2, (r, v) => {
    const fromTime = decodeUTime(r, 'from_time');
    const toTime = decodeUTime(r, 'to_time');
    if (v < 2) return { fromTime, toTime, fromMarker: '', toMarker: '' };
    return { fromTime, toTime, fromMarker: r.string('from_marker'), toMarker: r.string('to_marker') };
  });
}

/** cls_log_info_op and cls_user_get_header_op: an empty ENCODE_START(1, 1) body. */
export function encodeEmptyOp(w: Writer): void {
  w.envelope(1, 1, () => undefined);
}

export function decodeEmptyOp(r: Reader, name = 'empty_op'): Record<string, never> {
  return r.envelope(name, 1, () => ({}));
}

/**
 * The omap key of a time, "1_" + "%010ld.%06ld_" of its seconds and microseconds (cls_log's
 * get_index_time_prefix; cls_timeindex's is the same).
 */
export function timeIndexPrefix(t: UTime): string {
  return `1_${String(t.sec).padStart(10, '0')}.${String(Math.floor(t.nsec / 1000)).padStart(6, '0')}_`;
}

/** Byte order of two keys, as std::string compares them (denc's string-bytes.ts). */
export function keyOrder(a: string, b: string): number {
  return compareStringBytes(a, b);
}

/** utime_t's operator<: seconds, then nanoseconds. */
export function utimeLess(a: UTime, b: UTime): boolean {
  return a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
}

/** string::compare(0, prefix.size(), prefix): the key's first prefix.length bytes against the prefix. */
export function comparePrefix(key: string, prefix: string): number {
  const k = stringToBytes(key);
  const p = stringToBytes(prefix);
  return Buffer.compare(k.subarray(0, p.length), p);
}
