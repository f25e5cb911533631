/**
 * The Objecter's driver on the in-memory network, with a stand-in monitor (FakeMon serving real
 * encoded OSDMaps) and stand-in OSDs whose answers each test scripts: replies matched by tid and
 * retry attempt (duplicates and stale attempts dropped), EAGAIN resent, MOSDBackoff holding an op
 * until the unblock, op timeouts, an op moved to another OSD by a new map (_scan_requests), and ops
 * resent after the OSD resets the session; linger ops (watch re-registration, notify delivery and
 * acks, notify completion).
 */
import t, { Test } from 'tap';
import { AddrType, CEPH_FEATURES_ALL, EntityType, makeAddr } from '@ts-ceph/denc';
import { buildSimple, CEPH_OSD_IN, encodeOSDMap, hobjectMax, OSDMap, OsdState, setWeight } from '@ts-ceph/maps';
import { AuthNoneClient, AuthNoneServer, CephMessage, Connection, MemoryNetwork, Messenger, messageTypes, Policies } from '@ts-ceph/messenger';
import {
  CEPH_MSG_OSD_BACKOFF,
  CEPH_MSG_OSD_OP,
  CephOsdBackoffOp,
  CephOsdOp,
  CephOsdWatchOp,
  CephWatchEvent,
  encodeNotifyCompleteData,
  MOSDBackoff,
  MOSDBackoffCodec,
  MOSDOp,
  mOSDOpReplyFor,
  MOSDOpReplyCodec,
  MWatchNotifyCodec,
  notifyAckArgs,
  opNotify,
  opWatch,
  osdOpRead,
} from '@ts-ceph/messages';
import { LingerOps, MonClient, Objecter, OpTarget } from '../src';
import { FakeMon, FSID, monmapFor } from './lib/fake-mon';

type Handler = (req: MOSDOp, msg: CephMessage, con: Connection, osd: FakeOsd) => void;

/** An OSD on the memory network that hands every MOSDOp (and backoff ack) to the test's handler. */
class FakeOsd {
  readonly msgr: Messenger;
  readonly seen: MOSDOp[] = [];
  readonly acks: MOSDBackoff[] = [];
  handler: Handler = (req, msg, con, osd) => osd.reply(con, msg.tid, req, 0);

  constructor(
    net: MemoryNetwork,
    readonly port: number,
  ) {
    this.msgr = new Messenger({ entityType: EntityType.OSD, nonce: port, authServer: new AuthNoneServer(), transports: net, defaultPolicy: Policies.statelessServer() });
    this.msgr.addDispatcher({
      msDispatch: (con, msg, payload) => {
        if (msg.type === CEPH_MSG_OSD_BACKOFF) this.acks.push(payload as MOSDBackoff);
        if (msg.type !== CEPH_MSG_OSD_OP) return;
        this.seen.push(payload as MOSDOp);
        this.handler(payload as MOSDOp, msg, con, this);
      },
    });
  }

  reply(con: Connection, tid: bigint, req: MOSDOp, result: number, retryAttempt = req.retryAttempt): void {
    const r = { ...mOSDOpReplyFor(req, result, 1), retryAttempt };
    con.send(messageTypes.build(MOSDOpReplyCodec, r, { tid }));
  }

  backoff(con: Connection, req: MOSDOp, op: number, id: bigint): void {
    con.send(messageTypes.build(MOSDBackoffCodec, { pgid: req.pgid, mapEpoch: 1, op, id, begin: hobjectMax(), end: hobjectMax() }));
  }
}

/** One OSD (osd.0) up at 127.0.0.1:`port`, pool 1 "rbd" of size 1. */
function osdmap(epoch: number, port: number): Buffer {
  const m: OSDMap = buildSimple({ epoch, fsid: FSID, now: { sec: 1, nsec: 0 }, numOsd: 1, defaultPool: true, conf: { osdPoolDefaultSize: 1 } });
  m.osdState[0] = OsdState.EXISTS | OsdState.UP;
  setWeight(m, 0, CEPH_OSD_IN);
  m.osdAddrs.client[0] = [makeAddr(AddrType.MSGR2, '127.0.0.1', port, port)];
  return encodeOSDMap(m, CEPH_FEATURES_ALL);
}

