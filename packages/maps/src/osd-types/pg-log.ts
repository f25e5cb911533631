import { Reader, Writer, UTime, UTIME_ZERO, decodeUTime, encodeUTime, encodeWith } from '@ts-ceph/denc';
import { EversionT, OsdReqidT, EVERSION_ZERO, decodeEversionT, encodeEversionT, decodeOsdReqidT, encodeOsdReqidT } from '../types/pg';
import { HobjectT, decodeHobjectT, encodeHobjectT } from '../types/hobject';
import { mapsLimits } from '../limits';

/**
 * The PG log (src/osd/osd_types.h/.cc): pg_log_entry_t with its ObjectModDesc and ObjectCleanRegions,
 * pg_log_dup_t, pg_log_t, and the omap key names the OSD stores them under.
 */

/** pg_log_op_return_item_t: { le32 rval, bufferlist bl } (no envelope): one op's return in a RETURNVEC write. */
export interface PgLogOpReturnItemT {
  /** s32 return value (0 or a negative errno). */
  rval: number;
  /** Output data of the op. */
  bl: Buffer;
}

export function decodePgLogOpReturnItemT(r: Reader, field = 'pg_log_op_return_item_t'): PgLogOpReturnItemT {
  return r.within(field, () => ({ rval: r.i32('rval'), bl: Buffer.from(r.blob('bl')) }));
}

export function encodePgLogOpReturnItemT(w: Writer, i: PgLogOpReturnItemT): void {
  w.i32(i.rval).blob(i.bl);
}

/**
 * ObjectModDesc: ENCODE_START(max_required_version, max_required_version) { bool can_local_rollback,
 * bool rollback_info_completed, bufferlist bl }. The bufferlist is the EC rollback script; a replicated
 * pool never reads it, so it is kept raw.
 */
export interface ObjectModDescT {
  /** u8 struct version this description needs (1, or 2 once it holds a try_rmobject). */
  maxRequiredVersion: number;
  canLocalRollback: boolean;
  rollbackInfoCompleted: boolean;
  /** The encoded rollback operations. */
  bl: Buffer;
}

/** ObjectModDesc() then mark_unrollbackable(): what a primary logs for a write on a replicated pool. */
export function unrollbackableModDesc(): ObjectModDescT {
  return { maxRequiredVersion: 1, canLocalRollback: false, rollbackInfoCompleted: false, bl: Buffer.alloc(0) };
}

export function decodeObjectModDesc(r: Reader, field = 'ObjectModDesc'): ObjectModDescT {
  return r.envelope(field, 2, (_r, v) => ({ maxRequiredVersion: v, canLocalRollback: r.bool('can_local_rollback'), rollbackInfoCompleted: r.bool('rollback_info_completed'), bl: Buffer.from(r.blob('bl')) }));
}

export function encodeObjectModDesc(w: Writer, m: ObjectModDescT): void {
  w.envelope(m.maxRequiredVersion, m.maxRequiredVersion, () => {
    w.bool(m.canLocalRollback).bool(m.rollbackInfoCompleted).blob(m.bl);
  });
}

/** u64 all ones: interval_set end of "the whole object". */
export const OFFSET_MAX = 0xffffffffffffffffn;

/**
 * ObjectCleanRegions: ENCODE_START(1, 1) { interval_set<u64> clean_offsets, bool clean_omap, bool
 * new_object }: which parts of an object a log entry left untouched (partial recovery, octopus+).
 */
export interface ObjectCleanRegionsT {
  /** [offset, length] byte ranges not modified, ascending; u64 values. */
  cleanOffsets: [bigint, bigint][];
  cleanOmap: boolean;
  newObject: boolean;
}

/** ObjectCleanRegions(): everything clean (the start of a log entry, before its ops dirty regions). */
export function newObjectCleanRegions(): ObjectCleanRegionsT {
  return { cleanOffsets: [[0n, OFFSET_MAX]], cleanOmap: true, newObject: false };
}

/** mark_fully_dirty(): what a decoder assumes for entries older than v13. */
export function fullyDirtyCleanRegions(): ObjectCleanRegionsT {
  return { cleanOffsets: [], cleanOmap: false, newObject: true };
}

