/**
 * Fencing blocklisted clients (OSDMap blocklist): the primary's core refuses every op of a client
 * its PG's map blocklists with -EBLOCKLISTED before it runs (PrimaryLogPG::do_op), other clients
 * go on; and on a map that blocklists a watcher, the watch driver removes the watch through an
 * internal write on every copy, as a watch timeout does (check_blocklisted_watchers), so a notify
 * stops waiting for it. Three cores of one PG on MemStores (test/lib/cores.ts); the blocklist
 * check comes from an OSDMap through blocklistCheckOf, as the daemon's mappings get it.
 */
import t from 'tap';
import { SimClock } from '@ts-ceph/common';
import { AddrType, CEPH_FEATURES_ALL, EntityAddr, makeAddr } from '@ts-ceph/denc';
import { CephRelease, CEPH_NOSNAP, OSDMap, buildSimple, pgKey } from '@ts-ceph/maps';
import { CephMessage, messageTypes } from '@ts-ceph/messenger';
import { CephOsdOp, CephOsdWatchOp, CephWatchEvent, MOSDOp, MWatchNotify, osdOp, osdOpRead, osdOpWatch, osdOpWriteFull } from '@ts-ceph/messages';
import { collPG, ghobject } from '@ts-ceph/objectstore';
import { OI_ATTR, decodeObjectInfo } from '../src/core/object-info';
import { ClientOp, InternalOp, PgMapping, ReplicatedPG, encodePeerWire, PeerWire } from '../src/core/peering';
import { WatchDriver } from '../src/watch-driver';
import { WatchRegistry } from '../src/core/watch';
import { blocklistCheckOf } from '../src/pg-replay';
import { allowAll, req, testNow } from './lib/harness';
import { pumpCores, threeCores } from './lib/cores';

const EBLOCKLISTED = -108;
const head = ghobject({ pool: 1, name: 'obj', hash: 0x1234abcb, snap: CEPH_NOSNAP });
const coll = collPG(1, 3);
const pool = { id: 1, name: 'p', pgNum: 8, erasure: false, full: false, fullQuota: false };

/** Client `num` at `addr` ("IP:port/nonce"). */
const client = (num: number, ip: string, port: number, nonce: number) => ({ num, addr: makeAddr(AddrType.ANY, ip, port, nonce) });
const A = client(4100, '127.0.0.1', 0, 1111);
const B = client(4200, '127.0.0.1', 0, 2222);
const C = client(4300, '127.0.0.2', 0, 3333);

/** An OSDMap (pacific) whose blocklist holds `entries`; the check the daemon's mappings carry. */
function checkFor(entries: EntityAddr[]): PgMapping['isBlocklisted'] {
  const m: OSDMap = buildSimple({ numOsd: 3, now: { sec: 0, nsec: 0 }, defaultPool: false, pgBits: 0, pgpBits: 0, conf: {} });
  m.requireOsdRelease = CephRelease.pacific;
  for (const a of entries) m.blocklist.insert(a, { sec: 2_000_000_000, nsec: 0 });
  return blocklistCheckOf(m);
}

const mapping = (epoch: number, isBlocklisted?: PgMapping['isBlocklisted']): PgMapping => ({ epoch, up: [0, 1, 2], upPrimary: 0, acting: [0, 1, 2], primary: 0, size: 3, minSize: 2, upOsds: new Set([0, 1, 2]), isBlocklisted });

class FakeCon {
  readonly features = CEPH_FEATURES_ALL;
  readonly got: MWatchNotify[] = [];
  send(m: CephMessage): void {
    this.got.push(messageTypes.decode(m) as MWatchNotify);
  }
}

let tid = 100n;
function op(who: { num: number; addr: EntityAddr }, ops: MOSDOp['ops'], extra: Partial<ClientOp['env']> = {}): ClientOp {
  const r = req('obj', ops, { reqid: { name: { type: 8, num: who.num }, tid: tid++, inc: 0 } });
  return { req: r, env: { now: testNow, pool, session: allowAll, origin: { name: r.reqid.name, addr: who.addr }, ...extra } };
}

