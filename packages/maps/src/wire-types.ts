import { wireTypeTable, CEPH_FEATURES_ALL, EntityType, makeAddr, AddrType, Writer } from '@ts-ceph/denc';
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
const wireType = wireTypeTable('maps');

wireType('pg_t', pg.decodePgT, pg.encodePgT, () => [
  { pool: 0, seed: 0 },
  { pool: 2, seed: 1 },
  { pool: 4, seed: 131223 },
]);

wireType('spg_t', pg.decodeSpgT, pg.encodeSpgT, () => [
  { pgid: { pool: 1, seed: 2 }, shard: pg.NO_SHARD },
  { pgid: { pool: 3, seed: 0xffff }, shard: 2 },
]);

wireType('pg_shard_t', pg.decodePgShardT, pg.encodePgShardT, () => [
  { osd: -1, shard: pg.NO_SHARD },
  { osd: 7, shard: 3 },
]);

wireType('eversion_t', pg.decodeEversionT, pg.encodeEversionT, () => [
  { epoch: 0, version: 0n },
  { epoch: 0xffffffff, version: 0xffffffffffffffffn },
  { epoch: 12, version: 345n },
]);

wireType('osd_reqid_t', pg.decodeOsdReqidT, pg.encodeOsdReqidT, () => [
  { name: { type: 0, num: 0 }, tid: 0n, inc: 0 },
  { name: { type: EntityType.CLIENT, num: 123 }, tid: 45678n, inc: 1 },
]);

wireType('object_locator_t', ho.decodeObjectLocatorT, ho.encodeObjectLocatorT, () => [ho.objectLocator(-1), ho.objectLocator(123), ho.objectLocator(123, '', '', 876), ho.objectLocator(1, 'n2'), ho.objectLocator(12, 'n1', 'key2')]);

const hobj = (over: Partial<ho.HobjectT> = {}): ho.HobjectT => ({ oid: 'foo', key: '', snap: ho.CEPH_NOSNAP, hash: 0x12345678, max: false, nspace: '', pool: 3, ...over });

wireType('hobject_t', ho.decodeHobjectT, ho.encodeHobjectT, () => [hobj(), hobj({ key: 'k', nspace: 'ns', snap: 5n }), ho.hobjectMax(), hobj({ oid: '', snap: 0n, hash: 0, pool: ho.POOL_MIN })]);

wireType('ghobject_t', ho.decodeGhobjectT, ho.encodeGhobjectT, () => [
  { hobj: hobj(), generation: ho.NO_GEN, shard: pg.NO_SHARD, max: false },
  { hobj: hobj({ nspace: 'x' }), generation: 7n, shard: 1, max: false },
]);

wireType('pool_snap_info_t', pp.decodePoolSnapInfoT, pp.encodePoolSnapInfoT, () => [
  { snapid: 0, stamp: { sec: 0, nsec: 0 }, name: '' },
  { snapid: 1, stamp: { sec: 1, nsec: 2 }, name: 'foo' },
]);

wireType('pool_opts_t', pp.decodePoolOptsT, pp.encodePoolOptsT, () => [
  new Map(),
  new Map<number, pp.PoolOptValue>([
    [0, { type: 2, v: 86400.5 }],
    [6, { type: 0, v: 'aggressive' }],
    [15, { type: 1, v: 8 }],
    [23, { type: 1, v: 1 << 20 }],
  ]),
]);

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

wireType('pg_pool_t', pool.decodePgPoolT, pool.encodePgPoolT, () => {
  const stretch = samplePool();
  stretch.peeringCrushBucketCount = 2;
  stretch.peeringCrushBucketBarrier = 8;
  return [pool.newPgPool(), samplePool(), stretch];
});

wireType('osd_info_t', decodeOsdInfoT, encodeOsdInfoT, () => [newOsdInfo(), { lastCleanBegin: 1, lastCleanEnd: 2, upFrom: 30, upThru: 40, downAt: 5, lostAt: 6 }]);

wireType('osd_xinfo_t', decodeOsdXinfoT, encodeOsdXinfoT, () => [newOsdXinfo(), { ...newOsdXinfo(), downStamp: { sec: 2, nsec: 3 }, laggyProbabilityRaw: 528280977, laggyInterval: 123456, oldWeight: 0x7fff }]);

wireType('object_stat_sum_t', st.decodeObjectStatSumT, st.encodeObjectStatSumT, () => [st.newObjectStatSum(), { ...st.newObjectStatSum(), num_bytes: 1, num_objects: 3, num_flush_mode_low: 1, num_objects_repaired: 300 }]);

