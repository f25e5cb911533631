/**
 * Monitor-level commands (Monitor::handle_command, MonmapMonitor::preprocess_command,
 * MgrMonitor::preprocess_command): fsid, mon dump/stat/getmap, quorum_status, mon_status, versions,
 * features, mgr stat/dump/module ls/services/versions/metadata.
 */
import { cephError } from '@ts-ceph/common/core';
import { Reader, formatAddrvec } from '@ts-ceph/denc';
import { MonMap, decodeMonMap, dumpMonMap, printMonMap, dumpMgrMap, dumpModuleInfo, MON_FEATURES_PERSISTENT, monFeatureName, JsonFormatter } from '@ts-ceph/maps';
import { CommandHandler, CommandOutcome, CommandRequest, formatterFor, formatterOrPretty, ok, reply } from '../commands/types';
import { getInt, getStr } from '../commands/cmdmap';
import { CEPH_VERSION_STRING, ClusterView } from './cluster-view';

function monmapAt(v: ClusterView, req: CommandRequest): { map: MonMap; bytes: Buffer } {
  const e = getInt(req.cmdmap, 'epoch', v.monmap.lastCommitted);
  const bytes = v.monmap.mapAt(e);
  if (!bytes) throw cephError('ENOENT', `there is no map for epoch ${e}`);
  return { map: decodeMonMap(new Reader(bytes)), bytes };
}

/** MonMap::print_summary as 16.2.15 prints it (with removed_ranks). */
export function monmapSummary(m: MonMap): string {
  const mons = [...m.monInfo.values()].map((i) => `${i.name}=${formatAddrvec(i.publicAddrs)}`).join(',');
  return `e${m.epoch}: ${m.monInfo.size} mons at {${mons}} removed_ranks: {${m.removedRanks.join(',')}}`;
}

function dumpQuorumStatus(f: JsonFormatter, v: ClusterView, now: number): void {
  f.openObject('quorum_status');
  f.dumpInt('election_epoch', v.electionEpoch);
  f.openArray('quorum');
  f.dumpInt('mon', v.rank);
  f.close();
  f.openArray('quorum_names');
  f.dumpString('mon', v.monName);
  f.close();
  f.dumpString('quorum_leader_name', v.monName);
  f.dumpInt('quorum_age', Math.floor((now - v.quorumSince) / 1000));
  f.openObject('features');
  f.dumpStream('quorum_con', v.quorumFeatures.toString());
  f.openArray('quorum_mon');
  for (const n of ['kraken', 'luminous', 'mimic', 'osdmap-prune', 'nautilus', 'octopus', 'pacific', 'elector-pinging']) f.dumpString('feature', n);
  f.close();
  f.close();
  f.openObject('monmap');
  dumpMonMap(f, v.monmap.monmap);
  f.close();
  f.close();
}

function versionMap(f: JsonFormatter, name: string, counts: Record<string, number>): void {
  f.openObject(name);
  for (const [k, n] of Object.entries(counts)) f.dumpInt(k, n);
  f.close();
}

/** MgrMonitor's `mgr module ls`: always-on, enabled, and disabled modules (the last in full). */
function mgrModuleLs(v: ClusterView, req: CommandRequest): CommandOutcome {
  const m = v.mgr.mgrmap;
  const f = formatterOrPretty(req);
  f.openObject('modules');
  const alwaysOn = new Set(m.alwaysOnModules.get(16) ?? []);
  f.openArray('always_on_modules');
  for (const x of alwaysOn) f.dumpString('module', x);
  f.close();
  // Enabled modules by name only (their errors show as health checks); disabled ones in full,
  // as a hint whether enabling them would work.
  f.openArray('enabled_modules');
  for (const x of m.modules) if (!alwaysOn.has(x)) f.dumpString('module', x);
  f.close();
  f.openArray('disabled_modules');
  for (const mi of m.availableModules) if (!m.modules.includes(mi.name) && !alwaysOn.has(mi.name)) dumpModuleInfo(f, mi);
  f.close();
  f.close();
  return ok(f.toString());
}

