import { cephError } from '@ts-ceph/common';
import { DencError, Reader, Writer } from '@ts-ceph/denc';
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
/** Writes up to this size go through the deferred (WAL) path; larger ones go to new space. */
export const deferredBytesMax = 64 * 1024;
/** Device blocks per persisted allocator bitmap chunk (4 KiB of bitmap = 128 MiB of device). */
export const bitmapChunkBlocks = 32768;

export const superblockMagic = 'ts-ceph objectstore\n';
export const superblockVersion = 1;

export interface Superblock {
  fsid: string;
  /** Bytes of the logical device (after the LUKS2 header when encrypted). */
  deviceBytes: number;
  blockBytes: number;
  encrypted: boolean;
}

/** The superblock in device block 0: magic, envelope, crc32c of everything before it. */
export function encodeSuperblock(sb: Superblock): Buffer {
  const w = new Writer();
  w.bytes(Buffer.from(superblockMagic, 'latin1'));
  w.envelope(superblockVersion, 1, (w) => {
    w.string(sb.fsid);
    w.u64(sb.deviceBytes);
    w.u32(sb.blockBytes);
    w.bool(sb.encrypted);
  });
  const body = w.finish();
  const out = Buffer.alloc(blockBytes);
  body.copy(out);
  out.writeUInt32LE(crc32c(0xffffffff, body), body.length);
  return out;
}

export function decodeSuperblock(block: Buffer): Superblock {
  if (block.subarray(0, superblockMagic.length).toString('latin1') !== superblockMagic) throw cephError('EINVAL', 'device block 0 is not a ts-ceph objectstore superblock');
  const r = new Reader(block, superblockMagic.length);
  const sb = r.envelope('superblock', superblockVersion, (r) => ({ fsid: r.string('fsid'), deviceBytes: r.u64n('device_bytes'), blockBytes: r.u32('block_bytes'), encrypted: r.bool('encrypted') }));
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
  deferred: 'D',
} as const;

const u64be = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

export const superKey = (): Buffer => Buffer.from('S:super');
export const statsKey = (): Buffer => Buffer.from('S:stats');
export const collKey = (c: CollT): Buffer => Buffer.from(`C${collToString(c)}`, 'latin1');
/** O + collection name + NUL + the ghobject sort key: LevelDB order is ghobject order. */
export const onodeKeyPrefix = (c: CollT): Buffer => Buffer.from(`O${collToString(c)}\u0000`, 'latin1');
export const onodeKey = (c: CollT, sortKey: string): Buffer => Buffer.concat([onodeKeyPrefix(c), Buffer.from(sortKey, 'latin1')]);
export const shardKey = (nid: number, shard: number): Buffer => Buffer.concat([Buffer.from('X'), u64be(nid), u64be(shard)]);
export const shardKeyPrefix = (nid: number): Buffer => Buffer.concat([Buffer.from('X'), u64be(nid)]);
/** M + nid + '-' is the omap header; M + nid + '.' + key the values; '-' < '.' keeps the header first. */
export const omapHeaderKey = (nid: number): Buffer => Buffer.concat([Buffer.from('M'), u64be(nid), Buffer.from('-')]);
export const omapKeyPrefix = (nid: number): Buffer => Buffer.concat([Buffer.from('M'), u64be(nid), Buffer.from('.')]);
export const omapKey = (nid: number, key: string): Buffer => Buffer.concat([omapKeyPrefix(nid), Buffer.from(key, 'utf8')]);
export const bitmapKey = (chunk: number): Buffer => Buffer.concat([Buffer.from('B'), u64be(chunk)]);
export const deferredKey = (seq: number): Buffer => Buffer.concat([Buffer.from('D'), u64be(seq)]);
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
  nidMax: number;
  deferredSeqMax: number;
}

export function encodeSuperRecord(s: SuperRecord): Buffer {
  return new Writer()
    .envelope(1, 1, (w) => {
      w.string(s.sb.fsid).u64(s.sb.deviceBytes).u32(s.sb.blockBytes).bool(s.sb.encrypted);
      w.u64(s.nidMax).u64(s.deferredSeqMax);
    })
    .finish();
}

