/**
 * Monitor::get_mon_status (the admin socket's `mon_status`, and half of the answer to an MPing) and
 * Monitor::handle_ping's "pong" document, as a lone 16.2.15 leader writes them.
 */
import { entityTypeName } from '@ts-ceph/denc';
import { JsonFormatter, MON_FEATURES_PERSISTENT, dumpMonMap, monFeatureName } from '@ts-ceph/maps';
import { ClusterView } from './cluster-view';

/** CEPH_FEATURES_REQUIRED_DEFAULT as a 16.2.15 mon reports it in required_con. */
export const MON_REQUIRED_CON_FEATURES = 0x2200008010314004n;

/** CEPH_FEATURE_SERVER_LUMINOUS (bit 57): every client or daemon of luminous or later sets it. */
const SERVER_LUMINOUS = 1n << 57n;

/**
 * ceph_release_from_features: the newest release whose required features a peer has. No feature bit
 * was added to that table after luminous, so every current peer reads "luminous" (as the real mon
 * prints for 16.2 clients); older peers are not told apart here.
 */
function releaseFromFeatures(features: bigint): string {
  return (features & SERVER_LUMINOUS) !== 0n ? 'luminous' : 'jewel';
}

/** The connected peers, for the feature map: entity type and feature bits of each session. */
export interface SessionFeatures {
  type: number;
  features: bigint;
}

function dumpMonFeatures(f: JsonFormatter, name: string, bits: bigint): void {
  f.openArray(name);
  for (let b = 0n; b < 64n; b++) if (bits & (1n << b)) f.dumpString('feature', monFeatureName(1n << b));
  f.close();
}

/** FeatureMap::dump over our sessions plus ourselves (the quorum's mons). */
function dumpFeatureMap(f: JsonFormatter, v: ClusterView, sessions: Iterable<SessionFeatures>): void {
  const byType = new Map<number, Map<bigint, number>>([[1, new Map([[v.quorumFeatures, 1]])]]);
  for (const s of sessions) {
    let m = byType.get(s.type);
    if (!m) byType.set(s.type, (m = new Map()));
    m.set(s.features, (m.get(s.features) ?? 0) + 1);
  }
  f.openObject('feature_map');
  for (const [type, groups] of [...byType].sort((a, b) => a[0] - b[0])) {
    f.openArray(entityTypeName(type));
    for (const [features, num] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      f.openObject('group');
      f.dumpString('features', `0x${features.toString(16)}`);
      f.dumpString('release', releaseFromFeatures(features));
      f.dumpUnsigned('num', num);
      f.close();
    }
    f.close();
  }
  f.close();
}

export function dumpMonStatus(f: JsonFormatter, v: ClusterView, sessions: Iterable<SessionFeatures>, now: number): void {
  f.openObject('mon_status');
  f.dumpString('name', v.monName);
  f.dumpInt('rank', v.rank);
  f.dumpString('state', 'leader');
  f.dumpUnsigned('election_epoch', v.electionEpoch);
  f.openArray('quorum');
  f.dumpInt('mon', v.rank);
  f.close();
  f.dumpInt('quorum_age', Math.floor((now - v.quorumSince) / 1000));
  f.openObject('features');
  f.dumpStream('required_con', MON_REQUIRED_CON_FEATURES.toString());
  dumpMonFeatures(f, 'required_mon', MON_FEATURES_PERSISTENT);
  f.dumpStream('quorum_con', v.quorumFeatures.toString());
  dumpMonFeatures(f, 'quorum_mon', MON_FEATURES_PERSISTENT);
  f.close();
  for (const name of ['outside_quorum', 'extra_probe_peers', 'sync_provider']) {
    f.openArray(name);
    f.close();
  }
  f.openObject('monmap');
  dumpMonMap(f, v.monmap.monmap);
  f.close();
  dumpFeatureMap(f, v, sessions);
  f.dumpBool('stretch_mode', false);
  f.close();
}

/** Monitor::handle_ping: {"health": ..., "mon_status": ...}, pretty-printed. */
export function pongText(v: ClusterView, sessions: Iterable<SessionFeatures>, now: number): string {
  const f = new JsonFormatter(true);
  f.openObject('pong');
  v.health.dumpHealth(f, 'health', false, now);
  dumpMonStatus(f, v, sessions, now);
  f.close();
  return f.toString();
}
