/**
 * Replicated PG cores driven in process, for the peering tests that play the daemon's part:
 * three cores of one PG on fresh MemStores, a client op as the daemon builds it, and the loop
 * that delivers messages, kicks and commit notices until nothing moves.
 */
import { makeAddr } from '@ts-ceph/denc';
import { MOSDOp } from '@ts-ceph/messages';
import { MemStore, Transaction, collPG } from '@ts-ceph/objectstore';
import { PG } from '../../src/core/pg';
import { ClientOp, PeerWire, ReplicatedPG, decodePeerWire, defaultPeeringConf } from '../../src/core/peering';
import { allowAll, testNow } from './harness';

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