export function decodeObjectCleanRegions(r: Reader, field = 'ObjectCleanRegions'): ObjectCleanRegionsT {
  return r.envelope(field, 1, () => {
    const n = r.count('clean_offsets', 16);
    if (n > mapsLimits.intervalsPerSetMax) r.fail('DENC_LIMIT', `${n} intervals over limit ${mapsLimits.intervalsPerSetMax}`, 'clean_offsets');
    const cleanOffsets: [bigint, bigint][] = [];
    for (let i = 0; i < n; i++) cleanOffsets.push([r.u64('start'), r.u64('len')]);
    return { cleanOffsets, cleanOmap: r.bool('clean_omap'), newObject: r.bool('new_object') };
  });
}

export function encodeObjectCleanRegions(w: Writer, c: ObjectCleanRegionsT): void {
  w.envelope(1, 1, () => {
    w.pairs(c.cleanOffsets, (ww, s) => ww.u64(s), (ww, l) => ww.u64(l));
    w.bool(c.cleanOmap).bool(c.newObject);
  });
}

/** pg_log_entry_t ops. */
export const PgLogOp = {
  MODIFY: 1,
  CLONE: 2,
  DELETE: 3,
  LOST_REVERT: 5,
  LOST_DELETE: 6,
  LOST_MARK: 7,
  PROMOTE: 8,
  CLEAN: 9,
  ERROR: 10,
} as const;

/** pg_log_entry_t::get_op_name. */
export function pgLogOpName(op: number): string {
  const names: Record<number, string> = { 1: 'modify', 2: 'clone', 3: 'delete', 5: 'l_revert', 6: 'l_delete', 7: 'l_mark', 8: 'promote', 9: 'clean', 10: 'error' };
  return names[op] ?? 'unknown';
}

/**
 * pg_log_entry_t: ENCODE_START(14, 4), decoded with DECODE_START_LEGACY_COMPAT_LEN(14, 4, 4). One
 * modification of one object, kept in the PG log for replication, recovery and duplicate detection.
 */
export interface PgLogEntryT {
  /** s32 PgLogOp. */
  op: number;
  soid: HobjectT;
  version: EversionT;
  priorVersion: EversionT;
  /** LOST_REVERT only: the version reverted to. */
  revertingTo: EversionT;
  reqid: OsdReqidT;
  /** Other requests this entry answers (a promoted or copied object's history): (reqid, u64 user version). */
  extraReqids: [OsdReqidT, bigint][];
  /** index into extraReqids -> s32 return code; encoded only when extraReqids is not empty. */
  extraReqidReturnCodes: [number, number][];
  /** The client's mtime. */
  mtime: UTime;
  /** s32: 0, or the negative errno of an ERROR entry. */
  returnCode: number;
  opReturns: PgLogOpReturnItemT[];
  /** u64 user version. */
  userVersion: bigint;
  modDesc: ObjectModDescT;
  /** The encoded vector<snapid_t> of a CLONE entry (raw, as Ceph keeps it); empty otherwise. */
  snaps: Buffer;
  cleanRegions: ObjectCleanRegionsT;
}

/** pg_log_entry_t(op, soid, version, prior_version, user_version, reqid, mtime, return_code). */
export function newPgLogEntry(op: number, soid: HobjectT, version: EversionT, priorVersion: EversionT, userVersion: bigint, reqid: OsdReqidT, mtime: UTime, returnCode = 0): PgLogEntryT {
  return {
    op,
    soid,
    version,
    priorVersion,
    revertingTo: { ...EVERSION_ZERO },
    reqid,
    extraReqids: [],
    extraReqidReturnCodes: [],
    mtime,
    returnCode,
    opReturns: [],
    userVersion,
    modDesc: { maxRequiredVersion: 1, canLocalRollback: true, rollbackInfoCompleted: false, bl: Buffer.alloc(0) },
    snaps: Buffer.alloc(0),
    cleanRegions: newObjectCleanRegions(),
  };
}

/** The snaps bufferlist of a CLONE entry: encode(vector<snapid_t>). */
export function encodeLogSnaps(snaps: readonly bigint[]): Buffer {
  return encodeWith((w) => w.list(snaps, (ww, s) => ww.u64(s)));
}

export function decodeLogSnaps(bl: Buffer): bigint[] {
  if (bl.length === 0) return [];
  const r = new Reader(bl);
  const out = r.list('snaps', (rr) => rr.u64('snap'), 8);
  r.expectEnd('snaps');
  return out;
}

const REQID_BYTES_MIN = 6 + 9 + 8 + 4;

