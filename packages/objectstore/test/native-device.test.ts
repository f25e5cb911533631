// The addon's block I/O on both backends (io_uring and the thread-pool fallback): round trips with
// O_DIRECT, batched submission beyond the ring, linked write + fdatasync pairs, close with I/O in
// flight, injected completion errors, short reads, discard, and argument validation in TypeScript.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { Errno } from '@ts-ceph/common';
import { allocAligned, BlockDevice, BufferPool, envBackend, isAligned, nativeAddon, poolSlabBytes, releaseFreeMemory } from '../src';
import { scratchDevice } from './scratch';

const fileBytes = 16 * 1024 * 1024;

const scratch = (t: { teardown(fn: () => void): void }): string => scratchDevice(t, fileBytes);


for (const backend of ['uring', 'pool'] as const) {
  t.test(`${backend}: O_DIRECT round trip, batched, beyond the ring`, async (t) => {
    const path = scratch(t);
    const dev = new BlockDevice(path, { direct: true, backend, entries: 8 });
    const uring = backend === 'uring' && envBackend() !== 'pool';
    t.equal(dev.backend, uring ? 'io_uring' : 'pool');
    t.equal(dev.size, fileBytes);
    const info = dev.info();
    if (uring) t.ok(info.registeredFile, 'the fd is a registered file');
    // 200 writes with an 8-entry ring: the wrapper queues the rest (ring full is back-pressure).
    const blocks = 200;
    const data = randomBytes(blocks * 4096);
    const pool = new BufferPool();
    if (uring) t.ok(dev.registerBuffer(pool.firstSlab), 'slab registered as a fixed buffer');
    const writes: Promise<void>[] = [];
    const bufs: Uint8Array[] = [];
    for (let i = 0; i < blocks; i++) {
      const b = pool.get(4096);
      b.set(data.subarray(i * 4096, (i + 1) * 4096));
      bufs.push(b);
      writes.push(dev.write(b, ((i * 37) % blocks) * 4096));
    }
    t.ok(dev.info().inflight <= dev.info().capacity, 'never more in flight than the ring holds');
    await Promise.all(writes);
    await dev.fdatasync();
    for (const b of bufs) pool.put(b);
    const raw = readFileSync(path);
    for (let i = 0; i < blocks; i++) {
      const at = ((i * 37) % blocks) * 4096;
      if (!raw.subarray(at, at + 4096).equals(data.subarray(i * 4096, (i + 1) * 4096))) t.fail(`block ${i} differs on disk`);
    }
    // Reads of a large range (outside the registered slab) and of pool buffers.
    const big = allocAligned(blocks * 4096);
    await dev.read(big, 0);
    t.same(Buffer.from(big), raw.subarray(0, blocks * 4096), 'one large read');
    await dev.fsync();
    await dev.close();
    await dev.close();
    await t.rejects(dev.read(big, 0), { code: 'EBADF' }, 'closed device refuses ops');
  });

  t.test(`${backend}: close with I/O in flight`, async (t) => {
    const path = scratch(t);
    const dev = new BlockDevice(path, { direct: true, backend, entries: 16 });
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      const b = allocAligned(65536);
      b.fill(i);
      ops.push(dev.write(b, i * 65536));
    }
    const closed = dev.close();
    const results = await Promise.allSettled(ops);
    await closed;
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const cancelled = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ECANCELED').length;
    t.equal(ok + cancelled, 100, 'each op either completed or was cancelled before submission');
    t.ok(ok >= 1, `${ok} submitted ops completed`);
    const raw = readFileSync(path);
    for (let i = 0; i < ok; i++) if (raw[i * 65536] !== i) t.fail(`completed write ${i} missing`);
    t.equal(dev.info().backend, 'closed');
  });

  t.test(`${backend}: linked write + fdatasync pairs, background writes`, async (t) => {
    const path = scratch(t);
    // A 4-entry ring: pairs must go in whole or wait, never split by a full ring.
    const dev = new BlockDevice(path, { direct: true, backend, entries: 4 });
    const pool = new BufferPool();
    const data = randomBytes(64 * 4096);
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 64; i++) {
      const b = pool.get(4096);
      b.set(data.subarray(i * 4096, (i + 1) * 4096));
      ops.push(i % 3 === 1 ? dev.writeAndSync(b, i * 4096) : i % 3 ? dev.write(b, i * 4096) : dev.writeBackground(b, i * 4096));
    }
    await Promise.all(ops);
    t.ok(readFileSync(path).subarray(0, 64 * 4096).equals(data), 'every write landed');
    await dev.close();
    // The flush of a pair whose write fails is cancelled; the caller sees the write's error.
    const ro = new BlockDevice(path, { backend, readonly: true });
    await t.rejects(ro.writeAndSync(Buffer.alloc(4096), 0), { code: 'EBADF' });
    await ro.close();
  });

  t.test(`${backend}: interrupted ops go again (EINTR, EAGAIN), a linked pair as a pair`, async (t) => {
    const path = scratch(t);
    const dev = new BlockDevice(path, { backend, entries: 4 });
    // Every second completion interrupted, four times: each write still lands, once.
    dev.setFault(2, Errno.EINTR, 4);
    await Promise.all(Array.from({ length: 6 }, (_, i) => dev.write(Buffer.alloc(4096, i + 1), i * 4096)));
    dev.setFault(0, 0);
    const back = Buffer.alloc(6 * 4096);
    await dev.read(back, 0);
    for (let i = 0; i < 6; i++) t.ok(back.subarray(i * 4096, (i + 1) * 4096).every((b) => b === i + 1), `block ${i} written`);
    // The write of a write + fdatasync pair interrupted: both go again, the flush after the write.
    const counts = { ...dev.counts };
    dev.setFault(1, Errno.EAGAIN, 1);
    await dev.writeAndSync(Buffer.alloc(4096, 0x5a), 8 * 4096);
    t.equal(dev.counts.writes - counts.writes, 2, 'the write went twice');
    t.equal(dev.counts.flushes - counts.flushes, 2, 'and its flush after it again');
    const one = Buffer.alloc(4096);
    await dev.read(one, 8 * 4096);
    t.ok(one.every((b) => b === 0x5a), 'the pair\'s write is on disk');
    // An interruption that never ends is an error after ioRetriesMax tries, not a hang.
    dev.setFault(1, Errno.EINTR);
    await t.rejects(dev.write(Buffer.alloc(4096), 0), { code: 'EINTR' });
    dev.setFault(0, 0);
    await dev.close();
  });

  t.test(`${backend}: injected completion errors and real errors`, async (t) => {
    const path = scratch(t);
    const dev = new BlockDevice(path, { backend, entries: 4 });
    dev.setFault(3, Errno.EIO, 2);
    const res = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => dev.write(Buffer.alloc(512, i), i * 512)));
    const failed = res.map((r, i) => (r.status === 'rejected' ? i : -1)).filter((i) => i >= 0);
    t.equal(failed.length, 2, 'exactly two injected failures');
    for (const i of failed) t.match((res[i] as PromiseRejectedResult).reason, { code: 'EIO', errno: Errno.EIO });
    dev.setFault(0, 0);
    // A read past the end of the file is short: EIO, never a partial buffer passed off as data.
    await t.rejects(dev.read(Buffer.alloc(8192), fileBytes - 4096), { code: 'EIO', message: /short read/ });
    // Discard punches a hole: the range reads back as zeros.
    await dev.write(Buffer.alloc(8192, 0xab), 1 << 20);
    await dev.discard(1 << 20, 8192);
    const z = Buffer.alloc(8192, 1);
    await dev.read(z, 1 << 20);
    t.ok(z.every((b) => b === 0), 'discarded range is zero');
    await dev.close();
    // A read-only device refuses writes with the kernel's EBADF.
    const ro = new BlockDevice(path, { backend, readonly: true });
    await t.rejects(ro.write(Buffer.alloc(512), 0), { code: 'EBADF' });
    await ro.close();
  });
}

