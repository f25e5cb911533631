import { Reader, Writer, registerType } from '@ts-ceph/denc';
import * as J from './journal-types';
import * as L from './log-types';
import * as R from './refcount';
import * as TI from './timeindex';
import * as U from './user-types';

/**
 * The types of cls_refcount, cls_log, cls_timeindex, cls_user and cls_journal under their corpus directory names
 * (test/unit/corpus.test.ts round-trips every 16.2.0 sample byte for byte). cls_otp's types are not
 * in the corpus; test/unit's cls tests build their bytes by hand instead.
 */
const owner = 'osd';
const t0 = { sec: 1_700_000_000, nsec: 250_000_000 };
const t1 = { sec: 1_700_000_100, nsec: 0 };

function reg<V>(name: string, decode: (r: Reader) => V, encode: (w: Writer, v: V) => void, samples: () => V[]): void {
  registerType<V>({ name, owner, decode, encode, samples });
}

const tagOps = (): R.ClsRefcountTagOp[] => [{ tag: '', implicitRef: false }, { tag: 'foo', implicitRef: true }];
reg('cls_refcount_get_op', R.decodeClsRefcountTagOp, R.encodeClsRefcountTagOp, tagOps);
reg('cls_refcount_put_op', R.decodeClsRefcountTagOp, R.encodeClsRefcountTagOp, tagOps);
reg('cls_refcount_read_op', R.decodeClsRefcountReadOp, R.encodeClsRefcountReadOp, () => [false, true]);
reg('cls_refcount_set_op', R.decodeClsRefcountRefs, R.encodeClsRefcountRefs, () => [[], ['foo', 'bar']]);
reg('cls_refcount_read_ret', R.decodeClsRefcountRefs, R.encodeClsRefcountRefs, () => [[], ['foo', 'bar']]);
reg('obj_refcount', R.decodeObjRefcount, R.encodeObjRefcount, () => [
  { refs: new Map(), retiredRefs: [] },
  { refs: new Map([['a', true], ['foo', true]]), retiredRefs: ['bar'] },
]);

const logEntry = (id: string): L.ClsLogEntry => ({ id, section: 'bucket', name: 'b1', timestamp: t0, data: Buffer.from('payload') });
reg('cls_log_entry', L.decodeClsLogEntry, L.encodeClsLogEntry, () => [logEntry(''), logEntry('1_1700000000.250000_17.1')]);
reg('cls_log_header', L.decodeClsLogHeader, L.encodeClsLogHeader, () => [{ maxMarker: '', maxTime: { sec: 0, nsec: 0 } }, { maxMarker: 'm', maxTime: t0 }]);
reg('cls_log_add_op', L.decodeClsLogAddOp, L.encodeClsLogAddOp, () => [{ entries: [], monotonicInc: true }, { entries: [logEntry('x')], monotonicInc: false }]);
reg('cls_log_list_op', L.decodeClsLogListOp, L.encodeClsLogListOp, () => [{ fromTime: t0, marker: 'm', toTime: t1, maxEntries: 10 }]);
reg('cls_log_list_ret', L.decodeClsLogListRet, L.encodeClsLogListRet, () => [{ entries: [logEntry('a')], marker: 'a', truncated: true }]);
reg('cls_log_trim_op', L.decodeClsLogTrimOp, L.encodeClsLogTrimOp, () => [{ fromTime: t0, toTime: t1, fromMarker: 'a', toMarker: 'b' }]);
reg('cls_log_info_op', (r) => L.decodeEmptyOp(r, 'cls_log_info_op'), L.encodeEmptyOp, () => [{}]);

const tiEntry: TI.ClsTimeindexEntry = { keyTs: t0, keyExt: 'obj', value: Buffer.from('v') };
reg('cls_timeindex_entry', TI.decodeClsTimeindexEntry, TI.encodeClsTimeindexEntry, () => [tiEntry]);
reg('cls_timeindex_list_op', TI.decodeClsTimeindexListOp, TI.encodeClsTimeindexListOp, () => [{ fromTime: t0, marker: '', toTime: t1, maxEntries: 100 }]);
reg('cls_timeindex_list_ret', TI.decodeClsTimeindexListRet, TI.encodeClsTimeindexListRet, () => [{ entries: [tiEntry], marker: 'm', truncated: false }]);

