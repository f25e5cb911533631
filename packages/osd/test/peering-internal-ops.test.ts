/**
 * Internal writes on a replicated PG (core/peering/rep-ops.ts submitInternal, as Ceph's
 * simple_opc_submit → issue_repop): the snap trimmer's clone trims and a watch timeout's watcher
 * removal run on the active primary through the RepOp path, so every copy's store and log get
 * them; they keep their order with client writes on the same object; replicas and a PG that is not
 * active refuse them; an interval change drops them; purged_snaps reaches every copy's pg_info_t.
 * Three cores on MemStores, a test-driven network and commit notices held back per OSD.
 */
import t from 'tap';
import { Reader, CEPH_FEATURES_ALL, makeAddr } from '@ts-ceph/denc';
import { SimClock } from '@ts-ceph/common';
import { CEPH_NOSNAP, decodeSnapSetT, pgKey } from '@ts-ceph/maps';
import { CephMessage } from '@ts-ceph/messenger';
import { CephOsdWatchOp, MOSDOp, osdOpWatch, osdOpWriteFull } from '@ts-ceph/messages';
import { MemStore, Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { PG } from '../src/core/pg';
import { OI_ATTR, SS_ATTR, decodeObjectInfo } from '../src/core/object-info';
import { trimNextClone } from '../src/core/snap-trim';
import { WatchDriver } from '../src/watch-driver';
import { ClientOp, InternalOp, PgMapping, ReplicatedPG, encodePeerWire, PeerWire } from '../src/core/peering';
import { allowAll, req, testNow } from './lib/harness';
import { clientOp, pumpCores, threeCores } from './lib/cores';

const mapping = (epoch: number, acting: number[]): PgMapping => ({ epoch, up: acting, upPrimary: acting[0]!, acting, primary: acting[0]!, size: 3, minSize: 2, upOsds: new Set([0, 1, 2]) });
const head = ghobject({ pool: 1, name: 'obj', hash: 0x1234abcb, snap: CEPH_NOSNAP });
const coll = collPG(1, 3);

class FakeCon {
  readonly features = CEPH_FEATURES_ALL;
  readonly got: CephMessage[] = [];
  send(m: CephMessage): void {
    this.got.push(m);
  }
}

interface Cluster {
  cores: ReplicatedPG[];
  stores: MemStore[];
  /** What finished, in the order the primary's outputs said so: client replies and internal writes' done. */
  events: string[];
  /** OSDs whose commit notices are held back. */
  hold: Set<number>;
  op(name: string, r: MOSDOp): Promise<void>;
  internal(name: string, build: (epoch: number) => Promise<Transaction | undefined>, at?: number): Promise<string | undefined>;
  collect(osd: number): void;
  pump(): Promise<void>;
}

async function cluster(): Promise<Cluster> {
  const { cores, stores } = await threeCores();
  const net: { from: number; to: number; b: PeerWire }[] = [];
  const commits: { osd: number; token: number }[] = [];
  const kicks: number[] = [];
  const names = new WeakMap<ClientOp, string>();
  const c: Cluster = {
    cores,
    stores,
    events: [],
    hold: new Set(),
    async op(name, r) {
      const op = clientOp(r);
      names.set(op, name);
      await cores[0]!.handleOp(op);
      collect(0);
    },
    async internal(name, build, at = 0) {
      const refused = await cores[at]!.submitInternal({ oid: head, build, done: (ok) => c.events.push(`${name}:${ok ? 'done' : 'dropped'}`) });
      collect(at);
      return refused;
    },
    collect: (osd) => collect(osd),
    pump: () => pumpCores(cores, { net, kicks, commits }, c.hold, collect),
  };
  function collect(osd: number): void {
    for (const o of cores[osd]!.take()) {
      if (o.kind === 'send') net.push({ from: osd, to: o.to, b: encodePeerWire(o.msg) });
      else if (o.kind === 'txn') {
        void stores[osd]!.queueTransaction(o.t);
        commits.push({ osd, token: o.token });
      } else if (o.kind === 'reply') c.events.push(`${names.get(o.op) ?? '?'}:${o.reply.result}`);
      else if (o.kind === 'kick') kicks.push(osd);
      else if (o.kind === 'effects') for (const f of o.run) f();
    }
  }
  for (let osd = 0; osd < 3; osd++) {
    await cores[osd]!.init([mapping(5, [0, 1, 2])]);
    collect(osd);
  }
  return c;
}

let tid = 100n;
const write = (data: string, snapSeq = 0n, snaps: bigint[] = []): MOSDOp => req('obj', [osdOpWriteFull(Buffer.from(data))], { snapSeq, snaps, reqid: { name: { type: 8, num: 4100 }, tid: tid++, inc: 0 } });
const snapSetOf = async (s: MemStore) => decodeSnapSetT(new Reader(await s.getattr(coll, head, SS_ATTR)));
const logOf = (core: ReplicatedPG): string[] => core.pg.entries.map((e) => `${e.op}:${e.soid.snap === CEPH_NOSNAP ? 'head' : e.soid.snap}@${e.version.version}`);

t.test('snap trim on a size-3 PG: through the RepOps, ordered with client writes, purged_snaps on every copy', async (t) => {
  const c = await cluster();
  t.equal(await c.internal('early', async () => undefined), 'not_active', 'a PG still peering refuses an internal write');
  await c.pump();
  t.equal(c.cores[0]!.phase, 'active');
  await c.op('w1', write('one'));
  await c.op('w2', write('two'));
  await c.pump();
  // Snap 4 taken: the next write clones the head (obj:4) on every copy.
  await c.op('w3', write('three', 4n, [4n]));
  await c.pump();
  for (const s of c.stores) t.ok(await s.exists(coll, { ...head, snap: 4n }), 'the clone is on every copy');
  t.equal(await c.internal('replica', async () => undefined, 1), 'not_primary', 'a replica never trims on its own');

  // Snap 4 removed: the trim races client writes to the same head (osd.2 slow to commit).
  c.hold.add(2);
  c.events.length = 0;
  await c.op('w4', write('four', 4n, []));
  const primary = c.cores[0]!;
  const build = (epoch: number): Promise<Transaction | undefined> => trimNextClone(c.stores[0]!, primary.pg, head, [[4, 1]], { epoch, now: testNow });
  t.equal(await c.internal('trim', build), undefined, 'the active primary takes it');
  await c.op('w5', write('five', 4n, []));
  await c.pump();
  t.same(c.events, [], 'nothing finishes while osd.2 has not committed');
  c.hold.delete(2);
  await c.pump();
  t.same(c.events, ['w4:0', 'trim:done', 'w5:0'], 'the trim finished between the writes around it, once durable on every copy');
  const want = logOf(primary);
  t.match(want.slice(-4), [/^\d+:head@/, /^\d+:4@/, /^\d+:head@/, /^\d+:head@/], 'w4, the clone DELETE, the head MODIFY, w5 in the log');
  for (let osd = 0; osd < 3; osd++) {
    const s = c.stores[osd]!;
    t.notOk(await s.exists(coll, { ...head, snap: 4n }), `osd.${osd}: the clone is gone`);
    const ss = await snapSetOf(s);
    t.same([ss.clones, ss.cloneSnaps], [[], []], `osd.${osd}: the head's SnapSet has no clone`);
    t.equal((await s.read(coll, head, 0, 0)).toString(), 'five', `osd.${osd}: the last write is the head's data`);
    t.same(logOf(c.cores[osd]!), want, `osd.${osd}: the same log`);
  }
  t.equal(await c.internal('again', build), undefined);
  await c.pump();
  t.same(c.events.slice(-1), ['again:done'], 'trimming again finds nothing to do');

  t.ok(primary.notePurged(primary.intervalStart, [[4, 1]]), 'the primary records the purged snap');
  c.collect(0);
  await c.pump();
  for (let osd = 0; osd < 3; osd++) {
    t.same(c.cores[osd]!.pg.info.purgedSnaps, [[4, 1]], `osd.${osd}: purged_snaps in pg_info`);
    const loaded = await PG.load(c.stores[osd]!, coll, { pool: 1, seed: 3 });
    t.same(loaded?.info.purgedSnaps, [[4, 1]], `osd.${osd}: and persisted`);
  }
  t.equal(primary.rep.infoShare.waiting.size, 0, 'every replica acknowledged the shared info');
  t.notOk(primary.notePurged(primary.intervalStart - 1, [[5, 1]]), 'a trimmer of an older interval records nothing');
});

t.test('a lost info share is resent on the tick', async (t) => {
  const c = await cluster();
  await c.pump();
  const primary = c.cores[0]!;
  primary.notePurged(primary.intervalStart, [[7, 2]]);
  primary.take(); // the transaction and both shares lost (the transaction matters not: the info is in memory)
  t.same([...primary.rep.infoShare.waiting].sort(), [1, 2]);
  await primary.tick();
  c.collect(0);
  await c.pump();
  for (let osd = 1; osd < 3; osd++) t.same(c.cores[osd]!.pg.info.purgedSnaps, [[7, 2]], `osd.${osd}: got it on the resend`);
  t.equal(primary.rep.infoShare.waiting.size, 0);
});

t.test('an interval change drops an internal write in flight', async (t) => {
  const c = await cluster();
  await c.pump();
  await c.op('w1', write('one'));
  await c.pump();
  c.hold.add(1);
  c.hold.add(2);
  await c.internal('trim', async (epoch) => {
    const w = new Transaction();
    const pg = c.cores[0]!.pg;
    const v = pg.nextVersion(epoch);
    w.setattr(coll, head, 'x', Buffer.from('1'));
    pg.append({ ...pg.entries[pg.entries.length - 1]!, version: v, priorVersion: pg.info.lastUpdate }, w, epoch);
    return w;
  });
  await c.cores[0]!.advanceMap(mapping(6, [0, 1]));
  c.collect(0);
  t.same(c.events, ['w1:0', 'trim:dropped'], 'its caller hears it was dropped (it starts over)');
});

t.test('a watch timeout on a size-3 PG removes the watcher on every copy', async (t) => {
  const clock = new SimClock(1_700_000_100_000);
  const c = await cluster();
  await c.pump();
  const key = pgKey({ pool: 1, seed: 3 });
  const drv = new WatchDriver({ clock, store: c.stores[0]!, pgs: new Map([[key, c.cores[0]!.pg]]), submit: async (_k, op: InternalOp) => {
    const r = await c.cores[0]!.submitInternal(op);
    c.collect(0);
    return r;
  } }, { clientWatchTimeoutSeconds: 30 });
  const con = new FakeCon();
  const watchReq = (): MOSDOp => req('obj', [osdOpWatch(CephOsdWatchOp.WATCH, 11n)], { reqid: { name: { type: 8, num: 4100 }, tid: tid++, inc: 0 } });
  await c.op('w1', write('x'));
  const op: ClientOp = { req: watchReq(), env: { now: testNow, pool: { id: 1, name: 'p', pgNum: 8, erasure: false, full: false, fullQuota: false }, session: allowAll, origin: { name: { type: 8, num: 4100 }, addr: makeAddr(2, '127.0.0.1', 44100, 4100) }, watches: drv.registry, client: con } };
  await c.cores[0]!.handleOp(op);
  c.collect(0);
  await c.pump();
  const watchers = async (osd: number): Promise<string[]> => [...decodeObjectInfo(await c.stores[osd]!.getattr(coll, head, OI_ATTR)).watchers.keys()];
  for (let osd = 0; osd < 3; osd++) t.same(await watchers(osd), ['11:8.4100'], `osd.${osd}: the watcher is in the object info`);
  drv.handleReset(con);
  clock.advance(30_000);
  // The driver's submit runs in a microtask: let it reach the core, then carry the RepOps.
  await new Promise((r) => setImmediate(r));
  await c.pump();
  await new Promise((r) => setImmediate(r));
  for (let osd = 0; osd < 3; osd++) t.same(await watchers(osd), [], `osd.${osd}: the watcher is gone from the object info`);
  const logs = c.cores.map(logOf);
  t.same(logs[1], logs[0], 'the replicas logged the removal as the primary did');
  t.same(logs[2], logs[0]);
  t.same(drv.registry.watchersOf({ pool: 1, seed: 3 }, head), [], 'and the live watch is gone once the write is durable everywhere');
  drv.stop();
});
