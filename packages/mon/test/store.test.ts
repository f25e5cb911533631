/**
 * The monitor store: MonitorDBStore::Transaction against Ceph's corpus, the in-memory mirror over a
 * durable backend (LevelDB and memory), and the paxos commit step.
 */
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { Level } from 'level';
import { Reader, Writer, stringFromBytes } from '@ts-ceph/denc';
import { tempDir } from '@ts-ceph/testkit';
import { StoreTransaction, decodeStoreTransaction, encodeStoreTransaction, storeTxnFromBuffer, storeTxnToBuffer, StoreOp, decodeStoreOp, encodeStoreOp } from '../src/core/store-txn';
import { MemoryKV } from '../src/store/kv';
import { LevelKV } from '../src/store/level-kv';
import { MonitorDBStore } from '../src/store/mon-store';
import { Paxos, paxosLimits } from '../src/core/paxos';

const corpus = (v: string, type: string) => join(sharedDir(), 'ceph-object-corpus', v, 'objects', type);

t.test('MonitorDBStore::Transaction: Ceph samples decode and re-encode byte-identically', async (t) => {
  // The generate_test_instances transaction (put, erase, erase_range, compact_prefix, compact_range),
  // as encoded by Ceph 19.2 (same struct version 2 as 16.2), plus the empty transaction from 16.2.
  const full = readFileSync(join(corpus('19.2.0', 'MonitorDBStore::Transaction'), 'cd4d10bbf5811d550e31bc0a3c9dd8ca'));
  const txn = storeTxnFromBuffer(full);
  t.same(
    txn.ops.map((o) => [o.type, o.prefix, o.key, o.endkey, o.bl.toString()]),
    [
      [StoreOp.PUT, 'prefix', 'key', '', 'value'],
      [StoreOp.ERASE, 'prefix2', 'key2', '', ''],
      [StoreOp.ERASE_RANGE, 'prefix3', 'key3', 'key4', ''],
      [StoreOp.COMPACT, 'prefix3', '', '', ''],
      [StoreOp.COMPACT, 'prefix4', 'from', 'to', ''],
    ],
  );
  t.ok(storeTxnToBuffer(txn).equals(full), 're-encodes identically');
  // Our builder reproduces Ceph's byte accounting (bytes/keys are part of the encoding).
  const mine = new StoreTransaction().put('prefix', 'key', Buffer.from('value')).erase('prefix2', 'key2').eraseRange('prefix3', 'key3', 'key4').compactPrefix('prefix3').compactRange('prefix4', 'from', 'to');
  t.ok(storeTxnToBuffer(mine).equals(full), 'built transaction encodes as Ceph does');
  const empty = readFileSync(join(corpus('16.2.0', 'MonitorDBStore::Transaction'), '614b1f5ca2cc0003b0b539b2d634695b'));
  t.ok(storeTxnToBuffer(new StoreTransaction()).equals(empty), 'empty transaction');
  for (const f of readdirSync(corpus('16.2.0', 'MonitorDBStore::Op'))) {
    const b = readFileSync(join(corpus('16.2.0', 'MonitorDBStore::Op'), f));
    const w = new Writer();
    const r = new Reader(b);
    encodeStoreOp(w, decodeStoreOp(r));
    t.equal(r.remaining(), 0);
    t.ok(w.finish().equals(b), `Op sample ${f} round-trips`);
  }
});

t.test('truncated transactions fail with a DencError at every cut', async (t) => {
  const w = new Writer();
  encodeStoreTransaction(w, new StoreTransaction().put('osdmap', 'full_1', Buffer.alloc(40, 7)).erase('a', 'b'));
  const b = w.finish();
  for (let i = 0; i < b.length; i++) t.throws(() => decodeStoreTransaction(new Reader(b.subarray(0, i))), { name: 'DencError' });
});

async function exerciseStore(t: Test, open: () => Promise<MonitorDBStore>): Promise<void> {
  let s = await open();
  await s.apply(new StoreTransaction().put('a', 'k1', Buffer.from('v1')).put('a', 'k2', Buffer.from('v2')).put('b', 'x', Buffer.from('y')));
  t.equal(s.get('a', 'k1')?.toString(), 'v1');
  await s.apply(new StoreTransaction().eraseRange('a', 'k1', 'k2').putVersion('a', 'last_committed', 42));
  t.equal(s.get('a', 'k1'), undefined, 'erase_range removes [start, end)');
  t.equal(s.get('a', 'k2')?.toString(), 'v2', 'end key kept');
  t.same(s.keys('a'), ['k2', 'last_committed']);
  await s.close();
  s = await open();
  t.equal(s.getVersion('a', 'last_committed'), 42, 'survives reopen');
  t.equal(s.get('b', 'x')?.toString(), 'y');
  await s.close();
}

