// The on-device journal: ring placement (wrap to block 0, full, release), the record header and
// meta section codecs (expected bytes built by hand), replay of records that wrapped around the
// ring after an unclean stop, and transactions too large for a record.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, MemStore, NativeStore, Transaction } from '../src';
import { decodeHeader, decodeMeta, encodeHeader, encodeMeta, JournalRing, journalBlocksFor, metaBlocksOf, metaBytesOf, opBytes, RecordMeta } from '../src/blockstore/journal';
import { crashColl, makeTxn, snapshot } from './crash-gen';

t.test('ring placement', async (t) => {
  const r = new JournalRing(100, 90, 7);
  t.same(r.reserve(5), { seq: 7, block: 90 }, 'at the head');
  t.same(r.reserve(10), { seq: 8, block: 0 }, 'does not fit before the end: block 0');
  t.equal(r.usedBlocks, 20, 'the skipped end counts as used');
  t.same(r.reserve(80), { seq: 9, block: 10 }, 'up to the oldest live record');
  t.equal(r.reserve(1), undefined, 'full');
  t.equal(r.blockOf(8), 0);
  r.release(7);
  t.same(r.reserve(10), { seq: 10, block: 90 }, 'the released end of the ring is reused');
  t.equal(r.reserve(1), undefined, 'nothing fits before the end or before the oldest record');
  r.release(9);
  t.equal(r.usedBlocks, 10);
  t.equal(r.blockOf(11), 100, 'not placed yet: replay looks at the head (then at block 0)');
  t.same(r.reserve(10), { seq: 11, block: 0 });
  r.release(11);
  t.equal(r.usedBlocks, 0);
  t.equal(r.blockOf(12), 10, 'empty: replay starts at the head');
  t.equal(r.reserve(101), undefined, 'larger than the ring');
  t.same(r.reserve(100), { seq: 12, block: 0 }, 'an empty ring takes a record as large as itself');
  t.equal(journalBlocksFor(64 * 1024 * 1024), 1024, '64 MiB device: 4 MiB journal (the minimum)');
  t.equal(journalBlocksFor(1024 ** 3), 16384, '1 GiB device: 64 MiB');
  t.equal(journalBlocksFor(1024 ** 4), 65536, 'large devices: 256 MiB');
});

t.test('record header and meta codecs', async (t) => {
  const meta: RecordMeta = {
    nidMax: 2 ** 40 + 3,
    storedBytes: 12345,
    objects: 2,
    ops: [
      { type: 'put', key: Buffer.from('Okey'), value: Buffer.from([1, 2, 3]) },
      { type: 'del', key: Buffer.from('Xk') },
    ],
    allocated: [{ start: 77, count: 3 }],
    freed: [],
    deferred: [{ pblock: 2 ** 33, blocks: 2 }],
  };
  const opsBytes = meta.ops.reduce((n, op) => n + opBytes(op), 0);
  const metaBytes = metaBytesOf(opsBytes, 1, 0, 1);
  const b = Buffer.alloc(metaBlocksOf(metaBytes) * 4096);
  encodeMeta(b, meta, metaBytes);
  // Expected bytes by hand: envelope v1/compat 1/len, three u64, ops, three extent lists.
  const u64 = (v: number) => {
    const x = Buffer.alloc(8);
    x.writeBigUInt64LE(BigInt(v));
    return x;
  };
  const u32 = (v: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt32LE(v);
    return x;
  };
  const body = Buffer.concat([
    u64(2 ** 40 + 3), u64(12345), u64(2),
    u32(2), Buffer.from([1]), u32(4), Buffer.from('Okey'), u32(3), Buffer.from([1, 2, 3]), Buffer.from([0]), u32(2), Buffer.from('Xk'),
    u32(1), u64(77), u32(3), u32(0), u32(1), u64(2 ** 33), u32(2),
  ]);
  t.same(b.subarray(64, 64 + metaBytes), Buffer.concat([Buffer.from([1, 1]), u32(body.length), body]));
  t.same(decodeMeta(b.subarray(64, 64 + metaBytes)), meta);
  const hdr = { journalId: 2 ** 47 + 9, generation: 3, seq: 2 ** 35, blocks: 4, metaBytes, dataBlocks: 2, bodyCrc: 0xdeadbeef };
  encodeHeader(b, hdr);
  t.same(b.subarray(0, 8).toString('latin1'), 'tsjournl');
  t.same(decodeHeader(b), hdr);
  for (const at of [0, 12, 24, 48, 61]) {
    const c = Buffer.from(b.subarray(0, 4096));
    c[at]! ^= 0x40;
    t.equal(decodeHeader(c), undefined, `a flipped bit at ${at} makes no header`);
  }
});

