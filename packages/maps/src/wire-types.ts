import { registerType, CEPH_FEATURES_ALL, EntityType, makeAddr, AddrType, Writer } from '@ts-ceph/denc';
import * as pg from './types/pg';
import * as ho from './types/hobject';
import * as pp from './types/pool-parts';
import * as pool from './types/pool';
import * as st from './types/stats';
import * as mon from './monmap/monmap';
import * as mgr from './mgrmap/mgrmap';
import { decodeOsdInfoT, decodeOsdXinfoT, encodeOsdInfoT, encodeOsdXinfoT, decodePgMap, encodePgMap, decodeOsdVector, encodeOsdVector } from './osdmap/parts';
import { OSDMap, newOsdInfo, newOsdXinfo, newOSDMap } from './osdmap/types';
import { buildSimple } from './osdmap/build';
import { applyIncremental } from './osdmap/apply';
import { decodeOSDMap, encodeOSDMap } from './osdmap/codec';
import { decodeIncremental, encodeIncremental } from './osdmap/incremental';
import { newIncremental } from './osdmap/incremental-types';
import { PgMap } from './types/pg-map';
import { decodeCreatingPgs, encodeCreatingPgs, decodePgCreateInfo, encodePgCreateInfo, newCreatingPgs } from './osdmap/creating-pgs';

/** The map and placement types this package encodes, registered under their corpus names. */
const owner = 'maps';

registerType({
  name: 'pg_t',
  owner,
  decode: (r) => pg.decodePgT(r),
  encode: pg.encodePgT,
  samples: () => [
    { pool: 0, seed: 0 },
    { pool: 2, seed: 1 },
    { pool: 4, seed: 131223 },
  ],
});

registerType({
  name: 'spg_t',
  owner,
  decode: (r) => pg.decodeSpgT(r),
  encode: pg.encodeSpgT,
  samples: () => [
    { pgid: { pool: 1, seed: 2 }, shard: pg.NO_SHARD },
    { pgid: { pool: 3, seed: 0xffff }, shard: 2 },
  ],
});

registerType({
  name: 'pg_shard_t',
  owner,
  decode: (r) => pg.decodePgShardT(r),
  encode: pg.encodePgShardT,
  samples: () => [
    { osd: -1, shard: pg.NO_SHARD },
    { osd: 7, shard: 3 },
  ],
});

registerType({
  name: 'eversion_t',
  owner,
  decode: (r) => pg.decodeEversionT(r),
  encode: pg.encodeEversionT,
  samples: () => [
    { epoch: 0, version: 0n },
    { epoch: 0xffffffff, version: 0xffffffffffffffffn },
    { epoch: 12, version: 345n },
  ],
});

registerType({
  name: 'osd_reqid_t',
  owner,
  decode: (r) => pg.decodeOsdReqidT(r),
  encode: pg.encodeOsdReqidT,
  samples: () => [
    { name: { type: 0, num: 0 }, tid: 0n, inc: 0 },
    { name: { type: EntityType.CLIENT, num: 123 }, tid: 45678n, inc: 1 },
  ],
});

registerType({
  name: 'object_locator_t',
  owner,
  decode: (r) => ho.decodeObjectLocatorT(r),
  encode: ho.encodeObjectLocatorT,
  samples: () => [ho.objectLocator(-1), ho.objectLocator(123), ho.objectLocator(123, '', '', 876), ho.objectLocator(1, 'n2'), ho.objectLocator(12, 'n1', 'key2')],
});

const hobj = (over: Partial<ho.HobjectT> = {}): ho.HobjectT => ({ oid: 'foo', key: '', snap: ho.CEPH_NOSNAP, hash: 0x12345678, max: false, nspace: '', pool: 3, ...over });

registerType({
  name: 'hobject_t',
  owner,
  decode: (r) => ho.decodeHobjectT(r),
  encode: ho.encodeHobjectT,
  samples: () => [hobj(), hobj({ key: 'k', nspace: 'ns', snap: 5n }), ho.hobjectMax(), hobj({ oid: '', snap: 0n, hash: 0, pool: ho.POOL_MIN })],
});

