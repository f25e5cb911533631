/**
 * The mon's view of OSD daemons (not the OSD daemon itself, which is packages/osd): what the
 * monitor does with the messages OSD daemons send it (src/mon/OSDMonitor.cc
 * preprocess_/prepare_ boot, alive, beacon, failure, mark_me_down, mark_me_dead, pgtemp). Each
 * function runs inside the proposal pipeline's critical section, reads the committed map, edits the
 * pending incremental and says what to do next: propose or not, which map epochs to send the OSD
 * (send_latest's start), cluster log lines. No I/O and no clock: `now` comes from the caller.
 */
import { EntityAddrvec, formatAddrvec, hasFeature, UTime, utimeToMs, Uuid, UUID_NIL } from '@ts-ceph/denc';
import { CEPH_OSD_IN, CEPH_OSD_OUT, crushOf, exists, isDestroyed, isDown, isUp, laggyProbability, laggyProbabilityToRaw, newOsdXinfo, OsdMapFlag, OsdState, OsdXinfoT, pgToUpActingOsds, PgT } from '@ts-ceph/maps';
import type { OSDMonitor } from './osd-monitor';

/** The options these handlers read (evaluated at use). */
export interface OSDLivenessConf {
  minDownReporters: () => number;
  reporterSubtreeLevel: () => string;
  heartbeatGraceSec: () => number;
  minUpRatio: () => number;
  autoMarkIn: () => boolean;
  autoMarkNewIn: () => boolean;
  autoMarkAutoOutIn: () => boolean;
  laggyWeight: () => number;
  reportTimeoutSec: () => number;
  downOutIntervalSec: () => number;
  minInRatio: () => number;
}

export interface Decision {
  /** Commit the pending incremental, then act. */
  propose: boolean;
  /** Send the OSD the osdmaps from this epoch on (0: the latest full map); undefined: nothing. */
  sendFrom?: number;
  /** Cluster log lines [prio (0 debug, 1 info, 2 warn), text]. */
  clog: [number, string][];
  /** Run the same message again after the commit (boot of an OSD still marked up). */
  retry?: boolean;
}

const IGNORE: Decision = { propose: false, clog: [] };

/** entity_addrvec_t::legacy_equals is close enough to comparing the printed vectors. */
export function sameAddrs(a: EntityAddrvec, b: EntityAddrvec): boolean {
  return formatAddrvec(a) === formatAddrvec(b);
}

function isNoup(osd: OSDMonitor, id: number): boolean {
  return (osd.osdmap.flags & OsdMapFlag.NOUP) !== 0 || ((osd.osdmap.osdState[id] ?? 0) & OsdState.NOUP) !== 0;
}

function isNoin(osd: OSDMonitor, id: number): boolean {
  return (osd.osdmap.flags & OsdMapFlag.NOIN) !== 0 || ((osd.osdmap.osdState[id] ?? 0) & OsdState.NOIN) !== 0;
}

/** OSDMonitor::can_mark_down: not nodown, and enough OSDs would stay up. */
export function canMarkDown(osd: OSDMonitor, conf: OSDLivenessConf, id: number): boolean {
  const m = osd.osdmap;
  if ((m.flags & OsdMapFlag.NODOWN) !== 0 || ((m.osdState[id] ?? 0) & OsdState.NODOWN) !== 0) return false;
  let num = 0;
  let up = 0;
  for (let i = 0; i < m.maxOsd; i++) {
    if (!exists(m, i)) continue;
    num++;
    if (isUp(m, i)) up++;
  }
  if (num === 0) return false;
  for (const [i, bits] of osd.pending.newState) if (bits & OsdState.UP && isUp(m, i)) up--;
  return up / num >= conf.minUpRatio();
}

/** The pending xinfo of `id` (a copy of the committed one on first use). */
function pendingXinfo(osd: OSDMonitor, id: number): OsdXinfoT {
  let x = osd.pending.newXinfo.get(id);
  if (!x) {
    const cur = osd.osdmap.osdXinfo[id] ?? newOsdXinfo();
    x = { ...cur, downStamp: { ...cur.downStamp }, lastPurgedSnapsScrub: { ...cur.lastPurgedSnapsScrub } };
    osd.pending.newXinfo.set(id, x);
  }
  return x;
}