export function decodeSuperRecord(b: Buffer): SuperRecord {
  return new Reader(b).envelope('super_record', 1, (r) => ({
    sb: { fsid: r.string('fsid'), deviceBytes: r.u64n('device_bytes'), blockBytes: r.u32('block_bytes'), encrypted: r.bool('encrypted') },
    nidMax: r.u64n('nid_max'),
    deferredSeqMax: r.u64n('deferred_seq_max'),
  }));
}

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

export function encodeOnode(o: OnodeRecord): Buffer {
  const w = new Writer();
  w.envelope(1, 1, (w) => {
    w.u64(o.nid);
    w.i64(BigInt(o.oid.pool)).string(o.oid.nspace).string(o.oid.key).string(o.oid.name).u64(o.oid.snap).u32(o.oid.hash).u64(o.oid.generation).i8(o.oid.shard);
    w.u64(o.size);
    w.u32(o.attrs.size);
    for (const [k, v] of o.attrs) w.string(k).blob(v);
    w.bool(o.hasOmap);
    w.list(o.shards, (w, s) => w.u32(s));
  });
  return w.finish();
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
    for (let i = 0; i < n; i++) attrs.set(r.string('attr.name'), Buffer.from(r.blob('attr.value')));
    const hasOmap = r.bool('has_omap');
    const shards = r.list('shards', (r) => r.u32('shard'), 4);
    return { nid, oid, size, attrs, hasOmap, shards };
  });
}

/**
 * One extent-map shard: for each of its shardBlocks logical blocks, the physical block (0 = hole;
 * block 0 is the superblock, never data) and the crc32c (seed -1) of the block's plaintext.
 */
export interface Shard {
  pblocks: Float64Array;
  csums: Uint32Array;
}

export function newShard(): Shard {
  return { pblocks: new Float64Array(shardBlocks), csums: new Uint32Array(shardBlocks) };
}

export function cloneShard(s: Shard): Shard {
  return { pblocks: new Float64Array(s.pblocks), csums: new Uint32Array(s.csums) };
}

export function shardEmpty(s: Shard): boolean {
  return s.pblocks.every((p) => p === 0);
}

export function encodeShard(s: Shard): Buffer {
  return new Writer()
    .envelope(1, 1, (w) => {
      for (let i = 0; i < shardBlocks; i++) w.u64(s.pblocks[i]!).u32(s.csums[i]!);
    })
    .finish();
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

/**
 * A deferred-write (WAL) record: data to put in place at pblock after the commit, with the
 * plaintext checksums the onode expects, and a crc32c over the whole record so a damaged record is
 * refused at replay instead of being written over good data. With encryption the data is the
 * ciphertext for its destination sectors (the WAL never holds plaintext on disk).
 */
export interface DeferredRecord {
  seq: number;
  pblock: number;
  data: Buffer;
}

export function encodeDeferred(d: DeferredRecord): Buffer {
  const body = new Writer().envelope(1, 1, (w) => w.u64(d.seq).u64(d.pblock).blob(d.data)).finish();
  const out = Buffer.alloc(body.length + 4);
  body.copy(out);
  out.writeUInt32LE(crc32c(0xffffffff, body), body.length);
  return out;
}

/** Decode and verify; a damaged record is an EIO CephError naming the key. */
export function decodeDeferred(b: Buffer): DeferredRecord {
  if (b.length < 8) throw cephError('EIO', 'deferred record too short');
  const body = b.subarray(0, b.length - 4);
  if (crc32c(0xffffffff, body) !== b.readUInt32LE(b.length - 4)) throw cephError('EIO', 'deferred record crc32c mismatch');
  try {
    const d = new Reader(body).envelope('deferred', 1, (r) => ({ seq: r.u64n('seq'), pblock: r.u64n('pblock'), data: Buffer.from(r.blob('data')) }));
    if (d.data.length === 0 || d.data.length % blockBytes !== 0) throw cephError('EIO', 'deferred record data is not whole blocks');
    return d;
  } catch (e) {
    if (e instanceof DencError) throw cephError('EIO', `deferred record malformed: ${e.message}`);
    throw e;
  }
}