const bucket = (placementId: string): U.ClsUserBucket => ({ ...U.emptyUserBucket('b1'), marker: 'mk', bucketId: 'id.1', placementId, dataPool: placementId ? '' : 'data', indexPool: placementId ? '' : 'index' });
const bucketEntry = (placementId: string): U.ClsUserBucketEntry => ({ bucket: bucket(placementId), size: 10n, sizeRounded: 4096n, creationTime: t0, count: 1n, userStatsSync: true });
const stats: U.ClsUserStats = { totalEntries: 3n, totalBytes: 30n, totalBytesRounded: 12288n };
const header: U.ClsUserHeader = { stats, lastStatsSync: t0, lastStatsUpdate: t1 };
reg('cls_user_bucket', U.decodeClsUserBucket, U.encodeClsUserBucket, () => [bucket(''), bucket('default-placement')]);
reg('cls_user_bucket_entry', U.decodeClsUserBucketEntry, U.encodeClsUserBucketEntry, () => [bucketEntry(''), bucketEntry('p')]);
reg('cls_user_stats', U.decodeClsUserStats, U.encodeClsUserStats, () => [U.emptyUserStats(), stats]);
reg('cls_user_header', U.decodeClsUserHeader, U.encodeClsUserHeader, () => [header]);
reg('cls_user_get_header_ret', U.decodeClsUserGetHeaderRet, U.encodeClsUserGetHeaderRet, () => [header]);
reg('cls_user_get_header_op', (r) => L.decodeEmptyOp(r, 'cls_user_get_header_op'), L.encodeEmptyOp, () => [{}]);
reg('cls_user_set_buckets_op', U.decodeClsUserSetBucketsOp, U.encodeClsUserSetBucketsOp, () => [{ entries: [bucketEntry('')], add: true, time: t0 }]);
reg('cls_user_remove_bucket_op', U.decodeClsUserRemoveBucketOp, U.encodeClsUserRemoveBucketOp, () => [bucket('')]);
reg('cls_user_list_buckets_op', U.decodeClsUserListBucketsOp, U.encodeClsUserListBucketsOp, () => [{ marker: 'a', endMarker: 'z', maxEntries: 100 }]);
reg('cls_user_list_buckets_ret', U.decodeClsUserListBucketsRet, U.encodeClsUserListBucketsRet, () => [{ entries: [bucketEntry('')], marker: 'b1', truncated: true }]);
reg('cls_user_complete_stats_sync_op', U.decodeClsUserTimeOp, U.encodeClsUserTimeOp, () => [t0]);

const pos = (objectNumber: bigint, tagTid: bigint, entryTid: bigint): J.ObjectPosition => ({ objectNumber, tagTid, entryTid });
const setPos = (...objectPositions: J.ObjectPosition[]): J.ObjectSetPosition => ({ objectPositions });
reg('cls::journal::ObjectPosition', J.decodeObjectPosition, J.encodeObjectPosition, () => [pos(0n, 0n, 0n), pos(1n, 2n, 3n)]);
reg('cls::journal::ObjectSetPosition', J.decodeObjectSetPosition, J.encodeObjectSetPosition, () => [setPos(), setPos(pos(0n, 1n, 120n), pos(121n, 2n, 121n))]);
reg('cls::journal::Client', J.decodeJournalClient, J.encodeJournalClient, () => [
  { id: '', data: Buffer.alloc(0), commitPosition: setPos(), state: J.CLIENT_STATE.CONNECTED },
  { id: 'id', data: Buffer.alloc(128, '1'), commitPosition: setPos(pos(1n, 2n, 120n), pos(2n, 3n, 121n)), state: J.CLIENT_STATE.DISCONNECTED },
]);
reg('cls::journal::Tag', J.decodeJournalTag, J.encodeJournalTag, () => [{ tid: 0n, tagClass: 0n, data: Buffer.alloc(0) }, { tid: 123n, tagClass: 234n, data: Buffer.alloc(128, '1') }]);