const C = collPG(1, 0);

async function fresh(t: { teardown(fn: () => void): void }, deviceBytes: number): Promise<{ opts: { path: string; deviceBytes: number }; store: NativeStore }> {
  const dir = tempDir('ts-journal-');
  t.teardown(dir.cleanup);
  const opts = { path: join(dir.path, 'osd'), deviceBytes };
  const store = new NativeStore(opts);
  await store.mkfs();
  await store.mount();
  return { opts, store };
}

t.test('records that wrapped around the ring replay after an unclean stop', async (t) => {
  const f = await fresh(t, 16 * 1024 * 1024);
  const opts = f.opts;
  let store = f.store;
  await store.queueTransaction(new Transaction().createCollection(crashColl));
  const model = new MemStore();
  await model.mkfs();
  await model.mount();
  await model.queueTransaction(new Transaction().createCollection(crashColl));
  let wrapped = 0;
  let id = 0;
  for (let round = 0; round < 3; round++) {
    // Run until the records not yet checkpointed straddle the end of the ring, then stop uncleanly.
    for (let n = 0; n < 3000; n++) {
      const txn = makeTxn(round + 11, id++);
      await Promise.all([store.queueTransaction(txn), model.queueTransaction(makeTxn(round + 11, id - 1))]);
      const live = store.journalRecords();
      if (live.some((r, i) => i > 0 && r.offset < live[i - 1]!.offset)) {
        wrapped++;
        break;
      }
    }
    await store.abandon();
    store = new NativeStore(opts);
    await store.mount();
    t.equal(await snapshot(store), await snapshot(model), `round ${round}: every transaction present after replay`);
    t.equal((await store.fsck(true)).errors, 0, 'fsck clean');
  }
  t.equal(wrapped, 3, 'each round stopped with wrapped records');
  await store.umount();
});

t.test('transactions too large for a journal record', async (t) => {
  const { opts, store } = await fresh(t, 16 * 1024 * 1024);
  const o = ghobject({ name: 'big' });
  const base = randomBytes(2 * 1024 * 1024);
  await store.queueTransaction(new Transaction().createCollection(C).write(C, o, 0, base));
  const expect = Buffer.from(base);
  // 200 small overwrites in one transaction: more than its journal budget carries in place.
  const t1 = new Transaction();
  for (let i = 0; i < 200; i++) {
    const d = randomBytes(4096);
    t1.write(C, o, i * 8192, d);
    d.copy(expect, i * 8192);
  }
  await store.queueTransaction(t1);
  t.same(await store.read(C, o, 0, 0), expect, 'overwrites beyond the budget went to new blocks');
  // Omap larger than a record (a quarter of the 4 MiB ring), with small overwrites in the same
  // transaction: committed without a record, its overwrites turned into new blocks.
  const t2 = new Transaction().omapSetKeys(C, o, new Map([['a', randomBytes(700 * 1024)], ['b', randomBytes(700 * 1024)]]));
  const small = randomBytes(100);
  t2.write(C, o, 4096 * 3 + 7, small);
  small.copy(expect, 4096 * 3 + 7);
  const queued = [store.queueTransaction(t2), store.queueTransaction(new Transaction().setattr(C, o, 'after', Buffer.from('x')))];
  await Promise.all(queued);
  t.same(await store.read(C, o, 0, 0), expect);
  await store.umount();
  const s2 = new NativeStore(opts);
  await s2.mount();
  t.same(await s2.read(C, o, 0, 0), expect, 'durable across remount');
  t.same([...(await s2.omapGet(C, o)).values.keys()], ['a', 'b']);
  t.same(await s2.getattr(C, o, 'after'), Buffer.from('x'), 'the next transaction committed after it');
  t.equal((await s2.fsck(true)).errors, 0, 'fsck clean');
  await s2.umount();
});

