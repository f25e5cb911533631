/**
 * The monitor map service (src/mon/MonmapMonitor.cc, service "monmap"): `monmap/<e>` holds each
 * epoch's full MonMap. mkfs takes the given (or generated) map, sets epoch 1, the persistent features
 * of this release and min_mon_release pacific.
 */
import { Reader, Writer, CEPH_FEATURES_ALL, utimeFromMs } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common';
import { MonMap, decodeMonMap, encodeMonMap, MON_FEATURES_PERSISTENT, CephRelease } from '@ts-ceph/maps';
import { PaxosService } from '../paxos-service';
import { StoreTransaction } from '../store-txn';
import { StoreView } from '../store-view';

export class MonmapMonitor extends PaxosService {
  monmap!: MonMap;
  private pendingMap: MonMap | undefined;

  constructor(store: StoreView) {
    super('monmap', store);
  }

  /** create_initial from the mkfs monmap. */
  createInitialFrom(m: MonMap, now: number): void {
    const p = { ...m, monInfo: new Map(m.monInfo), ranks: [...m.ranks] };
    p.epoch = 1;
    p.persistentFeatures = MON_FEATURES_PERSISTENT;
    p.minMonRelease = CephRelease.pacific;
    if (!p.created.sec) p.created = utimeFromMs(now);
    if (!p.lastChanged.sec) p.lastChanged = p.created;
    this.pendingMap = p;
  }

  createInitial(): void {
    // Needs the mkfs monmap; the monitor calls createInitialFrom.
  }

  updateFromPaxos(): void {
    const v = this.lastCommitted;
    const b = this.getVersion(v);
    if (!b) throw cephError('EIO', `monmap epoch ${v} missing from the store`);
    this.monmap = decodeMonMap(new Reader(b));
  }

  createPending(): void {
    this.pendingMap = undefined;
  }

  havePending(): boolean {
    return this.pendingMap !== undefined;
  }

  encodePending(t: StoreTransaction): void {
    const m = this.pendingMap!;
    this.putVersion(t, m.epoch, encodeMonMapBytes(m));
    this.putLastCommitted(t, m.epoch);
  }

  /** The stored encoding of the current map (what MMonMap carries). */
  currentBytes(): Buffer {
    return this.getVersion(this.lastCommitted)!;
  }

  mapAt(epoch: number): Buffer | undefined {
    return this.getVersion(epoch);
  }
}

export function encodeMonMapBytes(m: MonMap, features: bigint = CEPH_FEATURES_ALL): Buffer {
  const w = new Writer(features);
  encodeMonMap(w, m);
  return w.finish();
}