wireType('object_stat_collection_t', st.decodeObjectStatCollectionT, st.encodeObjectStatCollectionT, () => [{ sum: st.newObjectStatSum() }]);

wireType('pool_stat_t', st.decodePoolStatT, st.encodePoolStatT, () => [{ stats: { sum: st.newObjectStatSum() }, storeStats: st.newStoreStatfs(), logSize: 10, ondiskLogSize: 11, up: 3, acting: 3, numStoreStats: 3 }]);

wireType('mon_feature_t', mon.decodeMonFeatureT, mon.encodeMonFeatureT, () => [0n, mon.MON_FEATURES_PERSISTENT]);

const monAddr = (port: number) => [makeAddr(AddrType.MSGR2, '127.0.0.1', port), makeAddr(AddrType.LEGACY, '127.0.0.1', port + 3489)];

wireType('mon_info_t', mon.decodeMonInfoT, mon.encodeMonInfoT, () => [mon.newMonInfo('a', monAddr(3300)), { ...mon.newMonInfo('b', [], 1, 2), crushLoc: [['datacenter', 'dc1']] as [string, string][] }]);

wireType('MonMap', mon.decodeMonMap, mon.encodeMonMap, () => {
  const m = mon.newMonMap();
  m.epoch = 2;
  m.fsid = 'a6c7bebf-40b0-47a7-a6ea-2967e3d757b1';
  m.persistentFeatures = mon.MON_FEATURES_PERSISTENT;
  m.minMonRelease = 16;
  mon.monMapAdd(m, mon.newMonInfo('a', monAddr(3300)));
  mon.monMapAdd(m, mon.newMonInfo('b', monAddr(3301)));
  return [mon.newMonMap(), m];
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

wireType('MgrMap::ModuleOption', mgr.decodeModuleOption, mgr.encodeModuleOption, () => [mgr.newModuleOption('x'), sampleModule('m').moduleOptions.get('interval')!]);

wireType('MgrMap::ModuleInfo', mgr.decodeModuleInfo, mgr.encodeModuleInfo, () => [mgr.newModuleInfo('iostat'), sampleModule('alerts')]);

wireType('MgrMap::StandbyInfo', mgr.decodeStandbyInfo, mgr.encodeStandbyInfo, () => [{ gid: 4100n, name: 'y', availableModules: [sampleModule('alerts')], mgrFeatures: 4540138314316775423n }]);

wireType('MgrMap', mgr.decodeMgrMap, mgr.encodeMgrMap, () => {
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
});

wireType('PGTempMap', (r) => decodePgMap(r, 'PGTempMap', (rr) => decodeOsdVector(rr, 'osds')), (w, m) => encodePgMap(w, m, encodeOsdVector), () => [new PgMap<number[]>(), new PgMap<number[]>([[{ pool: 1, seed: 2 }, [3, 4, 5]], [{ pool: 0, seed: 9 }, [1]]])]);

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

// Ceph's canonical OSDMap bytes are what the monitor encoded with all features.
wireType('OSDMap', decodeOSDMap, (w, m) => void w.bytes(encodeOSDMap(m, w.features)), () => [newOSDMap(), sampleOSDMap()], { features: CEPH_FEATURES_ALL });

// An incremental records the features it was encoded with; its canonical re-encoding uses them.
wireType('OSDMap::Incremental', decodeIncremental, (w, inc) => void w.bytes(encodeIncremental(inc, inc.encodeFeatures || w.features)), () => {
  const inc = newIncremental(2);
  inc.encodeFeatures = CEPH_FEATURES_ALL;
  inc.newWeight.set(0, 0x10000);
  inc.newPgTemp.set({ pool: 1, seed: 3 }, [2, 1]);
  const v11 = newIncremental(3);
  v11.encodeFeatures = CEPH_FEATURES_ALL;
  v11.oldRangeBlocklist.push(makeAddr(AddrType.CIDR, '10.1.0.0', 0, 16));
  v11.changeStretchMode = true;
  return [inc, v11];
});

wireType('creating_pgs_t::pg_create_info', decodePgCreateInfo, encodePgCreateInfo, () => [{ createEpoch: 5, createStamp: { sec: 1700000000, nsec: 0 }, up: [1, 2], upPrimary: 1, acting: [1, 2], actingPrimary: 1, history: undefined, pastIntervals: undefined }]);

wireType('creating_pgs_t', decodeCreatingPgs, encodeCreatingPgs, () => [newCreatingPgs()]);
import './osd-types/wire-types';