async function setup(t: Test, opTimeoutMs = 0): Promise<{ net: MemoryNetwork; mon: FakeMon; osd: FakeOsd; objecter: Objecter; target: OpTarget }> {
  const net = new MemoryNetwork();
  const mon = new FakeMon(net, 'a', 3300, () => monmapFor([{ name: 'a', port: 3300 }]));
  mon.osdmap = { epoch: 1, bl: osdmap(1, 6800) };
  await mon.start();
  const osd = new FakeOsd(net, 6800);
  await osd.msgr.bind('127.0.0.1', 6800);
  const name = { type: EntityType.CLIENT, id: 'admin' };
  const monc = new MonClient({ name, initialMons: [{ name: 'a', addrs: [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0)] }], auth: () => new AuthNoneClient(name), transports: net });
  const objecter = new Objecter({ monc, transports: net, opTimeoutMs });
  await monc.authenticate(5000);
  await objecter.start(5000);
  t.teardown(async () => {
    await objecter.shutdown();
    await monc.shutdown();
    await osd.msgr.shutdown();
    await mon.stop();
  });
  return { net, mon, osd, objecter, target: { pool: 1, oid: 'obj', nspace: '', key: '', locHash: -1, flags: 0 } };
}

const read = () => [osdOpRead(0, 10)];

t.test('a reply resolves its op; a duplicate and a stale attempt are dropped', async (t) => {
  const { osd, objecter, target } = await setup(t);
  const held: { con: Connection; tid: bigint; req: MOSDOp }[] = [];
  osd.handler = (req, msg, con) => void held.push({ con, tid: msg.tid, req });
  const p = objecter.submit(target, read(), false);
  await waitUntil(() => held.length === 1);
  const h = held[0]!;
  osd.reply(h.con, h.tid, h.req, 0, 3); // an attempt we never sent
  await tick();
  t.equal(objecter.inflight, 1, 'a reply to another attempt leaves the op waiting');
  osd.reply(h.con, h.tid, h.req, -2);
  const r = await p;
  t.equal(r.result, -2, 'the matching reply resolves with its result');
  osd.reply(h.con, h.tid, h.req, 0);
  await tick();
  t.equal(objecter.inflight, 0, 'a duplicate reply is ignored');
  t.same([h.req.oid, h.req.pgid.pgid.pool, h.req.retryAttempt, h.req.osdmapEpoch], ['obj', 1, 0, 1], 'the MOSDOp named the object, pool, first attempt and our epoch');
});

t.test('EAGAIN is resent as the next attempt', async (t) => {
  const { osd, objecter, target } = await setup(t);
  osd.handler = (req, msg, con, o) => o.reply(con, msg.tid, req, req.retryAttempt === 0 ? -11 : 0);
  const r = await objecter.submit(target, read(), false);
  t.equal(r.result, 0);
  t.same(
    osd.seen.map((x) => x.retryAttempt),
    [0, 1],
    'two attempts',
  );
});

t.test('MOSDBackoff: acked, the op held, sent again on unblock', async (t) => {
  const { osd, objecter, target } = await setup(t);
  let blocked = false;
  osd.handler = (req, msg, con, o) => {
    if (!blocked) {
      blocked = true;
      o.backoff(con, req, CephOsdBackoffOp.BLOCK, 9n);
      setTimeout(() => o.backoff(con, req, CephOsdBackoffOp.UNBLOCK, 9n), 100);
      return;
    }
    o.reply(con, msg.tid, req, 0);
  };
  const r = await objecter.submit(target, read(), false);
  t.equal(r.result, 0, 'answered after the unblock');
  t.same(
    osd.acks.map((a) => [a.op, a.id]),
    [[CephOsdBackoffOp.ACK_BLOCK, 9n]],
    'the block was acked',
  );
  t.equal(osd.seen.length, 2, 'sent once before the block, once after the unblock');
});

t.test('an unanswered op times out with ETIMEDOUT', async (t) => {
  const { osd, objecter, target } = await setup(t, 150);
  osd.handler = () => {};
  await t.rejects(objecter.submit(target, read(), false), { code: 'ETIMEDOUT' });
  t.equal(objecter.inflight, 0, 'and is forgotten');
});

t.test('a new map moving the PG to another OSD resends the op there', async (t) => {
  const { net, mon, osd, objecter, target } = await setup(t);
  osd.handler = () => {};
  const other = new FakeOsd(net, 6801);
  await other.msgr.bind('127.0.0.1', 6801);
  t.teardown(() => other.msgr.shutdown());
  const p = objecter.submit(target, read(), false);
  await waitUntil(() => osd.seen.length === 1);
  mon.publishOsdmap(2, osdmap(2, 6801));
  const r = await p;
  t.equal(r.result, 0, 'answered by the OSD the new map names');
  t.same(
    other.seen.map((x) => [x.osdmapEpoch, x.retryAttempt]),
    [[2, 1]],
    'resent with the new epoch as the second attempt',
  );
});

