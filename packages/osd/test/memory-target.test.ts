/**
 * osd_memory_target (core/memory-target.ts, memory-driver.ts): the cache maximum with BlueStore's
 * formula, PriorityCache's tuning step, the shares, the options as ceph.conf or the runtime config
 * give them, and the driver resizing a NativeStore's caches and returning a burst's I/O slabs.
 */
import t from 'tap';
import { join } from 'node:path';
import { SimClock } from '@ts-ceph/common';
import { tempDir } from '@ts-ceph/testkit';
import { NativeStore, poolSlabBytes } from '@ts-ceph/objectstore';
import { cacheBytesMax, memoryTargetConf, MemoryTargetConf, osdMemoryDefaults, splitCache, tuneCacheBytes } from '../src/core/memory-target';
import { fullGc, majorGcWatch, MemoryDriver, memoryGcQuietRounds, memoryGcSlackBytes, memoryTuneIntervalMs, startingCacheOptions } from '../src/memory-driver';

const MiB = 1048576;
// Ceph 16.2's defaults (src/common/options.cc): osd_memory_target 4G, osd_memory_base 768M,
// osd_memory_cache_min 128M, osd_memory_expected_fragmentation 0.15.
const ceph: MemoryTargetConf = { targetBytes: 4 * 1024 * MiB, baseBytes: 768 * MiB, cacheMinBytes: 128 * MiB, fragmentation: 0.15 };

t.test('the cache maximum: (1 - fragmentation) * target - base, at least the minimum', async (t) => {
  // 0.85 * 4294967296 = 3650722201.6, floored; minus 805306368.
  t.equal(cacheBytesMax(ceph), 2845415833);
  t.equal(cacheBytesMax({ ...ceph, targetBytes: 896 * MiB }), 128 * MiB, 'Ceph\'s smallest target leaves only the minimum');
  // ts-osd's defaults: 0.85 * 160 MiB - 64 MiB = 72 MiB.
  const ours = memoryTargetConf(() => undefined);
  t.same(ours, { targetBytes: 160 * MiB, baseBytes: 64 * MiB, cacheMinBytes: 32 * MiB, fragmentation: 0.15 });
  t.equal(cacheBytesMax(ours), 72 * MiB);
});

t.test('the shares: LevelDB 5 %, onodes 8 % at 3 KiB each, the read cache the rest', async (t) => {
  // 8 % of 40 MiB is 3355443 bytes (floored): 1092 onodes of 3072 bytes.
  t.same(splitCache(40 * MiB), { cacheBytes: 40 * MiB, kvCacheBytes: 2 * MiB, onodeCacheEntries: 1092, readCacheBytes: 40 * MiB - 2 * MiB - 3355443 });
  t.equal(splitCache(0).onodeCacheEntries, 128, 'never fewer than onodeCacheEntriesMin onodes');
  t.equal(splitCache(0).readCacheBytes, 0);
});

t.test('tuning moves toward the maximum below the target and toward the minimum above it', async (t) => {
  const c = memoryTargetConf(() => undefined);
  const max = cacheBytesMax(c);
  // Half the target in use: half the way from 50 MiB to the maximum (72 MiB).
  t.equal(tuneCacheBytes(50 * MiB, c, 80 * MiB), 61 * MiB);
  // Twice the target: half the way from 50 MiB down to the minimum (32 MiB).
  t.equal(tuneCacheBytes(50 * MiB, c, 320 * MiB), 41 * MiB);
  t.equal(tuneCacheBytes(20 * MiB, c, c.targetBytes), 32 * MiB, 'below the minimum: raised to it');
  t.equal(tuneCacheBytes(max, c, c.targetBytes), max, 'at the target nothing moves');
  t.equal(tuneCacheBytes(1e12, c, c.targetBytes), max, 'clamped to the maximum first');
  let size = max;
  for (let i = 0; i < 50; i++) size = tuneCacheBytes(size, c, 10 * c.targetBytes);
  t.ok(size >= c.cacheMinBytes && size < c.cacheMinBytes + MiB, 'held far over the target, the caches go to the minimum and no lower');
});