t.test('validation happens in TypeScript before the addon', async (t) => {
  const path = scratch(t);
  t.throws(() => new BlockDevice(join(path, 'nope')), { code: 'ENOTDIR' });
  t.throws(() => new BlockDevice(path + '.missing'), { code: 'ENOENT' });
  t.throws(() => new BlockDevice(path, { entries: 0 }), { code: 'EINVAL' });
  const dev = new BlockDevice(path, { direct: true });
  t.throws(() => dev.write(Buffer.alloc(4096), 0), { code: 'EINVAL', message: /aligned buffer/ });
  t.throws(() => dev.write(allocAligned(4096), 100), { code: 'EINVAL', message: /offset/ });
  t.throws(() => dev.read(allocAligned(4096), -1), { code: 'EINVAL' });
  t.throws(() => dev.discard(0, 0), { code: 'EINVAL' });
  await dev.close();
  t.ok(statSync(path).size === fileBytes);
});

t.test('raw addon: ring full, bounds, and close draining the ring', async (t) => {
  const path = scratch(t);
  const comp = new Int32Array(64);
  const seen: number[] = [];
  const dev = new (nativeAddon().Device)(path, false, false, 'uring', 4, comp, (n) => {
    for (let i = 0; i < n; i++) seen.push(comp[2 * i + 1]!);
  });
  const buf = Buffer.alloc(4096, 7);
  let queued = 0;
  let busy = 0;
  for (let i = 0; i < 10; i++) {
    const r = dev.submit(2, i, buf, 0, 4096, i * 4096);
    if (r === 0) queued++;
    else if (r === -Errno.EBUSY) busy++;
  }
  t.equal(queued, dev.info().capacity, 'the ring accepts its capacity');
  t.equal(busy, 10 - queued, 'then reports EBUSY (ring full)');
  t.equal(dev.submit(2, 99, buf, 4000, 4096, 0), -Errno.EFAULT, 'C++ refuses a range outside the buffer');
  t.equal(dev.submit(9, 99, buf, 0, 4096, 0), -Errno.EINVAL, 'unknown op');
  t.equal(dev.submit(2, 99, buf, 0, 4096, 0, 8), -Errno.EINVAL, 'unknown submit flag');
  t.ok(dev.flush() >= 0);
  t.ok(dev.flush() >= 0);
  t.equal(dev.close(), true, 'close waits for the ring and closes');
  t.equal(seen.length, queued, 'every in-flight op was delivered before close returned');
  t.ok(seen.every((r) => r === 4096));
  t.equal(dev.submit(2, 0, buf, 0, 4096, 0), -Errno.EBADF);
});

