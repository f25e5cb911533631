/**
 * Watch/notify on the MemStore harness with a simulated clock, through the op engine and the real
 * WatchDriver (its internal writes run in the test's PG queue): the watch op's errnos (ENOENT, ENOTCONN,
 * ETIMEDOUT), watchers persisted in the object info, notify with acks and reply payloads, a notify
 * timing out with the missed watcher listed, and a watch timing out (DISCONNECT, watcher removed by
 * a PG write). Messages go through the real MWatchNotify codec; NOTIFY_COMPLETE data is checked
 * against bytes built here by hand, as librados (rados.cc's notify) decodes them.
 */
import t from 'tap';
import { Errno, SimClock } from '@ts-ceph/common';
import { CEPH_FEATURES_ALL, addrPort, makeAddr, utimeFromMs } from '@ts-ceph/denc';
import { CephMessage, messageTypes } from '@ts-ceph/messenger';
import {
  CephOsdFlag,
  CephOsdOp,
  CephOsdWatchOp,
  CephWatchEvent,
  MOSDOpReply,
  MWatchNotify,
  MWatchNotifyCodec,
  decodeNotifyCompleteData,
  listWatchersReply,
  osdOp,
  osdOpWatch,
  osdOpWriteFull,
} from '@ts-ceph/messages';
import { pgKey } from '@ts-ceph/maps';
import { executeOp } from '../src/core/op-engine';
import { OI_ATTR, decodeObjectInfo } from '../src/core/object-info';
import { WatchDriver } from '../src/watch-driver';
import { InternalOp } from '../src/core/peering';
import { allowAll, harness, req } from './lib/harness';

/** A client connection as the driver sees it: it records the MWatchNotify messages it gets. */
class FakeCon {
  readonly features = CEPH_FEATURES_ALL;
  readonly got: MWatchNotify[] = [];
  send(m: CephMessage): void {
    this.got.push(messageTypes.decode(m) as MWatchNotify);
  }
}

const W = { watch: CephOsdWatchOp.WATCH, legacy: CephOsdWatchOp.LEGACY_WATCH, reconnect: CephOsdWatchOp.RECONNECT, ping: CephOsdWatchOp.PING, unwatch: CephOsdWatchOp.UNWATCH };

function notifyOp(cookie: bigint, payload: string, timeoutS: number): ReturnType<typeof osdOp> {
  const args = Buffer.alloc(28);
  args.writeBigUInt64LE(cookie, 0);
  const p = Buffer.from(payload);
  const data = Buffer.alloc(12 + p.length);
  data.writeUInt32LE(1, 0); // prot_ver
  data.writeUInt32LE(timeoutS, 4);
  data.writeUInt32LE(p.length, 8);
  p.copy(data, 12);
  return osdOp(CephOsdOp.NOTIFY, { args, data });
}

function ackOp(notifyId: bigint, cookie: bigint, reply: string): ReturnType<typeof osdOp> {
  const r = Buffer.from(reply);
  const data = Buffer.alloc(20 + r.length);
  data.writeBigUInt64LE(notifyId, 0);
  data.writeBigUInt64LE(cookie, 8);
  data.writeUInt32LE(r.length, 16);
  r.copy(data, 20);
  return osdOp(CephOsdOp.NOTIFY_ACK, { data });
}

