/**
 * The mgr map service (src/mon/MgrMonitor.cc, service "mgr"): `mgr/<e>` holds each MgrMap. The
 * daemon's mgr role (src/mgr-role.ts) names itself the active mgr at start; mkfs sets the initial
 * modules (mgr_initial_modules) and the always-on module table of 16.2.
 */
import { MgrMap, newMgrMap, decodeMgrMap, encodeMgrMap } from '@ts-ceph/maps';
import { UTime } from '@ts-ceph/denc';
import { ActiveMgr, withActiveMgr, withoutActiveMgr } from '@ts-ceph/mgr/core';
import { FullMapService } from '../map-service';
import { StoreView } from '../store-view';

/** MgrMonitor's always_on_modules as a 16.2.15 mon reports them (`ceph mgr dump`), by release. */
export const ALWAYS_ON_MODULES: [number, string[]][] = [
  [14, ['balancer', 'crash', 'devicehealth', 'orchestrator_cli', 'progress', 'rbd_support', 'status', 'volumes']],
  [15, ['balancer', 'crash', 'devicehealth', 'orchestrator', 'pg_autoscaler', 'progress', 'rbd_support', 'status', 'telemetry', 'volumes']],
  [16, ['balancer', 'crash', 'devicehealth', 'orchestrator', 'pg_autoscaler', 'progress', 'rbd_support', 'status', 'telemetry', 'volumes']],
];

export class MgrMonitor extends FullMapService<MgrMap> {
  mgrmap: MgrMap = newMgrMap();

  constructor(
    store: StoreView,
    private readonly initialModules: () => string,
  ) {
    super('mgr', store, 'mgrmap', { decode: (r) => decodeMgrMap(r), encode: encodeMgrMap });
  }

  protected setCommitted(m: MgrMap): void {
    this.mgrmap = m;
  }

  createInitial(): void {
    const m = newMgrMap();
    m.epoch = 1;
    m.modules = this.initialModules().split(/[\s,;]+/).filter(Boolean).sort();
    m.alwaysOnModules = new Map(ALWAYS_ON_MODULES.map(([r, mods]) => [r, [...mods]]));
    this.pendingMap = m;
  }

  /** With nothing committed yet the map stays the empty one. */
  override updateFromPaxos(): void {
    if (this.lastCommitted) super.updateFromPaxos();
  }

  /**
   * A mgr became active (MgrMonitor::prepare_beacon for a new active gid): the next map names it,
   * its addrs and modules, and says it is available.
   */
  activate(a: ActiveMgr): void {
    this.pendingMap = withActiveMgr(this.pendingMap ?? this.mgrmap, a);
  }

  /** The active mgr is gone (MgrMonitor::drop_active); a no-op when none is named. */
  dropActive(since: UTime): void {
    const m = this.pendingMap ?? this.mgrmap;
    if (m.activeGid === 0n && !m.activeName) return;
    this.pendingMap = withoutActiveMgr(m, since);
  }

  /** Encoded for a peer with `features` (MMgrMap). */
  encodedFor(features: bigint): Buffer {
    return this.encodeMap(this.mgrmap, features);
  }
}