export function monCommands(v: ClusterView): Record<string, CommandHandler> {
  return {
    fsid: (req) => {
      const f = formatterFor(req);
      if (f) {
        f.openObject('fsid');
        f.dumpString('fsid', v.monmap.monmap.fsid);
        f.close();
        return ok(f.toString());
      }
      return ok(v.monmap.monmap.fsid + '\n');
    },
    'mon dump': (req) => {
      const { map } = monmapAt(v, req);
      const f = formatterFor(req);
      if (f) {
        f.openObject('monmap');
        dumpMonMap(f, map);
        f.openArray('quorum');
        f.dumpInt('mon', v.rank);
        f.close();
        f.close();
        return reply(0, `dumped monmap epoch ${map.epoch}`, f.toString());
      }
      return reply(0, `dumped monmap epoch ${map.epoch}`, printMonMap(map));
    },
    'mon feature ls': (req) => {
      const withValue = getStr(req.cmdmap, 'with_value') === '--with-value';
      const m = v.monmap.monmap;
      const supported = MON_FEATURES_PERSISTENT;
      const required = m.persistentFeatures | m.optionalFeatures;
      const bits = (x: bigint) => [...Array(64).keys()].map((i) => 1n << BigInt(i)).filter((b) => (x & b) !== 0n);
      const f = formatterFor(req);
      if (f) {
        const dump = (name: string, x: bigint) => {
          if (withValue) {
            f.openObject(name);
            for (const b of bits(x)) f.dumpUnsigned(monFeatureName(b), Number(b));
            f.close();
          } else {
            f.openArray(name);
            for (const b of bits(x)) f.dumpString('feature', monFeatureName(b));
            f.close();
          }
        };
        f.openObject('features');
        f.openObject('all');
        dump('supported', supported);
        dump('persistent', MON_FEATURES_PERSISTENT);
        f.close();
        f.openObject('monmap');
        dump('persistent', m.persistentFeatures);
        dump('optional', m.optionalFeatures);
        dump('required', required);
        f.close();
        f.close();
        return ok(f.toString());
      }
      // mon_feature_t::print / print_with_value; 16.2.15 prints no blank line between sections.
      const text = (x: bigint) => `[${bits(x).map((b) => (withValue ? `${monFeatureName(b)}(${b})` : monFeatureName(b))).join(',')}]`;
      return ok(
        `all features\n\tsupported: ${text(supported)}\n\tpersistent: ${text(MON_FEATURES_PERSISTENT)}\non current monmap (epoch ${m.epoch})\n\tpersistent: ${text(m.persistentFeatures)}\n\trequired: ${text(required)}\n`,
      );
    },
    'mon getmap': (req) => {
      const { map, bytes } = monmapAt(v, req);
      return reply(0, `got monmap epoch ${map.epoch}`, bytes);
    },
    'mon stat': (req) => {
      const f = formatterFor(req);
      const m = v.monmap.monmap;
      if (f) {
        // MonMap::dump_summary plus the leader and quorum, as 16.2.15 prints them.
        f.openObject('monmap');
        f.dumpUnsigned('epoch', m.epoch);
        f.dumpString('min_mon_release_name', 'pacific');
        f.dumpUnsigned('num_mons', m.monInfo.size);
        f.dumpString('leader', v.monName);
        f.openArray('quorum');
        f.openObject('mon');
        f.dumpInt('rank', v.rank);
        f.dumpString('name', v.monName);
        f.close();
        f.close();
        f.close();
        return ok(f.toString());
      }
      return ok(`${monmapSummary(m)}, election epoch ${v.electionEpoch}, leader ${v.rank} ${v.monName}, quorum ${v.rank} ${v.monName}`);
    },
    quorum_status: (req) => {
      const f = formatterFor(req) ?? new JsonFormatter(false);
      dumpQuorumStatus(f, v, req.now);
      return ok(f.toString());
    },
    versions: (req) => {
      const f = formatterOrPretty(req);
      const counts = { [CEPH_VERSION_STRING]: 1 };
      f.openObject('version');
      versionMap(f, 'mon', counts);
      versionMap(f, 'mgr', {});
      versionMap(f, 'osd', {});
      versionMap(f, 'mds', {});
      versionMap(f, 'overall', counts);
      f.close();
      return ok(f.toString());
    },
    'mon versions': (req) => {
      const f = formatterOrPretty(req);
      versionMap(f, 'version', { [CEPH_VERSION_STRING]: 1 });
      return ok(f.toString());
    },
    'mgr stat': (req) => {
      const m = v.mgr.mgrmap;
      const f = formatterOrPretty(req);
      f.openObject('stat');
      f.dumpUnsigned('epoch', m.epoch);
      f.dumpBool('available', m.available);
      f.dumpString('active_name', m.activeName);
      f.dumpUnsigned('num_standby', m.standbys.size);
      f.close();
      return ok(f.toString());
    },
    'mgr dump': (req) => {
      const f = formatterOrPretty(req);
      f.openObject('mgrmap');
      dumpMgrMap(f, v.mgr.mgrmap);
      f.close();
      return ok(f.toString());
    },
    'mgr module ls': (req) => mgrModuleLs(v, req),
    'mgr services': (req) => {
      const f = formatterOrPretty(req);
      f.openObject('services');
      for (const [k, val] of v.mgr.mgrmap.services) f.dumpString(k, val);
      f.close();
      return ok(f.toString());
    },
    'mgr versions': (req) => {
      const f = formatterOrPretty(req);
      versionMap(f, 'version', {});
      return ok(f.toString());
    },
  };
}
