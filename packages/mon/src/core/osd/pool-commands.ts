/**
 * `ceph osd pool ...` and `osd lspools` (OSDMonitor::preprocess_command / prepare_command_impl,
 * prepare_command_pool_set, _command_pool_application), with Ceph's messages.
 */
import { Errno, cephError } from '@ts-ceph/common/core';
import { PoolFlag, PoolType, printPools, dumpPgPool, PgPoolT, JsonFormatter, crushOf } from '@ts-ceph/maps';
import { CommandHandler, CommandRequest, fail, formatterFor, ok, proposeThen, reply, retryAfter } from '../commands/types';
import { getBool, getFloat, getInt, getStr, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import { prepareNewPool } from './pool-create';
import { poolGet } from './pool-get';
import { poolSet } from './pool-set';
import { pendDefaultProfile } from './ec-profile-commands';
import { errnoOf } from './ec-plugins';

/** Limits on pool application metadata (MAX_POOL_APPLICATIONS etc. in OSDMonitor.cc). */
export const poolAppLimits = { poolApplicationsMax: 4, poolApplicationKeysMax: 64, poolApplicationLengthMax: 128 };

export function poolCommands(osd: OSDMonitor): Record<string, CommandHandler> {
  const lookup = (name: string) => osd.lookupPool(name);

  const lspools: CommandHandler = (req) => {
    const f = formatterFor(req);
    if (f) {
      f.openArray('pools');
      for (const id of osd.osdmap.pools.keys()) {
        f.openObject('pool');
        f.dumpInt('poolnum', id);
        f.dumpString('poolname', osd.osdmap.poolName.get(id) ?? '');
        f.close();
      }
      f.close();
      return ok(f.toString());
    }
    return ok([...osd.osdmap.pools.keys()].map((id) => `${id} ${osd.osdmap.poolName.get(id) ?? ''}\n`).join(''));
  };

  const ls: CommandHandler = (req) => {
    const detail = getStr(req.cmdmap, 'detail', '') === 'detail';
    const f = formatterFor(req);
    if (!f && detail) return ok(printPools(osd.osdmap));
    if (!f) return ok([...osd.osdmap.pools.keys()].map((id) => `${osd.osdmap.poolName.get(id)}\n`).join(''));
    f.openArray('pools');
    for (const [id, p] of osd.osdmap.pools) {
      if (detail) {
        f.openObject('pool');
        f.dumpInt('pool_id', id);
        f.dumpString('pool_name', osd.osdmap.poolName.get(id) ?? '');
        dumpPgPool(f, p);
        f.close();
      } else f.dumpString('pool_name', osd.osdmap.poolName.get(id) ?? '');
    }
    f.close();
    return ok(f.toString());
  };

  const create: CommandHandler = (req) => {
    const m = req.cmdmap;
    const name = reqStr(m, 'pool');
    const pgNum = getInt(m, 'pg_num', 0);
    const typeStr = getStr(m, 'pool_type') || osd.conf.get('osd_pool_default_type');
    const existing = lookup(name);
    if (existing >= 0) {
      const tname = osd.osdmap.pools.get(existing)!.type === PoolType.REPLICATED ? 'replicated' : 'erasure';
      if (typeStr !== tname) return fail('EINVAL', `pool '${name}' cannot change to type ${typeStr}`);
      return reply(0, `pool '${name}' already exists`);
    }
    let type: number;
    if (typeStr === 'replicated') type = PoolType.REPLICATED;
    else if (typeStr === 'erasure') type = PoolType.ERASURE;
    else return fail('EINVAL', `unknown pool type '${typeStr}'`);
    const rr = createRule(osd, m, name, type);
    if ('out' in rr) return rr.out;
    if (rr.expected < 0) return fail('EINVAL', "'expected_num_objects' must be non-negative");
    try {
      createPool(m, name, pgNum, rr.ruleName, type, type === PoolType.ERASURE ? rr.ecProfile : '', rr.expected, req.now);
    } catch (e) {
      // prepare_new_pool's EAGAIN: a rule or profile it needs is pending; commit it and run again.
      if (errnoOf(e) === Errno.EAGAIN) return retryAfter([osd]);
      throw e;
    }
    return proposeThen([osd], 0, `pool '${name}' created`);
  };

  const createPool = (m: CommandRequest['cmdmap'], name: string, pgNum: number, ruleName: string, type: number, ecProfile: string, expected: number, now: number) => {
    prepareNewPool(osd, {
      name,
      pgNum,
      pgpNum: getInt(m, 'pgp_num', pgNum),
      pgNumMin: getInt(m, 'pg_num_min', 0),
      pgNumMax: getInt(m, 'pg_num_max', 0),
      size: getInt(m, 'size', 0),
      ruleName,
      type,
      erasureCodeProfile: ecProfile,
      expectedNumObjects: expected,
      autoscaleMode: getStr(m, 'autoscale_mode', ''),
      bulk: getBool(m, 'bulk'),
      targetSizeBytes: getInt(m, 'target_size_bytes', 0),
      targetSizeRatio: getFloat(m, 'target_size_ratio') ?? 0,
      now,
    });
  };

  const del: CommandHandler = (req) => {
    const m = req.cmdmap;
    const name = reqStr(m, 'pool');
    const name2 = getStr(m, 'pool2', '');
    const id = lookup(name);
    if (id < 0) return reply(0, `pool '${name}' does not exist`);
    const sure = getBool(m, 'yes_i_really_really_mean_it') || getBool(m, 'yes_i_really_really_mean_it_not_faking');
    if (name2 !== name || !sure) {
      return fail(
        'EPERM',
        `WARNING: this will *PERMANENTLY DESTROY* all data stored in pool ${name}.  If you are *ABSOLUTELY CERTAIN* that is what you want, pass the pool name *twice*, followed by --yes-i-really-really-mean-it.`,
      );
    }
    const rs = prepareRemovePool(osd, id);
    return proposeThen([osd], 0, rs);
  };

  const rename: CommandHandler = (req) => {
    const src = reqStr(req.cmdmap, 'srcpool');
    const dst = reqStr(req.cmdmap, 'destpool');
    const s = lookup(src);
    const d = lookup(dst);
    if (s < 0) {
      if (d >= 0) return reply(0, `pool '${src}' does not exist; pool '${dst}' does -- assuming successful rename`);
      return fail('ENOENT', `unrecognized pool '${src}'`);
    }
    if (d >= 0) return fail('EEXIST', `pool '${dst}' already exists`);
    if (osd.poolIsPendingDelete(s)) return fail('ENOENT', `failed to rename pool '${src}' to '${dst}': (2) No such file or directory`);
    for (const [id, n] of osd.pending.newPoolNames) if (n === dst && id !== s) return fail('EEXIST', `failed to rename pool '${src}' to '${dst}': (17) File exists`);
    osd.pending.newPoolNames.set(s, dst);
    return proposeThen([osd], 0, `pool '${src}' renamed to '${dst}'`);
  };

  const application: CommandHandler = (req) => {
    const { changed, rs } = poolApplication(osd, req);
    return changed ? proposeThen([osd], 0, rs) : reply(0, rs);
  };

  const applicationGet: CommandHandler = (req) => {
    const f = formatterFor(req) ?? new JsonFormatter(true);
    const poolName = getStr(req.cmdmap, 'pool', '');
    const app = getStr(req.cmdmap, 'app', '');
    const key = getStr(req.cmdmap, 'key', '');
    const dumpApps = (name: string, p: PgPoolT) => {
      f.openObject(name);
      for (const [a, kv] of p.applicationMetadata) {
        f.openObject(a);
        for (const [k, v] of kv) f.dumpString(k, v);
        f.close();
      }
      f.close();
    };
    if (!poolName) {
      f.openObject('pools');
      for (const [id, p] of osd.osdmap.pools) dumpApps(osd.osdmap.poolName.get(id) ?? '<unknown>', p);
      f.close();
      return ok(f.toString());
    }
    const id = lookup(poolName);
    if (id < 0) return fail('ENOENT', `unrecognized pool '${poolName}'`);
    const p = osd.osdmap.pools.get(id)!;
    if (!app) {
      dumpApps(poolName, p);
      return ok(f.toString());
    }
    const kv = p.applicationMetadata.get(app);
    if (!kv) return fail('ENOENT', `pool '${poolName}' has no application '${app}'`);
    if (!key) {
      f.openObject(app);
      for (const [k, v] of kv) f.dumpString(k, v);
      f.close();
      return ok(f.toString());
    }
    const v = kv.get(key);
    if (v === undefined) return fail('ENOENT', `application '${app}' on pool '${poolName}' does not have key '${key}'`);
    return ok(`${v}\n`);
  };

  return {
    'osd lspools': lspools,
    'osd pool ls': ls,
    'osd pool create': create,
    'osd pool delete': del,
    'osd pool rm': del,
    'osd pool rename': rename,
    'osd pool get': (req) => poolGet(osd, req),
    'osd pool set': (req) => {
      const rs = poolSet(osd, req);
      return rs === undefined ? ok() : proposeThen([osd], 0, rs);
    },
    'osd pool application enable': application,
    'osd pool application disable': application,
    'osd pool application set': application,
    'osd pool application rm': application,
    'osd pool application get': applicationGet,
  };
}

/** _prepare_remove_pool: checks (_check_remove_pool), then old_pools and cleanup of per-PG state. */
export function prepareRemovePool(osd: OSDMonitor, id: number): string {
  const name = osd.osdmap.poolName.get(id) ?? '';
  const p = osd.pending.newPools.get(id) ?? osd.osdmap.pools.get(id)!;
  if (p.tierOf >= 0) throw cephError('EBUSY', `pool '${name}' is a tier of '${osd.osdmap.poolName.get(p.tierOf)}'`);
  if (p.tiers.length) throw cephError('EBUSY', `pool '${name}' has tiers${p.tiers.map((t) => ' ' + osd.osdmap.poolName.get(t)).join('')}`);
  if (osd.conf.get('mon_allow_pool_delete') !== 'true') {
    throw cephError('EPERM', 'pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool');
  }
  if (p.flags & PoolFlag.NODELETE) throw cephError('EPERM', 'pool deletion is disabled; you must unset nodelete flag for the pool first');
  const inc = osd.pending;
  if (!inc.oldPools.includes(id)) {
    inc.oldPools.push(id);
    inc.newPools.delete(id);
    inc.newPoolNames.delete(id);
    for (const pg of osd.osdmap.pgTemp.keys()) if (pg.pool === id) inc.newPgTemp.set(pg, []);
    for (const pg of osd.osdmap.primaryTemp.keys()) if (pg.pool === id) inc.newPrimaryTemp.set(pg, -1);
    for (const pg of osd.osdmap.pgUpmap.keys()) if (pg.pool === id) inc.oldPgUpmap.push(pg);
    for (const pg of osd.osdmap.pgUpmapItems.keys()) if (pg.pool === id) inc.oldPgUpmapItems.push(pg);
  }
  return `pool '${name}' removed`;
}

function poolApplication(osd: OSDMonitor, req: CommandRequest): { changed: boolean; rs: string } {
  const m = req.cmdmap;
  const poolName = reqStr(m, 'pool');
  const id = osd.lookupPool(poolName);
  if (id < 0) throw cephError('ENOENT', `unrecognized pool '${poolName}'`);
  const cur = osd.pending.newPools.get(id) ?? osd.osdmap.pools.get(id)!;
  const app = getStr(m, 'app', '');
  const appExists = cur.applicationMetadata.has(app);
  const key = getStr(m, 'key', '');
  const value = getStr(m, 'value', '');
  if (key === 'all') throw cephError('EINVAL', "key cannot be 'all'");
  if (value === 'all') throw cephError('EINVAL', "value cannot be 'all'");
  const force = getBool(m, 'yes_i_really_mean_it');
  const L = poolAppLimits;
  const op = req.prefix.split(' ').pop();
  if (op === 'enable') {
    if (!app) throw cephError('EINVAL', 'application name must be provided');
    if (cur.tierOf >= 0) throw cephError('EINVAL', 'application must be enabled on base tier');
    if (!appExists && cur.applicationMetadata.size && !force) {
      throw cephError('EPERM', `Are you SURE? Pool '${poolName}' already has an enabled application; pass --yes-i-really-mean-it to proceed anyway`);
    }
    if (!appExists && cur.applicationMetadata.size >= L.poolApplicationsMax) throw cephError('EINVAL', `too many enabled applications on pool '${poolName}'; max ${L.poolApplicationsMax}`);
    if (app.length > L.poolApplicationLengthMax) throw cephError('EINVAL', `application name '${app}' too long; max length ${L.poolApplicationLengthMax}`);
    const p = osd.pendingPool(id);
    if (!appExists) p.applicationMetadata = sortedApps(p.applicationMetadata, app, new Map());
    return { changed: true, rs: `enabled application '${app}' on pool '${poolName}'` };
  }
  if (op === 'disable') {
    if (!force) throw cephError('EPERM', 'Are you SURE? Disabling an application within a pool might result in loss of application functionality; pass --yes-i-really-mean-it to proceed anyway');
    if (!appExists) return { changed: false, rs: `application '${app}' is not enabled on pool '${poolName}'` };
    osd.pendingPool(id).applicationMetadata.delete(app);
    return { changed: true, rs: `disable application '${app}' on pool '${poolName}'` };
  }
  if (op === 'set') {
    if (cur.tierOf >= 0) throw cephError('EINVAL', 'application metadata must be set on base tier');
    if (!appExists) throw cephError('ENOENT', `application '${app}' is not enabled on pool '${poolName}'`);
    if (!key) throw cephError('EINVAL', 'key must be provided');
    const keys = cur.applicationMetadata.get(app)!;
    if (!keys.has(key) && keys.size >= L.poolApplicationKeysMax) throw cephError('EINVAL', `too many keys set for application '${app}' on pool '${poolName}'; max ${L.poolApplicationKeysMax}`);
    if (key.length > L.poolApplicationLengthMax) throw cephError('EINVAL', `key '${app}' too long; max length ${L.poolApplicationLengthMax}`);
    if (value.length > L.poolApplicationLengthMax) throw cephError('EINVAL', `value '${value}' too long; max length ${L.poolApplicationLengthMax}`);
    const p = osd.pendingPool(id);
    const kv = new Map(p.applicationMetadata.get(app)!);
    kv.set(key, value);
    p.applicationMetadata = sortedApps(p.applicationMetadata, app, new Map([...kv.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))));
    return { changed: true, rs: `set application '${app}' key '${key}' to '${value}' on pool '${poolName}'` };
  }
  // rm
  if (!appExists) throw cephError('ENOENT', `application '${app}' is not enabled on pool '${poolName}'`);
  if (!cur.applicationMetadata.get(app)!.has(key)) return { changed: false, rs: `application '${app}' on pool '${poolName}' does not have key '${key}'` };
  osd.pendingPool(id).applicationMetadata.get(app)!.delete(key);
  return { changed: true, rs: `removed application '${app}' key '${key}' on pool '${poolName}'` };
}

