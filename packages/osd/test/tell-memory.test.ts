/**
 * `ceph tell osd.N dump_mempools` and `heap stats` (core/tell/mempools.ts): mempool::dump's JSON
 * with every pool of a 16.2 ceph-osd in mempool.h's order and the total, the heap text, Ceph's
 * EOPNOTSUPP for the tcmalloc-only heap sub-commands, and the driver's report from a live process
 * and a NativeStore (memory-report.ts).
 */
import t from 'tap';
import { join } from 'node:path';
import { Errno } from '@ts-ceph/common';
import { tempDir } from '@ts-ceph/testkit';
import { kvCacheBytesDefault, kvWriteBufferBytesDefault, NativeStore, poolSlabBytes } from '@ts-ceph/objectstore';
import { OsdConfig } from '../src/core/tell/osd-config';
import { OpTracker } from '../src/core/tell/op-tracker';
import { OsdPerfCounters } from '../src/core/tell/perf';
import { TellHost, TellOutcome, runTell } from '../src/core/tell/tell';
import { MemoryReport } from '../src/core/tell/mempools';
import { osdMemoryReport, storeCacheOptionsFrom } from '../src/memory-report';

const MiB = 1048576;
const report: MemoryReport = {
  pools: { bluestore_cache_onode: { items: 10, bytes: 12000 }, osd_pglog: { items: 5, bytes: 3500 } },
  rssBytes: 90 * MiB,
  heapTotalBytes: 30 * MiB,
  heapUsedBytes: 20 * MiB,
  heapLimitBytes: 512 * MiB,
  externalBytes: 10 * MiB,
  arrayBuffersBytes: 4 * MiB,
  anonResidentBytes: 45 * MiB,
  caches: { onodesMax: 1500, dataBytesMax: 38 * MiB, kvCacheBytesMax: 2 * MiB, kvWriteBufferBytesMax: 4 * MiB, ioSlabBytes: 2 * MiB },
  budget: { cacheBytes: 40 * MiB, readCacheBytes: 34 * MiB, onodeCacheEntries: 1365, kvCacheBytes: 2 * MiB },
  spaces: [
    { name: 'new_space', usedBytes: MiB, sizeBytes: 2 * MiB },
    { name: 'old_space', usedBytes: 18 * MiB, sizeBytes: 27 * MiB },
    { name: 'shared_space', usedBytes: 0, sizeBytes: 0 },
  ],
};

function host(memory?: () => MemoryReport): TellHost {
  return {
    status: () => ({ clusterFsid: 'c', osdFsid: 'o', whoami: 3, state: 'active', oldestMap: 5, newestMap: 9, numPgs: 8 }),
    config: new OsdConfig([], () => undefined),
    tracker: new OpTracker(),
    perf: new OsdPerfCounters(),
    mappedPools: () => [],
    flushPgStats: () => 1n,
    nowMs: () => 0,
    ...(memory ? { memory } : {}),
  };
}

function reply(o: TellOutcome): { r: number; rs: string; out: string } {
  if (!('reply' in o)) throw new Error('expected a reply');
  return { r: o.reply.r, rs: o.reply.rs, out: o.reply.outbl.toString() };
}
const tell = (cmd: object, h: TellHost) => reply(runTell([JSON.stringify(cmd)], h));

// src/include/mempool.h (16.2), DEFINE_MEMORY_POOLS_HELPER, in order.
const cephPools =
  'bloom_filter bluestore_alloc bluestore_cache_data bluestore_cache_onode bluestore_cache_meta bluestore_cache_other bluestore_Buffer bluestore_Extent bluestore_Blob bluestore_SharedBlob bluestore_inline_bl bluestore_fsck bluestore_txc bluestore_writing_deferred bluestore_writing bluefs bluefs_file_reader bluefs_file_writer buffer_anon buffer_meta osd osd_mapbl osd_pglog osdmap osdmap_mapping pgmap mds_co unittest_1 unittest_2'.split(' ');