function decodeEntryBody(r: Reader, v: number): PgLogEntryT {
  const op = r.i32('op');
  if (v < 2) r.fail('DENC_INCOMPAT', `pg_log_entry_t v${v} (sobject_t era) is not supported`);
  const e = newPgLogEntry(op, decodeHobjectT(r, 'soid'), decodeEversionT(r, 'version'), { ...EVERSION_ZERO }, 0n, { name: { type: 0, num: 0 }, tid: 0n, inc: 0 }, { ...UTIME_ZERO });
  if (v >= 6 && op === PgLogOp.LOST_REVERT) e.revertingTo = decodeEversionT(r, 'reverting_to');
  else e.priorVersion = decodeEversionT(r, 'prior_version');
  e.reqid = decodeOsdReqidT(r, 'reqid');
  e.mtime = decodeUTime(r, 'mtime');
  if (op === PgLogOp.LOST_REVERT) {
    if (v >= 6) e.priorVersion = decodeEversionT(r, 'prior_version');
    else e.revertingTo = e.priorVersion;
  }
  if (v >= 7 || op === PgLogOp.CLONE) e.snaps = Buffer.from(r.blob('snaps'));
  e.userVersion = v >= 8 ? r.u64('user_version') : e.version.version;
  e.modDesc = v >= 9 ? decodeObjectModDesc(r, 'mod_desc') : unrollbackableModDesc();
  if (v >= 10) e.extraReqids = r.pairs('extra_reqids', (rr) => decodeOsdReqidT(rr, 'reqid'), (rr) => rr.u64('user_version'), REQID_BYTES_MIN + 8).map(([q, u]) => [q, u] as [OsdReqidT, bigint]);
  if (v >= 11 && op === PgLogOp.ERROR) e.returnCode = r.i32('return_code');
  if (v >= 12 && e.extraReqids.length > 0) e.extraReqidReturnCodes = r.pairs('extra_reqid_return_codes', (rr) => rr.u32('index'), (rr) => rr.i32('return_code'), 8);
  e.cleanRegions = v >= 13 ? decodeObjectCleanRegions(r, 'clean_regions') : fullyDirtyCleanRegions();
  if (v >= 14) {
    if (op !== PgLogOp.ERROR) e.returnCode = r.i32('return_code');
    e.opReturns = r.list('op_returns', (rr) => decodePgLogOpReturnItemT(rr, 'op'), 8);
  }
  return e;
}

export function decodePgLogEntryT(r: Reader, field = 'pg_log_entry_t'): PgLogEntryT {
  return r.envelopeLegacy(field, 14, 4, 4, (_r, v) => decodeEntryBody(r, v));
}

export function encodePgLogEntryT(w: Writer, e: PgLogEntryT): void {
  const revert = e.op === PgLogOp.LOST_REVERT;
  const error = e.op === PgLogOp.ERROR;
  w.envelope(14, 4, () => {
    w.i32(e.op);
    encodeHobjectT(w, e.soid);
    encodeEversionT(w, e.version);
    encodeEversionT(w, revert ? e.revertingTo : e.priorVersion);
    encodeOsdReqidT(w, e.reqid);
    encodeUTime(w, e.mtime);
    if (revert) encodeEversionT(w, e.priorVersion);
    w.blob(e.snaps).u64(e.userVersion);
    encodeObjectModDesc(w, e.modDesc);
    w.pairs(e.extraReqids, encodeOsdReqidT, (ww, u) => ww.u64(u));
    if (error) w.i32(e.returnCode);
    if (e.extraReqids.length > 0) w.pairs(e.extraReqidReturnCodes, (ww, i) => ww.u32(i), (ww, c) => ww.i32(c));
    encodeObjectCleanRegions(w, e.cleanRegions);
    if (!error) w.i32(e.returnCode);
    w.list(e.opReturns, encodePgLogOpReturnItemT);
  });
}

/** pg_log_dup_t: ENCODE_START(2, 1) { osd_reqid_t reqid, eversion_t version, le64 user_version, le32 return_code, vector op_returns (v2) }. */
export interface PgLogDupT {
  reqid: OsdReqidT;
  version: EversionT;
  /** u64 user version the original reply carried. */
  userVersion: bigint;
  /** s32 return code of the original request. */
  returnCode: number;
  opReturns: PgLogOpReturnItemT[];
}

/** pg_log_dup_t(entry): what a trimmed log entry leaves behind for duplicate detection. */
export function pgLogDupOf(e: PgLogEntryT): PgLogDupT {
  return { reqid: e.reqid, version: e.version, userVersion: e.userVersion, returnCode: e.returnCode, opReturns: e.opReturns };
}

