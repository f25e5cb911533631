/**
 * The PG's persisted info: a write that does not trim the log stores pg_fast_info_t under `_fastinfo`
 * and leaves the full pg_info_t under `_info` alone (PG::prepare_info_keymap); a trim rewrites
 * `_info` (log_tail moved). A PG loaded from the store has the newest of both, so versions continue.
 */
import t from 'tap';
import { Reader } from '@ts-ceph/denc';
import { decodePgFastInfoT, decodePgInfoT } from '@ts-ceph/maps';
import { osdOpWriteFull } from '@ts-ceph/messages';
import { FASTINFO_KEY, INFO_KEY, PG, pgLogLimits } from '../src/core/pg';
import { harness, req, allowAll } from './lib/harness';

t.test('writes store _fastinfo, trims store _info, load applies the newer', async (t) => {
  const h = await harness();
  const keys = async (): Promise<Map<string, Buffer>> => h.store.omapGetValues(h.pg.coll, h.pg.meta, [INFO_KEY, FASTINFO_KEY]);
  const info0 = (await keys()).get(INFO_KEY)!;
  for (let i = 0; i < 3; i++) t.equal((await h.run(req(`o${i}`, [osdOpWriteFull(Buffer.from('x'))]), allowAll)).result, 0);
  let k = await keys();
  t.same(k.get(INFO_KEY), info0, 'the full info is not rewritten by a plain write');
  const fast = decodePgFastInfoT(new Reader(k.get(FASTINFO_KEY)!));
  t.same([fast.lastUpdate, fast.lastComplete, fast.lastUserVersion], [{ epoch: 9, version: 3n }, { epoch: 9, version: 3n }, 3n]);
  let loaded = (await PG.load(h.store, h.pg.coll, h.pg.pgid))!;
  t.same([loaded.info.lastUpdate, loaded.info.lastUserVersion], [{ epoch: 9, version: 3n }, 3n], 'load applies the fast info');

  const n = pgLogLimits.entriesMin + pgLogLimits.trimMin + 1;
  for (let i = 3; i < n; i++) t.equal((await h.run(req('o', [osdOpWriteFull(Buffer.from('y'))]), allowAll)).result, 0);
  k = await keys();
  const full = decodePgInfoT(new Reader(k.get(INFO_KEY)!));
  t.same([full.lastUpdate.version, full.logTail], [BigInt(n), h.pg.info.logTail], 'the trimming write stores the full info with its new log_tail');
  t.ok(h.pg.info.logTail.version > 0n, 'the log was trimmed');
  t.ok(decodePgFastInfoT(new Reader(k.get(FASTINFO_KEY)!)).lastUpdate.version < BigInt(n), 'the older fast info is left behind');
  loaded = (await PG.load(h.store, h.pg.coll, h.pg.pgid))!;
  t.same(loaded.info.lastUpdate, { epoch: 9, version: BigInt(n) }, 'an older fast info is not applied');
  t.same(loaded.info.logTail, h.pg.info.logTail);

  t.equal((await h.run(req('o', [osdOpWriteFull(Buffer.from('z'))]), allowAll)).result, 0);
  loaded = (await PG.load(h.store, h.pg.coll, h.pg.pgid))!;
  t.same([loaded.info.lastUpdate.version, loaded.info.logTail], [BigInt(n + 1), h.pg.info.logTail], 'versions continue after the full info');
});
