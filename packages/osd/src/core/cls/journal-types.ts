import { Reader, Writer } from '@ts-ceph/denc';

/**
 * cls_journal's types (src/cls/journal/cls_journal_types.h/.cc): the records a journal's header
 * object `journal.<id>` keeps in its omap, and what its methods take and answer. librbd's image
 * journal and rbd-mirror are their users; the journal's entries themselves live in
 * `journal_data.<pool>.<id>.<n>` objects that only clients parse.
 */

/** JOURNAL_MAX_RETURN: the most clients or tags one list asks for (librbd pages with it). */
export const journalListEntriesMax = 256;

/** Tag::TAG_CLASS_NEW: tag_create with this class allocates the next class. */
export const TAG_CLASS_NEW = 0xffff_ffff_ffff_ffffn;

/** cls::journal::ClientState (a u8 on the wire). */
export const CLIENT_STATE = { CONNECTED: 0, DISCONNECTED: 1 } as const;

/** ObjectPosition: ENCODE_START(1, 1), u64 object_number, tag_tid, entry_tid. */
export interface ObjectPosition {
  objectNumber: bigint;
  tagTid: bigint;
  entryTid: bigint;
}

/** ObjectSetPosition: ENCODE_START(1, 1), list<ObjectPosition>, most recent commit first. */
export interface ObjectSetPosition {
  objectPositions: ObjectPosition[];
}

/** Client: ENCODE_START(1, 1), string id, bufferlist data, ObjectSetPosition commit_position, u8 state. */
export interface JournalClient {
  id: string;
  data: Buffer;
  commitPosition: ObjectSetPosition;
  state: number;
}

/** Tag: ENCODE_START(1, 1), u64 tid, u64 tag_class, bufferlist data. */
export interface JournalTag {
  tid: bigint;
  tagClass: bigint;
  data: Buffer;
}

export function encodeObjectPosition(w: Writer, p: ObjectPosition): void {
  w.envelope(1, 1, () => w.u64(p.objectNumber).u64(p.tagTid).u64(p.entryTid));
}

export function decodeObjectPosition(r: Reader): ObjectPosition {
  return r.envelope('cls::journal::ObjectPosition', 1, (r) => ({
    objectNumber: r.u64('object_number'),
    tagTid: r.u64('tag_tid'),
    entryTid: r.u64('entry_tid'),
  }));
}

/** Each position is at least its 6-byte envelope header and 24 bytes of fields. */
const positionBytesMin = 30;

export function encodeObjectSetPosition(w: Writer, s: ObjectSetPosition): void {
  w.envelope(1, 1, () => w.list(s.objectPositions, encodeObjectPosition));
}

export function decodeObjectSetPosition(r: Reader): ObjectSetPosition {
  return r.envelope('cls::journal::ObjectSetPosition', 1, (r) => ({
    objectPositions: r.list('object_positions', decodeObjectPosition, positionBytesMin),
  }));
}

export function encodeJournalClient(w: Writer, c: JournalClient): void {
  w.envelope(1, 1, () => {
    w.string(c.id).blob(c.data);
    encodeObjectSetPosition(w, c.commitPosition);
    w.u8(c.state);
  });
}

export function decodeJournalClient(r: Reader): JournalClient {
  return r.envelope('cls::journal::Client', 1, (r) => ({
    id: r.string('id'),
    data: Buffer.from(r.blob('data')),
    commitPosition: decodeObjectSetPosition(r),
    state: r.u8('state'),
  }));
}

export function encodeJournalTag(w: Writer, t: JournalTag): void {
  w.envelope(1, 1, () => w.u64(t.tid).u64(t.tagClass).blob(t.data));
}

export function decodeJournalTag(r: Reader): JournalTag {
  return r.envelope('cls::journal::Tag', 1, (r) => ({
    tid: r.u64('tid'),
    tagClass: r.u64('tag_class'),
    data: Buffer.from(r.blob('data')),
  }));
}

/** ObjectPosition's operator==. */
export function samePositions(a: ObjectSetPosition, b: ObjectSetPosition): boolean {
  const [x, y] = [a.objectPositions, b.objectPositions];
  return x.length === y.length && x.every((p, i) => p.objectNumber === y[i].objectNumber && p.tagTid === y[i].tagTid && p.entryTid === y[i].entryTid);
}
