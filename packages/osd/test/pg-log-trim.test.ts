/**
 * PGLog trimming bounded by calc_trim_to's limit (min_last_complete_ondisk): a PG that still lacks
 * an object keeps its log from that object's version on. The simulation's seed 2776 (min_size 1,
 * short logs): the primary went active missing an object whose only copy was on a crashed OSD,
 * trimmed its log past it under new writes, and the OSD that came back with the object no longer
 * overlapped the log: it was backfilled instead of being a recovery source, and the object stayed
 * unfound for good.
 */
import t from 'tap';
import { osdOpWriteFull } from '@ts-ceph/messages';
import { ghobjectMin } from '@ts-ceph/objectstore';
import { pgLogLimits } from '../src/core/pg';
import { ReplicatedPG, defaultPeeringConf } from '../src/core/peering';
import { allowAll, harness, req } from './lib/harness';

t.test('the log is not trimmed past the oldest missing object; trimmed again once it is recovered', async (t) => {
  const saved = { ...pgLogLimits };
  t.teardown(() => void Object.assign(pgLogLimits, saved));
  Object.assign(pgLogLimits, { entriesMin: 4, trimMin: 2 });
  const h = await harness();
  const write = async (): Promise<void> => void t.equal((await h.run(req('o', [osdOpWriteFull(Buffer.from('x'))]), allowAll)).result, 0);
  // Peering hands the PG its oldest missing version through the core it builds on it.
  const core = new ReplicatedPG(0, h.pg, h.store, defaultPeeringConf);
  t.equal(h.pg.trimKeepFrom(), undefined, 'nothing missing: no limit');
  const need = { epoch: 9, version: 3n };
  core.ownMissing.set('m', { oid: ghobjectMin(), need, gone: false });
  core.ownMissing.set('n', { oid: ghobjectMin(), need: { epoch: 9, version: 5n }, gone: false });
  t.same(h.pg.trimKeepFrom(), need, 'the oldest need of the missing set');

  for (let i = 0; i < 12; i++) await write();
  t.equal(h.pg.info.lastUpdate.version, 12n);
  t.same(h.pg.info.logTail, { epoch: 9, version: 2n }, 'trimmed up to the entry before 9\'3, not to the last 4 entries');
  t.same(h.pg.entries.map((e) => e.version.version), [3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n]);

  core.ownMissing.clear();
  await write();
  t.same(h.pg.entries.map((e) => e.version.version), [10n, 11n, 12n, 13n], 'recovered: the next write trims to entriesMin');
  t.same(h.pg.info.logTail, { epoch: 9, version: 9n });
});
