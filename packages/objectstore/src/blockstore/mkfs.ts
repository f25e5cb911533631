import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, openSync, closeSync, ftruncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt, randomUUID } from 'node:crypto';
import { Level } from 'level';
import { cephError } from '@ts-ceph/common';
import { BlockDevice, IoBackend } from '../native/device';
import { XtsCipher } from '../native/crypto';
import { luksFormat, LuksFormatOptions, LuksVolume } from '../luks/luks2';
import { BitmapAllocator } from './allocator';
import { BlockIO } from './io';
import * as L from './layout';
import { blockBytes } from './layout';
import { BatchOp, journalBlocksFor } from './journal';
import { KV, MetaKV, PlainKV } from './meta-kv';
import type { RecordWriteMode } from './record-write';
import { deriveMetaKeys, SealedKV, sealedRecordFor } from './sealed-kv';

export type { KV };

export interface NativeStoreOptions {
  /** The OSD data directory: holds `block` (or a symlink to the device) and `db/`. */
  path: string;
  /** mkfs: the device to use (symlinked as path/block); default: a file path/block. */
  blockPath?: string;
  /** mkfs: size of a new block file (bytes). */
  deviceBytes?: number;
  /** mkfs: put a LUKS2 header on the device and encrypt every sector. */
  encrypt?: boolean;
  /** The passphrase (key file contents) for an encrypted device. */
  passphrase?: Buffer;
  luks?: LuksFormatOptions;
  backend?: IoBackend;
  /** O_DIRECT on the device (default true). */
  direct?: boolean;
  /** A file-backed device: zero-fill free space ahead of the allocator (space-fill.ts; default true). */
  spaceFill?: boolean;
  /** How journal records are made durable (record-write.ts; default 'auto'). */
  recordWrite?: RecordWriteMode;
  /** Tests: keep committed deferred writes in the journal only (never written in place, never checkpointed). */
  holdDeferred?: boolean;
  /**
   * A debug hook (ts-osd's TS_OSD_TRACE_OPS): called at each stage of a commit batch with the
   * batch's journal sequence number: 'commit-start' (the batch closed), 'record-issued' (its
   * journal write and flush submitted), 'record-written', 'record-flushed' (durable).
   */
  trace?: (stage: string, seq: number) => void;
  /** Onodes kept in memory once LevelDB has them (default onodeCacheEntriesDefault, onode-cache.ts). */
  onodeCacheEntries?: number;
  /** Bytes of verified data blocks kept for re-reads (default readCacheBytesMax, read-cache.ts). */
  readCacheBytes?: number;
  /** LevelDB's block cache (cacheSize) and memtable (writeBufferSize); defaults kvCacheBytesDefault, kvWriteBufferBytesDefault. */
  kvCacheBytes?: number;
  kvWriteBufferBytes?: number;
}

/**
 * LevelDB's block cache for the store's db/ (classic-level's default is 8 MiB). It holds table
 * blocks read for onodes missing from the onode cache and for omap reads; the onode cache in front
 * of it answers the hot ones, so a small one costs little (bench/memory-profile.md, h-rss2).
 */
export const kvCacheBytesDefault = 8 * 1024 * 1024;
/**
 * LevelDB's memtable bound (write_buffer_size; classic-level's default 4 MiB). A full memtable is
 * written out as a level-0 table while a new one fills, so up to twice this is in memory.
 */
export const kvWriteBufferBytesDefault = 4 * 1024 * 1024;

/** Default size of a new block file. */
export const deviceBytesDefault = 1024 * 1024 * 1024;
/** Smallest device we format. */
export const deviceBytesMin = 16 * 1024 * 1024;

/** Bytes per I/O when mkfs writes the journal region of a file-backed device. */
const zeroChunkBytes = 1024 * 1024;

/** The device of the store in `path`: the file, or the symlink to the block device. */
export function blockPathOf(opts: NativeStoreOptions): string {
  return join(opts.path, 'block');
}

/** A new LevelDB handle on the store's db/ (not yet opened). */
export function storeDb(path: string, createIfMissing = true, opts: Pick<NativeStoreOptions, 'kvCacheBytes' | 'kvWriteBufferBytes'> = {}): KV {
  const cacheSize = opts.kvCacheBytes ?? kvCacheBytesDefault;
  const writeBufferSize = opts.kvWriteBufferBytes ?? kvWriteBufferBytesDefault;
  return new Level<Buffer, Buffer>(join(path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing, cacheSize, writeBufferSize });
}

async function zeroBlocks(io: BlockIO, start: number, count: number): Promise<void> {
  const per = zeroChunkBytes / blockBytes;
  const zeros = Buffer.alloc(zeroChunkBytes);
  for (let b = 0; b < count; b += per) await io.writeBlocks(zeros.subarray(0, Math.min(per, count - b) * blockBytes), start + b);
}

