import { Packr } from 'msgpackr';
import { cephError } from '@ts-ceph/common/core';
import { stringFromBytes, stringToBytes } from '@ts-ceph/denc';
import type { EversionT } from '@ts-ceph/maps';
import { decodeRepopWire, encodeRepOpBody, encodeRepOpReplyBody, repopWireMarker } from './repop-wire';

/**
 * The OSD-to-OSD peering and replication messages (docs/formats/osd-messages.md, "Peering and
 * replication payloads"). Plain objects, packed with msgpack into the blob of one MSG_TS_OSD_PEER
 * message (the transport, packages/osd/src/peer-link.ts). Ceph's own types inside travel in Ceph's
 * encodings: pg_info_t (`info`), pg_log_entry_t with its crc (`entries`), ghobject_t (`oid`), the
 * objectstore transaction (`txn`, core/peering/txn-codec.ts). Each is named after the Ceph message
 * that plays its part (MOSDPGQuery, MOSDPGNotify, MOSDPGLog, MOSDRepOp, MOSDPGPush ...).
 *
 * Every message names its PG (`pgid`: pool, seed) and the interval it belongs to (`interval`: the
 * sender's same_interval_since); a receiver in another interval drops it (PeeringState's
 * old_peering_msg), and the sender's tick resends what is still needed.
 */
export type Ev = [epoch: number, version: number];
export const evOf = (e: EversionT): Ev => [e.epoch, Number(e.version)];
export const evFrom = (e: Ev): EversionT => ({ epoch: e[0], version: BigInt(e[1]) });
export type PgId = [pool: number, seed: number];

interface Base {
  pgid: PgId;
  interval: number;
}
/** MOSDPGQuery: the primary asks for a peer's pg_info_t. */
export interface PeerQuery extends Base { type: 'query' }
/** MOSDPGNotify: a peer's pg_info_t (with its history and last_epoch_started). */
export interface PeerNotify extends Base { type: 'notify'; info: Buffer }
/**
 * MOSDPGQuery(LOG): the primary asks the authoritative peer for its whole log; `full` (the logs do
 * not overlap: the primary is backfilled) asks for its object listing too.
 */
export interface PeerGetLog extends Base { type: 'get_log'; full: boolean }
/** An object listing for backfill: each object and its version (object_info_t::version). */
export type Listing = [oid: Buffer, version: Ev][];
/** MOSDPGLog: a log (from the authoritative peer to the primary), with its listing when asked. */
export interface PeerLog extends Base { type: 'log'; info: Buffer; entries: Buffer[]; dups: Buffer[]; objects: Listing }
/**
 * MOSDPGLog at activation: the authoritative log a replica merges, then it activates. For a
 * replica whose log does not overlap it, `objects` lists the authoritative objects (backfill).
 */
export interface PeerActivate extends Base { type: 'activate'; info: Buffer; entries: Buffer[]; dups: Buffer[]; objects: Listing }
/** The replica activated: its missing set (object, needed version, whether it must not exist). */
export interface PeerActivated extends Base { type: 'activated'; missing: [oid: Buffer, need: Ev, gone: boolean][] }
/**
 * MOSDRepOp: one write's log entries and transaction; `prev` is the log head it follows. `txn` is
 * the op list and `data` its WRITE ops' bytes (txn-codec.ts); on the cluster messenger `data` is
 * the message's data segment, outside the packed body (encodePeerWire).
 */
export interface PeerRepOp extends Base { type: 'repop'; tid: number; prev: Ev; entries: Buffer[]; txn: Buffer; data: Buffer[] }
/** MOSDRepOpReply: the replica made the write durable. */
export interface PeerRepOpReply extends Base { type: 'repop_reply'; tid: number; version: Ev }
/**
 * xattr names and omap keys with their values, the names as their bytes: a Ceph name need not be
 * UTF-8 (denc's string-bytes.ts) and a msgpack string can only be UTF-8. An OSD built before names
 * travelled as bytes sends them as strings, which are still read.
 */
export type NamedPairs = [name: Buffer | string, value: Buffer][];

