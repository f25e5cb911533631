import { Formatter } from '../format/formatter';
import { addrvecLegacyStr, dumpAddrvec, dumpAddrvecObject } from '../format/addr';
import { releaseName } from '../format/release';
import { utimeLocal } from '../format/text';
import { MgrMap, ModuleInfo, ModuleOption, optionLevelName, optionTypeName } from './mgrmap';

/** MgrMap::dump (`ceph mgr dump -f json`) as Ceph 16.2.15 writes it. */

export function dumpModuleOption(f: Formatter, o: ModuleOption): void {
  f.dumpString('name', o.name);
  f.dumpString('type', optionTypeName(o.type));
  f.dumpString('level', optionLevelName(o.level));
  f.dumpUnsigned('flags', o.flags);
  f.dumpString('default_value', o.defaultValue);
  f.dumpString('min', o.min);
  f.dumpString('max', o.max);
  f.openArray('enum_allowed');
  for (const v of o.enumAllowed) f.dumpString('value', v);
  f.close();
  f.dumpString('desc', o.desc);
  f.dumpString('long_desc', o.longDesc);
  f.openArray('tags');
  for (const v of o.tags) f.dumpString('tag', v);
  f.close();
  f.openArray('see_also');
  for (const v of o.seeAlso) f.dumpString('option', v);
  f.close();
}

export function dumpModuleInfo(f: Formatter, m: ModuleInfo): void {
  f.openObject('module');
  f.dumpString('name', m.name);
  f.dumpBool('can_run', m.canRun);
  f.dumpString('error_string', m.errorString);
  f.openObject('module_options');
  for (const [name, o] of m.moduleOptions) {
    f.openObject(name);
    dumpModuleOption(f, o);
    f.close();
  }
  f.close();
  f.close();
}

export function dumpMgrMap(f: Formatter, m: MgrMap): void {
  f.dumpInt('epoch', m.epoch);
  f.dumpInt('active_gid', m.activeGid);
  f.dumpString('active_name', m.activeName);
  dumpAddrvecObject(f, 'active_addrs', m.activeAddrs);
  f.dumpStream('active_addr', addrvecLegacyStr(m.activeAddrs));
  f.dumpStream('active_change', utimeLocal(m.activeChange));
  f.dumpUnsigned('active_mgr_features', m.activeMgrFeatures);
  f.dumpBool('available', m.available);
  f.openArray('standbys');
  for (const s of m.standbys.values()) {
    f.openObject('standby');
    f.dumpInt('gid', s.gid);
    f.dumpString('name', s.name);
    f.dumpUnsigned('mgr_features', s.mgrFeatures);
    f.openArray('available_modules');
    for (const mi of s.availableModules) dumpModuleInfo(f, mi);
    f.close();
    f.close();
  }
  f.close();
  f.openArray('modules');
  for (const mod of m.modules) f.dumpString('module', mod);
  f.close();
  f.openArray('available_modules');
  for (const mi of m.availableModules) dumpModuleInfo(f, mi);
  f.close();
  f.openObject('services');
  for (const [k, v] of m.services) f.dumpString(k, v);
  f.close();
  f.openObject('always_on_modules');
  for (const [rel, mods] of m.alwaysOnModules) {
    f.openArray(releaseName(rel));
    for (const mod of mods) f.dumpString('module', mod);
    f.close();
  }
  f.close();
  f.dumpInt('last_failure_osd_epoch', m.lastFailureOsdEpoch);
  f.openArray('active_clients');
  m.clients.forEach((c, i) => {
    f.openObject('client');
    f.dumpString('name', m.clientNames?.[i] ?? '');
    dumpAddrvec(f, c);
    f.close();
  });
  f.close();
}
