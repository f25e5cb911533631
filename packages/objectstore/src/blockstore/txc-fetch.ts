import { Onode } from './onode';

/**
 * What a transaction read from LevelDB or the device while it was prepared: kept across the
 * attempts of one transaction, so each attempt finds what the ones before it had to wait for.
 * Nothing else installs a transaction while one is being prepared (prepares run in queue order),
 * and the store drains the commit pipeline before its omap and listing reads, so these stay the
 * committed state the transaction starts from.
 */
export class TxcFetched {
  /** Onodes by cache key (null: no such object). */
  readonly onodes = new Map<string, Onode | null>();
  /** Committed omap by nid. */
  readonly omaps = new Map<number, { keys: Map<string, Buffer>; header: Buffer | undefined }>();
  /** Committed objects of a collection (cache keys), by collection name. */
  readonly collObjects = new Map<string, string[]>();
  /** Verified plaintext of committed device blocks, by pblock. */
  readonly blocks = new Map<number, Buffer>();

  /** Entries held: each fetch adds at least one, or the prepare would never finish. */
  get size(): number {
    return this.onodes.size + this.omaps.size + this.collObjects.size + this.blocks.size;
  }
}

/**
 * Thrown by a transaction's synchronous prepare when an op needs state that is not in memory (an
 * onode the cache lost, an omap to clear or scan, a collection's objects, the old contents of a
 * partially written block): the store undoes the attempt, awaits `fill`, and prepares the
 * transaction again from its first op. Not an Error: it is control flow, and a stack trace per
 * miss would cost more than the miss. Transactions whose state is all in memory (the onode cache,
 * the overlay, the read cache) never throw it and prepare without a promise.
 */
export class NeedFetch {
  constructor(readonly fill: (into: TxcFetched) => Promise<void>) {}
}
