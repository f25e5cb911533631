import { cephError } from '@ts-ceph/common/core';
import { DencError, Reader } from '@ts-ceph/denc';
import type { Ev, PeerRepOp, PeerRepOpReply } from './messages';

/**
 * The fixed binary body of the two messages every replicated write sends (MOSDRepOp to each
 * replica, MOSDRepOpReply back), docs/formats/osd-messages.md "Binary repop and repop_reply".
 * The other peer messages stay msgpack maps; these two are a third of a 4 KiB write's messages
 * per OSD and their generic pack, unpack and field-by-field schema check cost more than the
 * fields themselves (a dozen integers and a few buffers).
 *
 * Every integer is little-endian. The body starts with `repopWireMarker`, a byte msgpack never
 * uses, so a receiver tells a binary body from a msgpack map by its first byte and reads both.
 */
export const repopWireMarker = 0xc1;
/** The layout's version: a receiver refuses any other (EINVAL), as it cannot know its fields. */
export const repopWireVersion = 1;
/** The message a binary body holds (its second byte). */
export const repopWireKind = { repop: 1, repopReply: 2 } as const;

/** Named limits of the binary bodies (docs/LIMITS.md). */
export const repopWireLimits = {
  /** pg_log_entry_t buffers in one repop: a write logs one entry, a few with its clones. */
  entriesMax: 10_000,
  /** One entry or the transaction's op list, bytes (the whole body is under messageBytesMax). */
  fieldBytesMax: 160 * 1024 * 1024,
};

// marker, kind, version; pool le64, seed le32, interval le32, tid le64.
const headBytes = 3 + 8 + 4 + 4 + 8;
const evBytes = 4 + 8;
const twoTo32 = 0x1_0000_0000;

function putU64(b: Buffer, off: number, v: number): number {
  b.writeUInt32LE(v % twoTo32, off);
  b.writeUInt32LE(Math.floor(v / twoTo32), off + 4);
  return off + 8;
}

function putHead(b: Buffer, kind: number, m: PeerRepOp | PeerRepOpReply): number {
  b[0] = repopWireMarker;
  b[1] = kind;
  b[2] = repopWireVersion;
  let off = putU64(b, 3, m.pgid[0]);
  off = b.writeUInt32LE(m.pgid[1], off);
  off = b.writeUInt32LE(m.interval, off);
  return putU64(b, off, m.tid);
}

function putEv(b: Buffer, off: number, e: Ev): number {
  return putU64(b, b.writeUInt32LE(e[0], off), e[1]);
}

/** A repop's body without its write data (that travels as the message's data segment). */
export function encodeRepOpBody(m: PeerRepOp): Buffer {
  let size = headBytes + evBytes + 4 + 4 + m.txn.length;
  for (const e of m.entries) size += 4 + e.length;
  const b = Buffer.allocUnsafe(size);
  let off = putEv(b, putHead(b, repopWireKind.repop, m), m.prev);
  off = b.writeUInt32LE(m.entries.length, off);
  for (const e of m.entries) {
    off = b.writeUInt32LE(e.length, off);
    off += e.copy(b, off);
  }
  off = b.writeUInt32LE(m.txn.length, off);
  off += m.txn.copy(b, off);
  if (off !== size) throw new Error(`repop body: wrote ${off} of ${size} bytes`);
  return b;
}

export function encodeRepOpReplyBody(m: PeerRepOpReply): Buffer {
  const b = Buffer.allocUnsafe(headBytes + evBytes);
  putEv(b, putHead(b, repopWireKind.repopReply, m), m.version);
  return b;
}

const readEv = (r: Reader, field: string): Ev => [r.u32(`${field}.epoch`), r.u64n(`${field}.version`)];

function decodeRepOp(r: Reader, head: Pick<PeerRepOp, 'pgid' | 'interval' | 'tid'>, data: Buffer): PeerRepOp {
  const prev = readEv(r, 'prev');
  const n = r.count('entries', 4);
  if (n > repopWireLimits.entriesMax) r.fail('DENC_LIMIT', `${n} entries over entriesMax`, 'entries');
  const entries: Buffer[] = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) entries[i] = r.blob('entries', repopWireLimits.fieldBytesMax);
  const txn = r.blob('txn', repopWireLimits.fieldBytesMax);
  return { type: 'repop', ...head, prev, entries, txn, data: data.length ? [data] : [] };
}

/**
 * Decode a binary repop or repop_reply body (its first byte is `repopWireMarker`); `data` is the
 * message's data segment (a repop's write data; a reply has none). EINVAL names the field.
 */
export function decodeRepopWire(body: Uint8Array, data: Buffer): PeerRepOp | PeerRepOpReply {
  const r = new Reader(body);
  try {
    r.u8('marker');
    const kind = r.u8('kind');
    const version = r.u8('version');
    if (version !== repopWireVersion) r.fail('DENC_INCOMPAT', `version ${version}, we read ${repopWireVersion}`, 'version');
    const head = { pgid: [r.u64n('pool'), r.u32('seed')] as [number, number], interval: r.u32('interval'), tid: r.u64n('tid') };
    let m: PeerRepOp | PeerRepOpReply;
    if (kind === repopWireKind.repop) m = decodeRepOp(r, head, data);
    else if (kind === repopWireKind.repopReply) {
      if (data.length) throw cephError('EINVAL', `peer repop_reply: ${data.length} bytes of data segment it cannot carry`);
      m = { type: 'repop_reply', ...head, version: readEv(r, 'version') };
    } else return r.fail('DENC_MALFORMED', `kind ${kind} unknown`, 'kind');
    r.expectEnd('repop body');
    return m;
  } catch (e) {
    if (e instanceof DencError) throw cephError('EINVAL', `peer binary body: ${e.message}`);
    throw e;
  }
}
