/**
 * `ceph osd pool set-quota|get-quota` (OSDMonitor::prepare_command_impl, preprocess_command): the
 * pg_pool_t quota_max_objects (strict_si_cast) and quota_max_bytes (strict_iecstrtoll), shown
 * against the pool's current counts.
 */
import { CommandHandler, fail, formatterFor, ok, proposeThen } from '../commands/types';
import { reqStr } from '../commands/cmdmap';
import { ParseError, strictIecCast, strictSiCast } from '../config/options';
import { byteU, siU } from '../units';
import { OSDMonitor } from './osd-monitor';

/**
 * `poolStats` gives a pool's object and byte counts as the PG statistics sum them (pool_stat_t), or
 * undefined when there are none (get-quota then fails as a 16.2.15 mon without a mgr does).
 */
export function quotaCommands(osd: OSDMonitor, poolStats: (id: number) => { numObjects: number; numBytes: number } | undefined): Record<string, CommandHandler> {
  const lookup = (name: string) => osd.lookupPool(name);

  const setQuota: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'pool');
    const id = lookup(name);
    if (id < 0) return fail('ENOENT', `unrecognized pool '${name}'`);
    const field = reqStr(req.cmdmap, 'field');
    if (field !== 'max_objects' && field !== 'max_bytes') return fail('EINVAL', `unrecognized field '${field}'`);
    const val = reqStr(req.cmdmap, 'val');
    let n: bigint;
    try {
      n = field === 'max_bytes' ? strictIecCast(val) : strictSiCast(val, true);
    } catch (e) {
      if (e instanceof ParseError) return fail('EINVAL', `error parsing value '${val}': ${e.message}`);
      throw e;
    }
    const p = osd.pendingPool(id);
    if (field === 'max_objects') p.quotaMaxObjects = n;
    else p.quotaMaxBytes = n;
    return proposeThen([osd], 0, `set-quota ${field} = ${n} for pool ${name}`);
  };

  const getQuota: CommandHandler = (req) => {
    const name = reqStr(req.cmdmap, 'pool');
    const id = lookup(name);
    if (id < 0) return fail('ENOENT', `unrecognized pool '${name}'`);
    const p = osd.osdmap.pools.get(id)!;
    const sum = poolStats(id);
    if (!sum) return fail('ENOENT', `no stats for pool '${name}'`);
    const f = formatterFor(req);
    if (f) {
      f.openObject('pool_quotas');
      f.dumpString('pool_name', name);
      f.dumpUnsigned('pool_id', id);
      f.dumpUnsigned('quota_max_objects', p.quotaMaxObjects);
      f.dumpInt('current_num_objects', sum.numObjects);
      f.dumpUnsigned('quota_max_bytes', p.quotaMaxBytes);
      f.dumpInt('current_num_bytes', sum.numBytes);
      f.close();
      return ok(f.toString() + '\n');
    }
    const obj = p.quotaMaxObjects === 0n ? 'N/A' : `${siU(Number(p.quotaMaxObjects))} objects  (current num objects: ${sum.numObjects} objects)`;
    const bytes = p.quotaMaxBytes === 0n ? 'N/A' : `${byteU(Number(p.quotaMaxBytes))}  (current num bytes: ${sum.numBytes} bytes)`;
    return ok(`quotas for pool '${name}':\n  max objects: ${obj}\n  max bytes  : ${bytes}\n`);
  };

  return {
    'osd pool set-quota': setQuota,
    'osd pool get-quota': getQuota,
  };
}
