/**
 * A replicated PG's object copy counts (PeeringState::update_calc_stats, v16.2.5): each expected
 * figure is worked out by hand from Ceph's algorithm in the comment above it, not by the code
 * under test. The 4.x cases are the figures a real 16.2.15 cluster showed for pool `dg` (8 PGs,
 * size 3) with osd.2 stopped, then started again under `norecover`.
 */
import t from 'tap';
import { CalcStatsInput, PG_STATE, PeeringPG, calcStatsInputOf, updateCalcStats } from '../src/core/peering';
import { MissingItem, MissingSet } from '../src/core/peering/log-merge';

const { ACTIVE, CLEAN, UNDERSIZED, DEGRADED, REMAPPED, RECOVERING, RECOVERY_WAIT, BACKFILLING, PEERING } = PG_STATE;

function input(o: Partial<CalcStatsInput>): CalcStatsInput {
  return { size: 3, up: [0, 1, 2], acting: [0, 1, 2], primary: 0, numObjects: 0, state: ACTIVE | CLEAN, primaryMissing: 0, peers: [], backfillTargets: new Set(), missingLocs: [], unfound: 0, ...o };
}
const counts = (i: CalcStatsInput) => {
  const r = updateCalcStats(i);
  return { copies: r.copies, degraded: r.degraded, misplaced: r.misplaced, missingOnPrimary: r.missingOnPrimary, unfound: r.unfound };
};

