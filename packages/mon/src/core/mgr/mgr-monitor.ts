/**
 * The mgr map service (src/mon/MgrMonitor.cc, service "mgr"): `mgr/<e>` holds each MgrMap. The
 * daemon's mgr role (src/mgr-role.ts) names itself the active mgr at start; mkfs sets the initial
 * modules (mgr_initial_modules) and the always-on module table of 16.2.
 */
import { Reader } from '@ts-ceph/denc';
import { MgrMap, newMgrMap, decodeMgrMap, encodeMgrMap } from '@ts-ceph/maps';
import { UTime } from '@ts-ceph/denc';
import { ActiveMgr, withActiveMgr, withoutActiveMgr } from '@ts-ceph/mgr/core';
import { FullMapService } from '../map-service';
import { StoreView } from '../store-view';
import { CommandHandler, fail, proposeThen, reply } from '../commands/types';
import { getStr } from '../commands/cmdmap';

/** The modules the process hosting the mgr role runs itself, so `mgr module enable` accepts them. */
export const HOSTED_MGR_MODULES = ['crash', 'prometheus'];

/** The release whose always-on list applies (the mon's own, pacific). */
const RELEASE = 16;

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

  /** The pending map, started from the committed one with the next epoch (MgrMonitor's pending_map). */
  private pending(): MgrMap {
    if (!this.pendingMap) {
      this.pendingMap = decodeMgrMap(new Reader(this.encodeMap(this.mgrmap)));
      this.pendingMap.epoch = this.mgrmap.epoch + 1;
    }
    return this.pendingMap;
  }

  /** MgrMap::all_support_module: the active and every standby list it, or we host it ourselves. */
  private supports(m: MgrMap, module: string): boolean {
    if (HOSTED_MGR_MODULES.includes(module)) return true;
    if (!m.activeName || !m.availableModules.some((x) => x.name === module)) return false;
    return [...m.standbys.values()].every((s) => s.availableModules.some((x) => x.name === module));
  }

  /** `mgr module enable|disable` (MgrMonitor::prepare_command), with Ceph's messages. */
  commands(): Record<string, CommandHandler> {
    return {
      'mgr module enable': (req) => {
        const module = getStr(req.cmdmap, 'module', '');
        if (!module) return reply(-22, '');
        const m = this.pending();
        if ((m.alwaysOnModules.get(RELEASE) ?? []).includes(module)) return proposeThen([this], 0, `module '${module}' is already enabled (always-on)`);
        const force = getStr(req.cmdmap, 'force', '') === '--force';
        if (!force && !this.supports(m, module)) return fail('ENOENT', `all mgr daemons do not support module '${module}', pass --force to force enablement`);
        if (m.modules.includes(module)) return proposeThen([this], 0, `module '${module}' is already enabled`);
        m.modules = [...m.modules, module].sort();
        return proposeThen([this], 0, '');
      },
      'mgr module disable': (req) => {
        const module = getStr(req.cmdmap, 'module', '');
        if (!module) return reply(-22, '');
        const m = this.pending();
        if ((m.alwaysOnModules.get(RELEASE) ?? []).includes(module)) return fail('EINVAL', `module '${module}' cannot be disabled (always-on)`);
        if (!m.modules.includes(module)) return proposeThen([this], 0, `module '${module}' is already disabled`);
        m.modules = m.modules.filter((x) => x !== module);
        return proposeThen([this], 0, '');
      },
    };
  }

  /** Whether `module` is enabled in the committed map (listed, or always on for our release). */
  moduleEnabled(module: string): boolean {
    return this.mgrmap.modules.includes(module) || (this.mgrmap.alwaysOnModules.get(RELEASE) ?? []).includes(module);
  }

  /**
   * A mgr became active (MgrMonitor::prepare_beacon for a new active gid): the next map names it,
   * its addrs and modules, and says it is available.
   */
  activate(a: ActiveMgr): void {
    this.pendingMap = this.keepPendingEpoch(withActiveMgr(this.pendingMap ?? this.mgrmap, a));
  }

  /** The active mgr is gone (MgrMonitor::drop_active); a no-op when none is named. */
  dropActive(since: UTime): void {
    const m = this.pendingMap ?? this.mgrmap;
    if (m.activeGid === 0n && !m.activeName) return;
    this.pendingMap = this.keepPendingEpoch(withoutActiveMgr(m, since));
  }

  /** A change to an already pending map stays in that map's epoch (one epoch per proposal). */
  private keepPendingEpoch(next: MgrMap): MgrMap {
    if (this.pendingMap) next.epoch = this.pendingMap.epoch;
    return next;
  }

  /** Encoded for a peer with `features` (MMgrMap). */
  encodedFor(features: bigint): Buffer {
    return this.encodeMap(this.mgrmap, features);
  }
}
