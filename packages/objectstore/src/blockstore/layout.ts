import { assert, cephError } from '@ts-ceph/common';
import { putBigU64LE, putI64LE, Reader, Writer, stringByteLength, stringToBytes, writeStringBytes } from '@ts-ceph/denc';
import { crc32c } from '../native/crypto';
import { CollT, collToString, GHObject, parseColl } from '../types';

/**
 * The native store's on-disk formats (docs/formats/objectstore.md): the device superblock, the
 * LevelDB key space and the records stored under it. Every record is a denc envelope so later
 * versions can add fields; records that carry data carry a crc32c.
 */

/** Allocation unit and checksum unit (BlueStore's min_alloc_size and csum block). */
export const blockBytes = 4096;
/** Logical blocks per extent-map shard: a 4 KiB overwrite re-encodes one shard, not the onode. */
export const shardBlocks = 64;
/**
 * Writes up to this size go through the deferred (journal) path, overwrites and new blocks alike
 * (BlueStore's bluestore_prefer_deferred_size_hdd): one device write and one flush per commit;
 * larger ones go to new space written before the commit.
 */
export const deferredBytesMax = 64 * 1024;
/** Device blocks per persisted allocator bitmap chunk (4 KiB of bitmap = 128 MiB of device). */
export const bitmapChunkBlocks = 32768;

export const superblockMagic = 'ts-ceph objectstore\n';
/** Version 2 added the on-device journal; version 1 stores (a LevelDB WAL) are refused. */
export const superblockVersion = 2;

export interface Superblock {
  fsid: string;
  /** Bytes of the logical device (after the LUKS2 header when encrypted). */
  deviceBytes: number;
  blockBytes: number;
  encrypted: boolean;
  /** The journal region: first logical block and length in blocks (journal.ts). */
  journalStart: number;
  journalBlocks: number;
  /** Random at mkfs; every journal record carries it so records of another store never replay. */
  journalId: number;
}

function writeSb(w: Writer, sb: Superblock): void {
  w.string(sb.fsid).u64(sb.deviceBytes).u32(sb.blockBytes).bool(sb.encrypted);
  w.u64(sb.journalStart).u64(sb.journalBlocks).u64(sb.journalId);
}

function readSb(r: Reader, v: number): Superblock {
  if (v < 2) throw cephError('EINVAL', 'format 1 store (LevelDB WAL, no journal): not supported by this version; re-create it with mkfs');
  return {
    fsid: r.string('fsid'),
    deviceBytes: r.u64n('device_bytes'),
    blockBytes: r.u32('block_bytes'),
    encrypted: r.bool('encrypted'),
    journalStart: r.u64n('journal_start'),
    journalBlocks: r.u64n('journal_blocks'),
    journalId: r.u64n('journal_id'),
  };
}

/** The superblock in device block 0: magic, envelope, crc32c of everything before it. */
export function encodeSuperblock(sb: Superblock): Buffer {
  const w = new Writer();
  w.bytes(Buffer.from(superblockMagic, 'latin1'));
  w.envelope(superblockVersion, superblockVersion, (w) => writeSb(w, sb));
  const body = w.finish();
  const out = Buffer.alloc(blockBytes);
  body.copy(out);
  out.writeUInt32LE(crc32c(0xffffffff, body), body.length);
  return out;
}

export function decodeSuperblock(block: Buffer): Superblock {
  if (block.subarray(0, superblockMagic.length).toString('latin1') !== superblockMagic) throw cephError('EINVAL', 'device block 0 is not a ts-ceph objectstore superblock');
  const r = new Reader(block, superblockMagic.length);
  const sb = r.envelope('superblock', superblockVersion, (r, v) => readSb(r, v));
  const end = r.off;
  if (block.readUInt32LE(end) !== crc32c(0xffffffff, block.subarray(0, end))) throw cephError('EIO', 'superblock checksum mismatch');
  return sb;
}

/** LevelDB key prefixes (one byte each). */
export const K = {
  super: 'S',
  coll: 'C',
  onode: 'O',
  shard: 'X',
  omap: 'M',
  bitmap: 'B',
} as const;

const u64be = (n: number): Buffer => {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(Math.floor(n / 0x100000000), 0);
  b.writeUInt32BE(n % 0x100000000, 4);
  return b;
};

