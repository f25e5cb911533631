import { cephError } from '@ts-ceph/common';
import { Reader } from '@ts-ceph/denc';
import { crc32c } from '../native/crypto';
import { PExtent } from './allocator';
import { blockBytes } from './layout';

/**
 * The on-device journal (docs/formats/objectstore.md, "Journal"): a ring of blocks right after the
 * superblock. One record per group commit holds everything the batch changes in LevelDB, its
 * allocations and frees, and the data of its in-place (deferred) overwrites. A batch is durable
 * when its record and its newly allocated data blocks are written and the device has been flushed
 * once: the journal lives on the same device as the data, so one flush covers both, where a synced
 * LevelDB batch costs an extra file-system journal commit. LevelDB is written without sync after
 * the commit and made durable by checkpoints (commit.ts); mount replays the records after the last
 * checkpoint. Every change a record carries is absolute (a key's new value, a bit's new state, a
 * block's new contents), so replaying records that LevelDB or the device already have is harmless.
 */

export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

/** The journal takes a sixteenth of the device, within these bounds. */
export const journalBytesMin = 4 * 1024 * 1024;
export const journalBytesMax = 256 * 1024 * 1024;
/** Bytes of the fixed record header at the start of a record's first block. */
export const recordHeaderBytes = 64;
const recordMagic = Buffer.from('tsjournl', 'latin1');
const recordVersion = 1;
/** The meta section's envelope (denc ENCODE_START v1) and its fixed fields before the lists. */
const metaFixedBytes = 6 + 24;

export function journalBlocksFor(deviceBytes: number): number {
  const bytes = Math.min(journalBytesMax, Math.max(journalBytesMin, Math.floor(deviceBytes / 16)));
  return Math.floor(bytes / blockBytes);
}

/** A record may take at most a quarter of the ring, so it always fits once older ones retire. */
export const recordBlocksMax = (journalBlocks: number): number => Math.floor(journalBlocks / 4);

export interface RecordHeader {
  journalId: number;
  generation: number;
  seq: number;
  /** Blocks of the whole record (meta blocks + data blocks). */
  blocks: number;
  metaBytes: number;
  dataBlocks: number;
  /** crc32c of the meta section then the data blocks as stored. */
  bodyCrc: number;
}

/** Runs of whole blocks overwritten in place: their data follows the meta blocks, in list order. */
export interface DeferredRun {
  pblock: number;
  blocks: number;
}

export interface RecordMeta {
  /** State after the batch: the largest object id and the statistics record. */
  nidMax: number;
  storedBytes: number;
  objects: number;
  ops: BatchOp[];
  allocated: PExtent[];
  freed: PExtent[];
  deferred: DeferredRun[];
}

export const opBytes = (op: BatchOp): number => 1 + 4 + op.key.length + (op.type === 'put' ? 4 + op.value.length : 0);

/** Encoded size of a meta section whose ops take `opsBytes` (sum of opBytes). */
export function metaBytesOf(opsBytes: number, allocated: number, freed: number, deferred: number): number {
  return metaFixedBytes + 4 + opsBytes + 4 + 12 * allocated + 4 + 12 * freed + 4 + 12 * deferred;
}

export const metaBlocksOf = (metaBytes: number): number => Math.ceil((recordHeaderBytes + metaBytes) / blockBytes);

function putU64(b: Buffer, v: number, at: number): number {
  b.writeUInt32LE(v % 0x100000000, at);
  b.writeUInt32LE(Math.floor(v / 0x100000000), at + 4);
  return at + 8;
}

function putExtents(b: Buffer, list: { start: number; count: number }[], at: number): number {
  b.writeUInt32LE(list.length, at);
  at += 4;
  for (const e of list) {
    at = putU64(b, e.start, at);
    b.writeUInt32LE(e.count, at);
    at += 4;
  }
  return at;
}

/**
 * Write the meta section at byte recordHeaderBytes of `b` (hand-rolled: it is on the commit path;
 * decodeMeta reads it back with denc's Reader). Returns the end offset.
 */
export function encodeMeta(b: Buffer, m: RecordMeta, metaBytes: number): number {
  let at = recordHeaderBytes;
  b[at] = 1;
  b[at + 1] = 1;
  b.writeUInt32LE(metaBytes - 6, at + 2);
  at = putU64(b, m.nidMax, at + 6);
  at = putU64(b, m.storedBytes, at);
  at = putU64(b, m.objects, at);
  b.writeUInt32LE(m.ops.length, at);
  at += 4;
  for (const op of m.ops) {
    b[at++] = op.type === 'put' ? 1 : 0;
    b.writeUInt32LE(op.key.length, at);
    op.key.copy(b, at + 4);
    at += 4 + op.key.length;
    if (op.type === 'put') {
      b.writeUInt32LE(op.value.length, at);
      op.value.copy(b, at + 4);
      at += 4 + op.value.length;
    }
  }
  at = putExtents(b, m.allocated, at);
  at = putExtents(b, m.freed, at);
  at = putExtents(b, m.deferred.map((d) => ({ start: d.pblock, count: d.blocks })), at);
  if (at !== recordHeaderBytes + metaBytes) throw new Error(`journal meta size ${at - recordHeaderBytes} != ${metaBytes}`);
  return at;
}

