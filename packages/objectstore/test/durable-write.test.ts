// Durable single writes (RWF_DSYNC) on both backends: through the ring or pool (writeDsync) and on
// the JS thread (writeDsyncNow), their bytes on disk, counts, injected and real errors, bounds in
// the addon; the RecordWriter's choice between its ways; and a store committing through each way
// (a lone commit on the JS thread, a group through the ring) that reads everything back after a
// remount.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { Errno } from '@ts-ceph/common';
import { BlockDevice, BufferPool, collPG, ghobject, IoOp, NativeStore, nativeAddon, Transaction } from '../src';
import { RecordWriter, syncRecordBytesMax } from '../src/blockstore/record-write';
import { scratchDevice } from './scratch';

const fileBytes = 4 * 1024 * 1024;

const scratch = (t: { teardown(fn: () => void): void }): string => scratchDevice(t, fileBytes);

for (const backend of ['uring', 'pool'] as const) {
  t.test(`${backend}: writeDsync and writeDsyncNow put the bytes on disk`, async (t) => {
    const path = scratch(t);
    const dev = new BlockDevice(path, { direct: true, backend });
    const pool = new BufferPool();
    const a = pool.get(8192);
    const b = pool.get(8192);
    a.set(randomBytes(8192));
    b.set(randomBytes(8192));
    await dev.writeDsync(a, 8192);
    dev.writeDsyncNow(b, 3 * 8192);
    t.same(dev.counts, { reads: 0, writes: 2, flushes: 2 }, 'each is a write and a flush');
    t.ok(dev.hasWriteSync, 'this addon has writeSync');
    const raw = readFileSync(path);
    t.same(raw.subarray(8192, 16384), Buffer.from(a), 'the queued durable write');
    t.same(raw.subarray(3 * 8192, 4 * 8192), Buffer.from(b), 'the synchronous durable write');
    // O_DIRECT rules are checked in TypeScript, before the addon.
    t.throws(() => dev.writeDsyncNow(Buffer.alloc(4096), 0), { code: 'EINVAL', message: /aligned/ });
    t.throws(() => dev.writeDsyncNow(a, 100), { code: 'EINVAL', message: /offset/ });
    // Injected failures reach both ways with the errno.
    dev.setFault(1, Errno.EIO, 2);
    t.throws(() => dev.writeDsyncNow(a, 0), { code: 'EIO', errno: Errno.EIO });
    await t.rejects(dev.writeDsync(a, 0), { code: 'EIO', errno: Errno.EIO });
    dev.setFault(0, 0);
    await dev.close();
    t.throws(() => dev.writeDsyncNow(a, 0), { code: 'EBADF' });
    await t.rejects(dev.writeDsync(a, 0), { code: 'EBADF' });
    // A read-only device: the kernel's EBADF, from the ring, the pool and the JS thread alike.
    const ro = new BlockDevice(path, { backend, readonly: true });
    t.throws(() => ro.writeDsyncNow(Buffer.alloc(512), 0), { code: 'EBADF' });
    await t.rejects(ro.writeDsync(Buffer.alloc(512), 0), { code: 'EBADF' });
    await ro.close();
  });
}

t.test('raw addon: writeSync and OP_WRITE_DSYNC check their bounds', async (t) => {
  const path = scratch(t);
  const comp = new Int32Array(128);
  const dev = new (nativeAddon().Device)(path, false, false, 'auto', 8, comp, () => undefined);
  const buf = Buffer.alloc(1024, 7);
  t.equal(dev.writeSync(buf, 0, 1024, 4096), 1024, 'the byte count');
  t.equal(dev.writeSync(buf, 512, 1024, 0), -Errno.EFAULT, 'past the end of the buffer');
  t.equal(dev.writeSync(buf, 0, 0, 0), -Errno.EFAULT, 'zero length');
  t.equal(dev.writeSync(buf, 0, 16, -1), -Errno.EINVAL, 'a negative offset');
  t.equal(dev.submit(IoOp.WRITE_DSYNC, 0, null, 0, 16, 0, 0), -Errno.EINVAL, 'a write without a buffer');
  t.equal(dev.submit(IoOp.WRITE_DSYNC, 0, buf, 1000, 100, 0, 0), -Errno.EFAULT, 'a range past the buffer');
  t.same(readFileSync(path).subarray(4096, 5120), buf, 'writeSync wrote');
  t.equal(dev.close(), true);
  t.equal(dev.writeSync(buf, 0, 16, 0), -Errno.EBADF, 'closed');
});