/** Names as bytes for a peer message. */
export function namedPairs(m: Iterable<readonly [string, Buffer]>): NamedPairs {
  const out: NamedPairs = [];
  for (const [k, v] of m) out.push([stringToBytes(k), v]);
  return out;
}

/** A peer message's pairs back as names (byte-exact) and values. */
export function namedMap(p: NamedPairs): Map<string, Buffer> {
  return new Map(p.map(([k, v]) => [typeof k === 'string' ? k : stringFromBytes(k), v]));
}

/** MOSDPGPush: an object's whole state at `version` (exists false: it must not exist). */
export interface PeerPush extends Base {
  type: 'push';
  oid: Buffer;
  version: Ev;
  exists: boolean;
  data: Buffer;
  attrs: NamedPairs;
  omapHeader: Buffer;
  omap: NamedPairs;
}
/** MOSDPGPushReply: the pushed object is durable. */
export interface PeerPushReply extends Base { type: 'push_reply'; oid: Buffer; version: Ev }
/** MOSDPGPull: the primary asks a peer to push it an object. */
export interface PeerPull extends Base { type: 'pull'; oid: Buffer; need: Ev }

/**
 * A ScrubMap entry on the wire: the object, then its size, xattrs, data and omap crc32c (-1: not
 * computed, a shallow scrub) and whether reading it failed; size -1 says the shard lacks it.
 */
export type ScrubEntry = [oid: Buffer, size: number, attrs: NamedPairs, dataDigest: number, omapDigest: number, readError: boolean];
/** MOSDRepScrub: the primary asks for this replica's ScrubMap of a chunk (writes to it are blocked). */
export interface PeerScrubReq extends Base { type: 'scrub_req'; tid: number; deep: boolean; oids: Buffer[] }
/** MOSDRepScrubMap: the replica's ScrubMap of the chunk. */
export interface PeerScrubMap extends Base { type: 'scrub_map'; tid: number; objects: ScrubEntry[] }
/** Repair: the primary asks the authoritative shard to push its copy to the `to` shards. */
export interface PeerRepairPull extends Base { type: 'repair_pull'; oid: Buffer; to: number[] }
/** Repair: an object's authoritative state (as MOSDPGPush), written whatever the copy holds. */
export interface PeerRepairPush extends Omit<PeerPush, 'type'> { type: 'repair_push' }
/** Repair: the pushed copy is durable (to the primary). */
export interface PeerRepairReply extends Base { type: 'repair_reply'; oid: Buffer }
/** MOSDPGNotify from the Stray state: this OSD holds a copy of a PG it is no longer a member of. */
export interface PeerStray extends Base { type: 'stray' }
/** MOSDPGRemove (PeeringState::purge_strays): the PG is clean without the stray; delete its copy. */
export interface PeerRemove extends Base { type: 'remove' }

/**
 * MOSDPGInfo2 from PeeringState::share_pg_info: the primary's pg_info_t after its purged_snaps
 * moved (a snap trim finished); a replica takes purged_snaps from it. `seq` numbers the primary's
 * shares in its interval.
 */
export interface PeerInfoShare extends Base { type: 'info'; seq: number; info: Buffer }
/**
 * The replica persisted the shared info `seq` (ours: Ceph's share is unanswered on a lossless
 * link; our peer links may lose it, so the primary resends on its tick until this comes back).
 */
export interface PeerInfoAck extends Base { type: 'info_ack'; seq: number }

/** A message without the PG and interval fields the sending core fills in. */
export type PeerBody = PeerMessage extends infer M ? (M extends PeerMessage ? Omit<M, 'pgid' | 'interval'> : never) : never;

export type PeerMessage = PeerQuery | PeerNotify | PeerGetLog | PeerLog | PeerActivate | PeerActivated | PeerRepOp | PeerRepOpReply | PeerPush | PeerPushReply | PeerPull
  | PeerScrubReq | PeerScrubMap | PeerRepairPull | PeerRepairPush | PeerRepairReply | PeerStray | PeerRemove | PeerInfoShare | PeerInfoAck;

