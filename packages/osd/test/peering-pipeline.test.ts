/**
 * The replicated write pipeline (core/peering/rep-ops.ts): writes to one object are sent to the
 * replicas at once, each with its own version, without waiting for the earlier ones' commits; the
 * client acks still wait for every copy and go out in version order; a read of an object with
 * writes in flight waits until they are durable everywhere; a new interval drops what was in flight.
 * Three cores on MemStores, with a test-driven network and commit notices held back per OSD.
 */
import t from 'tap';
import { CephOsdFlag, CephOsdOp, MOSDOpReply, osdOpExtent, osdOpRead, osdOpWrite } from '@ts-ceph/messages';
import { MemStore, collPG } from '@ts-ceph/objectstore';
import { PG } from '../src/core/pg';
import { opObject } from '../src/core/op-engine';
import { ClientOp, PgMapping, ReplicatedPG, PeerWire, decodePeerWire, encodePeerWire } from '../src/core/peering';
import { req } from './lib/harness';
import { clientOp, pumpCores, threeCores } from './lib/cores';

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
  /** Messages the network loses (checked as each is sent). */
  lose: (from: number, to: number, type: string) => boolean;
  /** Every message sent, as it went on the network (to replay one: `inject`). */
  wire: { from: number; to: number; b: PeerWire }[];
  inject(m: { from: number; to: number; b: PeerWire }): void;
  op(name: string, r: ReturnType<typeof req>): Promise<void>;
  pump(): Promise<void>;
}

