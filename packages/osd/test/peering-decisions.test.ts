import t from 'tap';
import { Transaction, collPG, ghobject } from '@ts-ceph/objectstore';
import { PG_STATE, pgStateString } from '../src/core/peering/pg-state';
import { decodeBigInfo, encodeBigInfo } from '../src/core/peering/big-info';
import { decodeMissingItem, encodeMissingItem } from '../src/core/peering/missing-store';
import { Reader } from '@ts-ceph/denc';
import { decodePastIntervals } from '@ts-ceph/maps';
import { PgMapping, buildPrior, closeInterval, isNewInterval } from '../src/core/peering/past-intervals';
import { expectedObjects, findBestInfo, logsOverlap } from '../src/core/peering/log-merge';
import { PG, PgInfo, PgLogEntry, PgLogOp, decodeDup, encodeDup, internalLogEntry } from '../src/core/pg';

t.test('pg_state_string: the strings `ceph -s` and `ceph pg dump` print', async (t) => {
  const S = PG_STATE;
  t.equal(pgStateString(0n), 'unknown');
  t.equal(pgStateString(S.ACTIVE | S.CLEAN), 'active+clean');
  t.equal(pgStateString(S.UNDERSIZED | S.DEGRADED | S.ACTIVE), 'active+undersized+degraded');
  t.equal(pgStateString(S.PEERING), 'peering');
  t.equal(pgStateString(S.DOWN | S.PEERING), 'down+peering');
  t.equal(pgStateString(S.RECOVERING | S.DEGRADED | S.ACTIVE | S.REMAPPED | S.UNDERSIZED), 'active+recovering+undersized+degraded+remapped');
  t.equal(pgStateString(S.BACKFILLING | S.ACTIVE | S.REMAPPED | S.BACKFILL_WAIT), 'active+remapped+backfill_wait+backfilling');
  t.equal(pgStateString(S.STALE | S.ACTIVE | S.CLEAN), 'stale+active+clean');
  t.equal(pgStateString(S.INCOMPLETE), 'incomplete');
  t.equal(pgStateString(S.CLEAN | S.SCRUBBING | S.DEEP_SCRUB | S.ACTIVE), 'active+clean+scrubbing+deep');
  t.equal(pgStateString(S.LAGGY | S.WAIT | S.ACTIVE), 'active+laggy+wait');
});

const up = (...o: number[]): Set<number> => new Set(o);
const mapping = (epoch: number, acting: number[], upOsds: Set<number>, over: Partial<PgMapping> = {}): PgMapping => ({ epoch, up: acting, upPrimary: acting[0] ?? -1, acting, primary: acting[0] ?? -1, size: 3, minSize: 2, upOsds, ...over });

t.test('intervals: a change of up, acting, primary, size or min_size starts one', async (t) => {
  const a = mapping(5, [0, 1, 2], up(0, 1, 2));
  t.notOk(isNewInterval(a, mapping(6, [0, 1, 2], up(0, 1, 2, 3))), 'another OSD coming up changes nothing here');
  t.ok(isNewInterval(a, mapping(6, [0, 2], up(0, 2))));
  t.ok(isNewInterval(a, mapping(6, [1, 0, 2], up(0, 1, 2))), 'primary');
  t.ok(isNewInterval(a, mapping(6, [0, 1, 2], up(0, 1, 2), { minSize: 1 })), 'min_size');
});

t.test('intervals: maybe_went_rw needs a primary and min_size OSDs (and up_thru when known)', async (t) => {
  t.ok(closeInterval(mapping(5, [0, 1], up(0, 1)), 5, 9).maybeWentRw);
  t.notOk(closeInterval(mapping(5, [0], up(0)), 5, 9).maybeWentRw, 'below min_size');
  t.notOk(closeInterval(mapping(5, [0, 1], up(0, 1), { upThru: new Map([[0, 4]]) }), 5, 9).maybeWentRw, 'up_thru before the interval');
  t.ok(closeInterval(mapping(5, [0, 1], up(0, 1), { upThru: new Map([[0, 5]]) }), 5, 9).maybeWentRw);
});

t.test('prior set: probe the reachable members; down when a read-write interval has none up', async (t) => {
  const past = [closeInterval(mapping(2, [0, 1, 2], up(0, 1, 2)), 2, 4), closeInterval(mapping(5, [0, 1], up(0, 1)), 5, 7)];
  // Now only osd.2 is up: interval [5,7] (osd.0, osd.1) may have acked writes osd.2 never saw.
  const p = buildPrior(past, 0, mapping(8, [2], up(2)), 2);
  t.ok(p.pgDown);
  t.same(p.down, [0, 1]);
  t.ok(buildPrior(past, 6, mapping(8, [2], up(2)), 2).pgDown, 'last_epoch_started 6 still leaves [5,7]');
  t.notOk(buildPrior(past, 8, mapping(8, [2], up(2)), 2).pgDown, 'an activation at 8 makes older intervals irrelevant');
  const q = buildPrior(past, 0, mapping(8, [2, 1], up(1, 2)), 2);
  t.notOk(q.pgDown);
  t.same(q.probe, [1]);
  t.notOk(buildPrior(past, 0, mapping(8, [2], up(2)), 2, 1).pgDown, 'the planted bug skips the newest interval');
});

const z = { epoch: 0, version: 0n };
const info = (lu: [number, number], les: number, over: Partial<PgInfo> = {}): PgInfo => ({
  pgid: { pool: 1, seed: 0 },
  lastUpdate: { epoch: lu[0], version: BigInt(lu[1]) },
  lastComplete: z,
  lastUserVersion: 0n,
  logTail: z,
  epochCreated: 1,
  lastEpochStarted: les,
  history: { lastEpochStarted: les, lastEpochClean: 0, sameIntervalSince: 0 },
  ...over,
});

