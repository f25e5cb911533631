/**
 * `ceph pg map <pgid>` (OSDMonitor::preprocess_command): a mon command, not the mgr's, answered from
 * the OSDMap: the PG's up and acting sets (the raw pgid folded onto pg_num first).
 */
import { formatPg, parsePg, rawPgToPg, pgToUpActingOsds } from '@ts-ceph/maps';
import { CommandHandler, fail, formatterFor, ok } from '../commands/types';
import { getStr } from '../commands/cmdmap';
import type { OSDMonitor } from './osd-monitor';

export function pgMapCommand(osd: OSDMonitor): Record<string, CommandHandler> {
  return {
    'pg map': (req) => {
      const text = getStr(req.cmdmap, 'pgid', '');
      const pgid = parsePg(text);
      if (!pgid) return fail('EINVAL', `invalid pgid '${text}'`);
      const m = osd.osdmap;
      const pool = m.pools.get(pgid.pool);
      if (!pool) return fail('ENOENT', `pg '${text}' does not exist`);
      const mpgid = rawPgToPg(pool, pgid);
      const { up, acting } = pgToUpActingOsds(m, pgid);
      const f = formatterFor(req);
      if (f) {
        f.openObject('pg_map');
        f.dumpUnsigned('epoch', m.epoch);
        f.dumpStream('raw_pgid', formatPg(pgid));
        f.dumpStream('pgid', formatPg(mpgid));
        f.openArray('up');
        for (const o of up) f.dumpInt('up_osd', o);
        f.close();
        f.openArray('acting');
        for (const o of acting) f.dumpInt('acting_osd', o);
        f.close();
        f.close();
        return ok(f.toString());
      }
      return ok(`osdmap e${m.epoch} pg ${formatPg(pgid)} (${formatPg(mpgid)}) -> up [${up.join(',')}] acting [${acting.join(',')}]`);
    },
  };
}