export function decodeMeta(b: Buffer): RecordMeta {
  return new Reader(b).envelope('journal_meta', 1, (r) => {
    const nidMax = r.u64n('nid_max');
    const storedBytes = r.u64n('stored_bytes');
    const objects = r.u64n('objects');
    const ops: BatchOp[] = [];
    const n = r.count('ops', 5);
    for (let i = 0; i < n; i++) {
      const type = r.u8('op.type');
      const key = Buffer.from(r.blob('op.key'));
      if (type === 1) ops.push({ type: 'put', key, value: Buffer.from(r.blob('op.value')) });
      else if (type === 0) ops.push({ type: 'del', key });
      else r.fail('DENC_MALFORMED', `op type ${type}`, 'op.type');
    }
    const ext = (what: string): PExtent[] => r.list(what, (r) => ({ start: r.u64n('start'), count: r.u32('count') }), 12);
    const allocated = ext('allocated');
    const freed = ext('freed');
    const deferred = ext('deferred').map((e) => ({ pblock: e.start, blocks: e.count }));
    return { nidMax, storedBytes, objects, ops, allocated, freed, deferred };
  });
}

/** Fill the header (bytes 0..63 of the record's first block); the body must be in place. */
export function encodeHeader(b: Buffer, h: RecordHeader): void {
  recordMagic.copy(b, 0);
  b.writeUInt16LE(recordVersion, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt32LE(h.blocks, 12);
  putU64(b, h.journalId, 16);
  putU64(b, h.generation, 24);
  putU64(b, h.seq, 32);
  b.writeUInt32LE(h.metaBytes, 40);
  b.writeUInt32LE(h.dataBlocks, 44);
  b.writeUInt32LE(h.bodyCrc >>> 0, 48);
  b.fill(0, 52, 60);
  b.writeUInt32LE(crc32c(0xffffffff, b.subarray(0, 60)), 60);
}

/** The header at the start of `b`, or undefined when there is no intact header. */
export function decodeHeader(b: Buffer): RecordHeader | undefined {
  if (!b.subarray(0, 8).equals(recordMagic) || b.readUInt16LE(8) !== recordVersion) return undefined;
  if (b.readUInt32LE(60) !== crc32c(0xffffffff, b.subarray(0, 60))) return undefined;
  const u64 = (at: number): number => b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 0x100000000;
  return {
    blocks: b.readUInt32LE(12),
    journalId: u64(16),
    generation: u64(24),
    seq: u64(32),
    metaBytes: b.readUInt32LE(40),
    dataBlocks: b.readUInt32LE(44),
    bodyCrc: b.readUInt32LE(48),
  };
}

/** crc32c over the meta section and the data blocks of a whole record in `b`. */
export function bodyCrcOf(b: Buffer, h: { metaBytes: number; dataBlocks: number }): number {
  const metaEnd = recordHeaderBytes + h.metaBytes;
  const dataAt = metaBlocksOf(h.metaBytes) * blockBytes;
  const c = crc32c(0xffffffff, b.subarray(recordHeaderBytes, metaEnd));
  return h.dataBlocks ? crc32c(c, b.subarray(dataAt, dataAt + h.dataBlocks * blockBytes)) : c;
}

/**
 * Placement of records in the ring. Records never wrap: one that does not fit before the end goes
 * to block 0 (replay looks there when the expected record is not where the previous one ended).
 * `live` lists the records not yet checkpointed, oldest first; their space is not reusable.
 */
export class JournalRing {
  private readonly live: { seq: number; block: number; blocks: number }[] = [];

  constructor(
    readonly blocks: number,
    /** Where the next record goes if it fits (relative block). */
    public head: number,
    public nextSeq: number,
  ) {
    if (head < 0 || head > blocks) throw cephError('EIO', `journal position ${head} outside the ring of ${blocks} blocks`);
  }

  liveRecords(): { seq: number; block: number; blocks: number }[] {
    return this.live.map((r) => ({ ...r }));
  }
  /** Blocks held by live records, counting the unusable end of the ring after a wrap. */
  get usedBlocks(): number {
    if (!this.live.length) return 0;
    const tail = this.live[0]!.block;
    return this.head > tail ? this.head - tail : this.blocks - tail + this.head;
  }

  /** Place a record of n blocks: its sequence number and block, or undefined while the ring is full. */
  reserve(n: number): { seq: number; block: number } | undefined {
    let at = -1;
    if (!this.live.length) at = this.head + n <= this.blocks ? this.head : n <= this.blocks ? 0 : -1;
    else {
      const tail = this.live[0]!.block;
      if (this.head > tail) at = this.head + n <= this.blocks ? this.head : n <= tail ? 0 : -1;
      else at = this.head + n <= tail ? this.head : -1;
    }
    if (at < 0) return undefined;
    const seq = this.nextSeq++;
    this.live.push({ seq, block: at, blocks: n });
    this.head = at + n;
    return { seq, block: at };
  }

  /** Records through `seq` are checkpointed: their space is free. */
  release(seq: number): void {
    while (this.live.length && this.live[0]!.seq <= seq) this.live.shift();
  }

  /** Where replay must start to find record `seq` (the oldest live record, or the head). */
  blockOf(seq: number): number {
    const r = this.live.find((x) => x.seq === seq);
    return r ? r.block : this.head;
  }
}