t.test('RecordWriter: the JS thread only for a lone, small commit on an idle store', async (t) => {
  const dev = { hasWriteSync: true } as BlockDevice;
  const auto = new RecordWriter(dev, 'auto');
  t.ok(auto.chooseSync(true, 8192, 0), 'lone, small, nothing before it');
  t.notOk(auto.chooseSync(false, 8192, 0), 'a batch of several transactions, or more queued');
  t.notOk(auto.chooseSync(true, syncRecordBytesMax + 4096, 0), 'a large record');
  // Back to back: the last record ended 1 ms ago and took 2 ms (set as write() would).
  Object.assign(auto, { lastEnd: 100, lastMs: 2 });
  t.notOk(auto.chooseSync(true, 8192, 101), 'commits following one another closely');
  t.ok(auto.chooseSync(true, 8192, 102), 'idle for as long as the last record took');
  t.ok(new RecordWriter(dev, 'sync').chooseSync(false, 1 << 20, 0), "'sync' always");
  t.notOk(new RecordWriter(dev, 'ring').chooseSync(true, 8192, 1e9), "'ring' never");
  // An addon built before writeSync: every record through the ring, whatever the mode.
  const stale = { hasWriteSync: false } as BlockDevice;
  t.notOk(new RecordWriter(stale, 'auto').chooseSync(true, 8192, 0), 'auto with a stale addon');
  t.notOk(new RecordWriter(stale, 'sync').chooseSync(true, 8192, 0), 'sync with a stale addon');
});

const C = collPG(3, 0);
const oid = (i: number) => ghobject({ pool: 3, name: `obj${i}`, hash: i * 7919 });

for (const backend of ['uring', 'pool'] as const) {
  t.test(`${backend}: a store commits lone writes on the JS thread and groups through the ring`, async (t) => {
    const dir = tempDir('ts-durable-write-');
    t.teardown(() => dir.cleanup());
    const opts = { path: join(dir.path, 'osd'), deviceBytes: 64 << 20, backend };
    let store = new NativeStore(opts);
    await store.mkfs();
    await store.mount();
    await store.queueTransaction(new Transaction().createCollection(C));
    const data = Array.from({ length: 40 }, () => randomBytes(4096));
    const before = { ...store.pipeline.records.counts };
    // One at a time, with a pause: each is a lone commit on an idle store.
    for (let i = 0; i < 4; i++) {
      // Idle for longer than the last record took.
      await new Promise((r) => setTimeout(r, store.pipeline.records.lastRecordMs + 2));
      await store.queueTransaction(new Transaction().write(C, oid(i), 0, data[i]!));
    }
    t.equal(store.pipeline.records.counts.sync - before.sync, 4, 'four lone commits on the JS thread');
    // 36 at once: one turn, gathered into a group (or a few), written through the backend.
    const ring = store.pipeline.records.counts.ring;
    await Promise.all(data.slice(4).map((d, k) => store.queueTransaction(new Transaction().write(C, oid(4 + k), 0, d))));
    t.ok(store.pipeline.records.counts.ring > ring, 'the group went through the ring or pool');
    await store.umount();
    store = new NativeStore(opts);
    await store.mount();
    for (let i = 0; i < data.length; i++) t.same(await store.read(C, oid(i), 0, 4096), data[i], `object ${i} after remount`);
    await store.umount();
  });
}
