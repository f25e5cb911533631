import { EntityAddrvec, Reader, UTime, Writer, decodeEntityAddrvec, decodeUTime, encodeEntityAddr, encodeEntityAddrvec, encodeUTime, hasFeature, UTIME_ZERO } from '@ts-ceph/denc';
import { cmpStr, sortedStrings } from '../format/text';
import { legacyAddr } from '../monmap/monmap';

/**
 * MgrMap with StandbyInfo, ModuleInfo and ModuleOption (src/mon/MgrMap.h), as Ceph 16.2.15 encodes it:
 * struct v12, whose tail carries the active clients' names next to their addresses. Maps decoded from
 * an older (v11) encoding keep `clientNames` undefined and re-encode as v11, byte for byte.
 */

/** Option::type_t names. */
const OPTION_TYPES = ['uint', 'int', 'str', 'float', 'bool', 'addr', 'addrvec', 'uuid', 'size', 'secs', 'millisecs'];
const OPTION_LEVELS = ['basic', 'advanced', 'dev', 'unknown'];

export function optionTypeName(t: number): string {
  return OPTION_TYPES[t] ?? 'unknown';
}
export function optionLevelName(l: number): string {
  return OPTION_LEVELS[l] ?? 'unknown';
}

export interface ModuleOption {
  name: string;
  /** u8 Option::type_t (TYPE_STR = 2 by default). */
  type: number;
  /** u8 Option::level_t (LEVEL_ADVANCED = 1 by default). */
  level: number;
  /** u32 Option::flag_t bits. */
  flags: number;
  defaultValue: string;
  min: string;
  max: string;
  enumAllowed: string[];
  desc: string;
  longDesc: string;
  tags: string[];
  seeAlso: string[];
}

export function newModuleOption(name: string): ModuleOption {
  return { name, type: 2, level: 1, flags: 0, defaultValue: '', min: '', max: '', enumAllowed: [], desc: '', longDesc: '', tags: [], seeAlso: [] };
}

function strSet(r: Reader, field: string): string[] {
  return r.list(field, (rr) => rr.string('item'), 4);
}

function encStrSet(w: Writer, v: string[]): void {
  w.list([...new Set(sortedStrings(v))], (ww, s) => ww.string(s));
}

export function decodeModuleOption(r: Reader, field = 'MgrMap::ModuleOption'): ModuleOption {
  return r.envelope(field, 1, () => ({
    name: r.string('name'),
    type: r.u8('type'),
    level: r.u8('level'),
    flags: r.u32('flags'),
    defaultValue: r.string('default_value'),
    min: r.string('min'),
    max: r.string('max'),
    enumAllowed: strSet(r, 'enum_allowed'),
    desc: r.string('desc'),
    longDesc: r.string('long_desc'),
    tags: strSet(r, 'tags'),
    seeAlso: strSet(r, 'see_also'),
  }));
}

export function encodeModuleOption(w: Writer, o: ModuleOption): void {
  w.envelope(1, 1, () => {
    w.string(o.name).u8(o.type).u8(o.level).u32(o.flags).string(o.defaultValue).string(o.min).string(o.max);
    encStrSet(w, o.enumAllowed);
    w.string(o.desc).string(o.longDesc);
    encStrSet(w, o.tags);
    encStrSet(w, o.seeAlso);
  });
}

export interface ModuleInfo {
  name: string;
  canRun: boolean;
  errorString: string;
  /** By option name, in name order. */
  moduleOptions: Map<string, ModuleOption>;
}

export function newModuleInfo(name: string): ModuleInfo {
  return { name, canRun: true, errorString: '', moduleOptions: new Map() };
}

export function decodeModuleInfo(r: Reader, field = 'MgrMap::ModuleInfo'): ModuleInfo {
  return r.envelope(field, 1, (_r, v) => {
    const m = newModuleInfo(r.string('name'));
    m.canRun = r.bool('can_run');
    m.errorString = r.string('error_string');
    if (v >= 2) m.moduleOptions = new Map(r.pairs('module_options', (rr) => rr.string('name'), (rr) => decodeModuleOption(rr, 'option'), 4));
    return m;
  });
}