/** Create the data directory and its block file (or the symlink to the given device). */
function prepareDevice(opts: NativeStoreOptions): void {
  const { path } = opts;
  const blockPath = blockPathOf(opts);
  mkdirSync(path, { recursive: true, mode: 0o750 });
  if (existsSync(join(path, 'db'))) throw cephError('EEXIST', `${path} already holds a store (db/ exists)`);
  if (opts.blockPath) {
    if (!existsSync(blockPath)) symlinkSync(opts.blockPath, blockPath);
  } else if (!existsSync(blockPath)) {
    const bytes = opts.deviceBytes ?? deviceBytesDefault;
    if (bytes < deviceBytesMin) throw cephError('EINVAL', `device of ${bytes} bytes is smaller than deviceBytesMin (${deviceBytesMin})`);
    const fd = openSync(blockPath, 'w', 0o600);
    ftruncateSync(fd, bytes);
    closeSync(fd);
  }
}

/** The first LevelDB keys of a new store: superblock record, stats, checkpoint, allocator bitmap. */
function initialKeys(sb: L.Superblock, alloc: BitmapAllocator): BatchOp[] {
  const ops: BatchOp[] = [
    { type: 'put', key: L.superKey(), value: L.encodeSuperRecord({ sb, nidMax: 0 }) },
    { type: 'put', key: L.statsKey(), value: L.encodeStats({ storedBytes: 0, objects: 0 }) },
    { type: 'put', key: L.checkpointKey(), value: L.encodeCheckpoint({ generation: 0, seq: 1, block: 0 }) },
  ];
  for (let c = 0; c < alloc.chunkCount(); c++) alloc.takeDirtyChunks();
  for (let c = 0; c < alloc.chunkCount(); c++) {
    const off = (c * L.bitmapChunkBlocks) / 8;
    ops.push({ type: 'put', key: L.bitmapKey(c), value: Buffer.from(alloc.committed.subarray(off, Math.min(off + L.bitmapChunkBlocks / 8, alloc.committed.length))) });
  }
  return ops;
}

/**
 * Format a new store: the device (optionally under a LUKS2 header), its superblock and journal
 * region, and the LevelDB keys that describe an empty store.
 */
export async function mkfsStore(opts: NativeStoreOptions): Promise<void> {
  const { path } = opts;
  const blockPath = blockPathOf(opts);
  prepareDevice(opts);
  let dataOffset = 0;
  let xts: XtsCipher | undefined;
  let f: LuksVolume | undefined;
  if (opts.encrypt) {
    if (!opts.passphrase?.length) throw cephError('EINVAL', 'mkfs --encrypt needs a key (passphrase)');
    f = await luksFormat(blockPath, opts.passphrase, opts.luks);
    dataOffset = f.segmentOffset;
    xts = new XtsCipher(f.volumeKey, f.sectorBytes);
  }
  const dev = new BlockDevice(blockPath, { direct: opts.direct ?? true, backend: opts.backend });
  try {
    const deviceBytes = Math.floor((dev.size - dataOffset) / blockBytes) * blockBytes;
    if (deviceBytes < deviceBytesMin) throw cephError('EINVAL', `device ${blockPath} too small (${dev.size} bytes)`);
    const journalBlocks = journalBlocksFor(deviceBytes);
    const sb: L.Superblock = { fsid: randomUUID(), deviceBytes, blockBytes, encrypted: !!opts.encrypt, journalStart: 1, journalBlocks, journalId: randomInt(1, 2 ** 48) };
    const io = new BlockIO(dev, dataOffset, xts, blockPath);
    await io.writeBlocks(L.encodeSuperblock(sb), 0);
    // A file-backed device gets its journal written once, so that journal writes overwrite
    // allocated blocks and a flush needs no file-system metadata commit.
    if (!dev.blockdev) await zeroBlocks(io, sb.journalStart, journalBlocks);
    await dev.fdatasync();
    const alloc = new BitmapAllocator(deviceBytes / blockBytes);
    alloc.reserve(0, 1 + journalBlocks);
    const db = storeDb(path);
    await db.open();
    try {
      // An encrypted store seals its metadata from the first record on: nothing is ever written in the clear.
      const keys = f ? deriveMetaKeys(f.volumeKey, sb.fsid) : undefined;
      const meta: MetaKV = keys ? new SealedKV(db, keys) : new PlainKV(db);
      const ops = initialKeys(sb, alloc);
      if (keys) ops.push({ type: 'put', key: L.sealedKey(), value: L.encodeSealedRecord(sealedRecordFor(keys)) });
      await meta.write(ops, true);
    } finally {
      await db.close();
    }
    writeFileSync(join(path, 'type'), 'tsstore\n');
    writeFileSync(join(path, 'fsid'), sb.fsid + '\n');
  } finally {
    await dev.close();
    xts?.destroy();
  }
}

/** Read the data directory's fsid file (used by the tool). */
export function readFsid(path: string): string | undefined {
  const f = join(path, 'fsid');
  return existsSync(f) && statSync(f).isFile() ? readFileSync(f, 'utf8').trim() : undefined;
}
