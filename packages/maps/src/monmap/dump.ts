import { formatAddrvec } from '@ts-ceph/denc';
import { Formatter } from '../format/formatter';
import { addrvecLegacyStr, dumpAddrvecObject } from '../format/addr';
import { releaseName } from '../format/release';
import { printMap, utimeGm, utimeLocal } from '../format/text';
import { MonMap, monFeatureName } from './monmap';

/**
 * MonMap::dump (`ceph mon dump -f json`, without the "quorum" the monitor appends) and MonMap::print
 * (`monmaptool --print`), as Ceph 16.2.15 writes them.
 */

function dumpFeatures(f: Formatter, name: string, features: bigint): void {
  f.openArray(name);
  for (let b = 0n; b < 64n; b++) if (features & (1n << b)) f.dumpString('feature', monFeatureName(1n << b));
  f.close();
}

export function dumpMonMap(f: Formatter, m: MonMap): void {
  f.dumpUnsigned('epoch', m.epoch);
  f.dumpStream('fsid', m.fsid);
  f.dumpStream('modified', utimeGm(m.lastChanged));
  f.dumpStream('created', utimeGm(m.created));
  f.dumpUnsigned('min_mon_release', m.minMonRelease);
  f.dumpString('min_mon_release_name', releaseName(m.minMonRelease));
  f.dumpInt('election_strategy', m.strategy);
  // Ceph's operator<< for std::set prints the elements comma-separated, without brackets.
  f.dumpStream('disallowed_leaders: ', m.disallowedLeaders.join(','));
  f.dumpBool('stretch_mode', m.stretchModeEnabled);
  f.dumpString('tiebreaker_mon', m.tiebreakerMon);
  f.dumpStream('removed_ranks: ', m.removedRanks.join(','));
  f.openObject('features');
  dumpFeatures(f, 'persistent', m.persistentFeatures);
  dumpFeatures(f, 'optional', m.optionalFeatures);
  f.close();
  f.openArray('mons');
  m.ranks.forEach((name, rank) => {
    const info = m.monInfo.get(name);
    const addrs = info?.publicAddrs ?? [];
    f.openObject('mon');
    f.dumpInt('rank', rank);
    f.dumpString('name', name);
    dumpAddrvecObject(f, 'public_addrs', addrs);
    f.dumpStream('addr', addrvecLegacyStr(addrs));
    f.dumpStream('public_addr', addrvecLegacyStr(addrs));
    f.dumpUnsigned('priority', info?.priority ?? 0);
    f.dumpUnsigned('weight', info?.weight ?? 0);
    f.dumpStream('crush_location', printMap(info?.crushLoc ?? []));
    f.close();
  });
  f.close();
}

/** MonMap::print. */
export function printMonMap(m: MonMap): string {
  let out = `epoch ${m.epoch}\nfsid ${m.fsid}\nlast_changed ${utimeLocal(m.lastChanged)}\ncreated ${utimeLocal(m.created)}\n`;
  out += `min_mon_release ${m.minMonRelease} (${releaseName(m.minMonRelease)})\n`;
  out += `election_strategy: ${m.strategy}\n`;
  if (m.disallowedLeaders.length) out += `disallowed_leaders ${m.disallowedLeaders.join(',')}\n`;
  m.ranks.forEach((name, rank) => {
    const info = m.monInfo.get(name);
    out += `${rank}: ${formatAddrvec(info?.publicAddrs ?? [])} mon.${name}`;
    if (info && info.crushLoc.length) out += `; crush_location ${printMap(info.crushLoc)}`;
    out += '\n';
  });
  return out;
}

/** MonMap::print_summary: "e1: 1 mons at {a=v2:127.0.0.1:3300/0}". */
export function printMonMapSummary(m: MonMap): string {
  return `e${m.epoch}: ${m.monInfo.size} mons at {${[...m.monInfo.values()].map((i) => `${i.name}=${formatAddrvec(i.publicAddrs)}`).join(',')}}`;
}