t.test('the options: sizes as ceph.conf writes them; nonsense keeps the default', async (t) => {
  const conf = (v: Record<string, string>) => memoryTargetConf((n) => v[n]);
  t.equal(conf({ osd_memory_target: '256M' }).targetBytes, 256 * MiB);
  t.equal(conf({ osd_memory_target: '1GiB' }).targetBytes, 1024 * MiB);
  t.equal(conf({ osd_memory_target: '134217728' }).targetBytes, 128 * MiB);
  t.equal(conf({ osd_memory_target: 'lots' }).targetBytes, osdMemoryDefaults.osd_memory_target);
  t.equal(conf({ osd_memory_expected_fragmentation: '0.3' }).fragmentation, 0.3);
  // 72 MiB = 75497472 bytes: LevelDB 5 % = 3774873, onodes 8 % = 6039797 bytes / 3072 = 1966.
  t.same(startingCacheOptions(conf({}), {}), { onodeCacheEntries: 1966, readCacheBytes: 75497472 - 3774873 - 6039797, kvCacheBytes: 3774873 });
  t.same(startingCacheOptions(conf({}), { onodeCacheEntries: 7, readCacheBytes: 0 }).onodeCacheEntries, 7, 'ts_bluestore_cache_onodes wins');
});

t.test('the driver resizes a NativeStore\'s caches and returns the slabs of a burst', async (t) => {
  const dir = tempDir('ts-memory-target-');
  t.teardown(dir.cleanup);
  const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 * MiB, ...startingCacheOptions(memoryTargetConf(() => undefined), {}) });
  await store.mkfs();
  await store.mount();
  t.teardown(() => store.umount());
  const options: Record<string, string> = {};
  let mapped = 200 * MiB;
  const clock = new SimClock();
  let released = 0;
  const d = new MemoryDriver({ clock, store, option: (n) => options[n], fixed: {}, measure: () => mapped, release: () => (released++, true), usage: () => ({ heapUsed: 0, arrayBuffers: 0 }), collect: () => undefined, majorGcRan: () => false });
  const max = cacheBytesMax(d.conf());
  t.equal(d.budget.cacheBytes, max, 'the caches start at the maximum');
  // A burst of 1 MiB buffers beyond the first slab.
  const burst = Array.from({ length: 4 }, () => store.io.pool.get(MiB));
  for (const b of burst) store.io.pool.put(b);
  t.ok(store.cacheStats().ioSlabBytes > poolSlabBytes, 'the burst took slabs beyond the first');
  d.start();
  clock.advance(memoryTuneIntervalMs);
  t.ok(d.budget.cacheBytes < max, 'over the target: the caches shrink');
  t.equal(store.cacheStats().dataBytesMax, d.budget.readCacheBytes);
  t.equal(store.cacheStats().onodesMax, d.budget.onodeCacheEntries);
  t.equal(store.cacheStats().ioSlabBytes, poolSlabBytes, 'the burst\'s slab is let go');
  t.equal(released, 1, 'malloc\'s free memory is returned each round');
  // A runtime `config set osd_memory_target 1G` and memory well under it: the caches grow.
  options.osd_memory_target = String(1024 * MiB);
  mapped = 100 * MiB;
  const before = d.budget.cacheBytes;
  clock.advance(memoryTuneIntervalMs);
  t.ok(d.budget.cacheBytes > before);
  t.equal(store.cacheStats().dataBytesMax, d.budget.readCacheBytes);
  d.stop();
  const last = d.budget.cacheBytes;
  clock.advance(10 * memoryTuneIntervalMs);
  t.equal(d.budget.cacheBytes, last, 'stopped: no more rounds');
});