registerType({
  name: 'ghobject_t',
  owner,
  decode: (r) => ho.decodeGhobjectT(r),
  encode: ho.encodeGhobjectT,
  samples: () => [
    { hobj: hobj(), generation: ho.NO_GEN, shard: pg.NO_SHARD, max: false },
    { hobj: hobj({ nspace: 'x' }), generation: 7n, shard: 1, max: false },
  ],
});

registerType({
  name: 'pool_snap_info_t',
  owner,
  decode: (r) => pp.decodePoolSnapInfoT(r),
  encode: pp.encodePoolSnapInfoT,
  samples: () => [
    { snapid: 0, stamp: { sec: 0, nsec: 0 }, name: '' },
    { snapid: 1, stamp: { sec: 1, nsec: 2 }, name: 'foo' },
  ],
});

registerType({
  name: 'pool_opts_t',
  owner,
  decode: (r) => pp.decodePoolOptsT(r),
  encode: pp.encodePoolOptsT,
  samples: () => [
    new Map(),
    new Map<number, pp.PoolOptValue>([
      [0, { type: 2, v: 86400.5 }],
      [6, { type: 0, v: 'aggressive' }],
      [15, { type: 1, v: 8 }],
      [23, { type: 1, v: 1 << 20 }],
    ]),
  ],
});

function samplePool(): pool.PgPoolT {
  const p = pool.newPgPool();
  p.type = pool.PoolType.REPLICATED;
  p.size = 3;
  p.minSize = 2;
  p.objectHash = pool.CEPH_STR_HASH_RJENKINS;
  p.pgNum = p.pgpNum = p.pgNumTarget = p.pgpNumTarget = p.pgNumPending = 12;
  p.flags = pool.PoolFlag.HASHPSPOOL | pool.PoolFlag.SELFMANAGED_SNAPS;
  p.snapSeq = 5;
  p.removedSnaps = [[2, 3]];
  p.applicationMetadata.set('rbd', new Map([['k', 'v']]));
  p.hitSetParams = { type: 3, fppMicro: 50000, targetSize: 1000n, seed: 42n };
  p.hitSetCount = 4;
  p.hitSetGradeDecayRate = 20;
  return p;
}

registerType({
  name: 'pg_pool_t',
  owner,
  decode: (r) => pool.decodePgPoolT(r),
  encode: pool.encodePgPoolT,
  samples: () => {
    const stretch = samplePool();
    stretch.peeringCrushBucketCount = 2;
    stretch.peeringCrushBucketBarrier = 8;
    return [pool.newPgPool(), samplePool(), stretch];
  },
});

registerType({
  name: 'osd_info_t',
  owner,
  decode: (r) => decodeOsdInfoT(r),
  encode: encodeOsdInfoT,
  samples: () => [newOsdInfo(), { lastCleanBegin: 1, lastCleanEnd: 2, upFrom: 30, upThru: 40, downAt: 5, lostAt: 6 }],
});

registerType({
  name: 'osd_xinfo_t',
  owner,
  decode: (r) => decodeOsdXinfoT(r),
  encode: encodeOsdXinfoT,
  samples: () => [newOsdXinfo(), { ...newOsdXinfo(), downStamp: { sec: 2, nsec: 3 }, laggyProbabilityRaw: 528280977, laggyInterval: 123456, oldWeight: 0x7fff }],
});

registerType({
  name: 'object_stat_sum_t',
  owner,
  decode: (r) => st.decodeObjectStatSumT(r),
  encode: st.encodeObjectStatSumT,
  samples: () => [st.newObjectStatSum(), { ...st.newObjectStatSum(), num_bytes: 1, num_objects: 3, num_flush_mode_low: 1, num_objects_repaired: 300 }],
});

registerType({
  name: 'object_stat_collection_t',
  owner,
  decode: (r) => st.decodeObjectStatCollectionT(r),
  encode: st.encodeObjectStatCollectionT,
  samples: () => [{ sum: st.newObjectStatSum() }],
});

