import { compareStringBytes } from '@ts-ceph/denc';
import { CollT, GHObject } from './types';
import { Transaction } from './transaction';

/** store_statfs_t, the parts an OSD reports (bytes). */
export interface StoreStatfs {
  total: number;
  available: number;
  /** Bytes allocated on the device for object data. */
  allocated: number;
  /** Logical bytes stored (sum of object sizes). */
  stored: number;
  /** Bytes held by metadata (onodes, omap, xattrs) as the store estimates them. */
  internalMetadata: number;
  omapAllocated: number;
}

export interface FsckReport {
  errors: number;
  /** One line per problem found, each naming the object or block. */
  problems: string[];
  objects: number;
  /** Bytes of object data read and checksummed (deep fsck). */
  bytesChecked: number;
}

export interface ListResult {
  objects: GHObject[];
  /** Where the next page starts; ghobjectMax() when the listing is complete. */
  next: GHObject;
}

export interface ObjectStat {
  size: number;
  /** Bytes allocated for the object's data. */
  allocated: number;
}

/**
 * ObjectStore, after Ceph's src/os/ObjectStore.h: collections (one per PG) of objects, each with
 * data, xattrs, an omap and an omap header; atomic transactions; listing in ghobject order with
 * paging. queueTransaction resolves once the transaction is durable (Ceph's on_commit); reads issued
 * after queueTransaction see its effects. Errors are CephErrors with Ceph's errno: ENOENT for a
 * missing collection/object, ENODATA for a missing xattr, EIO for data failing its checksum.
 */
export interface ObjectStore {
  readonly type: string;
  mkfs(): Promise<void>;
  mount(): Promise<void>;
  umount(): Promise<void>;

  queueTransaction(t: Transaction): Promise<void>;
  queueTransactions(ts: Transaction[]): Promise<void>;
  /**
   * queueTransaction for a caller that takes a callback (no promise per transaction): `onCommit`
   * runs once, when the transaction is durable or has failed (with the error), never before this
   * call returns, and must not throw.
   */
  queueTransactionOnCommit(t: Transaction, onCommit: (err?: Error) => void): void;

  listCollections(): Promise<CollT[]>;
  collectionExists(c: CollT): Promise<boolean>;
  collectionEmpty(c: CollT): Promise<boolean>;
  collectionBits(c: CollT): Promise<number>;
  /** Objects in [start, end) in ghobject order, at most `max`. */
  collectionList(c: CollT, start: GHObject, end: GHObject, max: number): Promise<ListResult>;

  exists(c: CollT, o: GHObject): Promise<boolean>;
  stat(c: CollT, o: GHObject): Promise<ObjectStat>;
  /**
   * Read [offset, offset+length); length 0 reads to the end. Short at end of object. The buffer is
   * the caller's (never shared with the store or another read), so it may be sent or kept as it is.
   */
  read(c: CollT, o: GHObject, offset: number, length: number): Promise<Buffer>;
  /**
   * read() for a caller that will not modify the buffer (it sends it, checks it or keeps it): the
   * buffer may be shared with the store's read cache and other readers (no copy in or out of the
   * cache). Writing into it would corrupt later reads: a caller that needs to change the bytes
   * uses read().
   */
  readShared(c: CollT, o: GHObject, offset: number, length: number): Promise<Buffer>;
  /** Allocated extents of [offset, offset+length) as (offset, length) pairs (ObjectStore::fiemap). */
  fiemap(c: CollT, o: GHObject, offset: number, length: number): Promise<Map<number, number>>;
  getattr(c: CollT, o: GHObject, name: string): Promise<Buffer>;
  getattrs(c: CollT, o: GHObject): Promise<Map<string, Buffer>>;

  omapGetHeader(c: CollT, o: GHObject): Promise<Buffer>;
  /** Header and every key/value (ObjectStore::omap_get). */
  omapGet(c: CollT, o: GHObject): Promise<{ header: Buffer; values: Map<string, Buffer> }>;
  omapGetKeys(c: CollT, o: GHObject): Promise<string[]>;
  omapGetValues(c: CollT, o: GHObject, keys: string[]): Promise<Map<string, Buffer>>;
  /** Keys strictly after `after` (in byte order), at most `max` (the OSD's omap-get-vals paging). */
  omapGetValsAfter(c: CollT, o: GHObject, after: string, max: number): Promise<{ values: Map<string, Buffer>; more: boolean }>;

  statfs(): Promise<StoreStatfs>;
  fsck(deep: boolean): Promise<FsckReport>;
}

/** Byte order of omap keys (Ceph compares std::string bytes; denc's string-bytes.ts keeps them). */
export function cmpOmapKey(a: string, b: string): number {
  return compareStringBytes(a, b);
}

/** Largest page a listing returns, whatever the caller asks (docs/LIMITS.md). */
export const listObjectsMax = 100000;
