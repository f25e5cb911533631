/**
 * Full OSDs and full pools (src/mon/OSDMonitor.cc preprocess_full/prepare_full and encode_pending's
 * pool flag pass; src/osd/OSDMap.cc get_full_pools and check_health's fullness checks). An OSD
 * reports its own state with MOSDFull; the monitor keeps it in the OSD's state bits, and each
 * commit marks the pools that an up+in full OSD serves FULL (or BACKFILLFULL, NEARFULL), which
 * makes librados pause writes to them and the OSD refuse the rest.
 */
import { EntityAddrvec } from '@ts-ceph/denc';
import { CRUSH_RULE_TAKE } from '@ts-ceph/crush';
import { OSDMap, Incremental, applyIncremental, clonePgPool, crushOf, exists, formatG, isIn, isUp, OsdState, PoolFlag } from '@ts-ceph/maps';
import { Health, HealthCheckMap, addCheck } from '../health/health-check';
import { Decision, sameAddrs } from './osd-liveness';
import type { OSDMonitor } from './osd-monitor';

/** The state bits an OSD may set with MOSDFull. */
export const FULLNESS_MASK = OsdState.NEARFULL | OsdState.BACKFILLFULL | OsdState.FULL;

const IGNORE: Decision = { propose: false, clog: [] };

/**
 * preprocess_full + prepare_full: ignore a message from a nonexistent OSD or from an instance that
 * is not the one the map has; answer with the map when the state is already what it asks for; else
 * put the difference (new_state is an XOR mask) in the pending incremental and reply after commit.
 */
export function handleFull(osd: OSDMonitor, from: number, addrs: EntityAddrvec, have: number, state: number): Decision {
  const m = osd.osdmap;
  if (!exists(m, from)) return IGNORE;
  const mapAddrs = m.osdAddrs.client[from] ?? [];
  if (isUp(m, from) !== sameAddrs(mapAddrs, addrs)) return IGNORE;
  if ((m.osdState[from]! & FULLNESS_MASK) === state) return { propose: false, sendFrom: have, clog: [] };
  const want = state & FULLNESS_MASK;
  const pendingBits = osd.pending.newState.get(from);
  const cur = (m.osdState[from]! ^ (pendingBits ?? 0)) & FULLNESS_MASK;
  if (cur !== want) {
    const others = (pendingBits ?? 0) & ~FULLNESS_MASK;
    osd.pending.newState.set(from, others | ((m.osdState[from]! & FULLNESS_MASK) ^ want));
  }
  return { propose: true, sendFrom: have, clog: [] };
}

/** CrushWrapper::get_rules_by_osd: the rules one of whose `take` steps has the OSD under it. */
function rulesByOsd(m: OSDMap, id: number): Set<number> {
  const cw = crushOf(m);
  const out = new Set<number>();
  cw.rules.forEach((r, i) => {
    if (r && r.steps.some((s) => s.op === CRUSH_RULE_TAKE && (s.arg1 === id || cw.subtreeContains(s.arg1, id)))) out.add(i);
  });
  return out;
}

/** OSDMap::get_full_osd_counts: up+in OSDs by their highest fullness bit. */
export function fullOsdCounts(m: OSDMap): { full: number[]; backfillfull: number[]; nearfull: number[] } {
  const r = { full: [] as number[], backfillfull: [] as number[], nearfull: [] as number[] };
  for (let i = 0; i < m.maxOsd; i++) {
    if (!isUp(m, i) || !isIn(m, i)) continue;
    const s = m.osdState[i]!;
    if (s & OsdState.FULL) r.full.push(i);
    else if (s & OsdState.BACKFILLFULL) r.backfillfull.push(i);
    else if (s & OsdState.NEARFULL) r.nearfull.push(i);
  }
  return r;
}

/** OSDMap::get_full_pools: the pools whose rules reach a full (backfillfull, nearfull) OSD. */
export function fullPools(m: OSDMap): { full: Set<number>; backfillfull: Set<number>; nearfull: Set<number> } {
  const osds = fullOsdCounts(m);
  const poolsOf = (ids: number[]): Set<number> => {
    const rules = new Set<number>();
    for (const id of ids) for (const r of rulesByOsd(m, id)) rules.add(r);
    return new Set([...m.pools].filter(([, p]) => rules.has(p.crushRule)).map(([id]) => id));
  };
  return { full: poolsOf(osds.full), backfillfull: poolsOf(osds.backfillfull), nearfull: poolsOf(osds.nearfull) };
}

/**
 * encode_pending's pool flag pass, on the map the pending incremental produces: set FULL on the
 * pools a full OSD serves (clearing BACKFILLFULL and NEARFULL), then BACKFILLFULL, then NEARFULL,
 * and clear each flag from the pools no longer in its set. FULL set by a quota (FULL_QUOTA) stays.
 * Returns that map when no flag changed (it is then the map `inc` makes: the caller need not apply
 * `inc` a second time), undefined when `inc` was edited.
 */