t.test('a session reset by the OSD resends its ops', async (t) => {
  const { osd, objecter, target } = await setup(t);
  osd.handler = (req, msg, con, o) => {
    if (req.retryAttempt === 0) con.markDown();
    else o.reply(con, msg.tid, req, 0);
  };
  const r = await objecter.submit(target, read(), false);
  t.equal(r.result, 0);
  t.same(
    osd.seen.map((x) => x.retryAttempt),
    [0, 1],
    'the op went again on a new session',
  );
});

function tick(): Promise<void> {
  return new Promise((r) => setTimeout(r, 20));
}

async function waitUntil(f: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !f(); i++) await tick();
  if (!f()) throw new Error('condition not reached');
}

t.test('linger: a watch is re-registered after a reset, notifies are delivered and acked, a notify completes', async (t) => {
  const { osd, objecter, target } = await setup(t);
  const linger = new LingerOps(objecter, 60_000);
  t.teardown(() => linger.shutdown());
  let watchCon: Connection | undefined;
  osd.handler = (req, msg, con, o) => {
    if (req.ops[0]!.op === CephOsdOp.WATCH) watchCon = con;
    if (req.ops[0]!.op !== CephOsdOp.NOTIFY) return o.reply(con, msg.tid, req, 0);
    o.reply(con, msg.tid, req, 0);
    const complete = encodeNotifyCompleteData({ acks: [{ gid: 4100n, cookie: 77n, reply: Buffer.from('pong') }], missed: [] });
    con.send(messageTypes.build(MWatchNotifyCodec, { msgVer: 1, opcode: CephWatchEvent.NOTIFY_COMPLETE, cookie: opNotify(req.ops[0]!).cookie, ver: 0n, notifyId: 5n, payload: Buffer.alloc(0), returnCode: 0, notifierGid: 0n, data: complete }));
  };
  const got: string[] = [];
  const cookie = await linger.watch(target, { onNotify: (ev) => (got.push(ev.payload.toString()), Buffer.from('ack-reply')) });
  const w0 = opWatch(osd.seen[0]!.ops[0]!);
  t.same([w0.op, w0.cookie, w0.gen, w0.timeout], [CephOsdWatchOp.WATCH, cookie, 0, 30], 'WATCH with our cookie');
  watchCon!.markDown();
  await waitUntil(() => osd.seen.some((x) => x.ops[0]!.op === CephOsdOp.WATCH && opWatch(x.ops[0]!).op === CephOsdWatchOp.RECONNECT));
  const re = osd.seen.map((x) => x.ops[0]!).find((o) => o.op === CephOsdOp.WATCH && opWatch(o).op === CephOsdWatchOp.RECONNECT)!;
  t.same([opWatch(re).cookie, opWatch(re).gen], [cookie, 1], 'RECONNECT with the next generation after the session reset');
  await waitUntil(() => watchCon?.isConnected === true);
  watchCon!.send(messageTypes.build(MWatchNotifyCodec, { msgVer: 1, opcode: CephWatchEvent.NOTIFY, cookie, ver: 0n, notifyId: 123n, payload: Buffer.from('ping'), returnCode: 0, notifierGid: 4100n, data: Buffer.alloc(0) }));
  await waitUntil(() => osd.seen.some((x) => x.ops[0]!.op === CephOsdOp.NOTIFY_ACK));
  t.same(got, ['ping'], 'the callback saw the notify');
  const ack = notifyAckArgs(osd.seen.find((x) => x.ops[0]!.op === CephOsdOp.NOTIFY_ACK)!.ops[0]!);
  t.same([ack.notifyId, ack.cookie, ack.reply.toString()], [123n, cookie, 'ack-reply'], 'acked with the notify id, our cookie and the reply');
  const res = await linger.notify(target, Buffer.from('hello'), 5);
  t.same([res.returnCode, res.acks.map((a) => a.reply.toString())], [0, ['pong']], 'a notify resolves with the NOTIFY_COMPLETE acks');
  await linger.unwatch(cookie);
  t.equal(linger.watchCount, 0, 'unwatched');
});