t.test('raw addon: a linked pair needs room for both', async (t) => {
  const path = scratch(t);
  const comp = new Int32Array(64);
  const seen: [number, number][] = [];
  const dev = new (nativeAddon().Device)(path, false, false, 'uring', 4, comp, (n) => {
    for (let i = 0; i < n; i++) seen.push([comp[2 * i]!, comp[2 * i + 1]!]);
  });
  const cap = dev.info().capacity;
  const buf = Buffer.alloc(4096, 7);
  for (let i = 0; i < cap - 1; i++) t.equal(dev.submit(2, i, buf, 0, 4096, i * 4096), 0);
  t.equal(dev.submit(2, 10, buf, 0, 4096, 0, 1), -Errno.EBUSY, 'one free entry is not enough for a pair');
  t.ok(dev.flush() >= 0);
  t.equal(dev.close(), true);
  const dev2 = new (nativeAddon().Device)(path, false, false, 'uring', 4, comp, (n) => {
    for (let i = 0; i < n; i++) seen.push([comp[2 * i]!, comp[2 * i + 1]!]);
  });
  seen.length = 0;
  t.equal(dev2.submit(2, 1, buf, 0, 4096, 0, 1), 0, 'the write of a pair');
  t.equal(dev2.submit(2, 2, buf, 0, 4096, 0, 1), -Errno.EINVAL, 'a pair cannot start before the last one is whole');
  t.equal(dev2.submit(4, 2, null, 0, 0, 0), 0, 'its fdatasync');
  t.ok(dev2.flush() >= 0);
  t.equal(dev2.close(), true);
  t.same(seen.sort((a, b) => a[0] - b[0]), [[1, 4096], [2, 0]], 'both completed, in link order');
});