registerType({
  name: 'pool_stat_t',
  owner,
  decode: (r) => st.decodePoolStatT(r),
  encode: st.encodePoolStatT,
  samples: () => [{ stats: { sum: st.newObjectStatSum() }, storeStats: st.newStoreStatfs(), logSize: 10, ondiskLogSize: 11, up: 3, acting: 3, numStoreStats: 3 }],
});

registerType({
  name: 'mon_feature_t',
  owner,
  decode: (r) => mon.decodeMonFeatureT(r),
  encode: mon.encodeMonFeatureT,
  samples: () => [0n, mon.MON_FEATURES_PERSISTENT],
});

const monAddr = (port: number) => [makeAddr(AddrType.MSGR2, '127.0.0.1', port), makeAddr(AddrType.LEGACY, '127.0.0.1', port + 3489)];

registerType({
  name: 'mon_info_t',
  owner,
  decode: (r) => mon.decodeMonInfoT(r),
  encode: mon.encodeMonInfoT,
  samples: () => [mon.newMonInfo('a', monAddr(3300)), { ...mon.newMonInfo('b', [], 1, 2), crushLoc: [['datacenter', 'dc1']] as [string, string][] }],
});

registerType({
  name: 'MonMap',
  owner,
  decode: (r) => mon.decodeMonMap(r),
  encode: mon.encodeMonMap,
  samples: () => {
    const m = mon.newMonMap();
    m.epoch = 2;
    m.fsid = 'a6c7bebf-40b0-47a7-a6ea-2967e3d757b1';
    m.persistentFeatures = mon.MON_FEATURES_PERSISTENT;
    m.minMonRelease = 16;
    mon.monMapAdd(m, mon.newMonInfo('a', monAddr(3300)));
    mon.monMapAdd(m, mon.newMonInfo('b', monAddr(3301)));
    return [mon.newMonMap(), m];
  },
});

function sampleModule(name: string): mgr.ModuleInfo {
  const m = mgr.newModuleInfo(name);
  const o = mgr.newModuleOption('interval');
  o.type = 9;
  o.defaultValue = '60';
  o.enumAllowed = ['a', 'b'];
  m.moduleOptions.set('interval', o);
  return m;
}

registerType({
  name: 'MgrMap::ModuleOption',
  owner,
  decode: (r) => mgr.decodeModuleOption(r),
  encode: mgr.encodeModuleOption,
  samples: () => [mgr.newModuleOption('x'), sampleModule('m').moduleOptions.get('interval')!],
});

registerType({
  name: 'MgrMap::ModuleInfo',
  owner,
  decode: (r) => mgr.decodeModuleInfo(r),
  encode: mgr.encodeModuleInfo,
  samples: () => [mgr.newModuleInfo('iostat'), sampleModule('alerts')],
});

registerType({
  name: 'MgrMap::StandbyInfo',
  owner,
  decode: (r) => mgr.decodeStandbyInfo(r),
  encode: mgr.encodeStandbyInfo,
  samples: () => [{ gid: 4100n, name: 'y', availableModules: [sampleModule('alerts')], mgrFeatures: 4540138314316775423n }],
});

registerType({
  name: 'MgrMap',
  owner,
  decode: (r) => mgr.decodeMgrMap(r),
  encode: mgr.encodeMgrMap,
  samples: () => {
    const m = mgr.newMgrMap();
    m.epoch = 4;
    m.activeGid = 4100n;
    m.activeName = 'x';
    m.activeAddrs = [makeAddr(AddrType.MSGR2, '127.0.0.1', 6812, 14767)];
    m.available = true;
    m.modules = ['iostat'];
    m.availableModules = [sampleModule('alerts')];
    m.alwaysOnModules.set(16, ['balancer', 'crash']);
    m.clients = [[makeAddr(AddrType.MSGR2, '127.0.0.1', 0, 7)]];
    m.clientNames = ['rbd_support'];
    m.standbys.set(4200n, { gid: 4200n, name: 'y', availableModules: [], mgrFeatures: 0n });
    return [mgr.newMgrMap(), m];
  },
});