async function cluster(o: { peer: boolean } = { peer: true }): Promise<Cluster> {
  const { cores, stores } = await threeCores();
  // Messages travel as the daemons send them (body and data segment), so RepOps cross in their split layout.
  const net: { from: number; to: number; b: PeerWire }[] = [];
  const commits: { osd: number; token: number }[] = [];
  /** OSDs whose core asked to be called again once its transactions are in the store (a `kick` output). */
  const kicks: number[] = [];
  const names = new WeakMap<ClientOp, string>();
  const c: Cluster = {
    cores,
    stores,
    replies: [],
    hold: new Set(),
    repops: [],
    lose: () => false,
    wire: [],
    inject: (m) => net.push(m),
    async op(name, r) {
      const op = clientOp(r);
      names.set(op, name);
      await cores[0]!.handleOp(op);
      collect(0);
    },
    pump: () => pumpCores(cores, { net, kicks, commits }, c.hold, collect),
  };
  // The driver's part: sends go on the network, transactions to the store at once (commit notices
  // wait in `commits`), replies are recorded.
  function collect(osd: number): void {
    for (const o of cores[osd]!.take()) {
      if (o.kind === 'send') {
        if (o.msg.type === 'repop') c.repops.push(o.to);
        if (c.lose(osd, o.to, o.msg.type)) continue;
        const m = { from: osd, to: o.to, b: encodePeerWire(o.msg) };
        c.wire.push(m);
        net.push(m);
      } else if (o.kind === 'txn') {
        void stores[osd]!.queueTransaction(o.t);
        commits.push({ osd, token: o.token });
      } else if (o.kind === 'reply') c.replies.push({ name: names.get(o.op) ?? '?', reply: o.reply });
      else if (o.kind === 'kick') kicks.push(osd);
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

t.test('writes woken together on one object each wait for the one before to reach the store, not for its commit', async (t) => {
  // The rbd QD32 stall (docs/FLAKES.md): writes queued behind a read went on at one per commit of
  // the primary's store, so an object with a queue never caught up under a deep client queue.
  const c = await cluster();
  c.hold.add(1);
  await c.op('w0', w('obj', 0, 'aaaa'));
  await c.op('r1', rd('obj'));
  await c.op('w1', w('obj', 4, 'bbbb'));
  await c.op('w2', w('obj', 8, 'cccc'));
  await c.op('w3', req('obj', [osdOpExtent(CephOsdOp.APPEND, 0, 2, Buffer.from('dd'))], { reqid: { name: { type: 8, num: 4100 }, tid: tid++, inc: 0 } }));
  await c.pump();
  t.same(c.repops, [1, 2], 'only w0 went out: r1 waits for it, the writes behind r1 wait in order');
  c.hold.add(0);
  c.hold.delete(1);
  await c.pump();
  t.same(c.replies.map((r) => r.name), ['w0', 'r1'], 'w0 is durable everywhere, r1 ran');
  t.same(c.repops, [1, 2, 1, 2, 1, 2, 1, 2], 'w1, w2 and w3 went to the replicas while the primary has committed none of them');
  c.hold.delete(0);
  await c.pump();
  t.same(c.replies.map((r) => `${r.name} ${r.reply.result}`), ['w0 0', 'r1 0', 'w1 0', 'w2 0', 'w3 0']);
  for (const s of c.stores) t.equal((await s.read(collPG(1, 3), opObject(req('obj', [])), 0, 0)).toString(), 'aaaabbbbccccdd', 'every copy has the writes in order');
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

t.test('one RepOp reply answers for the RepOps before it (a lost reply holds nothing up)', async (t) => {
  const c = await cluster();
  let lost = 0;
  c.lose = (from, _to, type) => from === 1 && type === 'repop_reply' && lost++ === 0;
  c.hold.add(1);
  await c.op('w1', w('obj', 0, 'aaaa'));
  await c.op('w2', w('other', 0, 'bbbb'));
  await c.pump();
  t.same(c.replies, [], 'osd.1 has committed neither');
  c.hold.delete(1);
  await c.pump();
  t.equal(lost, 2, "osd.1's first reply was lost");
  t.same(c.replies.map((r) => r.name), ['w1', 'w2'], "w2's reply from osd.1 settled w1 too");
  t.equal(c.cores[0]!.rep.repopQueue.length, 0);
});

t.test('a RepOp is resent after a whole tick, only to a replica that acknowledged nothing since the last tick', async (t) => {
  const c = await cluster();
  c.hold.add(2);
  await c.op('w1', w('obj', 0, 'aaaa'));
  await c.pump();
  const p = c.cores[0]!;
  const tick = async (): Promise<number[]> => {
    const before = c.repops.length;
    await p.tick();
    for (const o of p.take()) if (o.kind === 'send' && o.msg.type === 'repop') c.repops.push(o.to);
    return c.repops.slice(before);
  };
  t.same(await tick(), [], 'not on the first tick');
  // osd.2 acknowledges something (an older version: it is alive and applying) before the next tick.
  await p.handle(2, { type: 'repop_reply', pgid: p.pgid, interval: p.intervalStart, tid: 0, version: [0, 0] } as never);
  t.same(await tick(), [], 'osd.2 was heard from since the last tick: no resend');
  t.same(await tick(), [2], 'silent for a whole tick: resent to osd.2 only (osd.1 has acknowledged it)');
  t.same(c.replies, []);
});

t.test('a replica acks the newest durable RepOp once per commit; a resent one adds no ack until durable', async (t) => {
  const c = await cluster();
  const acks: number[] = [];
  c.lose = (from, _to, type) => {
    if (from === 1 && type === 'repop_reply') acks.push(c.cores[1]!.rep.acksOwed.length);
    return false;
  };
  c.hold.add(1);
  await c.op('w1', w('a', 0, 'aaaa'));
  await c.op('w2', w('b', 0, 'bbbb'));
  await c.op('w3', w('c', 0, 'cccc'));
  await c.pump();
  const r1 = c.cores[1]!.rep;
  t.equal(r1.acksOwed.length - r1.acksOwedHead, 3, 'osd.1 owes three acks');
  const first = c.wire.find((m) => m.to === 1 && decodePeerWire(m.b.body, m.b.data).type === 'repop')!;
  c.inject(first);
  await c.pump();
  t.equal(r1.acksOwed.length - r1.acksOwedHead, 3, 'the resent RepOp, not yet durable, owes no second ack');
  t.same(acks, [], 'and nothing was acknowledged');
  c.hold.delete(1);
  await c.pump();
  t.equal(acks.length, 3, 'one ack per commit of osd.1');
  t.same([r1.acksOwed.length, r1.acksOwedHead], [0, 0], 'all taken from the front, the list emptied');
  t.same(c.replies.map((r) => r.name), ['w1', 'w2', 'w3']);
  c.inject(first);
  await c.pump();
  t.equal(acks.length, 4, 'resent once durable: acknowledged at once');
});

t.test('an activating primary resends its log after 1, 2, 4 and 8 ticks, not on every tick', async (t) => {
  const c = await cluster({ peer: false });
  c.lose = (_from, _to, type) => type === 'activated';
  await c.pump();
  const p = c.cores[0]!;
  t.equal(p.phase, 'activating', 'no replica answered');
  const resentAt: number[] = [];
  for (let tick = 1; tick <= 16; tick++) {
    await p.tick();
    const sent = p.take().filter((o) => o.kind === 'send' && o.msg.type === 'activate').length;
    if (sent) resentAt.push(tick);
    if (sent) t.equal(sent, 2, `tick ${tick}: to both replicas`);
  }
  t.same(resentAt, [1, 3, 7, 15], 'the waits double up to activateResendTicksMax');
});
