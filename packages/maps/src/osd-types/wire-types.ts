import { wireTypeTable, EntityType, makeAddr, AddrType } from '@ts-ceph/denc';
import { HobjectT, CEPH_NOSNAP } from '../types/hobject';
import * as oi from './object-info';
import * as pl from './pg-log';
import * as ps from './pg-stat';
import * as os from './osd-stat';
import * as ph from './pg-history';
import * as pi from './pg-info';
import * as ss from './snap-set';
import * as sm from './scrub-map';

/** The OSD's PG and object types (src/osd/osd_types.h), registered under their corpus names. */
const wireType = wireTypeTable('maps');

const hobj = (over: Partial<HobjectT> = {}): HobjectT => ({ oid: 'obj', key: '', snap: CEPH_NOSNAP, hash: 0x9e2b5c3d, max: false, nspace: '', pool: 2, ...over });
const watchAddr = makeAddr(AddrType.ANY, '10.0.0.2', 0, 4242);

wireType('watch_info_t', oi.decodeWatchInfoT, oi.encodeWatchInfoT, () => [
  { cookie: 0n, timeoutSeconds: 0, addr: makeAddr(AddrType.NONE, '0.0.0.0', 0) },
  { cookie: 123n, timeoutSeconds: 30, addr: watchAddr },
]);

wireType('chunk_info_t', oi.decodeChunkInfoT, oi.encodeChunkInfoT, () => [{ offset: 0, length: 0, oid: hobj(), flags: 0 }, { offset: 4096, length: 8192, oid: hobj({ oid: 'chunk', pool: 5 }), flags: oi.CHUNK_FLAG_HAS_REFERENCE }]);

function chunkedManifest(): oi.ObjectManifestT {
  return { type: oi.MANIFEST_TYPE_CHUNKED, redirectTarget: undefined, chunkMap: [[0n, { offset: 0, length: 4096, oid: hobj({ oid: 'c0' }), flags: oi.CHUNK_FLAG_DIRTY }]] };
}

wireType('object_manifest_t', oi.decodeObjectManifestT, oi.encodeObjectManifestT, () => [oi.newObjectManifest(), { type: oi.MANIFEST_TYPE_REDIRECT, redirectTarget: hobj({ pool: 9 }), chunkMap: [] }, chunkedManifest()]);

function sampleObjectInfo(): oi.ObjectInfoT {
  const o = oi.newObjectInfo(hobj({ nspace: 'ns', key: 'k' }));
  o.version = { epoch: 12, version: 34n };
  o.priorVersion = { epoch: 11, version: 30n };
  o.userVersion = 34n;
  o.lastReqid = { name: { type: EntityType.CLIENT, num: 4123 }, tid: 17n, inc: 0 };
  o.size = 4 << 20;
  o.mtime = { sec: 1_700_000_000, nsec: 5 };
  o.localMtime = { sec: 1_700_000_001, nsec: 6 };
  o.flags = oi.FLAG_DATA_DIGEST | oi.FLAG_OMAP_DIGEST | oi.FLAG_OMAP;
  o.dataDigest = 0x12345678;
  o.omapDigest = 0;
  o.watchers = [{ cookie: 99n, entity: { type: EntityType.CLIENT, num: 4123 }, info: { cookie: 99n, timeoutSeconds: 30, addr: watchAddr } }];
  o.expectedObjectSize = 4194304n;
  o.expectedWriteSize = 4096n;
  return o;
}

wireType('object_info_t', oi.decodeObjectInfoT, oi.encodeObjectInfoT, () => {
  const clone = oi.newObjectInfo(hobj({ snap: 4n }));
  const tiered = sampleObjectInfo();
  tiered.flags |= oi.FLAG_MANIFEST | oi.FLAG_DIRTY;
  tiered.manifest = chunkedManifest();
  return [oi.newObjectInfo(hobj()), sampleObjectInfo(), clone, tiered];
});

wireType('pg_log_op_return_item_t', pl.decodePgLogOpReturnItemT, pl.encodePgLogOpReturnItemT, () => [{ rval: 0, bl: Buffer.alloc(0) }, { rval: -2, bl: Buffer.from('out') }]);

wireType('ObjectModDesc', pl.decodeObjectModDesc, pl.encodeObjectModDesc, () => [pl.unrollbackableModDesc(), { maxRequiredVersion: 2, canLocalRollback: true, rollbackInfoCompleted: true, bl: Buffer.from([1, 2, 3]) }]);

wireType<pl.ObjectCleanRegionsT>('ObjectCleanRegions', pl.decodeObjectCleanRegions, pl.encodeObjectCleanRegions, () => [pl.newObjectCleanRegions(), pl.fullyDirtyCleanRegions(), { cleanOffsets: [[0n, 4096n], [8192n, pl.OFFSET_MAX - 8192n]], cleanOmap: false, newObject: false }]);

const client = (num: number, tid: bigint) => ({ name: { type: EntityType.CLIENT, num }, tid, inc: 0 });