/** Named limits of a peer message (docs/LIMITS.md). */
export const peerMessageLimits = {
  /** A whole packed message: a push carries one object (osd_max_object_size is 128 MiB). */
  messageBytesMax: 160 * 1024 * 1024,
  /** Log entries in one log/activate message (a PG log holds osd_max_pg_log_entries at most). */
  entriesMax: 10_000,
  /** pg_log_dup_t entries in one log or activate payload (osd_pg_log_dups_tracked is 3000). */
  dupsMax: 10_000,
  /** Missing objects one activated message lists, and objects one backfill listing carries. */
  missingMax: 100_000,
  /** xattrs or omap pairs in one push. */
  pairsMax: 1_000_000,
  /** Objects in one scrub request or ScrubMap (osd_scrub_chunk_max is 25; ours may be raised). */
  scrubObjectsMax: 10_000,
  /** Shards one repair pushes to (a pool's size is at most 10 here). */
  repairTargetsMax: 16,
  /** Data buffers one packed repop carries (one per WRITE op; a transaction has at most txnOpsMax ops). */
  dataBuffersMax: 100_000,
};

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** The whole message in one msgpack buffer (the simulation's network and tests; the daemons use encodePeerWire). */
export function encodePeerMessage(m: PeerMessage): Buffer {
  return packr.pack(m);
}

type Check = (v: unknown) => boolean;
const isU32: Check = (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
const isSafe: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isBuf: Check = (v) => Buffer.isBuffer(v);
const isBool: Check = (v) => typeof v === 'boolean';
const isEv: Check = (v) => Array.isArray(v) && v.length === 2 && isU32(v[0]) && isSafe(v[1]);
const listOf = (max: number, item: Check): Check => (v) => Array.isArray(v) && v.length <= max && v.every(item);
const pair = (a: Check, b: Check): Check => (v) => Array.isArray(v) && v.length === 2 && a(v[0]) && b(v[1]);
const isI33: Check = (v) => v === -1 || isU32(v);
/** An xattr name or omap key: bytes (or a string from an older OSD), as long as omapKeyBytesMax. */
const isName: Check = (v) => (Buffer.isBuffer(v) || typeof v === 'string') && v.length <= 8192;

const L = peerMessageLimits;
function isScrubEntry(v: unknown): boolean {
  if (!Array.isArray(v) || v.length !== 6) return false;
  const [oid, size, attrs, dd, od, re] = v as unknown[];
  return isBuf(oid) && (size === -1 || isSafe(size)) && listOf(L.pairsMax, pair(isName, isBuf))(attrs) && isI33(dd) && isI33(od) && isBool(re);
}

/** Each type's fields beyond pgid/interval, with their checks. */
const schema: Record<PeerMessage['type'], Record<string, Check>> = {
  query: {},
  notify: { info: isBuf },
  get_log: { full: isBool },
  log: { info: isBuf, entries: listOf(L.entriesMax, isBuf), dups: listOf(L.dupsMax, isBuf), objects: listOf(L.missingMax, pair(isBuf, isEv)) },
  activate: { info: isBuf, entries: listOf(L.entriesMax, isBuf), dups: listOf(L.dupsMax, isBuf), objects: listOf(L.missingMax, pair(isBuf, isEv)) },
  activated: { missing: listOf(L.missingMax, (v) => Array.isArray(v) && v.length === 3 && isBuf(v[0]) && isEv(v[1]) && isBool(v[2])) },
  repop: { tid: isSafe, prev: isEv, entries: listOf(L.entriesMax, isBuf), txn: isBuf, data: listOf(L.dataBuffersMax, isBuf) },
  repop_reply: { tid: isSafe, version: isEv },
  push: { oid: isBuf, version: isEv, exists: isBool, data: isBuf, attrs: listOf(L.pairsMax, pair(isName, isBuf)), omapHeader: isBuf, omap: listOf(L.pairsMax, pair(isName, isBuf)) },
  push_reply: { oid: isBuf, version: isEv },
  pull: { oid: isBuf, need: isEv },
  scrub_req: { tid: isSafe, deep: isBool, oids: listOf(L.scrubObjectsMax, isBuf) },
  scrub_map: { tid: isSafe, objects: listOf(L.scrubObjectsMax, isScrubEntry) },
  repair_pull: { oid: isBuf, to: listOf(L.repairTargetsMax, isU32) },
  repair_push: { oid: isBuf, version: isEv, exists: isBool, data: isBuf, attrs: listOf(L.pairsMax, pair(isName, isBuf)), omapHeader: isBuf, omap: listOf(L.pairsMax, pair(isName, isBuf)) },
  repair_reply: { oid: isBuf },
  stray: {},
  remove: {},
  info: { seq: isSafe, info: isBuf },
  info_ack: { seq: isSafe },
};

/** Decode and check a peer message packed whole (encodePeerMessage); EINVAL names the rule it broke. */
export function decodePeerMessage(b: Uint8Array): PeerMessage {
  return checkPeerMessage(unpackBody(b));
}

/**
 * A peer message as the cluster messenger carries it: the packed message without its bulk bytes
 * (`body`), and those bytes (`data`: a repop's write data, joined; empty for every other type), sent
 * as the message's data segment so the client's buffer goes out as it came in.
 */
export interface PeerWire {
  body: Buffer;
  data: Buffer;
}

const noData = Buffer.alloc(0);

/**
 * A repop and a repop_reply take the fixed binary body of repop-wire.ts (every replicated write
 * sends both); every other type is the msgpack map.
 */
export function encodePeerWire(m: PeerMessage): PeerWire {
  if (m.type === 'repop_reply') return { body: encodeRepOpReplyBody(m), data: noData };
  if (m.type !== 'repop') return { body: packr.pack(m), data: noData };
  const { data } = m;
  // One buffer (the usual single WRITE) goes out as it is; several are joined into the segment.
  const joined = data.length === 0 ? noData : data.length === 1 ? data[0]! : Buffer.concat(data);
  return { body: encodeRepOpBody(m), data: joined };
}

/**
 * Decode and check a peer message from its body and data segment (encodePeerWire). A body that
 * starts with repopWireMarker is the binary repop or repop_reply; a msgpack map (what OSDs built
 * before the binary bodies send for those two as well) is read as before.
 */
export function decodePeerWire(body: Uint8Array, data: Buffer): PeerMessage {
  if (body[0] === repopWireMarker) return decodeRepopWire(body, data);
  const m = unpackBody(body);
  if (m.type === 'repop') {
    if ('data' in m) throw cephError('EINVAL', 'peer repop: field data must travel in the data segment');
    m.data = data.length ? [data] : [];
  } else if (data.length) throw cephError('EINVAL', `peer ${String(m.type)}: ${data.length} bytes of data segment it cannot carry`);
  return checkPeerMessage(m);
}

function unpackBody(b: Uint8Array): Record<string, unknown> {
  if (b.byteLength > L.messageBytesMax) throw cephError('EINVAL', `peer message of ${b.byteLength} bytes is over messageBytesMax`);
  let v: unknown;
  try {
    v = packr.unpack(b);
  } catch (e) {
    throw cephError('EINVAL', `peer message is not msgpack: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw cephError('EINVAL', 'peer message is not a map');
  return v as Record<string, unknown>;
}

function checkPeerMessage(m: Record<string, unknown>): PeerMessage {
  const fields = typeof m.type === 'string' && Object.hasOwn(schema, m.type) ? schema[m.type as PeerMessage['type']] : undefined;
  if (!fields) throw cephError('EINVAL', `peer message type ${String(m.type)} unknown`);
  if (!pair(isSafe, isU32)(m.pgid) || !isU32(m.interval)) throw cephError('EINVAL', `peer ${m.type}: bad pgid or interval`);
  for (const [k, check] of Object.entries(fields)) if (!check(m[k])) throw cephError('EINVAL', `peer ${m.type}: field ${k} missing or out of range`);
  const extra = Object.keys(m).filter((k) => k !== 'type' && k !== 'pgid' && k !== 'interval' && !(k in fields));
  if (extra.length) throw cephError('EINVAL', `peer ${m.type}: unknown field ${extra[0]}`);
  return m as unknown as PeerMessage;
}
