/**
 * MPoolOp on the OSDMap (OSDMonitor::preprocess_pool_op / prepare_pool_op): pool create/delete from
 * librados, pool snapshots, and self-managed (unmanaged) snapshot ids for RBD and librados clients.
 * Returns the reply code, and for CREATE_UNMANAGED_SNAP the new snapid; `propose` says whether the
 * pending incremental changed.
 */
import { Errno } from '@ts-ceph/common/core';
import { PoolFlag, PgPoolT, intervalSetContains, intervalSetInsert, PoolType } from '@ts-ceph/maps';
import { OSDMonitor } from './osd-monitor';
import { prepareNewPool } from './pool-create';
import { prepareRemovePool } from './pool-commands';

export const PoolOp = { CREATE: 0x01, DELETE: 0x02, AUID_CHANGE: 0x03, CREATE_SNAP: 0x11, DELETE_SNAP: 0x12, CREATE_UNMANAGED_SNAP: 0x21, DELETE_UNMANAGED_SNAP: 0x22 } as const;

export interface PoolOpRequest {
  pool: number;
  name: string;
  op: number;
  snapid: bigint;
  crushRule: number;
  now: number;
}

export interface PoolOpResult {
  code: number;
  propose: boolean;
  snapid?: bigint;
}

const unmanaged = (p: PgPoolT) => (p.flags & PoolFlag.SELFMANAGED_SNAPS) !== 0;
const poolSnaps = (p: PgPoolT) => (p.flags & PoolFlag.POOL_SNAPS) !== 0;

function isRemovedSnap(osd: OSDMonitor, pool: number, snap: number): boolean {
  const q = osd.osdmap.removedSnapsQueue.get(pool);
  const pend = osd.pending.newRemovedSnaps.get(pool);
  return (!!q && intervalSetContains(q, snap)) || (!!pend && intervalSetContains(pend, snap));
}

export function handlePoolOp(osd: OSDMonitor, q: PoolOpRequest): PoolOpResult {
  const m = osd.osdmap;
  if (q.op === PoolOp.CREATE) {
    if (osd.lookupPool(q.name) >= 0) return { code: 0, propose: false };
    try {
      prepareNewPool(osd, { name: q.name, pgNum: 0, pgpNum: 0, pgNumMin: 0, pgNumMax: 0, size: 0, ruleName: '', type: PoolType.REPLICATED, expectedNumObjects: 0, autoscaleMode: '', bulk: false, targetSizeBytes: 0, targetSizeRatio: 0, now: q.now });
    } catch (e) {
      return { code: -((e as { errno?: number }).errno ?? Errno.EINVAL), propose: false };
    }
    return { code: 0, propose: true };
  }
  const cur = m.pools.get(q.pool);
  if (!cur) return { code: q.op === PoolOp.DELETE ? 0 : -Errno.ENOENT, propose: false };
  if (q.op === PoolOp.DELETE) {
    try {
      prepareRemovePool(osd, q.pool);
    } catch (e) {
      return { code: -((e as { errno?: number }).errno ?? Errno.EINVAL), propose: false };
    }
    return { code: 0, propose: true };
  }
  if (q.op === PoolOp.AUID_CHANGE) return { code: -Errno.EOPNOTSUPP, propose: false };
  const proj = osd.pending.newPools.get(q.pool) ?? cur;
  const snapExists = proj.snaps.some((s) => s.name === q.name);
  switch (q.op) {
    case PoolOp.CREATE_SNAP: {
      if (unmanaged(proj) || proj.tierOf >= 0) return { code: -Errno.EINVAL, propose: false };
      if (snapExists) return { code: 0, propose: false };
      const p = osd.pendingPool(q.pool);
      p.snapSeq += 1;
      p.flags = (p.flags | PoolFlag.POOL_SNAPS) >>> 0;
      p.snaps.push({ snapid: p.snapSeq, stamp: osd.stamp(q.now), name: q.name });
      p.snapEpoch = osd.pending.epoch;
      return { code: 0, propose: true };
    }
    case PoolOp.DELETE_SNAP: {
      if (unmanaged(proj)) return { code: -Errno.EINVAL, propose: false };
      const s = proj.snaps.find((x) => x.name === q.name);
      if (!s) return { code: 0, propose: false };
      const p = osd.pendingPool(q.pool);
      p.snaps = p.snaps.filter((x) => x.snapid !== s.snapid);
      p.snapSeq += 1;
      p.snapEpoch = osd.pending.epoch;
      osd.pending.newRemovedSnaps.set(q.pool, intervalSetInsert(osd.pending.newRemovedSnaps.get(q.pool) ?? [], s.snapid));
      return { code: 0, propose: true };
    }
    case PoolOp.CREATE_UNMANAGED_SNAP: {
      if (poolSnaps(proj)) return { code: -Errno.EINVAL, propose: false };
      const p = osd.pendingPool(q.pool);
      if (p.snapSeq === 0) p.snapSeq = 1;
      p.flags = (p.flags | PoolFlag.SELFMANAGED_SNAPS) >>> 0;
      p.snapSeq += 1;
      p.snapEpoch = osd.pending.epoch;
      return { code: 0, propose: true, snapid: BigInt(p.snapSeq) };
    }
    case PoolOp.DELETE_UNMANAGED_SNAP: {
      if (!unmanaged(proj)) return { code: -Errno.EOPNOTSUPP, propose: false };
      const snap = Number(q.snapid);
      if (isRemovedSnap(osd, q.pool, snap)) return { code: 0, propose: false };
      if (snap > proj.snapSeq) return { code: -Errno.ENOENT, propose: false };
      const p = osd.pendingPool(q.pool);
      p.snapSeq += 1;
      p.snapEpoch = osd.pending.epoch;
      osd.pending.newRemovedSnaps.set(q.pool, intervalSetInsert(osd.pending.newRemovedSnaps.get(q.pool) ?? [], snap));
      return { code: 0, propose: true };
    }
  }
  return { code: -Errno.EINVAL, propose: false };
}
