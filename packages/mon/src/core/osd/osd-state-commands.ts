/**
 * `ceph osd ...` commands that edit OSD states and map-wide settings (OSDMonitor::
 * prepare_command_impl): set/unset, down/out/in/rm, reweight, setmaxosd, setcrushmap.
 */
import { cephError } from '@ts-ceph/common/core';
import { decodeCrushMap, encodeCrushMap } from '@ts-ceph/crush';
import { OSDMap, OsdState, OsdMapFlag, CEPH_OSD_IN, CEPH_OSD_OUT, osdMapFlagString, exists, isDown, isIn, isOut, crushOf } from '@ts-ceph/maps';
import { CommandOutcome, CommandRequest, fail, proposeThen, reply } from '../commands/types';
import { getBool, getFloat, getInt, getStrVec, reqStr } from '../commands/cmdmap';
import { OSDMonitor } from './osd-monitor';
import { parseOsdId, pendingStateSet, removeOsd } from './osd-pending';

const SET_FLAGS: Record<string, number> = {
  pause: OsdMapFlag.PAUSERD | OsdMapFlag.PAUSEWR,
  noup: OsdMapFlag.NOUP,
  nodown: OsdMapFlag.NODOWN,
  noout: OsdMapFlag.NOOUT,
  noin: OsdMapFlag.NOIN,
  nobackfill: OsdMapFlag.NOBACKFILL,
  norebalance: OsdMapFlag.NOREBALANCE,
  norecover: OsdMapFlag.NORECOVER,
  noscrub: OsdMapFlag.NOSCRUB,
  'nodeep-scrub': OsdMapFlag.NODEEP_SCRUB,
  notieragent: OsdMapFlag.NOTIERAGENT,
  nosnaptrim: OsdMapFlag.NOSNAPTRIM,
};

/** `osd set` / `osd unset`: one flag on the pending map. */
export function osdFlag(osd: OSDMonitor, req: CommandRequest, set: boolean): CommandOutcome {
  const key = reqStr(req.cmdmap, 'key');
  const bit = SET_FLAGS[key];
  if (!bit) return fail('EINVAL', `unrecognized flag '${key}'`);
  if (osd.pending.newFlags < 0) osd.pending.newFlags = osd.osdmap.flags;
  osd.pending.newFlags = (set ? osd.pending.newFlags | bit : osd.pending.newFlags & ~bit) >>> 0;
  return proposeThen([osd], 0, `${osdMapFlagString(bit)} is ${set ? 'set' : 'unset'}`);
}

export type StateOp = 'down' | 'out' | 'in' | 'rm';

/** The reply text built up over the ids of one state change, and whether anything changed. */
interface StateRun {
  osd: OSDMonitor;
  m: OSDMap;
  rs: string;
  any: boolean;
  /** `osd down --definitely-dead`: also set dead_epoch. */
  dead: boolean;
}

function markDown(run: StateRun, id: number, verbose: boolean): void {
  const { osd, m } = run;
  if (isDown(m, id)) {
    if (verbose) run.rs += `osd.${id} is already down. `;
  } else {
    pendingStateSet(osd, id, OsdState.UP);
    run.rs += `marked down osd.${id}. `;
    run.any = true;
  }
  if (run.dead) {
    const x = { ...(osd.pending.newXinfo.get(id) ?? m.osdXinfo[id]!) };
    if (x.deadEpoch < osd.pending.epoch) run.any = true;
    x.deadEpoch = osd.pending.epoch;
    osd.pending.newXinfo.set(id, x);
  }
}

function markOut(run: StateRun, id: number, verbose: boolean): void {
  const { osd, m } = run;
  if (isOut(m, id)) {
    if (verbose) run.rs += `osd.${id} is already out. `;
    return;
  }
  osd.pending.newWeight.set(id, CEPH_OSD_OUT);
  if (m.osdWeight[id]) osd.pending.newXinfo.set(id, { ...(osd.pending.newXinfo.get(id) ?? m.osdXinfo[id]!), oldWeight: m.osdWeight[id]! });
  run.rs += `marked out osd.${id}. `;
  run.any = true;
}

function markIn(run: StateRun, id: number, verbose: boolean): void {
  const { osd, m } = run;
  if (isIn(m, id)) {
    if (verbose) run.rs += `osd.${id} is already in. `;
    return;
  }
  const old = m.osdXinfo[id]!.oldWeight;
  if (old > 0) {
    osd.pending.newWeight.set(id, old);
    osd.pending.newXinfo.set(id, { ...(osd.pending.newXinfo.get(id) ?? m.osdXinfo[id]!), oldWeight: 0 });
  } else osd.pending.newWeight.set(id, CEPH_OSD_IN);
  run.rs += `marked in osd.${id}. `;
  run.any = true;
}

