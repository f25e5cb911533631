import t from 'tap';
import { DencError } from '@ts-ceph/denc';
import { CephError } from '@ts-ceph/common';
import { Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { PeerMessage, decodePeerMessage, decodePeerWire, encodePeerMessage, encodePeerWire } from '../src/core/peering/messages';
import { decodeOid, decodeTransaction, encodeOid, encodeTransaction } from '../src/core/peering/txn-codec';

const c = collPG(1, 3);
const o = ghobject({ pool: 1, name: 'obj', hash: 0x1234abcb, nspace: 'ns', key: 'k' });
const n = ghobject({ pool: 1, name: 'clone', hash: 0x1234abcb, snap: 4n });

function everyOp(): Transaction {
  return new Transaction()
    .nop()
    .createCollection(c, 3)
    .collectionSetBits(c, 4)
    .touch(c, o)
    .write(c, o, 5, Buffer.from('hello'))
    .zero(c, o, 1, 2)
    .truncate(c, o, 9)
    .setattrs(c, o, new Map([['_', Buffer.from([1, 2])], ['snapset', Buffer.alloc(0)]]))
    .rmattr(c, o, '_x')
    .rmattrs(c, o)
    .clone(c, o, n)
    .cloneRange(c, o, n, 0, 3, 7)
    .omapClear(c, o)
    .omapSetKeys(c, o, new Map([['a', Buffer.from('1')]]))
    .omapRmKeys(c, o, ['a', 'b'])
    .omapRmKeyRange(c, o, 'a', 'z')
    .omapSetHeader(c, o, Buffer.from('hdr'))
    .setAllocHint(c, o, 4096, 512, 1)
    .tryRename(c, o, n)
    .collectionMoveRename(c, o, collPG(1, 4), n)
    .remove(c, o)
    .removeCollection(c);
}

t.test('transaction op list: every op round-trips', async (t) => {
  const tx = everyOp();
  const enc = encodeTransaction(tx);
  const back = decodeTransaction(enc.ops, enc.data);
  t.same(back.ops, tx.ops);
  t.equal(back.dataBytes, tx.dataBytes);
});

t.test('transaction op list: a WRITE carries its length, its bytes travel beside the ops as the caller\'s buffers', async (t) => {
  const a = Buffer.from('hello');
  const b = Buffer.from('world!');
  const enc = encodeTransaction(new Transaction().write(c, o, 5, a).write(c, n, 0x10000, b));
  // Each WRITE ends with le64 offset and le32 length; the bytes themselves are not in the op list.
  const writeTail = (off: number[], len: number) => Buffer.from([...off, len, 0, 0, 0]);
  t.ok(enc.ops.subarray(enc.ops.length - 12).equals(writeTail([0, 0, 1, 0, 0, 0, 0, 0], 6)), 'second WRITE: offset 0x10000, length 6');
  t.equal(enc.ops.indexOf('hello'), -1, 'the data is not copied into the op list');
  t.equal(enc.data.length, 2, 'one data buffer per WRITE');
  t.ok(enc.data[0] === a && enc.data[1] === b, 'the very buffers the transaction held (no copy)');
  // As the messenger delivers them: one segment; each write is a view of it.
  const seg = Buffer.concat([a, b]);
  const back = decodeTransaction(enc.ops, [seg]);
  const datas = back.ops.map((op) => ('data' in op ? (op.data as Buffer) : undefined)).filter((d) => d !== undefined);
  t.same(datas.map(String), ['hello', 'world!']);
  t.ok(datas.every((d) => d.buffer === seg.buffer), 'both writes are views of the received segment');
  t.same(datas.map((d) => d.byteOffset - seg.byteOffset), [0, 5], 'at their offsets in it');
  // Buffers cut elsewhere than at write boundaries still decode (joined where a write straddles).
  t.same(decodeTransaction(enc.ops, [seg.subarray(0, 3), seg.subarray(3, 8), seg.subarray(8)]).ops, back.ops, 'split at other boundaries');
  t.throws(() => decodeTransaction(enc.ops, [seg.subarray(0, 10)]), /write data ends 1 bytes short/, 'data short');
  t.throws(() => decodeTransaction(enc.ops, [seg, Buffer.from('x')]), /1 bytes of write data no op claims/, 'data left over');
  t.throws(() => decodeTransaction(enc.ops), DencError, 'no data at all');
});

t.test('transaction op list: bytes built by hand (NOP, MKCOLL)', async (t) => {
  const want = Buffer.concat([
    Buffer.from([2, 0, 0, 0]), // two ops
    Buffer.from([0, 0, 0, 0]), // NOP
    Buffer.from([20, 0, 0, 0]), // MKCOLL
    Buffer.from([1]), // coll type pg
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), // pool 1
    Buffer.from([3, 0, 0, 0]), // seed 3
    Buffer.from([0xff]), // NO_SHARD
    Buffer.from([5, 0, 0, 0]), // bits
  ]);
  t.same(encodeTransaction(new Transaction().nop().createCollection(c, 5)), { ops: want, data: [] });
  t.same(decodeTransaction(want).ops, [{ op: 0 }, { op: 20, cid: c, bits: 5 }]);
});

