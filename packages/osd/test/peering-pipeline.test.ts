/**
 * The replicated write pipeline (core/peering/rep-ops.ts): writes to one object are sent to the
 * replicas at once, each with its own version, without waiting for the earlier ones' commits; the
 * client acks still wait for every copy and go out in version order; a read of an object with
 * writes in flight waits until they are durable everywhere; a new interval drops what was in flight.
 * Three cores on MemStores, with a test-driven network and commit notices held back per OSD.
 */
import t from 'tap';
import { CephOsdFlag, CephOsdOp, MOSDOpReply, osdOpExtent, osdOpRead, osdOpWrite } from '@ts-ceph/messages';
import { MemStore, Transaction, collPG } from '@ts-ceph/objectstore';
import { makeAddr } from '@ts-ceph/denc';
import { PG } from '../src/core/pg';
import { opObject } from '../src/core/op-engine';
import { ClientOp, PgMapping, ReplicatedPG, PeerWire, decodePeerWire, defaultPeeringConf, encodePeerWire } from '../src/core/peering';
import { allowAll, req, testNow } from './lib/harness';

const mapping = (epoch: number, acting: number[]): PgMapping => ({ epoch, up: acting, upPrimary: acting[0]!, acting, primary: acting[0]!, size: 3, minSize: 2, upOsds: new Set([0, 1, 2]) });

interface Cluster {
  cores: ReplicatedPG[];
  stores: MemStore[];
  /** Replies in the order the primary sent them, with the op's name. */
  replies: { name: string; reply: MOSDOpReply }[];
  /** OSDs whose commit notices are held back (their transactions are queued, not yet durable). */
  hold: Set<number>;
  /** RepOps the primary sent, by replica (the pipeline sends them without waiting). */
  repops: number[];
  op(name: string, r: ReturnType<typeof req>): Promise<void>;
  pump(): Promise<void>;
}

async function cluster(o: { peer: boolean } = { peer: true }): Promise<Cluster> {
  const cores: ReplicatedPG[] = [];
  const stores: MemStore[] = [];
  for (let osd = 0; osd < 3; osd++) {
    const store = new MemStore();
    await store.mkfs();
    await store.mount();
    const coll = collPG(1, 3);
    const pg = PG.fresh(coll, { pool: 1, seed: 3 }, 1);
    const t0 = new Transaction().createCollection(coll, 3);
    pg.initTransaction(t0);
    await store.queueTransaction(t0);
    stores.push(store);
    cores.push(new ReplicatedPG(osd, pg, store, defaultPeeringConf));
  }
  // Messages travel as the daemons send them (body and data segment), so RepOps cross in their split layout.
  const net: { from: number; to: number; b: PeerWire }[] = [];
  const commits: { osd: number; token: number }[] = [];
  const names = new WeakMap<ClientOp, string>();
  const c: Cluster = {
    cores,
    stores,
    replies: [],
    hold: new Set(),
    repops: [],
    async op(name, r) {
      const op: ClientOp = { req: r, env: { now: testNow, pool: { id: 1, name: 'p', pgNum: 8, erasure: false, full: false, fullQuota: false }, session: allowAll, origin: { name: r.reqid.name, addr: makeAddr(2, '127.0.0.1', 40000, 77) } } };
      names.set(op, name);
      await cores[0]!.handleOp(op);
      collect(0);
    },
    async pump() {
      for (let moved = true; moved; ) {
        moved = false;
        const m = net.shift();
        if (m) {
          moved = true;
          await cores[m.to]!.handle(m.from, decodePeerWire(m.b.body, m.b.data));
          collect(m.to);
        }
        const i = commits.findIndex((x) => !c.hold.has(x.osd));
        if (i >= 0) {
          moved = true;
          const [x] = commits.splice(i, 1);
          await cores[x!.osd]!.committed(x!.token);
          collect(x!.osd);
        }
      }
    },
  };
  // The driver's part: sends go on the network, transactions to the store at once (commit notices
  // wait in `commits`), replies are recorded.
  function collect(osd: number): void {
    for (const o of cores[osd]!.take()) {
      if (o.kind === 'send') {
        if (o.msg.type === 'repop') c.repops.push(o.to);
        net.push({ from: osd, to: o.to, b: encodePeerWire(o.msg) });
      } else if (o.kind === 'txn') {
        void stores[osd]!.queueTransaction(o.t);
        commits.push({ osd, token: o.token });
      } else if (o.kind === 'reply') c.replies.push({ name: names.get(o.op) ?? '?', reply: o.reply });
    }
  }
  for (let osd = 0; osd < 3; osd++) {
    await cores[osd]!.init([mapping(5, [0, 1, 2])]);
    collect(osd);
  }
  if (o.peer) await c.pump();
  return c;
}