function pendingMarkDown(osd: OSDMonitor, id: number): void {
  osd.pending.newState.set(id, ((osd.pending.newState.get(id) ?? 0) | OsdState.UP) >>> 0);
}

function pendingDown(osd: OSDMonitor, id: number): boolean {
  return ((osd.pending.newState.get(id) ?? 0) & OsdState.UP) !== 0;
}

/** update_up_thru: never lower it. */
function updateUpThru(osd: OSDMonitor, id: number, upThru: number): void {
  const old = osd.pending.newUpThru.get(id) ?? osd.osdmap.osdInfo[id]?.upThru ?? 0;
  if (upThru > old) osd.pending.newUpThru.set(id, upThru);
}

// ---- boot ----------------------------------------------------------------------------------------

export interface BootRequest {
  from: number;
  /** The connection's (public) addrs: get_orig_source_addrs. */
  addrs: EntityAddrvec;
  fsid: Uuid;
  clusterFsid: Uuid;
  osdFsid: Uuid;
  /** PaxosServiceMessage version: the epoch the OSD has. */
  version: number;
  currentEpoch: number;
  newestMap: number;
  mounted: number;
  cleanThru: number;
  bootEpoch: number;
  clusterAddrs: EntityAddrvec;
  hbBackAddrs: EntityAddrvec;
  hbFrontAddrs: EntityAddrvec;
  osdFeatures: bigint;
  metadata: Map<string, string>;
}

/** preprocess_boot + prepare_boot. */
export function handleBoot(osd: OSDMonitor, conf: OSDLivenessConf, b: BootRequest, now: number): Decision {
  const m = osd.osdmap;
  const from = b.from;
  if (b.clusterFsid !== b.fsid) return IGNORE;
  if (b.addrs.length === 0) return IGNORE;
  for (const f of ['SERVER_LUMINOUS', 'SERVER_JEWEL', 'SERVER_KRAKEN', 'OSD_RECOVERY_DELETES'] as const) {
    if (!hasFeature(b.osdFeatures, f)) return { propose: false, clog: [[1, `disallowing boot of OSD osd.${from} ${formatAddrvec(b.addrs)} because the osd lacks CEPH_FEATURE_${f}`]] };
  }
  const latest = { propose: false, sendFrom: b.currentEpoch + 1, clog: [] };
  if (isUp(m, from) && sameAddrs(m.osdAddrs.client[from]!, b.addrs) && sameAddrs(m.osdAddrs.cluster[from]!, b.clusterAddrs)) return latest;
  if (exists(m, from) && m.osdUuid[from] !== UUID_NIL && m.osdUuid[from] !== b.osdFsid) return IGNORE;
  if (isDestroyed(m, from)) return IGNORE;
  if (exists(m, from) && m.osdInfo[from]!.upFrom > b.version && sameAddrs(m.osdAddrs.client[from]!, b.addrs)) return latest;
  if (isNoup(osd, from)) return latest;

  // prepare_boot
  if (from >= m.maxOsd) return IGNORE;
  let oldState = exists(m, from) ? m.osdState[from]! : OsdState.NEW;
  if (osd.pending.newState.has(from)) oldState ^= osd.pending.newState.get(from)!;
  if (isUp(m, from)) {
    // A new instance of an OSD still marked up: mark the old one down first, then boot again.
    if (!pendingDown(osd, from)) pendingMarkDown(osd, from);
    return { propose: true, clog: [], retry: true };
  }
  if (osd.pending.newUpClient.has(from)) return { propose: true, clog: [], retry: true };
  const p = osd.pending;
  p.newUpClient.set(from, b.addrs);
  p.newUpCluster.set(from, b.clusterAddrs);
  p.newHbBackUp.set(from, b.hbBackAddrs);
  p.newHbFrontUp.set(from, b.hbFrontAddrs);
  if (!exists(m, from) || m.osdUuid[from] !== b.osdFsid) p.newUuid.set(from, b.osdFsid);
  if (b.newestMap === 0 && exists(m, from)) {
    const i = m.osdInfo[from]!;
    if (i.upFrom > i.lostAt) p.newLost.set(from, m.epoch);
  }
  osd.pendingMetadata.set(from, new Map(b.metadata));
  const info = m.osdInfo[from]!;
  if (b.mounted > info.lastCleanBegin || (b.mounted === info.lastCleanBegin && b.cleanThru > info.lastCleanEnd)) p.newLastCleanInterval.set(from, [b.mounted, b.cleanThru]);
  const xi = pendingXinfo(osd, from);
  const w = conf.laggyWeight();
  let lp = laggyProbability(xi);
  if (b.bootEpoch === 0) {
    lp *= 1 - w;
    xi.laggyInterval = Math.trunc(xi.laggyInterval * (1 - w));
  } else {
    if (xi.downStamp.sec) {
      const interval = Math.floor(now / 1000) - xi.downStamp.sec;
      xi.laggyInterval = Math.trunc(interval * w + xi.laggyInterval * (1 - w));
    }
    lp = w + lp * (1 - w);
  }
  xi.laggyProbabilityRaw = laggyProbabilityToRaw(lp);
  if (b.osdFeatures) xi.features = b.osdFeatures;
  const clog: [number, string][] = [];
  if ((conf.autoMarkAutoOutIn() && oldState & OsdState.AUTOOUT) || (conf.autoMarkNewIn() && oldState & OsdState.NEW) || conf.autoMarkIn()) {
    if (!isNoin(osd, from)) {
      if (xi.oldWeight > 0) {
        p.newWeight.set(from, xi.oldWeight);
        xi.oldWeight = 0;
      } else p.newWeight.set(from, CEPH_OSD_IN);
    }
  }
  clog.push([1, `osd.${from} ${formatAddrvec(b.addrs)} boot`]);
  return { propose: true, sendFrom: b.currentEpoch + 1, clog };
}