export const superKey = (): Buffer => Buffer.from('S:super');
export const checkpointKey = (): Buffer => Buffer.from('S:journal');
export const statsKey = (): Buffer => Buffer.from('S:stats');
export const collKey = (c: CollT): Buffer => Buffer.from(`C${collToString(c)}`, 'latin1');
/** O + collection name + NUL + the ghobject sort key: LevelDB order is ghobject order. */
export const onodeKeyPrefix = (c: CollT): Buffer => Buffer.from(`O${collToString(c)}\u0000`, 'latin1');
export const onodeKey = (c: CollT, sortKey: string): Buffer => Buffer.from(`O${collToString(c)}\u0000${sortKey}`, 'latin1');
export function shardKey(nid: number, shard: number): Buffer {
  const b = Buffer.allocUnsafe(17);
  b[0] = 0x58; // 'X'
  b.writeUInt32BE(Math.floor(nid / 0x100000000), 1);
  b.writeUInt32BE(nid % 0x100000000, 5);
  b.writeUInt32BE(Math.floor(shard / 0x100000000), 9);
  b.writeUInt32BE(shard % 0x100000000, 13);
  return b;
}
export const shardKeyPrefix = (nid: number): Buffer => Buffer.concat([Buffer.from('X'), u64be(nid)]);
/**
 * M + nid + '-' is the omap header; M + nid + '.' + key the values; '-' < '.' keeps the header first.
 * The key is its own bytes (denc's string-bytes.ts: any bytes, not only UTF-8), so LevelDB's order
 * of an object's keys is Ceph's omap order.
 */
export const omapHeaderKey = (nid: number): Buffer => Buffer.concat([Buffer.from('M'), u64be(nid), Buffer.from('-')]);
export const omapKeyPrefix = (nid: number): Buffer => Buffer.concat([Buffer.from('M'), u64be(nid), Buffer.from('.')]);
export const omapKey = (nid: number, key: string): Buffer => Buffer.concat([omapKeyPrefix(nid), stringToBytes(key)]);
export const bitmapKey = (chunk: number): Buffer => Buffer.concat([Buffer.from('B'), u64be(chunk)]);
/** Present in an encrypted store whose other records are sealed (sealed-kv.ts). */
export const sealedKey = (): Buffer => Buffer.from('S:sealed');

/**
 * Bytes of a key's group: the part shared by keys listed together (a collection's onodes, an
 * object's omap values or shards, every collection, every bitmap chunk). An encrypted store keeps
 * the group's tag in the clear in front of each sealed key so that a group can be read alone; the
 * rest of the key (the object's sort key, the omap key) only as a MAC.
 */
export function groupBytesOf(key: Buffer): number {
  switch (key[0]) {
    case 0x4f: {
      // 'O' + collection name + NUL: a collection name never holds a NUL.
      const nul = key.indexOf(0, 1);
      assert(nul > 0, 'groupBytesOf: onode key without a collection terminator');
      return nul + 1;
    }
    case 0x4d: // 'M' + nid + '-' (header) or '.' (values)
      return Math.min(key.length, 10);
    case 0x58: // 'X' + nid
      return Math.min(key.length, 9);
    case 0x43: // 'C'
    case 0x42: // 'B'
      return 1;
    default:
      return key.length;
  }
}
/** The smallest key greater than every key with this prefix. */
export function prefixEnd(prefix: Buffer): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      b[i]!++;
      return b.subarray(0, i + 1);
    }
  }
  return Buffer.concat([b, Buffer.from([0xff])]);
}

export interface SuperRecord {
  sb: Superblock;
  /** The largest object id handed out by a checkpointed transaction (replay raises it further). */
  nidMax: number;
}

export function encodeSuperRecord(s: SuperRecord): Buffer {
  return new Writer()
    .envelope(superblockVersion, superblockVersion, (w) => {
      writeSb(w, s.sb);
      w.u64(s.nidMax);
    })
    .finish();
}

export function decodeSuperRecord(b: Buffer): SuperRecord {
  return new Reader(b).envelope('super_record', superblockVersion, (r, v) => ({ sb: readSb(r, v), nidMax: r.u64n('nid_max') }));
}

/**
 * Where journal replay starts (`S:journal`): records before it are in LevelDB and on the device.
 * `generation` is raised at every mount; records carry it, so a stale record left in the ring by an
 * earlier mount can never be mistaken for the continuation of this one.
 */