registerType({
  name: 'PGTempMap',
  owner,
  decode: (r) => decodePgMap(r, 'PGTempMap', (rr) => decodeOsdVector(rr, 'osds')),
  encode: (w, m) => encodePgMap(w, m, encodeOsdVector),
  samples: () => [new PgMap<number[]>(), new PgMap<number[]>([[{ pool: 1, seed: 2 }, [3, 4, 5]], [{ pool: 0, seed: 9 }, [1]]])],
});

/** A small cluster map with most optional parts set (range blocklist: osd section v11; stretch: v10). */
function sampleOSDMap(): OSDMap {
  const m = buildSimple({ now: { sec: 1_790_000_000, nsec: 5000 }, numOsd: 4, defaultPool: true, pgBits: 2 });
  m.epoch = 1;
  const inc = newIncremental(2);
  inc.fsid = m.fsid;
  inc.modified = { sec: 1_790_000_100, nsec: 0 };
  inc.newRequireOsdRelease = 16;
  for (let i = 0; i < 4; i++) {
    inc.newState.set(i, 2);
    inc.newWeight.set(i, 0x10000);
    inc.newUpClient.set(i, [makeAddr(AddrType.MSGR2, '127.0.0.1', 6800 + i, 100 + i)]);
  }
  inc.newPgTemp.set({ pool: 1, seed: 2 }, [3, 1]);
  inc.newPgUpmapItems.set({ pool: 1, seed: 3 }, [[0, 2]]);
  inc.newBlocklist.push([makeAddr(AddrType.ANY, '10.0.0.1', 0, 7), { sec: 1_790_003_600, nsec: 0 }]);
  inc.newRangeBlocklist.push([makeAddr(AddrType.CIDR, '10.1.0.0', 0, 16), { sec: 1_790_003_600, nsec: 0 }]);
  inc.changeStretchMode = true;
  inc.stretchModeEnabled = true;
  inc.newStretchBucketCount = 2;
  return applyIncremental(m, inc);
}

registerType({
  name: 'OSDMap',
  owner,
  decode: (r) => decodeOSDMap(r),
  // Ceph's canonical OSDMap bytes are what the monitor encoded with all features.
  encode: (w: Writer, m) => void w.bytes(encodeOSDMap(m, w.features)),
  features: CEPH_FEATURES_ALL,
  samples: () => [newOSDMap(), sampleOSDMap()],
});

registerType({
  name: 'OSDMap::Incremental',
  owner,
  decode: (r) => decodeIncremental(r),
  // An incremental records the features it was encoded with; its canonical re-encoding uses them.
  encode: (w: Writer, inc) => void w.bytes(encodeIncremental(inc, inc.encodeFeatures || w.features)),
  samples: () => {
    const inc = newIncremental(2);
    inc.encodeFeatures = CEPH_FEATURES_ALL;
    inc.newWeight.set(0, 0x10000);
    inc.newPgTemp.set({ pool: 1, seed: 3 }, [2, 1]);
    const v11 = newIncremental(3);
    v11.encodeFeatures = CEPH_FEATURES_ALL;
    v11.oldRangeBlocklist.push(makeAddr(AddrType.CIDR, '10.1.0.0', 0, 16));
    v11.changeStretchMode = true;
    return [inc, v11];
  },
});

registerType({
  name: 'creating_pgs_t::pg_create_info',
  owner,
  decode: (r) => decodePgCreateInfo(r),
  encode: encodePgCreateInfo,
  samples: () => [{ createEpoch: 5, createStamp: { sec: 1700000000, nsec: 0 }, up: [1, 2], upPrimary: 1, acting: [1, 2], actingPrimary: 1, history: undefined, pastIntervals: undefined }],
});

registerType({
  name: 'creating_pgs_t',
  owner,
  decode: (r) => decodeCreatingPgs(r),
  encode: encodeCreatingPgs,
  samples: () => [newCreatingPgs()],
});
import './osd-types/wire-types';