// ---- alive, pgtemp, beacon -----------------------------------------------------------------------

/** preprocess_alive + prepare_alive: raise up_thru to the epoch the OSD has. */
export function handleAlive(osd: OSDMonitor, from: number, addrs: EntityAddrvec, have: number, want: number): Decision {
  const m = osd.osdmap;
  if (!isUp(m, from) || !sameAddrs(m.osdAddrs.client[from]!, addrs)) return IGNORE;
  if (m.osdInfo[from]!.upThru >= want) return { propose: false, sendFrom: have, clog: [] };
  updateUpThru(osd, from, have);
  return { propose: true, sendFrom: have, clog: [] };
}

/** preprocess_pgtemp + prepare_pgtemp. */
export function handlePgTemp(osd: OSDMonitor, from: number, addrs: EntityAddrvec, mapEpoch: number, pgTemp: [PgT, number[]][], forced: boolean): Decision {
  const m = osd.osdmap;
  if (!isUp(m, from) || !sameAddrs(m.osdAddrs.client[from]!, addrs)) return IGNORE;
  let change = forced;
  let ignored = 0;
  if (!forced) {
    for (const [pg, osds] of pgTemp) {
      if (!m.pools.has(pg.pool) || pgToUpActingOsds(m, pg).actingPrimary !== from) {
        ignored++;
        continue;
      }
      const cur = m.pgTemp.get(pg);
      if (osds.length === 0 && (cur || m.primaryTemp.has(pg))) change = true;
      if (osds.length && (!cur || cur.join(',') !== osds.join(',') || m.primaryTemp.has(pg))) change = true;
    }
    if (!change && ignored === pgTemp.length) return IGNORE;
    if (!change) return { propose: false, sendFrom: mapEpoch, clog: [] };
  }
  for (const [pg, osds] of pgTemp) {
    if (osd.pending.oldPools.includes(pg.pool) || !m.pools.has(pg.pool)) continue;
    osd.pending.newPgTemp.set(pg, [...osds]);
    if (m.primaryTemp.has(pg) || osd.pending.newPrimaryTemp.has(pg)) osd.pending.newPrimaryTemp.set(pg, -1);
  }
  updateUpThru(osd, from, mapEpoch);
  return { propose: true, sendFrom: mapEpoch, clog: [] };
}