t.test('over the target, a full collection once the heap and array buffers grew by memoryGcSlackBytes since the last and V8 ran none for memoryGcQuietRounds rounds', async (t) => {
  let inUse = 30 * MiB;
  let collects = 0;
  const store = { type: 'memstore' } as unknown as ConstructorParameters<typeof MemoryDriver>[0]['store'];
  let mapped = 200 * MiB;
  const d = new MemoryDriver({ clock: new SimClock(), store, option: () => undefined, fixed: {}, measure: () => mapped, release: () => true, usage: () => ({ heapUsed: inUse, arrayBuffers: 0 }), collect: () => void collects++, majorGcRan: () => false });
  t.equal(memoryGcQuietRounds, 2);
  d.tune();
  t.equal(collects, 0, 'the first round only takes the baseline');
  inUse += memoryGcSlackBytes;
  d.tune();
  t.equal(collects, 0, 'growth up to the slack is left to V8');
  inUse += 1;
  d.tune();
  t.equal(collects, 1, 'past it, in the second quiet round: a collection');
  inUse = 31 * MiB;
  d.tune();
  t.equal(collects, 1, 'the round after a collection takes the new baseline');
  inUse = 31 * MiB + memoryGcSlackBytes + 1;
  d.tune();
  t.equal(collects, 1, 'past the slack in the first quiet round after it: not yet');
  d.tune();
  t.equal(collects, 2, 'in the second');
  t.equal(d.collections, 2);
  d.tune();
  mapped = 100 * MiB;
  inUse += 2 * memoryGcSlackBytes;
  d.tune();
  d.tune();
  t.equal(collects, 2, 'under osd_memory_target V8 keeps its own pace');
});

t.test('no full collection of ours while V8 runs its own: each one of V8\'s moves the baseline', async (t) => {
  let inUse = 30 * MiB;
  let collects = 0;
  let v8Ran = false;
  const store = { type: 'memstore' } as unknown as ConstructorParameters<typeof MemoryDriver>[0]['store'];
  const d = new MemoryDriver({ clock: new SimClock(), store, option: () => undefined, fixed: {}, measure: () => 200 * MiB, release: () => true, usage: () => ({ heapUsed: inUse, arrayBuffers: 0 }), collect: () => void collects++, majorGcRan: () => v8Ran });
  d.tune();
  // Under load: V8 collects every round or every other; the use grows past the slack each time.
  for (let i = 0; i < 10; i++) {
    inUse += memoryGcSlackBytes + 1;
    v8Ran = i % 2 === 0;
    d.tune();
  }
  t.equal(collects, 0, 'no round went two without one of V8\'s');
  v8Ran = true;
  d.tune();
  v8Ran = false;
  d.tune();
  t.equal(collects, 0, 'the baseline is what was in use after V8\'s last one');
  inUse += memoryGcSlackBytes + 1;
  d.tune();
  t.equal(collects, 1, 'the load stopped: two quiet rounds, past the slack: ours');
});

t.test('majorGcWatch: scavenges leave it false, a full collection makes it true once', async (t) => {
  const gc = fullGc();
  t.ok(gc, 'a gc function');
  if (!gc) return;
  const ran = majorGcWatch();
  t.equal(ran(), false, 'nothing ran yet');
  gc({ type: 'minor' });
  await new Promise((r) => setImmediate(r));
  t.equal(ran(), false, 'a scavenge is not a full collection');
  // As the driver runs it: asynchronous (a synchronous one, called from JavaScript, kept the
  // WeakRef's target alive in node 20).
  gc({ type: 'major', execution: 'async' });
  let seen = false;
  for (let i = 0; i < 100 && !seen; i++) {
    await new Promise((r) => setTimeout(r, 20));
    seen = ran();
  }
  t.ok(seen, 'a full collection');
  t.equal(ran(), false, 'and only once');
});

t.test('fullGc gives V8\'s collection as a function, callable as the driver calls it', async (t) => {
  const gc = fullGc();
  t.type(gc, 'function');
  t.equal(fullGc(), gc, 'found once, then reused');
  t.doesNotThrow(() => gc!({ type: 'major', execution: 'async' }));
});