t.test('MonitorDBStore over memory and LevelDB', async (t) => {
  const mem = new MemoryKV();
  await exerciseStore(t, () => MonitorDBStore.open(mem));
  const dir = tempDir('ts-mon-store-');
  t.teardown(dir.cleanup);
  await exerciseStore(t, async () => MonitorDBStore.open(await LevelKV.open(join(dir.path, 'store.db'), { createIfMissing: true })));
});

t.test('a failed write leaves the mirror unchanged', async (t) => {
  const mem = new MemoryKV();
  const s = await MonitorDBStore.open(mem);
  mem.failNextWrite = new Error('injected EIO');
  await t.rejects(s.apply(new StoreTransaction().put('a', 'k', Buffer.from('v'))));
  t.equal(s.get('a', 'k'), undefined);
  await s.apply(new StoreTransaction().put('a', 'k', Buffer.from('w')));
  t.equal(s.get('a', 'k')?.toString(), 'w', 'the next write works');
});

t.test('a second open of a LevelDB store is refused with EBUSY', async (t) => {
  const dir = tempDir('ts-mon-store-');
  t.teardown(dir.cleanup);
  const p = join(dir.path, 'store.db');
  const a = await LevelKV.open(p, { createIfMissing: true });
  await t.rejects(LevelKV.open(p, { createIfMissing: false }), { code: 'EBUSY' });
  await a.close();
  await t.rejects(LevelKV.open(join(dir.path, 'nope'), { createIfMissing: false }), { code: 'ENOENT' });
});

t.test('key names that are not UTF-8 (a config-key name may hold any bytes) survive LevelDB, in byte order', async (t) => {
  const dir = tempDir('ts-mon-store-');
  t.teardown(dir.cleanup);
  const p = join(dir.path, 'store.db');
  // A store written with LevelDB's utf8 key encoding (before keys were stored as their bytes).
  const old = new Level<string, Buffer>(p, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await old.put('config-key\u0000caf\u00e9', Buffer.from('old'));
  await old.close();
  const bin = stringFromBytes(Buffer.from('ff80', 'hex'));
  const s = await MonitorDBStore.open(await LevelKV.open(p, { createIfMissing: false }));
  t.equal(s.get('config-key', 'caf\u00e9')?.toString(), 'old', 'a UTF-8 key written before reads the same');
  await s.apply(new StoreTransaction().put('config-key', bin, Buffer.from('b')).put('config-key', '\ue000', Buffer.from('e')));
  await s.close();
  const raw = new Level<Buffer, Buffer>(p, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  const keys: string[] = [];
  for await (const k of raw.keys()) keys.push(k.toString('hex'));
  await raw.close();
  t.ok(keys.includes(Buffer.from('config-key\u0000').toString('hex') + 'ff80'), `the key is stored as its bytes (${keys.join(' ')})`);
  const again = await MonitorDBStore.open(await LevelKV.open(p, { createIfMissing: false }));
  t.teardown(() => again.close());
  t.equal(again.get('config-key', bin)?.toString(), 'b', 'read back after a reopen');
  // Byte order: 'caf' c3 a9 < U+E000 (ee 80 80) < ff 80; UTF-16 order puts ff 80 (U+DCFF U+DC80) before U+E000.
  t.same(again.keys('config-key'), ['caf\u00e9', '\ue000', bin], 'listed in byte order');
});

t.test('paxos: versions, stored values, trimming', async (t) => {
  const s = await MonitorDBStore.open(new MemoryKV());
  const px = new Paxos(s);
  for (let i = 1; i <= paxosLimits.paxosVersionsKeptMax + 3; i++) {
    const p = px.propose(new StoreTransaction().put('svc', i, Buffer.from(`v${i}`)));
    t.equal(p.version, i);
    await s.apply(p.commitTxn);
    px.committed(p.version);
  }
  t.equal(px.lastCommitted, paxosLimits.paxosVersionsKeptMax + 3);
  t.equal(px.firstCommitted, 4, 'oldest values trimmed');
  t.notOk(s.exists('paxos', 3));
  const stored = storeTxnFromBuffer(s.get('paxos', 4)!);
  t.equal(stored.ops[0]!.bl.toString(), 'v4', 'paxos/<v> holds the proposed transaction');
  t.throws(() => {
    px.propose(new StoreTransaction());
    px.propose(new StoreTransaction());
  }, /in flight/);
});