async function cluster() {
  const { cores, stores } = await threeCores();
  const q = { net: [] as { from: number; to: number; b: PeerWire }[], kicks: [] as number[], commits: [] as { osd: number; token: number }[] };
  const replies = new Map<ClientOp, number>();
  const collect = (osd: number): void => {
    for (const o of cores[osd]!.take()) {
      if (o.kind === 'send') q.net.push({ from: osd, to: o.to, b: encodePeerWire(o.msg) });
      else if (o.kind === 'txn') {
        void stores[osd]!.queueTransaction(o.t);
        q.commits.push({ osd, token: o.token });
      } else if (o.kind === 'reply') replies.set(o.op, o.reply.result);
      else if (o.kind === 'kick') q.kicks.push(osd);
      else if (o.kind === 'effects') for (const f of o.run) f();
    }
  };
  const pump = () => pumpCores(cores, q, new Set(), collect);
  for (let osd = 0; osd < 3; osd++) {
    await cores[osd]!.init([mapping(5)]);
    collect(osd);
  }
  /** Every core to `m` (the same interval). */
  const advance = async (m: PgMapping): Promise<void> => {
    for (let osd = 0; osd < 3; osd++) {
      await cores[osd]!.advanceMap(m);
      collect(osd);
    }
  };
  /** Send `o` to the primary, carry everything out, and give its reply's result. */
  const run = async (o: ClientOp): Promise<number | undefined> => {
    await cores[0]!.handleOp(o);
    collect(0);
    await pump();
    return replies.get(o);
  };
  return { cores, stores, collect, pump, advance, run, replies };
}

const logOf = (core: ReplicatedPG): string[] => core.pg.entries.map((e) => `${e.op}@${e.version.version}`);

t.test('the primary refuses a blocklisted client’s ops, exact instance or whole IP', async (t) => {
  const c = await cluster();
  await c.pump();
  t.equal(c.cores[0]!.phase, 'active');
  t.equal(await c.run(op(A, [osdOpWriteFull(Buffer.from('a1'))])), 0, 'A writes while nobody is blocklisted');
  // e6 blocklists A's instance (127.0.0.1:0/1111) and C's whole IP (127.0.0.2:0/0).
  await c.advance(mapping(6, checkFor([A.addr, makeAddr(AddrType.ANY, '127.0.0.2', 0, 0)])));
  const before = logOf(c.cores[0]!);
  t.equal(await c.run(op(A, [osdOpWriteFull(Buffer.from('a2'))])), EBLOCKLISTED, 'A’s write: -EBLOCKLISTED');
  t.equal(await c.run(op(A, [osdOpRead(0, 0)])), EBLOCKLISTED, 'A’s read too');
  t.equal(await c.run(op(C, [osdOpWriteFull(Buffer.from('c'))])), EBLOCKLISTED, 'C, on a blocklisted IP');
  t.same(logOf(c.cores[0]!), before, 'nothing logged for the refused ops (not even an ERROR entry)');
  t.equal(await c.run(op(B, [osdOpWriteFull(Buffer.from('b'))])), 0, 'B, another instance on A’s host, writes');
  for (let osd = 0; osd < 3; osd++) {
    t.equal((await c.stores[osd]!.read(coll, head, 0, 0)).toString(), 'b', `osd.${osd}: B’s data, never A’s second write`);
    t.same(logOf(c.cores[osd]!), logOf(c.cores[0]!), `osd.${osd}: the primary’s log`);
  }
  await c.advance(mapping(7));
  t.equal(await c.run(op(A, [osdOpRead(0, 0)])), 0, 'once the entry is gone (e7) A reads again');
});

t.test('an op that waited for the PG to go active is checked against the map it runs under', async (t) => {
  const c = await cluster();
  const held = op(A, [osdOpWriteFull(Buffer.from('late'))]);
  await c.cores[0]!.handleOp(held);
  c.collect(0);
  t.equal(c.replies.size, 0, 'it waits while the PG peers');
  await c.advance(mapping(6, checkFor([A.addr])));
  await c.pump();
  t.equal(c.cores[0]!.phase, 'active');
  t.equal(c.replies.get(held), EBLOCKLISTED, 'refused: A was blocklisted before it ran');
  for (let osd = 0; osd < 3; osd++) t.notOk(await c.stores[osd]!.exists(coll, head), `osd.${osd}: nothing written`);
});