t.test('space freed by overwrites comes back in time (held until a checkpoint)', async (t) => {
  // 12 MiB for data on this device; an 8 MiB object rewritten in 1 MiB pieces frees 1 MiB each
  // time, reusable only after a checkpoint.
  const { store } = await fresh(t, 16 * 1024 * 1024);
  const o = ghobject({ name: 'rewritten' });
  await store.queueTransaction(new Transaction().createCollection(C).write(C, o, 0, randomBytes(8 << 20)));
  const last = randomBytes(1 << 20);
  for (let i = 0; i < 64; i++) await store.queueTransaction(new Transaction().write(C, o, (i % 8) << 20, i === 63 ? last : randomBytes(1 << 20)));
  t.same(await store.read(C, o, 7 << 20, 1 << 20), last);
  t.equal((await store.fsck(false)).errors, 0);
  await store.umount();
});

// Regression (found by the crash test): the record of a batch was written while the batch's
// new-block writes were still in flight, so a kill -9 between the two left a record on the device
// whose data was not, and replay applied a half-written transaction (a checksum mismatch on read).
// Both ways of writing a record (record-write.ts): through the ring, and on the JS thread.
for (const [recordWrite, recordCall] of [['ring', 'writeAndSync'], ['sync', 'writeDsyncNow']] as const) {
  t.test(`${recordWrite}: a batch's record is written only after its new-block writes have completed and been flushed`, async (t) => {
    const dir = tempDir('ts-order-');
    t.teardown(dir.cleanup);
    const store = new NativeStore({ path: join(dir.path, 'osd'), deviceBytes: 64 * 1024 * 1024, recordWrite });
    await store.mkfs();
    await store.mount();
    const coll = collPG(3, 1);
    await store.queueTransaction(new Transaction().createCollection(coll));
    const dev = store.io.dev;
    const journalEnd = store.io.dataOffset + (store.sb.journalStart + store.sb.journalBlocks) * 4096;
    const events: string[] = [];
    const write = dev.write.bind(dev);
    const writeAndSync = dev.writeAndSync.bind(dev);
    const slow = (buf: Uint8Array, offset: number, f: (b: Uint8Array, o: number) => Promise<void>, name: string) => async (): Promise<void> => {
      const data = offset >= journalEnd;
      if (data) events.push(`${name} data start`);
      // New-block data is slow to land; the record would overtake it.
      if (data) await new Promise((r) => setTimeout(r, 150));
      await f(buf, offset);
      events.push(data ? `${name} data done` : `${name} record`);
    };
    const fdatasync = dev.fdatasync.bind(dev);
    dev.write = (buf, offset) => slow(buf, offset, write, 'write')();
    dev.writeAndSync = (buf, offset) => slow(buf, offset, writeAndSync, 'writeAndSync')();
    const writeDsyncNow = dev.writeDsyncNow.bind(dev);
    dev.writeDsyncNow = (buf, offset) => {
      writeDsyncNow(buf, offset);
      events.push(offset >= journalEnd ? 'writeDsyncNow data done' : 'writeDsyncNow record');
    };
    dev.fdatasync = async () => {
      await fdatasync();
      events.push('flush');
    };
    const oid = ghobject({ pool: 3, name: 'big', hash: 1 });
    await store.queueTransaction(new Transaction().write(coll, oid, 0, randomBytes(256 * 1024)));
    const record = events.findIndex((e) => e.endsWith('record'));
    const lastData = events.map((e) => e.endsWith('data done')).lastIndexOf(true);
    t.ok(record > lastData && lastData >= 0, `the record follows the data: ${events.join(', ')}`);
    // Power loss: a device cache may write the record before data not yet flushed.
    t.ok(events.slice(lastData, record).includes('flush'), 'the data is flushed before the record is written');
    // A batch with no new blocks (an overwrite through the journal) needs one flush only.
    events.length = 0;
    await store.queueTransaction(new Transaction().write(coll, oid, 4096, randomBytes(4096)));
    t.same(events, [`${recordCall} record`], `an in-place overwrite: record and flush in one call (${events.join(', ')})`);
    dev.write = write;
    dev.writeAndSync = writeAndSync;
    dev.writeDsyncNow = writeDsyncNow;
    dev.fdatasync = fdatasync;
    await store.umount();
  });
}