t.test('dump_mempools has mempool::dump shape: every 16.2 pool in order, then the total', async (t) => {
  const r = tell({ prefix: 'dump_mempools', format: 'json' }, host(() => report));
  t.equal(r.r, 0);
  const j = JSON.parse(r.out) as { mempool: { by_pool: Record<string, { items: number; bytes: number }>; total: { items: number; bytes: number } } };
  t.same(Object.keys(j), ['mempool']);
  t.same(Object.keys(j.mempool), ['by_pool', 'total']);
  t.same(Object.keys(j.mempool.by_pool), cephPools);
  t.same(j.mempool.by_pool.bluestore_cache_onode, { items: 10, bytes: 12000 });
  t.same(j.mempool.by_pool.bluefs, { items: 0, bytes: 0 }, 'a pool we have no counterpart for is zero');
  t.same(j.mempool.total, { items: 15, bytes: 15500 });
  // The compact JSON a real OSD prints starts the same way.
  t.match(r.out, /^\{"mempool":\{"by_pool":\{"bloom_filter":\{"items":0,"bytes":0\},/);
});

t.test('heap stats answers in the status text; the tcmalloc sub-commands are EOPNOTSUPP', async (t) => {
  const r = tell({ prefix: 'heap', heapcmd: 'stats' }, host(() => report));
  t.equal(r.r, 0);
  t.equal(r.out, '');
  const lines = r.rs.split('\n');
  t.equal(lines[0], 'osd.3 heap stats:------------------------------------------------');
  t.equal(lines[1], 'RSS:          90.0 MiB resident (VmRSS)');
  t.equal(lines[2], 'HEAP:         20.0 MiB used of 30.0 MiB (V8 heap, limit 512.0 MiB)');
  t.equal(lines[3], '  new_space                    1.0 MiB used of 2.0 MiB');
  t.notOk(r.rs.includes('shared_space'), 'empty spaces are left out');
  t.match(r.rs, /EXTERNAL: +10\.0 MiB outside the V8 heap \(array buffers 4\.0 MiB\)/);
  t.match(r.rs, /OTHER: +50\.0 MiB code, LevelDB/);
  t.match(r.rs, /ANON: +45\.0 MiB resident, not file pages/);
  t.match(r.rs, /TARGET: +40\.0 MiB for caches \(osd_memory_target\): read 34\.0 MiB, 1365 onodes, LevelDB 2\.0 MiB/);
  t.match(r.rs, /CACHES: +read cache max 38\.0 MiB, onodes max 1500, LevelDB block cache 2\.0 MiB \+ write buffer 4\.0 MiB, I\/O slabs 2\.0 MiB/);
  const rel = tell({ prefix: 'heap', heapcmd: 'release' }, host(() => report));
  t.equal(rel.r, -Errno.EOPNOTSUPP, 'heap release without a way to release');
  let releases = 0;
  const released = tell({ prefix: 'heap', heapcmd: 'release' }, { ...host(() => report), releaseMemory: () => (releases++, false) });
  t.same([released.r, released.rs, releases], [0, 'osd.3 releasing free RAM back to system.', 1], 'ceph-osd\'s answer (heap_profiler.cc), malloc_trim behind it');
  t.equal(tell({ prefix: 'heap', heapcmd: 'get_release_rate' }, { ...host(() => report), releaseMemory: () => true }).r, -Errno.EOPNOTSUPP, 'the other tcmalloc sub-commands stay unsupported');
  t.equal(tell({ prefix: 'heap', heapcmd: 'bogus' }, host(() => report)).r, -Errno.EINVAL, 'not one of the choices');
  t.equal(tell({ prefix: 'dump_mempools' }, host()).r, -Errno.EOPNOTSUPP, 'a daemon without a memory report');
});

t.test('the driver measures this process and a NativeStore', async (t) => {
  const dir = tempDir('ts-tell-memory-');
  t.teardown(dir.cleanup);
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 * MiB, onodeCacheEntries: 100, readCacheBytes: 1 * MiB });
  await store.mkfs();
  await store.mount();
  t.teardown(() => store.umount());
  const r = osdMemoryReport({ store, pgs: [] });
  t.ok(r.rssBytes > r.heapUsedBytes && r.heapUsedBytes > 0);
  t.ok(r.spaces.some((s) => s.name === 'old_space' && s.sizeBytes > 0));
  t.same(r.pools.bluestore_alloc, { items: 1, bytes: store.allocator.blocks / 8 }, 'one bit per device block');
  t.same(r.pools.osd_pglog, { items: 0, bytes: 0 });
  t.same(store.cacheStats().onodesMax, 100);
  t.same(store.cacheStats().dataBytesMax, MiB);
  t.same(r.caches, { onodesMax: 100, dataBytesMax: MiB, kvCacheBytesMax: kvCacheBytesDefault, kvWriteBufferBytesMax: kvWriteBufferBytesDefault, ioSlabBytes: poolSlabBytes });
  t.ok(r.pools.buffer_anon!.bytes >= poolSlabBytes, 'the I/O slab (aligned Buffer memory) is in buffer_anon');
  t.ok(r.anonResidentBytes > 0 && r.anonResidentBytes < r.rssBytes, 'RssAnon leaves out the file pages');
});

t.test('ts_bluestore_cache_onodes and ts_bluestore_cache_data_bytes from the conf', async (t) => {
  const conf = (v: Record<string, string>) => ({ get: (n: string) => v[n] }) as unknown as Parameters<typeof storeCacheOptionsFrom>[0];
  t.same(storeCacheOptionsFrom(conf({}), 'osd.0'), {});
  t.same(storeCacheOptionsFrom(conf({ ts_bluestore_cache_onodes: '500', ts_bluestore_cache_data_bytes: '0' }), 'osd.0'), { onodeCacheEntries: 500, readCacheBytes: 0 });
  t.throws(() => storeCacheOptionsFrom(conf({ ts_bluestore_cache_onodes: '-1' }), 'osd.0'), { code: 'EINVAL' });
});