t.test('TS_CEPH_IO=pool forces the fallback', async (t) => {
  const path = scratch(t);
  const saved = process.env.TS_CEPH_IO;
  process.env.TS_CEPH_IO = 'pool';
  t.teardown(() => {
    if (saved === undefined) delete process.env.TS_CEPH_IO;
    else process.env.TS_CEPH_IO = saved;
  });
  const dev = new BlockDevice(path, { backend: 'uring' });
  t.equal(dev.backend, 'pool');
  await dev.write(Buffer.from('hello'), 3);
  const b = Buffer.alloc(5);
  await dev.read(b, 3);
  t.equal(b.toString(), 'hello');
  await dev.close();
});

t.test('BufferPool.trim: buffers of slabs beyond the first are let go; the first slab stays', async (t) => {
  const pool = new BufferPool();
  const small = pool.get(4096);
  t.equal(small.buffer, pool.firstSlab, 'small buffers come from the first (registered) slab');
  // A burst: 1 MiB buffers fill the rest of the first slab and take slabs of their own.
  const big = Array.from({ length: 4 }, () => pool.get(1 << 20));
  t.ok(big.some((b) => b.buffer !== pool.firstSlab));
  t.equal(pool.extraSlabBytes, 2 * poolSlabBytes, 'two more slabs of poolSlabBytes');
  for (const b of big) pool.put(b);
  pool.put(small);
  pool.trim();
  t.equal(pool.extraSlabBytes, 0);
  const again = Array.from({ length: 4 }, () => pool.get(1 << 20));
  t.ok(again.every((b) => !big.some((o) => o.buffer === b.buffer && o.buffer !== pool.firstSlab)), 'no buffer of a trimmed slab is handed out again');
  t.equal(pool.get(4096).buffer, pool.firstSlab, 'the first slab\'s free buffers are kept');
  t.equal(releaseFreeMemory() === undefined || typeof releaseFreeMemory() === 'boolean', true, 'malloc_trim, when the addon has it');
});

t.test('allocAligned: aligned views of node memory, cheap to collect', async (t) => {
  const b = allocAligned(8192);
  t.ok(isAligned(b), 'a fresh buffer is aligned');
  t.ok(isAligned(b.subarray(4096)), 'so is a view at a block offset');
  t.notOk(isAligned(b.subarray(512, 512 + 4096)), 'not at a sector offset');
  t.notOk(isAligned(b.subarray(0, 512)), 'nor a partial block');
  t.notOk(isAligned(Buffer.alloc(4096)), 'nor any other memory');
  t.equal(nativeAddon().alignSkip(new ArrayBuffer(64), 4096) < 4096, true, 'a skip is under one block');
  t.throws(() => nativeAddon().alignSkip(new ArrayBuffer(64), 3000), /alignment/, 'a non-power-of-two alignment is refused');
  // Large buffers allocated and dropped (a 1 MiB read each) must not each drive a full garbage
  // collection, as external posix_memalign memory did (235 mark-compacts for 4000 of 2 MiB).
  let majors = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  });
  obs.observe({ entryTypes: ['gc'] });
  const live: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) {
    const x = allocAligned(2 << 20);
    x[0] = i;
    live.push(x);
    if (live.length > 8) live.shift();
  }
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  t.ok(majors <= 20, `1000 buffers of 2 MiB: ${majors} full collections (external memory: ~60)`);
});