t.test('a blocklisted client’s watch is removed on every copy; a notify stops waiting for it', async (t) => {
  const clock = new SimClock(1_700_000_100_000);
  const c = await cluster();
  await c.pump();
  const key = pgKey({ pool: 1, seed: 3 });
  const drv = new WatchDriver({ clock, store: c.stores[0]!, pgs: new Map([[key, c.cores[0]!.pg]]), submit: async (_k, o: InternalOp) => {
    const r = await c.cores[0]!.submitInternal(o);
    c.collect(0);
    return r;
  } }, { clientWatchTimeoutSeconds: 30 });
  const [conA, conB] = [new FakeCon(), new FakeCon()];
  const env = (con: FakeCon) => ({ watches: drv.registry, client: con });
  t.equal(await c.run(op(B, [osdOpWriteFull(Buffer.from('x'))])), 0);
  t.equal(await c.run(op(A, [osdOpWatch(CephOsdWatchOp.WATCH, 11n)], env(conA))), 0, 'A watches');
  t.equal(await c.run(op(B, [osdOpWatch(CephOsdWatchOp.WATCH, 22n)], env(conB))), 0, 'B watches');
  const watchers = async (osd: number): Promise<string[]> => [...decodeObjectInfo(await c.stores[osd]!.getattr(coll, head, OI_ATTR)).watchers.keys()].sort();
  for (let osd = 0; osd < 3; osd++) t.same(await watchers(osd), ['11:8.4100', '22:8.4200'], `osd.${osd}: both watchers in the object info`);
  // B notifies; A (alive, never acking) holds it up.
  const notify = Buffer.alloc(12);
  notify.writeUInt32LE(1, 0);
  notify.writeUInt32LE(30, 4);
  t.equal(await c.run(op(B, [osdOp(CephOsdOp.NOTIFY, { args: Buffer.alloc(28), data: notify })], env(conB))), 0);
  t.same(conA.got.map((m) => m.opcode), [CephWatchEvent.NOTIFY], 'A got the notify');
  // B, a watcher too, acks its own notify (le64 notify id, le64 cookie, an empty reply).
  const ack = Buffer.alloc(20);
  ack.writeBigUInt64LE(conB.got[0]!.notifyId, 0);
  ack.writeBigUInt64LE(22n, 8);
  t.equal(await c.run(op(B, [osdOp(CephOsdOp.NOTIFY_ACK, { data: ack })], env(conB))), 0, 'B acks');
  const complete = () => conB.got.filter((m) => m.opcode === CephWatchEvent.NOTIFY_COMPLETE);
  t.equal(complete().length, 0, 'the notify waits for A');

  const check = checkFor([A.addr]);
  await c.advance(mapping(6, check));
  drv.onMap(check);
  // The driver's submit runs in a microtask: let it reach the core, then carry the RepOps.
  await new Promise((r) => setImmediate(r));
  await c.pump();
  await new Promise((r) => setImmediate(r));
  for (let osd = 0; osd < 3; osd++) t.same(await watchers(osd), ['22:8.4200'], `osd.${osd}: A’s watcher is gone from the object info`);
  t.same(logOf(c.cores[1]!), logOf(c.cores[0]!), 'the replicas logged the removal as the primary did');
  t.same(drv.registry.watchersOf({ pool: 1, seed: 3 }, head).map((w) => w.cookie), [22n], 'only B’s live watch is left');
  t.equal(conA.got.at(-1)?.opcode, CephWatchEvent.DISCONNECT, 'A was told (DISCONNECT), as for a timeout');
  t.equal(complete().length, 1, 'B’s notify completed without A');
  t.equal(clock.wallNow(), 1_700_000_100_000, 'at once, not at a timeout');
  drv.stop();
});

t.test('a watcher loaded from the object info whose client is blocklisted expires at once', async (t) => {
  const reg = new WatchRegistry();
  reg.blocklisted = checkFor([A.addr]);
  const info = (cookie: bigint, who: typeof A) => ({ cookie, timeoutSeconds: 30, addr: who.addr, entity: { type: 8, num: who.num } });
  reg.populate({ pool: 1, seed: 3 }, head, new Map([['11:8.4100', info(11n, A)], ['22:8.4200', info(22n, B)]]), 5_000);
  t.equal(reg.nextDeadline(), 5_000, 'A’s watch is due now');
  t.match(reg.tick(5_000), [{ kind: 'expire', cookie: 11n, entity: { num: 4100 } }], 'only A’s is handed over for removal');
});
