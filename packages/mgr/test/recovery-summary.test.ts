/**
 * PGMapDigest::recovery_summary, the lines `ceph -s` (pgs:) and `ceph pg stat` print from the PGs'
 * summed copy counts. Expected texts are what a real 16.2.15 cluster printed: 5 objects in size-3
 * pools with one OSD of three stopped, then 13 objects with 8 copies still to recover.
 */
import t from 'tap';
import { PgSummary, recoverySummary } from '../src/core';

const summary = (o: Partial<PgSummary>): PgSummary => ({ numPg: 73, numPools: 4, byState: [], byStateOneline: [], numUnknown: 0, numActive: 73, numObjects: 0, copies: 0, degraded: 0, misplaced: 0, unfound: 0, dataBytes: 0, bytesUsed: 0, bytesAvail: 0, bytesTotal: 0, ...o });

t.test('degraded, misplaced and unfound lines, each only when non-zero', async (t) => {
  t.same(recoverySummary(summary({ numObjects: 5, copies: 15, degraded: 5 })).map((r) => r.text), ['5/15 objects degraded (33.333%)']);
  t.same(recoverySummary(summary({ numObjects: 13, copies: 39, degraded: 8 })).map((r) => r.text), ['8/39 objects degraded (20.513%)']);
  t.same(recoverySummary(summary({ numObjects: 13, copies: 39 })), [], 'a clean cluster prints none');
  const all = recoverySummary(summary({ numObjects: 10, copies: 30, degraded: 3, misplaced: 6, unfound: 1 }));
  t.same(all.map((r) => r.text), ['3/30 objects degraded (10.000%)', '6/30 objects misplaced (20.000%)', '1/10 objects unfound (10.000%)'], 'in Ceph\'s order; unfound is of num_objects');
  t.same(all.map((r) => [r.key, r.n, r.total]), [['degraded', 3, 30], ['misplaced', 6, 30], ['unfound', 1, 10]], 'the JSON keys\' stems and figures');
  t.same(recoverySummary(summary({ degraded: 2 })), [], 'no copies known: no ratio');
});