async function setup(): Promise<{
  h: Awaited<ReturnType<typeof harness>>;
  clock: SimClock;
  drv: WatchDriver;
  run(oid: string, ops: MOSDOpReply['ops'], con: FakeCon, num: number): Promise<MOSDOpReply>;
  settle(): Promise<void>;
  watchersInStore(oid: string): Promise<string[]>;
}> {
  const h = await harness();
  const clock = new SimClock(1_700_000_100_000);
  const pgQueues = new Map<string, Promise<void>>();
  // The PG's core in miniature (a PG without replicas): the internal write runs in the PG's queue,
  // is durable, then done (core/peering/rep-ops.ts submitInternal does this for the daemon).
  const submit = (key: string, op: InternalOp): Promise<undefined> => {
    const prev = pgQueues.get(key) ?? Promise.resolve();
    pgQueues.set(key, prev.then(async () => {
      const w = await op.build(9);
      if (w) await h.store.queueTransaction(w);
      op.done(true);
    }));
    return Promise.resolve(undefined);
  };
  const drv = new WatchDriver({ clock, store: h.store, pgs: new Map([[pgKey(h.pg.pgid), h.pg]]), submit }, { clientWatchTimeoutSeconds: 30 });
  let tid = 1000n;
  const run = async (oid: string, ops: MOSDOpReply['ops'], con: FakeCon, num: number): Promise<MOSDOpReply> => {
    const write = ops.some((o) => o.op & 0x2000);
    const m = req(oid, ops, { reqid: { name: { type: 8, num }, tid: tid++, inc: 0 }, flags: write ? CephOsdFlag.WRITE | CephOsdFlag.ONDISK : CephOsdFlag.READ });
    const out = await executeOp(h.store, h.pg, m, {
      epoch: 9,
      now: utimeFromMs(clock.wallNow()),
      pool: h.pool,
      session: allowAll,
      origin: { name: m.reqid.name, addr: makeAddr(2, '127.0.0.1', 40000 + num, num) },
      client: con,
      watches: drv.registry,
    });
    if (out.t) await h.store.queueTransaction(out.t);
    for (const f of out.effects ?? []) f();
    return out.reply;
  };
  const settle = async (): Promise<void> => {
    for (const q of pgQueues.values()) await q;
  };
  const watchersInStore = async (oid: string): Promise<string[]> => {
    const o = { pool: 1, nspace: '', key: '', name: oid, snap: 0xfffffffffffffffen, hash: 0x1234abcb, generation: 0xffffffffffffffffn, shard: -1 };
    return [...decodeObjectInfo(await h.store.getattr(h.pg.coll, o, OI_ATTR)).watchers.keys()];
  };
  return { h, clock, drv, run, settle, watchersInStore };
}

t.test('watch, ping, reconnect, unwatch: errnos, versions, persisted watchers', async (t) => {
  const { clock, drv, run, watchersInStore } = await setup();
  const a = new FakeCon();
  let r = await run('obj', [osdOpWatch(W.watch, 11n)], a, 4100);
  t.equal(r.result, -Errno.ENOENT, 'watch on a missing object: ENOENT');
  r = await run('obj', [osdOpWriteFull(Buffer.from('x'))], a, 4100);
  t.same([r.result, r.userVersion], [0, 2n], 'the object exists at uv2 (the failed watch logged an error entry)');
  r = await run('obj', [osdOpWatch(W.reconnect, 11n)], a, 4100);
  t.equal(r.result, -Errno.ENOTCONN, 'reconnect of an unknown watch: ENOTCONN');
  r = await run('obj', [osdOpWatch(W.ping, 11n)], a, 4100);
  t.equal(r.result, -Errno.ENOTCONN, 'ping of an unknown watch: ENOTCONN');
  r = await run('obj', [osdOpWatch(W.watch, 11n)], a, 4100);
  // As the trace's "watch watch ... v17'2 uv1": a log entry, the user version unchanged.
  t.same([r.result, r.replayVersion, r.userVersion], [0, { epoch: 9, version: 4n }, 2n], 'a new watch is a write that keeps the user version');
  t.same(await watchersInStore('obj'), ['11:8.4100'], 'persisted in the object info');
  r = await run('obj', [osdOp(CephOsdOp.LIST_WATCHERS)], a, 4100);
  t.same(
    listWatchersReply(r.ops[0]!).map((w) => [w.name, w.cookie, w.timeoutSeconds, addrPort(w.addr), w.addr.nonce]),
    [[{ type: 8, num: 4100 }, 11n, 30, 44100, 4100]],
    'list-watchers: entity, cookie, osd_client_watch_timeout, the client address',
  );
  r = await run('obj', [osdOpWatch(W.ping, 11n)], a, 4100);
  // As the trace's "watch ping ... v0'0 uv5": not a write.
  t.same([r.result, r.replayVersion, r.userVersion], [0, { epoch: 0, version: 0n }, 2n], 'ping answers as a read');
  r = await run('obj', [osdOpWatch(W.watch, 11n)], a, 4100);
  // A no-op write (PrimaryLogPG::prepare_transaction's update_log_only): an ERROR entry at the next
  // version, as a real 16.2.15 OSD does for a zero past the end (test/acceptance/rados-diff.py).
  t.same([r.result, r.replayVersion, r.userVersion], [0, { epoch: 9, version: 5n }, 2n], 'watching again changes nothing but logs an ERROR entry');

  drv.handleReset(a);
  t.same(drv.registry.watchersOf({ pool: 1, seed: 3 }, { pool: 1, nspace: '', key: '', name: 'obj', snap: 0xfffffffffffffffen, hash: 0x1234abcb, generation: 0xffffffffffffffffn, shard: -1 }).length, 1, 'a reset keeps the watch');
  r = await run('obj', [osdOpWatch(W.ping, 11n)], a, 4100);
  t.equal(r.result, -Errno.ETIMEDOUT, 'ping after the connection reset: ETIMEDOUT (reconnect)');
  const b = new FakeCon();
  r = await run('obj', [osdOpWatch(W.reconnect, 11n)], b, 4100);
  t.same([r.result, r.replayVersion], [0, { epoch: 9, version: 6n }], 'reconnect on the new connection: a no-op write');
  clock.advance(10_000);
  r = await run('obj', [osdOpWatch(W.ping, 11n)], b, 4100);
  t.equal(r.result, 0, 'ping after reconnect');
  r = await run('obj', [osdOpWatch(W.unwatch, 11n)], b, 4100);
  t.same([r.result, r.replayVersion.version, r.userVersion], [0, 7n, 2n], 'unwatch writes the object info');
  t.same(await watchersInStore('obj'), [], 'gone from the object info');
  t.same([a.got.length, b.got.length], [0, 0], 'unwatch sends no DISCONNECT');
  r = await run('obj', [osdOpWatch(W.unwatch, 11n)], b, 4100);
  t.same([r.result, r.replayVersion.version, r.userVersion], [0, 8n, 2n], 'unwatch of nothing: 0, a no-op write');
  t.equal(drv.registry.nextDeadline(), undefined, 'no timers left');
});

