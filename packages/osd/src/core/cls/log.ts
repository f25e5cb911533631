import { cephError } from '@ts-ceph/common/core';
import { DencError, Reader, UTime, Writer } from '@ts-ceph/denc';
import { ClsContext } from './context';
import * as T from './log-types';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';

/**
 * cls_log (src/cls/log/cls_log.cc): a time-ordered log in an object's omap, keyed
 * "1_<sec>.<usec>_<unique>", with a cls_log_header (largest key and time) as the omap header. rgw's
 * mdlog and datalog shards are cls_log objects. Same methods, flags, encodings and errnos as Ceph.
 */

/** MAX_ENTRIES: the most entries one list returns (0, negative or more asks for this many). */
export const clsLogListEntriesMax = 1000;

/** read_header: no header is the empty one; an undecodable one is, as Ceph's, also taken as empty. */
async function readHeader(ctx: ClsContext): Promise<T.ClsLogHeader> {
  const bl = await ctx.mapGetHeader();
  const empty = { maxMarker: '', maxTime: { sec: 0, nsec: 0 } };
  if (bl.length === 0) return empty;
  try {
    return T.decodeClsLogHeader(new Reader(bl));
  } catch (e) {
    if (e instanceof DencError) return empty;
    throw e;
  }
}

function encoded<V>(enc: (w: Writer, v: V) => void, v: V): Buffer {
  const w = new Writer();
  enc(w, v);
  return w.finish();
}

/**
 * add: each entry at its id, or, without one, at its time's key plus cls_cxx_subop_version (the PG
 * version and the op's sub-op count, unique per entry). With monotonic_inc an entry older than the
 * log's max_time is keyed at max_time (its own timestamp is stored unchanged).
 */
async function logAdd(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeClsInput('cls_log.add', input, T.decodeClsLogAddOp);
  const header = await readHeader(ctx);
  for (const entry of op.entries) {
    let ts = entry.timestamp;
    if (op.monotonicInc && T.utimeLess(ts, header.maxTime)) ts = header.maxTime;
    else if (T.utimeLess(header.maxTime, ts)) header.maxTime = ts;
    if (entry.id === '') entry.id = T.timeIndexPrefix(ts) + ctx.subopVersion();
    if (T.keyOrder(entry.id, header.maxMarker) > 0) header.maxMarker = entry.id;
    await ctx.mapSetVal(entry.id, encoded(T.encodeClsLogEntry, entry));
  }
  await ctx.mapWriteHeader(encoded(T.encodeClsLogHeader, header));
}

/**
 * list: entries after the marker (or from_time's key), up to max_entries, stopping before to_time
 * when from_time is set and to_time is not before it. The reply's marker is the last key looked at,
 * including the one at to_time that ended the walk; undecodable entries are skipped.
 */
async function logList(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const op = decodeClsInput('cls_log.list', input, T.decodeClsLogListOp);
  const fromIndex = op.marker === '' ? T.timeIndexPrefix(op.fromTime) : op.marker;
  const fromZero = op.fromTime.sec === 0 && op.fromTime.nsec === 0;
  const toIndex = !fromZero && !T.utimeLess(op.toTime, op.fromTime) ? T.timeIndexPrefix(op.toTime) : undefined;
  const max = op.maxEntries <= 0 || op.maxEntries > clsLogListEntriesMax ? clsLogListEntriesMax : op.maxEntries;
  const { vals, more } = await ctx.mapGetVals(fromIndex, '1_', max);
  const ret: T.ClsLogListRet = { entries: [], marker: '', truncated: more };
  for (const [index, bl] of vals) {
    ret.marker = index;
    if (toIndex !== undefined && T.comparePrefix(index, toIndex) >= 0) {
      ret.truncated = false;
      break;
    }
    try {
      ret.entries.push(T.decodeClsLogEntry(new Reader(bl)));
    } catch (e) {
      if (!(e instanceof DencError)) throw e;
    }
  }
  return encoded(T.encodeClsLogListRet, ret);
}

/** to_time plus one microsecond, as cls_log's trim makes its one-past-the-end key. */
function plusUsec(t: UTime): UTime {
  const nsec = t.nsec + 1000;
  return nsec >= 1e9 ? { sec: t.sec + 1, nsec: nsec - 1e9 } : { sec: t.sec, nsec };
}

/**
 * trim: remove the keys from the first one after from (marker or time) through to (marker,
 * inclusive, or time, inclusive to the microsecond). ENODATA when nothing is in range, which tells
 * rgw to stop repeating it.
 */
async function logTrim(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeClsInput('cls_log.trim', input, T.decodeClsLogTrimOp);
  const fromIndex = op.fromMarker === '' ? T.timeIndexPrefix(op.fromTime) : op.fromMarker;
  const toIndex = op.toMarker === '' ? T.timeIndexPrefix(plusUsec(op.toTime)) : `${op.toMarker}\0`;
  const { keys } = await ctx.mapGetKeys(fromIndex, 1);
  const first = keys[0];
  if (first === undefined || T.keyOrder(toIndex, first) < 0) throw cephError('ENODATA', 'cls_log.trim: nothing in range');
  await ctx.mapRemoveRange(first, toIndex);
}

/** info: cls_log_info_ret { header }. */
async function logInfo(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  decodeClsInput('cls_log.info', input, (r) => T.decodeEmptyOp(r, 'cls_log_info_op'));
  const header = await readHeader(ctx);
  return encoded((w, h: T.ClsLogHeader) => w.envelope(1, 1, () => T.encodeClsLogHeader(w, h)), header);
}

export const logMethods: Readonly<Record<string, ClsMethod>> = {
  add: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: logAdd },
  list: { flags: CLS_METHOD_RD, fn: logList },
  trim: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: logTrim },
  info: { flags: CLS_METHOD_RD, fn: logInfo },
};
