/**
 * The mgr map service (src/mon/MgrMonitor.cc, service "mgr"): `mgr/<e>` holds each MgrMap. ts-mon
 * serves the mgr's cluster-wide commands itself, so the map normally has no active mgr; mkfs sets the
 * initial modules (mgr_initial_modules) and the always-on module table of 16.2.
 */
import { Reader, Writer, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common';
import { MgrMap, newMgrMap, decodeMgrMap, encodeMgrMap } from '@ts-ceph/maps';
import { PaxosService } from '../paxos-service';
import { StoreTransaction } from '../store-txn';
import { StoreView } from '../store-view';

/** MgrMonitor's always_on_modules as a 16.2.15 mon reports them (`ceph mgr dump`), by release. */
export const ALWAYS_ON_MODULES: [number, string[]][] = [
  [14, ['balancer', 'crash', 'devicehealth', 'orchestrator_cli', 'progress', 'rbd_support', 'status', 'volumes']],
  [15, ['balancer', 'crash', 'devicehealth', 'orchestrator', 'pg_autoscaler', 'progress', 'rbd_support', 'status', 'telemetry', 'volumes']],
  [16, ['balancer', 'crash', 'devicehealth', 'orchestrator', 'pg_autoscaler', 'progress', 'rbd_support', 'status', 'telemetry', 'volumes']],
];

export class MgrMonitor extends PaxosService {
  mgrmap: MgrMap = newMgrMap();
  private pendingMap: MgrMap | undefined;

  constructor(
    store: StoreView,
    private readonly initialModules: () => string,
  ) {
    super('mgr', store);
  }

  createInitial(): void {
    const m = newMgrMap();
    m.epoch = 1;
    m.modules = this.initialModules().split(/[\s,;]+/).filter(Boolean).sort();
    m.alwaysOnModules = new Map(ALWAYS_ON_MODULES.map(([r, mods]) => [r, [...mods]]));
    this.pendingMap = m;
  }

  updateFromPaxos(): void {
    const v = this.lastCommitted;
    if (!v) return;
    const b = this.getVersion(v);
    if (!b) throw cephError('EIO', `mgrmap epoch ${v} missing from the store`);
    this.mgrmap = decodeMgrMap(new Reader(b));
  }

  createPending(): void {
    this.pendingMap = undefined;
  }

  havePending(): boolean {
    return this.pendingMap !== undefined;
  }

  encodePending(t: StoreTransaction): void {
    const m = this.pendingMap!;
    const w = new Writer(CEPH_FEATURES_ALL);
    encodeMgrMap(w, m);
    this.putVersion(t, m.epoch, w.finish());
    this.putLastCommitted(t, m.epoch);
  }

  /** Encoded for a peer with `features` (MMgrMap). */
  encodedFor(features: bigint): Buffer {
    const w = new Writer(features);
    encodeMgrMap(w, this.mgrmap);
    return w.finish();
  }
}