export function decodePgLogDupT(r: Reader, field = 'pg_log_dup_t'): PgLogDupT {
  return r.envelope(field, 2, (_r, v) => ({
    reqid: decodeOsdReqidT(r, 'reqid'),
    version: decodeEversionT(r, 'version'),
    userVersion: r.u64('user_version'),
    returnCode: r.i32('return_code'),
    opReturns: v >= 2 ? r.list('op_returns', (rr) => decodePgLogOpReturnItemT(rr, 'op'), 8) : [],
  }));
}

export function encodePgLogDupT(w: Writer, d: PgLogDupT): void {
  w.envelope(2, 1, () => {
    encodeOsdReqidT(w, d.reqid);
    encodeEversionT(w, d.version);
    w.u64(d.userVersion).i32(d.returnCode);
    w.list(d.opReturns, encodePgLogOpReturnItemT);
  });
}

/**
 * pg_log_t: ENCODE_START(7, 3) { head, tail, list<pg_log_entry_t> log, can_rollback_to,
 * rollback_info_trimmed_to, list<pg_log_dup_t> dups }. head is the newest entry's version, tail the
 * version just before the oldest kept entry.
 */
export interface PgLogT {
  head: EversionT;
  tail: EversionT;
  /** Entries may be rolled back down to (not including) this version (EC pools). */
  canRollbackTo: EversionT;
  /** Rollback info of entries up to this version has been trimmed. */
  rollbackInfoTrimmedTo: EversionT;
  /** Oldest first. */
  log: PgLogEntryT[];
  dups: PgLogDupT[];
}

export function newPgLog(): PgLogT {
  return { head: { ...EVERSION_ZERO }, tail: { ...EVERSION_ZERO }, canRollbackTo: { ...EVERSION_ZERO }, rollbackInfoTrimmedTo: { ...EVERSION_ZERO }, log: [], dups: [] };
}

function boundedList<T>(r: Reader, field: string, item: (r: Reader) => T): T[] {
  const items = r.list(field, item, 6);
  if (items.length > mapsLimits.pgLogEntriesMax) r.fail('DENC_LIMIT', `${items.length} over limit ${mapsLimits.pgLogEntriesMax}`, field);
  return items;
}

/** pg_log_t::decode. Ceph's pre-v4 pool fix-up (a pool argument) does not apply: v4+ only. */
export function decodePgLogT(r: Reader, field = 'pg_log_t'): PgLogT {
  return r.envelopeLegacy(field, 7, 3, 3, (_r, v) => {
    if (v < 4) r.fail('DENC_INCOMPAT', `pg_log_t v${v} (pool-less hobjects) is not supported`);
    const l = newPgLog();
    l.head = decodeEversionT(r, 'head');
    l.tail = decodeEversionT(r, 'tail');
    l.log = boundedList(r, 'log', (rr) => decodePgLogEntryT(rr, 'entry'));
    if (v >= 5) l.canRollbackTo = decodeEversionT(r, 'can_rollback_to');
    l.rollbackInfoTrimmedTo = v >= 6 ? decodeEversionT(r, 'rollback_info_trimmed_to') : l.tail;
    if (v >= 7) l.dups = boundedList(r, 'dups', (rr) => decodePgLogDupT(rr, 'dup'));
    return l;
  });
}

export function encodePgLogT(w: Writer, l: PgLogT): void {
  w.envelope(7, 3, () => {
    encodeEversionT(w, l.head);
    encodeEversionT(w, l.tail);
    w.list(l.log, encodePgLogEntryT);
    encodeEversionT(w, l.canRollbackTo);
    encodeEversionT(w, l.rollbackInfoTrimmedTo);
    w.list(l.dups, encodePgLogDupT);
  });
}

/** eversion_t::get_key_name: the PG log's omap key, "%010u.%020llu" (epoch, version), so keys sort by version. */
export function evKeyName(ev: EversionT): string {
  return `${String(ev.epoch >>> 0).padStart(10, '0')}.${ev.version.toString().padStart(20, '0')}`;
}

/** pg_log_entry_t::get_key_name: the entry's version key. */
export function pgLogEntryKeyName(e: PgLogEntryT): string {
  return evKeyName(e.version);
}

/** pg_log_dup_t::get_key_name: "dup_" + the version key. */
export function pgLogDupKeyName(d: PgLogDupT): string {
  return `dup_${evKeyName(d.version)}`;
}