function markRemoved(run: StateRun, id: number): void {
  if (!removeOsd(run.osd, id)) {
    if (run.any) run.rs += ', ';
    run.rs += `osd.${id} is still up; must be down before removal. `;
  } else {
    run.rs += run.any ? `, osd.${id}` : `removed osd.${id}`;
    run.any = true;
  }
}

const markers: Record<StateOp, (run: StateRun, id: number, verbose: boolean) => void> = { down: markDown, out: markOut, in: markIn, rm: markRemoved };

/** `osd down|out|in|rm <ids...>` (or `any`/`all`/`*` first: every OSD, quietly). */
export function osdStateChange(osd: OSDMonitor, req: CommandRequest, op: StateOp): CommandOutcome {
  const m = osd.osdmap;
  const ids = getStrVec(req.cmdmap, 'ids') ?? [];
  const run: StateRun = { osd, m, rs: '', any: false, dead: getBool(req.cmdmap, 'definitely_dead') };
  let err = 0;
  for (let j = 0; j < ids.length; j++) {
    let osds: number[];
    let verbose = true;
    if (j === 0 && ['any', 'all', '*'].includes(ids[0]!)) {
      osds = [...Array(m.maxOsd).keys()].filter((i) => exists(m, i) && (op !== 'in' || isOut(m, i)));
      verbose = false;
      j = ids.length;
    } else {
      const id = parseOsdId(ids[j]!);
      if (id < 0) {
        run.rs += `invalid osd id${id}`;
        err = -22;
        continue;
      }
      if (!exists(m, id)) {
        run.rs += `osd.${id} does not exist. `;
        continue;
      }
      osds = [id];
    }
    for (const id of osds) markers[op](run, id, verbose);
  }
  const text = run.rs.split('\n')[0]!;
  return run.any ? proposeThen([osd], err, text) : reply(err, text);
}

/** C++ ostream << double at default precision (6 significant digits). */
function formatG6(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

export function osdReweight(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const id = getInt(req.cmdmap, 'id');
  if (id === undefined) return fail('EINVAL', `unable to parse osd id value '${req.cmdmap.get('id')}'`);
  const w = getFloat(req.cmdmap, 'weight');
  if (w === undefined) return fail('EINVAL', `unable to parse weight value '${req.cmdmap.get('weight')}'`);
  const ww = Math.trunc(CEPH_OSD_IN * w);
  if (ww < 0) return fail('EINVAL', 'weight must be >= 0');
  if (!exists(osd.osdmap, id)) return fail('ENOENT', `osd.${id} does not exist`);
  osd.pending.newWeight.set(id, ww);
  return proposeThen([osd], 0, `reweighted osd.${id} to ${formatG6(w)} (${ww.toString(16)})`);
}

export function osdSetmaxosd(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  const n = getInt(req.cmdmap, 'newmax', -1);
  if (n < 0) return fail('EINVAL', `unable to parse 'newmax' value '${req.cmdmap.get('newmax')}'`);
  const max = Number(osd.conf.get('mon_max_osd'));
  if (n > max) return fail('ERANGE', `cannot set max_osd to ${n} which is > conf.mon_max_osd (${max})`);
  for (let i = n; i < osd.osdmap.maxOsd; i++) if (exists(osd.osdmap, i)) return fail('EBUSY', `cannot shrink max_osd to ${n} because osd.${i} (and possibly others) still in use`);
  osd.pending.newMaxOsd = n;
  return proposeThen([osd], 0, `set new max_osd = ${n}`);
}

export function osdSetcrushmap(osd: OSDMonitor, req: CommandRequest): CommandOutcome {
  if (osd.hasPendingCrush()) throw cephError('EAGAIN', 'a crush change is pending; retry');
  let cw;
  try {
    cw = decodeCrushMap(req.inbuf);
  } catch (e) {
    return fail('EINVAL', `Failed to parse crushmap: ${(e as Error).message}`);
  }
  const prior = getInt(req.cmdmap, 'prior_version');
  if (prior !== undefined) {
    if (prior === osd.osdmap.crushVersion - 1 && encodeCrushMap(cw).equals(encodeCrushMap(crushOf(osd.osdmap)))) return reply(0, String(osd.osdmap.crushVersion));
    if (prior !== osd.osdmap.crushVersion) return fail('EPERM', `prior_version ${prior} != crush version ${osd.osdmap.crushVersion}`);
  }
  if (cw.hasLegacyRuleIds()) return fail('EINVAL', 'crush maps with ruleset != ruleid are no longer allowed');
  for (const [id, p] of osd.osdmap.pools) {
    if (!cw.ruleExists(p.crushRule)) return fail('EINVAL', ` the crush rule no ${p.crushRule} for pool id ${id} is in use`);
  }
  osd.setPendingCrushBytes(Buffer.from(req.inbuf));
  return proposeThen([osd], 0, String(osd.osdmap.crushVersion + 1));
}