export function encodeModuleInfo(w: Writer, m: ModuleInfo): void {
  w.envelope(2, 1, () => {
    w.string(m.name).bool(m.canRun).string(m.errorString);
    w.pairs([...m.moduleOptions.entries()].sort((a, b) => cmpStr(a[0], b[0])), (ww, k) => ww.string(k), (ww, o) => encodeModuleOption(ww, o));
  });
}

export interface StandbyInfo {
  /** u64 global id of the standby mgr. */
  gid: bigint;
  name: string;
  availableModules: ModuleInfo[];
  mgrFeatures: bigint;
}

export function decodeStandbyInfo(r: Reader, field = 'MgrMap::StandbyInfo'): StandbyInfo {
  return r.envelope(field, 4, (_r, v) => {
    const s: StandbyInfo = { gid: r.u64('gid'), name: r.string('name'), availableModules: [], mgrFeatures: 0n };
    if (v >= 2) {
      const old = strSet(r, 'old_available_modules');
      if (v < 3) s.availableModules = old.map(newModuleInfo);
    }
    if (v >= 3) s.availableModules = r.list('available_modules', (rr) => decodeModuleInfo(rr, 'module'), 6);
    if (v >= 4) s.mgrFeatures = r.u64('mgr_features');
    return s;
  });
}

export function encodeStandbyInfo(w: Writer, s: StandbyInfo): void {
  w.envelope(4, 1, () => {
    w.u64(s.gid).string(s.name);
    encStrSet(w, s.availableModules.map((m) => m.name));
    w.list(s.availableModules, (ww, m) => encodeModuleInfo(ww, m));
    w.u64(s.mgrFeatures);
  });
}

export interface MgrMap {
  epoch: number;
  lastFailureOsdEpoch: number;
  activeGid: bigint;
  activeAddrs: EntityAddrvec;
  available: boolean;
  activeName: string;
  activeChange: UTime;
  activeMgrFeatures: bigint;
  /** Addresses of the active mgr's RADOS clients (blocklisted on failover). */
  clients: EntityAddrvec[];
  /** The clients' names (v12); undefined for a map decoded from a v11 encoding. */
  clientNames: string[] | undefined;
  /** By gid, ascending. */
  standbys: Map<bigint, StandbyInfo>;
  modules: string[];
  /** release number -> module names. */
  alwaysOnModules: Map<number, string[]>;
  availableModules: ModuleInfo[];
  services: [string, string][];
}

export function newMgrMap(): MgrMap {
  return {
    epoch: 0,
    lastFailureOsdEpoch: 0,
    activeGid: 0n,
    activeAddrs: [],
    available: false,
    activeName: '',
    activeChange: { ...UTIME_ZERO },
    activeMgrFeatures: 0n,
    clients: [],
    clientNames: [],
    standbys: new Map(),
    modules: [],
    alwaysOnModules: new Map(),
    availableModules: [],
    services: [],
  };
}