t.test('transaction op list: every truncation is refused, never half-decoded', async (t) => {
  const { ops: b, data } = encodeTransaction(everyOp());
  for (let i = 0; i < b.length; i++) t.throws(() => decodeTransaction(b.subarray(0, i), data), DencError, `prefix of ${i} bytes`);
  t.throws(() => decodeTransaction(Buffer.concat([b, Buffer.from([0])]), data), DencError, 'trailing byte');
});

t.test('transaction op list: unknown op codes and counts over txnOpsMax are refused', async (t) => {
  t.throws(() => decodeTransaction(Buffer.from([1, 0, 0, 0, 99, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0xff])), /not one we carry/);
  t.throws(() => decodeTransaction(Buffer.from([0xff, 0xff, 0xff, 0xff])), /txnOpsMax/);
});

t.test('a skipped op stays out of the encoding (the primary strips its own PG-log ops)', async (t) => {
  const tx = new Transaction().touch(c, o).omapSetKeys(c, n, new Map([['k', Buffer.from('v')]]));
  const back = decodeTransaction(encodeTransaction(tx, (op) => 'oid' in op && op.oid.name === 'clone').ops);
  t.same(back.ops, [tx.ops[0]]);
});

t.test('ghobject_t alone round-trips', async (t) => {
  t.same(decodeOid(encodeOid(o)), o);
  t.same(decodeOid(encodeOid(n)), n);
});

const everyTxn = encodeTransaction(everyOp());
const samples: PeerMessage[] = [
  { type: 'query', pgid: [1, 3], interval: 7 },
  { type: 'notify', pgid: [1, 3], interval: 7, info: Buffer.from([1, 2, 3]) },
  { type: 'get_log', pgid: [1, 3], interval: 7, full: true },
  { type: 'log', pgid: [1, 3], interval: 7, info: Buffer.from([1]), entries: [Buffer.from([2]), Buffer.from([3])], dups: [Buffer.from([5])], objects: [[encodeOid(o), [7, 12]]] },
  { type: 'activate', pgid: [1, 3], interval: 7, info: Buffer.from([1]), entries: [], dups: [], objects: [] },
  { type: 'activated', pgid: [1, 3], interval: 7, missing: [[encodeOid(o), [7, 12], false]] },
  { type: 'repop', pgid: [1, 3], interval: 7, tid: 9, prev: [7, 11], entries: [Buffer.from([4])], txn: everyTxn.ops, data: everyTxn.data },
  { type: 'repop_reply', pgid: [1, 3], interval: 7, tid: 9, version: [7, 12] },
  { type: 'pull', pgid: [1, 3], interval: 7, oid: encodeOid(o), need: [7, 12] },
  { type: 'push', pgid: [1, 3], interval: 7, oid: encodeOid(o), version: [7, 12], exists: true, data: Buffer.from('d'), attrs: [['_', Buffer.from([1])]], omapHeader: Buffer.alloc(0), omap: [['k', Buffer.from('v')]] },
  { type: 'push_reply', pgid: [1, 3], interval: 7, oid: encodeOid(o), version: [7, 12] },
  { type: 'scrub_req', pgid: [1, 3], interval: 7, tid: 4, deep: true, oids: [encodeOid(o)] },
  { type: 'scrub_map', pgid: [1, 3], interval: 7, tid: 4, objects: [[encodeOid(o), 3, [['_', Buffer.from([1])]], 0xffffffff, -1, false], [encodeOid(o), -1, [], -1, -1, true]] },
  { type: 'repair_pull', pgid: [1, 3], interval: 7, oid: encodeOid(o), to: [0, 2] },
  { type: 'repair_push', pgid: [1, 3], interval: 7, oid: encodeOid(o), version: [7, 12], exists: true, data: Buffer.from('d'), attrs: [], omapHeader: Buffer.alloc(0), omap: [] },
  { type: 'repair_reply', pgid: [1, 3], interval: 7, oid: encodeOid(o) },
  { type: 'info', pgid: [1, 3], interval: 7, seq: 2, info: Buffer.from([1, 2]) },
  { type: 'info_ack', pgid: [1, 3], interval: 7, seq: 2 },
];

