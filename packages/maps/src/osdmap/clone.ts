import { EntityAddr, EntityAddrvec, UTime } from '@ts-ceph/denc';
import { clonePgPool } from '../types/pool';
import { IntervalSet } from '../types/interval-set';
import { OSDMap } from './types';

/** A deep copy of an OSDMap (maps are values: applying an incremental never changes its input). */

const addrvec = (v: EntityAddrvec): EntityAddrvec => v.map((a) => ({ ...a, sa: Buffer.from(a.sa) }));
const addrTime = (v: [EntityAddr, UTime][]): [EntityAddr, UTime][] => v.map(([a, t]) => [{ ...a, sa: Buffer.from(a.sa) }, { ...t }]);
const snaps = (m: Map<number, IntervalSet>) => new Map([...m.entries()].map(([k, v]) => [k, v.map(([a, l]) => [a, l] as [number, number])]));

export function cloneOSDMap(m: OSDMap): OSDMap {
  return {
    ...m,
    created: { ...m.created },
    modified: { ...m.modified },
    pools: new Map([...m.pools.entries()].map(([k, p]) => [k, clonePgPool(p)])),
    poolName: new Map(m.poolName),
    osdState: [...m.osdState],
    osdWeight: [...m.osdWeight],
    osdAddrs: { client: m.osdAddrs.client.map(addrvec), cluster: m.osdAddrs.cluster.map(addrvec), hbBack: m.osdAddrs.hbBack.map(addrvec), hbFront: m.osdAddrs.hbFront.map(addrvec) },
    pgTemp: m.pgTemp.clone((v) => [...v]),
    primaryTemp: m.primaryTemp.clone((v) => v),
    osdPrimaryAffinity: m.osdPrimaryAffinity ? [...m.osdPrimaryAffinity] : undefined,
    erasureCodeProfiles: new Map([...m.erasureCodeProfiles.entries()].map(([k, v]) => [k, new Map(v)])),
    pgUpmap: m.pgUpmap.clone((v) => [...v]),
    pgUpmapItems: m.pgUpmapItems.clone((v) => v.map(([a, b]) => [a, b] as [number, number])),
    newRemovedSnaps: snaps(m.newRemovedSnaps),
    newPurgedSnaps: snaps(m.newPurgedSnaps),
    lastUpChange: { ...m.lastUpChange },
    lastInChange: { ...m.lastInChange },
    osdInfo: m.osdInfo.map((i) => ({ ...i })),
    blocklist: m.blocklist.clone((t) => ({ ...t })),
    rangeBlocklist: addrTime(m.rangeBlocklist),
    osdUuid: [...m.osdUuid],
    osdXinfo: m.osdXinfo.map((x) => ({ ...x, downStamp: { ...x.downStamp }, lastPurgedSnapsScrub: { ...x.lastPurgedSnapsScrub } })),
    removedSnapsQueue: snaps(m.removedSnapsQueue),
    crushNodeFlags: new Map(m.crushNodeFlags),
    deviceClassFlags: new Map(m.deviceClassFlags),
  };
}