export function updatePoolFullFlags(osdmap: OSDMap, inc: Incremental): OSDMap | undefined {
  const tmp = applyIncremental(osdmap, inc);
  const sets = fullPools(tmp);
  let edited = false;
  const edit = (id: number, f: (flags: number) => number): void => {
    edited = true;
    let p = inc.newPools.get(id);
    if (!p) {
      const before = tmp.pools.get(id)!;
      if (f(before.flags) === before.flags) return;
      p = clonePgPool(before);
      inc.newPools.set(id, p);
    }
    p.flags = f(p.flags);
  };
  for (const [id, p] of tmp.pools) {
    const quota = (p.flags & PoolFlag.FULL_QUOTA) !== 0;
    if (sets.full.has(id)) {
      if (!(p.flags & PoolFlag.FULL)) edit(id, (f) => (f | PoolFlag.FULL) & ~(PoolFlag.BACKFILLFULL | PoolFlag.NEARFULL));
      continue;
    }
    if (p.flags & PoolFlag.FULL && !quota) edit(id, (f) => f & ~PoolFlag.FULL);
    if (quota) continue;
    if (sets.backfillfull.has(id)) {
      if (!(p.flags & PoolFlag.BACKFILLFULL)) edit(id, (f) => (f | PoolFlag.BACKFILLFULL) & ~PoolFlag.NEARFULL);
      continue;
    }
    if (p.flags & PoolFlag.BACKFILLFULL) edit(id, (f) => f & ~PoolFlag.BACKFILLFULL);
    if (sets.nearfull.has(id)) edit(id, (f) => f | PoolFlag.NEARFULL);
    else if (p.flags & PoolFlag.NEARFULL) edit(id, (f) => f & ~PoolFlag.NEARFULL);
  }
  return edited ? undefined : tmp;
}

/**
 * check_health's OSD_OUT_OF_ORDER_FULL, OSD_FULL, OSD_BACKFILLFULL, OSD_NEARFULL and POOL_FULL,
 * POOL_BACKFILLFULL, POOL_NEARFULL, with Ceph's texts. `failsafeRatio` is the monitor's
 * osd_failsafe_full_ratio (a percentage above 1 is divided by 100, as Ceph does).
 */
export function fullnessHealth(m: OSDMap, failsafeRatio: number, checks: HealthCheckMap): void {
  const fsr = Math.fround(failsafeRatio > 1 ? failsafeRatio / 100 : failsafeRatio);
  let fr = m.fullRatio;
  let br = m.backfillfullRatio;
  const nr = m.nearfullRatio;
  const order: string[] = [];
  if (br < nr) {
    order.push(`backfillfull_ratio (${formatG(br)}) < nearfull_ratio (${formatG(nr)}), increased`);
    br = nr;
  }
  if (fr < br) {
    order.push(`full_ratio (${formatG(fr)}) < backfillfull_ratio (${formatG(br)}), increased`);
    fr = br;
  }
  if (fsr < fr) order.push(`osd_failsafe_full_ratio (${formatG(fsr)}) < full_ratio (${formatG(fr)}), increased`);
  if (order.length) addCheck(checks, 'OSD_OUT_OF_ORDER_FULL', Health.ERR, 'full ratio(s) out of order', 0, order);

  const osds = fullOsdCounts(m);
  const osdCheck = (code: string, sev: number, ids: number[], what: string, is: string): void => {
    if (ids.length) addCheck(checks, code, sev, `${ids.length} ${what} osd(s)`, ids.length, ids.map((i) => `osd.${i} is ${is}`));
  };
  osdCheck('OSD_FULL', Health.ERR, osds.full, 'full', 'full');
  osdCheck('OSD_BACKFILLFULL', Health.WARN, osds.backfillfull, 'backfillfull', 'backfill full');
  osdCheck('OSD_NEARFULL', Health.WARN, osds.nearfull, 'nearfull', 'near full');

  const full: string[] = [];
  const backfill: string[] = [];
  const near: string[] = [];
  for (const [id, p] of m.pools) {
    const name = m.poolName.get(id) ?? '';
    if (p.flags & PoolFlag.FULL) full.push(`pool '${name}' is full (${p.flags & PoolFlag.FULL_QUOTA ? 'running out of quota' : 'no space'})`);
    else if (p.flags & PoolFlag.BACKFILLFULL) backfill.push(`pool '${name}' is backfillfull`);
    else if (p.flags & PoolFlag.NEARFULL) near.push(`pool '${name}' is nearfull`);
  }
  if (full.length) addCheck(checks, 'POOL_FULL', Health.WARN, `${full.length} pool(s) full`, full.length, full);
  if (backfill.length) addCheck(checks, 'POOL_BACKFILLFULL', Health.WARN, `${backfill.length} pool(s) backfillfull`, backfill.length, backfill);
  if (near.length) addCheck(checks, 'POOL_NEARFULL', Health.WARN, `${near.length} pool(s) nearfull`, near.length, near);
}