/**
 * preprocess_beacon + prepare_beacon: note the report of an up OSD (an OSD the map has down gets
 * the newer maps instead); a newer last_purged_snaps_scrub goes into the map.
 */
export function handleBeacon(osd: OSDMonitor, tracker: OSDReportTracker, from: number, addrs: EntityAddrvec, have: number, lastPurgedSnapsScrub: UTime, intervalSec: number, now: number): Decision {
  const m = osd.osdmap;
  if (!isUp(m, from)) return { propose: false, sendFrom: have + 1, clog: [] };
  if (!sameAddrs(m.osdAddrs.client[from]!, addrs)) return IGNORE;
  tracker.lastReport.set(from, { atMs: now, intervalSec });
  if (utimeToMs(m.osdXinfo[from]!.lastPurgedSnapsScrub) < utimeToMs(lastPurgedSnapsScrub)) {
    pendingXinfo(osd, from).lastPurgedSnapsScrub = { ...lastPurgedSnapsScrub };
    return { propose: true, clog: [] };
  }
  return IGNORE;
}

// ---- failures ------------------------------------------------------------------------------------

/** The monitor's in-memory view of OSD health reports (failure_info, last_osd_report). */
export class OSDReportTracker {
  /** target osd → reporter osd → failed since (ms). */
  readonly failures = new Map<number, Map<number, number>>();
  /** osd → last beacon (ms) and the interval it promised. */
  readonly lastReport = new Map<number, { atMs: number; intervalSec: number }>();
  /** down_pending_out: down and in OSDs → when this mon first saw them down (ms). */
  readonly downPendingOut = new Map<number, number>();
}

export interface FailureRequest {
  reporter: number;
  reporterAddrs: EntityAddrvec;
  fsid: Uuid;
  target: number;
  targetAddrs: EntityAddrvec;
  epoch: number;
  failed: boolean;
  immediate: boolean;
  failedForSec: number;
}