function sampleEntries(): pl.PgLogEntryT[] {
  const modify = pl.newPgLogEntry(pl.PgLogOp.MODIFY, hobj(), { epoch: 5, version: 7n }, { epoch: 5, version: 6n }, 7n, client(4100, 3n), { sec: 1_700_000_000, nsec: 1 });
  modify.modDesc = pl.unrollbackableModDesc();
  modify.opReturns = [{ rval: 0, bl: Buffer.from('x') }];
  const error = pl.newPgLogEntry(pl.PgLogOp.ERROR, hobj(), { epoch: 5, version: 8n }, { epoch: 5, version: 7n }, 7n, client(4100, 4n), { sec: 1_700_000_000, nsec: 2 }, -2);
  const clone = pl.newPgLogEntry(pl.PgLogOp.CLONE, hobj({ snap: 3n }), { epoch: 6, version: 9n }, { epoch: 5, version: 7n }, 7n, client(4100, 5n), { sec: 1_700_000_000, nsec: 3 });
  clone.snaps = pl.encodeLogSnaps([3n, 2n]);
  clone.extraReqids = [[client(4200, 1n), 6n]];
  clone.extraReqidReturnCodes = [[0, -17]];
  const revert = pl.newPgLogEntry(pl.PgLogOp.LOST_REVERT, hobj(), { epoch: 7, version: 10n }, { epoch: 6, version: 9n }, 10n, client(4100, 6n), { sec: 1_700_000_000, nsec: 4 });
  revert.revertingTo = { epoch: 5, version: 7n };
  return [modify, error, clone, revert];
}

wireType('pg_log_entry_t', pl.decodePgLogEntryT, pl.encodePgLogEntryT, sampleEntries);

wireType('pg_log_dup_t', pl.decodePgLogDupT, pl.encodePgLogDupT, () => sampleEntries().map(pl.pgLogDupOf));

wireType('pg_log_t', pl.decodePgLogT, pl.encodePgLogT, () => {
  const l = pl.newPgLog();
  l.log = sampleEntries();
  l.head = { epoch: 7, version: 10n };
  l.tail = { epoch: 5, version: 6n };
  l.dups = [pl.pgLogDupOf(l.log[0]!)];
  return [pl.newPgLog(), l];
});

function samplePgStat(): ps.PgStatT {
  const s = ps.newPgStat();
  s.version = { epoch: 9, version: 42n };
  s.reportedSeq = 77n;
  s.reportedEpoch = 9;
  s.state = (1n << 33n) | 2n;
  s.up = s.acting = [0, 1];
  s.upPrimary = s.actingPrimary = 0;
  s.lastFresh = { sec: 1_700_000_000, nsec: 7 };
  s.stats.sum.num_objects = 3;
  s.stats.sum.num_bytes = 12288;
  s.logSize = 42;
  s.purgedSnaps = [[2, 3]];
  s.blockedBy = [4];
  s.availNoMissing = [{ osd: 0, shard: -1 }];
  s.objectLocationCounts = [[[{ osd: 0, shard: -1 }, { osd: 1, shard: -1 }], 3]];
  s.manifestStatsInvalid = true;
  return s;
}

wireType('pg_stat_t', ps.decodePgStatT, ps.encodePgStatT, () => [ps.newPgStat(), samplePgStat()]);

function sampleOsdStat(): os.OsdStatT {
  const s = os.newOsdStat();
  s.statfs = { ...s.statfs, total: 4 << 30, available: 3 << 30, allocated: 1 << 20, data_stored: 1 << 20, omap_allocated: 8192, internal_metadata: 4096 };
  s.hbPeers = [1, 2];
  s.opQueueAgeHist = [3, 0, 1];
  s.osPerfStat = { commitLatencyNs: 1_500_000n, applyLatencyNs: 1_500_000n };
  s.osAlerts = [[0, [['BLUESTORE_SPURIOUS_READ_ERRORS', '1 read error']]]];
  s.upFrom = 7;
  s.seq = (7n << 32n) + 3n;
  s.numPgs = 16;
  s.numOsds = 1;
  s.hbPingtime = [[1, { lastUpdate: 1_700_000_000, backPingtime: [100, 110, 120], backMin: [90, 90, 90], backMax: [130, 140, 150], backLast: 101, frontPingtime: [0, 0, 0], frontMin: [0, 0, 0], frontMax: [0, 0, 0], frontLast: 0 }]];
  return s;
}

wireType('osd_stat_t', os.decodeOsdStatT, os.encodeOsdStatT, () => [os.newOsdStat(), sampleOsdStat()]);
wireType('objectstore_perf_stat_t', os.decodeObjectstorePerfStatT, os.encodeObjectstorePerfStatT, () => [{ commitLatencyNs: 0n, applyLatencyNs: 0n }, { commitLatencyNs: 2_000_000n, applyLatencyNs: 3_000_000n }]);
wireType('pow2_hist_t', os.decodePow2HistT, os.encodePow2HistT, () => [[], [1, 0, 5]]);

wireType('pg_history_t', ph.decodePgHistoryT, ph.encodePgHistoryT, () => [ph.newPgHistory(), { ...ph.pgHistoryCreated(5, { sec: 1_700_000_000, nsec: 0 }), lastEpochStarted: 6, priorReadableUntilUb: { sec: 1, nsec: 500 } }]);