function sortedApps(m: Map<string, Map<string, string>>, app: string, kv: Map<string, string>): Map<string, Map<string, string>> {
  const out = new Map(m);
  out.set(app, kv);
  return new Map([...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/**
 * The rule and profile of `osd pool create`: the CLI's positional form puts the rule in
 * erasure_code_profile and expected_num_objects in rule for replicated pools (see the NOTE in
 * OSDMonitor.cc); an erasure pool names its rule after itself (or "erasure-code" for the default
 * profile), made by prepare_new_pool. A result to return at once, or what to create with.
 */
function createRule(osd: OSDMonitor, m: CommandRequest['cmdmap'], name: string, type: number): { out: ReturnType<CommandHandler> } | { ruleName: string; ecProfile: string; expected: number } {
  let ruleName = getStr(m, 'rule', '');
  let ecProfile = getStr(m, 'erasure_code_profile', '');
  let expected = getInt(m, 'expected_num_objects', 0);
  let implicitRule = false;
  if (type === PoolType.ERASURE) {
    ecProfile ||= 'default';
    if (ecProfile === 'default' && !osd.osdmap.erasureCodeProfiles.has('default')) {
      if (!osd.pending.newErasureCodeProfiles.has('default')) pendDefaultProfile(osd);
      return { out: retryAfter([osd]) };
    }
    // The rule is named after the pool (or "erasure-code" for the default profile) and made here.
    if (!ruleName) [implicitRule, ruleName] = [true, ecProfile === 'default' ? 'erasure-code' : name];
  } else if (ecProfile !== '') {
    if (ruleName !== '') {
      if (!/^[+-]?\d+$/.test(ruleName)) return { out: fail('EINVAL', `error parsing integer value '${ruleName}': Expected option value to be integer, got '${ruleName}'`) };
      expected = Number(ruleName);
    }
    ruleName = ecProfile;
  }
  if (type === PoolType.ERASURE && !implicitRule) {
    if (crushOf(osd.osdmap).getRuleId(ruleName) < 0) {
      if (osd.hasPendingCrush() && osd.pendingCrush().getRuleId(ruleName) >= 0) return { out: retryAfter([osd]) };
      return { out: fail('ENOENT', `specified rule ${ruleName} doesn't exist`) };
    }
  }
  return { ruleName, ecProfile, expected };
}
