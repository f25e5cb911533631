/**
 * Replicated PG cores driven in process, for the peering tests that play the daemon's part:
 * three cores of one PG on fresh MemStores, a client op as the daemon builds it, and the loop
 * that delivers messages, kicks and commit notices until nothing moves.
 */
import { makeAddr } from '@ts-ceph/denc';
import { MOSDOp, osdOpWriteFull } from '@ts-ceph/messages';
import { CEPH_NOSNAP } from '@ts-ceph/maps';
import { MemStore, Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { loadObjectStateIn } from '../../src/core/object-info';
import { PG } from '../../src/core/pg';
import { ClientOp, PeerWire, PgMapping, ReplicatedPG, decodePeerWire, defaultPeeringConf, encodePeerWire, oidKey } from '../../src/core/peering';
import { allowAll, req, testNow } from './harness';

/** Cores 0, 1 and 2 of PG 1.3 (pool 1, seed 3), each on its own mounted MemStore with the PG created. */
export async function threeCores(): Promise<{ cores: ReplicatedPG[]; stores: MemStore[] }> {
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
  return { cores, stores };
}

/** A client op on pool 1 (8 PGs) from client `r.reqid.name`, every cap allowed. */
export function clientOp(r: MOSDOp): ClientOp {
  return { req: r, env: { now: testNow, pool: { id: 1, name: 'p', pgNum: 8, erasure: false, full: false, fullQuota: false }, session: allowAll, origin: { name: r.reqid.name, addr: makeAddr(2, '127.0.0.1', 40000, 77) } } };
}

/** What the cores' outputs left for the driver: messages in flight, kicks, commit notices. */
export interface CoreQueues {
  net: { from: number; to: number; b: PeerWire }[];
  kicks: number[];
  commits: { osd: number; token: number }[];
}

/**
 * Deliver until nothing moves: the next message, the next kick, the first commit notice of an OSD
 * not in `hold`, each followed by `collect` of that core's outputs.
 */
export async function pumpCores(cores: readonly ReplicatedPG[], q: CoreQueues, hold: ReadonlySet<number>, collect: (osd: number) => void): Promise<void> {
  for (let moved = true; moved; ) {
    moved = false;
    const m = q.net.shift();
    if (m) {
      moved = true;
      await cores[m.to]!.handle(m.from, decodePeerWire(m.b.body, m.b.data));
      collect(m.to);
    }
    const k = q.kicks.shift();
    if (k !== undefined) {
      moved = true;
      await cores[k]!.kickWaiting();
      collect(k);
    }
    const i = q.commits.findIndex((x) => !hold.has(x.osd));
    if (i >= 0) {
      moved = true;
      const [x] = q.commits.splice(i, 1);
      await cores[x!.osd]!.committed(x!.token);
      collect(x!.osd);
    }
  }
}

/** PG 1.3 on osd.0, 1 and 2 (osd.0 primary) in map `epoch`, with `over` (map flags) on top. */
export const activeMapping = (epoch: number, over: Partial<PgMapping> = {}): PgMapping => ({ epoch, up: [0, 1, 2], upPrimary: 0, acting: [0, 1, 2], primary: 0, size: 3, minSize: 2, upOsds: new Set([0, 1, 2]), ...over });

/** A write_full of `obj` (the object of recoveryCluster) by client.4100 with tid `tid`. */
export const writeObj = (data: string, tid: bigint): MOSDOp => req('obj', [osdOpWriteFull(Buffer.from(data))], { reqid: { name: { type: 8, num: 4100 }, tid, inc: 0 } });

/** The object of recoveryCluster (`obj` in PG 1.3) and its collection. */
export const recoveryObj = ghobject({ pool: 1, name: 'obj', hash: 0x1234abcb, snap: CEPH_NOSNAP });
export const recoveryColl = collPG(1, 3);

export interface RecoveryCluster {
  cores: ReplicatedPG[];
  stores: MemStore[];
  /** Pulls and pushes sent, as "pull 0->1", "push 1->0 blank". */
  sent: string[];
  /** OSDs whose commit notices are held back. */
  hold: Set<number>;
  pump(): Promise<void>;
}

/**
 * The primary's copy of `obj` is lost behind its back and its missing set names it at the version
 * osd.2 holds (as after a log-based peering); recovery is not started here.
 */
export async function losePrimaryCopy(c: RecoveryCluster): Promise<void> {
  const need = (await loadObjectStateIn(c.stores[2]!, recoveryColl, recoveryObj)).oi.version;
  await c.stores[0]!.queueTransaction(new Transaction().remove(recoveryColl, recoveryObj));
  c.cores[0]!.ownMissing.set(oidKey(recoveryObj), { oid: recoveryObj, need, gone: false });
}

/** Three active copies of PG 1.3 holding `obj` = "the data", and the means to drive them. */
export async function recoveryCluster(): Promise<RecoveryCluster> {
  const { cores, stores } = await threeCores();
  const net: { from: number; to: number; b: PeerWire }[] = [];
  const commits: { osd: number; token: number }[] = [];
  const kicks: number[] = [];
  const sent: string[] = [];
  const hold = new Set<number>();
  const collect = (osd: number): void => {
    for (const o of cores[osd]!.take()) {
      if (o.kind === 'send') {
        net.push({ from: osd, to: o.to, b: encodePeerWire(o.msg) });
        if (o.msg.type === 'push' || o.msg.type === 'pull') sent.push(`${o.msg.type} ${osd}->${o.to}${o.msg.type === 'push' && o.msg.version[0] === 0 && o.msg.version[1] === 0 ? ' blank' : ''}`);
      } else if (o.kind === 'txn') {
        void stores[osd]!.queueTransaction(o.t);
        commits.push({ osd, token: o.token });
      } else if (o.kind === 'kick') kicks.push(osd);
      else if (o.kind === 'effects') for (const f of o.run) f();
    }
  };
  const pump = async (): Promise<void> => {
    for (let osd = 0; osd < 3; osd++) collect(osd);
    await pumpCores(cores, { net, kicks, commits }, hold, collect);
  };
  for (let osd = 0; osd < 3; osd++) await cores[osd]!.init([activeMapping(5)]);
  await pump();
  await cores[0]!.handleOp(clientOp(writeObj('the data', 7n)));
  await pump();
  sent.length = 0;
  return { cores, stores, sent, hold, pump };
}

