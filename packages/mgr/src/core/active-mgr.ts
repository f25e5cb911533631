/**
 * The MgrMap fields an active mgr fills in (MgrMonitor::prepare_beacon for the first beacon of a new
 * gid): name, gid, addrs, features, `available`, and the modules it can run with their options, as a
 * 16.2.15 ceph-mgr reports them in its beacon.
 */
import { EntityAddrvec, UTime } from '@ts-ceph/denc';
import { MgrMap, ModuleInfo, ModuleOption, newModuleOption, optionTypeName, optionLevelName } from '@ts-ceph/maps';

export interface ActiveMgr {
  gid: bigint;
  name: string;
  addrs: EntityAddrvec;
  features: bigint;
  /** When it became active (the mon's clock). */
  since: UTime;
  availableModules: ModuleInfo[];
}

/** The next map with `a` as the active mgr; a new gid replaces any previous active one. */
export function withActiveMgr(m: MgrMap, a: ActiveMgr): MgrMap {
  return {
    ...m,
    epoch: m.epoch + 1,
    activeGid: a.gid,
    activeName: a.name,
    activeAddrs: a.addrs,
    activeChange: a.since,
    activeMgrFeatures: a.features,
    available: true,
    availableModules: a.availableModules,
    standbys: new Map([...m.standbys].filter(([, s]) => s.name !== a.name)),
  };
}

/** The next map without an active mgr (MgrMonitor::drop_active). */
export function withoutActiveMgr(m: MgrMap, since: UTime): MgrMap {
  return { ...m, epoch: m.epoch + 1, activeGid: 0n, activeName: '', activeAddrs: [], available: false, activeChange: since, activeMgrFeatures: 0n, clients: [], clientNames: [] };
}

interface ModuleOptionJSON {
  name: string;
  type: string;
  level: string;
  flags: number;
  default_value: string;
  min: string;
  max: string;
  enum_allowed: string[];
  desc: string;
  long_desc: string;
  tags: string[];
  see_also: string[];
}

export interface ModuleInfoJSON {
  name: string;
  can_run: boolean;
  error_string: string;
  module_options: Record<string, ModuleOptionJSON>;
}

function indexOfName(name: string, nameOf: (i: number) => string): number {
  for (let i = 0; i < 16; i++) if (nameOf(i) === name) return i;
  return nameOf === optionTypeName ? 2 : 1;
}

function optionFromJSON(j: ModuleOptionJSON): ModuleOption {
  return {
    ...newModuleOption(j.name),
    type: indexOfName(j.type, optionTypeName),
    level: indexOfName(j.level, optionLevelName),
    flags: j.flags,
    defaultValue: j.default_value,
    min: j.min,
    max: j.max,
    enumAllowed: [...j.enum_allowed],
    desc: j.desc,
    longDesc: j.long_desc,
    tags: [...j.tags],
    seeAlso: [...j.see_also],
  };
}

/** ModuleInfo from the JSON `ceph mgr dump` prints (available_modules), the form we ship it in. */
export function moduleInfoFromJSON(j: ModuleInfoJSON): ModuleInfo {
  const opts = Object.values(j.module_options).map(optionFromJSON);
  return { name: j.name, canRun: j.can_run, errorString: j.error_string, moduleOptions: new Map(opts.map((o) => [o.name, o])) };
}