export function decodeMgrMap(r: Reader, field = 'MgrMap'): MgrMap {
  return r.envelope(field, 12, (_r, v) => {
    const m = newMgrMap();
    m.epoch = r.u32('epoch');
    m.activeAddrs = decodeEntityAddrvec(r, 'active_addrs');
    m.activeGid = r.u64('active_gid');
    m.available = r.bool('available');
    m.activeName = r.string('active_name');
    m.standbys = new Map(r.pairs('standbys', (rr) => rr.u64('gid'), (rr) => decodeStandbyInfo(rr, 'standby'), 8));
    if (v >= 2) {
      m.modules = strSet(r, 'modules');
      if (v < 6) {
        const names = strSet(r, 'available_module_names');
        if (v < 4) m.availableModules = names.map(newModuleInfo);
      }
    }
    if (v >= 3) m.services = r.pairs('services', (rr) => rr.string('name'), (rr) => rr.string('uri'), 8);
    if (v >= 4) m.availableModules = r.list('available_modules', (rr) => decodeModuleInfo(rr, 'module'), 6);
    if (v >= 7) m.activeChange = decodeUTime(r, 'active_change');
    if (v >= 8) m.alwaysOnModules = new Map(r.pairs('always_on_modules', (rr) => rr.u32('release'), (rr) => strSet(rr, 'modules'), 8));
    if (v >= 9) m.activeMgrFeatures = r.u64('active_mgr_features');
    if (v >= 10) m.lastFailureOsdEpoch = r.u32('last_failure_osd_epoch');
    if (v >= 11) m.clients = r.list('clients', (rr) => decodeEntityAddrvec(rr, 'addrvec'), 1);
    m.clientNames = undefined;
    if (v >= 12) {
      m.clientNames = strSet(r, 'clients_names');
      if (m.clientNames.length !== m.clients.length) r.fail('DENC_MALFORMED', 'clients_names.size() != clients_addrs.size()');
    } else if (v < 11) m.clientNames = [];
    return m;
  });
}

export function encodeMgrMap(w: Writer, m: MgrMap): void {
  if (!hasFeature(w.features, 'SERVER_NAUTILUS')) {
    w.envelope(5, 1, () => {
      w.u32(m.epoch);
      encodeEntityAddr(w, legacyAddr(m.activeAddrs));
      w.u64(m.activeGid).bool(m.available).string(m.activeName);
      encodeStandbys(w, m);
      encStrSet(w, m.modules);
      encStrSet(w, m.availableModules.map((i) => i.name));
      encodeServices(w, m);
      w.list(m.availableModules, (ww, i) => encodeModuleInfo(ww, i));
    });
    return;
  }
  const v = m.clientNames === undefined ? 11 : 12;
  w.envelope(v, 6, () => {
    w.u32(m.epoch);
    encodeEntityAddrvec(w, m.activeAddrs);
    w.u64(m.activeGid).bool(m.available).string(m.activeName);
    encodeStandbys(w, m);
    encStrSet(w, m.modules);
    encodeServices(w, m);
    w.list(m.availableModules, (ww, i) => encodeModuleInfo(ww, i));
    encodeUTime(w, m.activeChange);
    w.pairs([...m.alwaysOnModules.entries()].sort((a, b) => a[0] - b[0]), (ww, k) => ww.u32(k), (ww, mods) => encStrSet(ww, mods));
    w.u64(m.activeMgrFeatures).u32(m.lastFailureOsdEpoch);
    w.list(m.clients, (ww, a) => encodeEntityAddrvec(ww, a));
    if (v >= 12) w.list(m.clientNames ?? [], (ww, s) => ww.string(s));
  });
}

function encodeStandbys(w: Writer, m: MgrMap): void {
  const s = [...m.standbys.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  w.pairs(s, (ww, k) => ww.u64(k), (ww, sb) => encodeStandbyInfo(ww, sb));
}

function encodeServices(w: Writer, m: MgrMap): void {
  w.pairs([...m.services].sort((a, b) => cmpStr(a[0], b[0])), (ww, k) => ww.string(k), (ww, x) => ww.string(x));
}

/**
 * Set the active mgr's RADOS clients. Ceph keeps them in a std::multimap by name (equal names in
 * insertion order) and encodes them in that order, so they are stored sorted the same way.
 */
export function mgrMapSetClients(m: MgrMap, clients: readonly (readonly [string, EntityAddrvec])[]): void {
  const sorted = clients.map((c, i) => [c, i] as const).sort((a, b) => cmpStr(a[0][0], b[0][0]) || a[1] - b[1]);
  m.clients = sorted.map(([c]) => c[1]);
  m.clientNames = sorted.map(([c]) => c[0]);
}