/** NOTIFY_COMPLETE data built by hand: map<pair<gid,cookie>, bl> then list<pair<gid,cookie>>. */
function completeBytes(acks: [number, number, string][], missed: [number, number][]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number): Buffer => Buffer.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
  const u64 = (n: number): Buffer => Buffer.concat([u32(n), u32(0)]);
  parts.push(u32(acks.length));
  for (const [g, c, s] of acks) parts.push(u64(g), u64(c), u32(s.length), Buffer.from(s));
  parts.push(u32(missed.length));
  for (const [g, c] of missed) parts.push(u64(g), u64(c));
  return Buffer.concat(parts);
}

t.test('notify: two watchers ack with payloads, NOTIFY_COMPLETE to the notifier', async (t) => {
  const { run, clock } = await setup();
  const [a, b, n] = [new FakeCon(), new FakeCon(), new FakeCon()];
  await run('o', [osdOpWriteFull(Buffer.from('x'))], n, 4300);
  t.equal((await run('o', [osdOpWatch(W.watch, 22n)], b, 4200)).result, 0);
  t.equal((await run('o', [osdOpWatch(W.watch, 11n)], a, 4100)).result, 0);
  clock.advance(1000);
  const r = await run('o', [notifyOp(77n, 'hello', 5)], n, 4300);
  const id = (9n << 32n) | 0n;
  t.same([r.result, r.ops[0]!.data.length, r.ops[0]!.data.readBigUInt64LE(0)], [0, 8, id], 'out data: the le64 notify id (epoch << 32 | counter)');
  t.same([r.replayVersion, r.userVersion], [{ epoch: 0, version: 0n }, 1n], 'a read: v0\'0 and the object\'s user version');
  for (const [c, cookie] of [[a, 11n], [b, 22n]] as const) {
    t.equal(c.got.length, 1);
    t.match(c.got[0], { opcode: CephWatchEvent.NOTIFY, cookie, notifyId: id, ver: 1n, notifierGid: 4300n, returnCode: 0, msgVer: 1 }, `NOTIFY to cookie ${cookie}`);
    t.equal(c.got[0]!.payload.toString(), 'hello');
  }
  t.equal((await run('o', [ackOp(id, 22n, 'from-b')], b, 4200)).result, 0, 'ack by b');
  t.equal(n.got.length, 0, 'not complete while a is pending');
  t.equal((await run('o', [ackOp(id, 11n, 'a')], a, 4100)).result, 0, 'ack by a');
  t.equal(n.got.length, 1, 'complete');
  const c = n.got[0]!;
  t.match(c, { opcode: CephWatchEvent.NOTIFY_COMPLETE, cookie: 77n, notifyId: id, ver: 1n, notifierGid: 4300n, returnCode: 0 });
  t.equal(c.payload.length, 0, 'empty front payload');
  t.same(c.data, completeBytes([[4100, 11, 'a'], [4200, 22, 'from-b']], []), 'acks in (gid, cookie) order, nothing missed');
  t.same(decodeNotifyCompleteData(c.data).acks.map((x) => x.reply.toString()), ['a', 'from-b']);
  // With no watchers the notify completes at once: (as the trace's 28-byte data for one empty ack) 8 bytes for none.
  await run('o', [osdOpWatch(W.unwatch, 11n)], a, 4100);
  await run('o', [osdOpWatch(W.unwatch, 22n)], b, 4200);
  await run('o', [notifyOp(78n, '', 0)], n, 4300);
  t.same([n.got.length, n.got[1]?.notifyId, n.got[1]?.data], [2, id + 1n, completeBytes([], [])], 'no watchers: complete at once');
});

