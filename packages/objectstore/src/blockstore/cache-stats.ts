/** NativeStore.cacheStats(): the store's memory by cache. */
export interface StoreCacheStats {
  /** Onodes cached (dirty ones wait for LevelDB), evicted since mount, and the bound. */
  onodes: number;
  onodesDirty: number;
  onodeEvictions: number;
  onodesMax: number;
  /** Verified data blocks held by the read cache, and its bound. */
  dataBytes: number;
  dataBytesMax: number;
  /** The allocator's bitmap (one bit per block). */
  allocatorBytes: number;
  /** The I/O buffer pool's slabs (the first is pinned by the ring; the others since the last trim). */
  ioSlabBytes: number;
  /** LevelDB's block cache and memtable bounds (what they may hold, not what they hold). */
  kvCacheBytesMax: number;
  kvWriteBufferBytesMax: number;
}