export interface Checkpoint {
  generation: number;
  /** The sequence number of the first record to replay. */
  seq: number;
  /** Journal-relative block where that record starts (or, if it did not fit there, block 0). */
  block: number;
}

export const encodeCheckpoint = (c: Checkpoint): Buffer => new Writer().envelope(1, 1, (w) => w.u64(c.generation).u64(c.seq).u64(c.block)).finish();
export const decodeCheckpoint = (b: Buffer): Checkpoint =>
  new Reader(b).envelope('checkpoint', 1, (r) => ({ generation: r.u64n('generation'), seq: r.u64n('seq'), block: r.u64n('block') }));

/**
 * `S:sealed`: the scheme of sealed metadata (1: HMAC-SHA256 key tags, AES-256-GCM values, keys
 * from HKDF-SHA256 of the LUKS2 volume key) and a check value derived from the same key, which
 * tells a wrong derivation from damaged records at mount.
 */
export interface SealedRecord {
  scheme: number;
  check: Buffer;
}

export const encodeSealedRecord = (s: SealedRecord): Buffer => new Writer().envelope(1, 1, (w) => w.u8(s.scheme).blob(s.check)).finish();
export const decodeSealedRecord = (b: Buffer): SealedRecord => new Reader(b).envelope('sealed', 1, (r) => ({ scheme: r.u8('scheme'), check: Buffer.from(r.blob('check')) }));

export interface StatsRecord {
  storedBytes: number;
  objects: number;
}

export const encodeStats = (s: StatsRecord): Buffer => new Writer().envelope(1, 1, (w) => w.u64(s.storedBytes).u64(s.objects)).finish();
export const decodeStats = (b: Buffer): StatsRecord => new Reader(b).envelope('stats', 1, (r) => ({ storedBytes: r.u64n('stored'), objects: r.u64n('objects') }));

export interface CollRecord {
  cid: CollT;
  bits: number;
}

export const decodeColl = (b: Buffer): CollRecord => new Reader(b).envelope('coll', 1, (r) => ({ cid: parseColl(r.string('cid')), bits: r.u32('bits') }));
export const encodeColl = (c: CollRecord): Buffer => new Writer().envelope(1, 1, (w) => w.string(collToString(c.cid)).u32(c.bits)).finish();

/** The onode: identity, size, xattrs and whether omap keys exist. Extents live in shard records. */
export interface OnodeRecord {
  nid: number;
  oid: GHObject;
  size: number;
  attrs: Map<string, Buffer>;
  hasOmap: boolean;
  /** Indices of the extent-map shards that exist. */
  shards: number[];
}

/** Hand-rolled (the same bytes as denc's Writer would produce): every write re-encodes the onode. */
export function encodeOnode(o: OnodeRecord): Buffer {
  const oid = o.oid;
  const nspace = stringByteLength(oid.nspace);
  const key = stringByteLength(oid.key);
  const name = stringByteLength(oid.name);
  let bytes = 6 + 8 + 8 + 12 + nspace + key + name + 8 + 4 + 8 + 1 + 8 + 4 + 1 + 4 + 4 * o.shards.length;
  for (const [k, v] of o.attrs) bytes += 8 + stringByteLength(k) + v.length;
  const b = Buffer.allocUnsafe(bytes);
  b[0] = 1;
  b[1] = 1;
  b.writeUInt32LE(bytes - 6, 2);
  let at = putU64(b, o.nid, 6);
  at = putI64LE(b, oid.pool, at);
  at = putString(b, oid.nspace, at);
  at = putString(b, oid.key, at);
  at = putString(b, oid.name, at);
  putBigU64LE(b, oid.snap, at);
  b.writeUInt32LE(oid.hash, at + 8);
  putBigU64LE(b, oid.generation, at + 12);
  b.writeInt8(oid.shard, at + 20);
  at = putU64(b, o.size, at + 21);
  b.writeUInt32LE(o.attrs.size, at);
  at += 4;
  for (const [k, v] of o.attrs) {
    at = putString(b, k, at);
    b.writeUInt32LE(v.length, at);
    at += 4 + v.copy(b, at + 4);
  }
  b[at++] = o.hasOmap ? 1 : 0;
  b.writeUInt32LE(o.shards.length, at);
  at += 4;
  for (const si of o.shards) at = b.writeUInt32LE(si, at);
  assert(at === bytes, 'encodeOnode: size mismatch');
  return b;
}