const shards = (...osds: number[]) => osds.map((osd) => ({ osd, shard: -1 }));

wireType('compact_interval_t', ph.decodeCompactIntervalT, ph.encodeCompactIntervalT, () => [{ first: 0, last: 0, acting: [] }, { first: 5, last: 9, acting: shards(0, 2) }]);

wireType('PastIntervals', ph.decodePastIntervals, ph.encodePastIntervals, () => [{ compact: undefined }, { compact: { first: 5, last: 12, allParticipants: shards(0, 1, 2), intervals: [{ first: 5, last: 9, acting: shards(0, 1) }] } }]);

wireType('pg_hit_set_info_t', ph.decodePgHitSetInfoT, ph.encodePgHitSetInfoT, () => [ph.newPgHitSetInfo(), { begin: { sec: 1, nsec: 2 }, end: { sec: 3, nsec: 4 }, version: { epoch: 5, version: 6n }, usingGmt: false }]);

wireType('pg_hit_set_history_t', ph.decodePgHitSetHistoryT, ph.encodePgHitSetHistoryT, () => [{ currentLastUpdate: { epoch: 0, version: 0n }, history: [] }, { currentLastUpdate: { epoch: 3, version: 4n }, history: [ph.newPgHitSetInfo()] }]);

function samplePgInfo(): pi.PgInfoT {
  const i = pi.newPgInfo({ pgid: { pool: 2, seed: 5 }, shard: -1 });
  i.lastUpdate = i.lastComplete = { epoch: 9, version: 42n };
  i.logTail = { epoch: 5, version: 1n };
  i.lastUserVersion = 40n;
  i.lastEpochStarted = i.lastIntervalStarted = 8;
  i.stats = samplePgStat();
  i.history = ph.pgHistoryCreated(5, { sec: 1_700_000_000, nsec: 0 });
  i.purgedSnaps = [[1, 1]];
  return i;
}

wireType('pg_info_t', pi.decodePgInfoT, pi.encodePgInfoT, () => [pi.newPgInfo({ pgid: { pool: 1, seed: 0 }, shard: -1 }), samplePgInfo(), { ...samplePgInfo(), pgid: { pgid: { pool: 3, seed: 1 }, shard: 2 }, lastBackfill: hobj() }]);

wireType('pg_fast_info_t', pi.decodePgFastInfoT, pi.encodePgFastInfoT, () => [pi.pgFastInfoOf(pi.newPgInfo({ pgid: { pool: 1, seed: 0 }, shard: -1 })), pi.pgFastInfoOf(samplePgInfo())]);

function sampleSnapSet(): ss.SnapSetT {
  const s = ss.newSnapSet();
  s.seq = 6n;
  s.clones = [2n, 5n];
  s.cloneOverlap = [[2n, [[0, 4096]]], [5n, []]];
  s.cloneSize = [[2n, 8192], [5n, 4096]];
  s.cloneSnaps = [[2n, [2n, 1n]], [5n, [5n, 4n, 3n]]];
  return s;
}

wireType('SnapSet', ss.decodeSnapSetT, ss.encodeSnapSetT, () => [ss.newSnapSet(), sampleSnapSet(), { ...sampleSnapSet(), snaps: [5n, 4n, 2n] }]);

const clones = (): ss.CloneInfoT[] => [
  { cloneid: 2n, snaps: [1n, 2n], overlap: [[0, 4096]], size: 8192 },
  { cloneid: CEPH_NOSNAP, snaps: [], overlap: [], size: 4096 },
];

wireType('clone_info', ss.decodeCloneInfo, ss.encodeCloneInfo, clones);

wireType('obj_list_snap_response_t', ss.decodeObjListSnapResponseT, ss.encodeObjListSnapResponseT, () => [{ clones: [], seq: 0n }, { clones: clones(), seq: 6n }]);

function sampleScrubObject(): sm.ScrubMapObjectT {
  return { ...sm.newScrubMapObject(), attrs: [['_', Buffer.from([1, 2, 3])], ['snapset', Buffer.alloc(0)]], size: 4096n, digest: 0x1cf96d7c, digestPresent: true, omapDigest: 0xffffffff, omapDigestPresent: true, objectOmapKeys: 2n, objectOmapBytes: 40n };
}

wireType('ScrubMap::object', sm.decodeScrubMapObjectT, sm.encodeScrubMapObjectT, () => [sm.newScrubMapObject(), sampleScrubObject(), { ...sm.newScrubMapObject(), readError: true, statError: true }]);

const scrubObjects = (): sm.ScrubMapT['objects'] => [[hobj(), sampleScrubObject()], [hobj({ oid: 'b', hash: 3 }), sm.newScrubMapObject()]];

wireType('ScrubMap', sm.decodeScrubMapT, sm.encodeScrubMapT, () => [
  { objects: [], validThrough: { epoch: 0, version: 0n }, incrSince: { epoch: 0, version: 0n } },
  { objects: scrubObjects(), validThrough: { epoch: 9, version: 41n }, incrSince: { epoch: 0, version: 0n } },
]);