t.test('notify: a silent watcher, ETIMEDOUT after the timeout with the watcher listed as missed', async (t) => {
  const { run, clock, drv } = await setup();
  const [a, b, n] = [new FakeCon(), new FakeCon(), new FakeCon()];
  await run('o', [osdOpWriteFull(Buffer.from('x'))], n, 4300);
  await run('o', [osdOpWatch(W.watch, 11n)], a, 4100);
  await run('o', [osdOpWatch(W.watch, 22n)], b, 4200);
  const r = await run('o', [notifyOp(5n, 'p', 3)], n, 4300);
  const id = r.ops[0]!.data.readBigUInt64LE(0);
  await run('o', [ackOp(id, 11n, 'ok')], a, 4100);
  clock.advance(2999);
  t.equal(n.got.length, 0, 'still waiting just before the timeout');
  clock.advance(1);
  t.equal(n.got.length, 1, 'completed at the timeout');
  t.match(n.got[0], { opcode: CephWatchEvent.NOTIFY_COMPLETE, cookie: 5n, notifyId: id, returnCode: -Errno.ETIMEDOUT });
  t.same(n.got[0]!.data, completeBytes([[4100, 11, 'ok']], [[4200, 22]]), 'the ack and the missed watcher');
  t.equal((await run('o', [ackOp(id, 22n, 'late')], b, 4200)).result, 0, 'a late ack is accepted');
  t.equal(n.got.length, 1, 'and changes nothing');
  t.equal(drv.registry.nextDeadline(), 1_700_000_100_000 + 30_000, 'only the watch timeouts remain');
});

t.test('watch timeout: DISCONNECT to the watcher, watcher removed by a PG write', async (t) => {
  const { run, clock, drv, settle, watchersInStore, h } = await setup();
  const [a, b] = [new FakeCon(), new FakeCon()];
  await run('o', [osdOpWriteFull(Buffer.from('x'))], a, 4100);
  await run('o', [osdOpWatch(W.watch, 11n)], a, 4100);
  await run('o', [osdOpWatch(W.legacy, 22n, 0, 7)], b, 4200);
  clock.advance(20_000);
  t.equal((await run('o', [osdOpWatch(W.ping, 11n)], a, 4100)).result, 0, 'ping at 20 s');
  clock.advance(29_000);
  await settle();
  t.same([a.got.length, await watchersInStore('o')], [0, ['11:8.4100', '22:8.4200']], 'the ping moved the deadline; a legacy watch never times out while connected');
  const lastUpdate = h.pg.info.lastUpdate.version;
  clock.advance(1000);
  await settle();
  t.match(a.got, [{ opcode: CephWatchEvent.DISCONNECT, cookie: 11n, notifyId: 0n, returnCode: 0 }], 'DISCONNECT at 30 s after the last ping');
  t.same(await watchersInStore('o'), ['22:8.4200'], 'removed from the object info');
  t.equal(h.pg.info.lastUpdate.version, lastUpdate + 1n, 'through one PG log entry');
  t.equal((await run('o', [osdOpWatch(W.ping, 11n)], a, 4100)).result, -Errno.ENOTCONN, 'its pings now get ENOTCONN');

  // A legacy watch whose connection resets times out `timeout` seconds later, with no DISCONNECT (no connection).
  drv.handleReset(b);
  clock.advance(6999);
  await settle();
  t.same(await watchersInStore('o'), ['22:8.4200'], 'kept until the timeout');
  clock.advance(1);
  await settle();
  t.same([await watchersInStore('o'), b.got.length], [[], 0], 'gone after 7 s, nothing sent');
});

t.test('deleting a watched object disconnects its watchers', async (t) => {
  const { run } = await setup();
  const a = new FakeCon();
  await run('o', [osdOpWriteFull(Buffer.from('x'))], a, 4100);
  await run('o', [osdOpWatch(W.watch, 11n)], a, 4100);
  t.equal((await run('o', [osdOp(CephOsdOp.DELETE)], a, 4100)).result, 0);
  t.match(a.got, [{ opcode: CephWatchEvent.DISCONNECT, cookie: 11n }]);
});

t.test('an engine without a watch registry refuses watch ops', async (t) => {
  const h = await harness();
  await h.run(req('o', [osdOpWriteFull(Buffer.from('x'))]));
  const r = await h.run(req('o', [osdOpWatch(W.watch, 1n)]));
  t.equal(r.result, -Errno.EOPNOTSUPP);
});