let tid = 100n;
const w = (oid: string, off: number, data: string): ReturnType<typeof req> => req(oid, [osdOpWrite(off, Buffer.from(data))], { reqid: { name: { type: 8, num: 4100 }, tid: tid++, inc: 0 } });
const rd = (oid: string): ReturnType<typeof req> => req(oid, [osdOpRead(0, 0)], { flags: CephOsdFlag.READ, reqid: { name: { type: 8, num: 4100 }, tid: tid++, inc: 0 } });

t.test('writes to one object are pipelined; acks wait for every copy and keep version order', async (t) => {
  const c = await cluster();
  t.equal(c.cores[0]!.phase, 'active');
  c.hold.add(2);
  await c.op('w1', w('obj', 0, 'aaaa'));
  await c.pump();
  await c.op('w2', w('obj', 4, 'bbbb'));
  await c.op('w3', req('obj', [osdOpExtent(CephOsdOp.APPEND, 0, 2, Buffer.from('cc'))], { reqid: { name: { type: 8, num: 4100 }, tid: tid++, inc: 0 } }));
  await c.pump();
  t.same(c.repops, [1, 2, 1, 2, 1, 2], 'each write went to both replicas without waiting for the earlier ones');
  t.same(c.replies, [], 'no ack while osd.2 has not committed');
  t.same(c.cores[0]!.rep.writing.get([...c.cores[0]!.rep.writing.keys()][0]!)?.n, 3, 'three writes in flight on the object');
  c.hold.delete(2);
  await c.pump();
  t.same(c.replies.map((r) => `${r.name} ${r.reply.result} v${r.reply.replayVersion.version}`), ['w1 0 v1', 'w2 0 v2', 'w3 0 v3'], 'acked in version order');
  for (const s of c.stores) t.equal((await s.read(collPG(1, 3), opObject(req('obj', [])), 0, 0)).toString(), 'aaaabbbbcc', 'every copy holds all three writes');
});

t.test('writes released together (at activation) each see the one before', async (t) => {
  const c = await cluster({ peer: false });
  await c.op('w1', w('obj', 0, 'aaaa'));
  await c.op('w2', req('obj', [osdOpExtent(CephOsdOp.APPEND, 0, 2, Buffer.from('bb'))], { reqid: { name: { type: 8, num: 4100 }, tid: tid++, inc: 0 } }));
  t.same(c.replies, [], 'both wait for the PG to go active');
  await c.pump();
  t.equal(c.cores[0]!.phase, 'active');
  t.same(c.replies.map((r) => `${r.name} ${r.reply.result}`), ['w1 0', 'w2 0']);
  // The append ran once the store had the first write (one call into the core ran both ops).
  for (const s of c.stores) t.equal((await s.read(collPG(1, 3), opObject(req('obj', [])), 0, 0)).toString(), 'aaaabb');
});

t.test('a read of an object with writes in flight waits until they are durable everywhere', async (t) => {
  const c = await cluster();
  c.hold.add(1);
  await c.op('w1', w('obj', 0, 'old!'));
  await c.op('r-other', rd('other'));
  await c.op('r1', rd('obj'));
  await c.op('w2', w('obj', 0, 'new!'));
  await c.pump();
  t.same(c.replies.map((r) => r.name), ['r-other'], 'a read of another object is not held up; r1 waits for w1');
  c.hold.delete(1);
  await c.pump();
  t.same(c.replies.map((r) => r.name), ['r-other', 'w1', 'r1', 'w2'], 'r1 runs after w1 and before w2, in arrival order');
  t.equal(c.replies[2]!.reply.ops[0]!.data.toString(), 'old!', 'r1 sees w1 and not the later w2');
});

t.test('a resent write found in the log is answered only after the original is durable everywhere', async (t) => {
  const c = await cluster();
  c.hold.add(2);
  const first = w('obj', 0, 'once');
  await c.op('w1', first);
  await c.op('w1-resent', { ...first, retryAttempt: 1 });
  await c.pump();
  t.same(c.replies, [], 'the duplicate does not answer for an uncommitted write');
  c.hold.delete(2);
  await c.pump();
  t.same(c.replies.map((r) => `${r.name} ${r.reply.result}`), ['w1 0', 'w1-resent 0']);
  t.equal(c.cores[0]!.pg.info.lastUpdate.version, 1n, 'logged once');
});

t.test('a new interval drops the writes in flight (the driver requeues their ops)', async (t) => {
  const c = await cluster();
  c.hold.add(1);
  c.hold.add(2);
  await c.op('w1', w('obj', 0, 'data'));
  await c.pump();
  t.equal(c.cores[0]!.rep.repopQueue.length, 1);
  await c.cores[0]!.advanceMap({ ...mapping(6, [0, 1]), upOsds: new Set([0, 1]) });
  t.equal(c.cores[0]!.rep.repopQueue.length, 0, 'the new interval starts with nothing in flight');
  t.equal(c.cores[0]!.rep.writing.size, 0);
});
