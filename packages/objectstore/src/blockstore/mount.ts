import { cephError } from '@ts-ceph/common';
import { BlockDevice } from '../native/device';
import { XtsCipher } from '../native/crypto';
import { isLuks, luksOpen } from '../luks/luks2';
import { collToString } from '../types';
import { BitmapAllocator } from './allocator';
import { BlockIO } from './io';
import * as L from './layout';
import { blockBytes, CollRecord } from './layout';
import { blockPathOf, NativeStoreOptions } from './mkfs';
import { KV, MetaKV, PlainKV } from './meta-kv';
import { deriveMetaKeys, SealedKV, sealedRecordMatches } from './sealed-kv';

/** What mount reads before replaying the journal: the device and the state as of the last checkpoint. */
export interface OpenedDevice {
  io: BlockIO;
  sb: L.Superblock;
  allocator: BitmapAllocator;
  xts: XtsCipher | undefined;
  /** The metadata records: sealed on an encrypted store. */
  meta: MetaKV;
  checkpoint: L.Checkpoint;
  nidMax: number;
  stats: L.StatsRecord;
}

/** The cipher of an encrypted device (and where its data starts), checked against the database's superblock. */
async function openCipher(opts: NativeStoreOptions, rec: L.SuperRecord): Promise<{ dataOffset: number; xts?: XtsCipher; volumeKey?: Buffer }> {
  const blockPath = blockPathOf(opts);
  if (await isLuks(blockPath)) {
    if (!opts.passphrase?.length) throw cephError('EACCES', `${blockPath} is encrypted (LUKS2): a key is needed`);
    const o = await luksOpen(blockPath, opts.passphrase);
    return { dataOffset: o.segmentOffset, xts: new XtsCipher(o.volumeKey, o.sectorBytes, o.ivTweak), volumeKey: o.volumeKey };
  }
  if (rec.sb.encrypted) throw cephError('EIO', `${blockPath}: the store is encrypted but the device has no LUKS2 header`);
  return { dataOffset: 0 };
}

/** The device's superblock, which must agree with the database's copy and fit the device. */
async function readSuperblock(io: BlockIO, rec: L.SuperRecord): Promise<L.Superblock> {
  const s = L.decodeSuperblock(await io.readRaw(0, 1));
  if (s.fsid !== rec.sb.fsid) throw cephError('EIO', `device fsid ${s.fsid} does not match the database's ${rec.sb.fsid}`);
  if (s.journalStart !== rec.sb.journalStart || s.journalBlocks !== rec.sb.journalBlocks || s.journalId !== rec.sb.journalId) throw cephError('EIO', 'the device superblock and the database disagree on the journal');
  if (io.dataOffset + s.deviceBytes > io.dev.size) throw cephError('EIO', `device shrank: ${io.dev.size} bytes < ${io.dataOffset + s.deviceBytes}`);
  return s;
}

/**
 * The metadata of a store: in the clear on an unencrypted device, sealed with keys from the volume
 * key on an encrypted one. An encrypted store without `S:sealed` is refused rather than mounted in
 * the clear: whoever can delete that record must not be able to make the OSD write names, xattrs
 * and omap in the clear from then on (and stores made before sealed metadata are re-created).
 */
async function openMeta(level: KV, opts: NativeStoreOptions, rec: L.SuperRecord, volumeKey: Buffer | undefined): Promise<MetaKV> {
  const sealed = await level.get(L.sealedKey());
  if (!volumeKey) {
    if (sealed) throw cephError('EIO', `${opts.path}: the metadata is sealed but the device is not encrypted`);
    return new PlainKV(level);
  }
  if (!sealed) throw cephError('EIO', `${opts.path}: encrypted store without sealed metadata (made before it, or its S:sealed record was removed); re-create it`);
  const keys = deriveMetaKeys(volumeKey, rec.sb.fsid);
  if (!sealedRecordMatches(keys, L.decodeSealedRecord(sealed))) throw cephError('EIO', `${opts.path}: sealed metadata does not match the device's volume key`);
  return new SealedKV(level, keys);
}

/** Read the superblock record, open the device (and its cipher), load the allocator bitmap, checkpoint and stats. */
async function loadState(io: BlockIO, db: MetaKV, opts: NativeStoreOptions, rec: L.SuperRecord): Promise<Omit<OpenedDevice, 'io' | 'xts' | 'meta'>> {
  const sb = await readSuperblock(io, rec);
  const allocator = new BitmapAllocator(sb.deviceBytes / blockBytes);
  for await (const [k, v] of db.range(Buffer.from(L.K.bitmap))) allocator.loadChunk(Number(k.readBigUInt64BE(1)), v);
  const cpRec = await db.get(L.checkpointKey());
  if (!cpRec) throw cephError('EIO', `${opts.path}: journal checkpoint record missing`);
  const checkpoint = L.decodeCheckpoint(cpRec);
  const st = await db.get(L.statsKey());
  const stats = st ? L.decodeStats(st) : { storedBytes: 0, objects: 0 };
  return { sb, allocator, checkpoint, nidMax: rec.nidMax, stats };
}

/**
 * Mount, first half: open the device (and LUKS2 cipher) the database describes and load the state
 * as of the last checkpoint. On failure nothing stays open.
 */
export async function openDevice(opts: NativeStoreOptions, level: KV): Promise<OpenedDevice> {
  const superRec = await level.get(L.superKey());
  if (!superRec) throw cephError('EIO', `${opts.path}: superblock record missing`);
  const rec = L.decodeSuperRecord(superRec);
  const { dataOffset, xts, volumeKey } = await openCipher(opts, rec);
  let dev: BlockDevice | undefined;
  try {
    const meta = await openMeta(level, opts, rec, volumeKey);
    const blockPath = blockPathOf(opts);
    dev = new BlockDevice(blockPath, { direct: opts.direct ?? true, backend: opts.backend });
    const io = new BlockIO(dev, dataOffset, xts, blockPath, opts.readCacheBytes);
    return { io, xts, meta, ...(await loadState(io, meta, opts, rec)) };
  } catch (e) {
    await dev?.close();
    xts?.destroy();
    throw e;
  }
}

/** Every collection's record, by name. */
export async function loadCollections(db: MetaKV): Promise<Map<string, CollRecord>> {
  const colls = new Map<string, CollRecord>();
  for await (const [, v] of db.range(Buffer.from(L.K.coll))) {
    const c = L.decodeColl(v);
    colls.set(collToString(c.cid), c);
  }
  return colls;
}
