import { cephError } from '@ts-ceph/common/core';
import { Reader, UTime, Writer, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { comparePrefix, timeIndexPrefix } from './log-types';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';

/**
 * cls_timeindex (src/cls/timeindex/cls_timeindex.cc, cls_timeindex_types.h, cls_timeindex_ops.h): a
 * time index in an object's omap, keyed "1_<sec>.<usec>_<key_ext>"; rgw's object expirer keeps its
 * hints in one. Same methods, flags, encodings and errnos as Ceph.
 */

/** MAX_LIST_ENTRIES and MAX_TRIM_ENTRIES: the most keys one list returns and one trim removes. */
export const clsTimeindexLimits = { listEntriesMax: 1000, trimEntriesMax: 1000 };

/** cls_timeindex_entry: the key's time and extension, and the value stored at the key. */
export interface ClsTimeindexEntry {
  keyTs: UTime;
  keyExt: string;
  value: Buffer;
}

/** cls_timeindex_list_op: as cls_log's (from_time or marker, to_time exclusive, max_entries i32). */
export interface ClsTimeindexListOp {
  fromTime: UTime;
  marker: string;
  toTime: UTime;
  maxEntries: number;
}

export interface ClsTimeindexListRet {
  entries: ClsTimeindexEntry[];
  marker: string;
  truncated: boolean;
}

export interface ClsTimeindexTrimOp {
  fromTime: UTime;
  toTime: UTime;
  fromMarker: string;
  toMarker: string;
}

export function encodeClsTimeindexEntry(w: Writer, e: ClsTimeindexEntry): void {
  w.envelope(1, 1, () => {
    encodeUTime(w, e.keyTs);
    w.string(e.keyExt).blob(e.value);
  });
}

export function decodeClsTimeindexEntry(r: Reader): ClsTimeindexEntry {
  return r.envelope('cls_timeindex_entry', 1, (r) => ({ keyTs: decodeUTime(r, 'key_ts'), keyExt: r.string('key_ext'), value: Buffer.from(r.blob('value')) }));
}

export function encodeClsTimeindexListOp(w: Writer, o: ClsTimeindexListOp): void {
  w.envelope(1, 1, () => {
    encodeUTime(w, o.fromTime);
    w.string(o.marker);
    encodeUTime(w, o.toTime);
    w.i32(o.maxEntries);
  });
}

export function decodeClsTimeindexListOp(r: Reader): ClsTimeindexListOp {
  return r.envelope('cls_timeindex_list_op', 1, (r) => ({ fromTime: decodeUTime(r, 'from_time'), marker: r.string('marker'), toTime: decodeUTime(r, 'to_time'), maxEntries: r.i32('max_entries') }));
}

export function encodeClsTimeindexListRet(w: Writer, o: ClsTimeindexListRet): void {
  w.envelope(1, 1, () => w.list(o.entries, encodeClsTimeindexEntry).string(o.marker).bool(o.truncated));
}

export function decodeClsTimeindexListRet(r: Reader): ClsTimeindexListRet {
  return r.envelope('cls_timeindex_list_ret', 1, (r) => ({ entries: r.list('entries', decodeClsTimeindexEntry, 6), marker: r.string('marker'), truncated: r.bool('truncated') }));
}

function decodeAddOp(r: Reader): ClsTimeindexEntry[] {
  return r.envelope('cls_timeindex_add_op', 1, (r) => r.list('entries', decodeClsTimeindexEntry, 6));
}

function decodeTrimOp(r: Reader): ClsTimeindexTrimOp {
  return r.envelope('cls_timeindex_trim_op', 1, (r) => ({ fromTime: decodeUTime(r, 'from_time'), toTime: decodeUTime(r, 'to_time'), fromMarker: r.string('from_marker'), toMarker: r.string('to_marker') }));
}

/**
 * parse_index: sscanf(index, "1_%d.%d_%255s"). The two numbers become utime_t(sec, usec), which
 * Ceph's constructor takes as seconds and *nanoseconds*: key_ts comes back with the microseconds in
 * its nsec field. The extension ends at the first blank and is at most 255 bytes. Undefined when the
 * key does not start "1_<digits>" (sscanf matched nothing). A key with no extension after "_"
 * leaves Ceph's buffer unset (garbage); we give the empty string.
 */
export function parseTimeIndex(index: string): { keyTs: UTime; keyExt: string } | undefined {
  const m = /^1_\s*([+-]?\d+)(?:\.\s*([+-]?\d+)(?:_\s*(\S{1,255}))?)?/.exec(index);
  if (!m) return undefined;
  const usec = m[2] === undefined ? 0 : Number(m[2]);
  const sec = Number(m[1]);
  // normalize(): whole seconds out of the nanosecond field.
  const carry = Math.floor(usec / 1e9);
  return { keyTs: { sec: sec + carry, nsec: usec - carry * 1e9 }, keyExt: m[3] ?? '' };
}

async function timeindexAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const entries = decodeClsInput('cls_timeindex.add', input, decodeAddOp);
  for (const e of entries) await ctx.mapSetVal(timeIndexPrefix(e.keyTs) + e.keyExt, e.value);
}

/** list: keys after the marker (or from_time's key) up to to_time's key (exclusive, when to_time >= from_time). */
async function timeindexList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const op = decodeClsInput('cls_timeindex.list', input, decodeClsTimeindexListOp);
  const fromIndex = op.marker === '' ? timeIndexPrefix(op.fromTime) : op.marker;
  const toIndex = !(op.toTime.sec < op.fromTime.sec || (op.toTime.sec === op.fromTime.sec && op.toTime.nsec < op.fromTime.nsec)) ? timeIndexPrefix(op.toTime) : undefined;
  // A negative max_entries is a huge size_t: the limit.
  const max = op.maxEntries < 0 || op.maxEntries > clsTimeindexLimits.listEntriesMax ? clsTimeindexLimits.listEntriesMax : op.maxEntries;
  const { vals, more } = await ctx.mapGetVals(fromIndex, '1_', max);
  const ret: ClsTimeindexListRet = { entries: [], marker: '', truncated: more };
  for (const [index, value] of vals) {
    if (toIndex !== undefined && comparePrefix(index, toIndex) >= 0) {
      ret.truncated = false;
      break;
    }
    const parsed = parseTimeIndex(index);
    if (parsed) ret.entries.push({ ...parsed, value });
    ret.marker = index;
  }
  const w = new Writer();
  encodeClsTimeindexListRet(w, ret);
  return w.finish();
}

/** trim: remove up to 1000 keys after from through to (a key past to's prefix ends it); ENODATA when none was removed. */
async function timeindexTrim(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeClsInput('cls_timeindex.trim', input, decodeTrimOp);
  const fromIndex = op.fromMarker === '' ? timeIndexPrefix(op.fromTime) : op.fromMarker;
  const toIndex = op.toMarker === '' ? timeIndexPrefix(op.toTime) : op.toMarker;
  const { vals } = await ctx.mapGetVals(fromIndex, '1_', clsTimeindexLimits.trimEntriesMax);
  let removed = false;
  for (const index of vals.keys()) {
    if (comparePrefix(index, toIndex) > 0) break;
    await ctx.mapRemoveKey(index);
    removed = true;
  }
  if (!removed) throw cephError('ENODATA', 'cls_timeindex.trim: nothing in range');
}

export const timeindexMethods: Readonly<Record<string, ClsMethod>> = {
  add: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: timeindexAdd },
  list: { flags: CLS_METHOD_RD, fn: timeindexList },
  trim: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: timeindexTrim },
};