t.test('find_best_info: newest last_update among those at the newest last_epoch_started', async (t) => {
  // osd.0 has a write from an interval that never activated again; osd.1/2 activated at 9 since.
  const best = findBestInfo([{ osd: 0, info: info([5, 20], 5) }, { osd: 1, info: info([5, 18], 9) }, { osd: 2, info: info([5, 17], 9) }], 0);
  t.equal(best?.osd, 1);
  t.equal(findBestInfo([{ osd: 0, info: info([5, 18], 9) }, { osd: 1, info: info([5, 18], 9) }], 0)?.osd, 0, 'ties go to the primary');
  const longer = info([5, 18], 9, { logTail: { epoch: 1, version: 1n } });
  t.equal(findBestInfo([{ osd: 0, info: longer }, { osd: 1, info: info([5, 18], 9) }], 0)?.osd, 1, 'then the longer log');
  t.equal(findBestInfo([{ osd: 0, info: info([5, 20], 5, { history: { lastEpochStarted: 9, lastEpochClean: 0, sameIntervalSince: 0 } }) }], 0), undefined, 'history says 9 but nobody answering activated then: incomplete');
  t.equal(findBestInfo([{ osd: 0, info: info([5, 30], 9, { incomplete: true }) }, { osd: 1, info: info([5, 18], 9) }], 0)?.osd, 1, 'a copy being backfilled is never authoritative');
  t.ok(logsOverlap(info([5, 18], 9), info([5, 30], 9, { logTail: { epoch: 5, version: 18n } })));
  t.notOk(logsOverlap(info([5, 17], 9), info([5, 30], 9, { logTail: { epoch: 5, version: 18n } })));
  t.notOk(logsOverlap(info([5, 18], 9, { incomplete: true }), info([5, 30], 9, { logTail: { epoch: 5, version: 18n } })), 'a backfill cut short starts over');
});

const e = (op: number, name: string, v: number, prior: number, epoch = 5): PgLogEntry => ({ ...internalLogEntry(op, ghobject({ pool: 1, name }), { epoch, version: BigInt(v) }, { epoch: prior ? 5 : 0, version: BigInt(prior) }, { sec: 0, nsec: 0 }, 0n), op });

t.test('merge_log: the authoritative entries decide; divergent objects go back to their prior version', async (t) => {
  const auth = [e(PgLogOp.MODIFY, 'a', 1, 0), e(PgLogOp.MODIFY, 'b', 2, 0), e(PgLogOp.DELETE, 'a', 3, 1)];
  const own = [auth[0]!, auth[1]!, e(PgLogOp.MODIFY, 'b', 3, 2, 4), e(PgLogOp.MODIFY, 'c', 4, 0, 4)];
  const x = expectedObjects(auth, z, own);
  t.same([...x.values()].map((m) => [m.oid.name, `${m.need.epoch}'${m.need.version}`, m.gone]), [
    ['a', "5'3", true],
    ['b', "5'2", false],
    ['c', "0'0", true],
  ]);
});

t.test("merge_log takes the authoritative copy's dups: a trimmed request is still a resend", async (t) => {
  const pg = PG.fresh(collPG(1, 0), { pool: 1, seed: 0 }, 1);
  const d = { reqid: { name: { type: 8, num: 7 }, tid: 5n, inc: 0 }, version: { epoch: 3, version: 9n }, userVersion: 9n, returnCode: 0 };
  t.equal(pg.findRequest(d.reqid), undefined);
  const tx = new Transaction();
  pg.mergeDups([decodeDup(encodeDup(d))], tx);
  t.same(pg.findRequest(d.reqid), d);
  t.same(tx.ops.map((o) => (o.op === 32 ? [...o.kv.keys()] : o.op)), [['dup_0000000003.00000000000000000009']]);
  const again = new Transaction();
  pg.mergeDups([d], again);
  t.equal(again.length, 0, 'a dup we have is not written twice');
});

t.test('_biginfo: PastIntervals (compact: the read-write intervals) then purged_snaps, as Ceph keeps them', async (t) => {
  const past = [
    { first: 5, last: 9, acting: [1, 0], primary: 1, maybeWentRw: true },
    { first: 10, last: 12, acting: [2], primary: 2, maybeWentRw: false },
    { first: 13, last: 14, acting: [2, 1], primary: 2, maybeWentRw: true },
  ];
  const b = encodeBigInfo(past, []);
  const pi = decodePastIntervals(new Reader(b));
  t.same(pi.compact?.allParticipants.map((s) => s.osd), [0, 1, 2]);
  t.same([pi.compact?.first, pi.compact?.last], [5, 14]);
  t.same(decodeBigInfo(b), [
    { first: 5, last: 9, acting: [0, 1], primary: -1, maybeWentRw: true },
    { first: 13, last: 14, acting: [1, 2], primary: -1, maybeWentRw: true },
  ]);
  // No interval: PastIntervals type 0, then an empty interval_set.
  t.same(encodeBigInfo([], []), Buffer.from([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
});

t.test('missing/<object>: the persisted missing item round-trips; a cut one is refused', async (t) => {
  const m = { oid: ghobject({ pool: 1, name: 'obj4', hash: 7 }), need: { epoch: 22, version: 21n }, gone: false };
  const b = encodeMissingItem(m);
  t.same(decodeMissingItem(b), m);
  t.same(decodeMissingItem(encodeMissingItem({ ...m, gone: true })).gone, true);
  t.same(b.subarray(b.length - 13), Buffer.from([22, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0, 0]), 'epoch, version, gone at the end');
  for (let i = 0; i < b.length; i++) t.throws(() => decodeMissingItem(b.subarray(0, i)), `prefix of ${i} bytes`);
});