t.test('peer messages: every type round-trips', async (t) => {
  for (const m of samples) t.same(decodePeerMessage(encodePeerMessage(m)), m, m.type);
});

t.test('peer messages on the wire: a repop\'s write data is the data segment, every other type has none', async (t) => {
  for (const m of samples) {
    const w = encodePeerWire(m);
    if (m.type !== 'repop') {
      t.equal(w.data.length, 0, `${m.type}: no data segment`);
      t.same(decodePeerWire(w.body, w.data), m, `${m.type} round-trips`);
      continue;
    }
    t.equal(w.data, everyTxn.data[0], 'repop: its one data buffer is the segment itself');
    t.equal(w.body.indexOf('hello'), -1, 'and is not in the packed body');
    const back = decodePeerWire(w.body, w.data);
    t.same(back, m, 'repop round-trips');
    t.equal((back as { data: Buffer[] }).data[0], w.data, 'the decoded data is the received segment');
  }
  const two = encodeTransaction(new Transaction().write(c, o, 0, Buffer.from('ab')).write(c, o, 9, Buffer.from('cd')));
  const repop: PeerMessage = { type: 'repop', pgid: [1, 3], interval: 7, tid: 1, prev: [7, 1], entries: [Buffer.from([4])], txn: two.ops, data: two.data };
  const w = encodePeerWire(repop);
  t.equal(w.data.toString(), 'abcd', 'several writes: their bytes joined into one segment, in op order');
  const back = decodePeerWire(w.body, w.data);
  t.same(decodeTransaction((back as { txn: Buffer }).txn, (back as { data: Buffer[] }).data).ops, new Transaction().write(c, o, 0, Buffer.from('ab')).write(c, o, 9, Buffer.from('cd')).ops, 'and split again by the op list');
  const empty = encodePeerWire({ ...repop, txn: encodeTransaction(new Transaction().touch(c, o)).ops, data: [] });
  t.same((decodePeerWire(empty.body, empty.data) as { data: Buffer[] }).data, [], 'a repop without writes: no data');
  t.throws(() => decodePeerWire(encodePeerWire(samples[0]!).body, Buffer.from('x')), /query: 1 bytes of data segment/, 'data beside a type without any is EINVAL');
  t.throws(() => decodePeerWire(encodePeerMessage(repop), Buffer.alloc(0)), /data must travel in the data segment/, 'a repop body carrying data is EINVAL');
});

t.test('peer messages: malformed payloads are EINVAL naming the rule', async (t) => {
  const bad = (m: unknown, re: RegExp, what: string): void => {
    let err: unknown;
    try {
      decodePeerMessage(encodePeerMessage(m as PeerMessage));
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof CephError && err.code === 'EINVAL' && re.test(err.message), `${what}: ${String(err)}`);
  };
  bad({ type: 'nope', pgid: [1, 3], interval: 7 }, /type nope unknown/, 'unknown type');
  bad({ type: 'notify', pgid: [1, 3], interval: 7 }, /field info/, 'missing field');
  bad({ type: 'query', pgid: [1, 3], interval: 7, extra: 1 }, /unknown field extra/, 'extra field');
  bad({ type: 'query', pgid: [1], interval: 7 }, /bad pgid/, 'short pgid');
  bad({ type: 'query', pgid: [1, 3], interval: -1 }, /bad pgid or interval/, 'negative interval');
  bad({ type: 'repop_reply', pgid: [1, 3], interval: 7, tid: 1, version: [1, -2] }, /field version/, 'negative version');
  bad({ type: 'scrub_map', pgid: [1, 3], interval: 7, tid: 1, objects: [[Buffer.alloc(1), 1, [], -2, -1, false]] }, /field objects/, 'a digest below -1');
  bad({ type: 'repair_pull', pgid: [1, 3], interval: 7, oid: Buffer.alloc(1), to: Array(17).fill(1) }, /field to/, 'over repairTargetsMax');
  bad([1, 2], /not a map/, 'an array');
  t.throws(() => decodePeerMessage(Buffer.from([0x81])), /not msgpack/, 'a map cut short');
  const whole = encodePeerMessage(samples[6]!);
  for (let i = 0; i < whole.length; i += 7) t.throws(() => decodePeerMessage(whole.subarray(0, i)), CephError, `prefix of ${i} bytes`);
});