/** CrushWrapper::get_full_location_ordered_string: root first ("root=default,host=h1"). */
function locationString(osd: OSDMonitor, id: number): string {
  return crushOf(osd.osdmap)
    .getFullLocationOrdered(id)
    .reverse()
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** preprocess_failure + prepare_failure. */
export function handleFailure(osd: OSDMonitor, conf: OSDLivenessConf, tracker: OSDReportTracker, f: FailureRequest, now: number): Decision {
  const m = osd.osdmap;
  const stale = { propose: false, sendFrom: f.epoch + 1, clog: [] };
  if (!exists(m, f.reporter) || !sameAddrs(m.osdAddrs.client[f.reporter]!, f.reporterAddrs) || (isDown(m, f.reporter) && f.failed)) return stale;
  if (isDown(m, f.target) || !sameAddrs(m.osdAddrs.client[f.target]!, f.targetAddrs) || m.osdInfo[f.target]!.upFrom > f.epoch) {
    return f.epoch < m.epoch ? stale : IGNORE;
  }
  if (!canMarkDown(osd, conf, f.target)) return IGNORE;
  if (!f.failed) {
    const fi = tracker.failures.get(f.target);
    fi?.delete(f.reporter);
    if (fi && fi.size === 0) tracker.failures.delete(f.target);
    return { propose: false, clog: [[0, `osd.${f.target} failure report canceled by osd.${f.reporter}`]] };
  }
  if (f.immediate) {
    const clog: [number, string][] = [[0, `osd.${f.target} reported immediately failed by osd.${f.reporter}`]];
    if (pendingDown(osd, f.target)) return { propose: true, clog };
    pendingMarkDown(osd, f.target);
    pendingXinfo(osd, f.target).deadEpoch = osd.pending.epoch;
    clog.push([1, `osd.${f.target} failed (${locationString(osd, f.target)}) (connection refused reported by osd.${f.reporter})`]);
    return { propose: true, clog };
  }
  let fi = tracker.failures.get(f.target);
  if (!fi) tracker.failures.set(f.target, (fi = new Map()));
  fi.set(f.reporter, now - f.failedForSec * 1000);
  const clog: [number, string][] = [[0, `osd.${f.target} reported failed by osd.${f.reporter}`]];
  const r = checkFailure(osd, conf, tracker, f.target, now);
  return { propose: r.length > 0, clog: [...clog, ...r] };
}

/** check_failure: enough reporters from distinct subtrees, failed for longer than the grace. */
export function checkFailure(osd: OSDMonitor, conf: OSDLivenessConf, tracker: OSDReportTracker, target: number, now: number): [number, string][] {
  if (pendingDown(osd, target)) return [];
  const fi = tracker.failures.get(target);
  if (!fi || fi.size === 0) return [];
  const level = conf.reporterSubtreeLevel();
  const cw = crushOf(osd.osdmap);
  const subtrees = new Set<string>();
  let since = Infinity;
  for (const [reporter, failedSince] of fi) {
    if (!exists(osd.osdmap, reporter)) {
      fi.delete(reporter);
      continue;
    }
    subtrees.add(cw.getFullLocation(reporter).get(level) ?? `osd.${reporter}`);
    since = Math.min(since, failedSince);
  }
  if (subtrees.size < conf.minDownReporters()) return [];
  const failedFor = (now - since) / 1000;
  const grace = conf.heartbeatGraceSec();
  if (failedFor < grace) return [];
  pendingMarkDown(osd, target);
  return [[1, `osd.${target} failed (${locationString(osd, target)}) (${subtrees.size} reporters from different ${level} after ${failedFor.toFixed(6)} >= grace ${grace.toFixed(6)})`]];
}

/**
 * process_failures, after every osdmap commit: forget the reports about OSDs the new map has down.
 * Without it, reports outlive the markdown and mark the OSD down again right after it re-boots.
 */
export function processFailures(osd: OSDMonitor, tracker: OSDReportTracker): void {
  for (const target of [...tracker.failures.keys()]) if (!isUp(osd.osdmap, target)) tracker.failures.delete(target);
}

/**
 * The tick's share (check_failures, handle_osd_timeouts, the down → out pass): re-check pending
 * failure reports, forget those of OSDs already down, mark down up OSDs whose last beacon is older
 * than mon_osd_report_timeout, and mark out OSDs down for mon_osd_down_out_interval. Returns log lines; pending state changed when any line is returned.
 */
export function tickOsdReports(osd: OSDMonitor, conf: OSDLivenessConf, tracker: OSDReportTracker, now: number): [number, string][] {
  const m = osd.osdmap;
  const out: [number, string][] = [];
  for (const target of [...tracker.failures.keys()]) {
    if (!isUp(m, target)) tracker.failures.delete(target);
    else out.push(...checkFailure(osd, conf, tracker, target, now));
  }
  const timeoutMs = conf.reportTimeoutSec() * 1000;
  for (let i = 0; i < m.maxOsd; i++) {
    if (!isUp(m, i)) continue;
    const last = tracker.lastReport.get(i);
    // An OSD we never heard from since this mon started gets the full timeout from now (as Ceph
    // seeds last_osd_report on the first tick).
    if (!last) {
      tracker.lastReport.set(i, { atMs: now, intervalSec: 0 });
      continue;
    }
    // handle_osd_timeouts: max(mon_osd_report_timeout, 2 beacon intervals), so one missed beacon is fine.
    if (now - last.atMs > Math.max(timeoutMs, 2 * last.intervalSec * 1000) && !pendingDown(osd, i) && canMarkDown(osd, conf, i)) {
      pendingMarkDown(osd, i);
      out.push([1, `osd.${i} marked down after no beacon for ${((now - last.atMs) / 1000).toFixed(6)} seconds`]);
    }
  }
  out.push(...markDownOut(osd, conf, tracker, now));
  return out;
}

/** can_mark_out: not noout, and enough OSDs would stay in. */
function canMarkOut(osd: OSDMonitor, conf: OSDLivenessConf, id: number): boolean {
  const m = osd.osdmap;
  if ((m.flags & OsdMapFlag.NOOUT) !== 0 || ((m.osdState[id] ?? 0) & OsdState.NOOUT) !== 0) return false;
  let num = 0;
  let inn = 0;
  for (let i = 0; i < m.maxOsd; i++) {
    if (!exists(m, i)) continue;
    num++;
    if (m.osdWeight[i]) inn++;
  }
  if (num === 0) return false;
  for (const [i, w] of osd.pending.newWeight) if (w === CEPH_OSD_OUT && exists(m, i) && m.osdWeight[i]) inn--;
  return inn / num >= conf.minInRatio();
}

/**
 * OSDMonitor::tick's down → out: an OSD down (and in) for mon_osd_down_out_interval is marked out
 * with AUTOOUT and its weight remembered (a later boot marks it back in). The clock starts when this
 * mon first sees it down, as Ceph's down_pending_out.
 */
function markDownOut(osd: OSDMonitor, conf: OSDLivenessConf, tracker: OSDReportTracker, now: number): [number, string][] {
  const m = osd.osdmap;
  const out: [number, string][] = [];
  for (let i = 0; i < m.maxOsd; i++) {
    if (!exists(m, i) || !m.osdWeight[i] || isUp(m, i)) tracker.downPendingOut.delete(i);
    else if (!tracker.downPendingOut.has(i)) tracker.downPendingOut.set(i, now);
  }
  const interval = conf.downOutIntervalSec();
  if (interval <= 0) return out;
  for (const [i, since] of tracker.downPendingOut) {
    const downSec = Math.floor((now - since) / 1000);
    if (downSec < interval || !canMarkOut(osd, conf, i)) continue;
    osd.pending.newWeight.set(i, CEPH_OSD_OUT);
    osd.pending.newState.set(i, ((osd.pending.newState.get(i) ?? 0) | OsdState.AUTOOUT) >>> 0);
    pendingXinfo(osd, i).oldWeight = m.osdWeight[i]!;
    tracker.downPendingOut.delete(i);
    out.push([1, `Marking osd.${i} out (has been down for ${downSec} seconds)`]);
  }
  return out;
}

// ---- mark me down / dead -------------------------------------------------------------------------

export interface MarkMeDownRequest {
  fromOsd: boolean;
  fsid: Uuid;
  target: number;
  targetAddrs: EntityAddrvec;
  epoch: number;
  downAndDead: boolean;
}

/** preprocess_mark_me_down + prepare_mark_me_down. The caller acks (if asked) in every case. */
export function handleMarkMeDown(osd: OSDMonitor, conf: OSDLivenessConf, r: MarkMeDownRequest): Decision {
  const m = osd.osdmap;
  if (!r.fromOsd) return IGNORE;
  if (!exists(m, r.target) || isDown(m, r.target) || !sameAddrs(m.osdAddrs.client[r.target]!, r.targetAddrs)) return { propose: false, sendFrom: r.epoch + 1, clog: [] };
  if (!canMarkDown(osd, conf, r.target)) return IGNORE;
  pendingMarkDown(osd, r.target);
  if (r.downAndDead) pendingXinfo(osd, r.target).deadEpoch = r.epoch;
  return { propose: true, clog: [[1, `osd.${r.target} marked itself ${r.downAndDead ? 'down and dead' : 'down'}`]] };
}

/** preprocess_mark_me_dead + prepare_mark_me_dead: record dead_epoch of an OSD already down. */
export function handleMarkMeDead(osd: OSDMonitor, fromOsd: boolean, target: number, epoch: number): Decision {
  const m = osd.osdmap;
  if (!fromOsd) return IGNORE;
  if (!exists(m, target) || !isDown(m, target)) return { propose: false, sendFrom: epoch + 1, clog: [] };
  pendingXinfo(osd, target).deadEpoch = epoch;
  return { propose: true, clog: [[1, `osd.${target} marked itself dead as of e${epoch}`]] };
}
