import t from 'tap';
import { DencError } from '@ts-ceph/denc';
import { CephError } from '@ts-ceph/common';
import { Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { PeerMessage, decodePeerMessage, encodePeerMessage } from '../src/core/peering/messages';
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
  const back = decodeTransaction(encodeTransaction(tx));
  t.same(back.ops, tx.ops);
  t.equal(back.dataBytes, tx.dataBytes);
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
  t.same(encodeTransaction(new Transaction().nop().createCollection(c, 5)), want);
  t.same(decodeTransaction(want).ops, [{ op: 0 }, { op: 20, cid: c, bits: 5 }]);
});

t.test('transaction op list: every truncation is refused, never half-decoded', async (t) => {
  const b = encodeTransaction(everyOp());
  for (let i = 0; i < b.length; i++) t.throws(() => decodeTransaction(b.subarray(0, i)), DencError, `prefix of ${i} bytes`);
  t.throws(() => decodeTransaction(Buffer.concat([b, Buffer.from([0])])), DencError, 'trailing byte');
});

t.test('transaction op list: unknown op codes and counts over txnOpsMax are refused', async (t) => {
  t.throws(() => decodeTransaction(Buffer.from([1, 0, 0, 0, 99, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0xff])), /not one we carry/);
  t.throws(() => decodeTransaction(Buffer.from([0xff, 0xff, 0xff, 0xff])), /txnOpsMax/);
});

t.test('a skipped op stays out of the encoding (the primary strips its own PG-log ops)', async (t) => {
  const tx = new Transaction().touch(c, o).omapSetKeys(c, n, new Map([['k', Buffer.from('v')]]));
  const back = decodeTransaction(encodeTransaction(tx, (op) => 'oid' in op && op.oid.name === 'clone'));
  t.same(back.ops, [tx.ops[0]]);
});

t.test('ghobject_t alone round-trips', async (t) => {
  t.same(decodeOid(encodeOid(o)), o);
  t.same(decodeOid(encodeOid(n)), n);
});

const samples: PeerMessage[] = [
  { type: 'query', pgid: [1, 3], interval: 7 },
  { type: 'notify', pgid: [1, 3], interval: 7, info: Buffer.from([1, 2, 3]) },
  { type: 'get_log', pgid: [1, 3], interval: 7, full: true },
  { type: 'log', pgid: [1, 3], interval: 7, info: Buffer.from([1]), entries: [Buffer.from([2]), Buffer.from([3])], dups: [Buffer.from([5])], objects: [[encodeOid(o), [7, 12]]] },
  { type: 'activate', pgid: [1, 3], interval: 7, info: Buffer.from([1]), entries: [], dups: [], objects: [] },
  { type: 'activated', pgid: [1, 3], interval: 7, missing: [[encodeOid(o), [7, 12], false]] },
  { type: 'repop', pgid: [1, 3], interval: 7, tid: 9, prev: [7, 11], entries: [Buffer.from([4])], txn: encodeTransaction(everyOp()) },
  { type: 'repop_reply', pgid: [1, 3], interval: 7, tid: 9, version: [7, 12] },
  { type: 'pull', pgid: [1, 3], interval: 7, oid: encodeOid(o), need: [7, 12] },
  { type: 'push', pgid: [1, 3], interval: 7, oid: encodeOid(o), version: [7, 12], exists: true, data: Buffer.from('d'), attrs: [['_', Buffer.from([1])]], omapHeader: Buffer.alloc(0), omap: [['k', Buffer.from('v')]] },
  { type: 'push_reply', pgid: [1, 3], interval: 7, oid: encodeOid(o), version: [7, 12] },
  { type: 'scrub_req', pgid: [1, 3], interval: 7, tid: 4, deep: true, oids: [encodeOid(o)] },
  { type: 'scrub_map', pgid: [1, 3], interval: 7, tid: 4, objects: [[encodeOid(o), 3, [['_', Buffer.from([1])]], 0xffffffff, -1, false], [encodeOid(o), -1, [], -1, -1, true]] },
  { type: 'repair_pull', pgid: [1, 3], interval: 7, oid: encodeOid(o), to: [0, 2] },
  { type: 'repair_push', pgid: [1, 3], interval: 7, oid: encodeOid(o), version: [7, 12], exists: true, data: Buffer.from('d'), attrs: [], omapHeader: Buffer.alloc(0), omap: [] },
  { type: 'repair_reply', pgid: [1, 3], interval: 7, oid: encodeOid(o) },
];

t.test('peer messages: every type round-trips', async (t) => {
  for (const m of samples) t.same(decodePeerMessage(encodePeerMessage(m)), m, m.type);
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