t.test('a clean PG: copies = objects x size, nothing degraded or misplaced', async (t) => {
  const peers = [{ osd: 1, missing: 0, numObjects: 4 }, { osd: 2, missing: 0, numObjects: 4 }];
  t.same(counts(input({ numObjects: 4, peers })), { copies: 12, degraded: 0, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
  // The gate: (remapped || undersized || !clean) && (peered || activating). A PG still peering counts nothing.
  t.same(counts(input({ numObjects: 4, peers, state: PEERING, primaryMissing: 2 })), { copies: 12, degraded: 0, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
});

t.test('undersized: one missing replica makes every object one degraded copy (ref pg 4.5: 2 objects, 2 degraded)', async (t) => {
  // target 3, targets {(0,osd0),(0,osd1)}, needed 3-2 = 1: (2*1, NO_OSD); no acting sources: all 2 degraded.
  const i = input({ up: [1, 0], acting: [1, 0], primary: 1, numObjects: 2, state: ACTIVE | UNDERSIZED | DEGRADED, peers: [{ osd: 0, missing: 0, numObjects: 2 }] });
  t.same(counts(i), { copies: 6, degraded: 2, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
  // Two of three gone (min_size 1): two degraded copies per object.
  t.same(counts(input({ up: [1], acting: [1], primary: 1, numObjects: 2, state: ACTIVE | UNDERSIZED })), { copies: 6, degraded: 4, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
  // Undersized with nothing written: nothing degraded (ref pg 4.0, active+undersized).
  t.same(counts(input({ up: [0, 1], acting: [0, 1], numObjects: 0, state: ACTIVE | UNDERSIZED, peers: [{ osd: 1, missing: 0, numObjects: 0 }] })), { copies: 0, degraded: 0, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
});

t.test('missing objects on the primary and on a peer, waiting for recovery', async (t) => {
  // Ref pg 4.6 [2,0,1]p2, 3 objects, osd.2 back and missing the 2 written while it was down:
  // targets {(0,0),(0,1),(2,2)}, needed 0, no sources: degraded 2, missing_on_primary 2.
  const peers = [{ osd: 0, missing: 0, numObjects: 3 }, { osd: 1, missing: 0, numObjects: 3 }];
  t.same(counts(input({ up: [2, 0, 1], acting: [2, 0, 1], primary: 2, numObjects: 3, state: ACTIVE | RECOVERY_WAIT | DEGRADED, primaryMissing: 2, peers })), { copies: 9, degraded: 2, misplaced: 0, missingOnPrimary: 2, unfound: 0 });
  // A replica missing 3 of 10 and another missing 1: 3 + 1 degraded.
  const peers2 = [{ osd: 1, missing: 1, numObjects: 10 }, { osd: 2, missing: 3, numObjects: 10 }];
  t.same(counts(input({ numObjects: 10, state: ACTIVE | RECOVERY_WAIT | DEGRADED, peers: peers2 })), { copies: 30, degraded: 4, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
});

t.test('recovering: counts come from the missing objects\' locations', async (t) => {
  // Ref pg 4.4 [0,2,1]p0 recovering, 2 objects osd.2 lacks, each held by osd.0 and osd.1 (2 up,
  // 0 other): missing shards 3-2 = 1 each, 2 degraded; the up set is full, so nothing more.
  const peers = [{ osd: 2, missing: 2, numObjects: 2 }, { osd: 1, missing: 0, numObjects: 2 }];
  const locs = [{ up: 2, other: 0 }, { up: 2, other: 0 }];
  t.same(counts(input({ up: [0, 2, 1], acting: [0, 2, 1], numObjects: 2, state: ACTIVE | RECOVERING | DEGRADED, peers, missingLocs: locs })), { copies: 6, degraded: 2, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
  // Up [0,1] (one short of size 3), one object held by one up copy and one outside up: missing
  // shards |up| 2 - 1 = 1, misplaced min(1, other 1) = 1, so none degraded; the up set's
  // shortfall adds 5 objects x (3 - 2) degraded.
  const r = updateCalcStats(input({ up: [0, 1], acting: [0, 1, 3], numObjects: 5, state: ACTIVE | RECOVERING | UNDERSIZED | REMAPPED, peers: [{ osd: 1, numObjects: 4 }], missingLocs: [{ up: 1, other: 1 }], unfound: 1 }));
  t.same([r.copies, r.degraded, r.misplaced, r.unfound], [15, 5, 1, 1]);
  t.ok(r.estimate, 'a peer without a missing set while recovering is an estimate');
});

t.test('remapped with a backfill target: what it lacks is misplaced, not degraded', async (t) => {
  // up [0,1,3], acting [0,1,2] (pg_temp), osd.3 backfilled 4 of 10 objects: targets
  // {(0,0),(0,1),(10-4,3)}, sources {(0,2)}. (6,3) pairs with (0,2): misplaced 6-0, degraded 0.
  const peers = [{ osd: 1, missing: 0, numObjects: 10 }, { osd: 2, missing: 0, numObjects: 10 }, { osd: 3, numObjects: 4 }];
  const base = { up: [0, 1, 3], acting: [0, 1, 2], numObjects: 10, peers, backfillTargets: new Set([3]) };
  t.same(counts(input({ ...base, state: ACTIVE | REMAPPED | BACKFILLING })), { copies: 30, degraded: 0, misplaced: 6, missingOnPrimary: 0, unfound: 0 });
  // The source lacks 2 objects too: (6,3) >= 2 pairs, 6-2 misplaced and 2 degraded.
  const lacking = peers.map((p) => (p.osd === 2 ? { ...p, missing: 2 } : p));
  t.same(counts(input({ ...base, peers: lacking, state: ACTIVE | REMAPPED | BACKFILLING })), { copies: 30, degraded: 2, misplaced: 4, missingOnPrimary: 0, unfound: 0 });
  // Backfill done (the target holds all 10): clean again apart from remapped, zero misplaced.
  const done = peers.map((p) => (p.osd === 3 ? { ...p, numObjects: 10 } : p));
  t.same(counts(input({ ...base, peers: done, state: ACTIVE | REMAPPED })), { copies: 30, degraded: 0, misplaced: 0, missingOnPrimary: 0, unfound: 0 });
  // Every copy moves (up [1,3], acting [0,2], size 2): targets {(8,1),(10,3)}, sources
  // {(0,0),(0,2)}: (10,3) with (0,0) and (8,1) with (0,2), all misplaced.
  const all = [{ osd: 1, numObjects: 2 }, { osd: 3, numObjects: 0 }, { osd: 2, missing: 0, numObjects: 10 }];
  t.same(counts(input({ size: 2, up: [1, 3], acting: [0, 2], numObjects: 10, peers: all, backfillTargets: new Set([1, 3]), state: ACTIVE | REMAPPED | BACKFILLING })), { copies: 20, degraded: 0, misplaced: 18, missingOnPrimary: 0, unfound: 0 });
});

t.test('the inputs from a primary\'s peering state', async (t) => {
  const item = (name: string, gone = false): [string, MissingItem] => [name, { oid: { name } as MissingItem['oid'], need: { epoch: 1, version: 1n }, gone }];
  const ownMissing: MissingSet = new Map([item('a')]);
  const peerMissing = new Map<number, MissingSet>([[1, new Map([item('a'), item('b')])], [2, new Map()], [3, new Map([item('c'), item('d'), item('e', true)])]]);
  const mapping = { up: [0, 1, 3], acting: [0, 1, 2], size: 3 };
  const fake = { mapping, isPrimary: true, whoami: 0, replicas: [1, 2, 3], ownMissing, peerMissing, rep: { backfillTargets: new Set([3]), unfound: new Set(['x']) } } as unknown as PeeringPG;
  const i = calcStatsInputOf(fake, 10, ACTIVE | REMAPPED | RECOVERING)!;
  // osd.3 is a backfill target lacking 2 objects (the pending delete is not one): it holds 8.
  t.same(i.peers, [{ osd: 1, missing: 2, numObjects: 10 }, { osd: 2, missing: 0, numObjects: 10 }, { osd: 3, numObjects: 8 }]);
  // Locations: 'a' only on osd.2 (outside up); 'b' on osd.0 (up) and osd.2; osd.3, still backfilling, is no source.
  t.same(i.missingLocs, [{ up: 0, other: 1 }, { up: 1, other: 1 }]);
  t.same([i.primaryMissing, i.unfound, i.up, i.acting, i.size], [1, 1, [0, 1, 3], [0, 1, 2], 3]);
  t.equal(calcStatsInputOf({ ...fake, isPrimary: false } as unknown as PeeringPG, 10, ACTIVE), undefined, 'only the primary counts');
});
