/**
 * Erasure-code profiles and the pieces of an erasure pool (OSDMonitor.cc: `osd erasure-code-profile
 * set/rm`, `osd crush rule create-erasure`, parse_erasure_code_profile, normalize_profile,
 * get_erasure_code, crush_rule_create_erasure, prepare_pool_size and prepare_pool_stripe_width for
 * TYPE_ERASURE). Profiles live in the OSDMap (erasure_code_profiles), so they are persisted and
 * sent to clients with it. `ls` and `get` are in osd-misc-commands.ts.
 */
import { cephError } from '@ts-ceph/common/core';
import { addSimpleRule, CrushWrapper } from '@ts-ceph/crush';
import { PoolType, crushOf, parseStrMap } from '@ts-ceph/maps';
import { CommandHandler, fail, proposeThen, reply, retryAfter } from '../commands/types';
import { getBool, getStr, getStrVec, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import { EcProfile, ErasureCode, POOL_PLUGINS, PRELOADED_PLUGINS, Ss, erasureCodeFactory, errnoOf, profileText } from './ec-plugins';

/** The plugins each monitor has loaded so far (its ErasureCodePluginRegistry). */
const registries = new WeakMap<OSDMonitor, Set<string>>();
function loadedPlugins(osd: OSDMonitor): Set<string> {
  let s = registries.get(osd);
  if (!s) registries.set(osd, (s = new Set(PRELOADED_PLUGINS)));
  return s;
}

/** CrushWrapper's rule type for erasure pools (pg_pool_t::TYPE_ERASURE). */
const RULE_TYPE_ERASURE = PoolType.ERASURE;

/** strict_iecstrtoll: a byte count with an optional unit of at most two letters (4K, 1Mi, 8B). */
function iecBytes(s: string): { n: number; err: string } {
  if (!s) return { n: 0, err: 'strict_iecstrtoll: value not specified' };
  const u = s.search(/[^0-9+-]/);
  const unit = u < 0 ? '' : s.slice(u);
  const num = u < 0 ? s : s.slice(0, u);
  if (unit.endsWith('i') && unit.startsWith('B')) return { n: 0, err: 'strict_iecstrtoll: illegal prefix "Bi"' };
  if (unit.length > 2) return { n: 0, err: 'strict_iecstrtoll: illegal prefix (length > 2)' };
  const exp = unit ? 'BKMGTPE'.indexOf(unit[0]!) : 0;
  if (exp < 0) return { n: 0, err: 'strict_iecstrtoll: unit prefix not recognized' };
  if (!/^[+-]?\d+$/.test(num)) return { n: 0, err: `Expected option value to be integer, got '${num}'` };
  return { n: Number(num) * 2 ** (10 * Math.max(0, exp)), err: '' };
}

/** osd_pool_default_erasure_code_profile as a map (get_json_str_map of its plain form). */
export function defaultEcProfile(osd: OSDMonitor): EcProfile {
  return parseStrMap(osd.conf.get('osd_pool_default_erasure_code_profile'));
}

/** parse_erasure_code_profile: the default profile overlaid with key[=value] words. */
function parseProfileArgs(osd: OSDMonitor, words: string[]): EcProfile {
  const profile = defaultEcProfile(osd);
  const defaultPlugin = profile.get('plugin');
  const user: EcProfile = new Map();
  for (const w of words) {
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    const value = eq < 0 ? '' : w.slice(eq + 1);
    if (eq >= 0 && key.startsWith('ruleset-')) throw cephError('EINVAL', `property '${key}' is no longer supported; try 'crush-${key.slice(8)}' instead`);
    user.set(key, value);
    profile.set(key, value);
  }
  return user.has('plugin') && user.get('plugin') !== defaultPlugin ? user : profile;
}

/** normalize_profile: let the plugin complete the profile, then check stripe_unit against it. */
function normalizeProfile(osd: OSDMonitor, profile: EcProfile, force: boolean, ss = new Ss()): ErasureCode {
  const ec = erasureCodeFactory(profile.get('plugin') ?? '', profile, loadedPlugins(osd), ss);
  const su = profile.get('stripe_unit');
  if (su !== undefined) {
    const { n, err } = iecBytes(su);
    if (err) throw cephError('EINVAL', `could not parse stripe_unit '${su}': ${err}`);
    const chunk = ec.chunkSize(n * ec.k);
    if (chunk !== n) throw cephError('EINVAL', `stripe_unit ${n} does not match ec profile alignment. Would be padded to ${chunk}`);
    if (n % 4096 !== 0 && !force) throw cephError('EINVAL', 'stripe_unit should be a multiple of 4096 bytes for best performance.use --force to override this check');
  }
  return ec;
}

/** get_erasure_code: the plugin instance for a profile of the committed map. */
export function getErasureCode(osd: OSDMonitor, name: string): ErasureCode {
  if (osd.pending.newErasureCodeProfiles.has(name)) throw cephError('EAGAIN', '');
  const profile = new Map(osd.osdmap.erasureCodeProfiles.get(name) ?? []);
  const plugin = profile.get('plugin');
  if (plugin === undefined) {
    throw cephError('EINVAL', `cannot determine the erasure code plugin because there is no 'plugin' entry in the erasure_code_profile ${profileText(profile)}`);
  }
  return erasureCodeFactory(plugin, profile, loadedPlugins(osd));
}

/** get_erasure_code for a pool or rule: clay and lrc pools (own rules and chunk sizes) are not made. */
function poolErasureCode(osd: OSDMonitor, name: string): ErasureCode {
  const ec = getErasureCode(osd, name);
  if (!POOL_PLUGINS.has(ec.plugin)) throw cephError('EOPNOTSUPP', `ts-mon makes erasure pools and rules with the ${[...POOL_PLUGINS].join(', ')} plugins only, not ${ec.plugin}`);
  return ec;
}

/**
 * crush_rule_create_erasure: 'exists' for a committed rule, 'pending' for one the pending CRUSH map
 * already has, 'created' when this call added it (ErasureCode::create_rule: add_simple_rule with
 * indep steps, max_size the chunk count).
 */
export function crushRuleCreateErasure(osd: OSDMonitor, name: string, profile: string): { state: 'exists' | 'pending' | 'created'; ruleset: number } {
  const stable = crushOf(osd.osdmap);
  const id = stable.getRuleId(name);
  if (id >= 0) return { state: 'exists', ruleset: stable.rules[id]!.ruleset };
  const cw: CrushWrapper = osd.pendingCrush();
  const pid = cw.getRuleId(name);
  if (pid >= 0) return { state: 'pending', ruleset: cw.rules[pid]!.ruleset };
  const ec = poolErasureCode(osd, profile);
  const errs: string[] = [];
  const r = addSimpleRule(cw, name, ec.ruleRoot, ec.ruleFailureDomain, ec.ruleDeviceClass, 'indep', RULE_TYPE_ERASURE, errs);
  if (r < 0) throw cephError(r === -2 ? 'ENOENT' : r === -17 ? 'EEXIST' : 'EINVAL', errs.join(''));
  cw.rules[r]!.maxSize = ec.chunkCount;
  osd.crushChanged(cw);
  return { state: 'created', ruleset: r };
}

/** prepare_pool_size and prepare_pool_stripe_width for an erasure pool. */
export function erasurePoolShape(osd: OSDMonitor, profileName: string): { size: number; minSize: number; stripeWidth: number } {
  const ec = poolErasureCode(osd, profileName);
  let stripeUnit = Number(osd.conf.get('osd_pool_erasure_code_stripe_unit'));
  const su = osd.osdmap.erasureCodeProfiles.get(profileName)?.get('stripe_unit');
  if (su !== undefined) stripeUnit = iecBytes(su).n;
  return {
    size: ec.chunkCount,
    minSize: ec.k + Math.min(1, ec.m - 1),
    stripeWidth: ec.k * ec.chunkSize(stripeUnit * ec.k),
  };
}

/** The data chunk count of a pool's profile (`osd pool set min_size` on an erasure pool). */
export function erasureDataChunks(osd: OSDMonitor, profileName: string): number {
  return getErasureCode(osd, profileName).k;
}

/** pending_inc.set_erasure_code_profile for `default` when a mon created before it lacks one. */
export function pendDefaultProfile(osd: OSDMonitor): void {
  osd.pending.newErasureCodeProfiles.set('default', defaultEcProfile(osd));
}

export function ecProfileCommands(osd: OSDMonitor): Record<string, CommandHandler> {
  const inUse = (pools: Map<number, { erasureCodeProfile: string; type: number }>, name: string): string => {
    const users = [...pools].filter(([, p]) => p.erasureCodeProfile === name && p.type === PoolType.ERASURE);
    return users.length ? `${users.map(([id]) => `${osd.osdmap.poolName.get(id) ?? ''} `).join('')}pool(s) are using the erasure code profile '${name}'` : '';
  };

  return {
    'osd erasure-code-profile set': (req) => {
      const name = reqStr(req.cmdmap, 'name');
      const force = getBool(req.cmdmap, 'force');
      const profile = parseProfileArgs(osd, getStrVec(req.cmdmap, 'profile') ?? []);
      const fd = profile.get('crush-failure-domain');
      if (fd !== undefined && crushOf(osd.osdmap).getTypeId(fd) < 0) {
        return fail('EINVAL', `erasure-code-profile ${profileText(profile)} contains an invalid failure-domain "${fd}"`);
      }
      if (!profile.has('plugin')) return fail('EINVAL', `erasure-code-profile ${profileText(profile)} must contain a plugin entry`);
      if (osd.pending.newErasureCodeProfiles.has(name)) return retryAfter([osd]);
      const ss = new Ss();
      normalizeProfile(osd, profile, force, ss);
      const existing = osd.osdmap.erasureCodeProfiles.get(name);
      if (existing) {
        const cur = new Map(existing);
        normalizeProfile(osd, cur, force, ss);
        if (profileText(cur) === profileText(profile)) return reply(0, ss.firstLine());
        if (!force) {
          return fail('EPERM', `will not override erasure code profile ${name} because the existing profile ${profileText(cur)} is different from the proposed profile ${profileText(profile)}`);
        }
      }
      osd.pending.newErasureCodeProfiles.set(name, sorted(profile));
      return proposeThen([osd], 0, ss.firstLine());
    },
    'osd erasure-code-profile rm': (req) => {
      const name = reqStr(req.cmdmap, 'name');
      if (inUse(osd.pending.newPools, name)) return retryAfter([osd]);
      const busy = inUse(osd.osdmap.pools, name);
      if (busy) return fail('EBUSY', busy);
      if (osd.osdmap.erasureCodeProfiles.has(name)) {
        osd.pending.oldErasureCodeProfiles.push(name);
        return proposeThen([osd], 0, '');
      }
      if (osd.pending.newErasureCodeProfiles.delete(name)) return proposeThen([osd], 0, '');
      return reply(0, `erasure-code-profile ${name} does not exist`);
    },
    'osd crush rule create-erasure': (req) => {
      const name = reqStr(req.cmdmap, 'name');
      const profile = getStr(req.cmdmap, 'profile', '') || 'default';
      if (profile === 'default' && !osd.osdmap.erasureCodeProfiles.has(profile)) {
        if (!osd.pending.newErasureCodeProfiles.has(profile)) {
          const p = defaultEcProfile(osd);
          normalizeProfile(osd, p, true);
          osd.pending.newErasureCodeProfiles.set(profile, sorted(p));
        }
        return retryAfter([osd]);
      }
      let r;
      try {
        r = crushRuleCreateErasure(osd, name, profile);
      } catch (e) {
        if (errnoOf(e) === 11) return retryAfter([osd]);
        throw e;
      }
      if (r.state === 'exists') return reply(0, `rule ${name} already exists`);
      if (r.state === 'pending') return proposeThen([osd], 0, `rule ${name} already exists`);
      return proposeThen([osd], 0, `created rule ${name} at ${r.ruleset}`);
    },
  };
}

function sorted(p: EcProfile): EcProfile {
  return new Map([...p.entries()].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))));
}
