import type { Level } from 'level';
import { BatchOp } from './journal';
import * as L from './layout';

/**
 * The store's metadata key-value interface over LevelDB. Callers speak in logical keys (layout.ts)
 * and read by group (a collection's onodes, an object's omap, ...): PlainKV maps that one to one
 * onto LevelDB, SealedKV (sealed-kv.ts) stores every record but the `S:` ones encrypted under
 * keys derived from the LUKS2 volume key. See docs/formats/objectstore.md, "Encrypted metadata".
 */

export type KV = Level<Buffer, Buffer>;

/** Bounds within one group, on whole logical keys; `limit` entries at most. */
export interface KVRange {
  gte?: Buffer;
  gt?: Buffer;
  lt?: Buffer;
  limit?: number;
}

export interface MetaKV {
  /** Whether records are stored encrypted. */
  readonly sealed: boolean;
  get(key: Buffer): Promise<Buffer | undefined>;
  /**
   * The same read done on the calling thread. For the lookups on a write's path (is this object
   * new?): LevelDB answers a miss from memory (memtable, table index) in microseconds, where the
   * asynchronous get costs a thread-pool round trip, two thread wake-ups and a promise per op.
   */
  getSync(key: Buffer): Buffer | undefined;
  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]>;
  /** One atomic LevelDB batch; `sync` makes it durable before resolving. */
  write(ops: BatchOp[], sync: boolean): Promise<void>;
  /** The entries of one group (`group` is a whole group: groupBytesOf(group + any suffix) === group.length), in key byte order, within `r`. */
  range(group: Buffer, r?: KVRange): AsyncIterable<[Buffer, Buffer]>;
  /** Every entry whose key starts with the one-letter record type, in no promised order (fsck). */
  scanType(type: string): AsyncIterable<[Buffer, Buffer]>;
}

interface RawBatch {
  _batch(ops: BatchOp[], options: { sync: boolean }): Promise<void>;
}

/**
 * A LevelDB write on the commit path. abstract-level's public batch() clones and re-validates
 * every operation (about 10 us each, measured); our keys and values are Buffers already, so we
 * call classic-level's implementation of the documented private `_batch(operations, options)`,
 * which takes {type, key, value} objects, directly. Only while the database is open: otherwise the
 * public method raises the proper error.
 */
export function kvWrite(db: KV, ops: BatchOp[], sync: boolean): Promise<void> {
  if (db.status !== 'open' || typeof (db as unknown as Partial<RawBatch>)._batch !== 'function') return db.batch(ops, { sync });
  return (db as unknown as RawBatch)._batch(ops, { sync });
}

/** LevelDB options for the keys of `group` within `r`. */
export function levelRange(group: Buffer, r: KVRange): { gt?: Buffer; gte?: Buffer; lt: Buffer; limit: number } {
  const lt = r.lt ?? L.prefixEnd(group);
  const limit = r.limit ?? -1;
  return r.gt ? { gt: r.gt, lt, limit } : { gte: r.gte ?? group, lt, limit };
}

/** Metadata in the clear: an unencrypted store. */
export class PlainKV implements MetaKV {
  readonly sealed = false;
  constructor(private readonly level: KV) {}
  get(key: Buffer): Promise<Buffer | undefined> {
    return this.level.get(key);
  }
  getSync(key: Buffer): Buffer | undefined {
    return this.level.getSync(key);
  }
  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]> {
    return this.level.getMany(keys);
  }
  write(ops: BatchOp[], sync: boolean): Promise<void> {
    return kvWrite(this.level, ops, sync);
  }
  range(group: Buffer, r: KVRange = {}): AsyncIterable<[Buffer, Buffer]> {
    return this.level.iterator(levelRange(group, r));
  }
  scanType(type: string): AsyncIterable<[Buffer, Buffer]> {
    return this.range(Buffer.from(type, 'latin1'));
  }
}
