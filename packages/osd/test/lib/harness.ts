/**
 * A PG on a MemStore for op-engine tests: execute an MOSDOp, queue its transaction (as the daemon
 * does), return the reply.
 */
import { CephOsdFlag, MOSDOp, MOSDOpReply, BLKIN_TRACE_NONE } from '@ts-ceph/messages';
import { CEPH_NOSNAP as NOSNAP } from '@ts-ceph/objectstore';
import { MemStore, Transaction, collPG } from '@ts-ceph/objectstore';
import { makeAddr } from '@ts-ceph/denc';
import { executeOp, OpSession } from '../../src/core/op-engine';
import { OpPool } from '../../src/core/op-context';
import { PG } from '../../src/core/pg';
import type { CopySourceLocator } from '../../src/core/ops/copy';

export const allowAll: OpSession = { allowAll: true, cap: undefined };
export const testNow = { sec: 1700000100, nsec: 7 };

export function req(oid: string, ops: MOSDOp['ops'], over: Partial<MOSDOp> = {}): MOSDOp {
  return {
    pgid: { pgid: { pool: 1, seed: 3 }, shard: -1 },
    hash: 0x1234abcb,
    osdmapEpoch: 9,
    flags: CephOsdFlag.WRITE | CephOsdFlag.ONDISK,
    reqid: { name: { type: 8, num: 4100 }, tid: 0n, inc: 0 },
    trace: BLKIN_TRACE_NONE,
    clientInc: 0,
    mtime: { sec: 1700000000, nsec: 5 },
    oloc: { pool: 1, key: '', nspace: '', hash: -1n },
    oid,
    ops,
    snapid: NOSNAP,
    snapSeq: 0n,
    snaps: [],
    retryAttempt: 0,
    features: 0n,
    ...over,
  } as MOSDOp;
}

export interface Harness {
  store: MemStore;
  pg: PG;
  pool: OpPool;
  /** The copy-from source resolver the driver would give (unset: copy-from is EOPNOTSUPP). */
  copySource?: CopySourceLocator;
  run(m: MOSDOp, session?: OpSession, over?: { pg?: PG | undefined; epoch?: number }): Promise<MOSDOpReply>;
}

let tid = 1n;

/** A fresh MemStore with PG 1.3 (pool 'p', 8 PGs); `run` gives each request a new tid unless it has one. */
export async function harness(pgNum = 8): Promise<Harness> {
  const store = new MemStore();
  await store.mkfs();
  await store.mount();
  const coll = collPG(1, 3);
  const pg = PG.fresh(coll, { pool: 1, seed: 3 }, 9);
  const t0 = new Transaction().createCollection(coll, 3);
  pg.initTransaction(t0);
  await store.queueTransaction(t0);
  const pool: OpPool = { id: 1, name: 'p', pgNum, erasure: false, full: false, fullQuota: false };
  const h: Harness = {
    store,
    pg,
    pool,
    async run(m, session = allowAll, over = {}) {
      if (m.reqid.tid === 0n) m.reqid = { ...m.reqid, tid: tid++ };
      const out = await executeOp(store, 'pg' in over ? over.pg : h.pg, m, {
        epoch: over.epoch ?? 9,
        now: testNow,
        pool: h.pool,
        session,
        origin: { name: m.reqid.name, addr: makeAddr(2, '127.0.0.1', 40000, 77) },
        copySource: h.copySource,
      });
      if (out.t) await store.queueTransaction(out.t);
      return out.reply;
    },
  };
  return h;
}