function putU64(b: Buffer, v: number, at: number): number {
  b.writeUInt32LE(v % 0x100000000, at);
  b.writeUInt32LE(Math.floor(v / 0x100000000), at + 4);
  return at + 8;
}

/** A std::string as denc's Writer.string writes it (any bytes: string-bytes.ts). */
function putString(b: Buffer, s: string, at: number): number {
  const n = writeStringBytes(b, s, at + 4);
  b.writeUInt32LE(n, at);
  return at + 4 + n;
}

export function decodeOnode(b: Buffer): OnodeRecord {
  return new Reader(b).envelope('onode', 1, (r) => {
    const nid = r.u64n('nid');
    const oid: GHObject = {
      pool: Number(r.i64('pool')),
      nspace: r.string('nspace'),
      key: r.string('key'),
      name: r.string('name'),
      snap: r.u64('snap'),
      hash: r.u32('hash'),
      generation: r.u64('generation'),
      shard: r.i8('shard'),
    };
    const size = r.u64n('size');
    const n = r.count('attrs', 8);
    const attrs = new Map<string, Buffer>();
    for (let i = 0; i < n; i++) attrs.set(r.string('attr.name'), ownedCopy(r.blob('attr.value')));
    const hasOmap = r.bool('has_omap');
    const shards = r.list('shards', (r) => r.u32('shard'), 4);
    return { nid, oid, size, attrs, hasOmap, shards };
  });
}

/**
 * A copy of an xattr value in memory of its own. Buffer.from would carve small values from Node's
 * shared 8 KiB allocation pool, and a cached onode's value would then keep a whole pool slab alive
 * (measured: ~6 KiB of buffers per cached onode in ts-osd, bench/memory-profile.md).
 */
export function ownedCopy(v: Uint8Array): Buffer {
  const b = Buffer.allocUnsafeSlow(v.length);
  b.set(v);
  return b;
}

/**
 * One extent-map shard: for each of its shardBlocks logical blocks, the physical block (0 = hole;
 * block 0 is the superblock, never data) and the crc32c (seed -1) of the block's plaintext.
 */
export interface Shard {
  pblocks: Float64Array;
  csums: Uint32Array;
}

/**
 * Both arrays of a shard share one ArrayBuffer: every object in the onode cache holds its shards,
 * and each ArrayBuffer is an off-heap allocation the garbage collector tracks and sweeps on its own.
 */
function shardArrays(): Shard {
  const ab = new ArrayBuffer(shardBlocks * 12);
  return { pblocks: new Float64Array(ab, 0, shardBlocks), csums: new Uint32Array(ab, shardBlocks * 8, shardBlocks) };
}

export function newShard(): Shard {
  return shardArrays();
}

export function cloneShard(s: Shard): Shard {
  const c = shardArrays();
  c.pblocks.set(s.pblocks);
  c.csums.set(s.csums);
  return c;
}

export function shardEmpty(s: Shard): boolean {
  for (let i = 0; i < shardBlocks; i++) if (s.pblocks[i] !== 0) return false;
  return true;
}

/** Encoded size of a shard record: envelope header (6) + shardBlocks x (u64 pblock + u32 csum). */
export const shardRecordBytes = 6 + shardBlocks * 12;

/** Hand-rolled (the same bytes as denc's Writer): a 4 KiB overwrite re-encodes one shard. */
export function encodeShard(s: Shard): Buffer {
  // From Node's shared pool (records are under 4 KiB): no ArrayBuffer of its own per write.
  const b = Buffer.allocUnsafe(shardRecordBytes);
  b[0] = 1;
  b[1] = 1;
  b.writeUInt32LE(shardRecordBytes - 6, 2);
  for (let i = 0, at = 6; i < shardBlocks; i++, at += 12) {
    const p = s.pblocks[i]!;
    b.writeUInt32LE(p % 0x100000000, at);
    b.writeUInt32LE(Math.floor(p / 0x100000000), at + 4);
    b.writeUInt32LE(s.csums[i]!, at + 8);
  }
  return b;
}

export function decodeShard(b: Buffer): Shard {
  return new Reader(b).envelope('shard', 1, (r) => {
    const s = newShard();
    for (let i = 0; i < shardBlocks; i++) {
      s.pblocks[i] = r.u64n('pblock');
      s.csums[i] = r.u32('csum');
    }
    return s;
  });
}
